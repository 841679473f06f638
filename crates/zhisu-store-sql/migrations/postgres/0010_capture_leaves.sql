-- Every EPCIS capture is a ledger leaf (its events' IDs and body hashes),
-- written in the capture's transaction.
alter table epcis_captures add column leaf_index bigint unique;
