//! `/api/v1/me`, `/api/v1/api-keys`, `/api/v1/users`, `/api/v1/audit`.

use crate::error::ApiPath as Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhisu_domain::Role;
use zhisu_store::{ApiKey, AuditQuery, AuditRecord};

use crate::auth::{Auth, ClientIp};
use crate::error::{ApiJson, ApiQuery, ApiResult, Problem};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub actor: String,
    pub display_name: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub jurisdiction: Vec<String>,
}

/// Who the API key acts as.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = Problem)), security(("api_key" = [])))]
pub async fn me(Auth(by): Auth) -> Json<Me> {
    Json(Me {
        actor: by.actor,
        display_name: by.display_name,
        role: by.role,
        enterprise_id: by.enterprise_id,
        jurisdiction: by.jurisdiction.iter().map(|j| j.to_string()).collect(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyRequest {
    #[serde(default)]
    pub label: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    #[serde(default)]
    pub jurisdiction: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedKey {
    /// The secret: shown once, stored only as a hash.
    pub key: String,
    #[serde(flatten)]
    pub info: ApiKey,
}

/// Create an API key for your own enterprise (platform admins: any).
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "accounts", request_body = NewKeyRequest,
    responses((status = 201, body = CreatedKey), (status = 403, body = Problem), (status = 422, body = Problem)), security(("api_key" = [])))]
pub async fn create_key(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(req): ApiJson<NewKeyRequest>,
) -> ApiResult<Response> {
    let enterprise_id = req.enterprise_id.or(by.enterprise_id);
    let created = state
        .service
        .create_api_key(
            Some(&by),
            &req.label,
            req.role,
            enterprise_id,
            &req.jurisdiction,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            key: created.key,
            info: created.info,
        }),
    )
        .into_response())
}

/// The API keys you manage (their secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "accounts", responses((status = 200, body = Vec<ApiKey>)), security(("api_key" = [])))]
pub async fn list_keys(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<Vec<ApiKey>>> {
    Ok(Json(state.service.list_api_keys(&by).await?))
}

/// Revoke an API key.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)), security(("api_key" = [])))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.service.revoke_api_key(&by, id, ip).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub login: String,
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    /// Regulators: region codes overseen, e.g. `["440000"]`.
    #[serde(default)]
    pub jurisdiction: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    pub id: i64,
    pub login: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub jurisdiction: Vec<String>,
}

/// Create an account: operators of your own enterprise; platform admins: any role.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewUserRequest,
    responses((status = 201, body = CreatedUser), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> ApiResult<Response> {
    let enterprise_id = req.enterprise_id.or(if req.role.needs_enterprise() {
        by.enterprise_id
    } else {
        None
    });
    let user = state
        .service
        .create_user(
            Some(&by),
            zhisu_service::NewAccount::new(&req.login, &req.password, &req.display_name, req.role)
                .enterprise(enterprise_id)
                .jurisdiction(&req.jurisdiction),
        )
        .await?;
    let body = CreatedUser {
        id: user.id,
        login: user.login,
        role: user.role,
        enterprise_id: user.enterprise_id,
        jurisdiction: user.jurisdiction,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    pub enterprise_id: Option<i64>,
    /// `user:3`, `key:5`, …
    pub actor: Option<String>,
    /// Prefix of the action, e.g. `product.` or `api GET`.
    pub action: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// The audit log: every change and every access to private data.
#[utoipa::path(get, path = "/api/v1/audit", tag = "accounts", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem)), security(("api_key" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditPage>> {
    let query = AuditQuery {
        target: None,
        enterprise_id: p.enterprise_id,
        actor: p.actor,
        action: p.action,
        limit: p.limit.unwrap_or(100),
        offset: p.offset.unwrap_or(0),
    };
    let page = state.service.list_audit(&by, query).await?;
    Ok(Json(AuditPage {
        items: page.items,
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}
