//! The batch workflow (`/submit`, `/review`, `/activate`), streamed code
//! export (`/codes`) and code verification.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zhisu_service::{CodeFormat, Verification};

use crate::auth::{Auth, ClientIp};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, Problem};
use crate::records::BatchRecord;
use crate::AppState;

/// Submit a draft or rejected batch. The automatic check runs: findings
/// refuse it (422); a clean batch is approved at once; one with notes waits
/// for a reviewer (`status: submitted`).
#[utoipa::path(post, path = "/api/v1/batches/{id}/submit", tag = "batches", params(("id" = i64, Path)),
    responses((status = 200, body = BatchRecord), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state.service.submit_batch(&by, id, ip).await?.to_json(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// true to approve, false to reject.
    pub approve: bool,
    /// Required when rejecting.
    pub reason: Option<String>,
}

/// Approve or reject a submitted batch (the region's regulators, the platform operator).
#[utoipa::path(post, path = "/api/v1/batches/{id}/review", tag = "batches", params(("id" = i64, Path)), request_body = ReviewRequest,
    responses((status = 200, body = BatchRecord), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn review(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state
            .service
            .review_batch(&by, id, req.approve, req.reason, ip)
            .await?
            .to_json(),
    ))
}

/// Activate an approved batch: its codes exist from now on.
#[utoipa::path(post, path = "/api/v1/batches/{id}/activate", tag = "batches", params(("id" = i64, Path)),
    responses((status = 200, body = BatchRecord), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn activate(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state.service.activate_batch(&by, id, ip).await?.to_json(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// `txt` (one code per line, for inkjet coders) or `csv` (`index,code`, for MES).
    pub format: Option<CodeFormat>,
    /// First index to write (resume an interrupted download from here).
    pub from: Option<u64>,
    /// One past the last index to write.
    pub to: Option<u64>,
}

/// Download an active batch's codes as GS1 Digital Link URIs, streamed.
/// `X-Total-Codes` says how many the batch has.
#[utoipa::path(get, path = "/api/v1/batches/{id}/codes", tag = "batches", params(("id" = i64, Path), ExportParams),
    responses((status = 200, description = "the codes, one per line", content_type = "text/plain"), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn export(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let plan = state.service.code_plan(&by, id).await?;
    let format = params.format.unwrap_or(CodeFormat::Txt);
    let from = params.from.unwrap_or(0);
    let to = params.to.unwrap_or(plan.count).min(plan.count);
    if from > to {
        return Err(ApiError::new(
            "bad-request",
            format!("from ({from}) 大于 to ({to}) (from is past to)"),
        ));
    }
    const CHUNK: u64 = 16_384;
    let total = plan.count;
    let (content_type, extension) = match format {
        CodeFormat::Txt => ("text/plain; charset=utf-8", "txt"),
        CodeFormat::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let file_name = format!("batch-{}-codes.{extension}", plan.batch_id);
    let chunks = (from..to).step_by(CHUNK as usize).map(move |start| {
        let mut out = String::with_capacity((CHUNK as usize) * 72);
        plan.write(start, (start + CHUNK).min(to), format, &mut out);
        Ok::<_, std::convert::Infallible>(out)
    });
    let mut response = Body::from_stream(futures_util::stream::iter(chunks)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert("x-total-codes", HeaderValue::from(total));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VerifyParams {
    /// The scanned code (a GS1 Digital Link URI), URL-encoded.
    pub code: String,
}

/// Check a scanned code: genuine, unknown, not active, or not a code.
#[utoipa::path(get, path = "/api/v1/codes/verify", tag = "batches", params(VerifyParams),
    responses((status = 200, body = Verification)), security(("api_key" = [])))]
pub async fn verify(
    State(state): State<AppState>,
    Auth(_by): Auth,
    ApiQuery(p): ApiQuery<VerifyParams>,
) -> ApiResult<Json<Verification>> {
    Ok(Json(state.service.verify_code(&p.code).await?))
}
