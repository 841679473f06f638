//! Imports through the API (issue 19.3, 工具包导入): a filled-in template
//! (XLSX or CSV, as a multipart `file` or the request's body) or NDJSON is
//! checked row by row and kept as a job; committed, its rows are filed in
//! the background, the job's progress and every row's outcome readable as
//! it goes.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use zhisu_service::{CommitMode, ImportUpload, MAX_SHEET_BYTES};
use zhisu_store::{ImportJob, ImportRow};

use crate::auth::Auth;
use crate::error::{ApiError, ApiPath as Path, ApiQuery, ApiResult, Problem};
use crate::AppState;

/// The most an import's body may hold: the largest sheet and its form.
pub const MAX_IMPORT_BODY: usize = MAX_SHEET_BYTES + 1024 * 1024;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `products`, `batches`, `sales`, `purchases` or `quantities`.
    pub kind: String,
    /// The enterprise the rows are for; the key's own by default.
    pub enterprise_id: Option<i64>,
    /// `all` (default: every row, or nothing while any row is wrong),
    /// `valid` (only the rows without mistakes) or `none` (check only: a
    /// preview to commit later).
    pub commit: Option<String>,
    /// What the imports list calls a body sent as it is (default
    /// `import.ndjson` or `import`; a form's file keeps its own name).
    pub name: Option<String>,
}

/// The upload form.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the multipart body; read field by field below
pub struct ImportForm {
    /// The filled-in template: XLSX, or CSV in UTF-8 or GBK, or NDJSON (a
    /// name ending .ndjson); at most 64 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn commit_mode(commit: Option<&str>) -> ApiResult<Option<CommitMode>> {
    match commit.unwrap_or("all") {
        "none" => Ok(None),
        other => CommitMode::parse(other).map(Some).ok_or_else(|| {
            ApiError::new(
                "bad-request",
                format!("commit 只能是 all、valid 或 none (commit must be all, valid or none, got {other:?})"),
            )
        }),
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        "payload-too-large",
        format!(
            "文件超过 {} MiB (the file is larger than {} MiB)",
            MAX_SHEET_BYTES >> 20,
            MAX_SHEET_BYTES >> 20
        ),
    )
}

/// A form that could not be read: past this route's limit, or malformed.
fn form_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        crate::misc::multipart_error(e)
    }
}

/// The body's file: a multipart form's `file`, or the body itself.
async fn upload_of(state: &AppState, request: Request) -> ApiResult<(String, Vec<u8>, bool)> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| ApiError::new("bad-request", e.body_text()))?;
        while let Some(field) = multipart.next_field().await.map_err(form_error)? {
            if field.name() == Some("file") {
                let name = field.file_name().unwrap_or("").to_string();
                let ndjson = name.ends_with(".ndjson") || name.ends_with(".jsonl");
                let bytes = field.bytes().await.map_err(form_error)?;
                return Ok((name, bytes.to_vec(), ndjson));
            }
        }
        return Err(ApiError::new(
            "bad-request",
            "表单须有 file 字段 (the form needs a 'file' field)",
        ));
    }
    let ndjson = content_type.starts_with("application/x-ndjson")
        || content_type.starts_with("application/jsonl");
    let bytes = axum::body::to_bytes(request.into_body(), MAX_IMPORT_BODY)
        .await
        .map_err(|_| too_large())?;
    let name = if ndjson { "import.ndjson" } else { "import" };
    Ok((name.to_string(), bytes.to_vec(), ndjson))
}

/// Import rows: a filled-in template (the kind's, from
/// `/api/v1/imports/templates/{kind}`) as a multipart `file` or as the
/// body (`text/csv`, the XLSX type), or NDJSON (`application/x-ndjson`:
/// one object a line, the template's keys). Each row is checked as the
/// API's form would check it; then, by `commit`, the rows are filed in the
/// background (202, `Location` the job) or kept as a preview (201). A row
/// whose content was imported before is `unchanged` and creates nothing.
/// With `commit=all`, a wrong row refuses the whole file (422, each
/// mistake named `rows[ROW].COLUMN`; the preview is kept, its ID in
/// `Location`).
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports",
    params(ImportParams),
    request_body(content = ImportForm, content_type = "multipart/form-data",
        description = "The file as a form's `file` (a name ending .ndjson or .jsonl is read as NDJSON); or, not described here so that generated clients stay plain, the body itself as text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/x-ndjson"),
    responses((status = 201, body = ImportJob, description = "checked; nothing filed (commit=none)"),
        (status = 202, body = ImportJob, description = "committed: its rows are being filed; Location names the job"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_import(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<ImportParams>,
    request: Request,
) -> ApiResult<Response> {
    let mode = commit_mode(p.commit.as_deref())?;
    let (mut file_name, bytes, ndjson) = upload_of(&state, request).await?;
    if let Some(name) = p.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        file_name = name.to_string();
    }
    let job = state
        .service
        .check_import(
            &by,
            ImportUpload {
                kind: p.kind,
                enterprise_id: p.enterprise_id,
                file_name,
                bytes,
                ndjson,
            },
        )
        .await?;
    let location = format!("/api/v1/imports/{}", job.id);
    let (status, job) = match mode {
        None => (StatusCode::CREATED, job),
        Some(mode) => match state.service.commit_import(&by, job.id, mode).await {
            Ok(job) => (StatusCode::ACCEPTED, job),
            Err(e) => {
                let mut response = ApiError::from(e).into_response();
                if let Ok(value) = location.parse() {
                    response.headers_mut().insert(header::LOCATION, value);
                }
                return Ok(response);
            }
        },
    };
    Ok((status, [(header::LOCATION, location)], Json(job)).into_response())
}

/// The imports of the enterprises the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports",
    responses((status = 200, body = [ImportJob]), (status = 401, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_imports(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<Vec<ImportJob>>> {
    Ok(Json(state.service.import_jobs(&by).await?))
}

/// One import: its state (`checked`, `running`, `done` or `failed`) and
/// how many of its rows are pending, created, unchanged or wrong.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports",
    params(("id" = i64, Path)),
    responses((status = 200, body = ImportJob), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get_import(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<ImportJob>> {
    Ok(Json(state.service.import_job(&by, id).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RowParams {
    /// Rows after this row number (0: from the first).
    pub after: Option<i64>,
    /// At most this many (1–1000, default 1000).
    pub limit: Option<i64>,
}

/// An import's rows in order: each row's `row`, `status` (`pending`,
/// `created`, `unchanged` or `error`), the record's `id` and the errors'
/// `column` and `message`.
#[utoipa::path(get, path = "/api/v1/imports/{id}/rows", tag = "imports",
    params(("id" = i64, Path), RowParams),
    responses((status = 200, body = [ImportRow]), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn import_rows(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<RowParams>,
) -> ApiResult<Json<Vec<ImportRow>>> {
    Ok(Json(
        state
            .service
            .import_rows(&by, id, p.after.unwrap_or(0), p.limit.unwrap_or(1000))
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CommitParams {
    /// `all` (default) or `valid`.
    pub mode: Option<String>,
}

/// Commit a previewed import: every row (refused while any is wrong) or
/// only the valid ones; its rows are filed in the background.
#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", tag = "imports",
    params(("id" = i64, Path), CommitParams),
    responses((status = 202, body = ImportJob), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn commit_import(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<CommitParams>,
) -> ApiResult<Response> {
    let mode = match commit_mode(Some(p.mode.as_deref().unwrap_or("all")))? {
        Some(mode) => mode,
        None => {
            return Err(ApiError::new(
                "bad-request",
                "mode 只能是 all 或 valid (mode must be all or valid)",
            ))
        }
    };
    let job = state.service.commit_import(&by, id, mode).await?;
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}
