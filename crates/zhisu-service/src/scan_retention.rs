//! The scan log's retention (issue 20.4; G8.5, P7.1.3): each day the
//! months of scans older than the deployment keeps them are dropped —
//! whole monthly partitions on PostgreSQL, their rows on SQLite. The codes'
//! folded counts stay: a code scanned four years ago still says so.

use chrono::NaiveDate;
use zhisu_domain::retention::{first_scan_month_kept, scan_log_years};

use crate::{Service, ServiceResult};

impl Service {
    /// Drops the scan log's months past retention on `today`; the months
    /// dropped (`YYYY-MM`), oldest first.
    pub async fn drop_expired_scan_months(&self, today: NaiveDate) -> ServiceResult<Vec<String>> {
        // Scans a stopped server left unfolded are counted before their
        // month can go (a running server's own are counted within seconds).
        self.fold_stopped_servers().await?;
        let years = scan_log_years(self.settings.retention_years.values().copied());
        let first_kept = first_scan_month_kept(today, years);
        Ok(self.store.drop_scan_months_before(&first_kept).await?)
    }
}
