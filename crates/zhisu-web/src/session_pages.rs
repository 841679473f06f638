//! Log-in, log-out and registration pages.

use axum::extract::{Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::{FieldError, Invalid};
use zhisu_service::{schema_finding, Registration, ServiceError};

use crate::forms::{self, FormData};
use crate::{Page, WebState, SESSION_COOKIE};

use crate::pages::*;

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
        Err(ServiceError::TooManyAttempts(message)) => {
            let mut response = state.render(
                &page,
                "login.html",
                minijinja::context! { next, error => message, login => form.text("login") },
            );
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
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

pub(crate) fn register_sections(
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
    let enterprise = forms::enterprise_json(&state.service, None, &form, &mut errors).await;
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
