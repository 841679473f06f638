//! The review queue (人工核查, V5-manual): the findings a person settles,
//! claimed, assigned, released and decided with a class and a reason.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhisu_domain::review::DecisionInput;
use zhisu_service::QueueCounts;
use zhisu_store::FindingRow;

use crate::auth::{Auth, ClientIp};
use crate::error::ApiPath as Path;
use crate::error::{ApiJson, ApiQuery, ApiResult, Problem};
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// `me` (yours), `none` (no one's), or a reviewer's actor (`user:7`).
    pub assignee: Option<String>,
    /// A rule ID, e.g. `ZV-R-005`.
    pub rule: Option<String>,
    /// `enterprise`, `product`, `batch`, `flow`, …
    pub kind: Option<String>,
    /// A GB/T 2260 region code or its prefix (`44`, `4403`).
    pub region: Option<String>,
    /// Only items waiting past the catalogue's days.
    pub overdue: Option<bool>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<FindingRow>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// How many wait in the caller's jurisdiction: all, no one's, the
    /// caller's, overdue.
    pub counts: QueueCounts,
}

/// The review queue of the caller's jurisdiction: open findings a person
/// settles, not yet decided, most severe and oldest first (regulators).
#[utoipa::path(get, path = "/api/v1/verification/queue", tag = "verification", params(QueueParams),
    responses((status = 200, body = QueuePage), (status = 400, body = Problem), (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn queue(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> ApiResult<Json<QueuePage>> {
    let page = state
        .service
        .review_queue(
            &by,
            zhisu_service::QueueFilter {
                assignee: p.assignee,
                rule: p.rule,
                kind: p.kind,
                region: p.region,
                overdue: p.overdue.unwrap_or(false),
                limit: p.limit.unwrap_or(50),
                offset: p.offset.unwrap_or(0),
            },
        )
        .await?;
    let counts = state.service.queue_counts(&by).await?;
    Ok(Json(QueuePage {
        items: page.items,
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        counts,
    }))
}

/// Take an item no one has in hand.
#[utoipa::path(post, path = "/api/v1/verification/findings/{id}/claim", tag = "verification",
    params(("id" = i64, Path)),
    responses((status = 200, body = FindingRow), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "someone has it, or it is settled")),
    security(("api_key" = [])))]
pub async fn claim(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<FindingRow>> {
    Ok(Json(state.service.claim_finding(&by, id, ip).await?))
}

/// Who an item is given to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// The log-in of a regulator overseeing the item's region.
    pub to: String,
}

/// Give an item to another reviewer of its region.
#[utoipa::path(post, path = "/api/v1/verification/findings/{id}/assign", tag = "verification",
    params(("id" = i64, Path)), request_body = AssignInput,
    responses((status = 200, body = FindingRow), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "it is settled"), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AssignInput>,
) -> ApiResult<Json<FindingRow>> {
    Ok(Json(
        state.service.assign_finding(&by, id, &input.to, ip).await?,
    ))
}

/// Put an item back in no one's hands.
#[utoipa::path(post, path = "/api/v1/verification/findings/{id}/release", tag = "verification",
    params(("id" = i64, Path)),
    responses((status = 200, body = FindingRow), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "it is settled")),
    security(("api_key" = [])))]
pub async fn release(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<FindingRow>> {
    Ok(Json(state.service.release_finding(&by, id, ip).await?))
}

/// Decide an item with a result class and a reason (V6-class): an
/// enterprise awaiting its check is verified (compliant, minor) or not; a
/// submitted batch approved or rejected; a product marked reviewed; a
/// defect dismissed (compliant) or made a case of the class.
#[utoipa::path(post, path = "/api/v1/verification/findings/{id}/decide", tag = "verification",
    params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = FindingRow), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "it is settled"), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<FindingRow>> {
    Ok(Json(
        state.service.decide_finding(&by, id, input, ip).await?,
    ))
}

/// One review record: a decision on a finding, what it was about and what
/// it did (the enterprise concerned, and its regulators).
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "verification", params(("id" = i64, Path)),
    responses((status = 200, body = zhisu_domain::review::Review), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get_review(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<zhisu_service::RecordView>> {
    Ok(Json(
        state
            .service
            .read_record(&by, zhisu_domain::RecordKind::Review, id)
            .await?,
    ))
}
