//! What the store keeps of data verification (V5-auto, issue 17): sweeps
//! and their findings, each finding kept once per rule, record and field
//! and carried across sweeps until a sweep no longer sees it.

use async_trait::async_trait;
use serde::Serialize;
use zhisu_domain::auth::ListScope;
use zhisu_domain::RecordKind;

use crate::{Page, StoreResult};

/// A finding as a sweep hands it to the store.
#[derive(Debug, Clone)]
pub struct NewFinding {
    pub rule: String,
    pub axis: String,
    pub severity: String,
    /// The class the catalogue proposes (V6-class).
    pub class: String,
    pub kind: RecordKind,
    pub record_id: i64,
    pub version: i64,
    pub enterprise_id: i64,
    pub region_code: String,
    pub field: String,
    pub evidence: String,
}

/// A sweep: who or what started it, over which catalogue.
#[derive(Debug, Clone)]
pub struct NewSweep {
    pub started_at: String,
    pub started_by: String,
    pub catalogue_version: String,
    /// Records read.
    pub records: i64,
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
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingRow {
    pub id: i64,
    pub rule: String,
    pub axis: String,
    pub severity: String,
    pub class: String,
    /// `enterprise`, `product`, `batch`, `flow`, …
    #[schema(value_type = String)]
    pub kind: RecordKind,
    pub record_id: i64,
    pub version: i64,
    pub enterprise_id: i64,
    pub region_code: String,
    pub field: String,
    pub evidence: String,
    /// `open` or `resolved`.
    pub status: String,
    pub opened_at: String,
    pub opened_sweep: i64,
    pub last_sweep: i64,
    pub resolved_at: Option<String>,
    pub resolved_sweep: Option<i64>,
}

/// Which findings to list.
#[derive(Debug, Clone)]
pub struct FindingQuery {
    pub scope: ListScope,
    /// One finding, by its ID.
    pub id: Option<i64>,
    pub rule: Option<String>,
    pub axis: Option<String>,
    pub kind: Option<RecordKind>,
    pub record_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub status: Option<String>,
    /// A region-code prefix.
    pub region_prefix: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[async_trait]
pub trait VerificationStore: Send + Sync {
    /// Stores a sweep and what it found, in one transaction: a finding
    /// already open is brought up to date; one resolved before is opened
    /// again; a new one is opened; every open finding this sweep did not
    /// see is resolved by it.
    async fn record_sweep(&self, sweep: NewSweep, findings: &[NewFinding])
        -> StoreResult<SweepRow>;
    async fn list_findings(&self, query: &FindingQuery) -> StoreResult<Page<FindingRow>>;
    async fn latest_sweep(&self) -> StoreResult<Option<SweepRow>>;
}
