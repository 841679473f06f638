//! Quantity reporting on the product's page and the inbox (issue 19.5,
//! P5.3.3.3): the 产量填报 form for the periods of the product's cadence,
//! the periods overdue and the reports made; and 消息, the reminders the
//! platform sends, each to be opened and marked read.

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use zhisu_domain::reporting::{Cadence, Period, ReportInput};
use zhisu_domain::{FieldError, Principal};
use zhisu_service::{today_in_shanghai, ServiceError};

use crate::pages::{checked_form, invalid_page};
use crate::view::{local_time, Table, TableRow};
use crate::{Lang, Page, SignedIn, WebState};

/// A period as the page's language names it: 2026年第三季度, or 2026-Q3.
fn period_label(lang: Lang, period: Period) -> String {
    match lang {
        Lang::Zh => period.label_zh(),
        _ => period.to_string(),
    }
}

/// The periods a form offers for a cadence other than daily: the latest
/// eight begun, latest first, each with its Chinese name.
fn recent_periods(lang: Lang, cadence: Cadence, missed: &[String]) -> Vec<(String, String)> {
    let mut period = Period::holding(cadence, today_in_shanghai());
    let mut out = Vec::new();
    for _ in 0..8 {
        let text = period.to_string();
        let mut label = period_label(lang, period);
        if missed.contains(&text) {
            label.push_str(lang.text("rp_unreported"));
        }
        out.push((text, label));
        period = period.previous();
    }
    out
}

/// The product page's reporting: its form (for those who file for the
/// maker) and its table of reports.
pub(crate) async fn product_parts(
    state: &WebState,
    page: &Page,
    by: &Principal,
    product_id: i64,
    files: bool,
    workflow: &mut Vec<minijinja::Value>,
    tables: &mut Vec<Table>,
) {
    let lang = page.lang;
    let Ok(reporting) = state.service.reporting(by, product_id).await else {
        return;
    };
    let missed: Vec<String> = reporting
        .missed
        .iter()
        .filter_map(|p| Period::parse(p).map(|p| period_label(lang, p)))
        .collect();
    if files {
        let daily = reporting.cadence == Cadence::Daily;
        let hint = if reporting.exact {
            lang.text("rp_hint_exact")
        } else {
            lang.text("rp_hint_estimate")
        };
        workflow.push(minijinja::context! {
            kind => "report",
            url => format!("/products/{product_id}/reports"),
            hint,
            cadence => format!("{}{}", lang.text("rp_cadence_now"), lang.text(&format!("v_{}", reporting.cadence.as_str()))),
            paused => reporting.paused,
            missed => missed.join("、"),
            daily,
            exact => reporting.exact,
            today => today_in_shanghai().to_string(),
            latest_missed => reporting.missed.last().cloned().unwrap_or_else(|| match reporting.cadence {
                Cadence::Daily => (today_in_shanghai() - Duration::days(1)).to_string(),
                c => Period::holding(c, today_in_shanghai()).to_string(),
            }),
            periods => recent_periods(lang, reporting.cadence, &reporting.missed),
        });
    }
    let mut rows = Vec::with_capacity(reporting.reports.len());
    for r in &reporting.reports {
        let by_name = state
            .service
            .actor_name(&r.reported_by)
            .await
            .unwrap_or_default();
        rows.push(TableRow {
            link: format!("/products/{product_id}#reporting"),
            cells: vec![
                Period::parse(&r.period)
                    .map(|p| period_label(lang, p))
                    .unwrap_or_else(|| r.period.clone()),
                r.quantity
                    .map(|q| q.to_string())
                    .unwrap_or_else(|| "—".into()),
                lang.text(if r.estimate {
                    "rp_estimate"
                } else {
                    "rp_exact"
                })
                .into(),
                r.note.clone().unwrap_or_else(|| "—".into()),
                by_name,
                local_time(r.reported_at.clone()),
            ],
        });
    }
    tables.push(Table {
        title: lang.text("rp_title").into(),
        columns: [
            "rp_period",
            "rp_quantity",
            "rp_kind",
            "rp_note",
            "rp_by",
            "rp_at",
        ]
        .iter()
        .map(|k| lang.text(k).to_string())
        .collect(),
        rows,
        action: None,
    });
}

/// `POST /products/{id}/reports`: one period's report from the form.
pub async fn report(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let back = format!("/products/{id}#reporting");
    let quantity = form.text("quantity");
    let quantity = if quantity.is_empty() {
        None
    } else {
        match quantity.parse::<i64>() {
            Ok(q) => Some(q),
            Err(_) => {
                let refused = FieldError::new(
                    "quantity",
                    "type",
                    format!("“{quantity}”不是整数 ('{quantity}' is not a whole number)"),
                );
                return invalid_page(&state, &page, &[refused], back);
            }
        }
    };
    let input = ReportInput {
        period: Some(form.text("period")),
        quantity,
        note: Some(form.text("note")),
    };
    match state
        .service
        .report_quantity(&s.principal, id, &input, page.ip.clone())
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(ServiceError::Invalid(invalid)) => invalid_page(&state, &page, &invalid.0, back),
        Err(e) => state.error_page(&page, e),
    }
}

/// `GET /inbox`: the signed-in person's messages, newest first.
pub async fn inbox(State(state): State<WebState>, SignedIn(page, s): SignedIn) -> Response {
    let messages = match state.service.inbox(&s.principal).await {
        Ok(m) => m,
        Err(e) => return state.error_page(&page, e),
    };
    let rows: Vec<minijinja::Value> = messages
        .iter()
        .map(|m| {
            minijinja::context! {
                id => m.id,
                at => local_time(m.created_at.clone()),
                title => m.title.clone(),
                body => m.body.clone(),
                link => m.link.clone(),
                read => m.read_at.is_some(),
            }
        })
        .collect();
    state.render(
        &page,
        "inbox.html",
        minijinja::context! { rows, csrf => s.csrf.clone() },
    )
}

/// `POST /inbox/{id}/read`: a message marked read.
pub async fn read(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    if let Err(r) = checked_form(&state, &page, multipart, &s.csrf).await {
        return r;
    }
    match state.service.read_inbox(&s.principal, id).await {
        Ok(()) => Redirect::to("/inbox").into_response(),
        Err(e) => state.error_page(&page, e),
    }
}
