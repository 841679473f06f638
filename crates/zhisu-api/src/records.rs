//! `/api/v1/enterprises`, `/api/v1/products`, `/api/v1/batches`: create,
//! list (paginated, filterable), read, amend (a new version), history.

use crate::error::ApiPath as Path;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use zhisu_domain::enterprise::EnterpriseInput;
use zhisu_domain::{Batch, BatchInput, Enterprise, Product, ProductInput, RecordKind};
use zhisu_service::{ListFilter, RecordView};

use crate::auth::{Auth, ClientIp};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, Problem};
use crate::AppState;

/// What every stored record version carries besides its fields.
#[derive(Serialize, ToSchema)]
pub struct RecordMeta {
    pub id: i64,
    /// Starts at 1; each change adds one.
    pub version: i64,
    pub enterprise_id: i64,
    pub created_at: String,
    /// When this version was stored (RFC 3339, UTC).
    pub updated_at: String,
    /// `user:{id}` or `key:{id}`.
    pub updated_by: String,
    /// This version's leaf in the tamper-evident ledger.
    pub leaf_index: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EnterpriseRecord {
    #[serde(flatten)]
    pub meta: RecordMeta,
    #[serde(flatten)]
    pub data: Enterprise,
}

#[derive(Serialize, ToSchema)]
pub struct ProductRecord {
    #[serde(flatten)]
    pub meta: RecordMeta,
    #[serde(flatten)]
    pub data: Product,
}

#[derive(Serialize, ToSchema)]
pub struct BatchRecord {
    #[serde(flatten)]
    pub meta: RecordMeta,
    #[serde(flatten)]
    pub data: Batch,
}

#[derive(Serialize, ToSchema)]
pub struct EnterprisePage {
    pub items: Vec<EnterpriseRecord>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ProductPage {
    pub items: Vec<ProductRecord>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BatchPage {
    pub items: Vec<BatchRecord>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Query parameters of the list endpoints.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only this enterprise's rows.
    pub enterprise_id: Option<i64>,
    /// Batches: only this product's.
    pub product_id: Option<i64>,
    /// Enterprises: `manufacturer` or `seller`.
    pub kind: Option<String>,
    /// Products: a category code.
    pub category: Option<String>,
    /// Batches: `draft`, `submitted`, `approved`, `rejected`, `active`.
    pub status: Option<String>,
    /// Region-code prefix, e.g. `44` or `4403`.
    pub region_code: Option<String>,
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
    /// 1-500, default 50.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl From<ListParams> for ListFilter {
    fn from(p: ListParams) -> Self {
        ListFilter {
            enterprise_id: p.enterprise_id,
            product_id: p.product_id,
            kind: p.kind,
            category: p.category,
            status: p.status,
            region_code: p.region_code,
            q: p.q,
            limit: p.limit,
            offset: p.offset,
        }
    }
}

/// The version as an ETag: `"v3"`.
fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("ascii")
}

/// Reads `If-Match: "v3"` (or `3`) as the expected version.
fn if_match(headers: &HeaderMap) -> ApiResult<Option<i64>> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .unwrap_or("")
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    let number = text.strip_prefix('v').unwrap_or(text);
    number
        .parse()
        .map(Some)
        .map_err(|_| ApiError::new("bad-request", format!("If-Match 应为版本号，如 \"v3\" (If-Match must name a version such as \"v3\", found {text:?})")))
}

fn one(view: RecordView) -> Response {
    let mut response = Json(view.to_json()).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(view.version));
    response
}

/// 201 with the record, its ETag and its Location.
pub(crate) fn created(view: RecordView, collection: &str) -> Response {
    let mut response = (StatusCode::CREATED, Json(view.to_json())).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(view.version));
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/{collection}/{}", view.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A page of records as JSON: items, total, limit, offset.
pub(crate) fn page(page: zhisu_store::Page<RecordView>) -> Response {
    Json(serde_json::json!({
        "items": page.items.iter().map(RecordView::to_json).collect::<Vec<_>>(),
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }))
    .into_response()
}

fn history(versions: Vec<RecordView>) -> Response {
    Json(versions.iter().map(RecordView::to_json).collect::<Vec<_>>()).into_response()
}

/// Generates list, read and history handlers for one record kind.
macro_rules! read_handlers {
    ($kind:expr, $tag:tt, $collection:tt, $one_path:tt, $history_path:tt, $list:ident, $get:ident, $history:ident, $record:ty, $page:ty) => {
        #[utoipa::path(get, path = $collection, tag = $tag, params(ListParams),
            responses((status = 200, body = $page), (status = 400, body = Problem), (status = 401, body = Problem)),
            security(("api_key" = [])))]
        pub async fn $list(State(state): State<AppState>, Auth(by): Auth, ApiQuery(params): ApiQuery<ListParams>) -> ApiResult<Response> {
            Ok(page(state.service.list(&by, $kind, &params.into()).await?))
        }

        #[utoipa::path(get, path = $one_path, tag = $tag, params(("id" = i64, Path)),
            responses((status = 200, body = $record, headers(("ETag" = String, description = "the version, e.g. \"v3\""))),
                (status = 404, body = Problem)),
            security(("api_key" = [])))]
        pub async fn $get(State(state): State<AppState>, Auth(by): Auth, Path(id): Path<i64>) -> ApiResult<Response> {
            let view = state.service.read_record(&by, $kind, id).await?;
            Ok(one(state.service.with_retention(view).await?))
        }

        #[utoipa::path(get, path = $history_path, tag = $tag, params(("id" = i64, Path)),
            responses((status = 200, description = "every version, oldest first", body = Vec<$record>), (status = 404, body = Problem)),
            security(("api_key" = [])))]
        pub async fn $history(State(state): State<AppState>, Auth(by): Auth, Path(id): Path<i64>) -> ApiResult<Response> {
            Ok(history(state.service.history(&by, $kind, id).await?))
        }
    };
}

read_handlers!(
    RecordKind::Enterprise,
    "enterprises",
    "/api/v1/enterprises",
    "/api/v1/enterprises/{id}",
    "/api/v1/enterprises/{id}/history",
    list_enterprises,
    get_enterprise,
    enterprise_history,
    EnterpriseRecord,
    EnterprisePage
);
read_handlers!(
    RecordKind::Product,
    "products",
    "/api/v1/products",
    "/api/v1/products/{id}",
    "/api/v1/products/{id}/history",
    list_products,
    get_product,
    product_history,
    ProductRecord,
    ProductPage
);
read_handlers!(
    RecordKind::Batch,
    "batches",
    "/api/v1/batches",
    "/api/v1/batches/{id}",
    "/api/v1/batches/{id}/history",
    list_batches,
    get_batch,
    batch_history,
    BatchRecord,
    BatchPage
);

/// File an enterprise directly (platform admins; others register in the page).
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "enterprises", request_body = EnterpriseInput,
    responses((status = 201, body = EnterpriseRecord), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_enterprise(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> ApiResult<Response> {
    Ok(created(
        state.service.create_enterprise(&by, input, ip).await?,
        "enterprises",
    ))
}

/// Amend an enterprise with a JSON merge patch (RFC 7396); stores a new version.
#[utoipa::path(patch, path = "/api/v1/enterprises/{id}", tag = "enterprises", params(("id" = i64, Path)),
    request_body(content = Object, description = "JSON merge patch of the enterprise's fields"),
    responses((status = 200, body = EnterpriseRecord), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn patch_enterprise(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    Ok(one(state
        .service
        .update_enterprise(&by, id, &patch, if_match(&headers)?, ip)
        .await?))
}

/// File a product (manufacturer roles).
#[utoipa::path(post, path = "/api/v1/products", tag = "products", request_body = ProductInput,
    responses((status = 201, body = ProductRecord), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_product(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<ProductInput>,
) -> ApiResult<Response> {
    Ok(created(
        state.service.create_product(&by, input, ip).await?,
        "products",
    ))
}

/// Amend a product with a JSON merge patch; stores a new version. Once a
/// batch is active, the fields its codes show (product name, type, model,
/// warranty, standards, licence and CCC numbers, instructions) are refused
/// here (422, `change-request`): they change only by a change request (P4).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", params(("id" = i64, Path)),
    request_body(content = Object, description = "JSON merge patch of the product's fields"),
    responses((status = 200, body = ProductRecord), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn patch_product(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    Ok(one(state
        .service
        .update_product(&by, id, &patch, if_match(&headers)?, ip)
        .await?))
}

/// File a batch of a product.
#[utoipa::path(post, path = "/api/v1/batches", tag = "batches", request_body = BatchInput,
    responses((status = 201, body = BatchRecord), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_batch(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<BatchInput>,
) -> ApiResult<Response> {
    Ok(created(
        state.service.create_batch(&by, input, ip).await?,
        "batches",
    ))
}

/// Amend a batch with a JSON merge patch; stores a new version.
#[utoipa::path(patch, path = "/api/v1/batches/{id}", tag = "batches", params(("id" = i64, Path)),
    request_body(content = Object, description = "JSON merge patch of the batch's fields"),
    responses((status = 200, body = BatchRecord), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn patch_batch(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    Ok(one(state
        .service
        .update_batch(&by, id, &patch, if_match(&headers)?, ip)
        .await?))
}
