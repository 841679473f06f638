//! 数据核查 in pages (V4, V5-auto, issue 17): the findings the signed-in
//! person may see — a regulator its jurisdiction's, an enterprise its own —
//! with the rule, the record by name, the evidence and the class each
//! proposes, filtered by axis, rule and status; regulators start a sweep.

use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::verification::catalogue;
use zhisu_domain::Role;

use crate::pages::checked_form;
use crate::{view, SignedIn, WebState};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct Filter {
    axis: Option<String>,
    rule: Option<String>,
    status: Option<String>,
    offset: Option<i64>,
}

/// A rule's message in the page's language.
pub(crate) fn rule_name(
    lang: crate::i18n::Lang,
    rule: &zhisu_domain::verification::Rule,
) -> String {
    if lang == crate::i18n::Lang::Zh {
        rule.zh.clone()
    } else {
        rule.en.clone()
    }
}

/// A record's name shown after its kind: a batch's name carries the word
/// 批次 for places that show no kind, which here would say it twice.
pub(crate) fn beside_kind(kind: zhisu_domain::RecordKind, name: String) -> String {
    match kind {
        zhisu_domain::RecordKind::Batch => match name.strip_prefix("批次 ") {
            Some(number) => number.to_string(),
            None => name,
        },
        _ => name,
    }
}

/// A finding's field in the page's language (its code when unnamed).
pub(crate) fn field_label(lang: crate::i18n::Lang, field: &str) -> String {
    match lang.text(field) {
        "" => field.to_string(),
        label => label.to_string(),
    }
}

/// Who runs and reads sweeps: regulators and the system administrator.
pub(crate) fn may_sweep(role: Role) -> bool {
    matches!(role, Role::Regulator | Role::PlatformAdmin)
}

pub async fn findings(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(f): Query<Filter>,
) -> Response {
    let nonempty = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let (axis, rule) = (nonempty(f.axis), nonempty(f.rule));
    let status = nonempty(f.status).unwrap_or_else(|| "open".into());
    let offset = f.offset.unwrap_or(0).max(0);
    let listed = state
        .service
        .list_findings(
            &s.principal,
            zhisu_service::FindingFilter {
                axis: axis.clone(),
                rule: rule.clone(),
                status: Some(status.clone()),
                limit: PAGE_SIZE,
                offset,
                ..Default::default()
            },
        )
        .await;
    let listed = match listed {
        Ok(l) => l,
        Err(e) => return state.error_page(&page, e),
    };
    let lang = page.lang;
    let c = catalogue();
    let mut rows = Vec::new();
    for f in &listed.items {
        let record = state
            .service
            .record_name(f.kind, f.record_id)
            .await
            .ok()
            .flatten()
            .map(|name| beside_kind(f.kind, name))
            .unwrap_or_else(|| format!("#{}", f.record_id));
        let enterprise = state
            .service
            .record_name(zhisu_domain::RecordKind::Enterprise, f.enterprise_id)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        let rule = c.rule(&f.rule);
        let field = field_label(lang, &f.field);
        rows.push(minijinja::context! {
            rule => f.rule.clone(),
            rule_name => rule.map(|r| rule_name(lang, r)).unwrap_or_default(),
            severity => f.severity.clone(),
            severity_label => lang.text(&format!("sev_{}", f.severity)),
            axis => lang.text(&format!("axis_{}", f.axis)),
            class => lang.text(&format!("class_{}", f.class)),
            kind => lang.text(&format!("kind_{}", f.kind.as_str())),
            link => format!("/{}/{}", crate::pages::collection(f.kind), f.record_id),
            detail => format!("/verification/findings/{}", f.id),
            new_case => (s.principal.role == Role::Regulator
                && f.status == "open"
                && f.decided_at.is_none()
                && !rule.is_some_and(|r| r.review))
                .then(|| format!("/cases/new?enterprise_id={}&finding={}", f.enterprise_id, f.id)),
            // Settled by a person: decided, or waiting in the review queue.
            decided => f.decided_class.as_deref().map(|c| lang.text(&format!("class_{c}")).to_string()),
            in_queue => (may_sweep(s.principal.role) && f.in_queue()).then_some(true),
            record, enterprise, field,
            evidence => f.evidence.clone(),
            seen => view::local_time(f.opened_at.clone()),
            resolved => f.resolved_at.clone().map(view::local_time),
        });
    }
    let sweep = match state.service.latest_sweep().await {
        Ok(s) => s,
        Err(e) => return state.error_page(&page, e),
    };
    let sweep = match sweep {
        Some(sw) => Some(minijinja::context! {
            at => view::local_time(sw.finished_at.clone()),
            by => crate::sweep_pages::started_by(&state, lang, &sw.started_by).await,
            mode => lang.text(if sw.mode == "incremental" { "sw_incremental" } else { "sw_full" }),
            records => sw.records, findings => sw.findings, opened => sw.opened, resolved => sw.resolved,
        }),
        None => None,
    };
    // The authorities' registers the rules read (issue 17.3).
    let mut registers = Vec::new();
    if may_sweep(s.principal.role) {
        for r in state
            .service
            .registers(&s.principal)
            .await
            .unwrap_or_default()
        {
            registers.push(minijinja::context! {
                kind => zhisu_domain::register::RegisterKind::parse(&r.kind).map(|k| k.label_zh()).unwrap_or_default(),
                source => r.source, entries => r.entries, version => r.version,
                at => view::local_time(r.imported_at),
                by => state.service.actor_name(&r.imported_by).await.unwrap_or(r.imported_by.clone()),
            });
        }
    }
    let rules: Vec<_> = c
        .rules
        .iter()
        .map(|r| (r.id.clone(), rule_name(lang, r)))
        .collect();
    let axes: Vec<_> = ["completeness", "authenticity", "accuracy", "timeliness"]
        .iter()
        .map(|a| (a.to_string(), lang.text(&format!("axis_{a}"))))
        .collect();
    let base = format!(
        "axis={}&rule={}&status={}",
        urlencoding::encode(axis.as_deref().unwrap_or("")),
        urlencoding::encode(rule.as_deref().unwrap_or("")),
        urlencoding::encode(&status)
    );
    state.render(
        &page,
        "verification.html",
        minijinja::context! {
            rows, sweep, rules, axes, registers, total => listed.total,
            axis => axis.unwrap_or_default(), rule => rule.unwrap_or_default(), status,
            may_sweep => may_sweep(s.principal.role),
            export_query => format!("?{base}"),
            prev => (offset > 0).then(|| format!("?{base}&offset={}", (offset - PAGE_SIZE).max(0))),
            next => (offset + PAGE_SIZE < listed.total).then(|| format!("?{base}&offset={}", offset + PAGE_SIZE)),
        },
    )
}

/// `POST /verification/sweeps`: a sweep now, then back to the findings.
pub async fn sweep(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    if let Err(r) = checked_form(&state, &page, multipart, &s.csrf).await {
        return r;
    }
    match state
        .service
        .run_verification(Some(&s.principal), |_| {})
        .await
    {
        Ok(_) => Redirect::to("/verification").into_response(),
        Err(e) => state.error_page(&page, e),
    }
}

/// `POST /verification/registers`: a register file imported, then back to
/// the findings; a refused file is shown with what is wrong in it.
pub async fn import_register(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some((name, bytes)) = form.files.get("file") else {
        let missing = zhisu_domain::FieldError::new(
            "file",
            "required",
            "请选择登记文件 (choose the register file)",
        );
        return crate::pages::invalid_page(&state, &page, &[missing], "/verification".into());
    };
    match state
        .service
        .import_register(
            &s.principal,
            &form.text("kind"),
            name,
            bytes,
            page.ip.clone(),
        )
        .await
    {
        Ok(_) => Redirect::to("/verification#registers").into_response(),
        Err(zhisu_service::ServiceError::Invalid(zhisu_domain::Invalid(errors))) => {
            crate::pages::invalid_page(&state, &page, &errors, "/verification".into())
        }
        Err(e) => state.error_page(&page, e),
    }
}

/// `GET /verification/findings.csv`: what the page lists under its
/// filters, as a CSV for Excel with who exported it and when (V7).
pub async fn export(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(f): Query<Filter>,
) -> Response {
    let nonempty = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let filter = zhisu_service::FindingFilter {
        axis: nonempty(f.axis),
        rule: nonempty(f.rule),
        status: Some(nonempty(f.status).unwrap_or_else(|| "open".into())),
        ..Default::default()
    };
    match state
        .service
        .export_findings(&s.principal, filter, page.ip.clone())
        .await
    {
        Ok((name, bytes)) => {
            crate::pages::private_download("text/csv; charset=utf-8", &name, bytes)
        }
        Err(e) => state.error_page(&page, e),
    }
}
