//! 一键同步录入 (P5.3.2, issue 19.1): a product or batch as the start of a
//! new one, for a client that files the way the page's 复制 does: read
//! the copy, change a few fields, post it.

use crate::error::ApiPath as Path;
use axum::extract::State;
use axum::Json;
use zhisu_domain::batch::BatchInput;
use zhisu_domain::product::ProductInput;
use zhisu_domain::RecordKind;

use crate::auth::Auth;
use crate::error::{ApiResult, Problem};
use crate::AppState;

/// The start of a new product copied from this one: every field but its
/// model, codes, registration numbers and what reviewers set, with
/// `copied_from`. Post it to `/api/v1/products` once its model is filled.
/// Only who may file for the product's maker.
#[utoipa::path(get, path = "/api/v1/products/{id}/copy", tag = "products",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProductInput), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn copy_product(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    copy(&state, &by, RecordKind::Product, id).await
}

/// The start of a new batch copied from this one: every field but its
/// number, production date and what the workflow and reviewers set, with
/// `copied_from`. Post it to `/api/v1/batches` once those are filled.
#[utoipa::path(get, path = "/api/v1/batches/{id}/copy", tag = "batches",
    params(("id" = i64, Path)),
    responses((status = 200, body = BatchInput), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn copy_batch(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    copy(&state, &by, RecordKind::Batch, id).await
}

async fn copy(
    state: &AppState,
    by: &zhisu_domain::Principal,
    kind: RecordKind,
    id: i64,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(state.service.copy_template(by, kind, id).await?))
}
