//! Health, identifier checks and file uploads.

use crate::error::ApiPath as Path;
use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use zhisu_codes::IdCheck;
use zhisu_domain::BlobRef;
use zhisu_store::StoreHealth;

use crate::auth::{Auth, MaybeAuth};
use crate::error::{ApiError, ApiResult, Problem};
use crate::AppState;

/// How long `/healthz` waits for the database: a load balancer's probe
/// must hear "take me out" before its own timeout, not a request that
/// waits out the pool's bound for a connection.
const HEALTH_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Liveness (the store answers): `{"status": "ok"}` for anyone; with a
/// platform admin's key, the store's counts and the scan log's too (issue
/// 16.15: counts are not for the public). A server that cannot reach its
/// database within two seconds answers 503 (issue 20.5), so that a load
/// balancer takes it out until it can.
#[utoipa::path(get, path = "/healthz", tag = "platform", responses((status = 200, body = Health), (status = 503, body = Problem), (status = 500, body = Problem)))]
pub async fn healthz(
    State(state): State<AppState>,
    MaybeAuth(by): MaybeAuth,
) -> ApiResult<Json<Health>> {
    let in_time = |_| {
        ApiError::from(zhisu_service::ServiceError::Unavailable(
            "the database did not answer the health check in time".into(),
        ))
    };
    // The public probe reads no table (issue 20: a load balancer asks every
    // server every few seconds, and counting a province's records each time
    // would be the database's work, or time out and take every server out).
    if !by.is_some_and(|p| p.is_admin()) {
        tokio::time::timeout(HEALTH_WAIT, state.service.ping())
            .await
            .map_err(in_time)??;
        return Ok(Json(Health {
            status: "ok",
            ..Default::default()
        }));
    }
    let health = tokio::time::timeout(HEALTH_WAIT, state.service.health())
        .await
        .map_err(in_time)??;
    Ok(Json(Health {
        status: "ok",
        store: Some(health),
        scans_logged_since_start: Some(state.service.scans_logged()),
        scan_filters_ready: Some(state.service.scan_filters_ready()),
    }))
}

/// `/healthz`: the counts only for the platform admin.
#[derive(serde::Serialize, utoipa::ToSchema, Default)]
pub struct Health {
    /// `ok` whenever the store answers.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<StoreHealth>,
    /// Scans answered and queued for the log since this process started.
    #[serde(skip_serializing_if = "Option::is_none")]
    scans_logged_since_start: Option<u64>,
    /// Whether the scan path's code filters are loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    scan_filters_ready: Option<bool>,
}

/// What kind of identifier a value is, and whether it is valid (`zhisu id check`).
#[utoipa::path(get, path = "/api/v1/identifiers/{value}", tag = "identifiers",
    params(("value" = String, Path, description = "the identifier, URL-encoded")),
    responses((status = 200, body = IdCheck)))]
pub async fn identifier(Path(value): Path<String>) -> Json<IdCheck> {
    Json(zhisu_codes::identify(&value))
}

/// A multipart body that cannot be read: too large (every upload's bound,
/// 10 MiB), or malformed.
pub(crate) fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            "payload-too-large",
            "文件超过10 MiB (the file is larger than 10 MiB)",
        )
    } else {
        ApiError::new(
            "bad-request",
            format!(
                "multipart 格式错误 (malformed multipart body: {})",
                e.body_text()
            ),
        )
    }
}

/// The upload form: one file field.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the multipart body; read field by field below
pub struct UploadForm {
    /// PDF, PNG, JPEG or WebP, at most 10 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload a file (PDF, PNG, JPEG or WebP, at most 10 MiB) as multipart
/// field `file`; returns its content address, to reference from records.
#[utoipa::path(post, path = "/api/v1/blobs", tag = "files",
    request_body(content = UploadForm, content_type = "multipart/form-data", description = "a form with one field `file`"),
    responses((status = 201, body = BlobRef), (status = 413, body = Problem), (status = 415, body = Problem)),
    security(("api_key" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    Auth(by): Auth,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let mut multipart = multipart?;
    let bad = multipart_error;
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            let blob = state.service.upload_blob(Some(&by), &name, &bytes).await?;
            return Ok((StatusCode::CREATED, Json(blob)).into_response());
        }
    }
    Err(ApiError::new(
        "bad-request",
        "缺少 file 字段 (the form has no field named 'file')",
    ))
}

/// Download a stored file.
#[utoipa::path(get, path = "/api/v1/blobs/{sha256}", tag = "files", params(("sha256" = String, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn download(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(sha256): Path<String>,
) -> ApiResult<Response> {
    let (blob, bytes) = state.service.read_blob(&by, &sha256).await?;
    Ok((
        [
            (header::CONTENT_TYPE, blob.content_type),
            // A private file: kept by no cache (issue 16.15).
            (header::CACHE_CONTROL, "no-store".into()),
        ],
        bytes,
    )
        .into_response())
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
