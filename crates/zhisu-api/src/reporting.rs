//! Periodic quantity reporting (P5.3.3.3, issue 19.5): a product's reports
//! of its periods (exact and daily for 一物一码/组合多码, an estimate by
//! month, quarter or year for 一品一码/一批一码), what it missed, and the
//! inbox its reminders land in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use zhisu_domain::reporting::ReportInput;
use zhisu_service::Reporting;
use zhisu_store::{InboxMessage, QuantityReport};

use crate::auth::{Auth, ClientIp};
use crate::error::{ApiJson, ApiPath as Path, ApiResult, Problem};
use crate::AppState;

/// A product's reporting: its cadence (`daily` for 一物一码/组合多码;
/// `monthly`, `quarterly` — the default — or `yearly` for the others, as
/// the product's `reporting_cadence` says), whether its quantity is exact,
/// the latest periods it owes and has not reported, and its reports.
#[utoipa::path(get, path = "/api/v1/products/{id}/reports", tag = "products",
    params(("id" = i64, Path)),
    responses((status = 200, body = Reporting), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn product_reporting(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Reporting>> {
    Ok(Json(state.service.reporting(&by, id).await?))
}

/// Report a product's quantity for a period (P5.3.3.3): `period` of the
/// product's cadence (`2026-12-07`, `2026-12`, `2026-Q4` or `2026`), not
/// one to come; `quantity` exact and required for 一物一码/组合多码 (0:
/// nothing made), an estimate that may be left out for the others. A
/// period reported again is corrected. 422 names each wrong field.
#[utoipa::path(post, path = "/api/v1/products/{id}/reports", tag = "products",
    params(("id" = i64, Path)), request_body = ReportInput,
    responses((status = 201, body = QuantityReport), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn report_quantity(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<Response> {
    let report = state.service.report_quantity(&by, id, &input, ip).await?;
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

/// The caller's inbox (站内消息), newest first: an enterprise's reminders
/// of reports missed, or for a regulator the runs of misses in its
/// jurisdiction.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox",
    responses((status = 200, body = [InboxMessage]), (status = 401, body = Problem),
        (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn inbox(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<Vec<InboxMessage>>> {
    Ok(Json(state.service.inbox(&by).await?))
}

/// Mark one of the caller's messages read.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "inbox",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn read_message(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.service.read_inbox(&by, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
