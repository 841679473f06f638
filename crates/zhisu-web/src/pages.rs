//! What the page handlers share: the fields each record kind's form shows,
//! cookies, CSRF checks, form pages, and the home, language and file
//! pages. The handlers themselves live by resource (`record_list`,
//! `record_detail`, `record_form`, `session_pages`, `admin_pages`,
//! `batch_steps`, …). Each reads the request, calls the service, and
//! renders a template or redirects; failed posts re-render the form with
//! every finding beside its field and what was typed kept.

use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use zhisu_domain::{FieldError, Invalid, RecordKind};
use zhisu_service::ServiceError;

use crate::forms::{self, FormData};
use crate::{Page, SignedIn, WebState, CSRF_COOKIE, LANG_COOKIE};

pub(crate) const ENTERPRISE_FIELDS: &[&str] = &[
    "kind",
    "name",
    "uscc",
    "address",
    "region_code",
    "contact_name",
    "contact_phone",
    "business_licence",
    "management_certifications",
    "product_certifications",
    "website",
];
pub(crate) const PRODUCT_FIELDS: &[&str] = &[
    "product_name",
    "product_type",
    "model",
    "category",
    "brand",
    "mandatory_standards",
    "production_licence_no",
    "ccc_cert_no",
    "warranty_months",
    "service_life_months",
    "instructions",
    "instructions_file",
    "code_scheme",
    "gtin",
    "scheme_code",
    "trace_level",
    "registrations",
    "honours",
    "materials",
    "functions",
    "performance",
    "paused",
];
pub(crate) const BATCH_FIELDS: &[&str] = &[
    "product_id",
    "batch_no",
    "production_date",
    "quantity",
    "inspection_report",
    "inspection_report_public",
    "note",
    "status",
    "review_notes",
    "activated_at",
];

pub(crate) fn fields_of(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Enterprise => ENTERPRISE_FIELDS,
        RecordKind::Product => PRODUCT_FIELDS,
        RecordKind::Batch => BATCH_FIELDS,
        RecordKind::Package => &["key", "sscc", "parent_code", "children"],
        RecordKind::Flow => &[
            "kind",
            "at",
            "counterparty_name",
            "counterparty_address",
            "counterparty_contact",
            "lines",
            "matched",
            "unmatched",
        ],
        RecordKind::Recall => &[
            "status",
            "reason",
            "product_id",
            "batch_ids",
            "opened_by",
            "notified",
            "returned",
            "closed_at",
        ],
        RecordKind::Feedback => &[
            "status",
            "from",
            "code",
            "message",
            "contact",
            "answer",
            "answered_at",
        ],
        RecordKind::Case => &["status", "class", "deadline"],
        RecordKind::Register => &["kind", "source"],
        RecordKind::Review => &["rule", "finding_id", "record_id", "case_id"],
        RecordKind::ChangeRequest => &[
            "status",
            "product_id",
            "reason",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
        ],
    }
}

/// A field's label on `kind`'s pages: `kind` means a different thing on
/// an enterprise (单位类型), a flow (购销类型) and a package (包装方式).
pub(crate) fn field_label(lang: crate::Lang, kind: RecordKind, field: &str) -> String {
    let key = match (kind, field) {
        (RecordKind::Flow, "kind") => "flow_kind",
        (RecordKind::Package, "kind") => "package_kind",
        _ => field,
    };
    crate::view::label(lang, key)
}

pub(crate) fn collection(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Enterprise => "enterprises",
        RecordKind::Product => "products",
        RecordKind::Batch => "batches",
        RecordKind::Package => "packages",
        RecordKind::Flow => "flows",
        RecordKind::Recall => "recalls",
        RecordKind::Feedback => "feedback",
        RecordKind::ChangeRequest => "change-requests",
        RecordKind::Case => "cases",
        RecordKind::Register => "verification/registers",
        RecordKind::Review => "verification/reviews",
    }
}

pub(crate) fn cookie_header(
    state: &WebState,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .expect("cookie is ASCII")
}

/// Only same-site paths are followed after log-in: a path of visible
/// ASCII (browsers drop tabs and newlines from a Location, so "/\t/host"
/// would be "//host", another site; issue 16.3), never "//" or "\".
pub(crate) fn safe_next(next: &str) -> &str {
    let visible = next.bytes().all(|b| b.is_ascii_graphic());
    if visible && next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/dashboard"
    }
}

/// Renders a form page; `status` is 200 for a fresh form, 422 after findings.
#[allow(clippy::too_many_arguments)]
pub(crate) fn form_page(
    state: &WebState,
    page: &Page,
    title: &str,
    action: &str,
    sections: Vec<(String, Vec<forms::Field>)>,
    errors: Vec<String>,
    version: Option<i64>,
    status: StatusCode,
) -> Response {
    let sections: Vec<_> = sections
        .into_iter()
        .map(|(title, fields)| minijinja::context! { title, fields })
        .collect();
    let mut response = state.render(
        page,
        "form.html",
        minijinja::context! { title, action, sections, errors, version },
    );
    *response.status_mut() = status;
    response
}

/// A step posted from a record's page was refused for its fields: a page
/// that says why, each finding after its field's label, and leads back.
pub(crate) fn invalid_page(
    state: &WebState,
    page: &Page,
    errors: &[FieldError],
    back: String,
) -> Response {
    let message = errors
        .iter()
        .map(|e| format!("{}: {}", crate::view::label(page.lang, &e.field), e.message))
        .collect::<Vec<_>>()
        .join("；");
    let mut response = state.render(
        page,
        "error.html",
        minijinja::context! { title => page.lang.text("fix_errors"), message, back },
    );
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

pub(crate) fn findings(error: ServiceError) -> Result<Vec<FieldError>, ServiceError> {
    match error {
        ServiceError::Invalid(Invalid(errors)) => Ok(errors),
        ServiceError::Conflict(message) => Ok(vec![FieldError::new("", "conflict", message)]),
        other => Err(other),
    }
}

pub async fn home(State(state): State<WebState>, page: Page) -> Response {
    state.render(&page, "home.html", ())
}

pub async fn set_lang(
    State(_state): State<WebState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = if code == "en" { "en" } else { "zh" };
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .map(|i| &r[i + 3..])
                .and_then(|rest| rest.find('/').map(|j| rest[j..].to_string()))
        })
        .unwrap_or_else(|| "/".into());
    let mut response = Redirect::to(safe_next(&back)).into_response();
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000");
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("ascii"),
    );
    response
}

/// Gives an anonymous visitor a CSRF cookie for the log-in and
/// registration forms (double-submit), keeping one that exists.
pub(crate) fn with_csrf_cookie(
    state: &WebState,
    mut page: Page,
    render: impl FnOnce(&Page) -> Response,
) -> Response {
    let fresh = page.csrf_cookie.is_none();
    if fresh {
        page.csrf_cookie = Some(zhisu_service::random_token(16));
    }
    let mut response = render(&page);
    if fresh {
        let value = cookie_header(
            state,
            CSRF_COOKIE,
            page.csrf_cookie.as_deref().unwrap_or(""),
            None,
        );
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(crate) fn csrf_failed(state: &WebState, page: &Page) -> Response {
    let mut response = state.render(page, "error.html", minijinja::context! { title => page.lang.text("error"), message => page.lang.text("csrf_failed") });
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

pub(crate) async fn read_form(
    state: &WebState,
    page: &Page,
    multipart: Multipart,
) -> Result<FormData, Response> {
    FormData::read(multipart)
        .await
        .map_err(|e| state.error_page(page, ServiceError::BadRequest(e)))
}

/// Reads a posted form and checks its CSRF token against `expected`.
pub(crate) async fn checked_form(
    state: &WebState,
    page: &Page,
    multipart: Multipart,
    expected: &str,
) -> Result<FormData, Response> {
    let form = read_form(state, page, multipart).await?;
    if form.csrf_ok(expected) {
        Ok(form)
    } else {
        Err(csrf_failed(state, page))
    }
}

pub async fn file(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(sha256): Path<String>,
) -> Response {
    match state.service.read_blob(&s.principal, &sha256).await {
        Ok((blob, bytes)) => {
            let disposition = format!(
                "inline; filename*=UTF-8''{}",
                urlencoding::encode(&blob.name)
            );
            (
                [
                    (header::CONTENT_TYPE, blob.content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => state.error_page(&page, e),
    }
}

/// A file made for the one asking (a case file, an export): downloaded
/// under `name`, never kept by a cache.
pub(crate) fn private_download(content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    /// Issue 16.3: browsers drop tabs and newlines from a Location, so
    /// "/\t/evil.example/x" is "//evil.example/x", another host.
    #[test]
    fn only_same_origin_paths_are_followed() {
        for ok in ["/dashboard", "/products/3?tab=batches", "/%09/x", "/a//b"] {
            assert_eq!(safe_next(ok), ok, "{ok}");
        }
        for bad in [
            "//evil.example/",
            "/\t/evil.example/x",
            "/\n/evil.example/x",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "",
            "/\u{0}x",
            "/产品",
        ] {
            assert_eq!(safe_next(bad), "/dashboard", "{bad:?}");
        }
    }
}
