//! A production run over days (P5.3.3.3, issue 19.2): an active 一物一码 or
//! 组合多码 batch reports each later day's exact quantity and gets that
//! day's codes, the next of its numbering.

use crate::error::ApiPath as Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use zhisu_domain::production_days::DayInput;

use crate::auth::{Auth, ClientIp};
use crate::error::{ApiJson, ApiResult, Problem};
use crate::AppState;

/// A day reported: its quantity, the range of its codes, where to get them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DayReported {
    /// `YYYY-MM-DD`
    pub day: String,
    pub quantity: u64,
    /// The day's codes are indexes `first_index .. first_index + quantity`.
    pub first_index: u64,
    /// The batch's quantity now: the first day's and every day reported.
    pub batch_quantity: u64,
    /// The batch's version after the report (its ETag's number).
    pub version: i64,
    /// The day's codes, one per line.
    pub codes: String,
}

/// Report one day's exact quantity of an active 一物一码 or 组合多码
/// batch (P5.3.3.3): the batch's quantity grows by it and the day's codes
/// are the next indexes of its numbering (never a code twice). The filed
/// quantity is the production date's; each later day is reported once.
/// Another trace level, or a batch not active: 409; a day in the future,
/// before the production date or malformed, a quantity missing, 0 or
/// above 10,000,000: 422 naming the field.
#[utoipa::path(post, path = "/api/v1/batches/{id}/days", tag = "batches",
    params(("id" = i64, Path)), request_body = DayInput,
    responses((status = 201, body = DayReported), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn report_day(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DayInput>,
) -> ApiResult<Response> {
    let (view, day) = state
        .service
        .report_production_day(&by, id, &input, ip)
        .await?;
    let to = day.first_index + day.quantity;
    let body = DayReported {
        day: day.day.to_string(),
        quantity: day.quantity,
        first_index: day.first_index,
        // The day's codes are the last of the batch: its quantity ends them.
        batch_quantity: to,
        version: view.version,
        codes: format!(
            "/api/v1/batches/{id}/codes?format=txt&from={}&to={to}",
            day.first_index
        ),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
