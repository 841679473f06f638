//! Data verification sweeps (V5-auto, issue 17): every rule of the
//! catalogue over the current version of every stored enterprise, product,
//! batch and flow; the findings kept by the store, open until a sweep no
//! longer sees them. The rules are pure (`zhisu_domain::verification`);
//! this reads the records and keeps the findings.

use chrono::Utc;
use zhisu_domain::verification::{self, catalogue, Snapshot, Stored};
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_store::{format_time, FindingQuery, FindingRow, NewFinding, NewSweep, Page, SweepRow};

use crate::{Service, ServiceError, ServiceResult};

/// Filters of the findings list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub rule: Option<String>,
    pub axis: Option<String>,
    pub kind: Option<String>,
    pub record_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub status: Option<String>,
    pub region: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

fn stored<T: serde::de::DeserializeOwned>(
    record: &zhisu_store::IndexedRecord,
) -> Option<Stored<T>> {
    let body = record.body.clone()?;
    Some(Stored {
        id: record.id,
        version: record.version,
        region_code: record.index.region_code.clone(),
        created_at: record.created_at.clone(),
        updated_at: record.updated_at.clone(),
        record: serde_json::from_value(body).ok()?,
    })
}

impl Service {
    /// Runs every rule over all stored records and keeps what they find.
    /// `by` None: the command line or the schedule. `progress(records)`
    /// after each page read.
    pub async fn run_verification(
        &self,
        by: Option<&Principal>,
        mut progress: impl FnMut(u64),
    ) -> ServiceResult<SweepRow> {
        if let Some(p) = by {
            if !matches!(p.role, Role::PlatformAdmin | Role::Regulator) {
                return Err(ServiceError::Forbidden(
                    "只有监管人员和系统管理员可以发起核查 (only regulators and the system administrator start a verification sweep)".into(),
                ));
            }
        }
        let started_at = format_time(Utc::now());
        let mut snapshot = Snapshot::default();
        let mut read = 0u64;
        let mut after = 0;
        loop {
            let page = self.store.indexed_records(after, 1_000).await?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.id;
            for record in &page {
                read += 1;
                match record.kind {
                    RecordKind::Enterprise => snapshot.enterprises.extend(stored(record)),
                    RecordKind::Product => snapshot.products.extend(stored(record)),
                    RecordKind::Batch => snapshot.batches.extend(stored(record)),
                    RecordKind::Flow => snapshot.flows.extend(stored(record)),
                    RecordKind::Register => snapshot.registers.extend(
                        record
                            .body
                            .clone()
                            .and_then(|b| serde_json::from_value(b).ok()),
                    ),
                    _ => {}
                }
            }
            progress(read);
        }
        snapshot.today = Some(crate::today_in_shanghai());
        snapshot.thresholds = self.settings.verification_thresholds.clone();
        snapshot.suspect_codes = self
            .store
            .suspect_codes_by_batch()
            .await?
            .into_iter()
            .map(|(batch, codes)| (batch, codes.max(0) as u64))
            .collect();
        let catalogue = catalogue();
        // The rules are CPU work over the whole snapshot: off the async workers.
        let off = self.settings.verification_off.clone();
        let findings =
            tokio::task::spawn_blocking(move || verification::run_except(&snapshot, &off))
                .await
                .map_err(|e| ServiceError::Internal(format!("verification: {e}")))?;
        let findings: Vec<NewFinding> = findings.into_iter().map(new_finding).collect();
        let started_by = by.map(|p| p.actor.clone()).unwrap_or_else(|| "cli".into());
        let sweep = self
            .store
            .record_sweep(
                NewSweep {
                    started_at,
                    started_by,
                    catalogue_version: catalogue.version.clone(),
                    records: read as i64,
                },
                &findings,
            )
            .await?;
        tracing::info!(
            sweep = sweep.id,
            findings = sweep.findings,
            opened = sweep.opened,
            resolved = sweep.resolved,
            "verification sweep"
        );
        Ok(sweep)
    }

    /// The findings `by` may see (V7: the enterprise concerned and the
    /// regulators of its region), most severe and oldest first.
    pub async fn list_findings(
        &self,
        by: &Principal,
        filter: FindingFilter,
    ) -> ServiceResult<Page<FindingRow>> {
        let kind = match filter.kind.as_deref() {
            None => None,
            Some(k) => Some(RecordKind::parse(k).ok_or_else(|| {
                ServiceError::BadRequest(format!("kind 不认识：{k} (unknown record kind {k})"))
            })?),
        };
        if let Some(axis) = filter.axis.as_deref() {
            if verification::Axis::parse(axis).is_none() {
                return Err(ServiceError::BadRequest(format!(
                    "axis 只能是 completeness、authenticity、accuracy 或 timeliness (unknown axis {axis})"
                )));
            }
        }
        if let Some(status) = filter.status.as_deref() {
            if !matches!(status, "open" | "resolved") {
                return Err(ServiceError::BadRequest(format!(
                    "status 只能是 open 或 resolved (unknown status {status})"
                )));
            }
        }
        if let Some(rule) = filter.rule.as_deref() {
            if catalogue().rule(rule).is_none() {
                return Err(ServiceError::BadRequest(format!(
                    "规则 {rule} 不在核查规则目录中 (no rule {rule} in the catalogue)"
                )));
            }
        }
        check_page(filter.limit, filter.offset)?;
        Ok(self
            .store
            .list_findings(&FindingQuery {
                rule: filter.rule,
                axis: filter.axis,
                kind,
                record_id: filter.record_id,
                enterprise_id: filter.enterprise_id,
                status: filter.status,
                region_prefix: filter.region,
                limit: filter.limit,
                offset: filter.offset,
                ..FindingQuery::new(by.list_scope())
            })
            .await?)
    }

    /// The latest sweep, if any.
    pub async fn latest_sweep(&self) -> ServiceResult<Option<SweepRow>> {
        Ok(self.store.latest_sweep().await?)
    }
}

/// A finding as the store keeps it, with what the catalogue says of its
/// rule.
pub(crate) fn new_finding(f: verification::Finding) -> NewFinding {
    let catalogue = catalogue();
    let rule = catalogue
        .rule(&f.rule)
        .expect("a finding names a catalogued rule");
    NewFinding {
        axis: rule.axis.as_str().into(),
        severity: rule.severity.as_str().into(),
        class: catalogue.class_of(rule.severity).as_str().into(),
        settle: rule.settle.clone(),
        rule: f.rule,
        kind: f.kind,
        record_id: f.record_id,
        version: f.version,
        enterprise_id: f.enterprise_id,
        region_code: f.region_code,
        field: f.field,
        evidence: f.evidence,
    }
}

/// A page's bounds as the lists take them: 1–500 rows from offset 0 on.
pub(crate) fn check_page(limit: i64, offset: i64) -> ServiceResult<()> {
    if !(1..=500).contains(&limit) || offset < 0 {
        return Err(ServiceError::BadRequest(
            "limit 须在1-500之间，offset 不能为负 (limit must be 1-500 and offset at least 0)"
                .into(),
        ));
    }
    Ok(())
}
