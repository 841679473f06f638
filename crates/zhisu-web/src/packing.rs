//! The packing page (G6.1.2, P5.2.2 组合多码, issue 15.4): a clerk packs
//! items into a transport package (SSCC) or under a parent code (a bundle,
//! a cable reel), pasting or scanning the codes one per line in any form
//! the platform prints; the findings come back beside the form in words.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use zhisu_domain::{FieldError, Invalid, PackageInput};
use zhisu_service::ServiceError;

use crate::pages::checked_form;
use crate::{view, Page, SignedIn, WebState};

fn form(state: &WebState, page: &Page, values: minijinja::Value, errors: Vec<String>) -> Response {
    let mut response = state.render(
        page,
        "package_form.html",
        minijinja::context! { values, errors => errors.clone() },
    );
    if !errors.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /packages/new`
pub async fn new_package(State(state): State<WebState>, SignedIn(page, _): SignedIn) -> Response {
    form(
        &state,
        &page,
        minijinja::context! { kind => "sscc" },
        vec![],
    )
}

/// `POST /packages/new`
pub async fn create_package(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    let data = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let text = |name: &str| Some(data.text(name).trim().to_string()).filter(|v| !v.is_empty());
    let bundle = data.text("kind") == "bundle";
    let input = PackageInput {
        enterprise_id: None,
        sscc: if bundle { None } else { text("sscc") },
        parent_code: if bundle { text("parent_code") } else { None },
        children: data
            .text("children")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
    };
    match state
        .service
        .create_package(&s.principal, input, page.ip.clone())
        .await
    {
        Ok(view) => Redirect::to(&format!("/packages/{}", view.id)).into_response(),
        Err(ServiceError::Invalid(Invalid(findings))) => {
            let errors = findings
                .iter()
                .map(|f: &FieldError| {
                    format!("{}：{}", field_label(page.lang, &f.field), f.message)
                })
                .collect();
            form(
                &state,
                &page,
                minijinja::Value::from_serialize(&data.fields),
                errors,
            )
        }
        Err(ServiceError::Conflict(message)) => form(
            &state,
            &page,
            minijinja::Value::from_serialize(&data.fields),
            vec![message],
        ),
        Err(e) => state.error_page(&page, e),
    }
}

/// `children[3]` → "包装内的码 第 4 行": the field by its label, the line
/// as the clerk counts it.
fn field_label(lang: crate::Lang, field: &str) -> String {
    match field.split_once('[') {
        Some((name, rest)) => {
            let line = rest
                .trim_end_matches(']')
                .parse::<usize>()
                .map_or(0, |i| i + 1);
            match lang {
                crate::Lang::En => format!("{}, line {line}", view::label(lang, name)),
                crate::Lang::Zh => format!("{} 第 {line} 行", view::label(lang, name)),
            }
        }
        None => view::label(lang, field),
    }
}
