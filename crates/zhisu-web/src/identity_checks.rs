//! A regulator checks who an enterprise is from its page (issue 16.11):
//! the enterprise page shows the check, and a regulator overseeing it (or
//! the platform admin) records "核验通过" or "核验不通过" with a note.

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use zhisu_domain::identity_check::{IdentityDecision, IdentityStatus};
use zhisu_domain::{Invalid, Principal, Role};
use zhisu_service::{RecordView, ServiceError};

use crate::pages::{checked_form, invalid_page};
use crate::view::{self, Row};
use crate::{Page, SignedIn, WebState};

/// The enterprise page's row saying whether (and by whom) it was checked,
/// and the form for those who may check it.
pub(crate) async fn enterprise_parts(
    state: &WebState,
    page: &Page,
    by: &Principal,
    record: &RecordView,
    rows: &mut Vec<Row>,
    workflow: &mut Vec<minijinja::Value>,
) {
    let lang = page.lang;
    let check = record.body.get("identity_check").and_then(|c| {
        serde_json::from_value::<zhisu_domain::identity_check::IdentityCheck>(c.clone()).ok()
    });
    let value = match &check {
        Some(c) => {
            let who = state
                .service
                .actor_name(&c.by)
                .await
                .unwrap_or_else(|_| c.by.clone());
            let mut text = format!(
                "{} · {} · {}",
                c.status.label_zh(),
                who,
                view::local_time(c.at.clone())
            );
            if !c.note.is_empty() {
                text.push_str(&format!(" · {}", c.note));
            }
            text
        }
        None => lang.text("identity_pending").to_string(),
    };
    rows.insert(
        0,
        Row {
            label: lang.text("identity_check").into(),
            value,
            link: None,
        },
    );
    let decided = check.is_some_and(|c| c.status == IdentityStatus::Verified);
    if matches!(by.role, Role::Regulator | Role::PlatformAdmin) {
        workflow.push(minijinja::context! {
            kind => "identity",
            url => format!("/enterprises/{}/identity-check", record.id),
            verified => decided,
        });
    }
}

/// `POST /enterprises/{id}/identity-check` from the enterprise page.
pub async fn check(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let decision = IdentityDecision {
        verified: match form.text("verified").as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        note: form.text("note"),
    };
    let back = format!("/enterprises/{id}");
    match state
        .service
        .check_identity(&s.principal, id, &decision, page.ip.clone())
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(ServiceError::Invalid(Invalid(errors))) => invalid_page(&state, &page, &errors, back),
        Err(e) => state.error_page(&page, e),
    }
}
