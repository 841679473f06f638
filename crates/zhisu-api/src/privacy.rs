//! Revealing a masked contact (V7): a regulator opens the buyer's contact
//! of a flow, or the sender's of a feedback, with a reason the audit log
//! keeps.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use zhisu_domain::RecordKind;

use crate::auth::{Auth, ClientIp};
use crate::error::ApiPath as Path;
use crate::error::{ApiJson, ApiResult, Problem};
use crate::AppState;

/// Why the contact is needed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealInput {
    /// Required; at most 200 characters. Kept in the audit log.
    pub reason: String,
}

/// The flow with its counterparty's contact in full (regulators: masked
/// until revealed).
#[utoipa::path(post, path = "/api/v1/flows/{id}/reveal", tag = "flows",
    params(("id" = i64, Path)), request_body = RevealInput,
    responses((status = 200, description = "the flow, its contact in full"), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn reveal_flow(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RevealInput>,
) -> ApiResult<Json<zhisu_service::RecordView>> {
    Ok(Json(
        state
            .service
            .reveal_contact(&by, RecordKind::Flow, id, &input.reason, ip)
            .await?,
    ))
}

/// The feedback with its sender's contact in full (regulators: masked
/// until revealed).
#[utoipa::path(post, path = "/api/v1/feedback/{id}/reveal", tag = "feedback",
    params(("id" = i64, Path)), request_body = RevealInput,
    responses((status = 200, description = "the feedback, its contact in full"), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn reveal_feedback(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RevealInput>,
) -> ApiResult<Json<zhisu_service::RecordView>> {
    Ok(Json(
        state
            .service
            .reveal_contact(&by, RecordKind::Feedback, id, &input.reason, ip)
            .await?,
    ))
}
