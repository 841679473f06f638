//! 统计概览 (issue 18.2–18.4): a reader's figures for a period beside the
//! period before — a regulator's jurisdiction, drilled to a province, city
//! or district inside it and to a product category; a manufacturer's own
//! products; the platform for its administrators — and one indicator's
//! trend by day, week or month as a chart drawn on the server, with its
//! data table beside it, its anomalies flagged, and a CSV download; and
//! where the goods sold went (`statistics_market.rs`); what its figures
//! are made of (`statistics_composition.rs`).

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use zhisu_domain::product::CATEGORIES;
use zhisu_domain::statistics::format::{self, change, day_zh, figure};
use zhisu_domain::statistics::period::Grain;
use zhisu_domain::statistics::Indicator;
use zhisu_service::{RegionBreakdown, Series, ServiceError, StatRequest, Summary};

use crate::i18n::Lang;
use crate::{charts, SignedIn, WebState};

/// What to fix, in the sentences of each field's error.
pub(crate) fn invalid_text(invalid: &zhisu_domain::validation::Invalid) -> String {
    invalid
        .0
        .iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("；")
}

/// The dashboard's form. Every field is optional: the page opens on the
/// 30 days to today, scans by day.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
    region: Option<String>,
    pub(crate) category: Option<String>,
    pub(crate) enterprise_id: Option<String>,
    indicator: Option<String>,
    by: Option<String>,
}

impl DashboardQuery {
    /// The dashboard of these places over its default period.
    pub(crate) fn for_places(
        region: Option<String>,
        category: Option<String>,
        enterprise_id: Option<String>,
    ) -> Self {
        DashboardQuery {
            region,
            category,
            enterprise_id,
            ..Default::default()
        }
    }

    pub(crate) fn request(&self) -> Result<StatRequest, ServiceError> {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let enterprise_id = match text(&self.enterprise_id) {
            Some(e) => Some(e.parse::<i64>().map_err(|_| {
                ServiceError::Invalid(zhisu_domain::validation::Invalid(vec![
                    zhisu_domain::validation::FieldError::new(
                        "enterprise_id",
                        "format",
                        "企业编号须为数字 (enterprise_id: a number)",
                    ),
                ]))
            })?),
            None => None,
        };
        Ok(StatRequest {
            from: text(&self.from),
            to: text(&self.to),
            region: text(&self.region),
            category: text(&self.category),
            enterprise_id,
        })
    }

    pub(crate) fn indicator(&self) -> &str {
        self.indicator
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("scans")
    }

    pub(crate) fn by(&self) -> &str {
        self.by
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("day")
    }

    /// The query string of this view with some fields replaced.
    pub(crate) fn with(&self, changes: &[(&str, &str)]) -> String {
        let fields = [
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("region", self.region.as_deref()),
            ("category", self.category.as_deref()),
            ("enterprise_id", self.enterprise_id.as_deref()),
            ("indicator", self.indicator.as_deref()),
            ("by", self.by.as_deref()),
        ];
        let mut out = Vec::new();
        for (name, value) in fields {
            let value = changes
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .or(value);
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                out.push(format!("{name}={}", urlencoding::encode(v)));
            }
        }
        out.join("&")
    }
}

fn day_en(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// A point's period as its axis and table say it.
pub(crate) fn point_label(lang: Lang, by: &str, from: NaiveDate, to: NaiveDate) -> String {
    let grain = Grain::parse(by).unwrap_or(Grain::Day);
    format::point_label(lang == Lang::Zh, grain, from, to)
}

/// Whose figures these are, in a sentence.
pub(crate) async fn scope_label(
    state: &WebState,
    lang: Lang,
    principal: &zhisu_domain::Principal,
    q: &DashboardQuery,
) -> String {
    let zh = lang == Lang::Zh;
    let place = region_label;
    let mut out = match principal.role {
        zhisu_domain::Role::PlatformAdmin => lang.text("sd_scope_all").to_string(),
        zhisu_domain::Role::Regulator => format!(
            "{}{}",
            lang.text("sd_scope_jurisdiction"),
            principal
                .jurisdiction
                .iter()
                .map(|r| place(r.as_str()))
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " })
        ),
        _ => lang.text("sd_scope_own").to_string(),
    };
    if let Some(r) = q.region.as_deref().filter(|r| !r.trim().is_empty()) {
        out.push_str(if zh { " · 地区：" } else { " · region: " });
        out.push_str(&place(r.trim()));
    }
    if let Some(c) = q
        .category
        .as_deref()
        .and_then(|c| CATEGORIES.iter().find(|x| x.code == c))
    {
        out.push_str(if zh {
            " · 类别："
        } else {
            " · category: "
        });
        out.push_str(if zh { c.name_zh } else { c.name_en });
    }
    if let Some(e) = q
        .enterprise_id
        .as_deref()
        .and_then(|e| e.trim().parse::<i64>().ok())
    {
        let name = state
            .service
            .record_name(zhisu_domain::RecordKind::Enterprise, e)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        out.push_str(if zh {
            " · 企业："
        } else {
            " · enterprise: "
        });
        out.push_str(&name);
    }
    out
}

pub(crate) fn indicator_name(lang: Lang, indicator: Indicator) -> String {
    let def = indicator.def();
    if lang == Lang::Zh {
        def.zh.clone()
    } else {
        def.en.clone()
    }
}

/// `GET /statistics`
pub async fn dashboard(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<DashboardQuery>,
) -> Response {
    show(&state, &page, &s.principal, &q, None).await
}

/// A report asked for wrong: what to fix, and the period as typed.
pub(crate) struct ReportRefused {
    pub error: String,
    pub period: String,
}

/// The dashboard for `q`, with a report asked for wrong shown on it.
pub(crate) async fn show(
    state: &WebState,
    page: &crate::Page,
    principal: &zhisu_domain::Principal,
    q: &DashboardQuery,
    report_error: Option<ReportRefused>,
) -> Response {
    let loaded: Result<Loaded, ServiceError> = async {
        let req = q.request()?;
        let summary = state.service.statistics_summary(principal, &req).await?;
        let series = state
            .service
            .statistics_series(principal, &req, q.indicator(), q.by(), None)
            .await?;
        // Where: the regions one level down, for those who read regions.
        let breakdown = match principal.list_scope() {
            zhisu_domain::auth::ListScope::Enterprise(_) => None,
            _ => Some(
                state
                    .service
                    .statistics_breakdown(principal, &req, q.indicator())
                    .await?,
            ),
        };
        Ok((Some(summary), Some(series), breakdown))
    }
    .await;
    let read = match loaded {
        Ok(read) => read,
        // A period or indicator typed wrong: the form again, with what to fix.
        Err(ServiceError::Invalid(invalid)) => {
            let error = invalid_text(&invalid);
            return render(
                state,
                page,
                principal,
                q,
                (None, None, None),
                Some(error),
                report_error,
            )
            .await;
        }
        Err(e) => return state.error_page(page, e),
    };
    render(state, page, principal, q, read, None, report_error).await
}

/// Counterfeit and diversion alerts per period, stacked (issue 18.4), with
/// the rows of its table; none when the request cannot be read.
async fn alert_mix(
    state: &WebState,
    principal: &zhisu_domain::Principal,
    q: &DashboardQuery,
    lang: Lang,
) -> Option<(String, Vec<minijinja::Value>)> {
    let req = q.request().ok()?;
    let mut both = Vec::new();
    for id in ["alerts_counterfeit", "alerts_diversion"] {
        both.push(
            state
                .service
                .statistics_series(principal, &req, id, q.by(), None)
                .await
                .ok()?,
        );
    }
    let by = q.by();
    let labels: Vec<String> = both[0]
        .points
        .iter()
        .map(|p| point_label(lang, by, p.from, p.to))
        .collect();
    let values =
        |s: &Series| -> Vec<f64> { s.points.iter().map(|p| p.value.unwrap_or(0.0)).collect() };
    let name = |s: &Series| {
        Indicator::parse(&s.indicator)
            .map(|i| indicator_name(lang, i))
            .unwrap_or_default()
    };
    let svg = charts::alert_mix(
        &labels,
        (name(&both[0]), values(&both[0])),
        (name(&both[1]), values(&both[1])),
    );
    let rows = labels
        .iter()
        .zip(both[0].points.iter().zip(&both[1].points))
        .map(|(label, (c, d))| {
            minijinja::context! {
                label => label.clone(),
                counterfeit => figure(c.value, both[0].unit),
                diversion => figure(d.value, both[1].unit),
            }
        })
        .collect();
    Some((svg, rows))
}

/// What the dashboard read: the summary, the trend and where it happened.
type Loaded = (Option<Summary>, Option<Series>, Option<RegionBreakdown>);

/// A region as a person reads it: its province's name and its code.
fn region_label(code: &str) -> String {
    let province = zhisu_codes::region::province_name(code).unwrap_or("");
    format!("{province} {code}").trim().to_string()
}

async fn render(
    state: &WebState,
    page: &crate::Page,
    principal: &zhisu_domain::Principal,
    q: &DashboardQuery,
    (summary, series, breakdown): Loaded,
    error: Option<String>,
    report_error: Option<ReportRefused>,
) -> Response {
    let lang = page.lang;
    let zh = lang == Lang::Zh;
    let figures: Vec<_> = summary
        .iter()
        .flat_map(|s| s.figures.iter())
        .map(|f| {
            let indicator =
                Indicator::parse(&f.indicator).expect("a summary names known indicators");
            let (change, trend) = change(f.value, f.previous, lang.text("sd_new"));
            let trend = trend.as_str();
            minijinja::context! {
                id => f.indicator.clone(),
                name => indicator_name(lang, indicator),
                value => figure(f.value, f.unit),
                previous => figure(f.previous, f.unit),
                change, trend,
                link => format!("?{}#trend", q.with(&[("indicator", &f.indicator)])),
                current => f.indicator == q.indicator(),
            }
        })
        .collect();
    let period = summary.as_ref().map(|s| {
        let (f, t, pf, pt) = (
            s.period.from,
            s.period.to,
            s.previous_period.from,
            s.previous_period.to,
        );
        if zh {
            format!(
                "{} 至 {}（共 {} 天），上期 {} 至 {}",
                day_zh(f),
                day_zh(t),
                s.period.days(),
                day_zh(pf),
                day_zh(pt)
            )
        } else {
            format!(
                "{} to {} ({} days); previous period {} to {}",
                day_en(f),
                day_en(t),
                s.period.days(),
                day_en(pf),
                day_en(pt)
            )
        }
    });
    let by = q.by();
    let today = zhisu_service::today_in_shanghai();
    let (chart, points, series_name) = match &series {
        Some(sr) => {
            let indicator =
                Indicator::parse(&sr.indicator).expect("a series names a known indicator");
            let name = indicator_name(lang, indicator);
            let labels: Vec<String> = sr
                .points
                .iter()
                .map(|p| point_label(lang, by, p.from, p.to))
                .collect();
            let chart = charts::trend(&name, &labels, &sr.points, sr.unit, lang);
            let points: Vec<_> = sr
                .points
                .iter()
                .zip(&labels)
                .map(|(p, label)| {
                    minijinja::context! {
                        label => label.clone(),
                        value => figure(p.value, sr.unit),
                        band => format::band_range(p.band, sr.unit),
                        anomaly => p.anomaly,
                        flag => if p.anomaly {
                            lang.text("sd_anomaly")
                        } else if p.to >= today {
                            // Today's count so far: judged only if already high.
                            lang.text("sd_under_way")
                        } else {
                            ""
                        },
                    }
                })
                .collect();
            (Some(chart), points, Some(name))
        }
        None => (None, Vec::new(), None),
    };
    // Provinces on a tile map of China; cities and districts as bars.
    let region_chart = breakdown
        .as_ref()
        .filter(|b| !b.regions.is_empty())
        .map(|b| {
            if b.level == "province" {
                let tiles = b.province_tiles();
                return charts::provinces(&tiles);
            }
            let bars: Vec<(String, f64)> = b
                .regions
                .iter()
                .take(15)
                .map(|r| (region_label(&r.region_code), r.value.unwrap_or(0.0)))
                .collect();
            charts::bars(series_name.as_deref().unwrap_or_default(), &bars)
        });
    let regions: Vec<_> = breakdown
        .iter()
        .flat_map(|b| b.regions.iter().map(move |r| (b.unit, r)))
        .map(|(unit, r)| {
            minijinja::context! {
                name => region_label(&r.region_code),
                value => figure(r.value, unit),
                link => format!("?{}", q.with(&[("region", &r.region_code)])),
            }
        })
        .collect();
    let level = breakdown
        .as_ref()
        .map(|b| lang.text(&format!("sd_level_{}", b.level)).to_string());
    let last_month_end = today.with_day(1).expect("day 1") - chrono::Duration::days(1);
    let quick = [
        ("sd_last_7", today - chrono::Duration::days(6), today, "day"),
        ("sd_last_30", today - chrono::Duration::days(29), today, "day"),
        ("sd_last_month", last_month_end.with_day(1).expect("day 1"), last_month_end, "day"),
        ("sd_last_12_weeks", today - chrono::Duration::days(7 * 12 - 1), today, "week"),
        ("sd_last_year", today - chrono::Duration::days(364), today, "month"),
    ]
    .iter()
    .map(|(key, f, t, by)| {
        minijinja::context! {
            label => lang.text(key),
            link => format!("?{}", q.with(&[("from", &f.to_string()), ("to", &t.to_string()), ("by", by)])),
        }
    })
    .collect::<Vec<_>>();
    let indicators: Vec<_> = Indicator::ALL
        .iter()
        .map(|i| minijinja::context! { id => i.as_str(), name => indicator_name(lang, *i) })
        .collect();
    let categories: Vec<_> = CATEGORIES
        .iter()
        .map(|c| minijinja::context! { code => c.code, name => if zh { c.name_zh } else { c.name_en } })
        .collect();
    let shown = summary
        .as_ref()
        .map(|s| (s.period.from.to_string(), s.period.to.to_string()));
    let mix = match summary {
        Some(_) => alert_mix(state, principal, q, lang).await,
        None => None,
    };
    let market = match summary {
        Some(_) => crate::statistics_market::section(state, principal, q, lang).await,
        None => None,
    };
    let composition = match summary {
        Some(_) => crate::statistics_composition::section(state, principal, q, lang).await,
        None => None,
    };
    state.render(
        page,
        "statistics.html",
        minijinja::context! {
            scope => scope_label(state, lang, principal, q).await,
            from => q.from.clone().or_else(|| shown.as_ref().map(|s| s.0.clone())).unwrap_or_default(),
            to => q.to.clone().or_else(|| shown.as_ref().map(|s| s.1.clone())).unwrap_or_default(),
            region => q.region.clone().unwrap_or_default(),
            category => q.category.clone().unwrap_or_default(),
            enterprise_id => q.enterprise_id.clone().unwrap_or_default(),
            indicator => q.indicator(),
            by,
            show_region => principal.role == zhisu_domain::Role::Regulator || principal.is_admin(),
            jurisdiction => principal.jurisdiction.iter().map(|r| r.as_str().to_string()).collect::<Vec<_>>(),
            figures, period, chart, points, series_name, quick, indicators, categories, error, regions, level,
            csv => format!("/statistics/series.csv?{}", q.with(&[])),
            here => q.with(&[]),
            region_chart,
            alert_chart => mix.as_ref().map(|m| m.0.clone()),
            alert_rows => mix.map(|m| m.1).unwrap_or_default(),
            market,
            composition,
            kept => crate::statistics_reports::kept_list(state, lang, principal).await,
            report_error => report_error.as_ref().map(|r| r.error.clone()),
            report_period => report_error.as_ref().map(|r| r.period.clone()).unwrap_or_default(),
            report_periods => crate::statistics_reports::usual_periods(today).into_iter().map(|(key, zh_name, en_name)| {
                minijinja::context! { key, name => if zh { zh_name } else { en_name } }
            }).collect::<Vec<_>>(),
        },
    )
}

/// `GET /statistics/series.csv`: the trend's table for a spreadsheet
/// (UTF-8 with a byte-order mark, so Excel reads the Chinese headings).
pub async fn series_csv(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let lang = page.lang;
    let series = match q.request() {
        Ok(req) => {
            state
                .service
                .statistics_series(&s.principal, &req, q.indicator(), q.by(), None)
                .await
        }
        Err(e) => Err(e),
    };
    let series = match series {
        Ok(series) => series,
        Err(e) => return state.error_page(&page, e),
    };
    let mut csv = crate::csv::with_header(lang.text("sd_csv_header"));
    for p in &series.points {
        let band = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            p.from,
            p.to,
            p.value.map(|v| v.to_string()).unwrap_or_default(),
            band(p.band.map(|b| b.median)),
            band(p.band.map(|b| b.low)),
            band(p.band.map(|b| b.high)),
            if p.anomaly { "1" } else { "0" }
        ));
    }
    let name = format!(
        "{}-{}-{}.csv",
        series.indicator, series.period.from, series.period.to
    );
    crate::csv::download(&name, csv)
}
