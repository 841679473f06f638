//! The storage interface: one trait, split into capabilities, that every
//! engine implements. Models here are independent of any row layout.
//!
//! Architecture Invariant: every write of a record goes through
//! [`RecordStore::create_record`] or [`RecordStore::update_record`], which
//! in ONE transaction store the new version, append its ledger leaf and
//! write the audit entry. Nothing is updated in place.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use zhisu_domain::auth::ListScope;
use zhisu_domain::{BlobRef, RecordKind, Role};

mod cluster;
mod events;
mod imports;
mod reporting;
mod reports;
mod scans;
mod statistics;
mod sweeps;
mod verification;
pub use cluster::{
    lock_key, parse_change, Change, ChangeFeed, ClusterLock, ClusterStore, NoClusterLock,
};
pub use events::{
    pieces_of, CaptureRow, EventQuery, EventStore, NewEvent, Piece, Pieces, SubscriptionRow,
};
pub use imports::{ImportJob, ImportKey, ImportRow, ImportStore, NewImport};
pub use reporting::{
    InboxMessage, InboxOwner, NewInboxMessage, NewQuantityReport, NewReminder, QuantityReport,
    Reminder, ReportingStore,
};
pub use reports::{NewReportFile, ReportFileMeta, ReportStore};
pub use scans::{Alert, AlertFilter, CodeSet, JournalMark, NewScan, ScanStore};
pub use statistics::{StatFilter, StatGroup, StatStore};
pub use sweeps::{
    ChangedRecord, FileState, NewSweep, RawPage, RawRecord, RecordRef, SweepPages, SweepRow,
    SweepRuleCount, SweepStore, SWEPT_KINDS,
};
pub use verification::{FindingQuery, FindingRow, NewFinding, QueueTally, VerificationStore};

/// Storage failures, each with the HTTP status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// 404: the record does not exist.
    #[error("not found")]
    NotFound,
    /// 409: a unique constraint (USCC, login, batch number) or a stale version.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 503: the database stayed busy (locked by another writer, every
    /// connection taken) past the writer's bound; nothing was written, and
    /// the request may be sent again (issue 16.2).
    #[error("storage busy: {0}")]
    Busy(String),
    /// 503: the database could not be reached (restarting, a network
    /// fault, every connection lost): the request may be sent again. A
    /// write cut off at its commit may or may not have been kept, which
    /// the platform's writes keyed by content (import keys, unique keys,
    /// versions) make safe to send again (issue 20.5).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// 500: the engine failed; details are logged, never shown.
    #[error("storage failure: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The current time as the store writes it: RFC 3339 UTC, microseconds.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// One version of a record, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct StoredRecord {
    pub id: i64,
    pub kind: RecordKind,
    pub version: i64,
    pub enterprise_id: i64,
    pub parent_id: Option<i64>,
    pub region_code: String,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
    /// Position of this version's leaf in the ledger.
    pub leaf_index: i64,
    /// The record body: canonical JSON of the domain type.
    pub body: serde_json::Value,
}

/// The columns a list can filter on, derived from the body by the service.
#[derive(Debug, Clone)]
pub struct RecordIndex {
    /// None for an enterprise being created: it owns itself.
    pub enterprise_id: Option<i64>,
    pub parent_id: Option<i64>,
    /// Unique per kind (USCC for enterprises, product/batch_no for batches).
    pub unique_key: Option<String>,
    /// What `q` searches.
    pub name: String,
    pub region_code: String,
    /// A kind-specific filter (enterprise kind, product category, batch status).
    pub tag: Option<String>,
    /// Unique per kind: what a scanned code finds the record by (a product's GTIN).
    pub code_key: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewRecord {
    pub kind: RecordKind,
    pub index: RecordIndex,
    pub body: serde_json::Value,
    /// Codes this record holds (a package's children), linked in the same
    /// transaction; a code already linked elsewhere is a conflict.
    pub links: Vec<String>,
    /// A flow record's lines, stored in the same transaction.
    pub flow: Vec<FlowRow>,
    /// A row of an import made this record: its key is kept in the same
    /// transaction, so the row imported again creates nothing (issue 19.3).
    pub import_key: Option<ImportKey>,
}

/// One code moving from one enterprise to another (a line of a flow record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FlowRow {
    /// The flow record (set by the store on insert).
    pub flow_id: i64,
    /// `sale` or `purchase`: who recorded it.
    pub kind: String,
    pub from_id: Option<i64>,
    pub to_id: Option<i64>,
    pub code: String,
    pub batch_id: i64,
    pub quantity: i64,
    pub at: String,
}

/// How many items of a product went from one party to another (P6.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FlowTotal {
    pub product_id: i64,
    /// `sale` or `purchase`: who recorded it.
    pub kind: String,
    pub from_id: Option<i64>,
    pub to_id: Option<i64>,
    pub quantity: i64,
}

/// An entry of the audit log (G8.4, G11).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    /// `product/12`, filled in by the store for creations.
    pub target: Option<String>,
    pub enterprise_id: Option<i64>,
    pub ip: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub enterprise_id: Option<i64>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// One target's entries (`finding/12`).
    pub target: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone)]
pub struct RecordQuery {
    pub kind: RecordKind,
    pub scope: ListScope,
    pub enterprise_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub tag: Option<String>,
    pub region_prefix: Option<String>,
    /// Substring of the name, case-insensitive.
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

impl RecordQuery {
    pub fn new(kind: RecordKind, scope: ListScope) -> Self {
        RecordQuery {
            kind,
            scope,
            enterprise_id: None,
            parent_id: None,
            tag: None,
            region_prefix: None,
            q: None,
            limit: 50,
            offset: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub jurisdiction: Vec<String>,
    pub created_at: String,
    /// Someone else set the password: it is changed at the next log-in
    /// before anything else (issue 16.5).
    #[serde(skip)]
    pub must_change_password: bool,
    /// The TOTP secret, sealed; None: not enrolled (issue 16.16).
    #[serde(skip)]
    pub totp_secret: Option<String>,
    /// The enrolment was confirmed with a code: log-ins ask for one.
    #[serde(skip)]
    pub totp_confirmed: bool,
    /// The last TOTP time step taken: a code is used once.
    #[serde(skip)]
    pub totp_last_step: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub jurisdiction: Vec<String>,
    pub must_change_password: bool,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: String,
    /// When the session was last used (RFC 3339 UTC), at most a minute
    /// behind: an idle session ends (issue 16.5).
    pub last_seen_at: String,
    /// When this session passed its second factor, if it did.
    pub second_factor_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: i64,
    /// The first characters of the key, to tell keys apart in lists.
    pub prefix: String,
    pub label: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub jurisdiction: Vec<String>,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub prefix: String,
    pub key_hash: String,
    pub label: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub jurisdiction: Vec<String>,
    pub created_by: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoreHealth {
    pub engine: &'static str,
    pub records: i64,
    pub ledger_leaves: i64,
}

/// One ledger leaf and what it stands for, as the store holds them now.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub leaf_index: i64,
    pub leaf_hash: String,
    pub entry_ref: String,
    pub content: LeafContent,
}

/// The row a leaf was computed from.
#[derive(Debug, Clone)]
pub enum LeafContent {
    /// A record version: its kind, record, version and canonical JSON.
    Version {
        kind: String,
        record_id: i64,
        version: i64,
        body: String,
    },
    /// An audit entry.
    Audit(AuditRecord),
    /// A retention purge: the canonical JSON its leaf hashes.
    Purge { id: i64, detail: String },
    /// An EPCIS capture; its events are read separately
    /// ([`AuditStore::capture_leaf_events`]).
    Capture { capture_id: String },
    /// The row behind the leaf is gone.
    Missing,
}

/// The bytes an audit entry contributes to the ledger: its canonical JSON
/// (id, time, actor, action, target, enterprise, address, outcome, detail).
pub fn audit_leaf_bytes(record: &AuditRecord) -> Vec<u8> {
    let json = serde_json::to_value(record).unwrap_or_default();
    format!("zhisu-audit/v1\n{}", canonical_json(&json)).into_bytes()
}

/// The bytes a retention purge contributes to the ledger.
pub fn purge_leaf_bytes(detail: &str) -> Vec<u8> {
    format!("zhisu-purge/v1\n{detail}").into_bytes()
}

/// One version a purge redacts: its new (redacted) body.
#[derive(Debug, Clone)]
pub struct PurgeVersion {
    pub kind: zhisu_domain::RecordKind,
    pub record_id: i64,
    pub version: i64,
    pub body: serde_json::Value,
}

/// A retention purge (G8.5) as the service decided it.
#[derive(Debug, Clone)]
pub struct NewPurge {
    pub actor: String,
    /// The day retention was judged on.
    pub as_of: String,
    pub versions: Vec<PurgeVersion>,
    /// New list names (`records.name`) for records whose name was private.
    pub names: Vec<(i64, String)>,
    pub audit: AuditEntry,
}

/// What a purge listed for one version: enough for `ledger verify` to
/// accept the redacted body and still check the original leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PurgedVersion {
    pub kind: String,
    pub record_id: i64,
    pub version: i64,
    pub leaf_index: i64,
    /// The version's leaf hash (hex), computed from the original body.
    pub leaf_hash: String,
    /// SHA-256 (hex) of the redacted canonical body now stored.
    pub body_sha256: String,
}

/// The canonical content of a purge (what its leaf hashes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PurgeDetail {
    pub at: String,
    pub actor: String,
    pub as_of: String,
    pub versions: Vec<PurgedVersion>,
}

/// Row counts `ledger verify` compares with the number of leaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct LedgerCounts {
    pub versions: i64,
    /// Audit entries that have a leaf.
    pub ledgered_audit: i64,
    /// Audit entries without a leaf written after the first one with a
    /// leaf: rows added behind the platform's back. (Entries older than
    /// the ledgered audit log have none and are not counted.)
    pub unledgered_audit: i64,
    pub purges: i64,
    pub ledgered_captures: i64,
    /// Captures without a leaf after the first one with a leaf.
    pub unledgered_captures: i64,
}

/// A node of the stored Merkle tree: (level, index, SHA-256).
pub type TreeNode = (u32, i64, [u8; 32]);

/// Versioned, ledgered records: enterprises, products, batches.
#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Stores version 1, its ledger leaf and `audit`, in one transaction.
    async fn create_record(
        &self,
        record: NewRecord,
        audit: AuditEntry,
    ) -> StoreResult<StoredRecord>;
    /// Stores the next version. With `expected_version`, fails with
    /// Conflict when another write came first.
    async fn update_record(
        &self,
        kind: RecordKind,
        id: i64,
        expected_version: Option<i64>,
        index: RecordIndex,
        body: serde_json::Value,
        audit: AuditEntry,
    ) -> StoreResult<StoredRecord>;
    async fn get_record(&self, kind: RecordKind, id: i64) -> StoreResult<Option<StoredRecord>>;
    /// Several records of one kind (current versions), in no given order.
    async fn get_records(&self, kind: RecordKind, ids: &[i64]) -> StoreResult<Vec<StoredRecord>>;
    /// Every version, oldest first.
    async fn record_history(&self, kind: RecordKind, id: i64) -> StoreResult<Vec<StoredRecord>>;
    async fn list_records(&self, query: &RecordQuery) -> StoreResult<Page<StoredRecord>>;
    async fn find_by_unique_key(
        &self,
        kind: RecordKind,
        key: &str,
    ) -> StoreResult<Option<StoredRecord>>;
    /// The record whose code key (a product's GTIN) is `key`.
    async fn find_by_code_key(
        &self,
        kind: RecordKind,
        key: &str,
    ) -> StoreResult<Option<StoredRecord>>;
    /// The package a code (by key) was packed into.
    async fn package_of(&self, code: &str) -> StoreResult<Option<i64>>;
    /// The codes linked to a package, in no particular order.
    async fn links_of(&self, package_id: i64) -> StoreResult<Vec<String>>;
    /// Records after `after` by id (at most `limit`) with their stored
    /// index columns and their current version's body: what `zhisu ledger
    /// verify` recomputes the columns from (issue 16.18).
    async fn indexed_records(&self, after: i64, limit: i64) -> StoreResult<Vec<IndexedRecord>>;
}

/// A record's index columns as stored, beside the body they derive from.
#[derive(Debug, Clone)]
pub struct IndexedRecord {
    pub kind: RecordKind,
    pub id: i64,
    /// The version the columns point at, and the latest stored.
    pub version: i64,
    pub latest_version: i64,
    pub index: RecordIndex,
    /// When the record was first stored, and last changed.
    pub created_at: String,
    pub updated_at: String,
    /// The body of `version`; None when no such version is stored.
    pub body: Option<serde_json::Value>,
}

/// Accounts, sessions and API keys (G9.3).
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a user; with `enterprise`, creates the enterprise too and
    /// ties the user to it, all in one transaction.
    async fn register(
        &self,
        user: NewUser,
        enterprise: Option<NewRecord>,
        audit: AuditEntry,
    ) -> StoreResult<(User, Option<StoredRecord>)>;
    async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>>;
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>>;
    /// Accounts of one enterprise, or all with None.
    async fn list_users(&self, enterprise_id: Option<i64>) -> StoreResult<Vec<User>>;
    async fn count_users(&self) -> StoreResult<i64>;
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: &str,
    ) -> StoreResult<()>;
    async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Notes that a session was used at `at`.
    async fn touch_session(&self, token_hash: &str, at: &str) -> StoreResult<()>;
    /// Sets (or clears) a user's TOTP secret and whether it is confirmed,
    /// with an audit entry when given.
    async fn set_totp(
        &self,
        user_id: i64,
        secret: Option<&str>,
        confirmed: bool,
        audit: Option<AuditEntry>,
    ) -> StoreResult<()>;
    /// Takes TOTP time step `step` for a user when it is later than the
    /// last one taken; false when it was used already.
    async fn take_totp_step(&self, user_id: i64, step: i64) -> StoreResult<bool>;
    /// Marks a session as having passed its second factor.
    async fn pass_second_factor(&self, token_hash: &str, at: &str) -> StoreResult<()>;
    /// Sets a user's password hash (no change is then pending) and ends
    /// its other sessions, with the audit entry, in one transaction.
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: &str,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    async fn create_api_key(&self, key: NewApiKey, audit: AuditEntry) -> StoreResult<ApiKey>;
    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;
    async fn api_key(&self, id: i64) -> StoreResult<Option<ApiKey>>;
    /// Keys of one enterprise, or all keys with None.
    async fn list_api_keys(&self, enterprise_id: Option<i64>) -> StoreResult<Vec<ApiKey>>;
    async fn revoke_api_key(&self, id: i64, audit: AuditEntry) -> StoreResult<()>;
    /// The failed log-ins counted against a log-in name (issue 16.4).
    async fn login_failures(&self, login: &str) -> StoreResult<Option<LoginFailures>>;
    /// Stores the count after a failure; with `lock`, the audit entry of
    /// the lock it starts, in the same transaction. Counts whose window
    /// and lock are both past `stale_before` are cleared on the way.
    async fn put_login_failures(
        &self,
        failures: LoginFailures,
        stale_before: &str,
        lock: Option<AuditEntry>,
    ) -> StoreResult<()>;
    /// Forgets a log-in's failures (after a successful log-in).
    async fn clear_login_failures(&self, login: &str) -> StoreResult<()>;
    /// Failed log-ins from `address` at or after `since`, whichever server
    /// answered them (issue 20).
    async fn address_failures_since(&self, address: &str, since: &str) -> StoreResult<i64>;
    /// Counts a failed log-in from `address` at `at`; the failures of
    /// every address before `stale_before` are forgotten on the way.
    async fn add_address_failure(
        &self,
        address: &str,
        at: &str,
        stale_before: &str,
    ) -> StoreResult<()>;
}

/// A row of `login_failures`: times are RFC 3339 UTC as the store writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFailures {
    pub login: String,
    pub failures: i64,
    pub first_at: String,
    pub locked_until: Option<String>,
}

/// Who uploaded a file (issue 16.8): an actor and, for an enterprise's
/// people and keys, its enterprise; `anonymous` for a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobUpload {
    pub uploaded_by: String,
    pub enterprise_id: Option<i64>,
}

/// A record that references a file, with what access decisions read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReference {
    pub kind: RecordKind,
    pub id: i64,
    pub enterprise_id: i64,
    pub region_code: String,
}

/// Metadata of files kept in the blob folder (the bytes live outside the database).
#[async_trait]
pub trait BlobIndex: Send + Sync {
    /// Stores a file's metadata (once) and this upload of it, with the
    /// upload's own name in `blob.name`.
    async fn put_blob(&self, blob: &BlobRef, upload: &BlobUpload) -> StoreResult<()>;
    /// A file's metadata, named as its first upload was.
    async fn blob(&self, sha256: &str) -> StoreResult<Option<BlobRef>>;
    /// The name of the latest upload of `sha256` by `actor`, or by anyone
    /// of `enterprise_id`; None when neither uploaded it.
    async fn upload_name(
        &self,
        sha256: &str,
        actor: &str,
        enterprise_id: Option<i64>,
    ) -> StoreResult<Option<String>>;
    /// Records one of whose versions references `sha256` (at most `limit`).
    async fn records_with_file(&self, sha256: &str, limit: i64) -> StoreResult<Vec<FileReference>>;
    /// Stored files' hashes in order after `after`, at most `limit`.
    async fn blob_hashes(&self, after: &str, limit: i64) -> StoreResult<Vec<String>>;
}

/// The audit log (G8.4) and store health.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, entry: AuditEntry) -> StoreResult<()>;
    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Page<AuditRecord>>;
    /// The store's counts (for the platform admin: they read whole tables).
    async fn health(&self) -> StoreResult<StoreHealth>;
    /// Whether the database answers, reading no table: what a load
    /// balancer's probe asks every few seconds of every server.
    async fn ping(&self) -> StoreResult<()>;
    /// Ledger leaves from `from_index` on (at most `limit`), each with the
    /// record version it stands for as stored now, for `ledger verify`.
    async fn ledger_entries(&self, from_index: i64, limit: i64) -> StoreResult<Vec<LedgerEntry>>;
    /// Leaf hashes (hex) from `from_index` on, at most `limit`, in order.
    async fn leaf_hashes(&self, from_index: i64, limit: i64) -> StoreResult<Vec<String>>;
    /// How many rows stand behind leaves (each must have its leaf).
    async fn ledger_counts(&self) -> StoreResult<LedgerCounts>;
    /// Keeps the tree nodes completed since the last checkpoint and the
    /// signed checkpoint (once per tree size), in one transaction: the
    /// stored tree always covers the latest checkpoint.
    async fn store_checkpoint(
        &self,
        nodes: &[TreeNode],
        tree_size: i64,
        root: &str,
        note: &str,
    ) -> StoreResult<()>;
    /// Every stored checkpoint, smallest tree first: (size, hex root, note).
    async fn checkpoints(&self) -> StoreResult<Vec<(i64, String, String)>>;
    /// The checkpoint of the largest tree: (size, hex root, note).
    async fn latest_checkpoint(&self) -> StoreResult<Option<(i64, String, String)>>;
    /// Stored tree nodes and leaf hashes (hex) by position, in one go;
    /// what is not stored is left out.
    async fn tree_reads(
        &self,
        nodes: &[(u32, i64)],
        leaves: &[i64],
    ) -> StoreResult<(Vec<TreeNode>, Vec<(i64, String)>)>;
    /// Redacts the listed versions and records the purge as a leaf (and
    /// its audit entry), all in one transaction. Returns the purge's id.
    async fn purge(&self, purge: NewPurge) -> StoreResult<i64>;
    /// The events a capture stored, in order: (eventID, body as stored).
    async fn capture_leaf_events(&self, capture_id: &str) -> StoreResult<Vec<(String, String)>>;
    /// Every purge's id and canonical detail, oldest first.
    async fn purges(&self) -> StoreResult<Vec<(i64, String)>>;
    /// Stored nodes of one level with index in `from..=to`, in order.
    async fn tree_level(&self, level: u32, from: i64, to: i64) -> StoreResult<Vec<TreeNode>>;
}

/// Flow lines: who received which code, and where a batch went.
#[async_trait]
pub trait FlowStore: Send + Sync {
    /// Of `codes`, those a sale or return delivered to `holder` (its own
    /// purchases deliver nothing: issue 16.6).
    async fn held_codes(&self, holder: i64, codes: &[String]) -> StoreResult<Vec<String>>;
    /// Every line carrying one of `codes` with `holder` as sender or
    /// receiver, oldest first: what the holding rule
    /// (`zhisu_domain::holding`) reads to know what `holder` holds now.
    async fn movements_of(&self, holder: i64, codes: &[String]) -> StoreResult<Vec<FlowRow>>;
    /// Every line carrying one of `batch_ids`, oldest first (at most `limit`).
    async fn flow_of_batches(&self, batch_ids: &[i64], limit: i64) -> StoreResult<Vec<FlowRow>>;
    /// The enterprises a sale or return delivered a code to, latest first
    /// (at most 10).
    async fn holders_of(&self, code: &str) -> StoreResult<Vec<i64>>;
    /// The lines stored for one flow record, in the order stored.
    async fn lines_of_flow(&self, flow_id: i64) -> StoreResult<Vec<FlowRow>>;
    /// Every line carrying `code`, oldest first (at most `limit`).
    async fn flow_of_code(&self, code: &str, limit: i64) -> StoreResult<Vec<FlowRow>>;
    /// Flow lines summed by product and parties, for the batches in
    /// `scope` (by their producer), and with `party` only the lines that
    /// enterprise sent or received.
    async fn flow_totals(
        &self,
        scope: &ListScope,
        party: Option<i64>,
    ) -> StoreResult<Vec<FlowTotal>>;
    /// The enterprises `from` sold a code to, first sale first.
    async fn shipped_to(&self, code: &str, from: i64) -> StoreResult<Vec<i64>>;
}

/// Everything the service needs, in one object.
pub trait Store:
    RecordStore
    + AccountStore
    + BlobIndex
    + AuditStore
    + ScanStore
    + FlowStore
    + EventStore
    + VerificationStore
    + SweepStore
    + StatStore
    + ReportStore
    + ImportStore
    + ReportingStore
    + ClusterStore
    + 'static
{
}
impl<
        T: RecordStore
            + AccountStore
            + BlobIndex
            + AuditStore
            + ScanStore
            + FlowStore
            + EventStore
            + VerificationStore
            + SweepStore
            + StatStore
            + ReportStore
            + ImportStore
            + ReportingStore
            + ClusterStore
            + 'static,
    > Store for T
{
}

/// The canonical JSON of a record body: object keys sorted by code point,
/// no insignificant white space. This is what is hashed into the ledger,
/// so it must not depend on how a map happened to be built.
pub fn canonical_json(value: &serde_json::Value) -> String {
    fn write(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(':');
                    write(&map[key], out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let value = serde_json::json!({"b": 1, "a": {"d": [true, null], "c": "中文"}});
        assert_eq!(
            super::canonical_json(&value),
            r#"{"a":{"c":"中文","d":[true,null]},"b":1}"#
        );
    }
}
