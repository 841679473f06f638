//! 统计指标 in pages (issue 18.1): the glossary of indicators — each one's
//! name, unit, whether it is counted over the period or as at its end, the
//! breakdowns it can be read by, and its exact definition — in the page's
//! language.

use axum::response::Response;
use zhisu_domain::statistics::glossary;

use crate::i18n::Lang;
use crate::{SignedIn, WebState};

/// A value's label in the page's language: `{prefix}_{value}` in the table.
fn label(lang: Lang, prefix: &str, value: &impl serde::Serialize) -> String {
    let name = serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    lang.text(&format!("{prefix}_{name}")).to_string()
}

/// `GET /statistics/indicators`
pub async fn indicators(
    axum::extract::State(state): axum::extract::State<WebState>,
    SignedIn(page, _): SignedIn,
) -> Response {
    let lang = page.lang;
    let zh = lang == Lang::Zh;
    let g = glossary();
    let rows: Vec<_> = g
        .indicators
        .iter()
        .map(|d| {
            minijinja::context! {
                id => d.id.clone(),
                name => if zh { d.zh.clone() } else { d.en.clone() },
                definition => if zh { d.definition_zh.clone() } else { d.definition_en.clone() },
                unit => label(lang, "st_unit", &d.unit),
                kind => label(lang, "st_kind", &d.kind),
                by => d.by.iter().map(|b| label(lang, "st_by", b)).collect::<Vec<_>>().join(if zh { "、" } else { ", " }),
            }
        })
        .collect();
    state.render(
        &page,
        "indicators.html",
        minijinja::context! { rows, version => g.version.clone() },
    )
}
