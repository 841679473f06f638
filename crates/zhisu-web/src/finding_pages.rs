//! One finding in pages (issue 17.2): its rule, record, field and evidence
//! in the page's language, and its history — opened, last seen, claimed,
//! assigned, decided, the cases opened on it, resolved — with people's
//! names and Asia/Shanghai times.

use axum::extract::{Path, State};
use axum::response::Response;
use zhisu_domain::verification::catalogue;
use zhisu_domain::RecordKind;

use crate::verification_pages::rule_name;
use crate::{view, SignedIn, WebState};

/// `GET /verification/findings/{id}`
pub async fn detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let lang = page.lang;
    let detail = match state.service.finding_detail(&s.principal, id).await {
        Ok(d) => d,
        Err(e) => return state.error_page(&page, e),
    };
    let f = &detail.finding;
    let name_of = |kind: RecordKind, id: i64| {
        let service = state.service.clone();
        async move {
            service
                .record_name(kind, id)
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        }
    };
    let rule = catalogue().rule(&f.rule);
    let field = crate::verification_pages::field_label(lang, &f.field);
    let reads_sweeps = crate::verification_pages::may_sweep(s.principal.role);
    let mut steps = Vec::new();
    for st in &detail.steps {
        let by = match &st.by {
            Some(actor) => state
                .service
                .actor_name(actor)
                .await
                .unwrap_or_else(|_| actor.clone()),
            None => lang.text("fd_by_sweep").to_string(),
        };
        // An assignment names its assignee by name, not by actor.
        let detail = match (st.action.as_str(), &st.detail) {
            ("assigned", Some(to)) => state
                .service
                .actor_name(to)
                .await
                .unwrap_or_else(|_| to.clone()),
            (_, d) => d.clone().unwrap_or_default(),
        };
        steps.push(minijinja::context! {
            at => view::local_time(st.at.clone()),
            action => lang.text(&format!("fd_{}", st.action)),
            by, detail,
            case => st.case_id.map(|c| format!("/cases/{c}")),
            // Sweeps are the regulators' record: an enterprise reads no link.
            sweep => st.sweep.filter(|_| reads_sweeps).map(|w| format!("/verification/sweeps/{w}")),
        });
    }
    state.render(
        &page,
        "finding.html",
        minijinja::context! {
            steps,
            finding => minijinja::context! {
                rule => f.rule.clone(),
                rule_name => rule.map(|r| rule_name(lang, r)).unwrap_or_default(),
                axis => lang.text(&format!("axis_{}", f.axis)),
                severity => f.severity.clone(),
                severity_label => lang.text(&format!("sev_{}", f.severity)),
                class => lang.text(&format!("class_{}", f.class)),
                kind => lang.text(&format!("kind_{}", f.kind.as_str())),
                record => crate::verification_pages::beside_kind(f.kind, name_of(f.kind, f.record_id).await),
                link => format!("/{}/{}", crate::pages::collection(f.kind), f.record_id),
                enterprise => name_of(RecordKind::Enterprise, f.enterprise_id).await,
                field, evidence => f.evidence.clone(),
                open => f.status == "open",
                decided => f.decided_class.as_deref().map(|c| lang.text(&format!("class_{c}")).to_string()),
            },
        },
    )
}
