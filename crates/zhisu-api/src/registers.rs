//! The issuing authorities' registers (issue 17.3): a regulator imports a
//! snapshot of the production licences or CCC certificates issued, which
//! the verification rules check filed numbers against.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use zhisu_service::RegisterSummary;

use crate::auth::{Auth, ClientIp};
use crate::error::{ApiError, ApiResult, Problem};
use crate::AppState;

/// The import form.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the multipart body; read field by field below
pub struct RegisterForm {
    /// `production-licence` or `ccc`.
    kind: String,
    /// CSV (UTF-8 or GBK) or XLSX, at most 10 MiB, with a header row:
    /// 证书编号, 持证人, 统一社会信用代码, 产品范围 (optional), 发证日期,
    /// 有效期至, 证书状态 (有效, 暂停, 撤销 or 过期); English headings
    /// (number, holder_name, uscc, scope, valid_from, valid_to, status)
    /// work too.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Import a register snapshot (regulators and the system administrator):
/// it replaces the one the rules read, as a new version. A file with
/// missing columns, bad rows or duplicate numbers is refused whole
/// (422, naming the rows) and changes nothing.
#[utoipa::path(post, path = "/api/v1/verification/registers", tag = "verification",
    request_body(content = RegisterForm, content_type = "multipart/form-data"),
    responses((status = 201, body = RegisterSummary), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn import(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let mut multipart = multipart?;
    let bad = crate::misc::multipart_error;
    let (mut kind, mut file) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("kind") => kind = Some(field.text().await.map_err(bad)?),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                file = Some((name, field.bytes().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    let (Some(kind), Some((name, bytes))) = (kind, file) else {
        return Err(ApiError::new(
            "bad-request",
            "表单须有 kind 和 file 两个字段 (the form needs the fields 'kind' and 'file')",
        ));
    };
    let summary = state
        .service
        .import_register(&by, &kind, &name, &bytes, ip)
        .await?;
    Ok((StatusCode::CREATED, Json(summary)).into_response())
}

/// The registers imported: the latest of each kind.
#[utoipa::path(get, path = "/api/v1/verification/registers", tag = "verification",
    responses((status = 200, body = [RegisterSummary]), (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<Vec<RegisterSummary>>> {
    Ok(Json(state.service.registers(&by).await?))
}
