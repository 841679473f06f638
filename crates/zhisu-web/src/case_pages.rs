//! Cases in pages (立案处置, V6-dispose, issue 17): the regulator's case
//! list and the form that opens a case on an enterprise's open findings;
//! the enterprise's 整改 inbox (the same list, its own cases); a case's
//! page with its findings, measures, deadline and every step by name, and
//! the actions its state allows the person reading it.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::cases::{Case, CaseAnswer, CaseStatus, OpenCaseInput};
use zhisu_domain::verification::catalogue;
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_service::{FindingFilter, ListFilter, ServiceError};

use crate::forms::FormData;
use crate::pages::checked_form;
use crate::{view, Page, SignedIn, WebState};

#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    status: Option<String>,
    offset: Option<i64>,
}

const PAGE_SIZE: i64 = 50;

/// The sentences of a refusal, for the page that shows it beside the form.
pub(crate) fn sentences(error: ServiceError) -> Result<Vec<String>, ServiceError> {
    match error {
        ServiceError::Invalid(zhisu_domain::Invalid(errors)) => {
            Ok(errors.into_iter().map(|e| e.message).collect())
        }
        ServiceError::Conflict(m) | ServiceError::BadRequest(m) => Ok(vec![m]),
        other => Err(other),
    }
}

async fn enterprise_name(state: &WebState, id: i64) -> String {
    state
        .service
        .record_name(RecordKind::Enterprise, id)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// `GET /cases`: a regulator's region's cases, an enterprise's own (its
/// 整改 inbox), those awaiting someone first.
pub async fn list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    let status = p.status.filter(|s| CaseStatus::parse(s).is_some());
    let offset = p.offset.unwrap_or(0).max(0);
    let filter = ListFilter {
        status: status.clone(),
        limit: Some(PAGE_SIZE),
        offset: Some(offset),
        ..Default::default()
    };
    let listed = match state
        .service
        .list(&s.principal, RecordKind::Case, &filter)
        .await
    {
        Ok(l) => l,
        Err(e) => return state.error_page(&page, e),
    };
    let lang = page.lang;
    let today = zhisu_service::today_in_shanghai();
    let mut rows = Vec::new();
    for r in &listed.items {
        let Ok(case) = r.typed::<Case>() else {
            continue;
        };
        rows.push(minijinja::context! {
            id => r.id,
            enterprise => enterprise_name(&state, case.enterprise_id).await,
            class => lang.text(&format!("class_{}", case.class.as_str())),
            serious => case.class >= zhisu_domain::verification::ResultClass::NonCompliant,
            findings => case.findings.len(),
            status => case.status.as_str(),
            status_label => lang.text(&format!("cs_{}", case.status.as_str())),
            deadline => case.deadline.clone(),
            overdue => case.is_overdue(today),
            updated => view::local_time(r.updated_at.clone()),
        });
    }
    let statuses: Vec<_> = CaseStatus::ALL
        .iter()
        .map(|c| (c.as_str(), lang.text(&format!("cs_{}", c.as_str()))))
        .collect();
    let base = format!("status={}", status.clone().unwrap_or_default());
    state.render(
        &page,
        "cases.html",
        minijinja::context! {
            rows, statuses, total => listed.total,
            status => status.unwrap_or_default(),
            inbox => s.principal.enterprise_id.is_some(),
            prev => (offset > 0).then(|| format!("?{base}&offset={}", (offset - PAGE_SIZE).max(0))),
            next => (offset + PAGE_SIZE < listed.total).then(|| format!("?{base}&offset={}", offset + PAGE_SIZE)),
        },
    )
}

/// The findings ticked on the form: one checkbox `finding_{id}` each.
fn chosen_findings(form: &FormData) -> Vec<i64> {
    let mut ids: Vec<i64> = form
        .fields
        .iter()
        .filter(|(_, v)| v.as_str() == "on")
        .filter_map(|(k, _)| k.strip_prefix("finding_")?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

#[derive(Debug, Deserialize, Default)]
pub struct NewParams {
    enterprise_id: Option<i64>,
    finding: Option<i64>,
}

/// The form that opens a case: the enterprise's open findings to choose
/// from, the class (the findings' proposal, or another with a reason),
/// the deadline and what the enterprise is told.
async fn new_form(
    state: &WebState,
    page: &Page,
    by: &Principal,
    enterprise_id: i64,
    form: &FormData,
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    if by.role != Role::Regulator {
        return state.error_page(
            page,
            ServiceError::Forbidden("只有监管人员可以立案 (only a regulator opens a case)".into()),
        );
    }
    let listed = state
        .service
        .list_findings(
            by,
            FindingFilter {
                enterprise_id: Some(enterprise_id),
                status: Some("open".into()),
                limit: 500,
                ..Default::default()
            },
        )
        .await;
    let listed = match listed {
        Ok(l) if l.total > 0 => l,
        Ok(_) => {
            return state.error_page(
                page,
                ServiceError::NotFound(format!("enterprise {enterprise_id} findings")),
            )
        }
        Err(e) => return state.error_page(page, e),
    };
    let lang = page.lang;
    let chosen = chosen_findings(form);
    let c = catalogue();
    let mut findings = Vec::new();
    // Records awaiting review are decided in the queue, and a decided
    // finding is settled: neither is a case's to take.
    let caseable = listed
        .items
        .iter()
        .filter(|f| f.decided_at.is_none() && !c.rule(&f.rule).is_some_and(|r| r.review));
    for f in caseable {
        findings.push(minijinja::context! {
            id => f.id,
            checked => chosen.contains(&f.id),
            rule => f.rule.clone(),
            rule_name => c.rule(&f.rule).map(|r| if lang == crate::i18n::Lang::Zh { r.zh.clone() } else { r.en.clone() }).unwrap_or_default(),
            kind => lang.text(&format!("kind_{}", f.kind.as_str())),
            record => state.service.record_name(f.kind, f.record_id).await.ok().flatten().unwrap_or_default(),
            evidence => f.evidence.clone(),
            class => lang.text(&format!("class_{}", f.class)),
        });
    }
    let classes: Vec<_> = ["minor", "non-compliant", "serious"]
        .iter()
        .map(|c| (c.to_string(), lang.text(&format!("class_{c}"))))
        .collect();
    let mut response = state.render(
        page,
        "case_new.html",
        minijinja::context! {
            enterprise => enterprise_name(state, enterprise_id).await,
            enterprise_id, findings, classes, errors,
            class => form.text("class"), class_reason => form.text("class_reason"),
            deadline => form.text("deadline"), note => form.text("note"),
        },
    );
    *response.status_mut() = status;
    response
}

/// `GET /cases/new?enterprise_id=…&finding=…`
pub async fn new(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<NewParams>,
) -> Response {
    let mut form = FormData::default();
    if let Some(f) = p.finding {
        form.fields.insert(format!("finding_{f}"), "on".into());
    }
    new_form(
        &state,
        &page,
        &s.principal,
        p.enterprise_id.unwrap_or(0),
        &form,
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /cases`: opens the case, or shows the form again with what is wrong.
pub async fn create(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let enterprise_id = form.text("enterprise_id").parse().unwrap_or(0);
    let findings = chosen_findings(&form);
    if findings.is_empty() {
        let errors = vec![page.lang.text("case_pick_one").to_string()];
        return new_form(
            &state,
            &page,
            &s.principal,
            enterprise_id,
            &form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let nonempty = |k: &str| Some(form.text(k)).filter(|v| !v.trim().is_empty());
    let input = OpenCaseInput {
        findings,
        class: nonempty("class"),
        class_reason: nonempty("class_reason"),
        deadline: nonempty("deadline"),
        note: form.text("note"),
    };
    match state
        .service
        .open_case(&s.principal, input, page.ip.clone())
        .await
    {
        Ok(case) => Redirect::to(&format!("/cases/{}", case.id)).into_response(),
        Err(e) => match sentences(e) {
            Ok(errors) => {
                new_form(
                    &state,
                    &page,
                    &s.principal,
                    enterprise_id,
                    &form,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => state.error_page(&page, e),
        },
    }
}

/// `GET /cases/{id}`
pub async fn detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    crate::case_detail::render(&state, &page, &s.principal, id, vec![], StatusCode::OK).await
}

/// `GET /cases/{id}/history`: every version, each a step with its actor.
pub async fn history(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    crate::record_detail::history_page(&state, &page, &s.principal, RecordKind::Case, id).await
}

/// After an action: back to the case, or the case again with the refusal.
async fn after(
    state: &WebState,
    page: &Page,
    by: &Principal,
    id: i64,
    result: Result<zhisu_service::RecordView, ServiceError>,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => match sentences(e) {
            Ok(errors) => {
                let status = StatusCode::CONFLICT;
                crate::case_detail::render(state, page, by, id, errors, status).await
            }
            Err(e) => state.error_page(page, e),
        },
    }
}

/// `POST /cases/{id}/answer`: the enterprise's answer, with an evidence
/// file uploaded on the way.
pub async fn answer(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut files = Vec::new();
    if let Some((name, bytes)) = form.files.get("evidence") {
        match state
            .service
            .upload_blob(Some(&s.principal), name, bytes)
            .await
        {
            Ok(blob) => files.push(blob.sha256),
            Err(e) => return after(&state, &page, &s.principal, id, Err(e)).await,
        }
    }
    let answer = CaseAnswer {
        note: form.text("note"),
        files,
    };
    let result = state
        .service
        .answer_case(&s.principal, id, answer, page.ip.clone())
        .await;
    after(&state, &page, &s.principal, id, result).await
}

/// `POST /cases/{id}/recheck`
pub async fn recheck(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    if let Err(r) = checked_form(&state, &page, multipart, &s.csrf).await {
        return r;
    }
    let result = state
        .service
        .recheck_case(&s.principal, id, page.ip.clone())
        .await;
    after(&state, &page, &s.principal, id, result).await
}

/// `POST /cases/{id}/close`
pub async fn close(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let close = zhisu_domain::cases::CloseCase {
        note: form.text("note"),
        accept_standing: form.checked("accept_standing"),
    };
    let result = state
        .service
        .close_case(&s.principal, id, close, page.ip.clone())
        .await;
    after(&state, &page, &s.principal, id, result).await
}

/// `GET /abnormal`: 经营异常名录, public like the scan page.
pub async fn abnormal(State(state): State<WebState>, page: Page) -> Response {
    let listed = match state.service.abnormal_list().await {
        Ok(l) => l,
        Err(e) => return state.error_page(&page, e),
    };
    let rows: Vec<_> = listed
        .into_iter()
        .map(|e| {
            minijinja::context! {
                name => e.name, uscc => e.uscc, case_id => e.case_id,
                since => view::local_time(e.since), by => e.listed_by,
            }
        })
        .collect();
    state.render(&page, "abnormal.html", minijinja::context! { rows })
}

/// `GET /cases/{id}/file`: the case file (ZIP), for a regulator of the
/// enterprise's region.
pub async fn case_file(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    match state
        .service
        .case_file(&s.principal, id, page.ip.clone())
        .await
    {
        Ok((name, bytes)) => crate::pages::private_download("application/zip", &name, bytes),
        Err(e) => state.error_page(&page, e),
    }
}
