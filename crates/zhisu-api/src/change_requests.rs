//! Change requests (P4): a manufacturer asks to change what its issued
//! codes show; a regulator of the product's region decides.

use crate::error::ApiPath as Path;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use zhisu_domain::change_request::{ChangeDecision, ChangeRequest, ChangeRequestInput};

use crate::auth::{Auth, ClientIp};
use crate::error::{ApiJson, ApiQuery, ApiResult, Problem};
use crate::records::ListParams;
use crate::AppState;

/// Ask to change fields the product's issued codes show, with a reason
/// (`changes` is a JSON merge patch of those fields only). One request per
/// product is pending at a time; a regulator of the product's region
/// decides it.
#[utoipa::path(post, path = "/api/v1/products/{id}/change-requests", tag = "products",
    params(("id" = i64, Path)), request_body = ChangeRequestInput,
    responses((status = 201, body = ChangeRequest), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "no code issued yet, or a request is pending"),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn request_change(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ChangeRequestInput>,
) -> ApiResult<Response> {
    let view = state.service.request_change(&by, id, input, ip).await?;
    Ok(crate::records::created(view, "change-requests"))
}

/// Change requests: a manufacturer's own, a regulator's region's
/// (`status=pending` for those to decide), `product_id` for one product's.
#[utoipa::path(get, path = "/api/v1/change-requests", tag = "products", params(ListParams),
    responses((status = 200, description = "a page of change requests"), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_change_requests(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let page = state
        .service
        .list(&by, zhisu_domain::RecordKind::ChangeRequest, &params.into())
        .await?;
    Ok(crate::records::page(page))
}

#[utoipa::path(get, path = "/api/v1/change-requests/{id}", tag = "products", params(("id" = i64, Path)),
    responses((status = 200, body = ChangeRequest), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_change_request(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let view = state
        .service
        .read_record(&by, zhisu_domain::RecordKind::ChangeRequest, id)
        .await?;
    Ok(Json(view.to_json()))
}

/// A regulator of the product's region approves (`approve: true`: the
/// product changes and its scan page says which fields changed and when)
/// or rejects (`approve: false`, with a `note`).
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/decision", tag = "products",
    params(("id" = i64, Path)), request_body = ChangeDecision,
    responses((status = 200, body = ChangeRequest), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "already decided, or the product changed since"),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn decide_change(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(decision): ApiJson<ChangeDecision>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state
            .service
            .decide_change(&by, id, decision, ip)
            .await?
            .to_json(),
    ))
}
