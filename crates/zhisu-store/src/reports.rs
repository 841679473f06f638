//! Statistics reports made on a schedule (issue 18.5): each kept as the
//! file made, for one scope (the platform, or a regulator jurisdiction)
//! and period, so each reader of that scope finds it ready.

use async_trait::async_trait;
use serde::Serialize;

use crate::StoreResult;

/// A kept report, without its bytes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportFileMeta {
    pub id: i64,
    /// `platform`, or `regions:` and the jurisdiction's codes, sorted.
    pub scope: String,
    /// `2026-11` or `2026-Q4`.
    pub period: String,
    /// `pdf` or `xlsx`.
    pub format: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A report to keep.
#[derive(Debug, Clone)]
pub struct NewReportFile {
    pub scope: String,
    pub period: String,
    pub format: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Keeps a report; false when that scope's report of that period and
    /// format is kept already (the first one stays).
    async fn put_report_file(&self, file: &NewReportFile) -> StoreResult<bool>;

    /// Whether that scope's report of that period and format is kept.
    async fn has_report_file(&self, scope: &str, period: &str, format: &str) -> StoreResult<bool>;

    /// A scope's reports, the newest period first.
    async fn report_files(&self, scope: &str) -> StoreResult<Vec<ReportFileMeta>>;

    /// One report and its bytes.
    async fn report_file(&self, id: i64) -> StoreResult<Option<(ReportFileMeta, Vec<u8>)>>;
}
