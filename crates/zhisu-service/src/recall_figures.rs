//! Open recalls' figures kept for the statistics (issue 18.1, P6.4):
//! items the producer delivered, items returned to it and holders told,
//! counted by the recall's trace from the flow records whenever they can
//! change — the recall opens or closes, a flow of its goods is recorded —
//! and for every open recall at start and daily with the report schedule
//! (which also fills them for recalls opened before this was kept, and
//! mends a count two flows raced to). The store adds the difference to
//! the rollups (`zhisu_domain::statistics::recall_figures`).

use chrono::Utc;
use zhisu_domain::recall::{Recall, RecallStatus};
use zhisu_domain::statistics::recall_figures::RecallFigures;
use zhisu_domain::statistics::rollup::Place;
use zhisu_domain::{Principal, RecordKind};
use zhisu_store::{format_time, FlowRow};

use crate::{Service, ServiceResult};

impl Service {
    /// Counts one recall's figures as its records say now and keeps them
    /// (none once it is closed or gone).
    pub(crate) async fn keep_recall_figures(&self, id: i64) -> ServiceResult<()> {
        let now = format_time(Utc::now());
        let Some(stored) = self.store.get_record(RecordKind::Recall, id).await? else {
            return Ok(self.store.keep_recall_figures(id, None, &now).await?);
        };
        let recall: Recall = serde_json::from_value(stored.body.clone())
            .map_err(|e| crate::ServiceError::Internal(format!("recall {id}: {e}")))?;
        if recall.status != RecallStatus::Open {
            return Ok(self.store.keep_recall_figures(id, None, &now).await?);
        }
        // The figures name no one: counted as the platform itself.
        let trace = self.trace_recall(&Principal::system(), id, &recall).await?;
        let category = self
            .cached(RecordKind::Product, recall.product_id)
            .await?
            .and_then(|p| p.body["category"].as_str().map(str::to_string))
            .unwrap_or_default();
        let place = Place {
            enterprise_id: recall.enterprise_id,
            region_code: stored.region_code.clone(),
            category,
        };
        let figures = RecallFigures {
            delivered: trace.delivered as i64,
            returned: trace.returned as i64,
            holders: trace.notified as i64,
        };
        self.store
            .keep_recall_figures(id, Some((recall.product_id, &place, &figures)), &now)
            .await?;
        Ok(())
    }

    /// As [`Service::keep_recall_figures`] after a write that already
    /// stands (a flow, the recall itself): a failure is logged, not
    /// returned, and the daily count mends the figures.
    pub(crate) async fn recount_recall(&self, id: i64) {
        if let Err(e) = self.keep_recall_figures(id).await {
            tracing::warn!(recall = id, error = %e, "a recall's figures were not kept");
        }
    }

    /// The open recalls whose goods a flow's lines move, read before the
    /// flow is stored (so its lines need not be kept for after); none when
    /// the open recalls cannot be read (logged).
    pub(crate) async fn recalls_moved_by(&self, rows: &[FlowRow]) -> Vec<i64> {
        let index = match self.open_recalls().await {
            Ok(index) => index,
            Err(e) => {
                tracing::warn!(error = %e, "open recalls not read for a flow");
                return Vec::new();
            }
        };
        let mut touched: Vec<i64> = rows
            .iter()
            .filter_map(|r| index.covering(Some(r.batch_id), &r.code).map(|(id, _)| *id))
            .collect();
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    /// Counts every open recall's figures again, and lets go of those no
    /// longer open; how many were counted.
    pub async fn keep_every_recall_figures(&self) -> ServiceResult<usize> {
        let mut ids: Vec<i64> = self
            .open_recall_records()
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        ids.extend(self.store.kept_recalls().await?);
        ids.sort_unstable();
        ids.dedup();
        for id in &ids {
            self.keep_recall_figures(*id).await?;
        }
        Ok(ids.len())
    }
}
