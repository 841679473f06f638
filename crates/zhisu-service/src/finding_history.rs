//! A finding and its history (issue 17.2: "a finding's page shows its
//! evidence and history"): when a sweep opened it and last saw it, who
//! claimed, was assigned or released it (the audit log), a reviewer's
//! decision and its reason (the review record), the cases opened on it,
//! and the sweep that resolved it, in time order.

use serde::Serialize;
use zhisu_domain::cases::Case;
use zhisu_domain::review::Review;
use zhisu_domain::{Principal, RecordKind};
use zhisu_store::{AuditQuery, FindingRow, RecordQuery};

use crate::{Service, ServiceError, ServiceResult};

/// One step of a finding's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingStep {
    /// RFC 3339, UTC.
    pub at: String,
    /// `opened`, `seen` (still open after the latest sweep), `claimed`, `assigned`, `released`, `decided`,
    /// `case` or `resolved`.
    pub action: String,
    /// Who did it, by actor; none for a sweep.
    pub by: Option<String>,
    /// The sweep that opened, last saw or resolved it.
    pub sweep: Option<i64>,
    /// The case opened on it.
    pub case_id: Option<i64>,
    /// A decision's class and reason; an assignment's assignee (actor).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingDetail {
    pub finding: FindingRow,
    pub steps: Vec<FindingStep>,
}

fn step(at: &str, action: &str) -> FindingStep {
    FindingStep {
        at: at.to_string(),
        action: action.into(),
        by: None,
        sweep: None,
        case_id: None,
        detail: None,
    }
}

impl Service {
    /// A finding `by` may see, with its history; 404 otherwise, like any
    /// record one cannot see.
    pub async fn finding_detail(&self, by: &Principal, id: i64) -> ServiceResult<FindingDetail> {
        let f = self.finding(by, id).await?.ok_or_else(|| {
            ServiceError::NotFound(format!("核查问题 {id} 不存在 (no finding {id})"))
        })?;
        let mut steps = vec![FindingStep {
            sweep: (f.opened_sweep > 0).then_some(f.opened_sweep),
            ..step(&f.opened_at, "opened")
        }];
        // Open after the latest sweep: every sweep since it opened either
        // saw it or did not judge its record (a sweep that sees a finding
        // unchanged writes nothing to it, so the row cannot say which).
        if f.status == "open" {
            if let Some(sweep) = self.store.latest_sweep().await? {
                if sweep.id > f.opened_sweep {
                    steps.push(FindingStep {
                        sweep: Some(sweep.id),
                        ..step(&sweep.finished_at, "seen")
                    });
                }
            }
        }
        let audit = self
            .store
            .list_audit(&AuditQuery {
                target: Some(format!("finding/{id}")),
                limit: 200,
                ..Default::default()
            })
            .await?;
        for a in audit.items {
            let action = match a.entry.action.as_str() {
                "review.claim" => "claimed",
                "review.assign" => "assigned",
                "review.release" => "released",
                _ => continue,
            };
            steps.push(FindingStep {
                by: Some(a.entry.actor.clone()),
                detail: a
                    .entry
                    .detail
                    .as_deref()
                    .and_then(|d| d.strip_prefix("to "))
                    .map(str::to_string),
                ..step(&a.at, action)
            });
        }
        if let Some(review_id) = f.review_id {
            if let Some(stored) = self.store.get_record(RecordKind::Review, review_id).await? {
                if let Ok(review) = serde_json::from_value::<Review>(stored.body) {
                    let d = review.decision;
                    steps.push(FindingStep {
                        by: Some(d.by.clone()),
                        detail: Some(format!("{}：{}", d.class.label_zh(), d.reason)),
                        case_id: review.case_id,
                        ..step(&d.at, "decided")
                    });
                }
            }
        }
        steps.extend(self.cases_on(f.enterprise_id, id).await?);
        if let Some(at) = &f.resolved_at {
            steps.push(FindingStep {
                sweep: f.resolved_sweep,
                ..step(at, "resolved")
            });
        }
        steps.sort_by(|a, b| a.at.cmp(&b.at));
        Ok(FindingDetail { finding: f, steps })
    }

    /// The cases of the enterprise opened on finding `id`: a step each.
    async fn cases_on(&self, enterprise_id: i64, id: i64) -> ServiceResult<Vec<FindingStep>> {
        let mut out = Vec::new();
        let mut query = RecordQuery::new(RecordKind::Case, zhisu_domain::auth::ListScope::All);
        query.enterprise_id = Some(enterprise_id);
        query.limit = 500;
        loop {
            let page = self.store.list_records(&query).await?;
            let n = page.items.len() as i64;
            for stored in page.items {
                let Ok(case) = serde_json::from_value::<Case>(stored.body) else {
                    continue;
                };
                if !case.findings.iter().any(|c| c.finding_id == id) {
                    continue;
                }
                if let Some(first) = case.steps.first() {
                    out.push(FindingStep {
                        by: Some(first.by.clone()),
                        case_id: Some(stored.id),
                        detail: Some(case.class.label_zh().to_string()),
                        ..step(&first.at, "case")
                    });
                }
            }
            if n < query.limit {
                break;
            }
            query.offset += n;
        }
        Ok(out)
    }
}
