//! The new and edit forms of enterprises, products and batches.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::{Invalid, Principal, RecordKind};
use zhisu_service::{schema_finding, ListFilter, ServiceError};

use crate::forms;
use crate::{Page, SignedIn, WebState};

use crate::pages::*;

/// A form's fields in their sections: a product's registration numbers
/// (P5.2.3) under their own heading, the rest first.
fn sections(lang: crate::Lang, fields: forms::Fields) -> Vec<(String, Vec<forms::Field>)> {
    let (registrations, rest): (Vec<_>, Vec<_>) = fields
        .0
        .into_iter()
        .partition(|f| f.name.starts_with("registration"));
    let mut sections = vec![(String::new(), rest)];
    if !registrations.is_empty() {
        sections.push((lang.text("registrations").to_string(), registrations));
    }
    sections
}

/// The fields of an edit or new form for `kind`.
pub(crate) async fn form_fields(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    editing: bool,
) -> forms::Fields {
    match kind {
        RecordKind::Package
        | RecordKind::Flow
        | RecordKind::Recall
        | RecordKind::Feedback
        | RecordKind::ChangeRequest
        | RecordKind::Case
        | RecordKind::Register
        | RecordKind::Review => forms::Fields(vec![]),
        RecordKind::Enterprise => forms::enterprise_fields(page.lang, false, editing),
        RecordKind::Product => forms::product_fields(page.lang, editing),
        RecordKind::Batch => {
            let filter = ListFilter {
                limit: Some(500),
                ..Default::default()
            };
            let products = state
                .service
                .list(by, RecordKind::Product, &filter)
                .await
                .map(|p| p.items)
                .unwrap_or_default();
            let options = products
                .iter()
                .map(|p| {
                    (
                        p.id.to_string(),
                        format!("{} {}", p.text("product_name"), p.text("model")),
                    )
                })
                .collect();
            forms::batch_fields(page.lang, options, editing)
        }
    }
}

pub(crate) async fn edit_form(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    id: i64,
) -> Response {
    let record = match state.service.read_record(by, kind, id).await {
        Ok(r) => r,
        Err(e) => return state.error_page(page, e),
    };
    let mut fields = form_fields(state, page, by, kind, true)
        .await
        .fill_from_json(&record.body);
    if kind == RecordKind::Product {
        forms::fill_registrations(&mut fields, &record.body);
    }
    // P5.7: an active or frozen batch changes its optional information
    // only; what it was filed and coded with is shown, not edited.
    if kind == RecordKind::Batch && matches!(record.text("status"), "active" | "frozen") {
        for f in &mut fields.0 {
            if !zhisu_domain::batch::AMENDABLE_WHEN_ACTIVE.contains(&f.name.as_str()) {
                f.input = if f.input == "file" {
                    "hidden"
                } else {
                    "readonly"
                };
                f.required = false;
            }
        }
        fields
            .0
            .retain(|f| f.input != "hidden" || f.name == "copied_from");
    }
    // P4: once codes are out, say beside each field they show that it
    // changes only by a change request (the save refuses it otherwise).
    if kind == RecordKind::Product
        && state
            .service
            .shown_fields_guarded(id)
            .await
            .unwrap_or(false)
    {
        for f in &mut fields.0 {
            if zhisu_domain::change_request::shown_label(&f.name).is_some() {
                f.hint = page.lang.text("shown_guarded").into();
            }
        }
    }
    let title = format!(
        "{} · {}",
        page.lang.text("edit"),
        page.lang.text(collection(kind))
    );
    form_page(
        state,
        page,
        &title,
        &format!("/{}/{id}/edit", collection(kind)),
        sections(page.lang, fields),
        vec![],
        Some(record.version),
        StatusCode::OK,
    )
}

pub async fn enterprise_edit_form(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    edit_form(&state, &page, &s.principal, RecordKind::Enterprise, id).await
}

pub async fn product_edit_form(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    edit_form(&state, &page, &s.principal, RecordKind::Product, id).await
}

pub async fn batch_edit_form(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    edit_form(&state, &page, &s.principal, RecordKind::Batch, id).await
}

/// Saves a form: creates (`id` None) or amends a record, then redirects to
/// it; on findings, shows the form again with them.
pub(crate) async fn save(
    state: &WebState,
    page: &Page,
    session: &crate::Session,
    kind: RecordKind,
    id: Option<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(state, page, multipart, &session.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let by = &session.principal;
    let mut errors = Vec::new();
    let json = match kind {
        RecordKind::Enterprise => {
            forms::enterprise_json(&state.service, Some(by), &form, &mut errors).await
        }
        RecordKind::Product => {
            forms::product_json(&state.service, Some(by), &form, &mut errors).await
        }
        RecordKind::Batch => forms::batch_json(&state.service, Some(by), &form, &mut errors).await,
        RecordKind::Package
        | RecordKind::Flow
        | RecordKind::Recall
        | RecordKind::Feedback
        | RecordKind::ChangeRequest
        | RecordKind::Case
        | RecordKind::Register
        | RecordKind::Review => serde_json::Value::Null,
    };
    let mut json = json;
    if id.is_none() {
        crate::copying::carry_source(state, by, kind, &form, &mut json, &mut errors).await;
    }
    let version = form.text("version").parse::<i64>().ok();
    let result = if !errors.is_empty() {
        Err(Invalid(vec![]).into())
    } else {
        match (kind, id) {
            (RecordKind::Enterprise, Some(id)) => {
                state
                    .service
                    .update_enterprise(by, id, &json, version, page.ip.clone())
                    .await
            }
            (RecordKind::Product, Some(id)) => {
                state
                    .service
                    .update_product(by, id, &json, version, page.ip.clone())
                    .await
            }
            (RecordKind::Batch, Some(id)) => {
                state
                    .service
                    .update_batch(by, id, &json, version, page.ip.clone())
                    .await
            }
            (RecordKind::Product, None) => match serde_json::from_value(json) {
                Ok(input) => {
                    state
                        .service
                        .create_product(by, input, page.ip.clone())
                        .await
                }
                Err(e) => Err(Invalid(vec![schema_finding(e.to_string())]).into()),
            },
            (RecordKind::Batch, None) => match serde_json::from_value(json) {
                Ok(input) => state.service.create_batch(by, input, page.ip.clone()).await,
                Err(e) => Err(Invalid(vec![schema_finding(e.to_string())]).into()),
            },
            (RecordKind::Enterprise, None) => Err(ServiceError::Forbidden(
                "enterprises register at /register".into(),
            )),
            (
                RecordKind::Package
                | RecordKind::Flow
                | RecordKind::Recall
                | RecordKind::Feedback
                | RecordKind::ChangeRequest
                | RecordKind::Case
                | RecordKind::Register
                | RecordKind::Review,
                _,
            ) => Err(ServiceError::Forbidden(
                "made through their own forms or the API".into(),
            )),
        }
    };
    match result {
        Ok(record) => Redirect::to(&format!("/{}/{}", collection(kind), record.id)).into_response(),
        Err(e) => match findings(e) {
            Ok(found) => {
                errors.extend(found);
                if kind == RecordKind::Product {
                    forms::place_registration_errors(&form, &mut errors);
                }
                let mut fields = form_fields(state, page, by, kind, id.is_some())
                    .await
                    .fill_from_form(&form);
                let unplaced = fields.attach(&errors);
                let action = match id {
                    Some(id) => format!("/{}/{id}/edit", collection(kind)),
                    None => format!("/{}/new", collection(kind)),
                };
                let title = match (kind, id) {
                    (RecordKind::Product, None) => page.lang.text("new_product").to_string(),
                    (RecordKind::Batch, None) => page.lang.text("new_batch").to_string(),
                    _ => format!(
                        "{} · {}",
                        page.lang.text("edit"),
                        page.lang.text(collection(kind))
                    ),
                };
                form_page(
                    state,
                    page,
                    &title,
                    &action,
                    sections(page.lang, fields),
                    unplaced,
                    version,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            Err(other) => state.error_page(page, other),
        },
    }
}

pub async fn enterprise_edit(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    save(
        &state,
        &page,
        &s,
        RecordKind::Enterprise,
        Some(id),
        multipart,
    )
    .await
}

pub async fn product_edit(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    save(&state, &page, &s, RecordKind::Product, Some(id), multipart).await
}

pub async fn batch_edit(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    save(&state, &page, &s, RecordKind::Batch, Some(id), multipart).await
}

#[derive(Deserialize)]
pub struct NewProductParams {
    /// 复制为新产品: the product the form starts from.
    from: Option<i64>,
}

pub async fn product_new_form(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<NewProductParams>,
) -> Response {
    let by = &s.principal;
    let mut fields = form_fields(&state, &page, by, RecordKind::Product, false).await;
    let mut title = page.lang.text("new_product").to_string();
    if let Some(from) = q.from {
        let template = match state
            .service
            .copy_template(by, RecordKind::Product, from)
            .await
        {
            Ok(t) => t,
            Err(e) => return state.error_page(&page, e),
        };
        let (filled, note) = crate::copying::fill(
            &state,
            page.lang,
            by,
            RecordKind::Product,
            fields,
            &template,
        )
        .await;
        fields = filled;
        title.push_str(&note);
    }
    form_page(
        &state,
        &page,
        &title,
        "/products/new",
        sections(page.lang, fields),
        vec![],
        None,
        StatusCode::OK,
    )
}

pub async fn product_new(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    save(&state, &page, &s, RecordKind::Product, None, multipart).await
}

#[derive(Deserialize)]
pub struct NewBatchParams {
    product_id: Option<i64>,
    /// 复制为新批次: the batch the form starts from.
    from: Option<i64>,
}

/// A new batch starts from the batch named (`from`), else from its
/// product's latest batch (P5.3.2 一键同步录入), else from the product alone.
pub async fn batch_new_form(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<NewBatchParams>,
) -> Response {
    let by = &s.principal;
    let template = match (q.from, q.product_id) {
        (Some(from), _) => match state
            .service
            .copy_template(by, RecordKind::Batch, from)
            .await
        {
            Ok(t) => Some(t),
            Err(e) => return state.error_page(&page, e),
        },
        (None, Some(product)) => state
            .service
            .next_batch_template(by, product)
            .await
            .ok()
            .flatten(),
        (None, None) => None,
    };
    let fields = form_fields(&state, &page, by, RecordKind::Batch, false).await;
    let mut title = page.lang.text("new_batch").to_string();
    let fields = match template {
        Some(template) => {
            let (filled, note) =
                crate::copying::fill(&state, page.lang, by, RecordKind::Batch, fields, &template)
                    .await;
            title.push_str(&note);
            filled
        }
        None => fields.fill_from_json(&serde_json::json!({
            "product_id": q.product_id.map(|p| p.to_string()),
        })),
    };
    form_page(
        &state,
        &page,
        &title,
        "/batches/new",
        sections(page.lang, fields),
        vec![],
        None,
        StatusCode::OK,
    )
}

pub async fn batch_new(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    save(&state, &page, &s, RecordKind::Batch, None, multipart).await
}
