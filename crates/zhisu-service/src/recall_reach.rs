//! Who a recall reaches (P6.4, issue 15.1): besides the producer and its
//! region's regulators, every holder on the platform its goods were
//! delivered to, and the regulators of each region they reached. Each sees
//! the recall, its trace and, while it is open, a notice on the dashboard
//! with what it should hold and what to do. The figures a recall shows —
//! holders told, items returned — are counted from the flow records.

use serde::Serialize;
use zhisu_domain::auth::Tenancy;
use zhisu_domain::recall::{Recall, RecallStatus};
use zhisu_domain::{Principal, RecordKind};
use zhisu_store::Page;

use crate::recalls::RecallTrace;
use crate::records::{ListFilter, RecordView};
use crate::{Service, ServiceError, ServiceResult};

/// An open recall as one holder (or one region's regulator) is told of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecallNotice {
    pub recall_id: i64,
    pub product_name: String,
    pub producer: String,
    pub reason: String,
    /// RFC 3339, UTC.
    pub opened_at: String,
    /// The holders this notice is about: the caller itself, or those in
    /// its jurisdiction.
    pub holders: Vec<String>,
    /// What they should still have (received − sold or returned).
    pub holding: i64,
}

/// Whether `by` may see the recall because its goods reached `by` (or an
/// enterprise in `by`'s jurisdiction): access is the auth module's
/// `can_read` of a holder on the platform.
fn reaches(by: &Principal, trace: &RecallTrace) -> bool {
    trace.holders.iter().any(|h| holder_of(by, h))
}

fn holder_of(by: &Principal, h: &crate::recalls::Holder) -> bool {
    match (h.enterprise_id, &h.region_code) {
        (Some(e), Some(region)) => by.can_read(Tenancy {
            enterprise_id: e,
            region_code: region,
        }),
        _ => false,
    }
}

impl Service {
    /// A recall the caller may see, with the figures counted from the
    /// records while it is open (a closed one keeps those it closed with).
    pub async fn read_recall(
        &self,
        by: &Principal,
        id: i64,
    ) -> ServiceResult<(RecordView, Recall)> {
        let view = match self.read_record(by, RecordKind::Recall, id).await {
            Ok(view) => view,
            Err(ServiceError::NotFound(what)) => {
                let Some(stored) = self.store.get_record(RecordKind::Recall, id).await? else {
                    return Err(ServiceError::NotFound(what));
                };
                let view: RecordView = stored.into();
                let recall: Recall = view.typed()?;
                if !reaches(by, &self.trace_recall(by, id, &recall).await?) {
                    return Err(ServiceError::NotFound(what));
                }
                view
            }
            Err(e) => return Err(e),
        };
        let recall: Recall = view.typed()?;
        Ok((self.with_counts(by, view, &recall).await?, recall))
    }

    /// Whether `by` runs this recall (the producer or its region's
    /// regulators) and so may close it; those it merely reached may not.
    pub async fn may_close_recall(&self, by: &Principal, recall: &Recall) -> bool {
        match self
            .read_record(by, RecordKind::Product, recall.product_id)
            .await
        {
            Ok(product) => self.recall_allowed(by, &product).await.is_ok(),
            Err(_) => false,
        }
    }

    /// The view with `notified` and `returned` as the records say now.
    async fn with_counts(
        &self,
        by: &Principal,
        mut view: RecordView,
        recall: &Recall,
    ) -> ServiceResult<RecordView> {
        if recall.status == RecallStatus::Open {
            let trace = self.trace_recall(by, view.id, recall).await?;
            view.body["notified"] = trace.notified.into();
            view.body["returned"] = trace.returned.into();
        }
        Ok(view)
    }

    /// The recalls the caller may read, and on the first page also the
    /// open ones whose goods reached it (a holder, or its jurisdiction).
    pub async fn list_recalls(
        &self,
        by: &Principal,
        filter: &ListFilter,
    ) -> ServiceResult<Page<RecordView>> {
        let mut page = self.list(by, RecordKind::Recall, filter).await?;
        let wants_open = filter.status.as_deref().is_none_or(|s| s == "open");
        if filter.offset.unwrap_or(0) == 0 && wants_open {
            for notice in self.recall_notices(by).await? {
                if page.items.iter().any(|v| v.id == notice.recall_id) {
                    continue;
                }
                if let Some(stored) = self
                    .store
                    .get_record(RecordKind::Recall, notice.recall_id)
                    .await?
                {
                    page.items.push(stored.into());
                    page.total += 1;
                }
            }
        }
        let mut items = Vec::with_capacity(page.items.len());
        for view in std::mem::take(&mut page.items) {
            let recall: Recall = view.typed()?;
            items.push(self.with_counts(by, view, &recall).await?);
        }
        page.items = items;
        Ok(page)
    }

    /// The open recalls whose goods reached the caller as a holder on the
    /// platform, or an enterprise in its jurisdiction, newest first; not
    /// those it opened or produced (it runs them).
    pub async fn recall_notices(&self, by: &Principal) -> ServiceResult<Vec<RecallNotice>> {
        let mut notices = Vec::new();
        for (id, recall) in self.open_recall_records().await? {
            if by.enterprise_id == Some(recall.enterprise_id) {
                continue;
            }
            let trace = self.trace_recall(by, id, &recall).await?;
            let mine: Vec<&crate::recalls::Holder> =
                trace.holders.iter().filter(|h| holder_of(by, h)).collect();
            if mine.is_empty() {
                continue;
            }
            let product = self.cached(RecordKind::Product, recall.product_id).await?;
            notices.push(RecallNotice {
                recall_id: id,
                product_name: product
                    .as_ref()
                    .map(|p| crate::life::product_label(p))
                    .unwrap_or_default(),
                producer: self.enterprise_name(recall.enterprise_id).await?,
                reason: recall.reason.clone(),
                opened_at: recall.opened_at.clone(),
                holders: mine.iter().map(|h| h.name.clone()).collect(),
                holding: mine.iter().map(|h| h.holding.max(0)).sum(),
            });
        }
        notices.sort_by_key(|n| std::cmp::Reverse(n.recall_id));
        Ok(notices)
    }
}
