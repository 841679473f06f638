//! 审核队列 in pages (V5-manual, issue 17.4): a regulator's queue of what
//! a person settles in its jurisdiction — enterprises awaiting their
//! check, batches submitted, products never reviewed, defects a person
//! decides — most severe and oldest first, with counts, the overdue in
//! red, and on each item the actions it allows: claim, release, give to a
//! colleague, decide with a class and a reason.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::review::DecisionInput;
use zhisu_domain::verification::{catalogue, ResultClass};
use zhisu_domain::Role;
use zhisu_service::{QueueFilter, ServiceError};

use crate::pages::checked_form;
use crate::{view, Page, SignedIn, WebState};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize, Default, Clone)]
pub struct QueueParams {
    /// `all` (default), `mine`, `none` or `overdue`.
    view: Option<String>,
    rule: Option<String>,
    offset: Option<i64>,
}

/// What deciding an item of `rule` does, in a sentence for the form.
fn effect_hint(lang: crate::Lang, rule: &str) -> &'static str {
    lang.text(match rule {
        "ZV-A-006" => "rq_effect_identity",
        "ZV-R-005" => "rq_effect_batch",
        "ZV-R-006" => "rq_effect_product",
        _ => "rq_effect_defect",
    })
}

/// `GET /verification/queue`.
pub async fn queue(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<QueueParams>,
) -> Response {
    render(&state, &page, &s, p, Vec::new(), None, StatusCode::OK).await
}

/// What a refused decision sent, shown again in its form.
struct Kept {
    id: i64,
    class: String,
    reason: String,
    deadline: String,
}

async fn render(
    state: &WebState,
    page: &Page,
    s: &crate::Session,
    p: QueueParams,
    errors: Vec<String>,
    kept: Option<Kept>,
    status: StatusCode,
) -> Response {
    let by = &s.principal;
    if !matches!(by.role, Role::Regulator | Role::PlatformAdmin) {
        return state.error_page(
            page,
            ServiceError::Forbidden(
                "只有监管人员可以处理核查队列 (only regulators work the review queue)".into(),
            ),
        );
    }
    let view_name = p.view.clone().unwrap_or_else(|| "all".into());
    let rule = p.rule.clone().filter(|r| !r.trim().is_empty());
    let offset = p.offset.unwrap_or(0).max(0);
    let filter = QueueFilter {
        assignee: match view_name.as_str() {
            "mine" => Some("me".into()),
            "none" => Some("none".into()),
            _ => None,
        },
        overdue: view_name == "overdue",
        rule: rule.clone(),
        limit: PAGE_SIZE,
        offset,
        ..Default::default()
    };
    let (listed, counts) = match (
        state.service.review_queue(by, filter).await,
        state.service.queue_counts(by).await,
    ) {
        (Ok(l), Ok(c)) => (l, c),
        (Err(e), _) | (_, Err(e)) => return state.error_page(page, e),
    };
    let lang = page.lang;
    let c = catalogue();
    let today = zhisu_service::today_in_shanghai();
    let mut rows = Vec::new();
    for f in &listed.items {
        let name = |kind, id| {
            let service = &state.service;
            async move {
                service
                    .record_name(kind, id)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| format!("#{id}"))
            }
        };
        let record =
            crate::verification_pages::beside_kind(f.kind, name(f.kind, f.record_id).await);
        let enterprise = name(zhisu_domain::RecordKind::Enterprise, f.enterprise_id).await;
        let assignee = match &f.assignee {
            Some(actor) => Some(
                state
                    .service
                    .actor_name(actor)
                    .await
                    .unwrap_or_else(|_| lang.text("someone").to_string()),
            ),
            None => None,
        };
        let opened_on = view::china_date(&f.opened_at);
        let waited = opened_on.map(|d| (today - d).num_days()).unwrap_or(0);
        let overdue = opened_on
            .is_some_and(|d| zhisu_domain::review::overdue(d, today, c.review_overdue_days));
        let rule = c.rule(&f.rule);
        let review_item = rule.is_some_and(|r| r.review);
        // A record awaiting review proposes nothing against it; a defect
        // proposes its catalogue class; a refused form keeps what was sent.
        let kept = kept.as_ref().filter(|k| k.id == f.id);
        let proposed = match kept {
            Some(k) => k.class.clone(),
            None if review_item => ResultClass::Compliant.as_str().to_string(),
            None => f.class.clone(),
        };
        rows.push(minijinja::context! {
            id => f.id,
            rule => f.rule.clone(),
            rule_name => rule.map(|r| crate::verification_pages::rule_name(lang, r)).unwrap_or_default(),
            severity => f.severity.clone(),
            severity_label => lang.text(&format!("sev_{}", f.severity)),
            kind => lang.text(&format!("kind_{}", f.kind.as_str())),
            link => format!("/{}/{}", crate::pages::collection(f.kind), f.record_id),
            record, enterprise,
            evidence => f.evidence.clone(),
            opened => view::local_time(f.opened_at.clone()),
            waited, overdue,
            assignee,
            mine => f.assignee.as_deref() == Some(by.actor.as_str()) || kept.is_some(),
            proposed,
            reason => kept.map(|k| k.reason.clone()).unwrap_or_default(),
            deadline => kept.map(|k| k.deadline.clone()).unwrap_or_default(),
            hint => effect_hint(lang, &f.rule),
            defect => !review_item,
        });
    }
    let classes: Vec<(String, String)> = [
        ResultClass::Compliant,
        ResultClass::Minor,
        ResultClass::NonCompliant,
        ResultClass::Serious,
    ]
    .iter()
    .map(|k| {
        (
            k.as_str().to_string(),
            lang.text(&format!("class_{}", k.as_str())).to_string(),
        )
    })
    .collect();
    let rules: Vec<(String, String)> = c
        .rules
        .iter()
        .filter(|r| !r.retired && r.settle != "system")
        .map(|r| (r.id.clone(), crate::verification_pages::rule_name(lang, r)))
        .collect();
    let query = |offset: i64| {
        format!(
            "?view={}&rule={}&offset={offset}",
            urlencoding::encode(&view_name),
            urlencoding::encode(rule.as_deref().unwrap_or(""))
        )
    };
    let prev = (offset > 0).then(|| query((offset - PAGE_SIZE).max(0)));
    let next = (offset + PAGE_SIZE < listed.total).then(|| query(offset + PAGE_SIZE));
    let here = query(offset);
    let mut response = state.render(
        page,
        "review_queue.html",
        minijinja::context! {
            rows, counts => minijinja::context! {
                total => counts.total, unassigned => counts.unassigned, mine => counts.mine,
                overdue => counts.overdue, days => counts.overdue_days,
            },
            view => view_name, rule => rule.unwrap_or_default(), rules, classes,
            total => listed.total, prev, next, here, errors,
        },
    );
    *response.status_mut() = status;
    response
}

/// The queue's parameters in `?view=…&rule=…&offset=…` (the form's
/// `back`); anything else is the whole queue.
fn back_params(back: &str) -> QueueParams {
    let mut p = QueueParams::default();
    for pair in back.trim_start_matches('?').split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = urlencoding::decode(v)
            .map(|v| v.into_owned())
            .unwrap_or_default();
        match k {
            "view" if ["all", "mine", "none", "overdue"].contains(&v.as_str()) => p.view = Some(v),
            "rule" => p.rule = Some(v),
            "offset" => p.offset = v.parse().ok(),
            _ => {}
        }
    }
    p
}

/// The query the queue was shown with, for the redirect back: only what
/// [`back_params`] reads, so no form can send the browser elsewhere.
fn back_query(p: &QueueParams) -> String {
    format!(
        "?view={}&rule={}&offset={}",
        urlencoding::encode(p.view.as_deref().unwrap_or("all")),
        urlencoding::encode(p.rule.as_deref().unwrap_or("")),
        p.offset.unwrap_or(0).max(0)
    )
}

/// Back to the queue as it was shown (its query, from the form), or the
/// queue with the refusal beside it.
async fn after<T>(
    state: &WebState,
    page: &Page,
    s: &crate::Session,
    back: String,
    kept: Option<Kept>,
    result: Result<T, ServiceError>,
) -> Response {
    let params = back_params(&back);
    match result {
        Ok(_) => {
            Redirect::to(&format!("/verification/queue{}", back_query(&params))).into_response()
        }
        Err(e) => {
            let status = match &e {
                ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            match crate::case_pages::sentences(e) {
                Ok(errors) => render(state, page, s, params, errors, kept, status).await,
                Err(e) => state.error_page(page, e),
            }
        }
    }
}

/// `POST /verification/queue/{id}/{action}`: claim, release, assign or
/// decide.
pub async fn act(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path((id, action)): Path<(i64, String)>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let back = form.text("back");
    let by = &s.principal;
    let ip = page.ip.clone();
    let service = &state.service;
    let mut kept = None;
    let result = match action.as_str() {
        "claim" => service.claim_finding(by, id, ip).await,
        "release" => service.release_finding(by, id, ip).await,
        "assign" => service.assign_finding(by, id, &form.text("to"), ip).await,
        "decide" => {
            let input = DecisionInput {
                class: form.text("class"),
                reason: form.text("reason"),
                deadline: Some(form.text("deadline")).filter(|d| !d.trim().is_empty()),
            };
            kept = Some(Kept {
                id,
                class: input.class.clone(),
                reason: input.reason.clone(),
                deadline: input.deadline.clone().unwrap_or_default(),
            });
            service.decide_finding(by, id, input, ip).await
        }
        _ => Err(ServiceError::NotFound(format!("action {action}"))),
    };
    after(&state, &page, &s, back, kept, result).await
}
