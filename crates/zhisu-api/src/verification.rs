//! `/api/v1/verification/…`: the rules catalogue, sweeps and findings of
//! data verification (V4, V5-auto, issue 17).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhisu_store::{FindingRow, SweepRow};

use crate::auth::Auth;
use crate::error::{ApiJson, ApiQuery, ApiResult, Problem};
use crate::AppState;

/// One rule of the catalogue.
#[derive(Serialize, ToSchema)]
pub struct RuleView {
    /// Stable, never reused: `ZV-C-001`.
    pub id: String,
    /// `completeness`, `authenticity`, `accuracy` or `timeliness`.
    pub axis: String,
    pub kinds: Vec<String>,
    /// `info`, `minor`, `major` or `critical`.
    pub severity: String,
    /// The class a finding proposes: `compliant`, `minor`, `non-compliant`, `serious`.
    pub class: String,
    /// The clause it enforces (REQUIREMENTS.md).
    pub clause: String,
    /// `system`, `person` or `site`.
    pub settle: String,
    pub zh: String,
    pub en: String,
    pub retired: bool,
    /// Whether this deployment runs it (`verification_off` in the settings).
    pub in_force: bool,
    /// Its thresholds as this deployment runs it (the catalogue's defaults,
    /// or `verification_thresholds` in the settings).
    pub thresholds: std::collections::BTreeMap<String, f64>,
}

#[derive(Serialize, ToSchema)]
pub struct Catalogue {
    pub version: String,
    pub rules: Vec<RuleView>,
}

/// The verification rules in force.
#[utoipa::path(get, path = "/api/v1/verification/rules", tag = "verification",
    responses((status = 200, body = Catalogue)), security(("api_key" = [])))]
pub async fn rules(State(state): State<AppState>, Auth(_by): Auth) -> Json<Catalogue> {
    let c = zhisu_domain::verification::catalogue();
    let off = &state.service.settings.verification_off;
    Json(Catalogue {
        version: c.version.clone(),
        rules: c
            .rules
            .iter()
            .map(|r| RuleView {
                id: r.id.clone(),
                axis: r.axis.as_str().into(),
                kinds: r.kinds.clone(),
                severity: r.severity.as_str().into(),
                class: c.class_of(r.severity).as_str().into(),
                clause: r.clause.clone(),
                settle: r.settle.clone(),
                zh: r.zh.clone(),
                en: r.en.clone(),
                retired: r.retired,
                in_force: !r.retired && !off.contains(&r.id),
                thresholds: r
                    .thresholds
                    .iter()
                    .map(|(name, default)| {
                        let set = state
                            .service
                            .settings
                            .verification_thresholds
                            .get(&format!("{}.{name}", r.id));
                        (name.clone(), *set.unwrap_or(default))
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// What a sweep is asked to do.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepInput {
    /// Read every record. Without it a sweep reads only what changed since
    /// the last sweep (and the records that share a key with it) when a
    /// full sweep ran today under the same rules and settings.
    #[serde(default)]
    pub full: bool,
}

/// Run a sweep now: every rule over the stored records, incremental when
/// it may be (regulators and the system administrator).
#[utoipa::path(post, path = "/api/v1/verification/sweeps", tag = "verification",
    request_body = Option<SweepInput>,
    responses((status = 201, body = SweepRow), (status = 400, body = Problem), (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn sweep(
    State(state): State<AppState>,
    Auth(by): Auth,
    body: Option<ApiJson<SweepInput>>,
) -> ApiResult<Response> {
    let input = body.map(|b| b.0).unwrap_or_default();
    let mode = if input.full {
        zhisu_service::SweepMode::Full
    } else {
        zhisu_service::SweepMode::Auto
    };
    let sweep = state.service.run_sweep(Some(&by), mode, |_| {}).await?;
    Ok((StatusCode::CREATED, Json(sweep)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingParams {
    /// A rule ID, e.g. `ZV-A-001`.
    pub rule: Option<String>,
    /// `completeness`, `authenticity`, `accuracy` or `timeliness`.
    pub axis: Option<String>,
    /// `enterprise`, `product`, `batch`, `flow`, …
    pub kind: Option<String>,
    /// The record's ID (with `kind`).
    pub record_id: Option<i64>,
    /// One enterprise's findings.
    pub enterprise_id: Option<i64>,
    /// `open` (default) or `resolved`.
    pub status: Option<String>,
    /// A GB/T 2260 region code or its prefix (`44`, `4403`).
    pub region: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FindingPage {
    pub items: Vec<FindingRow>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Findings the caller may see (its own enterprise's, or its
/// jurisdiction's), most severe and oldest first.
#[utoipa::path(get, path = "/api/v1/verification/findings", tag = "verification", params(FindingParams),
    responses((status = 200, body = FindingPage), (status = 400, body = Problem)), security(("api_key" = [])))]
pub async fn findings(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(p): ApiQuery<FindingParams>,
) -> ApiResult<Json<FindingPage>> {
    let page = state
        .service
        .list_findings(
            &by,
            zhisu_service::FindingFilter {
                rule: p.rule,
                axis: p.axis,
                kind: p.kind,
                record_id: p.record_id,
                enterprise_id: p.enterprise_id,
                status: Some(p.status.unwrap_or_else(|| "open".into())),
                region: p.region,
                limit: p.limit.unwrap_or(50),
                offset: p.offset.unwrap_or(0),
            },
        )
        .await?;
    Ok(Json(FindingPage {
        items: page.items,
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// The findings list's filters, for an export (every row, no paging).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// A rule ID, e.g. `ZV-A-001`.
    pub rule: Option<String>,
    /// `completeness`, `authenticity`, `accuracy` or `timeliness`.
    pub axis: Option<String>,
    /// `enterprise`, `product`, `batch`, `flow`, …
    pub kind: Option<String>,
    /// The record's ID (with `kind`).
    pub record_id: Option<i64>,
    /// One enterprise's findings.
    pub enterprise_id: Option<i64>,
    /// `open` (default) or `resolved`.
    pub status: Option<String>,
    /// A GB/T 2260 region code or its prefix (`44`, `4403`).
    pub region: Option<String>,
}

/// The findings the caller may see under the same filters, as a CSV for
/// Excel (UTF-8 with a byte-order mark), opening with who exported it and
/// when; at most 50,000 rows. Logged.
#[utoipa::path(get, path = "/api/v1/verification/findings/export", tag = "verification", params(ExportParams),
    responses((status = 200, description = "text/csv: the findings, with the exporter and the time"),
        (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn export_findings(
    State(state): State<AppState>,
    Auth(by): Auth,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let (name, bytes) = state
        .service
        .export_findings(
            &by,
            zhisu_service::FindingFilter {
                rule: p.rule,
                axis: p.axis,
                kind: p.kind,
                record_id: p.record_id,
                enterprise_id: p.enterprise_id,
                status: Some(p.status.unwrap_or_else(|| "open".into())),
                region: p.region,
                ..Default::default()
            },
            ip,
        )
        .await?;
    Ok(crate::misc::private_download(
        "text/csv; charset=utf-8",
        &name,
        bytes,
    ))
}

/// One finding the caller may see, with its history: opened, last seen,
/// claimed, assigned, decided, the cases opened on it, resolved.
#[utoipa::path(get, path = "/api/v1/verification/findings/{id}", tag = "verification",
    params(("id" = i64, Path)),
    responses((status = 200, body = zhisu_service::FindingDetail), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn finding(
    State(state): State<AppState>,
    Auth(by): Auth,
    crate::error::ApiPath(id): crate::error::ApiPath<i64>,
) -> ApiResult<Json<zhisu_service::FindingDetail>> {
    Ok(Json(state.service.finding_detail(&by, id).await?))
}
