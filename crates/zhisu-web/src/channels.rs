//! The channels page (防窜, P6.5, issue 15.4): a manufacturer assigns each
//! distributor the regions it may sell in, choosing distributors by name
//! and regions by their GB/T 2260 codes; the same record the API's
//! `PATCH /api/v1/enterprises/{id}` writes.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use zhisu_domain::{FieldError, Invalid, RecordKind};
use zhisu_service::ServiceError;

use crate::pages::checked_form;
use crate::{view, Page, SignedIn, WebState};

/// Rows the form offers besides the channels already set.
const EMPTY_ROWS: usize = 3;

#[derive(Serialize)]
struct Row {
    distributor_id: String,
    regions: String,
}

async fn form(
    state: &WebState,
    page: &Page,
    by: &zhisu_domain::Principal,
    id: i64,
    rows: Vec<Row>,
    errors: Vec<String>,
) -> Response {
    let enterprise = match state
        .service
        .read_record(by, RecordKind::Enterprise, id)
        .await
    {
        Ok(e) => e,
        Err(e) => return state.error_page(page, e),
    };
    let distributors: Vec<_> = state
        .service
        .directory()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.kind == "seller")
        .collect();
    let mut response = state.render(
        page,
        "channels.html",
        minijinja::context! {
            id,
            name => enterprise.body["name"].as_str().unwrap_or_default(),
            rows,
            distributors,
            errors => errors.clone(),
        },
    );
    if !errors.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /enterprises/{id}/channels`
pub async fn channels(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let current = match state
        .service
        .read_record(&s.principal, RecordKind::Enterprise, id)
        .await
    {
        Ok(e) => e,
        Err(e) => return state.error_page(&page, e),
    };
    let mut rows: Vec<Row> = current.body["channels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| Row {
            distributor_id: c["distributor_id"]
                .as_i64()
                .map(|i| i.to_string())
                .unwrap_or_default(),
            regions: c["regions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    rows.extend((0..EMPTY_ROWS).map(|_| Row {
        distributor_id: String::new(),
        regions: String::new(),
    }));
    form(&state, &page, &s.principal, id, rows, vec![]).await
}

/// `POST /enterprises/{id}/channels`: rows with a distributor become the
/// channels; a row with regions and no distributor is named as an error.
pub async fn save_channels(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let data = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut rows = Vec::new();
    let mut channels = Vec::new();
    let mut errors = Vec::new();
    for i in 0.. {
        let (d, r) = (format!("distributor_{i}"), format!("regions_{i}"));
        if !data.fields.contains_key(&d) && !data.fields.contains_key(&r) {
            break;
        }
        let distributor = data.text(&d).trim().to_string();
        let regions: Vec<String> = data
            .text(&r)
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        match distributor.parse::<i64>() {
            Ok(did) => {
                channels.push(serde_json::json!({"distributor_id": did, "regions": regions}))
            }
            Err(_) if !regions.is_empty() => errors.push(match page.lang {
                crate::Lang::En => format!("row {}: choose the distributor", i + 1),
                crate::Lang::Zh => format!("第 {} 行：请选择经销商", i + 1),
            }),
            Err(_) => {}
        }
        rows.push(Row {
            distributor_id: distributor,
            regions: regions.join(" "),
        });
    }
    if errors.is_empty() {
        let patch = serde_json::json!({ "channels": channels });
        match state
            .service
            .update_enterprise(&s.principal, id, &patch, None, page.ip.clone())
            .await
        {
            Ok(_) => return Redirect::to(&format!("/enterprises/{id}")).into_response(),
            Err(ServiceError::Invalid(Invalid(findings))) => {
                errors = findings
                    .iter()
                    .map(|f: &FieldError| {
                        format!("{}：{}", row_label(page.lang, &f.field), f.message)
                    })
                    .collect();
            }
            Err(e) => return state.error_page(&page, e),
        }
    }
    form(&state, &page, &s.principal, id, rows, errors).await
}

/// `channels[1].regions[0]` → "第 2 行 销售区域".
fn row_label(lang: crate::Lang, field: &str) -> String {
    let Some(rest) = field.strip_prefix("channels[") else {
        return view::label(lang, field);
    };
    let (n, tail) = rest.split_once(']').unwrap_or((rest, ""));
    let row = n.parse::<usize>().map_or(0, |i| i + 1);
    let what = if tail.contains("regions") {
        view::label(lang, "channel_regions")
    } else {
        view::label(lang, "channel_distributor")
    };
    match lang {
        crate::Lang::En => format!("row {row}, {what}"),
        crate::Lang::Zh => format!("第 {row} 行{what}"),
    }
}
