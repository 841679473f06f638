//! 统计报表 (issue 18.5): the monthly or quarterly report of what the
//! reader sees on 统计概览, downloaded from the page as a PDF or an XLSX
//! workbook; a period typed wrong brings the page back naming the field;
//! and the reports the schedule made for the reader's scope, listed and
//! downloaded.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zhisu_domain::statistics::report_period::ReportPeriod;
use zhisu_service::{ReportRequest, ServiceError};

use crate::statistics_dashboard::{self, DashboardQuery, ReportRefused};
use crate::{SignedIn, WebState};

/// The report form: the period and the form, and the dashboard's places.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    period: Option<String>,
    format: Option<String>,
    region: Option<String>,
    category: Option<String>,
    enterprise_id: Option<String>,
}

/// A report as a download.
fn attachment(file: zhisu_service::ReportFile) -> Response {
    (
        [
            (header::CONTENT_TYPE, file.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name),
            ),
        ],
        file.bytes,
    )
        .into_response()
}

/// The reports a reader most often wants: last month, the month under
/// way, last quarter. (key, zh, en)
pub(crate) fn usual_periods(today: chrono::NaiveDate) -> Vec<(String, String, String)> {
    let last_month = ReportPeriod::last_month(today);
    let this_month = ReportPeriod::this_month(today);
    let last_quarter = ReportPeriod::last_quarter(today);
    [
        (last_month, "上月月报", "Last month"),
        (this_month, "本月至今", "This month to date"),
        (last_quarter, "上季度季报", "Last quarter"),
    ]
    .into_iter()
    .map(|(p, zh, en)| {
        (
            p.key(),
            format!("{zh}（{}）", p.name_zh()),
            format!("{en} ({})", p.key()),
        )
    })
    .collect()
}

/// `GET /statistics/report`
pub async fn report(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Response {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let enterprise_id = match text(&q.enterprise_id).map(|e| e.parse::<i64>()) {
        Some(Ok(e)) => Some(e),
        Some(Err(_)) => {
            return state.error_page(&page, ServiceError::NotFound("enterprise".into()))
        }
        None => None,
    };
    let req = ReportRequest {
        period: text(&q.period).unwrap_or_default(),
        format: text(&q.format),
        region: text(&q.region),
        category: text(&q.category),
        enterprise_id,
    };
    match state
        .service
        .statistics_report(&s.principal, &req, |_| {})
        .await
    {
        Ok(file) => attachment(file),
        // The dashboard of the same places again, saying what to fix.
        Err(ServiceError::Invalid(invalid)) => {
            let error = statistics_dashboard::invalid_text(&invalid);
            let refused = ReportRefused {
                error,
                period: req.period.clone(),
            };
            let back = DashboardQuery::for_places(q.region, q.category, q.enterprise_id);
            statistics_dashboard::show(&state, &page, &s.principal, &back, Some(refused)).await
        }
        Err(e) => state.error_page(&page, e),
    }
}

/// The reports the schedule made for the reader (none for an enterprise).
pub(crate) async fn kept_list(
    state: &WebState,
    lang: crate::i18n::Lang,
    principal: &zhisu_domain::Principal,
) -> Vec<minijinja::Value> {
    if zhisu_service::report_scope(principal).is_none() {
        return Vec::new();
    }
    let today = zhisu_service::today_in_shanghai();
    let kept = state
        .service
        .scheduled_reports(principal)
        .await
        .unwrap_or_default();
    kept.into_iter()
        .map(|r| {
            let name = match ReportPeriod::parse("period", &r.period, today) {
                Ok(p) if lang == crate::i18n::Lang::Zh => {
                    format!("{} {}", p.name_zh(), p.kind_zh())
                }
                _ => r.period.clone(),
            };
            minijinja::context! {
                name,
                format => r.format.to_uppercase(),
                size => format!("{} KB", (r.size + 999) / 1000),
                at => crate::view::local_time(r.created_at.clone()),
                id => r.id,
            }
        })
        .collect()
}

/// `GET /statistics/reports/{id}`: a report the schedule made.
pub async fn kept(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    match state.service.scheduled_report(&s.principal, id).await {
        Ok(file) => attachment(file),
        Err(e) => state.error_page(&page, e),
    }
}
