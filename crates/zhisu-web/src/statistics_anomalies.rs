//! 异常列表 (issue 18.3): every point of the period that left its band —
//! codes issued, scans, codes scanned, counterfeit and diversion alerts —
//! for the places 统计概览 shows, each with a link to the records behind
//! it: the alerts of that class and those days, or 统计概览 of that cut by
//! region.

use axum::extract::{Query, State};
use axum::response::Response;
use zhisu_domain::statistics::format::{band_range, day_zh, figure, point_label};
use zhisu_domain::statistics::Indicator;
use zhisu_service::ServiceError;

use crate::i18n::Lang;
use crate::statistics_dashboard::{indicator_name, invalid_text, scope_label, DashboardQuery};
use crate::{SignedIn, WebState};

/// `GET /statistics/anomalies`
pub async fn anomalies(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let lang = page.lang;
    let zh = lang == Lang::Zh;
    let listed = match q.request() {
        Ok(req) => {
            state
                .service
                .statistics_anomalies(&s.principal, &req, q.by(), None)
                .await
        }
        Err(e) => Err(e),
    };
    let (list, error) = match listed {
        Ok(list) => (Some(list), None),
        Err(ServiceError::Invalid(invalid)) => (None, Some(invalid_text(&invalid))),
        Err(e) => return state.error_page(&page, e),
    };
    let rows: Vec<_> = list
        .iter()
        .flat_map(|l| l.anomalies.iter().map(move |a| (l.by, a)))
        .map(|(grain, a)| {
            let name = Indicator::parse(&a.indicator)
                .map(|i| indicator_name(lang, i))
                .unwrap_or_else(|| a.name_zh.clone());
            let (from, to) = (a.from.to_string(), a.to.to_string());
            let place = q.with(&[
                ("from", &from),
                ("to", &to),
                ("indicator", &a.indicator),
                ("by", "day"),
            ]);
            minijinja::context! {
                name,
                when => point_label(zh, grain, a.from, a.to),
                value => figure(a.value, a.unit),
                band => band_range(a.band, a.unit),
                high => a.band.zip(a.value).is_some_and(|(b, v)| v > b.high),
                class => a.alert_class.clone(),
                from, to, place,
            }
        })
        .collect();
    let period = list
        .as_ref()
        .map(|l| format!("{} – {}", day_zh(l.period.from), day_zh(l.period.to)));
    state.render(
        &page,
        "statistics_anomalies.html",
        minijinja::context! {
            scope => scope_label(&state, lang, &s.principal, &q).await,
            rows, period, error,
            by => q.by(),
            back => format!("/statistics?{}", q.with(&[])),
        },
    )
}
