//! 批量导入 on the pages (issue 19.3, P5.3.2): a clerk uploads a filled-in
//! template, sees every row as checked with each mistake at its row and
//! column, then imports all of it (when nothing is wrong) or only the
//! rows without mistakes, and watches the rows being filed. The same jobs
//! as `POST /api/v1/imports`.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhisu_domain::imports::{self, ImportKind};
use zhisu_domain::{EnterpriseKind, FieldError, RecordKind};
use zhisu_service::{CommitMode, ImportUpload, ServiceError};
use zhisu_store::{ImportJob, ImportRow};

use crate::pages::{checked_form, invalid_page};
use crate::{Lang, Page, SignedIn, WebState};

/// Rows shown a page.
const ROWS_A_PAGE: i64 = 200;

/// An import's state in the page's words.
fn status_label(lang: Lang, status: &str) -> String {
    lang.text(&format!("imp_status_{status}")).to_string()
}

/// A kind's name in the page's language.
fn kind_name(lang: Lang, kind: &ImportKind) -> String {
    match lang {
        Lang::Zh => kind.zh.clone(),
        Lang::En => kind.en.clone(),
    }
}

/// Where a row's record is shown.
fn record_link(kind: &str, id: i64) -> String {
    match kind {
        "products" => format!("/products/{id}"),
        "sales" | "purchases" => format!("/flows/{id}"),
        // Batches, and a daily quantity's batch.
        _ => format!("/batches/{id}"),
    }
}

/// The kinds `page`'s user may import: a seller its flows only.
async fn kinds_for(state: &WebState, s: &crate::Session) -> Vec<&'static ImportKind> {
    let kind = match s.principal.enterprise_id {
        Some(id) => state
            .service
            .read_record(&s.principal, RecordKind::Enterprise, id)
            .await
            .ok()
            .and_then(|e| EnterpriseKind::parse(e.text("kind")))
            .unwrap_or(EnterpriseKind::Manufacturer),
        None => EnterpriseKind::Manufacturer,
    };
    zhisu_service::import_kinds_for(kind)
}

/// One import as its list and page show it.
async fn job_view(state: &WebState, lang: Lang, job: &ImportJob) -> minijinja::Value {
    let kind = imports::kind(&job.kind);
    let by = state
        .service
        .actor_name(&job.created_by)
        .await
        .unwrap_or_else(|_| job.created_by.clone());
    let enterprise = state
        .service
        .record_name(RecordKind::Enterprise, job.enterprise_id)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let settled = job.rows - job.pending;
    minijinja::context! {
        id => job.id,
        link => format!("/imports/{}", job.id),
        kind => kind.map(|k| kind_name(lang, k)).unwrap_or_else(|| job.kind.clone()),
        file => job.file_name.clone(),
        enterprise,
        by,
        at => crate::view::local_time(job.created_at.clone()),
        finished => job.finished_at.clone().map(crate::view::local_time),
        status => job.status.clone(),
        status_label => status_label(lang, &job.status),
        mode => job.commit_mode.as_deref().map(|m| lang.text(&format!("imp_mode_{m}")).to_string()),
        rows => job.rows,
        pending => job.pending,
        created => job.created,
        unchanged => job.unchanged,
        errors => job.errors,
        percent => if job.rows > 0 { settled * 100 / job.rows } else { 100 },
        failure => job.failure.clone(),
    }
}

/// A row as the page's table shows it: its first filled cells under their
/// Chinese names, its mistakes after their columns' names.
fn row_view(lang: Lang, kind: &ImportKind, job_kind: &str, row: &ImportRow) -> minijinja::Value {
    let column_name = |key: &str| {
        kind.columns
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.zh.clone())
            .unwrap_or_else(|| key.to_string())
    };
    let cells: Vec<String> = row
        .body
        .as_ref()
        .map(|body| {
            kind.columns
                .iter()
                .filter_map(|c| {
                    let value = if matches!(c.key.as_str(), "code" | "quantity")
                        && body.get("lines").is_some()
                    {
                        body["lines"][0].get(&c.key)
                    } else {
                        body.get(&c.key)
                    }?;
                    let shown = crate::view::display_value(lang, value);
                    (!shown.is_empty() && c.key != "inspection_report")
                        .then(|| format!("{}：{shown}", c.zh))
                })
                .take(4)
                .collect()
        })
        .unwrap_or_default();
    let errors: Vec<String> = row
        .errors
        .iter()
        .map(|e| match &e.column {
            Some(column) => format!("{}：{}", column_name(column), e.message),
            None => e.message.clone(),
        })
        .collect();
    minijinja::context! {
        row => row.row,
        status => row.status.clone(),
        status_label => lang.text(&format!("imp_row_{}", row.status)).to_string(),
        cells => cells.join(" · "),
        errors,
        link => row.id.map(|id| record_link(job_kind, id)),
    }
}

#[derive(Deserialize)]
pub struct ImportsQuery {
    kind: Option<String>,
}

/// `GET /imports`: the upload form and the enterprise's imports.
pub async fn list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(q): Query<ImportsQuery>,
) -> Response {
    imports_page(&state, &page, &s, q.kind.as_deref()).await
}

async fn imports_page(
    state: &WebState,
    page: &Page,
    s: &crate::Session,
    chosen: Option<&str>,
) -> Response {
    let jobs = match state.service.import_jobs(&s.principal).await {
        Ok(jobs) => jobs,
        Err(e) => return state.error_page(page, e),
    };
    let mut rows = Vec::with_capacity(jobs.len());
    for job in &jobs {
        rows.push(job_view(state, page.lang, job).await);
    }
    let kinds: Vec<minijinja::Value> = kinds_for(state, s)
        .await
        .into_iter()
        .map(|k| {
            let link = crate::imports::template_link(k);
            minijinja::context! {
                kind => k.kind.clone(), name => kind_name(page.lang, k),
                selected => chosen == Some(k.kind.as_str()),
                xlsx => link.xlsx, csv => link.csv,
            }
        })
        .collect();
    state.render(
        page,
        "imports.html",
        minijinja::context! {
            kinds, rows, csrf => s.csrf.clone(),
            needs_enterprise => s.principal.enterprise_id.is_none(),
        },
    )
}

/// `POST /imports`: the file read and checked; its preview.
pub async fn upload(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let refuse = |field: &str, message: String| {
        invalid_page(
            &state,
            &page,
            &[FieldError::new(field, "invalid", message)],
            "/imports".into(),
        )
    };
    let Some((name, bytes)) = form.files.get("file").filter(|(_, b)| !b.is_empty()) else {
        return refuse("file", page.lang.text("imp_choose_file").to_string());
    };
    let enterprise_id = match form.text("enterprise_id").trim() {
        "" => None,
        id => match id.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                return refuse(
                    "enterprise_id",
                    page.lang.text("imp_bad_enterprise").to_string(),
                )
            }
        },
    };
    let upload = ImportUpload {
        kind: form.text("kind"),
        enterprise_id,
        file_name: name.clone(),
        bytes: bytes.clone(),
        ndjson: name.ends_with(".ndjson") || name.ends_with(".jsonl"),
    };
    match state.service.check_import(&s.principal, upload).await {
        Ok(job) => Redirect::to(&format!("/imports/{}", job.id)).into_response(),
        Err(ServiceError::Invalid(zhisu_domain::Invalid(errors))) => {
            invalid_page(&state, &page, &errors, "/imports".into())
        }
        Err(ServiceError::TooLarge(m)) => refuse("file", m),
        Err(e) => state.error_page(&page, e),
    }
}

#[derive(Deserialize)]
pub struct RowsQuery {
    after: Option<i64>,
}

/// `GET /imports/{id}`: the preview, or the rows being filed and filed.
pub async fn detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<RowsQuery>,
) -> Response {
    let job = match state.service.import_job(&s.principal, id).await {
        Ok(job) => job,
        Err(e) => return state.error_page(&page, e),
    };
    let after = q.after.unwrap_or(0).max(0);
    let rows = match state
        .service
        .import_rows(&s.principal, id, after, ROWS_A_PAGE)
        .await
    {
        Ok(rows) => rows,
        Err(e) => return state.error_page(&page, e),
    };
    let Some(kind) = imports::kind(&job.kind) else {
        return state.error_page(&page, ServiceError::NotFound(job.kind.clone()));
    };
    let next = (rows.len() as i64 == ROWS_A_PAGE)
        .then(|| rows.last().map(|r| format!("?after={}", r.row)))
        .flatten();
    let shown: Vec<minijinja::Value> = rows
        .iter()
        .map(|r| row_view(page.lang, kind, &job.kind, r))
        .collect();
    let view = job_view(&state, page.lang, &job).await;
    state.render(
        &page,
        "import.html",
        minijinja::context! {
            job => view, rows => shown, next, csrf => s.csrf.clone(),
            running => job.status == "running",
            may_commit => job.status == "checked",
            all_valid => job.errors == 0 && job.pending > 0,
            some_valid => job.pending > 0,
        },
    )
}

/// `POST /imports/{id}/commit`: all rows or only the valid ones.
pub async fn commit(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mode = CommitMode::parse(&form.text("mode")).unwrap_or(CommitMode::All);
    match state.service.commit_import(&s.principal, id, mode).await {
        Ok(_) => Redirect::to(&format!("/imports/{id}")).into_response(),
        // Only offered when no row is wrong; sent anyway, its first
        // finding says how many are.
        Err(ServiceError::Invalid(zhisu_domain::Invalid(errors))) => state.error_page(
            &page,
            ServiceError::Conflict(
                errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default(),
            ),
        ),
        Err(e) => state.error_page(&page, e),
    }
}
