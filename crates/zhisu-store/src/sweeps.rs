//! What a verification sweep reads and writes (V5-auto, issue 17.2): the
//! current bodies of the records the rules look at, a page at a time, as
//! stored text (the service parses them straight into their types); the
//! records changed since a sweep's mark; the records that share a key with
//! some (what an incremental sweep must read again); and the sweep's
//! findings, stored as set operations rather than row by row.

use async_trait::async_trait;
use serde::Serialize;
use zhisu_domain::verification::Keys;
use zhisu_domain::RecordKind;

use crate::{NewFinding, StoreResult};

/// The kinds of record a sweep reads.
pub const SWEPT_KINDS: [RecordKind; 5] = [
    RecordKind::Enterprise,
    RecordKind::Product,
    RecordKind::Batch,
    RecordKind::Flow,
    RecordKind::Register,
];

/// The current version of one record, its body as stored (canonical JSON).
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub id: i64,
    pub kind: RecordKind,
    pub version: i64,
    pub region_code: String,
    pub created_at: String,
    pub updated_at: String,
    pub body: String,
}

impl RawRecord {
    /// The record, borrowed.
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            id: self.id,
            kind: self.kind,
            version: self.version,
            region_code: &self.region_code,
            created_at: &self.created_at,
            updated_at: &self.updated_at,
            body: &self.body,
        }
    }
}

/// A page of [`RawRecord`]s: `last` is the page's cursor (the next page
/// starts after it), also when nothing on the page was a current version
/// of a swept kind; None at the end.
#[derive(Debug, Clone, Default)]
pub struct RawPage {
    pub records: Vec<RawRecord>,
    pub last: Option<i64>,
}

/// One current record of a page as the engine holds it: borrowed, so a
/// full sweep parses each body where it lies rather than copying it first
/// (a copy of every body was a tenth of a sweep of 1,000,000 records).
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    pub id: i64,
    pub kind: RecordKind,
    pub version: i64,
    pub region_code: &'a str,
    pub created_at: &'a str,
    pub updated_at: &'a str,
    pub body: &'a str,
}

impl RecordRef<'_> {
    /// The record, owned.
    pub fn to_owned(&self) -> RawRecord {
        RawRecord {
            id: self.id,
            kind: self.kind,
            version: self.version,
            region_code: self.region_code.to_owned(),
            created_at: self.created_at.to_owned(),
            updated_at: self.updated_at.to_owned(),
            body: self.body.to_owned(),
        }
    }
}

/// A full sweep's pages read in place, from blocking threads, several at
/// once (an engine that has it: SQLite, `sqlite_sweep.rs`). Pages are
/// numbered from 0; page `n` holds the records whose current version lies
/// in the `n`th span of `limit` cursors, so threads can share the pages out
/// without waiting for each other.
pub trait SweepPages: Send + Sync {
    /// How many pages of `limit` cursors there are now.
    fn pages(&self, limit: i64) -> StoreResult<i64>;
    /// Hands each current record of a swept kind on page `page` to
    /// `visit`, in no particular order. Blocking.
    fn visit(&self, page: i64, limit: i64, visit: &mut dyn FnMut(RecordRef<'_>))
        -> StoreResult<()>;
}

/// A file records reference, with what its last look saw (ZV-C-005).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    pub sha256: String,
    /// Its size and modification time at the last look (None: never
    /// looked at, or missing then).
    pub size: Option<i64>,
    pub modified: Option<String>,
    /// `missing` or `altered` at the last look; None when it was sound or
    /// never looked at.
    pub fault: Option<String>,
    /// When it was last looked at (None: never).
    pub checked_at: Option<String>,
}

/// A record with a version after a sweep's mark.
#[derive(Debug, Clone)]
pub struct ChangedRecord {
    pub id: i64,
    pub kind: RecordKind,
    /// Its body as of the mark; None when it was created since.
    pub before: Option<String>,
}

/// A sweep: who or what started it, over which catalogue and settings.
#[derive(Debug, Clone)]
pub struct NewSweep {
    pub started_at: String,
    pub started_by: String,
    pub catalogue_version: String,
    /// Records read.
    pub records: i64,
    /// `full` or `incremental`.
    pub mode: String,
    /// The highest ledger leaf of a record version when it started: the
    /// next incremental sweep reads what changed after it.
    pub mark: i64,
    /// A digest of the deployment's thresholds and rules turned off: an
    /// incremental sweep needs the same as the full sweep before it.
    pub settings: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SweepRow {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub started_by: String,
    pub catalogue_version: String,
    pub records: i64,
    /// Findings the sweep saw.
    pub findings: i64,
    /// Of those, new or seen again after being resolved.
    pub opened: i64,
    /// Findings open before that this sweep no longer saw.
    pub resolved: i64,
    /// `full`: every record; `incremental`: the records changed since the
    /// sweep before and those that share a key with them.
    pub mode: String,
    /// The highest ledger leaf of a record version when it started.
    pub mark: i64,
    #[serde(skip)]
    pub settings: String,
}

/// What one sweep found of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SweepRuleCount {
    pub rule: String,
    /// Findings of the rule the sweep saw (an incremental sweep: among the
    /// records it judged).
    pub seen: i64,
    /// Of those, new or seen again after being resolved.
    pub opened: i64,
    /// Open findings of the rule the sweep no longer saw.
    pub resolved: i64,
    /// Findings of the rule open in the whole store after the sweep.
    pub open: i64,
}

#[async_trait]
pub trait SweepStore: Send + Sync {
    /// The current version of the records of [`SWEPT_KINDS`] from the
    /// cursor `after` on (0 to start), a page of about `limit` rows, in one
    /// round trip. Every record is on exactly one page.
    async fn sweep_records(&self, after: i64, limit: i64) -> StoreResult<RawPage>;
    /// The engine's in-place reader of a full sweep's pages, where it has
    /// one, made ready for a long read; else a sweep reads
    /// [`SweepStore::sweep_records`].
    async fn sweep_pages(&self) -> Option<std::sync::Arc<dyn SweepPages>> {
        None
    }
    /// The same for these IDs (any kind of the five).
    async fn sweep_records_by_id(&self, ids: &[i64]) -> StoreResult<Vec<RawRecord>>;
    /// Files records reference that are due a look, at most `limit`: never
    /// looked at, last looked at before `since`, or faulty at a look before
    /// `started` (the sweep's start, not before `since`). Each look kept
    /// with a later time leaves the set, so a caller asks again until none
    /// is left.
    async fn files_due(
        &self,
        since: &str,
        started: &str,
        limit: i64,
    ) -> StoreResult<Vec<FileState>>;
    /// Keeps what looks at files saw (`checked_at` set on each).
    async fn keep_file_checks(&self, checks: &[FileState]) -> StoreResult<()>;
    /// The files faulty at their last look: SHA-256 and `missing` or
    /// `altered`.
    async fn file_faults(&self) -> StoreResult<Vec<(String, String)>>;
    /// The highest ledger leaf of any record version (-1 when none).
    async fn version_mark(&self) -> StoreResult<i64>;
    /// The records of [`SWEPT_KINDS`] with a version after `mark`, each
    /// with its body as of the mark; None when more than `limit` records
    /// (of any kind) changed.
    async fn changed_since(&self, mark: i64, limit: i64)
        -> StoreResult<Option<Vec<ChangedRecord>>>;
    /// The IDs of the records that hold (or held) any of these keys.
    async fn sweep_neighbours(&self, keys: &Keys) -> StoreResult<Vec<i64>>;
    /// Stores a sweep and what it found, in one transaction: a finding
    /// already open is brought up to date (written only when it changed);
    /// one resolved before is opened again; a new one is opened; every
    /// open finding this sweep did not see is resolved by it. `scope`: the
    /// IDs of an incremental sweep's records, the only ones whose findings
    /// it judges (None: all).
    async fn record_sweep(
        &self,
        sweep: NewSweep,
        findings: &[NewFinding],
        scope: Option<&[i64]>,
    ) -> StoreResult<SweepRow>;
    async fn latest_sweep(&self) -> StoreResult<Option<SweepRow>>;
    /// The sweeps, newest first, one page, and how many there are.
    async fn list_sweeps(&self, limit: i64, offset: i64) -> StoreResult<(Vec<SweepRow>, i64)>;
    async fn get_sweep(&self, id: i64) -> StoreResult<Option<SweepRow>>;
    /// What the sweep found rule by rule (the rules with any finding seen,
    /// opened, resolved or open) among the records of `scope`'s regions,
    /// in rule order.
    async fn sweep_rules(
        &self,
        id: i64,
        scope: &zhisu_domain::auth::ListScope,
    ) -> StoreResult<Vec<SweepRuleCount>>;
    /// The latest full sweep.
    async fn latest_full_sweep(&self) -> StoreResult<Option<SweepRow>>;
}
