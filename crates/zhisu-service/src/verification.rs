//! Data verification findings (V5-auto, issue 17): the list a regulator
//! and an enterprise read, and a finding as the store keeps it. Sweeps
//! that make them are in `sweeps.rs`; the rules are pure
//! (`zhisu_domain::verification`).

use zhisu_domain::verification::{self, catalogue};
use zhisu_domain::{Principal, RecordKind};
use zhisu_store::{FindingQuery, FindingRow, NewFinding, Page};

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

impl Service {
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
