//! `/api/v1/verification/sweeps` read back (issue 17.2: each run is
//! recorded — who or what started it, the catalogue version, the time,
//! counts per rule): the list of sweeps and one sweep rule by rule.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhisu_domain::verification::catalogue;
use zhisu_store::SweepRow;

use crate::auth::Auth;
use crate::error::ApiPath as Path;
use crate::error::{ApiQuery, ApiResult, Problem};
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SweepParams {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SweepPage {
    pub items: Vec<SweepRow>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// What one sweep found of one rule.
#[derive(Serialize, ToSchema)]
pub struct SweepRuleView {
    pub rule: String,
    /// `completeness`, `authenticity`, `accuracy` or `timeliness`.
    pub axis: String,
    /// The rule in Chinese, as the catalogue says it.
    pub zh: String,
    /// Findings of the rule the sweep saw (an incremental sweep: among
    /// the records it judged).
    pub seen: i64,
    /// New, or seen again after being resolved.
    pub opened: i64,
    /// Open before, no longer seen.
    pub resolved: i64,
    /// Open in the whole store after the sweep.
    pub open: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SweepDetail {
    pub sweep: SweepRow,
    pub rules: Vec<SweepRuleView>,
}

/// The sweeps run, newest first (regulators and the system administrator).
#[utoipa::path(get, path = "/api/v1/verification/sweeps", tag = "verification", params(SweepParams),
    responses((status = 200, body = SweepPage), (status = 400, body = Problem), (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_sweeps(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<SweepParams>,
) -> ApiResult<Json<SweepPage>> {
    let (limit, offset) = (p.limit.unwrap_or(50), p.offset.unwrap_or(0));
    let (items, total) = state.service.list_sweeps(&by, limit, offset).await?;
    Ok(Json(SweepPage {
        items,
        total,
        limit,
        offset,
    }))
}

/// One sweep and what it found, rule by rule.
#[utoipa::path(get, path = "/api/v1/verification/sweeps/{id}", tag = "verification",
    params(("id" = i64, Path)),
    responses((status = 200, body = SweepDetail), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get_sweep(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<SweepDetail>> {
    let (sweep, counts) = state.service.get_sweep(&by, id).await?;
    let catalogue = catalogue();
    let rules = counts
        .into_iter()
        .map(|c| {
            let rule = catalogue.rule(&c.rule);
            SweepRuleView {
                axis: rule
                    .map(|r| r.axis.as_str().to_string())
                    .unwrap_or_default(),
                zh: rule.map(|r| r.zh.clone()).unwrap_or_default(),
                rule: c.rule,
                seen: c.seen,
                opened: c.opened,
                resolved: c.resolved,
                open: c.open,
            }
        })
        .collect();
    Ok(Json(SweepDetail { sweep, rules }))
}
