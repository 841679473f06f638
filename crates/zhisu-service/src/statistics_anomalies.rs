//! The anomalies of a period (issue 18.3): every point of the summary's
//! flows (codes issued, scans, codes scanned, counterfeit and diversion
//! alerts) that left its band, with where to find the records behind it —
//! the alerts of that class and those days, or the dashboard of that cut
//! by region. The report lists the same.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use zhisu_domain::statistics::anomaly::Band;
use zhisu_domain::statistics::compute::serialize_figure;
use zhisu_domain::statistics::period::{Grain, Period};
use zhisu_domain::statistics::{Indicator, Kind, Unit};
use zhisu_domain::Principal;

use crate::{Service, ServiceResult, StatRequest};

/// One point outside its band.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnomalyPoint {
    pub indicator: String,
    pub name_zh: String,
    pub unit: Unit,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    #[serde(serialize_with = "serialize_figure")]
    pub value: Option<f64>,
    pub band: Option<Band>,
    /// For alerts: the class to list them by at `/api/v1/alerts?class=…`
    /// (`counterfeit`, `diversion`).
    pub alert_class: Option<String>,
}

/// `GET /api/v1/statistics/anomalies`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnomalyList {
    pub period: Period,
    pub by: Grain,
    pub k: f64,
    /// Oldest first, then by indicator.
    pub anomalies: Vec<AnomalyPoint>,
}

/// The indicators whose anomalies are listed: the summary's counts of
/// what happened (a stock's day-to-day drift is no event; a rate moves
/// with its counts, which are listed).
pub(crate) fn watched() -> Vec<Indicator> {
    Indicator::SUMMARY
        .iter()
        .copied()
        .filter(|i| i.def().kind == Kind::Flow && i.def().unit == Unit::Count)
        .collect()
}

fn alert_class(indicator: Indicator) -> Option<String> {
    match indicator {
        Indicator::AlertsCounterfeit => Some("counterfeit".into()),
        Indicator::AlertsDiversion => Some("diversion".into()),
        _ => None,
    }
}

impl Service {
    /// Every anomaly of the period by day, week or month, for the reader.
    pub async fn statistics_anomalies(
        &self,
        by: &Principal,
        req: &StatRequest,
        grain: &str,
        k: Option<f64>,
    ) -> ServiceResult<AnomalyList> {
        let mut anomalies = Vec::new();
        let mut read = None;
        for indicator in watched() {
            let series = self
                .statistics_series(by, req, indicator.as_str(), grain, k)
                .await?;
            anomalies.extend(
                series
                    .points
                    .iter()
                    .filter(|p| p.anomaly)
                    .map(|p| AnomalyPoint {
                        indicator: series.indicator.clone(),
                        name_zh: series.name_zh.clone(),
                        unit: series.unit,
                        from: p.from,
                        to: p.to,
                        value: p.value,
                        band: p.band,
                        alert_class: alert_class(indicator),
                    }),
            );
            read = Some((series.period, series.by, series.k));
        }
        anomalies.sort_by_key(|a| a.from);
        let (period, by, k) = read.expect("the summary has flows");
        Ok(AnomalyList {
            period,
            by,
            k,
            anomalies,
        })
    }
}
