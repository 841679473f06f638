//! Pages for sales and purchases (G5.1-flow, G5.2-flow), recalls (P6.4)
//! and counterfeit alerts (G6.1.3): forms that call the same use cases as
//! the API, and the recall's trace as a table and a spreadsheet.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::flow::{FlowInput, FlowKind, FlowLineInput};
use zhisu_domain::recall::{RecallInput, RecallProgress};
use zhisu_domain::{FieldError, Invalid, RecordKind};
use zhisu_service::ServiceError;

use crate::pages::{checked_form, with_csrf_cookie};
use crate::{view, Page, SignedIn, WebState};

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .format("%Y-%m-%d")
        .to_string()
}

/// Each finding as "field: message", for the form's error box.
fn messages(page: &Page, e: ServiceError) -> Result<Vec<String>, ServiceError> {
    match e {
        ServiceError::Invalid(Invalid(errors)) => Ok(errors
            .iter()
            .map(|e: &FieldError| format!("{}: {}", view::label(page.lang, &e.field), e.message))
            .collect()),
        other => Err(other),
    }
}

/// `code [quantity]` per line.
fn parse_lines(text: &str) -> Vec<FlowLineInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.rsplit_once(char::is_whitespace) {
            Some((code, n)) if n.parse::<u64>().is_ok() => FlowLineInput {
                code: code.trim().to_string(),
                quantity: n.parse().ok(),
            },
            _ => FlowLineInput {
                code: l.to_string(),
                quantity: None,
            },
        })
        .collect()
}

async fn flow_form(
    state: &WebState,
    page: &Page,
    session: &crate::Session,
    values: minijinja::Value,
    errors: Vec<String>,
) -> Response {
    let directory = state.service.directory().await.unwrap_or_default();
    let own = session.principal.enterprise_id;
    let counterparties: Vec<_> = directory
        .into_iter()
        .filter(|e| Some(e.id) != own)
        .collect();
    let mut response = state.render(
        page,
        "flow_form.html",
        minijinja::context! { values, errors => errors.clone(), counterparties, today => today() },
    );
    if !errors.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

pub async fn new_flow(State(state): State<WebState>, SignedIn(page, s): SignedIn) -> Response {
    flow_form(&state, &page, &s, minijinja::context! {}, vec![]).await
}

pub async fn create_flow(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let kind = match form.text("kind").as_str() {
        "purchase" => FlowKind::Purchase,
        "return" => FlowKind::Return,
        _ => FlowKind::Sale,
    };
    let text = |name: &str| Some(form.text(name)).filter(|v| !v.trim().is_empty());
    let input = FlowInput {
        enterprise_id: None,
        kind,
        at: form.text("at"),
        counterparty_id: form.text("counterparty_id").parse().ok(),
        counterparty_name: text("counterparty_name"),
        counterparty_address: text("counterparty_address"),
        counterparty_contact: text("counterparty_contact"),
        lines: parse_lines(&form.text("codes")),
    };
    match state
        .service
        .record_flow(&s.principal, input, page.ip.clone())
        .await
    {
        Ok(view) => Redirect::to(&format!("/flows/{}", view.id)).into_response(),
        Err(e) => match messages(&page, e) {
            Ok(errors) => {
                let values = minijinja::Value::from_serialize(&form.fields);
                flow_form(&state, &page, &s, values, errors).await
            }
            Err(e) => state.error_page(&page, e),
        },
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NewRecallParams {
    product_id: Option<i64>,
    batch_id: Option<i64>,
}

async fn recall_form(
    state: &WebState,
    page: &Page,
    session: &crate::Session,
    product_id: i64,
    checked: Vec<i64>,
    values: minijinja::Value,
    errors: Vec<String>,
) -> Response {
    let product = match state
        .service
        .read_record(&session.principal, RecordKind::Product, product_id)
        .await
    {
        Ok(p) => p,
        Err(e) => return state.error_page(page, e),
    };
    let filter = zhisu_service::ListFilter {
        product_id: Some(product_id),
        limit: Some(500),
        ..Default::default()
    };
    let batches = state
        .service
        .list(&session.principal, RecordKind::Batch, &filter)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let batches: Vec<_> = batches
        .iter()
        .map(|b| {
            minijinja::context! {
                id => b.id, batch_no => b.text("batch_no"), date => b.text("production_date"),
                status => page.lang.text(&format!("v_{}", b.text("status"))), checked => checked.contains(&b.id),
            }
        })
        .collect();
    let mut response = state.render(
        page,
        "recall_form.html",
        minijinja::context! {
            product_id, product_name => format!("{} {}", product.text("product_name"), product.text("model")),
            batches, values, errors => errors.clone(),
        },
    );
    if !errors.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

pub async fn new_recall(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<NewRecallParams>,
) -> Response {
    let Some(product_id) = p.product_id else {
        return state.error_page(
            &page,
            ServiceError::BadRequest(
                "从产品或批次页面发起召回 (open a recall from a product or batch page)".into(),
            ),
        );
    };
    let checked = p.batch_id.into_iter().collect();
    recall_form(
        &state,
        &page,
        &s,
        product_id,
        checked,
        minijinja::context! {},
        vec![],
    )
    .await
}

pub async fn create_recall(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Ok(product_id) = form.text("product_id").parse::<i64>() else {
        return state.error_page(&page, ServiceError::BadRequest("product_id".into()));
    };
    let batch_ids: Vec<i64> = form
        .fields
        .iter()
        .filter(|(k, v)| k.starts_with("batch_") && v.as_str() == "on")
        .filter_map(|(k, _)| k.trim_start_matches("batch_").parse().ok())
        .collect();
    let text = |name: &str| Some(form.text(name)).filter(|v| !v.trim().is_empty());
    let input = RecallInput {
        product_id,
        batch_ids: batch_ids.clone(),
        produced_from: text("produced_from"),
        produced_to: text("produced_to"),
        codes: form.lines("codes"),
        reason: form.text("reason"),
    };
    match state
        .service
        .open_recall(&s.principal, input, page.ip.clone())
        .await
    {
        Ok(view) => Redirect::to(&format!("/recalls/{}", view.id)).into_response(),
        Err(e) => match messages(&page, e) {
            Ok(errors) => {
                let values = minijinja::Value::from_serialize(&form.fields);
                recall_form(&state, &page, &s, product_id, batch_ids, values, errors).await
            }
            Err(e) => state.error_page(&page, e),
        },
    }
}

pub async fn recall_progress(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let progress = RecallProgress {
        notified: None,
        returned: None,
        close: form.text("close") == "yes",
    };
    match state
        .service
        .recall_progress(&s.principal, id, progress, page.ip.clone())
        .await
    {
        Ok(_) => Redirect::to(&format!("/recalls/{id}")).into_response(),
        Err(e) => state.error_page(&page, e),
    }
}

pub async fn recall_xlsx(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    match state.service.recall_trace_xlsx(&s.principal, id).await {
        Ok(bytes) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("attachment; filename=\"recall-{id}.xlsx\""))
            {
                headers.insert(header::CONTENT_DISPOSITION, v);
            }
            response
        }
        Err(e) => state.error_page(&page, e),
    }
}

pub async fn alerts(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<AlertPageQuery>,
) -> Response {
    let query = zhisu_service::AlertQuery {
        limit: Some(200),
        class: q.class.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    };
    // What the list is narrowed to, in a sentence (issue 18.3).
    let narrowed = [
        q.class
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| page.lang.text(&format!("alerts_class_{c}")).to_string()),
        match (q.from.as_deref(), q.to.as_deref()) {
            (Some(f), Some(t)) if f == t => Some(f.to_string()),
            (Some(f), Some(t)) if !f.is_empty() => Some(format!("{f} – {t}")),
            _ => None,
        },
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    match state.service.alerts(&s.principal, &query).await {
        Ok(list) => {
            let rows: Vec<_> = list
                .iter()
                .map(|a| {
                    minijinja::context! {
                        kind => page.lang.text(&format!("v_{}", a.kind.as_str())),
                        code => a.code.clone(), at => view::local_time(a.at.clone()), detail => a.detail.clone(),
                        batch_id => a.batch_id,
                    }
                })
                .collect();
            state.render(&page, "alerts.html", minijinja::context! { rows, narrowed })
        }
        Err(e) => state.error_page(&page, e),
    }
}

/// The alerts page's narrowing: a class and days (as the anomalies list
/// links to it).
#[derive(Debug, Deserialize, Default)]
pub struct AlertPageQuery {
    class: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct CodeParam {
    code: Option<String>,
}

/// The public's feedback form (from the scan page's "report a problem").
pub async fn new_feedback(
    State(state): State<WebState>,
    page: Page,
    Query(p): Query<CodeParam>,
) -> Response {
    let code = p.code.unwrap_or_default();
    with_csrf_cookie(&state, page, |page| {
        state.render(
            page,
            "feedback_form.html",
            minijinja::context! { code, errors => Vec::<String>::new(), values => minijinja::context! {} },
        )
    })
}

pub async fn send_feedback(
    State(state): State<WebState>,
    page: Page,
    multipart: Multipart,
) -> Response {
    // Signed-in senders use their session's token; the public the cookie's.
    let expected = page
        .session
        .as_ref()
        .map(|s| s.csrf.clone())
        .or_else(|| page.csrf_cookie.clone())
        .unwrap_or_default();
    let form = match checked_form(&state, &page, multipart, &expected).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let input = zhisu_domain::feedback::FeedbackInput {
        code: form.text("code"),
        message: form.text("message"),
        contact: Some(form.text("contact")),
    };
    let by = page.session.as_ref().map(|s| &s.principal);
    match state
        .service
        .send_feedback(by, input, page.ip.clone())
        .await
    {
        Ok(_) => state.render(
            &page,
            "error.html",
            minijinja::context! { title => page.lang.text("feedback_sent"), message => "" },
        ),
        Err(e) => match messages(&page, e) {
            Ok(errors) => {
                let mut response = state.render(
                    &page,
                    "feedback_form.html",
                    minijinja::context! { code => form.text("code"), errors, values => minijinja::Value::from_serialize(&form.fields) },
                );
                *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                response
            }
            Err(e) => state.error_page(&page, e),
        },
    }
}

pub async fn answer_feedback(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let answer = zhisu_domain::feedback::FeedbackAnswer {
        answer: form.text("answer"),
        close: form.text("close") == "yes",
    };
    match state
        .service
        .answer_feedback(&s.principal, id, answer, page.ip.clone())
        .await
    {
        Ok(_) => Redirect::to(&format!("/feedback/{id}")).into_response(),
        Err(e) => state.error_page(&page, e),
    }
}

/// Where a life step's record is shown.
fn record_link(record: &str) -> Option<String> {
    let (kind, id) = record.split_once('/')?;
    let list = match kind {
        "product" => "products",
        "batch" => "batches",
        "package" => "packages",
        "flow" => "flows",
        "recall" => "recalls",
        _ => return None,
    };
    Some(format!("/{list}/{id}"))
}

/// A code's whole life (P6.2, P6.3): look a code up, see every step in
/// time order with its risks on top.
pub async fn code_life(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<CodeParam>,
) -> Response {
    let code = p.code.unwrap_or_default().trim().to_string();
    let empty = minijinja::context! { code => "", error => "", life => () };
    if code.is_empty() {
        return state.render(&page, "code_life.html", empty);
    }
    match state.service.code_life(&s.principal, &code).await {
        Ok(life) => {
            let steps: Vec<_> = life
                .steps
                .iter()
                .map(|step| {
                    minijinja::context! {
                        at => view::local_time(step.at.clone()),
                        step => step.step.clone(),
                        label => page.lang.text(&format!("life_{}", step.step)),
                        detail => step.detail.clone(),
                        link => step.record.as_deref().and_then(record_link),
                        risk => step.risk,
                    }
                })
                .collect();
            let first_at = life.scans.first_at.clone().map(view::local_time);
            state.render(
                &page,
                "code_life.html",
                minijinja::context! { code, error => "", life, steps, first_at },
            )
        }
        Err(e @ (ServiceError::NotFound(_) | ServiceError::BadRequest(_))) => {
            let (status, error) = match e {
                ServiceError::NotFound(_) => (
                    StatusCode::NOT_FOUND,
                    page.lang.text("life_not_found").to_string(),
                ),
                other => (StatusCode::BAD_REQUEST, other.to_string()),
            };
            let mut response = state.render(
                &page,
                "code_life.html",
                minijinja::context! { code, error, life => () },
            );
            *response.status_mut() = status;
            response
        }
        Err(e) => state.error_page(&page, e),
    }
}

/// The live view of production and circulation (P6.3).
pub async fn supply(State(state): State<WebState>, SignedIn(page, s): SignedIn) -> Response {
    match state.service.supply_view(&s.principal).await {
        Ok(view) => {
            let seller = s.principal.role == zhisu_domain::Role::Seller;
            state.render(&page, "supply.html", minijinja::context! { view, seller })
        }
        Err(e) => state.error_page(&page, e),
    }
}
