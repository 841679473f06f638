//! The labels page (issue 15.4, 15.9, 15.10): every range of an active
//! batch's labels can be printed from the page, as A4 sheets (PDF) or ZPL
//! for label printers, and any one code's QR symbol downloaded (SVG or
//! PNG); while `public_url` is an address no phone can open, the page says
//! so and prints only once the user confirms.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use zhisu_service::{CodeFormat, ServiceError};

use crate::{Lang, SignedIn, WebState};

/// Labels per PDF: as many as the API renders in one request.
const PER_SHEET_FILE: u64 = 2400;
/// Ranges listed on the page at most (a larger batch uses the form).
const LISTED_RANGES: u64 = 200;

#[derive(Debug, Default, Deserialize)]
pub struct LabelQuery {
    /// First label, 1-based, as people count.
    from: Option<String>,
    /// Last label, inclusive.
    to: Option<String>,
    /// `pdf` (default) or `zpl`.
    format: Option<String>,
    /// The user confirmed printing under an unscannable public URL.
    confirm: Option<String>,
}

#[derive(Serialize)]
struct Range {
    from: u64,
    to: u64,
}

/// A number field of the form: 1-based, within the batch.
fn label_number(
    lang: Lang,
    value: &Option<String>,
    name: &str,
    count: u64,
) -> Result<Option<u64>, String> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match v.parse::<u64>() {
        Ok(n) if (1..=count).contains(&n) => Ok(Some(n)),
        _ => Err(match lang {
            Lang::En => format!("{name}: enter a label number from 1 to {count}"),
            Lang::Zh => format!("“{name}”须为 1 到 {count} 之间的标签序号"),
        }),
    }
}

/// `GET /batches/{id}/labels`: the form and the ranges; with `from`/`to`
/// (and the confirmation where needed) the labels themselves.
pub async fn labels(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<LabelQuery>,
) -> Response {
    let plan = match state.service.code_plan(&s.principal, id).await {
        Ok(p) => p,
        Err(e) => return state.error_page(&page, e),
    };
    let lang = page.lang;
    let count = plan.count;
    let (from_name, to_name) = (lang.text("labels_from"), lang.text("labels_to"));
    let mut errors = Vec::new();
    let from = label_number(lang, &q.from, from_name, count).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = label_number(lang, &q.to, to_name, count).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let format = match q.format.as_deref().unwrap_or("pdf") {
        "pdf" => None,
        "zpl" => Some(CodeFormat::Zpl),
        _ => {
            errors.push(lang.text("labels_bad_format").to_string());
            None
        }
    };
    let confirmed = q.confirm.as_deref().is_some_and(|c| !c.is_empty());
    let unscannable = state.service.unscannable_public_url().map(str::to_string);
    let asked = q.from.is_some() || q.to.is_some();
    if let (true, Some(from), Some(to)) = (errors.is_empty(), from, to) {
        if from > to {
            errors.push(match lang {
                Lang::En => format!("{to_name} is before {from_name}"),
                Lang::Zh => format!("“{to_name}”不能小于“{from_name}”"),
            });
        } else if format.is_none() && to - from + 1 > PER_SHEET_FILE {
            errors.push(match lang {
                Lang::En => format!(
                    "at most {PER_SHEET_FILE} labels per PDF: print the batch range by range"
                ),
                Lang::Zh => format!("每个 PDF 最多 {PER_SHEET_FILE} 个标签，请分段打印"),
            });
        } else if unscannable.is_some() && !confirmed {
            errors.push(lang.text("labels_confirm_needed").to_string());
        } else {
            return print(&state, &page, plan, from - 1, to, format).await;
        }
    } else if asked && errors.is_empty() {
        errors.push(match lang {
            Lang::En => format!("give both {from_name} and {to_name}"),
            Lang::Zh => format!("请填写“{from_name}”和“{to_name}”"),
        });
    }
    let ranges: Vec<Range> = (0..count.div_ceil(PER_SHEET_FILE).min(LISTED_RANGES))
        .map(|i| Range {
            from: i * PER_SHEET_FILE + 1,
            to: ((i + 1) * PER_SHEET_FILE).min(count),
        })
        .collect();
    let more = count.div_ceil(PER_SHEET_FILE) > LISTED_RANGES;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = state.render(
        &page,
        "labels.html",
        minijinja::context! {
            id,
            product_name => plan.product_name,
            model => plan.model,
            batch_no => plan.batch_no,
            count,
            ranges,
            more,
            per_file => PER_SHEET_FILE,
            unscannable,
            confirmed,
            errors,
            from => q.from.clone().unwrap_or_else(|| "1".into()),
            to => q.to.clone().unwrap_or_else(|| count.min(240).to_string()),
        },
    );
    *response.status_mut() = status;
    response
}

/// The labels `from..to` (0-based, end exclusive) as PDF or ZPL.
async fn print(
    state: &WebState,
    page: &crate::Page,
    plan: zhisu_service::CodePlan,
    from: u64,
    to: u64,
    format: Option<CodeFormat>,
) -> Response {
    let name = format!(
        "batch-{}-labels-{}-{}.{}",
        plan.batch_id,
        from + 1,
        to,
        if format.is_some() { "zpl" } else { "pdf" }
    );
    let body = match format {
        Some(format) => {
            let chunks = plan
                .chunks(from, to, format)
                .map(Ok::<_, std::convert::Infallible>);
            axum::body::Body::from_stream(futures_util::stream::iter(chunks))
        }
        None => {
            let rendered = tokio::task::spawn_blocking(move || {
                let template = plan.template.clone();
                plan.labels_pdf(from, to, &template)
            })
            .await;
            match rendered {
                Ok(Ok(pdf)) => axum::body::Body::from(pdf),
                Ok(Err(e)) => return state.error_page(page, e),
                Err(e) => return state.error_page(page, ServiceError::Internal(e.to_string())),
            }
        }
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(match format {
            Some(f) => f.content_type(),
            None => "application/pdf",
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[derive(Debug, Default, Deserialize)]
pub struct QrQuery {
    /// The label's number, 1-based.
    n: Option<String>,
    /// `png` (default) or `svg`.
    format: Option<String>,
    confirm: Option<String>,
}

/// `GET /batches/{id}/qr?n=5&format=png`: one code's QR symbol, to paste
/// into a packaging design.
pub async fn qr(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<QrQuery>,
) -> Response {
    let plan = match state.service.code_plan(&s.principal, id).await {
        Ok(p) => p,
        Err(e) => return state.error_page(&page, e),
    };
    let lang = page.lang;
    let back = format!("/batches/{id}/labels");
    let refuse = |message: String| {
        state
            .error_page(&page, ServiceError::BadRequest(message))
            .into_response()
    };
    let n = match label_number(lang, &q.n, lang.text("qr_number"), plan.count) {
        Ok(Some(n)) => n,
        Ok(None) => return refuse(lang.text("qr_number_needed").to_string()),
        Err(e) => return refuse(e),
    };
    let confirmed = q.confirm.as_deref().is_some_and(|c| !c.is_empty());
    if state.service.unscannable_public_url().is_some() && !confirmed {
        return Redirect::to(&back).into_response();
    }
    let symbol = match zhisu_print::Qr::new(&plan.code(n - 1)) {
        Ok(s) => s,
        Err(e) => return refuse(e.to_string()),
    };
    let (body, kind, ext) = match q.format.as_deref().unwrap_or("png") {
        "svg" => (symbol.svg(8).into_bytes(), "image/svg+xml", "svg"),
        "png" => (symbol.png(8), "image/png", "png"),
        _ => return refuse(lang.text("labels_bad_format").to_string()),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"batch-{id}-code-{n}.{ext}\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
