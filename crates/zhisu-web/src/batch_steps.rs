//! A batch's workflow steps posted from its page, and its code download.

use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use zhisu_domain::Invalid;
use zhisu_service::ServiceError;

use crate::{Page, SignedIn, WebState};

use crate::pages::*;

/// A workflow step posted from the batch page; back to the batch, or an
/// error page that says why the step was refused.
pub(crate) async fn batch_step(
    state: &WebState,
    page: &Page,
    session: &crate::Session,
    id: i64,
    multipart: Multipart,
    step: &str,
) -> Response {
    let form = match checked_form(state, page, multipart, &session.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let by = &session.principal;
    let result = match step {
        "submit" => state.service.submit_batch(by, id, page.ip.clone()).await,
        "activate" => state.service.activate_batch(by, id, page.ip.clone()).await,
        "day" => {
            // P5.3.3.3: one day's exact quantity; a quantity that is not a
            // whole number is said at its field.
            let mut findings = Vec::new();
            let quantity = crate::forms::whole_number(&form, "quantity", &mut findings);
            if !findings.is_empty() {
                return invalid_page(state, page, &findings, format!("/batches/{id}"));
            }
            let input = zhisu_domain::production_days::DayInput {
                day: form.text("day"),
                quantity,
            };
            state
                .service
                .report_production_day(by, id, &input, page.ip.clone())
                .await
                .map(|(view, _)| view)
        }
        "dispose" => {
            let action = match form.text("action").as_str() {
                "freeze" => zhisu_domain::BatchAction::Freeze,
                "unfreeze" => zhisu_domain::BatchAction::Unfreeze,
                "void" => zhisu_domain::BatchAction::Void,
                other => {
                    return state.error_page(
                        page,
                        ServiceError::BadRequest(format!("unknown disposal '{other}'")),
                    )
                }
            };
            state
                .service
                .dispose_batch(by, id, action, &form.text("reason"), page.ip.clone())
                .await
        }
        _ => {
            let approve = form.text("decision") == "approve";
            let reason = Some(form.text("reason")).filter(|r| !r.is_empty());
            state
                .service
                .review_batch(by, id, approve, reason, page.ip.clone())
                .await
        }
    };
    match result {
        Ok(_) => Redirect::to(&format!("/batches/{id}")).into_response(),
        Err(ServiceError::Invalid(Invalid(errors))) => {
            invalid_page(state, page, &errors, format!("/batches/{id}"))
        }
        Err(e) => state.error_page(page, e),
    }
}

pub async fn batch_submit(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    batch_step(&state, &page, &s, id, multipart, "submit").await
}

pub async fn batch_review(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    batch_step(&state, &page, &s, id, multipart, "review").await
}

pub async fn batch_dispose(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    batch_step(&state, &page, &s, id, multipart, "dispose").await
}

pub async fn batch_day(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    batch_step(&state, &page, &s, id, multipart, "day").await
}

pub async fn batch_activate(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    batch_step(&state, &page, &s, id, multipart, "activate").await
}

/// Downloads an active batch's codes from the page (the same as the API).
/// A range of a batch's codes (`from`, `to`): one day's (P5.3.3.3).
#[derive(serde::Deserialize)]
pub struct CodeRange {
    from: Option<u64>,
    to: Option<u64>,
}

pub async fn batch_codes(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path((id, format)): Path<(i64, String)>,
    axum::extract::Query(range): axum::extract::Query<CodeRange>,
) -> Response {
    let Some(format) = zhisu_service::CodeFormat::parse(&format) else {
        return state.error_page(&page, ServiceError::NotFound(format));
    };
    if format == zhisu_service::CodeFormat::Zpl {
        // Labels are printed from the labels page, which asks first when
        // the public URL cannot be scanned (issue 15.10).
        return axum::response::Redirect::to(&format!("/batches/{id}/labels?format=zpl"))
            .into_response();
    }
    let plan = match state.service.code_plan(&s.principal, id).await {
        Ok(p) => p,
        Err(e) => return state.error_page(&page, e),
    };
    let to = range.to.unwrap_or(plan.count).min(plan.count);
    let from = range.from.unwrap_or(0).min(to);
    let chunks = plan
        .chunks(from, to, format)
        .map(Ok::<_, std::convert::Infallible>);
    let mut response =
        axum::body::Body::from_stream(futures_util::stream::iter(chunks)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"batch-{id}-codes.{}\"",
        format.extension()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
