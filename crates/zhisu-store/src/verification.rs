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
    /// Who settles it: `system`, `person` or `site` (the catalogue's).
    pub settle: String,
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
    /// The last sweep that opened or changed it: a sweep that sees it as
    /// it was writes nothing (issue 17.2's sweeps write only changes).
    pub last_sweep: i64,
    pub resolved_at: Option<String>,
    pub resolved_sweep: Option<i64>,
    /// Who settles it: `system`, `person` or `site`.
    pub settle: String,
    /// The reviewer who has it in hand (V5-manual), by actor.
    pub assignee: Option<String>,
    pub assigned_at: Option<String>,
    /// A person's decision on it (V6-class): the class, by whom, when.
    pub decided_class: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The review record the decision is kept in.
    pub review_id: Option<i64>,
}

/// A stored finding as a sweep would find it again: what a sweep carries
/// over when it cannot judge a rule (an authority that did not answer).
impl From<FindingRow> for NewFinding {
    fn from(f: FindingRow) -> Self {
        NewFinding {
            rule: f.rule,
            axis: f.axis,
            severity: f.severity,
            class: f.class,
            kind: f.kind,
            record_id: f.record_id,
            version: f.version,
            enterprise_id: f.enterprise_id,
            region_code: f.region_code,
            field: f.field,
            evidence: f.evidence,
            settle: f.settle,
        }
    }
}

/// How many items wait in a review queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueTally {
    pub total: i64,
    pub unassigned: i64,
    pub mine: i64,
    pub overdue: i64,
}

impl FindingRow {
    /// Waiting in the review queue: open, settled by a person, undecided.
    pub fn in_queue(&self) -> bool {
        self.status == "open" && self.settle != "system" && self.decided_at.is_none()
    }
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
    /// Only the review queue's items: open, settled by a person, undecided.
    pub queue: bool,
    /// Only those in this reviewer's hands; `""`: only those in no one's.
    pub assignee: Option<String>,
    /// Only those opened before this time (the overdue).
    pub opened_before: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

impl FindingQuery {
    /// Every finding `scope` may see, one page.
    pub fn new(scope: ListScope) -> Self {
        FindingQuery {
            scope,
            id: None,
            rule: None,
            axis: None,
            kind: None,
            record_id: None,
            enterprise_id: None,
            status: None,
            region_prefix: None,
            queue: false,
            assignee: None,
            opened_before: None,
            limit: 50,
            offset: 0,
        }
    }
}

#[async_trait]
pub trait VerificationStore: Send + Sync {
    async fn list_findings(&self, query: &FindingQuery) -> StoreResult<Page<FindingRow>>;
    /// What the `rules` see now in one record just stored, without a
    /// sweep: each finding is stored as a sweep would; an open finding of
    /// those rules on that record that is not among them is resolved.
    async fn check_record(
        &self,
        rules: &[String],
        kind: RecordKind,
        record_id: i64,
        findings: &[NewFinding],
    ) -> StoreResult<()>;
    /// Puts an undecided open finding in `assignee`'s hands, or in no
    /// one's; with `if_free`, only when no one has it. False when it was
    /// not so (decided, resolved, or taken).
    async fn assign_finding(
        &self,
        id: i64,
        assignee: Option<&str>,
        if_free: bool,
    ) -> StoreResult<bool>;
    /// By batch: how many of its codes drew a counterfeit alert (too many
    /// scans, or scans too far apart), for ZV-A-007.
    async fn suspect_codes_by_batch(&self) -> StoreResult<Vec<(i64, i64)>>;
    /// The review queue's counts in `scope`: all items, no one's,
    /// `assignee`'s, and those opened before `overdue_before`; one pass.
    async fn queue_counts(
        &self,
        scope: &ListScope,
        assignee: &str,
        overdue_before: &str,
    ) -> StoreResult<QueueTally>;
    /// Records a person's decision on an open finding with no review
    /// record yet (undecided, or taken into a case a moment ago, whose
    /// decision stands); false when it was resolved or reviewed meanwhile.
    async fn decide_finding(
        &self,
        id: i64,
        class: &str,
        by: &str,
        review_id: Option<i64>,
    ) -> StoreResult<bool>;
}
