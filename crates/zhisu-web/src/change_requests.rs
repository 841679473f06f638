//! Change requests on the pages (P4, issue 15.7): the manufacturer's form
//! on a product whose codes are issued, the request's page with what
//! changes from what to what, and the regional regulator's decision.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use zhisu_domain::auth::Tenancy;
use zhisu_domain::change_request::{shown_label, ChangeDecision, ChangeRequestInput, SHOWN_FIELDS};
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_service::RecordView;

use crate::forms;
use crate::pages::{checked_form, findings, form_page};
use crate::record_detail::detail_page;
use crate::record_list::{list_page, ListParams};
use crate::view::{self, Row, Table, TableRow};
use crate::{Page, SignedIn, WebState};

/// The labels of the fields a request changes, "产品名称、质保期限".
pub(crate) fn changed_labels(body: &Value) -> String {
    body["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["label"].as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// The product form's fields that codes show, for the request form.
fn shown_form_fields(page: &Page) -> forms::Fields {
    let all = forms::product_fields(page.lang, true);
    forms::Fields(
        all.0
            .into_iter()
            .filter(|f| shown_label(&f.name).is_some())
            .collect(),
    )
}

/// The reason field, below the shown fields.
fn reason_field(page: &Page, value: String, errors: Vec<String>) -> forms::Field {
    forms::Field {
        name: "reason".into(),
        label: page.lang.text("cr_reason").into(),
        input: "textarea",
        value,
        options: vec![],
        required: true,
        hint: String::new(),
        errors,
    }
}

/// What a change request's page shows beyond its fields: the product, the
/// people by name, a table of each field before and after, and for a
/// regulator of the region the decision form. Returns the page title and
/// whether it can be edited (never).
pub(crate) async fn detail_parts(
    state: &WebState,
    page: &Page,
    by: &Principal,
    record: &RecordView,
    rows: &mut [Row],
    tables: &mut Vec<Table>,
    workflow: &mut Vec<minijinja::Value>,
) -> (String, bool) {
    let lang = page.lang;
    let product_id = record.body["product_id"].as_i64().unwrap_or(0);
    let product = state
        .service
        .read_record(by, RecordKind::Product, product_id)
        .await
        .ok();
    let product_name = product
        .as_ref()
        .map(|p| format!("{} {}", p.text("product_name"), p.text("model")))
        .unwrap_or_default();
    for row in rows.iter_mut() {
        if row.label == lang.text("product_id") {
            row.value = product_name.clone();
            row.link = Some(format!("/products/{product_id}"));
        }
        for actor in ["requested_by", "decided_by"] {
            if row.label == lang.text(actor) {
                if let Some(a) = record.body[actor].as_str() {
                    row.value = state
                        .service
                        .actor_name(a)
                        .await
                        .unwrap_or_else(|_| a.to_string());
                }
            }
        }
    }
    tables.push(Table {
        title: lang.text("changes").into(),
        columns: ["cr_field", "cr_before", "cr_after"]
            .iter()
            .map(|c| view::label(lang, c))
            .collect(),
        rows: record.body["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| TableRow {
                link: format!("/products/{product_id}"),
                cells: vec![
                    c["label"].as_str().unwrap_or_default().to_string(),
                    view::display_value(lang, &c["before"]),
                    view::display_value(lang, &c["after"]),
                ],
            })
            .collect(),
        action: None,
    });
    let region = state
        .service
        .read_record(by, RecordKind::Enterprise, record.enterprise_id)
        .await
        .map(|e| e.text("region_code").to_string())
        .unwrap_or_default();
    let decides = by.role == Role::Regulator
        && by.can_review(Tenancy {
            enterprise_id: record.enterprise_id,
            region_code: &region,
        });
    if record.text("status") == "pending" && decides {
        workflow.push(minijinja::context! { kind => "review", url => format!("/change-requests/{}/decision", record.id) });
    }
    (
        format!("{} · {product_name}", lang.text("change_request")),
        false,
    )
}

/// On a product's page: its approved changes, its pending request, and
/// for its manufacturer the way to ask once codes are issued.
pub(crate) async fn product_parts(
    state: &WebState,
    page: &Page,
    by: &Principal,
    record: &RecordView,
    can_file: bool,
    rows: &mut Vec<Row>,
    actions: &mut Vec<(String, String)>,
) {
    let lang = page.lang;
    let amended: Vec<String> = record.body["amended"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let labels: Vec<&str> = a["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str())
                .map(|f| shown_label(f).unwrap_or(f))
                .collect();
            let at = view::local_time(a["at"].as_str().unwrap_or_default().to_string());
            format!("{}（{at}）", labels.join("、"))
        })
        .collect();
    if !amended.is_empty() {
        rows.push(Row {
            label: lang.text("amended").into(),
            value: amended.join("；"),
            link: None,
        });
    }
    if let Ok(Some(pending)) = state.service.pending_change(record.id).await {
        rows.push(Row {
            label: lang.text("pending_change").into(),
            value: format!("#{pending}"),
            link: Some(format!("/change-requests/{pending}")),
        });
    }
    if can_file
        && state
            .service
            .shown_fields_guarded(record.id)
            .await
            .unwrap_or(false)
    {
        actions.push((
            format!("/products/{}/change-request", record.id),
            lang.text("request_change").into(),
        ));
    }
    let _ = by;
}

fn request_form(
    state: &WebState,
    page: &Page,
    product: &RecordView,
    fields: forms::Fields,
    reason: forms::Field,
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let id = product.id;
    let title = format!(
        "{} · {} {}",
        page.lang.text("request_change"),
        product.text("product_name"),
        product.text("model")
    );
    let mut fields = fields.0;
    fields.push(reason);
    form_page(
        state,
        page,
        &title,
        &format!("/products/{id}/change-request"),
        vec![(page.lang.text("cr_form_note").to_string(), fields)],
        errors,
        None,
        status,
    )
}

pub async fn change_request_form(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let record = match state
        .service
        .read_record(&s.principal, RecordKind::Product, id)
        .await
    {
        Ok(r) => r,
        Err(e) => return state.error_page(&page, e),
    };
    let fields = shown_form_fields(&page).fill_from_json(&record.body);
    let reason = reason_field(&page, String::new(), vec![]);
    request_form(
        &state,
        &page,
        &record,
        fields,
        reason,
        vec![],
        StatusCode::OK,
    )
}

pub async fn change_request_submit(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    let product = forms::product_json(&state.service, Some(&s.principal), &form, &mut errors).await;
    let current = match state
        .service
        .read_record(&s.principal, RecordKind::Product, id)
        .await
    {
        Ok(r) => r,
        Err(e) => return state.error_page(&page, e),
    };
    // Only what differs from what is filed goes in the request: an
    // untouched field is not a change (the service compares again after
    // validating, so "GB16410-2020" for "GB 16410-2020" is none either).
    let changes: serde_json::Map<String, Value> = SHOWN_FIELDS
        .iter()
        .filter_map(|(f, _)| {
            let new = product.get(*f)?;
            (current.body.get(*f).unwrap_or(&Value::Null) != new)
                .then(|| (f.to_string(), new.clone()))
        })
        .collect();
    let input = ChangeRequestInput {
        changes: Value::Object(changes),
        reason: form.text("reason"),
    };
    let result = if errors.is_empty() {
        state
            .service
            .request_change(&s.principal, id, input, page.ip.clone())
            .await
    } else {
        Err(zhisu_domain::Invalid(vec![]).into())
    };
    match result {
        Ok(r) => Redirect::to(&format!("/change-requests/{}", r.id)).into_response(),
        Err(e) => match findings(e) {
            Ok(found) => {
                errors.extend(found);
                let mut fields = shown_form_fields(&page).fill_from_form(&form);
                let reason_errors = errors
                    .iter()
                    .filter(|e| e.field == "reason")
                    .map(|e| e.message.clone())
                    .collect();
                let rest: Vec<_> = errors.into_iter().filter(|e| e.field != "reason").collect();
                let mut unplaced = fields.attach(&rest);
                // "changes" findings (nothing differs) belong to the form.
                unplaced = unplaced
                    .into_iter()
                    .map(|u| u.trim_start_matches("changes: ").to_string())
                    .collect();
                let reason = reason_field(&page, form.text("reason"), reason_errors);
                request_form(
                    &state,
                    &page,
                    &current,
                    fields,
                    reason,
                    unplaced,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            Err(e) => state.error_page(&page, e),
        },
    }
}

/// The regulator approves or rejects from the request's page.
pub async fn change_request_decide(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let decision = ChangeDecision {
        approve: form.text("decision") == "approve",
        note: Some(form.text("reason")).filter(|r| !r.trim().is_empty()),
    };
    match state
        .service
        .decide_change(&s.principal, id, decision, page.ip.clone())
        .await
    {
        Ok(_) => Redirect::to(&format!("/change-requests/{id}")).into_response(),
        Err(zhisu_service::ServiceError::Invalid(zhisu_domain::Invalid(errors))) => {
            crate::pages::invalid_page(&state, &page, &errors, format!("/change-requests/{id}"))
        }
        Err(e) => state.error_page(&page, e),
    }
}

pub async fn change_request_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::ChangeRequest, p).await
}

pub async fn change_request_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::ChangeRequest, id).await
}
