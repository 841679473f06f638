//! A regulator checks who an enterprise is (issue 16.11): until then its
//! codes scan as "not yet verified", never as genuine.

use crate::error::ApiPath as Path;
use axum::extract::State;
use axum::Json;
use zhisu_domain::identity_check::IdentityDecision;

use crate::auth::{Auth, ClientIp};
use crate::error::{ApiJson, ApiResult, Problem};
use crate::records::EnterpriseRecord;
use crate::AppState;

/// Record a regulator's check of an enterprise: `verified: true` (its codes
/// scan as genuine from now on), or `false` with a `note` saying why. A
/// regulator overseeing the enterprise, or the platform admin; the
/// enterprise's record gets a new version with the check, and a later
/// change of its name, address, region or licence lets the check lapse.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/identity-check", tag = "enterprises",
    params(("id" = i64, Path)), request_body = IdentityDecision,
    responses((status = 200, body = EnterpriseRecord), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn check_identity(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(decision): ApiJson<IdentityDecision>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state
            .service
            .check_identity(&by, id, &decision, ip)
            .await?
            .to_json(),
    ))
}
