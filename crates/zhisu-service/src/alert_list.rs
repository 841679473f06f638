//! The alerts a reader may see, newest first, narrowed to a class and to
//! days in Beijing time (issue 18.3): the records behind a day's count of
//! counterfeit or diversion alerts, which the anomalies list links to.

use chrono::Duration;
use serde::Deserialize;
use utoipa::IntoParams;
use zhisu_domain::statistics::period::Period;
use zhisu_domain::statistics::rollup::Measure;
use zhisu_domain::validation::{FieldError, Invalid};
use zhisu_domain::Principal;
use zhisu_store::{Alert, AlertFilter};

use crate::{today_in_shanghai, Service, ServiceError, ServiceResult};

/// `GET /api/v1/alerts` and the page 预警.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// At most this many, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
    /// `counterfeit` (too many scans, impossible travel) or `diversion`:
    /// the alerts the statistics count as such.
    pub class: Option<String>,
    /// First day, `YYYY-MM-DD` (Asia/Shanghai); with `to`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive; with `from`.
    pub to: Option<String>,
}

/// A day's start in Beijing, as an RFC 3339 time in UTC.
fn beijing_midnight(day: chrono::NaiveDate) -> String {
    let utc = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(8);
    utc.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl AlertQuery {
    /// The store's filter, or a 422 naming the field.
    pub fn filter(&self) -> ServiceResult<AlertFilter> {
        fn text(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let kinds = match text(&self.class) {
            None => Vec::new(),
            Some("counterfeit") => Measure::AlertsCounterfeit.alert_kinds(),
            Some("diversion") => Measure::AlertsDiversion.alert_kinds(),
            Some(other) => {
                return Err(ServiceError::Invalid(Invalid(vec![FieldError::new(
                    "class",
                    "unknown",
                    format!("预警类别为 counterfeit（仿冒）或 diversion（窜货），不是“{other}” (class: counterfeit or diversion)"),
                )])))
            }
        };
        let (since, before) = match (text(&self.from), text(&self.to)) {
            (None, None) => (None, None),
            (from, to) => {
                let p = Period::parse(from, to, today_in_shanghai()).map_err(Invalid)?;
                (
                    Some(beijing_midnight(p.from)),
                    Some(beijing_midnight(p.to + Duration::days(1))),
                )
            }
        };
        Ok(AlertFilter {
            kinds: kinds.iter().map(|k| k.as_str().to_string()).collect(),
            since,
            before,
        })
    }
}

impl Service {
    /// Alerts the principal may see, newest first, as the query narrows them.
    pub async fn alerts(&self, by: &Principal, query: &AlertQuery) -> ServiceResult<Vec<Alert>> {
        let filter = query.filter()?;
        Ok(self
            .store
            .list_alerts(&by.list_scope(), &filter, query.limit.unwrap_or(100))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_in_beijing_is_read_in_utc_and_bad_input_names_its_field() {
        let q = AlertQuery {
            class: Some("counterfeit".into()),
            from: Some("2026-11-28".into()),
            to: Some("2026-11-28".into()),
            ..Default::default()
        };
        let f = q.filter().unwrap();
        assert_eq!(f.kinds, ["too-many-scans", "impossible-travel"]);
        assert_eq!(f.since.as_deref(), Some("2026-11-27T16:00:00Z"));
        assert_eq!(f.before.as_deref(), Some("2026-11-28T16:00:00Z"));
        let field = |q: AlertQuery| match q.filter() {
            Err(ServiceError::Invalid(i)) => i.0[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(AlertQuery {
                class: Some("fake".into()),
                ..Default::default()
            }),
            "class"
        );
        assert_eq!(
            field(AlertQuery {
                from: Some("2026-11-28".into()),
                ..Default::default()
            }),
            "to"
        );
        assert_eq!(
            field(AlertQuery {
                from: Some("2026-13-01".into()),
                to: Some("2026-12-01".into()),
                ..Default::default()
            }),
            "from"
        );
    }
}
