//! `/api/v1/statistics/…` (G10.2, P6.7, issue 18): the indicators'
//! glossary, each defined once, that summaries, series and reports count.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use zhisu_domain::statistics::{glossary, IndicatorDef};

use crate::auth::Auth;
use crate::error::{ApiResult, Problem};

#[derive(Serialize, ToSchema)]
pub struct IndicatorGlossary {
    pub version: String,
    pub indicators: Vec<IndicatorDef>,
}

/// Every indicator with its exact definition: what is counted, from which
/// records, and how days are cut (Asia/Shanghai).
#[utoipa::path(get, path = "/api/v1/statistics/indicators", tag = "statistics",
    responses((status = 200, body = IndicatorGlossary), (status = 401, body = Problem)),
    security(("api_key" = [])))]
pub async fn indicators(Auth(_by): Auth) -> ApiResult<Json<IndicatorGlossary>> {
    let g = glossary();
    Ok(Json(IndicatorGlossary {
        version: g.version.clone(),
        indicators: g.indicators.clone(),
    }))
}
