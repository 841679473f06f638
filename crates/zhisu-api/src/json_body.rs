//! The JSON body extractor every handler takes: axum's `Json`, with every
//! rejection a problem document, and text containing U+0000 refused as a
//! validation error naming the field (issue 16.10: PostgreSQL cannot store
//! a NUL in text and answered 500; SQLite stored it).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use serde_json::Value;
use zhisu_domain::{FieldError, Invalid};

use crate::error::ApiError;

/// `Json` whose rejections are problem documents.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// The path of the first string (or key) holding a NUL, e.g.
/// `mandatory_standards[1]`.
fn nul_path(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_path(v, &here)
            }
        }),
        _ => None,
    }
}

/// JSON can carry a NUL only as the escape `\u0000`: bodies without it
/// (nearly all) are not walked.
fn may_hold_nul(body: &[u8]) -> bool {
    body.windows(6).any(|w| w == b"\\u0000")
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| mime.trim().to_ascii_lowercase())
            .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"));
        if !is_json {
            return Err(ApiError::new(
                "unsupported-media-type",
                "请求须为 Content-Type: application/json (send Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::from(axum::extract::rejection::JsonRejection::from(e)))?;
        if may_hold_nul(&bytes) {
            if let Some(field) = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| nul_path(&v, ""))
            {
                let finding = FieldError::new(
                    &field,
                    "nul",
                    "文本不能包含空字符 U+0000 (text must not contain the NUL character U+0000)",
                );
                return Err(zhisu_service::ServiceError::Invalid(Invalid(vec![finding])).into());
            }
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(ApiJson(value))
    }
}

/// An optional body (`Option<ApiJson<T>>`): none when the request sends
/// no Content-Type and no bytes (`curl -X POST` with nothing), else as
/// [`ApiJson`].
impl<T, S> axum::extract::OptionalFromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let empty = req.headers().get(header::CONTENT_TYPE).is_none()
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_none_or(|v| v.as_bytes() == b"0");
        if empty {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
    }
}

/// Middleware: a path or query holding `%00` is refused before any
/// handler sees it (a NUL reaches no engine through a search or an ID).
pub async fn refuse_nul_in_uri(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = request.uri();
    let holds_nul = |s: &str| s.as_bytes().windows(3).any(|w| w == b"%00");
    if holds_nul(uri.path()) || uri.query().is_some_and(holds_nul) {
        return ApiError::new(
            "bad-request",
            "网址不能包含空字符 %00 (the path and query must not contain the NUL character %00)",
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_of_a_nul_is_named() {
        let v = serde_json::json!({"a": "ok", "list": ["x", "y\u{0}"], "n": {"k": "\u{0}"}});
        assert_eq!(nul_path(&v, "").as_deref(), Some("list[1]"));
        assert_eq!(nul_path(&serde_json::json!({"a": "\\u0000"}), ""), None);
        assert!(may_hold_nul(br#"{"a":"\u0000"}"#));
        assert!(!may_hold_nul(br#"{"a":"x"}"#));
    }
}
