//! Authentication of machine clients (G9.3) and access logging (G8.4).
//!
//! A middleware resolves `Authorization: Bearer KEY` once per request,
//! puts the principal in the request, and writes the audit entry after
//! the handler answered. Handlers take [`Auth`] to require a principal.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use zhisu_domain::Principal;

use crate::error::ApiError;
use crate::AppState;

/// The client's address, as the server saw it.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

pub(crate) fn client_ip(parts: &axum::http::Extensions) -> Option<String> {
    parts
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// A request with a valid API key.
pub struct Auth(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Option<Principal>>() {
            Some(Some(p)) => Ok(Auth(p.clone())),
            Some(None) if parts.headers.contains_key(header::AUTHORIZATION) => Err(ApiError::new(
                "unauthenticated",
                "API密钥无效或已吊销 (the API key is unknown or revoked)",
            )),
            _ => Err(zhisu_service::ServiceError::Unauthenticated.into()),
        }
    }
}

/// A request that may carry an API key (public endpoints); a key that is
/// sent must be valid.
pub struct MaybeAuth(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            Ok(MaybeAuth(Some(
                Auth::from_request_parts(parts, state).await?.0,
            )))
        } else {
            Ok(MaybeAuth(None))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(&parts.extensions)))
    }
}

pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|k| k.trim().to_string());
    let principal = match &bearer {
        Some(key) => match state.service.key_principal(key).await {
            Ok(p) => p,
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    let ip = client_ip(request.extensions());
    let action = format!("api {} {}", request.method(), request.uri().path());
    let is_write = request.method() != Method::GET && request.method() != Method::HEAD;
    request.extensions_mut().insert(principal.clone());
    let response = next.run(request).await;
    let status = response.status();
    // Reads of private data, failed attempts and writes are all logged;
    // successful writes are also in the record's own transactional entry.
    if principal.is_some()
        || bearer.is_some()
        || is_write
        || status.as_u16() == 401
        || status.as_u16() == 403
    {
        let outcome = if status.is_success() {
            "ok".to_string()
        } else {
            format!("http {}", status.as_u16())
        };
        let audited = state
            .service
            .audit_access(principal.as_ref(), action, None, ip, outcome)
            .await;
        if let Err(e) = audited {
            // A write that was done carries its own entry, written in its
            // transaction; anything else is not served unaudited.
            if is_write && status.is_success() {
                tracing::error!(error = %e, "access entry not written; the write's own entry stands");
            } else {
                return ApiError::from(e).into_response();
            }
        }
    }
    response
}
