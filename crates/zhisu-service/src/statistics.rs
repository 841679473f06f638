//! Statistics for whoever asks (issue 18.2, 18.6): an indicator summary
//! over a period compared with the period before, and an indicator's series
//! by day, week or month with its anomalies, read from the rollups and
//! scoped to the reader — a regulator its jurisdiction (drilled to a
//! province, city or district inside it), an enterprise its own products,
//! the platform admin everything (V7).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhisu_codes::RegionCode;
use zhisu_domain::auth::ListScope;
use zhisu_domain::auth::Tenancy;
use zhisu_domain::statistics::compute::{self, serialize_figure, Point, Rows};
use zhisu_domain::statistics::period::{Grain, Period};
use zhisu_domain::statistics::{Indicator, Unit};
use zhisu_domain::validation::{FieldError, Invalid};
use zhisu_domain::{Principal, RecordKind};
use zhisu_store::{StatFilter, StatGroup};

use crate::{today_in_shanghai, Service, ServiceError, ServiceResult};

/// The default width of the anomaly band, in MADs (scaled to σ).
pub const DEFAULT_K: f64 = 3.0;

/// What a summary or series is read over and for whom. Both ends of the
/// period or neither (then the 30 days to today).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatRequest {
    /// First day, `YYYY-MM-DD` (Asia/Shanghai).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// A GB/T 2260 code inside the reader's jurisdiction: a province
    /// (`440000`), city (`440300`) or district (`440305`).
    pub region: Option<String>,
    /// A product category.
    pub category: Option<String>,
    /// One enterprise the reader may read.
    pub enterprise_id: Option<i64>,
}

/// One indicator's figure over the period and the period before.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Figure {
    pub indicator: String,
    pub name_zh: String,
    pub unit: Unit,
    /// None: a rate with nothing to divide by.
    #[serde(serialize_with = "serialize_figure")]
    pub value: Option<f64>,
    #[serde(serialize_with = "serialize_figure")]
    pub previous: Option<f64>,
}

/// `GET /api/v1/statistics/summary`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    pub period: Period,
    /// The period of the same length just before.
    pub previous_period: Period,
    pub figures: Vec<Figure>,
}

impl Summary {
    /// A figure of the summary by indicator ID.
    pub fn figure(&self, id: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.indicator == id)
    }
}

/// `GET /api/v1/statistics/series`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Series {
    pub indicator: String,
    pub name_zh: String,
    pub unit: Unit,
    pub by: Grain,
    /// The band's width in MADs.
    pub k: f64,
    pub period: Period,
    pub points: Vec<Point>,
}

/// One region's figure in a breakdown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionFigure {
    /// The GB/T 2260 code of the province, city or district (`440300`).
    pub region_code: String,
    #[serde(serialize_with = "serialize_figure")]
    pub value: Option<f64>,
}

/// `GET /api/v1/statistics/breakdown`: an indicator over the period by the
/// regions one level below the places read (the platform by province, a
/// province by city, a city by district), largest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionBreakdown {
    pub indicator: String,
    pub name_zh: String,
    pub unit: Unit,
    pub period: Period,
    /// `province`, `city` or `district`.
    pub level: String,
    pub regions: Vec<RegionFigure>,
}

impl RegionBreakdown {
    /// The figures by province as a tile map takes them: (the province's
    /// two-digit prefix, the value, the value as shown).
    pub fn province_tiles(&self) -> Vec<(String, f64, String)> {
        self.regions
            .iter()
            .map(|r| {
                let code = r.region_code.get(..2).unwrap_or_default().to_string();
                let shown = zhisu_domain::statistics::format::figure(r.value, self.unit);
                (code, r.value.unwrap_or(0.0), shown)
            })
            .collect()
    }
}

pub(crate) fn invalid(field: &str, code: &str, message: String) -> ServiceError {
    Invalid(vec![FieldError::new(field, code, message)]).into()
}

/// An indicator by its ID, or a 422 naming the field.
pub fn indicator_of(field: &str, id: &str) -> ServiceResult<Indicator> {
    let indicator = Indicator::parse(id.trim()).ok_or_else(|| {
        invalid(
            field,
            "unknown",
            format!("未知的统计指标“{id}”，见 /api/v1/statistics/indicators (unknown indicator)"),
        )
    })?;
    Ok(indicator)
}

impl Service {
    /// The rollup rows the request may read, or 404 for a region or an
    /// enterprise the reader may not see (as for any record).
    pub(crate) async fn stat_filter(
        &self,
        by: &Principal,
        req: &StatRequest,
    ) -> ServiceResult<StatFilter> {
        let region = match req
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(r) => {
                Some(RegionCode::parse(r).map_err(|e| invalid("region", "format", e.to_string()))?)
            }
            None => None,
        };
        let category = match req
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(c) if c.chars().count() > 64 => {
                return Err(invalid(
                    "category",
                    "length",
                    "产品类别不超过 64 个字 (category: at most 64 characters)".into(),
                ))
            }
            other => other.map(str::to_string),
        };
        let not_found = |what: &str| ServiceError::NotFound(what.into());
        let mut places = by.list_scope();
        if let Some(e) = req.enterprise_id {
            let enterprise = self
                .store
                .get_record(RecordKind::Enterprise, e)
                .await?
                .ok_or_else(|| not_found("enterprise"))?;
            let tenancy = Tenancy {
                enterprise_id: e,
                region_code: &enterprise.region_code,
            };
            if !by.can_read(tenancy)
                || region
                    .as_ref()
                    .is_some_and(|r| !r.covers(&enterprise.region_code))
            {
                return Err(not_found("enterprise"));
            }
            places = ListScope::Enterprise(e);
        } else if let Some(r) = &region {
            places = match places {
                ListScope::All => ListScope::Regions(vec![r.scope_prefix().to_string()]),
                ListScope::Regions(prefixes) => {
                    let inside = prefixes
                        .iter()
                        .any(|p| r.scope_prefix().starts_with(p.as_str()));
                    let narrower: Vec<String> = prefixes
                        .iter()
                        .filter(|p| p.starts_with(r.scope_prefix()))
                        .cloned()
                        .collect();
                    if inside {
                        ListScope::Regions(vec![r.scope_prefix().to_string()])
                    } else if !narrower.is_empty() {
                        ListScope::Regions(narrower)
                    } else {
                        return Err(not_found("region"));
                    }
                }
                // An enterprise's figures are its own, wherever it is.
                ListScope::Enterprise(e) => ListScope::Enterprise(e),
            };
        }
        Ok(StatFilter { places, category })
    }

    /// The rows of `indicators` for the filter over `period` (flows) and
    /// up to its end (stocks), for figures over periods of at most
    /// `longest_days` days within it; an indicator summed from the
    /// beginning (the first-scan rate) has its measures read from the
    /// beginning, in a read of their own, so the others' flows are not.
    async fn stat_rows(
        &self,
        filter: &StatFilter,
        indicators: &[Indicator],
        period: &Period,
        longest_days: i64,
    ) -> ServiceResult<Rows> {
        let measures_of = |all_time: bool| {
            let mut m: Vec<_> = indicators
                .iter()
                .filter(|i| compute::reads_all_time(**i) == all_time)
                .flat_map(|i| compute::measures_for(*i, longest_days))
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        let from_start = measures_of(true);
        let in_period: Vec<_> = measures_of(false)
            .into_iter()
            .filter(|m| !from_start.contains(m))
            .collect();
        let mut rows = self
            .store
            .stat_rows(filter, &in_period, period.from, period.to)
            .await?;
        if !from_start.is_empty() {
            let beginning = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
            rows.extend(
                self.store
                    .stat_rows(filter, &from_start, beginning, period.to)
                    .await?,
            );
        }
        Ok(Rows::new(rows))
    }

    /// The summary indicators over the period and the one before it
    /// (issue 18.6).
    pub async fn statistics_summary(
        &self,
        by: &Principal,
        req: &StatRequest,
    ) -> ServiceResult<Summary> {
        let period = Period::parse(req.from.as_deref(), req.to.as_deref(), today_in_shanghai())
            .map_err(Invalid)?;
        let filter = self.stat_filter(by, req).await?;
        let previous_period = period.previous();
        let both = Period {
            from: previous_period.from,
            to: period.to,
        };
        let rows = self
            .stat_rows(&filter, &Indicator::SUMMARY, &both, period.days())
            .await?;
        let figures = Indicator::SUMMARY
            .iter()
            .map(|i| Figure {
                indicator: i.as_str().to_string(),
                name_zh: i.def().zh.clone(),
                unit: i.def().unit,
                value: compute::value(*i, &rows, &period),
                previous: compute::value(*i, &rows, &previous_period),
            })
            .collect();
        Ok(Summary {
            period,
            previous_period,
            figures,
        })
    }

    /// An indicator over the period by the regions one level below the
    /// places the request reads (issue 18.2: drill-down province → city →
    /// district); an enterprise's own figures have no regions (403).
    pub async fn statistics_breakdown(
        &self,
        by: &Principal,
        req: &StatRequest,
        indicator: &str,
    ) -> ServiceResult<RegionBreakdown> {
        let indicator = indicator_of("indicator", indicator)?;
        let period = Period::parse(req.from.as_deref(), req.to.as_deref(), today_in_shanghai())
            .map_err(Invalid)?;
        let filter = self.stat_filter(by, req).await?;
        let digits = match &filter.places {
            ListScope::All => 2,
            ListScope::Regions(prefixes) => (prefixes.iter().map(String::len).min().unwrap_or(6) + 2).min(6),
            ListScope::Enterprise(_) => {
                return Err(ServiceError::Forbidden(
                    "按地区细分是监管部门和平台的视图；企业的统计只含本企业 (a breakdown by region is for regulators)".into(),
                ))
            }
        };
        let measures = compute::measures_for(indicator, period.days());
        let rows = self
            .store
            .stat_rows_by(
                &filter,
                &measures,
                period.from,
                period.to,
                StatGroup::Region(digits),
            )
            .await?;
        let mut regions: Vec<RegionFigure> = Rows::grouped(rows)
            .into_iter()
            // Scans of codes no product holds belong to no region.
            .filter(|(region, _)| !region.is_empty())
            .map(|(region, rows)| RegionFigure {
                region_code: format!("{region:0<6}"),
                value: compute::value(indicator, &rows, &period),
            })
            .collect();
        regions.sort_by(|a, b| {
            b.value
                .unwrap_or(0.0)
                .total_cmp(&a.value.unwrap_or(0.0))
                .then(a.region_code.cmp(&b.region_code))
        });
        Ok(RegionBreakdown {
            indicator: indicator.as_str().to_string(),
            name_zh: indicator.def().zh.clone(),
            unit: indicator.def().unit,
            period,
            level: match digits {
                2 => "province",
                4 => "city",
                _ => "district",
            }
            .to_string(),
            regions,
        })
    }

    /// One indicator by day, week or month with anomaly flags (issue 18.3).
    pub async fn statistics_series(
        &self,
        by: &Principal,
        req: &StatRequest,
        indicator: &str,
        grain: &str,
        k: Option<f64>,
    ) -> ServiceResult<Series> {
        let indicator = indicator_of("indicator", indicator)?;
        let grain = Grain::parse(grain.trim()).ok_or_else(|| {
            invalid(
                "by",
                "unknown",
                format!(
                    "按日、周或月（day、week、month）汇总，不是“{grain}” (by: day, week or month)"
                ),
            )
        })?;
        let k = k.unwrap_or(DEFAULT_K);
        if !(k.is_finite() && (0.5..=10.0).contains(&k)) {
            return Err(invalid(
                "k",
                "range",
                "异常判定倍数 k 须在 0.5 到 10 之间 (k: between 0.5 and 10)".into(),
            ));
        }
        let period = Period::parse(req.from.as_deref(), req.to.as_deref(), today_in_shanghai())
            .map_err(Invalid)?;
        let filter = self.stat_filter(by, req).await?;
        let rows = self
            .stat_rows(
                &filter,
                &[indicator],
                &compute::with_window(&period, grain),
                grain.longest_days(),
            )
            .await?;
        Ok(Series {
            indicator: indicator.as_str().to_string(),
            name_zh: indicator.def().zh.clone(),
            unit: indicator.def().unit,
            by: grain,
            k,
            period,
            points: compute::series(indicator, &rows, &period, grain, k, today_in_shanghai()),
        })
    }
}
