//! Page handlers. Each one reads the request, calls the service, and
//! renders a template or redirects. Failed posts re-render the form with
//! every finding beside its field and what was typed kept.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::{FieldError, Invalid, Principal, RecordKind, Role};
use zhisu_service::{
    merge_patch, schema_finding, ListFilter, RecordView, Registration, ServiceError,
};
use zhisu_store::AuditQuery;

use crate::forms::{self, FormData};
use crate::view::{self, Table, TableRow};
use crate::{Page, SignedIn, WebState, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};

const ENTERPRISE_FIELDS: &[&str] = &[
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
const PRODUCT_FIELDS: &[&str] = &[
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
    "honours",
    "materials",
    "functions",
    "performance",
    "paused",
];
const BATCH_FIELDS: &[&str] = &[
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
    }
}

fn collection(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Enterprise => "enterprises",
        RecordKind::Product => "products",
        RecordKind::Batch => "batches",
        RecordKind::Package => "packages",
        RecordKind::Flow => "flows",
        RecordKind::Recall => "recalls",
        RecordKind::Feedback => "feedback",
    }
}

fn cookie_header(state: &WebState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
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

/// Only same-site paths are followed after log-in.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/dashboard"
    }
}

/// Renders a form page; `status` is 200 for a fresh form, 422 after findings.
#[allow(clippy::too_many_arguments)]
fn form_page(
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

fn findings(error: ServiceError) -> Result<Vec<FieldError>, ServiceError> {
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

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

pub async fn login_form(
    State(state): State<WebState>,
    page: Page,
    Query(q): Query<NextParam>,
) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/dashboard")).to_string();
    with_csrf_cookie(&state, page, |page| {
        state.render(
            page,
            "login.html",
            minijinja::context! { next, error => "" },
        )
    })
}

fn csrf_failed(state: &WebState, page: &Page) -> Response {
    let mut response = state.render(page, "error.html", minijinja::context! { title => page.lang.text("error"), message => page.lang.text("csrf_failed") });
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

async fn read_form(
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

pub async fn login(State(state): State<WebState>, page: Page, multipart: Multipart) -> Response {
    let expected = page.csrf_cookie.clone().unwrap_or_default();
    let form = match checked_form(&state, &page, multipart, &expected).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let next = safe_next(&form.text("next")).to_string();
    match state
        .service
        .login(
            &form.text("login"),
            form.fields
                .get("password")
                .map(String::as_str)
                .unwrap_or(""),
            page.ip.clone(),
        )
        .await
    {
        Ok((token, _, _)) => {
            let mut response = Redirect::to(&next).into_response();
            let max_age = state.service.settings.session_hours * 3600;
            response.headers_mut().append(
                header::SET_COOKIE,
                cookie_header(&state, SESSION_COOKIE, &token, Some(max_age)),
            );
            response
        }
        Err(ServiceError::Unauthenticated) => {
            let mut response = state.render(&page, "login.html", minijinja::context! { next, error => page.lang.text("login_failed"), login => form.text("login") });
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response
        }
        Err(e) => state.error_page(&page, e),
    }
}

pub async fn logout(
    State(state): State<WebState>,
    page: Page,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> Response {
    let form = match read_form(&state, &page, multipart).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let (Some(session), Some(token)) = (&page.session, crate::cookie(&headers, SESSION_COOKIE)) {
        if !form.csrf_ok(&session.csrf) {
            return csrf_failed(&state, &page);
        }
        if let Err(e) = state.service.logout(&token).await {
            return state.error_page(&page, e);
        }
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, SESSION_COOKIE, "", Some(0)),
    );
    response
}

fn register_sections(
    page: &Page,
    form: Option<&FormData>,
    errors: &[FieldError],
) -> (Vec<(String, Vec<forms::Field>)>, Vec<String>) {
    let mut account = forms::account_fields(page.lang);
    let mut enterprise = forms::enterprise_fields(page.lang, true, false);
    if let Some(form) = form {
        account = account.fill_from_form(form);
        enterprise = enterprise.fill_from_form(form);
    }
    let account_errors: Vec<FieldError> = errors
        .iter()
        .filter(|e| !e.field.starts_with("enterprise"))
        .cloned()
        .collect();
    let enterprise_errors: Vec<FieldError> = errors
        .iter()
        .filter(|e| e.field.starts_with("enterprise"))
        .cloned()
        .collect();
    let mut unplaced = account.attach(&account_errors);
    unplaced.extend(enterprise.attach(&enterprise_errors));
    (
        vec![
            (page.lang.text("account").to_string(), account.0),
            (page.lang.text("enterprise_info").to_string(), enterprise.0),
        ],
        unplaced,
    )
}

pub async fn register_form(State(state): State<WebState>, page: Page) -> Response {
    with_csrf_cookie(&state, page, |page| {
        let (sections, _) = register_sections(page, None, &[]);
        form_page(
            &state,
            page,
            page.lang.text("register"),
            "/register",
            sections,
            vec![],
            None,
            StatusCode::OK,
        )
    })
}

pub async fn register(State(state): State<WebState>, page: Page, multipart: Multipart) -> Response {
    let expected = page.csrf_cookie.clone().unwrap_or_default();
    let form = match checked_form(&state, &page, multipart, &expected).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    let enterprise = forms::enterprise_json(&state.service, &form, &mut errors).await;
    let json = serde_json::json!({
        "login": form.text("login"),
        "password": form.fields.get("password").cloned().unwrap_or_default(),
        "display_name": form.text("display_name"),
        "enterprise": enterprise,
    });
    let result = match serde_json::from_value::<Registration>(json) {
        Ok(registration) if errors.is_empty() => {
            state.service.register(registration, page.ip.clone()).await
        }
        Ok(_) => Err(Invalid(vec![]).into()),
        Err(e) => Err(Invalid(vec![schema_finding(e.to_string())]).into()),
    };
    match result {
        Ok((user, _)) => match state
            .service
            .login(
                &user.login,
                form.fields
                    .get("password")
                    .map(String::as_str)
                    .unwrap_or(""),
                page.ip.clone(),
            )
            .await
        {
            Ok((token, _, _)) => {
                let mut response = Redirect::to("/dashboard").into_response();
                let max_age = state.service.settings.session_hours * 3600;
                response.headers_mut().append(
                    header::SET_COOKIE,
                    cookie_header(&state, SESSION_COOKIE, &token, Some(max_age)),
                );
                response
            }
            Err(e) => state.error_page(&page, e),
        },
        Err(e) => match findings(e) {
            Ok(found) => {
                errors.extend(found.into_iter().map(|mut f| {
                    if !f.field.is_empty()
                        && !["login", "password", "display_name"].contains(&f.field.as_str())
                        && !f.field.starts_with("enterprise.")
                    {
                        f.field = format!("enterprise.{}", f.field);
                    }
                    f
                }));
                let (sections, unplaced) = register_sections(&page, Some(&form), &errors);
                form_page(
                    &state,
                    &page,
                    page.lang.text("register"),
                    "/register",
                    sections,
                    unplaced,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            Err(other) => state.error_page(&page, other),
        },
    }
}

async fn total(state: &WebState, by: &Principal, kind: RecordKind) -> i64 {
    let filter = ListFilter {
        limit: Some(1),
        ..Default::default()
    };
    state
        .service
        .list(by, kind, &filter)
        .await
        .map(|p| p.total)
        .unwrap_or(0)
}

pub async fn dashboard(
    State(state): State<WebState>,
    SignedIn(page, session): SignedIn,
) -> Response {
    let by = &session.principal;
    let counts = minijinja::context! {
        enterprises => total(&state, by, RecordKind::Enterprise).await,
        products => total(&state, by, RecordKind::Product).await,
        batches => total(&state, by, RecordKind::Batch).await,
    };
    let recent = match state
        .service
        .list(
            by,
            RecordKind::Product,
            &ListFilter {
                limit: Some(8),
                ..Default::default()
            },
        )
        .await
    {
        Ok(p) => record_table(&page, RecordKind::Product, &p.items),
        Err(e) => return state.error_page(&page, e),
    };
    let jurisdiction: Vec<String> = by
        .jurisdiction
        .iter()
        .map(|j| {
            format!(
                "{j} {}",
                zhisu_codes::province_name(j.as_str()).unwrap_or("")
            )
        })
        .collect();
    // Recalls whose goods reached this enterprise or jurisdiction (issue 15.1).
    let notices = state.service.recall_notices(by).await.unwrap_or_default();
    state.render(
        &page,
        "dashboard.html",
        minijinja::context! { counts, recent, jurisdiction, notices },
    )
}

/// The columns a list of `kind` shows.
fn table_columns(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Package => &["key", "sscc", "parent_code", "updated_at"],
        RecordKind::Flow => &["kind", "at", "counterparty_name", "matched", "updated_at"],
        RecordKind::Recall => &["status", "reason", "batch_ids", "updated_at"],
        RecordKind::Feedback => &["message", "status", "from", "updated_at"],
        RecordKind::Enterprise => &["name", "uscc", "kind", "region_code", "updated_at"],
        RecordKind::Product => &[
            "product_name",
            "model",
            "category",
            "trace_level",
            "updated_at",
        ],
        RecordKind::Batch => &[
            "batch_no",
            "production_date",
            "quantity",
            "status",
            "updated_at",
        ],
    }
}

/// A table of records, each row linking to the record's page.
fn record_table(page: &Page, kind: RecordKind, items: &[RecordView]) -> Table {
    let lang = page.lang;
    let columns = table_columns(kind);
    let cell = |r: &RecordView, field: &str| match field {
        "updated_at" => view::local_time(r.updated_at.clone()),
        "region_code" => {
            let code = r.text("region_code");
            format!("{code} {}", zhisu_codes::province_name(code).unwrap_or(""))
        }
        _ => view::display_value(lang, &r.body[field]),
    };
    Table {
        title: lang.text(collection(kind)).into(),
        columns: columns.iter().map(|c| view::label(lang, c)).collect(),
        rows: items
            .iter()
            .map(|r| TableRow {
                link: format!("/{}/{}", collection(kind), r.id),
                cells: columns.iter().map(|c| cell(r, c)).collect(),
            })
            .collect(),
        action: None,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    q: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    status: Option<String>,
    region_code: Option<String>,
    enterprise_id: Option<i64>,
    product_id: Option<i64>,
    offset: Option<i64>,
}

async fn list_page(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    params: ListParams,
) -> Response {
    const PAGE_SIZE: i64 = 25;
    let offset = params.offset.unwrap_or(0).max(0);
    let filter = ListFilter {
        enterprise_id: params.enterprise_id,
        product_id: params.product_id,
        kind: params.kind.clone(),
        category: params.category.clone(),
        status: params.status.clone(),
        region_code: params.region_code.clone(),
        q: params.q.clone(),
        limit: Some(PAGE_SIZE),
        offset: Some(offset),
    };
    let result = match kind {
        RecordKind::Flow => state.service.list_flows(by, &filter).await,
        RecordKind::Recall => state.service.list_recalls(by, &filter).await,
        _ => state.service.list(by, kind, &filter).await,
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => return state.error_page(page, e),
    };
    let table = record_table(page, kind, &result.items);
    let lang = page.lang;
    let (filter_name, filter_value, options): (&str, String, Vec<(String, String)>) = match kind {
        RecordKind::Package => (
            "kind",
            params.kind.clone().unwrap_or_default(),
            vec![
                ("sscc".to_string(), "SSCC".to_string()),
                ("bundle".to_string(), lang.text("v_multi-code").to_string()),
            ],
        ),
        RecordKind::Enterprise => (
            "kind",
            params.kind.unwrap_or_default(),
            ["manufacturer", "seller"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Product => (
            "category",
            params.category.unwrap_or_default(),
            zhisu_domain::product::CATEGORIES
                .iter()
                .map(|c| {
                    (
                        c.code.to_string(),
                        if lang == crate::Lang::Zh {
                            c.name_zh
                        } else {
                            c.name_en
                        }
                        .to_string(),
                    )
                })
                .collect(),
        ),
        RecordKind::Flow => (
            "kind",
            params.kind.clone().unwrap_or_default(),
            ["sale", "purchase", "return"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Feedback => (
            "status",
            params.status.clone().unwrap_or_default(),
            ["open", "answered", "closed"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Recall => (
            "status",
            params.status.clone().unwrap_or_default(),
            ["open", "closed"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Batch => (
            "status",
            params.status.unwrap_or_default(),
            [
                "draft",
                "submitted",
                "approved",
                "rejected",
                "active",
                "frozen",
                "voided",
            ]
            .iter()
            .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
            .collect(),
        ),
    };
    let query_base = format!(
        "q={}&{filter_name}={}&region_code={}",
        urlencoding::encode(params.q.as_deref().unwrap_or("")),
        urlencoding::encode(&filter_value),
        urlencoding::encode(params.region_code.as_deref().unwrap_or(""))
    );
    let new_link = match kind {
        RecordKind::Product
            if by.role == Role::ManufacturerAdmin || by.role == Role::ManufacturerOperator =>
        {
            Some("/products/new")
        }
        RecordKind::Batch
            if by.role == Role::ManufacturerAdmin || by.role == Role::ManufacturerOperator =>
        {
            Some("/batches/new")
        }
        RecordKind::Flow if by.role.needs_enterprise() => Some("/flows/new"),
        RecordKind::Package
            if by.role == Role::ManufacturerAdmin || by.role == Role::ManufacturerOperator =>
        {
            Some("/packages/new")
        }
        _ => None,
    };
    state.render(
        page,
        "list.html",
        minijinja::context! {
            title => lang.text(collection(kind)),
            collection => collection(kind),
            table,
            total => result.total,
            q => params.q.unwrap_or_default(),
            region_code => params.region_code.unwrap_or_default(),
            filter_name, filter_label => view::label(lang, filter_name), filter_value, options,
            prev => (offset > 0).then(|| format!("?{query_base}&offset={}", (offset - PAGE_SIZE).max(0))),
            next => (offset + PAGE_SIZE < result.total).then(|| format!("?{query_base}&offset={}", offset + PAGE_SIZE)),
            new_link,
        },
    )
}

pub async fn enterprise_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Enterprise, p).await
}

pub async fn product_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Product, p).await
}

pub async fn batch_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Batch, p).await
}

/// A detail page: the record's fields, its ledger leaf, and related tables.
async fn detail_page(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    id: i64,
) -> Response {
    let record = match kind {
        RecordKind::Flow => state.service.read_flow(by, id).await,
        RecordKind::Feedback => state.service.read_feedback(by, id).await,
        RecordKind::Recall => state.service.read_recall(by, id).await.map(|(v, _)| v),
        _ => state.service.read_record(by, kind, id).await,
    };
    let record = match record {
        Ok(r) => state.service.with_retention(r).await,
        Err(e) => Err(e),
    };
    let record = match record {
        Ok(r) => r,
        Err(e) => return state.error_page(page, e),
    };
    let lang = page.lang;
    let mut rows = view::rows(lang, &record.body, fields_of(kind));
    let mut tables = Vec::new();
    let mut actions: Vec<(String, String)> = Vec::new();
    let mut workflow: Vec<minijinja::Value> = Vec::new();
    let (title, can_edit) = match kind {
        RecordKind::Package => (record.text("key").to_string(), false),
        RecordKind::Flow => (record.text("counterparty_name").to_string(), false),
        RecordKind::Feedback => {
            if record.text("status") != "closed" && by.can_record_flow(record.enterprise_id) {
                workflow.push(minijinja::context! { kind => "answer", url => format!("/feedback/{id}/answer") });
            }
            (lang.text("feedback").to_string(), false)
        }
        RecordKind::Recall => {
            if let Ok(trace) = state.service.recall_trace(by, id).await {
                tables.push(Table {
                    title: lang.text("trace").into(),
                    columns: [
                        "level",
                        "holder",
                        "address",
                        "contact_phone",
                        "received",
                        "sold",
                        "holding",
                    ]
                    .iter()
                    .map(|c| view::label(lang, c))
                    .collect(),
                    rows: trace
                        .holders
                        .iter()
                        .map(|h| TableRow {
                            link: h
                                .enterprise_id
                                .map(|e| format!("/enterprises/{e}"))
                                .unwrap_or_default(),
                            cells: vec![
                                h.level.to_string(),
                                h.name.clone(),
                                h.address.clone().unwrap_or_default(),
                                h.contact.clone().unwrap_or_default(),
                                h.received.to_string(),
                                h.sold.to_string(),
                                h.holding.to_string(),
                            ],
                        })
                        .collect(),
                    action: None,
                });
                tables.push(Table {
                    title: lang.text("inputs").into(),
                    columns: ["name", "supplier", "lot", "key", "producer"]
                        .iter()
                        .map(|c| view::label(lang, c))
                        .collect(),
                    rows: trace
                        .inputs
                        .iter()
                        .map(|i| TableRow {
                            link: i
                                .upstream_batch_id
                                .map(|b| format!("/batches/{b}"))
                                .unwrap_or_default(),
                            cells: vec![
                                i.name.clone(),
                                i.supplier.clone().unwrap_or_default(),
                                i.lot.clone().unwrap_or_default(),
                                i.code.clone().unwrap_or_default(),
                                i.upstream_producer.clone().unwrap_or_default(),
                            ],
                        })
                        .collect(),
                    action: None,
                });
            }
            workflow.push(minijinja::context! { kind => "link", url => format!("/recalls/{id}/trace.xlsx"), label => lang.text("download_xlsx"), id => "trace-xlsx" });
            let runs = match record.typed::<zhisu_domain::recall::Recall>() {
                Ok(recall) => state.service.may_close_recall(by, &recall).await,
                Err(_) => false,
            };
            if record.text("status") == "open" && runs {
                workflow.push(minijinja::context! { kind => "progress", url => format!("/recalls/{id}/progress"),
                    notified => record.body["notified"].as_u64(), returned => record.body["returned"].as_u64() });
            }
            (record.text("reason").to_string(), false)
        }
        RecordKind::Enterprise => {
            if record.body["kind"] == "manufacturer" {
                let filter = ListFilter {
                    enterprise_id: Some(id),
                    limit: Some(100),
                    ..Default::default()
                };
                if let Ok(products) = state.service.list(by, RecordKind::Product, &filter).await {
                    tables.push(record_table(page, RecordKind::Product, &products.items));
                }
                if by.can_edit_enterprise(id) {
                    actions.push((
                        format!("/enterprises/{id}/channels"),
                        lang.text("channels_title").into(),
                    ));
                }
            }
            (record.text("name").to_string(), by.can_edit_enterprise(id))
        }
        RecordKind::Product => {
            let filter = ListFilter {
                product_id: Some(id),
                limit: Some(100),
                ..Default::default()
            };
            if let Ok(batches) = state.service.list(by, RecordKind::Batch, &filter).await {
                tables.push(record_table(page, RecordKind::Batch, &batches.items));
            }
            let can = by.can_file_products(
                record.enterprise_id,
                zhisu_domain::EnterpriseKind::Manufacturer,
            );
            if can {
                actions.push((
                    format!("/batches/new?product_id={id}"),
                    lang.text("new_batch").into(),
                ));
            }
            if let Ok(e) = state
                .service
                .read_record(by, RecordKind::Enterprise, record.enterprise_id)
                .await
            {
                rows.insert(
                    0,
                    view::Row {
                        label: lang.text("enterprise_id").into(),
                        value: e.text("name").into(),
                        link: Some(format!("/enterprises/{}", e.id)),
                    },
                );
            }
            (
                format!("{} {}", record.text("product_name"), record.text("model")),
                can,
            )
        }
        RecordKind::Batch => {
            let product_id = record.body["product_id"].as_i64().unwrap_or(0);
            if let Some(row) = rows.iter_mut().find(|r| r.label == lang.text("product_id")) {
                if let Ok(p) = state
                    .service
                    .read_record(by, RecordKind::Product, product_id)
                    .await
                {
                    row.value = format!("{} {}", p.text("product_name"), p.text("model"));
                    row.link = Some(format!("/products/{product_id}"));
                }
            }
            {
                let files = by.can_file_products(
                    record.enterprise_id,
                    zhisu_domain::EnterpriseKind::Manufacturer,
                );
                let status = record.text("status").to_string();
                let reviews = state
                    .service
                    .read_record(by, RecordKind::Enterprise, record.enterprise_id)
                    .await
                    .is_ok_and(|e| {
                        by.can_review(zhisu_domain::auth::Tenancy {
                            enterprise_id: e.id,
                            region_code: e.text("region_code"),
                        })
                    });
                let post = |action: &str, key: &str| minijinja::context! { kind => "post", url => format!("/batches/{id}/{action}"), label => lang.text(key), id => action };
                match status.as_str() {
                    "draft" | "rejected" if files => workflow.push(post("submit", "submit_batch")),
                    "submitted" if reviews => workflow.push(minijinja::context! { kind => "review", url => format!("/batches/{id}/review") }),
                    "approved" if files => workflow.push(post("activate", "activate")),
                    "active" if files => {
                        if let Ok(plan) = state.service.code_plan(by, id).await {
                            let first = plan.code(0);
                            let path = first
                                .split_once("://")
                                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
                                .unwrap_or_default();
                            workflow.push(minijinja::context! { kind => "link", url => path, label => lang.text("preview_scan"), id => "preview-scan" });
                            let life = format!("/codes/life?code={}", urlencoding::encode(&first));
                            workflow.push(minijinja::context! { kind => "link", url => life, label => lang.text("code_life"), id => "code-life" });
                        }
                        workflow.push(minijinja::context! { kind => "link", url => format!("/batches/{id}/labels"), label => lang.text("labels_pdf"), id => "labels" });
                        for (format, key) in [("txt", "download_txt"), ("csv", "download_csv")] {
                            workflow.push(minijinja::context! { kind => "link", url => format!("/batches/{id}/codes.{format}"), label => lang.text(key), id => format!("codes-{format}") });
                        }
                    }
                    _ => {}
                }
                // Disposal (000 §5): regulators freeze and unfreeze; the
                // producer may void its own batch.
                let mut disposals = Vec::new();
                if status == "active" && reviews {
                    disposals.push(("freeze", lang.text("freeze")));
                }
                if status == "frozen" && reviews {
                    disposals.push(("unfreeze", lang.text("unfreeze")));
                }
                if matches!(status.as_str(), "active" | "frozen") && (reviews || files) {
                    disposals.push(("void", lang.text("void")));
                }
                if !disposals.is_empty() {
                    workflow.push(minijinja::context! { kind => "dispose", url => format!("/batches/{id}/dispose"), actions => disposals });
                }
                if matches!(status.as_str(), "active" | "frozen") {
                    workflow.push(minijinja::context! { kind => "link", url => format!("/recalls/new?product_id={product_id}&batch_id={id}"), label => lang.text("open_recall"), id => "open-recall" });
                }
                if let Some(d) = record.body.get("disposal").filter(|d| d.is_object()) {
                    rows.push(view::Row {
                        label: lang.text("disposal").into(),
                        value: format!(
                            "{} · {} · {} · {}",
                            lang.text(d["action"].as_str().unwrap_or("")),
                            d["reason"].as_str().unwrap_or(""),
                            d["by"].as_str().unwrap_or(""),
                            view::local_time(d["at"].as_str().unwrap_or("").to_string())
                        ),
                        link: None,
                    });
                }
                if let Some(review) = record.body.get("review").filter(|r| r.is_object()) {
                    let decision = lang.text(if review["approved"] == true {
                        "approve"
                    } else {
                        "reject"
                    });
                    let at = view::local_time(review["at"].as_str().unwrap_or("").to_string());
                    let reason = review["reason"].as_str().unwrap_or("");
                    let by_whom = review["by"].as_str().unwrap_or("");
                    rows.push(view::Row {
                        label: lang.text("review").into(),
                        value: format!("{decision} · {by_whom} · {at} · {reason}"),
                        link: None,
                    });
                }
                (
                    record.text("batch_no").to_string(),
                    files && matches!(status.as_str(), "draft" | "rejected"),
                )
            }
        }
    };
    if can_edit {
        actions.insert(
            0,
            (
                format!("/{}/{id}/edit", collection(kind)),
                lang.text("edit").into(),
            ),
        );
    }
    actions.push((
        format!("/{}/{id}/history", collection(kind)),
        lang.text("history").into(),
    ));
    // People and records by name, not by ID (issue 15.8).
    let updated_by = state
        .service
        .actor_name(&record.updated_by)
        .await
        .unwrap_or_else(|_| record.updated_by.clone());
    if kind == RecordKind::Recall {
        crate::recall_names::name_recall_rows(state, lang, &record, &mut rows).await;
    }
    state.render(
        page,
        "detail.html",
        minijinja::context! { title, record => record.to_json(), rows, tables, actions, workflow, updated_by,
        receipt => format!("/receipt/{}/{id}", kind.as_str()) },
    )
}

/// The record's ledger receipt as a file, to check offline with only the
/// deployment's public key (`zhisu ledger verify-proof`, docs/ledger.md).
pub async fn receipt(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path((kind, id)): Path<(String, i64)>,
) -> Response {
    let Some(kind) = RecordKind::parse(&kind) else {
        return state.error_page(
            &page,
            zhisu_service::ServiceError::NotFound(format!("record kind {kind}")),
        );
    };
    match state.service.ledger_receipt(&s.principal, kind, id).await {
        Ok(receipt) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"receipt-{}-{id}.json\"",
                        kind.as_str()
                    ),
                ),
            ],
            serde_json::to_string_pretty(&receipt).unwrap_or_default(),
        )
            .into_response(),
        Err(e) => state.error_page(&page, e),
    }
}

pub async fn enterprise_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Enterprise, id).await
}

pub async fn product_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Product, id).await
}

pub async fn batch_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Batch, id).await
}

/// Every version with what changed from the one before it.
async fn history_page(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    id: i64,
) -> Response {
    let versions = match state.service.history(by, kind, id).await {
        Ok(v) => v,
        Err(e) => return state.error_page(page, e),
    };
    let lang = page.lang;
    let mut entries = Vec::new();
    let mut previous: Option<&RecordView> = None;
    for version in &versions {
        let changes: Vec<String> = match previous {
            None => vec![lang.text("first_version").to_string()],
            Some(before) => {
                let mut keys: Vec<&String> = version
                    .body
                    .as_object()
                    .map(|m| m.keys().collect())
                    .unwrap_or_default();
                keys.extend(
                    before
                        .body
                        .as_object()
                        .map(|m| m.keys().collect::<Vec<_>>())
                        .unwrap_or_default(),
                );
                keys.sort();
                keys.dedup();
                keys.into_iter()
                    .filter(|k| before.body.get(k.as_str()) != version.body.get(k.as_str()))
                    .map(|k| {
                        let old = view::display_value(
                            lang,
                            before
                                .body
                                .get(k.as_str())
                                .unwrap_or(&serde_json::Value::Null),
                        );
                        let new = view::display_value(
                            lang,
                            version
                                .body
                                .get(k.as_str())
                                .unwrap_or(&serde_json::Value::Null),
                        );
                        format!("{}: {old} → {new}", view::label(lang, k))
                    })
                    .collect()
            }
        };
        entries.push(minijinja::context! {
            version => version.version, updated_at => version.updated_at.clone(),
            updated_by => state.service.actor_name(&version.updated_by).await.unwrap_or_else(|_| version.updated_by.clone()),
            leaf_index => version.leaf_index, changes,
        });
        previous = Some(version);
    }
    entries.reverse();
    let title = format!("{} · {}", lang.text(collection(kind)), lang.text("history"));
    state.render(
        page,
        "history.html",
        minijinja::context! { title, back => format!("/{}/{id}", collection(kind)), entries },
    )
}

pub async fn enterprise_history(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    history_page(&state, &page, &s.principal, RecordKind::Enterprise, id).await
}

pub async fn product_history(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    history_page(&state, &page, &s.principal, RecordKind::Product, id).await
}

pub async fn batch_history(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    history_page(&state, &page, &s.principal, RecordKind::Batch, id).await
}

/// The fields of an edit or new form for `kind`.
async fn form_fields(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    editing: bool,
) -> forms::Fields {
    match kind {
        RecordKind::Package | RecordKind::Flow | RecordKind::Recall | RecordKind::Feedback => {
            forms::Fields(vec![])
        }
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

async fn edit_form(
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
    let fields = form_fields(state, page, by, kind, true)
        .await
        .fill_from_json(&record.body);
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
        vec![(String::new(), fields.0)],
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
async fn save(
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
        RecordKind::Enterprise => forms::enterprise_json(&state.service, &form, &mut errors).await,
        RecordKind::Product => forms::product_json(&state.service, &form, &mut errors).await,
        RecordKind::Batch => forms::batch_json(&state.service, &form, &mut errors).await,
        RecordKind::Package | RecordKind::Flow | RecordKind::Recall | RecordKind::Feedback => {
            serde_json::Value::Null
        }
    };
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
                RecordKind::Package | RecordKind::Flow | RecordKind::Recall | RecordKind::Feedback,
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
                    vec![(String::new(), fields.0)],
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

pub async fn product_new_form(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
) -> Response {
    let fields = form_fields(&state, &page, &s.principal, RecordKind::Product, false).await;
    form_page(
        &state,
        &page,
        page.lang.text("new_product"),
        "/products/new",
        vec![(String::new(), fields.0)],
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
}

pub async fn batch_new_form(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<NewBatchParams>,
) -> Response {
    let mut preset = serde_json::json!({});
    if let Some(p) = q.product_id {
        merge_patch(
            &mut preset,
            &serde_json::json!({ "product_id": p.to_string() }),
        );
    }
    let fields = form_fields(&state, &page, &s.principal, RecordKind::Batch, false)
        .await
        .fill_from_json(&preset);
    form_page(
        &state,
        &page,
        page.lang.text("new_batch"),
        "/batches/new",
        vec![(String::new(), fields.0)],
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

async fn keys_page(
    state: &WebState,
    page: &Page,
    by: &Principal,
    new_key: Option<String>,
    error: Option<String>,
) -> Response {
    let keys = match state.service.list_api_keys(by).await {
        Ok(k) => k,
        Err(e) => return state.error_page(page, e),
    };
    let roles: Vec<(String, String)> = Role::ALL
        .iter()
        .filter(|r| {
            by.is_admin()
                || **r == by.role
                || (by.role == Role::ManufacturerAdmin && **r == Role::ManufacturerOperator)
        })
        .map(|r| {
            (
                r.as_str().to_string(),
                view::role_label(page.lang, *r).to_string(),
            )
        })
        .collect();
    let keys: Vec<_> = keys
        .iter()
        .map(|k| minijinja::context! {
            id => k.id, prefix => k.prefix.clone(), label => k.label.clone(), role => view::role_label(page.lang, k.role),
            enterprise_id => k.enterprise_id, created_at => k.created_at.clone(), revoked_at => k.revoked_at.clone(),
        })
        .collect();
    state.render(
        page,
        "keys.html",
        minijinja::context! { keys, roles, new_key, error, admin => by.is_admin() },
    )
}

pub async fn keys(State(state): State<WebState>, SignedIn(page, s): SignedIn) -> Response {
    keys_page(&state, &page, &s.principal, None, None).await
}

pub async fn create_key(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let by = &s.principal;
    let Some(role) = Role::parse(&form.text("role")) else {
        return keys_page(&state, &page, by, None, Some("role?".into())).await;
    };
    let enterprise_id = form
        .text("enterprise_id")
        .parse::<i64>()
        .ok()
        .or(by.enterprise_id);
    let jurisdiction = form.lines("jurisdiction");
    match state
        .service
        .create_api_key(
            Some(by),
            &form.text("label"),
            role,
            enterprise_id,
            &jurisdiction,
        )
        .await
    {
        Ok(created) => keys_page(&state, &page, by, Some(created.key), None).await,
        Err(
            e @ (ServiceError::Invalid(_) | ServiceError::Forbidden(_) | ServiceError::NotFound(_)),
        ) => {
            let message = match e {
                ServiceError::Invalid(Invalid(errors)) => errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            keys_page(&state, &page, by, None, Some(message)).await
        }
        Err(e) => state.error_page(&page, e),
    }
}

pub async fn revoke_key(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    if let Err(refused) = checked_form(&state, &page, multipart, &s.csrf).await {
        return refused;
    }
    match state
        .service
        .revoke_api_key(&s.principal, id, page.ip.clone())
        .await
    {
        Ok(()) => Redirect::to("/keys").into_response(),
        Err(e) => state.error_page(&page, e),
    }
}

#[derive(Deserialize, Default)]
pub struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    enterprise_id: Option<String>,
    offset: Option<i64>,
}

pub async fn audit(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<AuditParams>,
) -> Response {
    const PAGE_SIZE: i64 = 50;
    let offset = p.offset.unwrap_or(0).max(0);
    let query = AuditQuery {
        enterprise_id: p
            .enterprise_id
            .as_deref()
            .and_then(|e| e.trim().parse().ok()),
        actor: p.actor.clone().filter(|a| !a.trim().is_empty()),
        action: p.action.clone().filter(|a| !a.trim().is_empty()),
        limit: PAGE_SIZE,
        offset,
    };
    let result = match state.service.list_audit(&s.principal, query).await {
        Ok(r) => r,
        Err(e) => return state.error_page(&page, e),
    };
    // Who did it, by name beside the stable ID the filter takes (issue 15.8).
    let mut names: std::collections::HashMap<String, String> = Default::default();
    for a in &result.items {
        if !names.contains_key(&a.entry.actor) {
            let name = state
                .service
                .actor_name(&a.entry.actor)
                .await
                .unwrap_or_default();
            names.insert(a.entry.actor.clone(), name);
        }
    }
    let base = format!(
        "actor={}&action={}&enterprise_id={}",
        urlencoding::encode(p.actor.as_deref().unwrap_or("")),
        urlencoding::encode(p.action.as_deref().unwrap_or("")),
        urlencoding::encode(p.enterprise_id.as_deref().unwrap_or(""))
    );
    state.render(
        &page,
        "audit.html",
        minijinja::context! {
            items => result.items, total => result.total, names,
            actor => p.actor.unwrap_or_default(), action => p.action.unwrap_or_default(), enterprise_id => p.enterprise_id.unwrap_or_default(),
            prev => (offset > 0).then(|| format!("?{base}&offset={}", (offset - PAGE_SIZE).max(0))),
            next => (offset + PAGE_SIZE < result.total).then(|| format!("?{base}&offset={}", offset + PAGE_SIZE)),
        },
    )
}

/// The filtered audit log as CSV (G8.4: admins export it), up to 100,000 rows.
pub async fn audit_csv(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<AuditParams>,
) -> Response {
    fn cell(v: &str) -> String {
        let v = v.trim_start_matches(['=', '+', '-', '@']); // no spreadsheet formulas
        format!("\"{}\"", v.replace('"', "\"\""))
    }
    let mut out =
        String::from("\u{feff}id,at,actor,action,target,enterprise_id,ip,outcome,detail\n");
    let mut offset = 0;
    loop {
        let query = AuditQuery {
            enterprise_id: p
                .enterprise_id
                .as_deref()
                .and_then(|e| e.trim().parse().ok()),
            actor: p.actor.clone().filter(|a| !a.trim().is_empty()),
            action: p.action.clone().filter(|a| !a.trim().is_empty()),
            limit: 500,
            offset,
        };
        let result = match state.service.list_audit(&s.principal, query).await {
            Ok(r) => r,
            Err(e) => return state.error_page(&page, e),
        };
        for a in &result.items {
            let e = &a.entry;
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                a.id,
                cell(&a.at),
                cell(&e.actor),
                cell(&e.action),
                cell(e.target.as_deref().unwrap_or("")),
                e.enterprise_id.map(|i| i.to_string()).unwrap_or_default(),
                cell(e.ip.as_deref().unwrap_or("")),
                cell(&e.outcome),
                cell(e.detail.as_deref().unwrap_or("")),
            ));
        }
        offset += result.items.len() as i64;
        if result.items.is_empty() || offset >= result.total || offset >= 100_000 {
            break;
        }
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

pub async fn file(
    State(state): State<WebState>,
    SignedIn(page, _s): SignedIn,
    Path(sha256): Path<String>,
) -> Response {
    match state.service.read_blob(&sha256).await {
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
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => state.error_page(&page, e),
    }
}

async fn users_page(
    state: &WebState,
    page: &Page,
    by: &Principal,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let users = match state.service.list_users(by).await {
        Ok(u) => u,
        Err(e) => return state.error_page(page, e),
    };
    let roles: Vec<(String, String)> = Role::ALL
        .iter()
        .filter(|r| {
            by.is_admin()
                || (by.role == Role::ManufacturerAdmin && **r == Role::ManufacturerOperator)
        })
        .map(|r| {
            (
                r.as_str().to_string(),
                view::role_label(page.lang, *r).to_string(),
            )
        })
        .collect();
    let users: Vec<_> = users
        .iter()
        .map(|u| {
            minijinja::context! {
                login => u.login.clone(), name => u.display_name.clone(), role => view::role_label(page.lang, u.role),
                enterprise_id => u.enterprise_id, jurisdiction => u.jurisdiction.join(", "), created_at => u.created_at.clone(),
            }
        })
        .collect();
    state.render(
        page,
        "users.html",
        minijinja::context! { users, roles, notice, error, admin => by.is_admin() },
    )
}

pub async fn users(State(state): State<WebState>, SignedIn(page, s): SignedIn) -> Response {
    users_page(&state, &page, &s.principal, None, None).await
}

pub async fn create_user(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let by = &s.principal;
    let Some(role) = Role::parse(&form.text("role")) else {
        return users_page(
            &state,
            &page,
            by,
            None,
            Some(format!("{}?", page.lang.text("role"))),
        )
        .await;
    };
    let enterprise_id =
        form.text("enterprise_id")
            .parse::<i64>()
            .ok()
            .or(if role.needs_enterprise() {
                by.enterprise_id
            } else {
                None
            });
    let account = zhisu_service::NewAccount::new(
        &form.text("login"),
        form.fields
            .get("password")
            .map(String::as_str)
            .unwrap_or(""),
        &form.text("display_name"),
        role,
    )
    .enterprise(enterprise_id)
    .jurisdiction(&form.lines("jurisdiction"));
    match state.service.create_user(Some(by), account).await {
        Ok(user) => {
            users_page(
                &state,
                &page,
                by,
                Some(format!(
                    "{}: {}",
                    page.lang.text("user_created"),
                    user.login
                )),
                None,
            )
            .await
        }
        Err(e) => match findings(e) {
            Ok(found) => {
                let message = found
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut response = users_page(&state, &page, by, None, Some(message)).await;
                *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                response
            }
            Err(ServiceError::Forbidden(m)) => users_page(&state, &page, by, None, Some(m)).await,
            Err(other) => state.error_page(&page, other),
        },
    }
}

/// A workflow step posted from the batch page; back to the batch, or an
/// error page that says why the step was refused.
async fn batch_step(
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
            let message = errors
                .iter()
                .map(|e| format!("{}: {}", view::label(page.lang, &e.field), e.message))
                .collect::<Vec<_>>()
                .join("；");
            let mut response = state.render(page, "error.html", minijinja::context! { title => page.lang.text("fix_errors"), message, back => format!("/batches/{id}") });
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
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

pub async fn batch_activate(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    batch_step(&state, &page, &s, id, multipart, "activate").await
}

/// Downloads an active batch's codes from the page (the same as the API).
pub async fn batch_codes(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path((id, format)): Path<(i64, String)>,
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
    let count = plan.count;
    let chunks = plan
        .chunks(0, count, format)
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

pub async fn package_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Package, p).await
}

pub async fn package_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Package, id).await
}

pub async fn flow_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Flow, p).await
}

pub async fn flow_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Flow, id).await
}

pub async fn recall_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Recall, p).await
}

pub async fn recall_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Recall, id).await
}

pub async fn feedback_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Feedback, p).await
}

pub async fn feedback_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Feedback, id).await
}
