//! Retention (G8.5, P7.1.3): how long each record is kept, and the purge
//! of private data whose time is over. A purge redacts bodies in place
//! and leaves every leaf hash as it was; the purge itself is a leaf that
//! lists each redacted version, so `ledger verify` still passes and a
//! redaction cannot be told apart from an edit by anyone but the ledger.

use chrono::NaiveDate;
use serde::Serialize;
use zhisu_domain::retention::{Retention, RetentionFacts, PURGEABLE, PURGED};
use zhisu_domain::{EnterpriseKind, Principal, RecordKind};
use zhisu_store::{AuditEntry, NewPurge, PurgeVersion, RecordQuery, StoredRecord};

use crate::{RecordView, Service, ServiceError, ServiceResult};

/// One record whose retention is over.
#[derive(Debug, Clone, Serialize)]
pub struct ExpiredRecord {
    pub kind: &'static str,
    pub id: i64,
    #[serde(flatten)]
    pub retention: Retention,
}

/// What `zhisu admin purge` found and did.
#[derive(Debug, Clone, Serialize)]
pub struct PurgeReport {
    pub as_of: NaiveDate,
    /// Records of the purgeable kinds looked at.
    pub examined: u64,
    /// Expired and not yet purged.
    pub expired: Vec<ExpiredRecord>,
    /// The purge's id; None on a dry run or when nothing expired.
    pub purge_id: Option<i64>,
    pub versions: usize,
}

fn date_of(text: &str) -> Option<NaiveDate> {
    text.get(..10).and_then(|d| d.parse().ok())
}

impl Service {
    /// How long `record` must be kept, and by which rule.
    pub async fn retention_of(&self, record: &RecordView) -> ServiceResult<Retention> {
        let body = &record.body;
        let written = date_of(&record.created_at).unwrap_or(NaiveDate::MIN);
        let (from, product_ids, manufacturer) = match record.kind {
            RecordKind::Enterprise => {
                let maker = body["kind"] == EnterpriseKind::Manufacturer.as_str();
                (written, vec![], maker)
            }
            RecordKind::Product => (written, vec![record.id], true),
            RecordKind::Batch => {
                let produced = body["production_date"].as_str().and_then(date_of);
                let product = body["product_id"].as_i64();
                (
                    produced.unwrap_or(written),
                    product.into_iter().collect(),
                    true,
                )
            }
            RecordKind::Flow => {
                let at = body["at"].as_str().and_then(date_of).unwrap_or(written);
                let mut batches: Vec<i64> = body["lines"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l["batch_id"].as_i64())
                    .collect();
                batches.sort_unstable();
                batches.dedup();
                let products = self
                    .store
                    .get_records(RecordKind::Batch, &batches)
                    .await?
                    .iter()
                    .filter_map(|b| b.body["product_id"].as_i64())
                    .collect();
                let recorder = self
                    .store
                    .get_record(RecordKind::Enterprise, record.enterprise_id)
                    .await?;
                let maker = recorder
                    .is_some_and(|e| e.body["kind"] == EnterpriseKind::Manufacturer.as_str());
                (at, products, maker)
            }
            RecordKind::Feedback => (
                written,
                body["product_id"].as_i64().into_iter().collect(),
                false,
            ),
            // A case is evidence for enforcement: kept like a recall.
            // A review decides a finding: evidence like a case.
            RecordKind::Package
            | RecordKind::Recall
            | RecordKind::Case
            | RecordKind::Register
            | RecordKind::Review => (written, vec![], true),
            // Part of the product's trace: kept as long as the product.
            RecordKind::ChangeRequest => (
                written,
                body["product_id"].as_i64().into_iter().collect(),
                true,
            ),
        };
        let mut products = product_ids;
        products.sort_unstable();
        products.dedup();
        let products = self
            .store
            .get_records(RecordKind::Product, &products)
            .await?;
        // Several products (a mixed sale): the longest rule wins.
        let facts = |p: Option<&StoredRecord>| RetentionFacts {
            from,
            life_months: p
                .and_then(|p| p.body["service_life_months"].as_u64())
                .map(|m| m as u32),
            industry_years: p.and_then(|p| {
                let category = p.body["category"].as_str()?;
                self.settings.retention_years.get(category).copied()
            }),
            manufacturer,
        };
        let retention = products
            .iter()
            .map(|p| facts(Some(p)).retention())
            .max_by_key(|r| r.until)
            .unwrap_or_else(|| facts(None).retention());
        Ok(retention)
    }

    /// Purges the private data of every record of the purgeable kinds whose
    /// retention ended before `as_of` (platform administrators only). On a
    /// dry run, only reports.
    pub async fn purge_expired(
        &self,
        by: &Principal,
        as_of: NaiveDate,
        dry_run: bool,
    ) -> ServiceResult<PurgeReport> {
        if !by.is_admin() {
            return Err(ServiceError::Forbidden(
                "只有平台管理员可以清除过期数据 (only platform administrators purge expired data)"
                    .into(),
            ));
        }
        let already: std::collections::HashSet<(i64, i64)> = self
            .store
            .purges()
            .await?
            .iter()
            .filter_map(|(_, detail)| serde_json::from_str::<zhisu_store::PurgeDetail>(detail).ok())
            .flat_map(|d| d.versions.into_iter().map(|v| (v.record_id, v.version)))
            .collect();
        let mut report = PurgeReport {
            as_of,
            examined: 0,
            expired: vec![],
            purge_id: None,
            versions: 0,
        };
        let mut versions = Vec::new();
        let mut names = Vec::new();
        for kind in PURGEABLE {
            let mut query = RecordQuery::new(kind, zhisu_domain::auth::ListScope::All);
            query.limit = 500;
            loop {
                let page = self.store.list_records(&query).await?;
                for record in &page.items {
                    report.examined += 1;
                    let retention = self.retention_of(&record.clone().into()).await?;
                    if !retention.expired_on(as_of) {
                        continue;
                    }
                    let history = self.store.record_history(kind, record.id).await?;
                    let mut redacted_any = false;
                    for version in history {
                        if already.contains(&(record.id, version.version)) {
                            continue;
                        }
                        let body = redact(kind, &version.body)?;
                        versions.push(PurgeVersion {
                            kind,
                            record_id: record.id,
                            version: version.version,
                            body,
                        });
                        redacted_any = true;
                    }
                    if !redacted_any {
                        continue;
                    }
                    if kind == RecordKind::Flow && record.body["counterparty_id"].is_null() {
                        names.push((record.id, PURGED.to_string()));
                    }
                    report.expired.push(ExpiredRecord {
                        kind: kind.as_str(),
                        id: record.id,
                        retention,
                    });
                }
                if page.items.len() < query.limit as usize {
                    break;
                }
                query.offset += query.limit;
            }
        }
        report.versions = versions.len();
        if dry_run || versions.is_empty() {
            return Ok(report);
        }
        let id = self
            .store
            .purge(NewPurge {
                actor: by.actor.clone(),
                as_of: as_of.to_string(),
                versions,
                names,
                audit: AuditEntry {
                    actor: by.actor.clone(),
                    action: "retention.purge".into(),
                    outcome: "ok".into(),
                    ..Default::default()
                },
            })
            .await?;
        self.records_changed();
        report.purge_id = Some(id);
        Ok(report)
    }
}

/// The body of a version with its private data gone.
fn redact(kind: RecordKind, body: &serde_json::Value) -> ServiceResult<serde_json::Value> {
    let stored =
        |e: serde_json::Error| ServiceError::Internal(format!("stored {}: {e}", kind.as_str()));
    let value = match kind {
        RecordKind::Flow => {
            let flow: zhisu_domain::flow::Flow =
                serde_json::from_value(body.clone()).map_err(stored)?;
            serde_json::to_value(zhisu_domain::retention::redact_flow(&flow))
        }
        RecordKind::Feedback => {
            let feedback: zhisu_domain::feedback::Feedback =
                serde_json::from_value(body.clone()).map_err(stored)?;
            serde_json::to_value(zhisu_domain::retention::redact_feedback(&feedback))
        }
        _ => return Ok(body.clone()),
    };
    value.map_err(stored)
}
