//! API keys, users and the audit log: the security and audit
//! administrators' pages (三员分立), and enterprise admins' for their own.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::{Invalid, Principal, Role};
use zhisu_service::ServiceError;
use zhisu_store::AuditQuery;

use crate::view;
use crate::{Page, SignedIn, WebState};

use crate::pages::*;

pub(crate) async fn keys_page(
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
        .filter(|r| by.may_grant(**r, by.enterprise_id, true))
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
        minijinja::context! { keys, roles, new_key, error, admin => by.manages_all_accounts() },
    )
}

/// The sentence for a form sent without a role.
fn choose_role(page: &Page) -> String {
    format!(
        "{}: {}",
        page.lang.text("role"),
        page.lang.text("choose_role")
    )
}

/// What a refused page action answers (issue 16.14): never 200.
fn refusal_status(error: &ServiceError) -> StatusCode {
    match error {
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn with_status(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    response
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
        let refused = keys_page(&state, &page, by, None, Some(choose_role(&page))).await;
        return with_status(refused, StatusCode::UNPROCESSABLE_ENTITY);
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
            let status = refusal_status(&e);
            let message = match e {
                ServiceError::Invalid(Invalid(errors)) => errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            with_status(
                keys_page(&state, &page, by, None, Some(message)).await,
                status,
            )
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
        target: None,
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
    // What each action and outcome is, in the page's language, beside the
    // code the filter takes.
    let mut labels: std::collections::HashMap<String, String> = Default::default();
    for a in &result.items {
        labels
            .entry(a.entry.action.clone())
            .or_insert_with(|| action_label(page.lang, &a.entry.action));
        labels
            .entry(format!("out:{}", a.entry.outcome))
            .or_insert_with(|| outcome_label(page.lang, &a.entry.outcome));
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
            items => result.items, total => result.total, names, labels,
            actor => p.actor.unwrap_or_default(), action => p.action.unwrap_or_default(), enterprise_id => p.enterprise_id.unwrap_or_default(),
            prev => (offset > 0).then(|| format!("?{base}&offset={}", (offset - PAGE_SIZE).max(0))),
            next => (offset + PAGE_SIZE < result.total).then(|| format!("?{base}&offset={}", offset + PAGE_SIZE)),
        },
    )
}

/// An audit action in words: `product.create` → 登记产品; an access
/// (`api GET /api/v1/…`) → 接口访问; an unknown one stays its code.
fn action_label(lang: crate::i18n::Lang, action: &str) -> String {
    if action.starts_with("api ") {
        return lang.text("act_api").to_string();
    }
    lang.text(&format!("act_{action}")).to_string()
}

/// `ok` → 成功; an HTTP status stays as it is.
fn outcome_label(lang: crate::i18n::Lang, outcome: &str) -> String {
    match lang.text(&format!("out_{outcome}")) {
        "" => outcome.to_uppercase(),
        label => label.to_string(),
    }
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
            target: None,
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

pub(crate) async fn users_page(
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
        .filter(|r| by.may_grant(**r, by.enterprise_id, false))
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
        minijinja::context! { users, roles, notice, error, admin => by.manages_all_accounts() },
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
        let refused = users_page(&state, &page, by, None, Some(choose_role(&page))).await;
        return with_status(refused, StatusCode::UNPROCESSABLE_ENTITY);
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
            Err(ServiceError::Forbidden(m)) => with_status(
                users_page(&state, &page, by, None, Some(m)).await,
                StatusCode::FORBIDDEN,
            ),
            Err(other) => state.error_page(&page, other),
        },
    }
}
