//! A case's page (V6-dispose): the enterprise, class and measures, the
//! deadline (marked when overdue), each finding with whether it still
//! stands, every step by name and Asia/Shanghai time, and the action the
//! case's state allows the reader: the enterprise answers, the regulator
//! of its region re-checks and closes.

use axum::http::StatusCode;
use axum::response::Response;
use zhisu_domain::auth::Tenancy;
use zhisu_domain::cases::{Case, CaseStatus};
use zhisu_domain::verification::catalogue;
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_service::FindingFilter;

use crate::{view, Page, WebState};

/// Renders case `id` for `by`, with `errors` (a refused action) above the
/// actions.
pub(crate) async fn render(
    state: &WebState,
    page: &Page,
    by: &Principal,
    id: i64,
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let stored = match state.service.read_record(by, RecordKind::Case, id).await {
        Ok(r) => r,
        Err(e) => return state.error_page(page, e),
    };
    let case: Case = match stored.typed() {
        Ok(c) => c,
        Err(e) => return state.error_page(page, e),
    };
    let lang = page.lang;
    let zh = lang == crate::i18n::Lang::Zh;
    let c = catalogue();
    let mut findings = Vec::new();
    // Whether a finding a person settles still stands: the close may accept it.
    let mut may_accept = false;
    for f in &case.findings {
        let kind = RecordKind::parse(&f.kind);
        // Whether the latest sweep still sees it.
        let standing = match kind {
            Some(k) => state
                .service
                .list_findings(
                    by,
                    FindingFilter {
                        kind: Some(k.as_str().into()),
                        record_id: Some(f.record_id),
                        rule: Some(f.rule.clone()),
                        status: Some("open".into()),
                        limit: 50,
                        ..Default::default()
                    },
                )
                .await
                .is_ok_and(|p| p.items.iter().any(|row| row.id == f.finding_id)),
            None => false,
        };
        may_accept |= standing && c.rule(&f.rule).is_some_and(|r| r.settle != "system");
        let record = match kind {
            Some(k) => state
                .service
                .record_name(k, f.record_id)
                .await
                .ok()
                .flatten(),
            None => None,
        };
        findings.push(minijinja::context! {
            rule => f.rule.clone(),
            rule_name => c.rule(&f.rule).map(|r| if zh { r.zh.clone() } else { r.en.clone() }).unwrap_or_default(),
            kind => lang.text(&format!("kind_{}", f.kind)),
            record => record.unwrap_or_else(|| format!("#{}", f.record_id)),
            link => kind.map(|k| format!("/{}/{}", crate::pages::collection(k), f.record_id)).unwrap_or_default(),
            field => crate::verification_pages::field_label(lang, &f.field),
            evidence => f.evidence.clone(),
            standing,
        });
    }
    let mut steps = Vec::new();
    for s in &case.steps {
        let action = serde_json::to_value(s.action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let by_name = if s.by == "system" {
            lang.text("case_system").to_string()
        } else {
            state
                .service
                .actor_name(&s.by)
                .await
                .unwrap_or_else(|_| s.by.clone())
        };
        let standing: Vec<String> = s
            .standing
            .iter()
            .filter_map(|id| case.findings.iter().find(|f| f.finding_id == *id))
            .map(|f| f.rule.clone())
            .collect();
        steps.push(minijinja::context! {
            action => lang.text(&format!("ca_{action}")),
            failed => action == "recheck-failed" || action == "escalate",
            closing => action == "close",
            by => by_name,
            at => view::local_time(s.at.clone()),
            note => s.note.clone(),
            files => s.files.clone(),
            standing => standing.join("、"),
        });
    }
    let regulates = by.role == Role::Regulator
        && by.can_review(Tenancy {
            enterprise_id: case.enterprise_id,
            region_code: &state
                .service
                .read_record(by, RecordKind::Enterprise, case.enterprise_id)
                .await
                .map(|e| e.text("region_code").to_string())
                .unwrap_or_default(),
        });
    let own = by.enterprise_id == Some(case.enterprise_id);
    let today = zhisu_service::today_in_shanghai();
    let mut response = state.render(
        page,
        "case.html",
        minijinja::context! {
            id,
            version => stored.version,
            leaf_index => stored.leaf_index,
            updated => view::local_time(stored.updated_at.clone()),
            enterprise => state.service.record_name(RecordKind::Enterprise, case.enterprise_id).await.ok().flatten().unwrap_or_default(),
            enterprise_id => case.enterprise_id,
            class => lang.text(&format!("class_{}", case.class.as_str())),
            proposed => (case.proposed_class != case.class).then(|| lang.text(&format!("class_{}", case.proposed_class.as_str()))),
            class_reason => case.class_reason.clone(),
            measures => case.measures.iter().map(|m| lang.text(&format!("m_{}", m.as_str()))).collect::<Vec<_>>(),
            deadline => case.deadline.clone(),
            overdue => case.is_overdue(today),
            escalations => case.escalations,
            status => case.status.as_str(),
            status_label => lang.text(&format!("cs_{}", case.status.as_str())),
            findings, steps, errors,
            may_answer => own && case.status == CaseStatus::Notified,
            may_decide => regulates && case.status == CaseStatus::Answered,
            may_accept,
            may_export => regulates,
        },
    );
    *response.status_mut() = status;
    response
}
