//! Two-factor log-in from the pages (issue 16.16): enrolling (a QR code
//! and the secret, confirmed with a code) and a log-in's second step. The
//! session middleware sends a session that owes a code, or a person whose
//! role must enrol, here before anything else.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use zhisu_domain::{FieldError, Invalid};
use zhisu_service::ServiceError;

use crate::pages::checked_form;
use crate::{Page, SignedIn, WebState, SESSION_COOKIE};

fn render(
    state: &WebState,
    page: &Page,
    setup: Option<(String, String)>,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let errors: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", crate::view::label(page.lang, &e.field), e.message))
        .collect();
    let (secret, qr) = match &setup {
        Some((secret, uri)) => (
            secret.clone(),
            zhisu_print::Qr::new(uri)
                .map(|q| q.svg(4))
                .unwrap_or_default(),
        ),
        None => (String::new(), String::new()),
    };
    let mut response = state.render(
        page,
        "totp.html",
        minijinja::context! { setup => setup.is_some(), secret, qr, errors },
    );
    *response.status_mut() = status;
    response
}

async fn setup_page(
    state: &WebState,
    page: &Page,
    s: &crate::Session,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    match state.service.totp_enrolment(&s.principal).await {
        Ok(e) => render(state, page, Some((e.secret, e.uri)), errors, status),
        Err(ServiceError::Conflict(_)) => Redirect::to("/dashboard").into_response(),
        Err(e) => state.error_page(page, e),
    }
}

pub async fn setup(State(state): State<WebState>, SignedIn(page, s): SignedIn) -> Response {
    setup_page(&state, &page, &s, &[], StatusCode::OK).await
}

pub async fn verify(State(state): State<WebState>, SignedIn(page, _s): SignedIn) -> Response {
    render(&state, &page, None, &[], StatusCode::OK)
}

/// The code posted from either form, and the session's token.
async fn posted(
    state: &WebState,
    page: &Page,
    s: &crate::Session,
    headers: &HeaderMap,
    multipart: Multipart,
) -> Result<(String, String), Response> {
    let form = checked_form(state, page, multipart, &s.csrf).await?;
    let token = crate::cookie(headers, SESSION_COOKIE).unwrap_or_default();
    Ok((form.text("code"), token))
}

/// `POST /totp/setup`: confirms an enrolment; a wrong code shows the
/// enrolment again with the finding.
pub async fn confirm(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let (code, token) = match posted(&state, &page, &s, &headers, multipart).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let confirmed = state
        .service
        .confirm_totp(&s.principal, &token, &code, page.ip.clone())
        .await;
    match confirmed {
        Err(ServiceError::Invalid(Invalid(errors))) => {
            setup_page(&state, &page, &s, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        other => answered(&state, &page, other),
    }
}

/// `POST /totp/verify`: a log-in's second step.
pub async fn check(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let (code, token) = match posted(&state, &page, &s, &headers, multipart).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let checked = state
        .service
        .verify_second_factor(&s.principal, &token, &code, page.ip.clone())
        .await;
    answered(&state, &page, checked)
}

/// On to the dashboard, or the code form again saying why not.
fn answered(state: &WebState, page: &Page, result: Result<(), ServiceError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/dashboard").into_response(),
        Err(ServiceError::Invalid(Invalid(errors))) => {
            render(state, page, None, &errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ServiceError::TooManyAttempts(message)) => {
            let finding = FieldError::new("totp_code", "locked", message);
            render(state, page, None, &[finding], StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e) => state.error_page(page, e),
    }
}
