//! zhisu's integration tests: one binary, real HTTP servers on loopback,
//! a real SQLite file, a real PostgreSQL database per test (when
//! `ZHISU_TEST_DATABASE_URL` is set; required under CI), and a real
//! headless Chromium for the pages.

mod api;
mod architecture;
mod browser;
mod browser_changes;
mod browser_duties;
mod browser_identity;
mod browser_labels;
mod browser_password;
mod browser_two_factor;
mod browser_verification;
mod busy;
mod change_requests;
mod channels;
mod cli;
mod cli_backup;
mod codes;
mod counterfeit;
mod epcis;
mod epcis_budget;
mod epcis_tenancy;
mod files;
mod flow;
mod holding;
mod identity_check;
mod label_sheet;
mod labels;
mod ledger_derived;
mod life;
mod login_guard;
mod nul;
mod openapi;
mod packing;
mod pages;
mod password_change;
mod password_policy;
mod plain_words;
mod problems;
mod recall_reach;
mod refusals;
mod retention;
mod scan;
mod scan_journal;
mod schemathesis;
mod schemes;
mod sm_crypto;
mod store;
mod subscriptions;
mod supply;
mod support;
mod tenant_sweep;
mod transport;
mod two_factor;
mod verification;
