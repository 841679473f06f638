//! The batch workflow (`/submit`, `/review`, `/activate`), streamed code
//! export (`/codes`) and code verification.

use crate::error::ApiPath as Path;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zhisu_service::{CodeFormat, CodeLife, Verification};

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

/// What a disposal does to a batch's codes.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DisposalAction {
    Freeze,
    Unfreeze,
    Void,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposeRequest {
    pub action: DisposalAction,
    /// Always required: the scan page shows it.
    pub reason: String,
}

/// Freeze, unfreeze or void an active batch's codes (the region's regulators
/// and the platform operator; the manufacturer may void its own). Scans of
/// the codes say so at once.
#[utoipa::path(post, path = "/api/v1/batches/{id}/dispose", tag = "batches", params(("id" = i64, Path)), request_body = DisposeRequest,
    responses((status = 200, body = BatchRecord), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn dispose(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<DisposeRequest>,
) -> ApiResult<Json<serde_json::Value>> {
    let action = match req.action {
        DisposalAction::Freeze => zhisu_domain::BatchAction::Freeze,
        DisposalAction::Unfreeze => zhisu_domain::BatchAction::Unfreeze,
        DisposalAction::Void => zhisu_domain::BatchAction::Void,
    };
    Ok(Json(
        state
            .service
            .dispose_batch(&by, id, action, &req.reason, ip)
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
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// `txt` (one code per line, for inkjet coders), `csv` (`index,code`, for MES)
    /// or `zpl` (one label per code, for industrial label printers).
    #[param(inline)]
    pub format: Option<CodeFormat>,
    /// First index to write (resume an interrupted download from here).
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// One past the last index to write (past the batch's end: to its end).
    #[param(minimum = 0)]
    pub to: Option<i64>,
    /// `zpl` only: print even though `public_url` is a loopback or
    /// private address.
    pub allow_local_url: Option<bool>,
}

/// Download an active batch's codes as GS1 Digital Link URIs, streamed.
/// `X-Total-Codes` says how many the batch has.
#[utoipa::path(get, path = "/api/v1/batches/{id}/codes", tag = "batches", params(("id" = i64, Path), ExportParams),
    responses((status = 200, description = "the codes, one per line (txt), as index,code (csv) or one label each (zpl)",
        content((String = "text/plain"), (String = "text/csv"), (String = "application/x-zpl"))), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn export(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let plan = state.service.code_plan(&by, id).await?;
    let format = params.format.unwrap_or(CodeFormat::Txt);
    if format == CodeFormat::Zpl {
        state
            .service
            .check_printable(params.allow_local_url.unwrap_or(false))?;
    }
    let from = code_index("from", params.from)?.unwrap_or(0);
    let to = code_index("to", params.to)?
        .unwrap_or(plan.count)
        .min(plan.count);
    if from > to {
        return Err(ApiError::new(
            "bad-request",
            format!("from ({from}) 大于 to ({to}) (from is past to)"),
        ));
    }
    let total = plan.count;
    let file_name = format!("batch-{}-codes.{}", plan.batch_id, format.extension());
    let chunks = plan
        .chunks(from, to, format)
        .map(Ok::<_, std::convert::Infallible>);
    let mut response = Body::from_stream(futures_util::stream::iter(chunks)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert("x-total-codes", HeaderValue::from(total));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// A code index from the query: 0 or more.
fn code_index(name: &str, value: Option<i64>) -> ApiResult<Option<u64>> {
    value
        .map(|v| {
            u64::try_from(v).map_err(|_| {
                ApiError::new(
                    "bad-request",
                    format!("{name} 不能为负 ({name} must be 0 or more, got {v})"),
                )
            })
        })
        .transpose()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VerifyParams {
    /// The scanned code (a GS1 Digital Link URI or a `/c/` link), URL-encoded.
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

/// A code's whole life, oldest step first, with its risks (P6.2, P6.3):
/// product and batch filing, review, activation, packing, every sale and
/// purchase down the chain, scans, alerts, disposal, recall. For its
/// producer, the competent regulator, and the sellers it was delivered to.
#[utoipa::path(get, path = "/api/v1/codes/life", tag = "batches", params(VerifyParams),
    responses((status = 200, body = CodeLife), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn life(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<VerifyParams>,
) -> ApiResult<Json<CodeLife>> {
    Ok(Json(state.service.code_life(&by, &p.code).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QrParams {
    /// `svg` (default) or `png`.
    pub format: Option<String>,
    /// Pixels per module (1-40, default 8).
    pub scale: Option<u32>,
    /// Print even though `public_url` is a loopback or private address.
    pub allow_local_url: Option<bool>,
}

/// The QR symbol of one code of an active batch.
#[utoipa::path(get, path = "/api/v1/batches/{id}/codes/{index}/qr", tag = "batches",
    params(("id" = i64, Path), ("index" = u64, Path, description = "0-based item index"), QrParams),
    responses((status = 200, description = "image/svg+xml or image/png"), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn qr(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path((id, index)): Path<(i64, u64)>,
    ApiQuery(p): ApiQuery<QrParams>,
) -> ApiResult<Response> {
    let plan = state.service.code_plan(&by, id).await?;
    state
        .service
        .check_printable(p.allow_local_url.unwrap_or(false))?;
    if index >= plan.count {
        return Err(ApiError::new(
            "not-found",
            format!(
                "批次只有 {} 个码 (the batch has {} codes)",
                plan.count, plan.count
            ),
        ));
    }
    let symbol = zhisu_print::Qr::new(&plan.code(index))
        .map_err(|e| ApiError::new("bad-request", e.to_string()))?;
    let scale = p.scale.unwrap_or(8);
    if !(1..=40).contains(&scale) {
        return Err(ApiError::new(
            "bad-request",
            "scale 须为 1-40 (scale must be 1 to 40)",
        ));
    }
    match p.format.as_deref().unwrap_or("svg") {
        "svg" => Ok(([(header::CONTENT_TYPE, "image/svg+xml")], symbol.svg(scale)).into_response()),
        "png" => Ok(([(header::CONTENT_TYPE, "image/png")], symbol.png(scale)).into_response()),
        other => Err(ApiError::new(
            "bad-request",
            format!("未知格式 {other} (format is svg or png)"),
        )),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LabelParams {
    /// First index (default 0).
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// One past the last index (default from + 240, at most from + 2400).
    #[param(minimum = 0)]
    pub to: Option<i64>,
    /// Labels across and down the A4 page (default: the product's template,
    /// else 3 × 8 of 60 × 33 mm).
    pub columns: Option<u32>,
    pub rows: Option<u32>,
    /// Label size in whole millimetres.
    pub label_width_mm: Option<u32>,
    pub label_height_mm: Option<u32>,
    /// Print the product, batch and serial beside each symbol (default true).
    pub text: Option<bool>,
    /// Print even though `public_url` is a loopback or private address.
    pub allow_local_url: Option<bool>,
}

/// A4 label sheets (PDF) for a range of an active batch's codes.
#[utoipa::path(get, path = "/api/v1/batches/{id}/labels", tag = "batches", params(("id" = i64, Path), LabelParams),
    responses((status = 200, description = "application/pdf"), (status = 400, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn labels(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<LabelParams>,
) -> ApiResult<Response> {
    let plan = state.service.code_plan(&by, id).await?;
    state
        .service
        .check_printable(p.allow_local_url.unwrap_or(false))?;
    let from = code_index("from", p.from)?.unwrap_or(0);
    let to = code_index("to", p.to)?
        .unwrap_or(from.saturating_add(240))
        .min(plan.count);
    if from >= to || to - from > 2400 {
        return Err(ApiError::new(
            "bad-request",
            "每次最多 2400 个标签，且 from < to (at most 2400 labels per request, with from < to)",
        ));
    }
    // The product's own layout (G6.2), unless this request overrides it.
    let base = plan.template.clone();
    let overridden = p.columns.is_some()
        || p.rows.is_some()
        || p.label_width_mm.is_some()
        || p.label_height_mm.is_some()
        || p.text.is_some();
    let template = if overridden {
        zhisu_domain::product::LabelLayout {
            columns: p.columns.unwrap_or(base.columns),
            rows: p.rows.unwrap_or(base.rows),
            label_width_mm: p.label_width_mm.unwrap_or(base.label_width_mm as u32),
            label_height_mm: p.label_height_mm.unwrap_or(base.label_height_mm as u32),
            show_text: p.text.unwrap_or(base.show_text),
        }
        .template()
    } else {
        base
    };
    let pdf = tokio::task::spawn_blocking(move || plan.labels_pdf(from, to, &template))
        .await
        .map_err(|e| ApiError::from(zhisu_service::ServiceError::Internal(e.to_string())))??;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// Pack genuine, active codes of your products into a transport package
/// (`sscc`) or under a parent code (`parent_code`, 组合多码). Each code is
/// packed once; the package and its links are one ledgered record.
#[utoipa::path(post, path = "/api/v1/packages", tag = "batches", request_body = zhisu_domain::PackageInput,
    responses((status = 201, body = zhisu_domain::Package), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_package(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<zhisu_domain::PackageInput>,
) -> ApiResult<Response> {
    let view = state.service.create_package(&by, input, ip).await?;
    let mut response = (axum::http::StatusCode::CREATED, Json(view.to_json())).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/packages/{}", view.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// One package with its children.
#[utoipa::path(get, path = "/api/v1/packages/{id}", tag = "batches", params(("id" = i64, Path)),
    responses((status = 200, body = zhisu_domain::Package), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_package(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state
            .service
            .read_record(&by, zhisu_domain::RecordKind::Package, id)
            .await?
            .to_json(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LinksParams {
    /// A code (Digital Link URI) or an SSCC.
    pub code: String,
}

/// What a code is packed in, and what it holds (G6.1.2, both directions).
#[utoipa::path(get, path = "/api/v1/codes/links", tag = "batches", params(LinksParams),
    responses((status = 200, body = zhisu_service::CodeLinks), (status = 422, body = Problem)), security(("api_key" = [])))]
pub async fn links(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<LinksParams>,
) -> ApiResult<Json<zhisu_service::CodeLinks>> {
    Ok(Json(state.service.code_links(&by, &p.code).await?))
}

/// Counterfeit and diversion alerts (G6.1.3, P6.5): a manufacturer sees its
/// own, a regulator those of its region, the platform operator all; a
/// class and days (Beijing time) narrow them to the alerts a statistic
/// counted (issue 18.3).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "scans", params(zhisu_service::AlertQuery),
    responses((status = 200, body = Vec<zhisu_store::Alert>), (status = 401, body = Problem),
        (status = 422, body = Problem)), security(("api_key" = [])))]
pub async fn alerts(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<zhisu_service::AlertQuery>,
) -> ApiResult<Json<Vec<zhisu_store::Alert>>> {
    Ok(Json(state.service.alerts(&by, &p).await?))
}
