//! `/api/v1/statistics/…` (G10.2, P6.7, issue 18): the indicators'
//! glossary, each defined once, that summaries, series and reports count;
//! the summary of a period and an indicator's series (issue 18.6), where
//! the goods sold went (P6.7), and the monthly or quarterly report (issue
//! 18.5).

use crate::error::ApiPath as Path;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhisu_domain::statistics::{glossary, IndicatorDef};
use zhisu_service::{
    Composition, MarketView, RegionBreakdown, ReportRequest, Series, StatRequest, Summary,
};

use crate::auth::Auth;
use crate::error::{ApiQuery, ApiResult, Problem};
use crate::AppState;

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

/// `GET /api/v1/statistics/series`: the period and places of a summary,
/// and which indicator, cut how.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SeriesParams {
    /// An indicator ID from `/api/v1/statistics/indicators`.
    pub indicator: String,
    /// `day`, `week` (Monday first) or `month`; `day` if absent.
    pub by: Option<String>,
    /// The anomaly band's width in MADs (0.5–10; 3 if absent).
    pub k: Option<f64>,
    /// First day, `YYYY-MM-DD` (Asia/Shanghai).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// A GB/T 2260 code inside the reader's jurisdiction.
    pub region: Option<String>,
    pub category: Option<String>,
    pub enterprise_id: Option<i64>,
}

/// The summary indicators over a period (the 30 days to today if neither
/// `from` nor `to` is given), each with the period before's figure, for
/// the places the caller may read: a regulator its jurisdiction, an
/// enterprise its own products, the platform admin everything.
#[utoipa::path(get, path = "/api/v1/statistics/summary", tag = "statistics", params(StatRequest),
    responses((status = 200, body = Summary), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn statistics_summary(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(q): ApiQuery<StatRequest>,
) -> ApiResult<Json<Summary>> {
    Ok(Json(state.service.statistics_summary(&by, &q).await?))
}

/// Where the goods sold by the caller's enterprises went (P6.7 market
/// research): quantities by the buyer's province and by buyer, with the
/// period before's; an enterprise reading its own figures sees its
/// distributors first, with the diversion alerts on goods shipped to each.
#[utoipa::path(get, path = "/api/v1/statistics/market", tag = "statistics", params(StatRequest),
    responses((status = 200, body = MarketView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn statistics_market(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(q): ApiQuery<StatRequest>,
) -> ApiResult<Json<MarketView>> {
    Ok(Json(state.service.statistics_market(&by, &q).await?))
}

/// One indicator as a series by day, week or month; each point is flagged
/// when it leaves the band of median ± k·MAD of the points before it.
#[utoipa::path(get, path = "/api/v1/statistics/series", tag = "statistics", params(SeriesParams),
    responses((status = 200, body = Series), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn statistics_series(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<SeriesParams>,
) -> ApiResult<Json<Series>> {
    let req = StatRequest {
        from: p.from,
        to: p.to,
        region: p.region,
        category: p.category,
        enterprise_id: p.enterprise_id,
    };
    let by_grain = p.by.as_deref().unwrap_or("day");
    Ok(Json(
        state
            .service
            .statistics_series(&by, &req, &p.indicator, by_grain, p.k)
            .await?,
    ))
}

/// `GET /api/v1/statistics/breakdown`: which indicator, over which period
/// and places.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BreakdownParams {
    /// An indicator ID from `/api/v1/statistics/indicators`.
    pub indicator: String,
    /// First day, `YYYY-MM-DD` (Asia/Shanghai).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// A GB/T 2260 code inside the reader's jurisdiction: its cities (or
    /// districts) are listed.
    pub region: Option<String>,
    pub category: Option<String>,
}

/// An indicator over a period by the regions one level below the places
/// read — the platform by province, a province by city, a city by
/// district — largest first (regulators and the platform's administrators).
#[utoipa::path(get, path = "/api/v1/statistics/breakdown", tag = "statistics", params(BreakdownParams),
    responses((status = 200, body = RegionBreakdown), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn statistics_breakdown(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<BreakdownParams>,
) -> ApiResult<Json<RegionBreakdown>> {
    let req = StatRequest {
        from: p.from,
        to: p.to,
        region: p.region,
        category: p.category,
        enterprise_id: None,
    };
    Ok(Json(
        state
            .service
            .statistics_breakdown(&by, &req, &p.indicator)
            .await?,
    ))
}

/// `GET /api/v1/statistics/composition`: which indicator, split by what,
/// over which period and places.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CompositionParams {
    /// An indicator ID from `/api/v1/statistics/indicators`.
    pub indicator: String,
    /// One of the indicator's breakdowns other than by region:
    /// `category`, `status` (batches), `enterprise_kind` (enterprises),
    /// `level` or `scheme` (codes issued).
    pub by: String,
    /// First day, `YYYY-MM-DD` (Asia/Shanghai).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// A GB/T 2260 code inside the reader's jurisdiction.
    pub region: Option<String>,
    pub category: Option<String>,
    /// One enterprise the reader may read.
    pub enterprise_id: Option<i64>,
}

/// An indicator over a period split by status, enterprise kind, trace
/// level, code scheme or product category — batches by status, codes
/// issued by level and scheme, what each category holds — scoped to the
/// reader like every statistic; a split the indicator has not is 422
/// naming `by` and listing those it has.
#[utoipa::path(get, path = "/api/v1/statistics/composition", tag = "statistics", params(CompositionParams),
    responses((status = 200, body = Composition), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn statistics_composition(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<CompositionParams>,
) -> ApiResult<Json<Composition>> {
    let req = StatRequest {
        from: p.from,
        to: p.to,
        region: p.region,
        category: p.category,
        enterprise_id: p.enterprise_id,
    };
    Ok(Json(
        state
            .service
            .statistics_composition(&by, &req, &p.indicator, &p.by)
            .await?,
    ))
}

/// A report as a download.
fn attachment(file: zhisu_service::ReportFile) -> Response {
    (
        [
            (header::CONTENT_TYPE, file.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name),
            ),
        ],
        file.bytes,
    )
        .into_response()
}

/// A monthly (`period=2026-11`) or quarterly (`period=2026-Q4`) report of
/// the caller's figures — summary beside the period before, the scan trend
/// with its anomalies, the regions (regulators and the platform), every
/// anomaly of the period, the indicators' definitions — as a PDF with
/// charts and embedded Chinese text, or an XLSX workbook of one sheet per
/// table (`format=xlsx`).
#[utoipa::path(get, path = "/api/v1/statistics/report", tag = "statistics", params(ReportRequest),
    responses(
        (status = 200, description = "application/pdf, or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet for format=xlsx"),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn statistics_report(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(q): ApiQuery<ReportRequest>,
) -> ApiResult<Response> {
    let file = state.service.statistics_report(&by, &q, |_| {}).await?;
    Ok(attachment(file))
}

/// The reports made for the caller's scope on the schedule (last month's
/// and last quarter's, PDF and XLSX, every day from 03:30 Beijing time):
/// a regulator's jurisdiction's or the platform's, newest period first.
#[utoipa::path(get, path = "/api/v1/statistics/reports", tag = "statistics",
    responses((status = 200, body = Vec<zhisu_store::ReportFileMeta>), (status = 401, body = Problem),
        (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn scheduled_reports(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<Vec<zhisu_store::ReportFileMeta>>> {
    Ok(Json(state.service.scheduled_reports(&by).await?))
}

/// One report made on the schedule, as the file (404 unless it is of the
/// caller's scope).
#[utoipa::path(get, path = "/api/v1/statistics/reports/{id}", tag = "statistics", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "application/pdf, or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn scheduled_report(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let file = state.service.scheduled_report(&by, id).await?;
    Ok(attachment(file))
}

/// `GET /api/v1/statistics/anomalies`: the period and places of a
/// summary, cut how.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnomalyParams {
    /// `day`, `week` (Monday first) or `month`; `day` if absent.
    pub by: Option<String>,
    /// The anomaly band's width in MADs (0.5–10; 3 if absent).
    pub k: Option<f64>,
    /// First day, `YYYY-MM-DD` (Asia/Shanghai).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// A GB/T 2260 code inside the reader's jurisdiction.
    pub region: Option<String>,
    pub category: Option<String>,
    pub enterprise_id: Option<i64>,
}

/// Every point of the summary's flows (codes issued, scans, codes scanned,
/// counterfeit and diversion alerts) over the period that left the band of
/// the points before it, oldest first; an alert's carries the class to
/// list the alerts behind it by (`/api/v1/alerts?class=…&from=…&to=…`).
#[utoipa::path(get, path = "/api/v1/statistics/anomalies", tag = "statistics", params(AnomalyParams),
    responses((status = 200, body = zhisu_service::AnomalyList), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn statistics_anomalies(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<AnomalyParams>,
) -> ApiResult<Json<zhisu_service::AnomalyList>> {
    let req = StatRequest {
        from: p.from,
        to: p.to,
        region: p.region,
        category: p.category,
        enterprise_id: p.enterprise_id,
    };
    let grain = p.by.as_deref().unwrap_or("day");
    Ok(Json(
        state
            .service
            .statistics_anomalies(&by, &req, grain, p.k)
            .await?,
    ))
}
