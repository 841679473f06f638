//! 核查记录 in pages (issue 17.2: each run is recorded): the sweeps a
//! regulator's province has run — when, who started them, full or
//! incremental, what they read and found — and one sweep rule by rule.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use zhisu_domain::verification::catalogue;

use crate::verification_pages::rule_name;
use crate::{view, SignedIn, WebState};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct Paging {
    offset: Option<i64>,
}

/// 全面核查 or 增量核查, in the page's language.
fn mode_label(lang: crate::i18n::Lang, mode: &str) -> String {
    lang.text(if mode == "incremental" {
        "sw_incremental"
    } else {
        "sw_full"
    })
    .to_string()
}

/// Who started a sweep, by name: a person, or the nightly schedule.
pub(crate) async fn started_by(state: &WebState, lang: crate::i18n::Lang, actor: &str) -> String {
    match actor {
        "cli" | "system" => lang.text("sw_by_system").to_string(),
        actor => state
            .service
            .actor_name(actor)
            .await
            .unwrap_or_else(|_| actor.to_string()),
    }
}

/// `GET /verification/sweeps`
pub async fn list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<Paging>,
) -> Response {
    let lang = page.lang;
    let offset = p.offset.unwrap_or(0).max(0);
    let (sweeps, total) = match state
        .service
        .list_sweeps(&s.principal, PAGE_SIZE, offset)
        .await
    {
        Ok(r) => r,
        Err(e) => return state.error_page(&page, e),
    };
    let mut rows = Vec::new();
    for sw in sweeps {
        rows.push(minijinja::context! {
            link => format!("/verification/sweeps/{}", sw.id),
            at => view::local_time(sw.finished_at.clone()),
            by => started_by(&state, lang, &sw.started_by).await,
            mode => mode_label(lang, &sw.mode),
            records => sw.records, findings => sw.findings, opened => sw.opened, resolved => sw.resolved,
        });
    }
    state.render(
        &page,
        "sweeps.html",
        minijinja::context! {
            rows, total,
            prev => (offset > 0).then(|| format!("?offset={}", (offset - PAGE_SIZE).max(0))),
            next => (offset + PAGE_SIZE < total).then(|| format!("?offset={}", offset + PAGE_SIZE)),
        },
    )
}

/// `GET /verification/sweeps/{id}`
pub async fn detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let lang = page.lang;
    let (sw, counts) = match state.service.get_sweep(&s.principal, id).await {
        Ok(r) => r,
        Err(e) => return state.error_page(&page, e),
    };
    let c = catalogue();
    let rules: Vec<_> = counts
        .iter()
        .map(|n| {
            let rule = c.rule(&n.rule);
            minijinja::context! {
                id => n.rule.clone(),
                name => rule.map(|r| rule_name(lang, r)).unwrap_or_default(),
                axis => rule.map(|r| lang.text(&format!("axis_{}", r.axis.as_str())).to_string()).unwrap_or_default(),
                link => format!("/verification?rule={}", urlencoding::encode(&n.rule)),
                seen => n.seen, opened => n.opened, resolved => n.resolved, open => n.open,
            }
        })
        .collect();
    state.render(
        &page,
        "sweep.html",
        minijinja::context! {
            rules,
            sweep => minijinja::context! {
                started => view::local_time(sw.started_at.clone()),
                at => view::local_time(sw.finished_at.clone()),
                by => started_by(&state, lang, &sw.started_by).await,
                mode => mode_label(lang, &sw.mode),
                incremental => sw.mode == "incremental",
                catalogue => sw.catalogue_version.clone(),
                records => sw.records, findings => sw.findings, opened => sw.opened, resolved => sw.resolved,
            },
        },
    )
}
