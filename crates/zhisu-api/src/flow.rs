//! Flow records (G5.1-flow, G5.2-flow) and recalls (P6.4).

use crate::error::ApiPath as Path;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use zhisu_domain::flow::{Flow, FlowInput};

use crate::auth::{Auth, ClientIp, MaybeAuth};
use crate::error::{ApiJson, ApiQuery, ApiResult, Problem};
use crate::records::ListParams;
use crate::AppState;

/// Record a sale (`kind: sale`: the buyer's name, address and contact are
/// required unless `counterparty_id` names an enterprise on the platform)
/// or a purchase (`kind: purchase`). Every line is a genuine, active code;
/// an SSCC stands for its contents. A seller sells only codes delivered to
/// it; a purchase is matched against its suppliers' recorded sales
/// (`matched`, `unmatched`). The contact is sealed at rest.
#[utoipa::path(post, path = "/api/v1/flows", tag = "flows", request_body = FlowInput,
    responses((status = 201, body = Flow), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_flow(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<FlowInput>,
) -> ApiResult<Response> {
    let view = state.service.record_flow(&by, input, ip).await?;
    Ok(crate::records::created(view, "flows"))
}

/// Sales and purchases the caller may read (`kind=sale|purchase`).
#[utoipa::path(get, path = "/api/v1/flows", tag = "flows", params(ListParams),
    responses((status = 200, description = "a page of flow records"), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_flows(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let page = state.service.list_flows(&by, &params.into()).await?;
    Ok(crate::records::page(page))
}

/// One flow record, its contact opened for its owner and the competent regulator.
#[utoipa::path(get, path = "/api/v1/flows/{id}", tag = "flows", params(("id" = i64, Path)),
    responses((status = 200, body = Flow), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_flow(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let view = state.service.read_flow(&by, id).await?;
    Ok(Json(state.service.with_retention(view).await?.to_json()))
}

/// Open a recall on batches of one product, a production date range, or
/// single codes (the producer, or a regulator of its region). Every scan of
/// a covered code says "recalled" from this moment.
#[utoipa::path(post, path = "/api/v1/recalls", tag = "flows", request_body = zhisu_domain::recall::RecallInput,
    responses((status = 201, body = zhisu_domain::recall::Recall), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn open_recall(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<zhisu_domain::recall::RecallInput>,
) -> ApiResult<Response> {
    let view = state.service.open_recall(&by, input, ip).await?;
    Ok(crate::records::created(view, "recalls"))
}

/// Recalls the caller may read (`status=open|closed`).
#[utoipa::path(get, path = "/api/v1/recalls", tag = "flows", params(ListParams),
    responses((status = 200, description = "a page of recalls"), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_recalls(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let page = state.service.list_recalls(&by, &params.into()).await?;
    Ok(crate::records::page(page))
}

/// The open recalls whose goods reached you (a holder on the platform) or
/// your jurisdiction: what to hold, and to return to the producer.
#[utoipa::path(get, path = "/api/v1/recall-notices", tag = "flows",
    responses((status = 200, body = Vec<zhisu_service::RecallNotice>), (status = 401, body = Problem)),
    security(("api_key" = [])))]
pub async fn recall_notices(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<Vec<zhisu_service::RecallNotice>>> {
    Ok(Json(state.service.recall_notices(&by).await?))
}

#[utoipa::path(get, path = "/api/v1/recalls/{id}", tag = "flows", params(("id" = i64, Path)),
    responses((status = 200, body = zhisu_domain::recall::Recall), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_recall(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (view, _) = state.service.read_recall(&by, id).await?;
    Ok(Json(state.service.with_retention(view).await?.to_json()))
}

/// Close the recall (`close: true`); its figures — holders told, items
/// returned — are counted from the flow and return records, with the
/// final ones kept. `notified` and `returned` are refused (422).
#[utoipa::path(post, path = "/api/v1/recalls/{id}/progress", tag = "flows", params(("id" = i64, Path)),
    request_body = zhisu_domain::recall::RecallProgress,
    responses((status = 200, body = zhisu_domain::recall::Recall), (status = 409, body = Problem)), security(("api_key" = [])))]
pub async fn recall_progress(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(progress): ApiJson<zhisu_domain::recall::RecallProgress>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state
            .service
            .recall_progress(&by, id, progress, ip)
            .await?
            .to_json(),
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TraceParams {
    /// `json` (default) or `xlsx`.
    pub format: Option<String>,
}

/// Where the recalled goods went: every holder through every recorded sale
/// and purchase, its level in the chain, what it received and sold on, and
/// contacts the caller may see. `format=xlsx` for a spreadsheet.
#[utoipa::path(get, path = "/api/v1/recalls/{id}/trace", tag = "flows", params(("id" = i64, Path), TraceParams),
    responses((status = 200, body = zhisu_service::RecallTrace), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn recall_trace(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<TraceParams>,
) -> ApiResult<Response> {
    match p.format.as_deref() {
        None | Some("json") => Ok(Json(state.service.recall_trace(&by, id).await?).into_response()),
        Some("xlsx") => {
            let bytes = state.service.recall_trace_xlsx(&by, id).await?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"recall-{id}.xlsx\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        Some(other) => Err(crate::error::ApiError::new(
            "bad-request",
            format!("format 只能是 json 或 xlsx (format must be json or xlsx, got {other:?})"),
        )),
    }
}

/// Send feedback on the product behind a code (P7.2). Open to the public
/// (no key: from a consumer); with a key, from that seller or regulator.
/// The contact, if given, is sealed and shown only to the producer and the
/// competent regulator.
#[utoipa::path(post, path = "/api/v1/feedback", tag = "flows", request_body = zhisu_domain::feedback::FeedbackInput,
    responses((status = 201, description = "the feedback's id"), (status = 422, body = Problem)))]
pub async fn send_feedback(
    State(state): State<AppState>,
    MaybeAuth(by): MaybeAuth,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<zhisu_domain::feedback::FeedbackInput>,
) -> ApiResult<Response> {
    let id = state.service.send_feedback(by.as_ref(), input, ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": id, "status": "open" })),
    )
        .into_response())
}

/// Feedback addressed to the caller's enterprise (or, for regulators, their region's).
#[utoipa::path(get, path = "/api/v1/feedback", tag = "flows", params(ListParams),
    responses((status = 200, description = "a page of feedback"), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_feedback(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let page = state
        .service
        .list(&by, zhisu_domain::RecordKind::Feedback, &params.into())
        .await?;
    Ok(crate::records::page(page))
}

#[utoipa::path(get, path = "/api/v1/feedback/{id}", tag = "flows", params(("id" = i64, Path)),
    responses((status = 200, body = zhisu_domain::feedback::Feedback), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_feedback(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let view = state.service.read_feedback(&by, id).await?;
    Ok(Json(state.service.with_retention(view).await?.to_json()))
}

/// The producer answers, and may close (`close: true`).
#[utoipa::path(post, path = "/api/v1/feedback/{id}/answer", tag = "flows", params(("id" = i64, Path)),
    request_body = zhisu_domain::feedback::FeedbackAnswer,
    responses((status = 200, body = zhisu_domain::feedback::Feedback), (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn answer_feedback(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(answer): ApiJson<zhisu_domain::feedback::FeedbackAnswer>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        state
            .service
            .answer_feedback(&by, id, answer, ip)
            .await?
            .to_json(),
    ))
}

/// The live view of production and circulation (P6.3): per product in the
/// caller's scope, the active batches and their items, what the producer
/// shipped, item deliveries between enterprises on the platform, items
/// sold off the platform, alerts and open recalls; and the provinces the
/// goods were delivered to. A seller sees the products it traded, without
/// the producer's own figures.
#[utoipa::path(get, path = "/api/v1/supply", tag = "flows",
    responses((status = 200, body = zhisu_service::SupplyView), (status = 401, body = Problem)),
    security(("api_key" = [])))]
pub async fn supply(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<zhisu_service::SupplyView>> {
    Ok(Json(state.service.supply_view(&by).await?))
}
