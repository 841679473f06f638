//! Periodic quantity reporting (P5.3.3.3, issue 19.5): a product's report
//! of a period (exact and daily for 一物一码/组合多码, an estimate by month,
//! quarter or year for 一品一码/一批一码), what it has reported and missed,
//! and the in-app inbox the reminders land in
//! (`zhisu_domain::reporting` decides; this reads and keeps).

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use zhisu_domain::product::Product;
use zhisu_domain::reporting::{self, Cadence, Period, ReportInput};
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_store::{AuditEntry, InboxMessage, InboxOwner, NewQuantityReport, QuantityReport};

use crate::{today_in_shanghai, Service, ServiceError, ServiceResult};

/// A product's reporting as its page and `GET …/reports` show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reporting {
    pub product_id: i64,
    /// `daily`, `monthly`, `quarterly` or `yearly`.
    pub cadence: Cadence,
    /// Whether the quantity is exact (一物一码/组合多码) or an estimate.
    pub exact: bool,
    /// A paused product owes no report while paused (P5.3.3.2).
    pub paused: bool,
    /// The latest periods owed and not reported (the calendar's lookback),
    /// oldest first: `2026-12-04`, `2026-11`, `2026-Q3`, `2026`.
    pub missed: Vec<String>,
    /// Its reports, the latest period first (at most 100).
    pub reports: Vec<QuantityReport>,
}

/// The day a record was first written, in Asia/Shanghai.
pub(crate) fn filed_day(created_at: &str) -> NaiveDate {
    zhisu_domain::statistics::rollup::day_of(created_at).unwrap_or_else(today_in_shanghai)
}

impl Service {
    /// The periods each of `products` reported: its reports, and for a
    /// daily product the days its batches were made (written since
    /// `since`; a batch made on a day is written on or after it).
    pub(crate) async fn reported_periods(
        &self,
        products: &[(i64, Cadence)],
        since: NaiveDate,
    ) -> ServiceResult<HashMap<i64, HashSet<Period>>> {
        let ids: Vec<i64> = products.iter().map(|(id, _)| *id).collect();
        let mut reported: HashMap<i64, HashSet<Period>> = HashMap::new();
        for (id, period) in self.store.reported_periods(&ids).await? {
            if let Some(p) = Period::parse(&period) {
                reported.entry(id).or_default().insert(p);
            }
        }
        let daily: Vec<i64> = products
            .iter()
            .filter(|(_, c)| *c == Cadence::Daily)
            .map(|(id, _)| *id)
            .collect();
        if !daily.is_empty() {
            let from = format!("{}T00:00:00Z", since - Duration::days(1));
            for batch in self.store.batches_written_since(&daily, &from).await? {
                let Ok(batch) = serde_json::from_value::<zhisu_domain::batch::Batch>(batch.body)
                else {
                    continue;
                };
                let days = reported.entry(batch.product_id).or_default();
                days.extend(reporting::days_made(&batch).into_iter().map(Period::Day));
            }
        }
        Ok(reported)
    }

    /// P5.3.3.3: a product's report of a period; a period reported again
    /// is corrected (both in the audit log).
    pub async fn report_quantity(
        &self,
        by: &Principal,
        product_id: i64,
        input: &ReportInput,
        ip: Option<String>,
    ) -> ServiceResult<QuantityReport> {
        let record = self
            .read_record(by, RecordKind::Product, product_id)
            .await?;
        self.manufacturer_for(by, Some(record.enterprise_id))
            .await?;
        let product: Product = record.typed()?;
        let (period, quantity, note) =
            reporting::check_report(&product, input, today_in_shanghai())
                .map_err(ServiceError::Invalid)?;
        let report = NewQuantityReport {
            enterprise_id: record.enterprise_id,
            product_id,
            period: period.to_string(),
            quantity,
            estimate: !product.trace_level.exact_quantity(),
            note,
            reported_by: by.actor.clone(),
        };
        let audit = AuditEntry {
            actor: by.actor.clone(),
            action: "product.report".into(),
            target: Some(format!("product/{product_id}")),
            enterprise_id: Some(record.enterprise_id),
            ip,
            outcome: "ok".into(),
            detail: Some(format!(
                "{period}: {}",
                quantity
                    .map(|q| q.to_string())
                    .unwrap_or_else(|| "—".into())
            )),
        };
        Ok(self.store.put_quantity_report(&report, audit).await?)
    }

    /// A product's cadence, reports and the periods it missed.
    pub async fn reporting(&self, by: &Principal, product_id: i64) -> ServiceResult<Reporting> {
        let record = self
            .read_record(by, RecordKind::Product, product_id)
            .await?;
        let product: Product = record.typed()?;
        let cadence = reporting::product_cadence(&product);
        let today = today_in_shanghai();
        let since = filed_day(&record.created_at);
        let reported = self
            .reported_periods(&[(product_id, cadence)], today - Duration::days(40))
            .await?;
        let missed = if product.paused {
            Vec::new()
        } else {
            reporting::missed(
                cadence,
                since,
                today,
                reported.get(&product_id).unwrap_or(&HashSet::new()),
            )
            .periods
        };
        Ok(Reporting {
            product_id,
            cadence,
            exact: product.trace_level.exact_quantity(),
            paused: product.paused,
            missed: missed.iter().map(Period::to_string).collect(),
            reports: self.store.quantity_reports(product_id, 100).await?,
        })
    }

    /// Whose inbox a principal reads: an enterprise's people theirs, a
    /// regulator their jurisdiction's, a platform administrator every
    /// region's.
    fn inbox_owner(by: &Principal) -> ServiceResult<InboxOwner> {
        match (by.role, by.enterprise_id) {
            (Role::Regulator, _) => Ok(InboxOwner::Regions(
                by.jurisdiction
                    .iter()
                    .map(|r| r.scope_prefix().to_string())
                    .collect(),
            )),
            (Role::PlatformAdmin, None) => Ok(InboxOwner::Regions(Vec::new())),
            (_, Some(id)) => Ok(InboxOwner::Enterprise(id)),
            _ => Err(ServiceError::Forbidden(
                "没有站内消息 (this account has no inbox)".into(),
            )),
        }
    }

    /// The principal's messages, newest first.
    pub async fn inbox(&self, by: &Principal) -> ServiceResult<Vec<InboxMessage>> {
        let owner = Self::inbox_owner(by)?;
        Ok(self.store.inbox(&owner, 200).await?)
    }

    /// Marks one of the principal's messages read.
    pub async fn read_inbox(&self, by: &Principal, id: i64) -> ServiceResult<()> {
        let owner = Self::inbox_owner(by)?;
        if !self.store.read_inbox(&owner, id, &by.actor).await? {
            return Err(ServiceError::NotFound("message".into()));
        }
        Ok(())
    }
}
