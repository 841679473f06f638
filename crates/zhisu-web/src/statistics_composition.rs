//! 统计概览's 构成 (issue 18.1–18.2): the chosen indicator by product
//! category, batches by status, codes issued by trace level and by code
//! scheme, and (for regulators and the platform) enterprises by kind —
//! each as bars with its table and share, and all of them as one CSV.

use axum::extract::{Query, State};
use axum::response::Response;
use zhisu_domain::statistics::composition;
use zhisu_domain::statistics::format::figure;
use zhisu_domain::statistics::{Breakdown, Indicator};
use zhisu_domain::Principal;
use zhisu_service::Composition;

use crate::csv::cell;
use crate::i18n::Lang;
use crate::statistics_dashboard::{indicator_name, DashboardQuery};
use crate::{charts, SignedIn, WebState};

/// The splits shown: the chosen indicator by category (unless the page is
/// narrowed to one), then the usual ones the report shows too
/// (`Service::usual_compositions`: enterprises by kind only where the
/// reader sees more than one enterprise).
async fn compositions(
    state: &WebState,
    principal: &Principal,
    q: &DashboardQuery,
) -> Result<Vec<Composition>, zhisu_service::ServiceError> {
    let req = q.request()?;
    let mut out = Vec::new();
    if let Some(chosen) = Indicator::parse(q.indicator()) {
        if req.category.is_none() && composition::source(chosen, Breakdown::Category).is_some() {
            out.push(
                state
                    .service
                    .statistics_composition(principal, &req, chosen.as_str(), "category")
                    .await?,
            );
        }
    }
    out.extend(state.service.usual_compositions(principal, &req).await?);
    Ok(out)
}

/// A part's name on the page: the Chinese one, or in English the value's
/// English name where the page has one.
fn part_name(lang: Lang, by: Breakdown, part: &composition::Part) -> String {
    if lang == Lang::Zh {
        return part.label_zh.clone();
    }
    if by == Breakdown::Category && part.key.is_empty() {
        return "Uncategorised".into();
    }
    if by == Breakdown::Topic {
        return zhisu_domain::statistics::topics::topics()
            .iter()
            .find(|t| t.id == part.key)
            .map(|t| t.en.clone())
            .unwrap_or_else(|| "Not classified (received before topics were kept)".into());
    }
    crate::view::display_value(lang, &serde_json::Value::String(part.key.clone()))
}

/// A split's heading: the indicator and what it is split by.
fn heading(lang: Lang, c: &Composition) -> String {
    let name = Indicator::parse(&c.indicator)
        .map(|i| indicator_name(lang, i))
        .unwrap_or_default();
    format!("{name} · {}", by_name(lang, c.by))
}

/// "按状态", "by status".
fn by_name(lang: Lang, by: Breakdown) -> &'static str {
    lang.text(&format!("sc_by_{}", by.as_str()))
}

/// The section for the dashboard: None when the request cannot be read
/// (the dashboard shows why) or nothing is in any split.
pub(crate) async fn section(
    state: &WebState,
    principal: &Principal,
    q: &DashboardQuery,
    lang: Lang,
) -> Option<minijinja::Value> {
    let all = compositions(state, principal, q).await.ok()?;
    let panels: Vec<_> = all
        .iter()
        .filter(|c| !c.parts.is_empty())
        .map(|c| {
            let named: Vec<(String, f64)> = c
                .parts
                .iter()
                .map(|p| (part_name(lang, c.by, p), p.value.unwrap_or(0.0)))
                .collect();
            let title = heading(lang, c);
            let rows: Vec<_> = c
                .parts
                .iter()
                .zip(&named)
                .zip(composition::shares(&c.parts, c.unit))
                .map(|((p, (name, _)), share)| {
                    minijinja::context! {
                        name => name.clone(),
                        value => figure(p.value, c.unit),
                        share,
                    }
                })
                .collect();
            minijinja::context! {
                id => format!("{}-{}", c.indicator, c.by.as_str()),
                chart => charts::part_bars(&title, &named),
                title, rows,
            }
        })
        .collect();
    (!panels.is_empty()).then(|| {
        minijinja::context! {
            panels,
            csv => format!("/statistics/composition.csv?{}", q.with(&[])),
        }
    })
}

/// `GET /statistics/composition.csv`: every split of the section as rows
/// of one table (UTF-8 with a byte-order mark, so Excel reads Chinese).
pub async fn composition_csv(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let lang = page.lang;
    let all = match compositions(&state, &s.principal, &q).await {
        Ok(all) => all,
        Err(e) => return state.error_page(&page, e),
    };
    let mut csv = crate::csv::with_header(lang.text("sc_csv_header"));
    let mut period = None;
    for c in &all {
        period = Some(c.period);
        let name = Indicator::parse(&c.indicator)
            .map(|i| indicator_name(lang, i))
            .unwrap_or_default();
        let by = by_name(lang, c.by);
        for p in &c.parts {
            csv.push_str(&format!(
                "{},{},{},{}\r\n",
                cell(&name),
                cell(by),
                cell(&part_name(lang, c.by, p)),
                p.value.map(|v| v.to_string()).unwrap_or_default()
            ));
        }
    }
    let name = match period {
        Some(p) => format!("composition-{}-{}.csv", p.from, p.to),
        None => "composition.csv".into(),
    };
    crate::csv::download(&name, csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_split_has_a_heading_in_both_languages() {
        for indicator in Indicator::ALL {
            for by in &indicator.def().by {
                for lang in [Lang::Zh, Lang::En] {
                    assert!(!by_name(lang, *by).is_empty(), "{} {:?}", by.as_str(), lang);
                }
            }
        }
    }
}
