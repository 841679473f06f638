//! Periodic quantity reporting (issue 19.5, P5.3.3.3): each product's
//! report of a period, what the reminder job reads (the products, the
//! days their batches were made), the log of every reminder sent or
//! failed, and the in-app inbox the reminders land in.

use async_trait::async_trait;
use serde::Serialize;

use crate::{AuditEntry, StoreResult, StoredRecord};

/// A product's report of one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuantityReport {
    pub id: i64,
    pub enterprise_id: i64,
    pub product_id: i64,
    /// `2026-12-07`, `2026-12`, `2026-Q4` or `2026`.
    pub period: String,
    /// Exact (一物一码/组合多码) or an estimate; None: no estimate given.
    pub quantity: Option<i64>,
    pub estimate: bool,
    pub note: Option<String>,
    pub reported_by: String,
    /// RFC 3339, UTC.
    pub reported_at: String,
}

/// A report to keep (a period reported again is corrected).
#[derive(Debug, Clone)]
pub struct NewQuantityReport {
    pub enterprise_id: i64,
    pub product_id: i64,
    pub period: String,
    pub quantity: Option<i64>,
    pub estimate: bool,
    pub note: Option<String>,
    pub reported_by: String,
}

/// One reminder, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reminder {
    pub id: i64,
    pub enterprise_id: i64,
    pub product_id: i64,
    pub period: String,
    /// `enterprise`, or `regulator` for a run of misses escalated.
    pub audience: String,
    /// `inbox`, `email` or `sms`.
    pub channel: String,
    /// The enterprise's ID or the region's code (inbox), an address or a
    /// number.
    pub recipient: String,
    /// `sent` or `failed` (tried again).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// A reminder about to be sent.
#[derive(Debug, Clone)]
pub struct NewReminder {
    pub enterprise_id: i64,
    pub product_id: i64,
    pub period: String,
    pub audience: String,
    pub channel: String,
    pub recipient: String,
}

/// A message in the in-app inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InboxMessage {
    pub id: i64,
    /// To this enterprise's people…
    pub enterprise_id: Option<i64>,
    /// …or to the regulators whose jurisdiction holds this region.
    pub region_code: Option<String>,
    /// `reporting-reminder` or `reporting-escalation`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The page the message is about.
    pub link: Option<String>,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// A message to post.
#[derive(Debug, Clone)]
pub struct NewInboxMessage {
    pub enterprise_id: Option<i64>,
    pub region_code: Option<String>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

/// Whose inbox: an enterprise's, or a regulator's jurisdiction (region
/// code prefixes; empty: the whole platform).
#[derive(Debug, Clone)]
pub enum InboxOwner {
    Enterprise(i64),
    Regions(Vec<String>),
}

#[async_trait]
pub trait ReportingStore: Send + Sync {
    /// Keeps a report (replacing one of the same product and period) and
    /// its audit entry in one transaction.
    async fn put_quantity_report(
        &self,
        report: &NewQuantityReport,
        audit: AuditEntry,
    ) -> StoreResult<QuantityReport>;

    /// A product's reports, the latest period first (at most `limit`).
    async fn quantity_reports(
        &self,
        product_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<QuantityReport>>;

    /// The periods reported of each of these products: (product, period).
    async fn reported_periods(&self, product_ids: &[i64]) -> StoreResult<Vec<(i64, String)>>;

    /// Every product as it stands now.
    async fn current_products(&self) -> StoreResult<Vec<StoredRecord>>;

    /// The batches of these products written at or after `since` (RFC
    /// 3339): a batch made on a day is written on or after it.
    async fn batches_written_since(
        &self,
        product_ids: &[i64],
        since: &str,
    ) -> StoreResult<Vec<StoredRecord>>;

    /// Logs a reminder about to be sent; None when this period, audience
    /// and channel were reminded of already (sent, or failed and so left
    /// to `reminders_to_retry`).
    async fn start_reminder(&self, reminder: &NewReminder) -> StoreResult<Option<i64>>;

    /// What became of a reminder's try: sent, or failed with why.
    async fn settle_reminder(&self, id: i64, error: Option<&str>) -> StoreResult<()>;

    /// Reminders whose last try failed, to try again.
    async fn reminders_to_retry(&self, channel: &str) -> StoreResult<Vec<Reminder>>;

    /// An enterprise's reminders (None: all), newest first.
    async fn reminders(&self, enterprise_id: Option<i64>, limit: i64)
        -> StoreResult<Vec<Reminder>>;

    async fn post_inbox(&self, message: &NewInboxMessage) -> StoreResult<i64>;

    /// The owner's messages, newest first.
    async fn inbox(&self, owner: &InboxOwner, limit: i64) -> StoreResult<Vec<InboxMessage>>;

    /// Marks one of the owner's messages read; false when it is not theirs.
    async fn read_inbox(&self, owner: &InboxOwner, id: i64, by: &str) -> StoreResult<bool>;
}
