//! Use cases: register, log in, file, amend, list, trace history, audit.
//!
//! The service is the only caller of the store. It asks the domain to
//! validate and decide, then hands the store one transactional write. Both
//! the JSON API and the web pages call it; neither talks to the store.

mod abnormal;
mod accounts;
mod alert_list;
mod batch_amendments;
mod batch_records;
mod blobs;
mod capture;
mod capture_budget;
mod capture_integrity;
mod capture_spool;
mod case_file;
mod case_freeze;
mod case_notices;
mod cases;
mod change_feed;
mod change_requests;
mod cluster_jobs;
pub use cluster_jobs::CHECKPOINT_SIGNER;
mod code_filter;
mod codes;
mod copying;
mod cores;
mod epcis;
mod feedback;
mod file_checks;
mod file_place;
mod finding_history;
mod findings_export;
mod flows;
mod identity_checks;
mod import_bulk;
mod import_checks;
mod import_templates;
mod imports;
mod ledger;
mod ledger_derived;
mod life;
mod login_guard;
mod names;
mod notify;
mod packages;
mod password_change;
mod privacy;
mod production_days;
mod recall_figures;
mod recall_reach;
mod recalls;
mod record_conflicts;
mod records;
mod register_lookup;
mod registers;
mod reminders;
mod reporting;
mod resolve;
mod retention;
mod reviews;
mod scan;
mod scan_cache;
mod scan_folds;
mod scan_journal;
mod scan_log;
mod scan_retention;
mod sealer;
mod sheet_cells;
mod statistics;
mod statistics_anomalies;
mod statistics_composition;
mod statistics_market;
mod statistics_report;
mod statistics_schedule;
mod subscriptions;
mod supply;
mod suspect;
mod sweep_snapshot;
mod sweeps;
mod two_factor;
mod verification;

use std::sync::Arc;

pub use abnormal::AbnormalEntry;
pub use accounts::principal_of_user;
pub use accounts::{NewAccount, NewKey, Registration, SignedSession};
pub use alert_list::AlertQuery;
pub use blobs::BlobDir;
pub use capture::{MAX_CAPTURE_BYTES, MAX_CAPTURE_EVENTS};
pub use capture_budget::CaptureRoom;
pub use capture_integrity::SIGNATURE_HEADER;
pub use capture_spool::{CaptureBody, CaptureSpool};
pub use cases::today_in_shanghai;
pub use codes::{CodeFormat, CodePlan, Verification, VerifyStatus};
pub use epcis::{definition_query, query_parameter, EventPage, NamedQuery};
pub use finding_history::{FindingDetail, FindingStep};
pub use flows::DirectoryEntry;
pub use import_templates::{import_kind, import_template, read_import, TemplateFormat};
pub use imports::{import_kinds_for, CommitMode, ImportUpload};
pub use ledger::{ledger_origin, LedgerReceipt, LedgerReport, ProofView};
pub use life::{CodeLife, LifeRecord, LifeStep};
pub use notify::{Notice, Notifier, Notifiers};
pub use packages::CodeLinks;
pub use recall_reach::RecallNotice;
pub use recalls::{Holder, RecallTrace, UpstreamLot};
pub use records::{merge_patch, schema_error, schema_finding, ListFilter, RecordView};
pub use register_lookup::{RegisterLookup, LOOKUP_CHUNK};
pub use registers::{RegisterSummary, MAX_REGISTER_BYTES};
pub use reminders::ReminderRun;
pub use reporting::Reporting;
pub use retention::{ExpiredRecord, PurgeReport};
pub use reviews::{QueueCounts, QueueFilter};
pub use scan::{client_kind, LedgerRef, ScanContext, ScanCount, ScanView, ScanWarning};
pub use sealer::{ContactKey, Sealer};
pub use sheet_cells::MAX_SHEET_BYTES;
pub use statistics::{
    Figure, RegionBreakdown, RegionFigure, Series, StatRequest, Summary, DEFAULT_K,
};
pub use statistics_anomalies::{AnomalyList, AnomalyPoint};
pub use statistics_composition::Composition;
pub use statistics_market::{
    BuyerSales, MarketFigure, MarketView, ProvinceSales, ProvinceScans, MARKET_BUYERS,
};
pub use statistics_report::{ReportFile, ReportRequest, REPORT_STEPS};
pub use statistics_schedule::{report_scope, scheduled_periods};
pub use subscriptions::{
    gs1_signature, is_public_ip, names_private_host, Subscription, Watch, Webhook, GS1_SIGNATURE,
};
pub use supply::{ProductSupply, RegionSupply, SupplyView};
pub use sweeps::SweepMode;
pub use two_factor::{SecondFactor, TotpEnrolment};
pub use verification::FindingFilter;
use zhisu_domain::Invalid;
use zhisu_store::{Store, StoreError};

/// Why a use case failed. Each variant documents its HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// 401: no valid session or API key.
    #[error("authentication required")]
    Unauthenticated,
    /// 403: authenticated, but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such record, or one the caller may not know exists.
    #[error("not found: {0}")]
    NotFound(String),
    /// 422: the record failed validation; every finding is listed.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 409: a duplicate (USCC, login, model, batch number) or a stale version.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 400: the request itself is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 413: an upload is too large.
    #[error("payload too large: {0}")]
    TooLarge(String),
    /// 415: an upload is not a PDF or image.
    #[error("unsupported media type: {0}")]
    UnsupportedType(String),
    /// 503: the database stayed busy past the writer's bound; nothing was
    /// done and the request may be sent again.
    #[error("busy: {0}")]
    Busy(String),
    /// 503: the database cannot be reached just now (it restarts, the
    /// network failed); the request may be sent again (issue 20.5).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 429: too many failed log-ins (the log-in is locked, or the address
    /// is held back); the message says until when.
    #[error("too many attempts: {0}")]
    TooManyAttempts(String),
    /// 500: logged with its source, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound("record".into()),
            StoreError::Conflict(c) => ServiceError::Conflict(c),
            StoreError::Busy(b) => ServiceError::Busy(b),
            StoreError::Unavailable(u) => ServiceError::Unavailable(u),
            StoreError::Internal(i) => ServiceError::Internal(i),
        }
    }
}

/// A file that could not be drawn (a chart, a PDF, a workbook) is the
/// platform's fault: 500, logged.
impl From<zhisu_print::PrintError> for ServiceError {
    fn from(e: zhisu_print::PrintError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// How long a page session lasts.
    pub session_hours: i64,
    /// A session unused this long ends (issue 16.5).
    pub session_idle_minutes: i64,
    /// Names the deployment in checkpoints and pages.
    pub deployment_name: String,
    /// Where the public reaches this deployment: the base of every issued
    /// code (`https://trace.example.gov.cn`).
    pub public_url: String,
    /// Queue every submitted batch for manual review, even clean ones.
    pub manual_review: bool,
    /// Scans of one 一物一码 code beyond which a counterfeit alert is raised.
    pub scan_alert_count: u64,
    /// Industry retention rules (G8.5): years to keep records of a product
    /// category, by category code.
    pub retention_years: std::collections::BTreeMap<String, u32>,
    /// Let subscriptions post to loopback, private and link-local
    /// addresses (a test bench, or a platform inside one network).
    pub webhook_private_networks: bool,
    /// Failed log-ins: when a log-in locks, and for how long (issue 16.4).
    pub login_policy: zhisu_domain::login_guard::LoginPolicy,
    /// MiB the EPCIS captures in flight may take together (issue 16.9).
    pub capture_memory_mib: u32,
    /// Roles that must log in with a one-time code too (issue 16.16).
    pub two_factor_roles: Vec<zhisu_domain::Role>,
    /// Verification rules this deployment does not run (issue 17), by ID.
    pub verification_off: Vec<String>,
    /// Rules' thresholds this deployment sets (`"ZV-T-002.days" = 10`).
    pub verification_thresholds: std::collections::BTreeMap<String, f64>,
    /// The disposal measures in force: the repository's table with this
    /// deployment's changes (V6-dispose, `disposal_measures`).
    pub disposal_measures: Arc<zhisu_domain::cases::MeasureTable>,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            session_hours: 12,
            session_idle_minutes: 30,
            deployment_name: "zhisu".into(),
            public_url: "http://127.0.0.1:8080".into(),
            manual_review: false,
            scan_alert_count: zhisu_domain::scan::ScanPolicy::default().max_scans,
            retention_years: Default::default(),
            webhook_private_networks: false,
            login_policy: Default::default(),
            capture_memory_mib: 1024,
            two_factor_roles: Vec::new(),
            verification_off: Vec::new(),
            verification_thresholds: Default::default(),
            disposal_measures: Arc::new(zhisu_domain::cases::measure_table().clone()),
        }
    }
}

/// The platform's use cases over one store, one blob folder and the
/// deployment's serial keys.
#[derive(Clone)]
pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) blobs: BlobDir,
    /// Files' bytes in the database rather than `blobs` (issue 20.2).
    pub(crate) files_in_database: bool,
    pub(crate) serials: Arc<zhisu_codes::serial::SerialCodec>,
    pub(crate) ledger_signer: Arc<zhisu_ledger::note::NoteSigner>,
    pub(crate) sealer: Arc<sealer::Sealer>,
    /// The ledger's right edge as of the last checkpoint.
    pub(crate) ledger_tip: Arc<tokio::sync::Mutex<ledger::LedgerTip>>,
    pub(crate) scan_cache: Arc<scan_cache::ScanCache>,
    pub(crate) scan_log: Arc<scan_log::ScanLog>,
    pub(crate) scan_policy: zhisu_domain::scan::ScanPolicy,
    /// One lock a stripe of enterprises: an enterprise's flows are checked
    /// and written one at a time, so two sales of one item sent at once
    /// cannot both find it held (issue 15.3). In-process: one server per
    /// database, as the README says.
    pub(crate) flow_locks: Arc<Vec<tokio::sync::Mutex<()>>>,
    /// Failed log-ins by address (issue 16.4).
    pub(crate) address_failures: Arc<login_guard::AddressFailures>,
    /// Argon2 password checks made (see `Service::password_checks`).
    pub(crate) password_checks: Arc<std::sync::atomic::AtomicU64>,
    /// Memory the EPCIS captures in flight may take (issue 16.9).
    pub(crate) capture_budget: Arc<capture_budget::CaptureBudget>,
    /// Posts subscription reports; None: no deliveries.
    pub(crate) webhook: Option<Arc<dyn subscriptions::Webhook>>,
    /// Asks the issuing authority live; None: the imported registers.
    pub(crate) register_lookup: Option<Arc<dyn register_lookup::RegisterLookup>>,
    /// Email and SMS for reminders (issue 19.5); the inbox always.
    pub(crate) notifiers: notify::Notifiers,
    /// Moves on whenever events are stored or a subscription is made.
    pub(crate) event_clock: Arc<tokio::sync::watch::Sender<u64>>,
    /// Shared: cloning a service (once per request) copies no strings.
    pub settings: Arc<ServiceSettings>,
}

impl Service {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: BlobDir,
        serials: zhisu_codes::serial::SerialCodec,
        ledger_signer: zhisu_ledger::note::NoteSigner,
        contact_key: sealer::ContactKey,
        settings: ServiceSettings,
    ) -> Self {
        Service {
            store,
            blobs,
            files_in_database: false,
            serials: Arc::new(serials),
            ledger_signer: Arc::new(ledger_signer),
            sealer: Arc::new(sealer::Sealer::new(contact_key)),
            ledger_tip: Arc::default(),
            scan_cache: Arc::default(),
            scan_log: Arc::new(scan_log::ScanLog::new()),
            flow_locks: Arc::new((0..64).map(|_| tokio::sync::Mutex::new(())).collect()),
            address_failures: Arc::default(),
            password_checks: Arc::default(),
            capture_budget: Arc::new(capture_budget::CaptureBudget::new(
                settings.capture_memory_mib,
            )),
            scan_policy: zhisu_domain::scan::ScanPolicy {
                max_scans: settings.scan_alert_count,
                ..Default::default()
            },
            webhook: None,
            register_lookup: None,
            notifiers: notify::Notifiers::default(),
            event_clock: Arc::new(tokio::sync::watch::channel(0).0),
            settings: Arc::new(settings),
        }
    }

    /// A channel reminders are sent on besides the inbox (email, SMS).
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifiers.0.push(notifier);
        self
    }

    /// The client subscription reports are posted with.
    pub fn with_webhook(mut self, webhook: Arc<dyn subscriptions::Webhook>) -> Self {
        self.webhook = Some(webhook);
        self
    }

    /// `Some(public_url)` while the address codes are minted under is a
    /// loopback or private one that no phone in the field can open (issue
    /// 15.10): labels printed now would carry it.
    pub fn unscannable_public_url(&self) -> Option<&str> {
        subscriptions::names_private_host(&self.settings.public_url)
            .then_some(self.settings.public_url.as_str())
    }

    /// Printing labels (PDF, ZPL, QR) under an unscannable public URL
    /// needs the user's confirmation.
    pub fn check_printable(&self, confirmed: bool) -> ServiceResult<()> {
        match self.unscannable_public_url() {
            Some(url) if !confirmed => Err(ServiceError::Conflict(format!(
                "对外网址 public_url 是本机或内网地址 {url}，印出的码手机扫不开。请先用 --public-url 设置对外网址；确需打印（如试印）请确认后再打印（接口加 allow_local_url=true） (public_url {url} is a loopback or private address no phone can open: set --public-url first, or confirm with allow_local_url=true)"
            ))),
            _ => Ok(()),
        }
    }

    /// Store health for `/healthz`.
    pub async fn health(&self) -> ServiceResult<zhisu_store::StoreHealth> {
        Ok(self.store.health().await?)
    }

    /// Whether the database answers, reading no table.
    pub async fn ping(&self) -> ServiceResult<()> {
        Ok(self.store.ping().await?)
    }
}

/// Hex SHA-256 of a secret: what is stored for session tokens and API keys.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// A fresh random token of `n_bytes`, hex encoded.
pub fn random_token(n_bytes: usize) -> String {
    use rand::RngCore;
    let mut bytes = vec![0u8; n_bytes];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
