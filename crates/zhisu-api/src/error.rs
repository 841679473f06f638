//! The one error type of the JSON API: every 4xx and 5xx is an RFC 9457
//! `application/problem+json` document with a stable `type`.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zhisu_domain::{FieldError, Invalid};
use zhisu_service::ServiceError;

/// A problem, as RFC 9457 §3 shapes it, with `errors` for validation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem kind; stable across releases.
    /// Resolves to a page explaining it.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation problems: each offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The problem kinds: (slug, status, title).
pub const PROBLEM_TYPES: &[(&str, u16, &str)] = &[
    ("unauthenticated", 401, "Authentication required"),
    ("forbidden", 403, "Not allowed"),
    ("not-found", 404, "Not found"),
    ("method-not-allowed", 405, "Method not allowed"),
    (
        "unknown-code",
        404,
        "The code was not issued by this platform",
    ),
    ("validation", 422, "The request has invalid fields"),
    ("conflict", 409, "Conflicts with what is stored"),
    ("bad-request", 400, "Malformed request"),
    ("payload-too-large", 413, "Payload too large"),
    ("unsupported-media-type", 415, "Unsupported media type"),
    ("too-many-attempts", 429, "Too many failed attempts"),
    (
        "busy",
        503,
        "The platform is busy; send the request again shortly",
    ),
    (
        "unavailable",
        503,
        "The database cannot be reached just now; send the request again shortly",
    ),
    ("internal", 500, "Internal error"),
];

/// What a 503 tells the client to wait before sending the request again.
pub const RETRY_AFTER_SECONDS: &str = "5";

#[derive(Debug)]
pub struct ApiError {
    slug: &'static str,
    detail: String,
    errors: Vec<FieldError>,
}

impl ApiError {
    pub fn new(slug: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            slug,
            detail: detail.into(),
            errors: vec![],
        }
    }

    pub fn status(&self) -> StatusCode {
        let code = PROBLEM_TYPES
            .iter()
            .find(|(s, _, _)| *s == self.slug)
            .map(|(_, c, _)| *c)
            .unwrap_or(500);
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn problem(&self) -> Problem {
        let title = PROBLEM_TYPES
            .iter()
            .find(|(s, _, _)| *s == self.slug)
            .map(|(_, _, t)| *t)
            .unwrap_or("Error");
        Problem {
            problem_type: format!("/problems/{}", self.slug),
            title: title.to_string(),
            status: self.status().as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Unauthenticated => ApiError::new(
                "unauthenticated",
                "需要有效的API密钥 (send a valid API key as 'Authorization: Bearer KEY')",
            ),
            ServiceError::Forbidden(d) => ApiError::new("forbidden", d),
            ServiceError::NotFound(d) => {
                ApiError::new("not-found", format!("未找到 (not found: {d})"))
            }
            ServiceError::Invalid(Invalid(errors)) => ApiError {
                slug: "validation",
                detail: errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                errors,
            },
            ServiceError::Conflict(d) => ApiError::new("conflict", d),
            ServiceError::BadRequest(d) => ApiError::new("bad-request", d),
            ServiceError::TooLarge(d) => ApiError::new("payload-too-large", d),
            ServiceError::UnsupportedType(d) => ApiError::new("unsupported-media-type", d),
            ServiceError::TooManyAttempts(d) => ApiError::new("too-many-attempts", d),
            ServiceError::Busy(_) => ApiError::new(
                "busy",
                "系统繁忙，未作任何更改，请稍后重试 (the platform is busy; nothing was changed; send the request again shortly)",
            ),
            ServiceError::Unavailable(source) => {
                tracing::warn!(%source, "database unavailable");
                ApiError::new(
                    "unavailable",
                    "数据库暂时无法连接，请稍后重试 (the database cannot be reached just now; send the request again shortly)",
                )
            }
            ServiceError::Internal(source) => {
                tracing::error!(%source, "internal error");
                ApiError::new(
                    "internal",
                    "服务器内部错误，已记录 (an internal error occurred and was logged)",
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                // "Failed to deserialize the JSON body into the target type: <serde message> at line.."
                let inner = std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| e.body_text());
                ApiError {
                    slug: "validation",
                    detail: inner.clone(),
                    errors: vec![zhisu_service::schema_finding(inner)],
                }
            }
            JsonRejection::JsonSyntaxError(e) => ApiError::new(
                "bad-request",
                format!("JSON格式错误 (malformed JSON: {})", e.body_text()),
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                "unsupported-media-type",
                "请求须为 Content-Type: application/json (send Content-Type: application/json)",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new("payload-too-large", e.body_text())
            }
            other => ApiError::new("bad-request", other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::new(
            "bad-request",
            format!(
                "查询参数无效 (invalid query parameters: {})",
                rejection.body_text()
            ),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: say which scheme is expected.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"zhisu\""),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // RFC 9110 §10.2.3: when to send it again.
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub use crate::json_body::ApiJson;

/// `Query` whose rejections are problem documents.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path` whose rejections are problem documents (issue 16.14).
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ApiError::new(
            "bad-request",
            format!(
                "路径参数无效 (invalid path parameter: {})",
                rejection.body_text()
            ),
        )
    }
}

impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(rejection: axum::extract::multipart::MultipartRejection) -> Self {
        ApiError::new(
            "bad-request",
            format!(
                "上传格式错误，须为 multipart/form-data (malformed upload: {})",
                rejection.body_text()
            ),
        )
    }
}

/// Fallback for unknown API paths.
/// A route that exists, asked with a method it does not take (RFC 9110
/// §15.5.6): a problem like every other error, not an empty body.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        "method-not-allowed",
        "此接口不接受这种请求方法 (this endpoint does not take this method; see /openapi.json)",
    )
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        "not-found",
        "没有这个接口 (no such endpoint; see /openapi.json)",
    )
}
