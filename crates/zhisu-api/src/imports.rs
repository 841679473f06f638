//! Import templates (issue 19.3, 工具包导入): each kind's spreadsheet to
//! fill in, as XLSX or CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use zhisu_service::TemplateFormat;

use crate::auth::Auth;
use crate::error::{ApiError, ApiPath as Path, ApiQuery, ApiResult, Problem};
use crate::AppState;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TemplateParams {
    /// `xlsx` (default) or `csv` (UTF-8 with a byte-order mark).
    pub format: Option<String>,
}

/// The template of an import: `products`, `batches`, `sales`, `purchases`
/// or `quantities`. Its first row names each column in Chinese, its second
/// holds the API's field names (what the importer reads), its third an
/// example; the XLSX has drop-downs for categories, trace levels and code
/// schemes and a sheet explaining every column.
#[utoipa::path(get, path = "/api/v1/imports/templates/{kind}", tag = "imports",
    params(("kind" = String, Path, description = "products, batches, sales, purchases or quantities"), TemplateParams),
    responses((status = 200, description = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, or text/csv for format=csv"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn template(
    State(_state): State<AppState>,
    Auth(_by): Auth,
    Path(kind): Path<String>,
    ApiQuery(p): ApiQuery<TemplateParams>,
) -> ApiResult<Response> {
    let format = match p.format.as_deref() {
        None => TemplateFormat::Xlsx,
        Some(f) => TemplateFormat::parse(f).ok_or_else(|| {
            ApiError::new(
                "bad-request",
                format!("format 只能是 xlsx 或 csv (format must be xlsx or csv, got {f:?})"),
            )
        })?,
    };
    let bytes = zhisu_service::import_template(&kind, format)?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", format.file_name(&kind)),
            ),
        ],
        bytes,
    )
        .into_response())
}
