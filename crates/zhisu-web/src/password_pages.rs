//! Changing one's own password (issue 16.5, 等保): the page every request
//! of a person whose password someone else set is sent to until they
//! change it, and the page anyone reaches from the header.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use zhisu_domain::{FieldError, Invalid};
use zhisu_service::ServiceError;

use crate::pages::checked_form;
use crate::{Page, SignedIn, WebState, SESSION_COOKIE};

fn password_page(
    state: &WebState,
    page: &Page,
    forced: bool,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let errors: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", crate::view::label(page.lang, &e.field), e.message))
        .collect();
    let mut response = state.render(
        page,
        "password.html",
        minijinja::context! { forced, errors },
    );
    *response.status_mut() = status;
    response
}

pub async fn form(State(state): State<WebState>, SignedIn(page, s): SignedIn) -> Response {
    password_page(&state, &page, s.must_change_password, &[], StatusCode::OK)
}

pub async fn change(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let secret = |name: &str| form.fields.get(name).cloned().unwrap_or_default();
    let (current, new) = (secret("current_password"), secret("new_password"));
    if new != secret("new_password_again") {
        let finding = FieldError::new(
            "new_password_again",
            "mismatch",
            "两次输入的新密码不一致 (the two new passwords differ)",
        );
        return password_page(
            &state,
            &page,
            s.must_change_password,
            &[finding],
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let token = crate::cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    match state
        .service
        .change_password(&s.principal, &token, &current, &new, page.ip.clone())
        .await
    {
        Ok(()) => Redirect::to("/dashboard").into_response(),
        Err(ServiceError::Invalid(Invalid(errors))) => password_page(
            &state,
            &page,
            s.must_change_password,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => state.error_page(&page, e),
    }
}
