//! The scan log and its alerts as stored (G6.1.3, P6.5): a public scan as
//! logged, the codes whose state a scan shows, counterfeit and diversion
//! alerts and the filters a list of them takes, how far a server's scan
//! journal is stored, and the `ScanStore` that keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhisu_domain::auth::ListScope;
use zhisu_domain::scan::{AlertKind, Place, ScanSummary};

use crate::StoreResult;

/// Codes that have state a scan shows, read in pages to fill the scan
/// path's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSet {
    /// Codes with stored scans.
    Scanned,
    /// Codes some flow line delivered to an enterprise on the platform.
    Traded,
}

/// One public scan, as logged (and as the scan journal keeps it until
/// it is stored).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewScan {
    /// The code's canonical Digital Link path (`/01/…/21/…`).
    pub code: String,
    pub product_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub place: Option<Place>,
    /// `browser`, `wechat`, `alipay`, `api`.
    pub client: String,
    /// The GB/T 2260 region the client said it was in (checked as a code;
    /// a scan page in WeChat or a distributor's app sends it), if any:
    /// counted by province for the producer's market view (P6.7). Absent
    /// from journals written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A counterfeit or diversion alert, raised once per code and kind.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub kind: AlertKind,
    pub code: String,
    pub product_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub enterprise_id: i64,
    pub region_code: String,
    pub at: String,
    pub detail: String,
    /// Diversion: the region the goods turned up in, whose regulators see
    /// the alert too (issue 15.1).
    pub reached_region: Option<String>,
    /// Diversion: the distributor the goods were shipped to (P6.7:
    /// diversion by distributor).
    pub distributor_id: Option<i64>,
}

/// How far a server's scan journal is stored (issue 16.12): every entry
/// up to `seq` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalMark {
    /// The journal's name (one per server data folder).
    pub journal: String,
    pub seq: i64,
}

/// Scan log and alerts (G6.1.3, P6.5).
#[async_trait]
pub trait ScanStore: Send + Sync {
    /// Appends scans to the log, with the alerts they raised (each kept
    /// unless one of its kind exists for the code), and moves the journal
    /// they came from to `mark`, in one transaction; returns the last
    /// scan's id. The codes' summaries are not touched: see
    /// [`ScanStore::fold_scans`].
    async fn record_scans(
        &self,
        scans: &[NewScan],
        alerts: &[Alert],
        mark: Option<&JournalMark>,
    ) -> StoreResult<i64>;
    /// The highest entry of `journal` stored (0: none).
    async fn journal_mark(&self, journal: &str) -> StoreResult<i64>;
    /// Adds the scans logged since the last fold to their codes' summaries
    /// (`deltas`: code and the summary of its new scans, in code order) and
    /// marks every scan of `journal` up to id `upto` as folded (scans of
    /// no journal: every such scan up to `upto`), in one transaction.
    ///
    /// `commit` is taken for writing just before the transaction commits
    /// and handed back held: readers hold it for reading across a summary
    /// read and add the deltas being folded themselves, so the caller must
    /// retire those deltas before it lets go. Readers wait for the commit
    /// only, never for the statements before it.
    async fn fold_scans<'g>(
        &self,
        deltas: &[(&str, &ScanSummary)],
        upto: i64,
        journal: Option<&str>,
        commit: &'g tokio::sync::RwLock<()>,
    ) -> StoreResult<tokio::sync::RwLockWriteGuard<'g, ()>>;
    /// The oldest scans of `journal` (None: of no journal, logged before
    /// scans named theirs) not yet folded (at most `limit`) and the last
    /// one's id: what a server that stopped without folding left behind.
    async fn unfolded_scans(
        &self,
        journal: Option<&str>,
        limit: i64,
    ) -> StoreResult<(Vec<NewScan>, Option<i64>)>;
    /// Every scan journal the database knows (one per server data folder
    /// that logged scans).
    async fn scan_journals(&self) -> StoreResult<Vec<String>>;
    /// The folded summary and the alerts of a code, in one round trip (the
    /// scan's only read of a code it has not seen since start).
    async fn code_state(&self, code: &str) -> StoreResult<(ScanSummary, Vec<AlertKind>)>;
    async fn count_scans(&self) -> StoreResult<i64>;
    /// Drops the scan log's months before `month` (`YYYY-MM`, UTC) once
    /// retention is over for them (issue 20.4): on PostgreSQL whole
    /// monthly partitions, on SQLite their rows. The months dropped, oldest
    /// first. Their codes' folded summaries stay.
    async fn drop_scan_months_before(&self, month: &str) -> StoreResult<Vec<String>>;
    /// Codes of `set` in code order after `after`, at most `limit`.
    async fn codes_with_state(
        &self,
        set: CodeSet,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<String>>;
    /// Stores the alert unless one of its kind exists for the code; true if new.
    async fn raise_alert(&self, alert: Alert) -> StoreResult<bool>;
    /// The alerts raised for one code, oldest first.
    async fn alerts_for_code(&self, code: &str) -> StoreResult<Vec<Alert>>;
    /// Newest first, within the scope, those the filter admits.
    async fn list_alerts(
        &self,
        scope: &ListScope,
        filter: &AlertFilter,
        limit: i64,
    ) -> StoreResult<Vec<Alert>>;
}

/// Which alerts a list holds: of some kinds, raised in a time range (the
/// records behind a day's count of alerts, issue 18.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Only these kinds (`too-many-scans`, …); empty: every kind.
    pub kinds: Vec<String>,
    /// Raised at or after this time, RFC 3339 in UTC.
    pub since: Option<String>,
    /// Raised before this time, RFC 3339 in UTC.
    pub before: Option<String>,
}
