//! 统计概览's 销售去向 (P6.7 market research, issue 18.2): where the goods
//! the reader's enterprises sold went — a tile map of the buyers'
//! provinces with its table, and the buyers with the period before's
//! figures; for a manufacturer its distributors first, each with its
//! sales region and the diversion alerts on goods shipped to it —, where
//! the public scanned the goods (扫码地域: a tile map of the provinces the
//! scans' clients named, with its table), and the same tables as a CSV
//! download.

use axum::extract::{Query, State};
use axum::response::Response;
use zhisu_domain::statistics::format::{change, region_list};
use zhisu_service::{MarketFigure, MarketView};

use crate::csv::cell;
use crate::i18n::Lang;
use crate::statistics_dashboard::DashboardQuery;
use crate::{charts, SignedIn, WebState};

/// A province's name on the page; `none` names the row of no province.
fn province_name(lang: Lang, code: &str, name_zh: &str, none: &str) -> String {
    if code.is_empty() {
        lang.text(none).to_string()
    } else if lang == Lang::Zh {
        name_zh.to_string()
    } else {
        code.to_string()
    }
}

/// A figure beside the period before, as the summary table shows it; a
/// distributor's row also names its sales region and its diversion alerts.
fn row(
    lang: Lang,
    name: String,
    f: &MarketFigure,
    channel: Option<String>,
    alerts: Option<&MarketFigure>,
) -> minijinja::Value {
    let (change, trend) = change(
        Some(f.value as f64),
        Some(f.previous as f64),
        lang.text("sd_new"),
    );
    minijinja::context! {
        name, value => f.value, previous => f.previous, change, trend => trend.as_str(), channel,
        alerts => alerts.map(|a| a.value),
        alerts_previous => alerts.map(|a| a.previous),
    }
}

/// The section's figures for the dashboard: None when the request cannot
/// be read (the dashboard shows why) or nothing was sold in either period.
pub(crate) async fn section(
    state: &WebState,
    principal: &zhisu_domain::Principal,
    q: &DashboardQuery,
    lang: Lang,
) -> Option<minijinja::Value> {
    let req = q.request().ok()?;
    let m = state
        .service
        .statistics_market(principal, &req)
        .await
        .ok()?;
    let distributors = m.buyers.iter().any(|b| b.channel_regions.is_some());
    if m.sold.value == 0 && m.sold.previous == 0 && !distributors && m.scans_by_province.is_empty()
    {
        return None;
    }
    // A table of provinces; `none` names its row of no province.
    let table = |rows: Vec<(&str, &str, &MarketFigure)>, none: &str| -> Vec<minijinja::Value> {
        rows.into_iter()
            .map(|(code, name_zh, f)| {
                row(
                    lang,
                    province_name(lang, code, name_zh, none),
                    f,
                    None,
                    None,
                )
            })
            .collect()
    };
    let tiles = m.province_tiles();
    let provinces = table(
        m.by_province
            .iter()
            .map(|p| (p.province_code.as_str(), p.name_zh.as_str(), &p.sold))
            .collect(),
        "sm_off_platform",
    );
    // Where the goods were scanned: shown once some scan named its place.
    let scan_tiles = m.scan_tiles();
    let scans = table(
        m.scans_by_province
            .iter()
            .map(|p| (p.province_code.as_str(), p.name_zh.as_str(), &p.scans))
            .collect(),
        "sm_unplaced",
    );
    let buyers: Vec<_> = m
        .buyers
        .iter()
        .map(|b| {
            let name = if b.off_platform {
                lang.text("sm_off_platform").to_string()
            } else {
                b.name.clone()
            };
            let channel = b
                .channel_regions
                .as_deref()
                .map(|r| region_list(r, lang == Lang::Zh));
            row(lang, name, &b.sold, channel, b.diversion_alerts.as_ref())
        })
        .collect();
    Some(minijinja::context! {
        sold => row(lang, String::new(), &m.sold, None, None),
        map => (!tiles.is_empty()).then(|| charts::provinces(&tiles)),
        provinces, buyers, distributors,
        scan_map => (!scan_tiles.is_empty()).then(|| charts::provinces(&scan_tiles)),
        scans => if scan_tiles.is_empty() { Vec::new() } else { scans },
        csv => format!("/statistics/market.csv?{}", q.with(&[])),
    })
}

/// `GET /statistics/market.csv`: the section's two tables for a
/// spreadsheet (UTF-8 with a byte-order mark, so Excel reads Chinese).
pub async fn market_csv(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let lang = page.lang;
    let market: Result<MarketView, _> = match q.request() {
        Ok(req) => state.service.statistics_market(&s.principal, &req).await,
        Err(e) => Err(e),
    };
    let m = match market {
        Ok(m) => m,
        Err(e) => return state.error_page(&page, e),
    };
    let mut csv = crate::csv::with_header(lang.text("sm_csv_header"));
    for p in &m.by_province {
        let name = province_name(lang, &p.province_code, &p.name_zh, "sm_off_platform");
        csv.push_str(&format!(
            "{},{},{},{},,\r\n",
            lang.text("sm_csv_province"),
            cell(&name),
            p.sold.value,
            p.sold.previous
        ));
    }
    for b in &m.buyers {
        let alerts = |f: &Option<MarketFigure>| f.map(|a| a.value.to_string()).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            lang.text("sm_csv_buyer"),
            cell(&b.name),
            b.sold.value,
            b.sold.previous,
            cell(
                &b.channel_regions
                    .as_deref()
                    .map(|r| region_list(r, lang == Lang::Zh))
                    .unwrap_or_default()
            ),
            alerts(&b.diversion_alerts),
        ));
    }
    for p in &m.scans_by_province {
        let name = province_name(lang, &p.province_code, &p.name_zh, "sm_unplaced");
        csv.push_str(&format!(
            "{},{},{},{},,\r\n",
            lang.text("sm_csv_scans"),
            cell(&name),
            p.scans.value,
            p.scans.previous
        ));
    }
    let name = format!("market-{}-{}.csv", m.period.from, m.period.to);
    crate::csv::download(&name, csv)
}
