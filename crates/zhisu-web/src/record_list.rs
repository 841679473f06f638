//! The dashboard and the list pages of records.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_service::{ListFilter, RecordView};

use crate::view::{self, Table, TableRow};
use crate::{Page, SignedIn, WebState};

use crate::pages::*;

pub(crate) async fn total(state: &WebState, by: &Principal, kind: RecordKind) -> i64 {
    let filter = ListFilter {
        limit: Some(1),
        ..Default::default()
    };
    state
        .service
        .list(by, kind, &filter)
        .await
        .map(|p| p.total)
        .unwrap_or(0)
}

pub async fn dashboard(
    State(state): State<WebState>,
    SignedIn(page, session): SignedIn,
) -> Response {
    let by = &session.principal;
    let pending = ListFilter {
        limit: Some(1),
        status: Some("pending".into()),
        ..Default::default()
    };
    let pending_changes = state
        .service
        .list(by, RecordKind::ChangeRequest, &pending)
        .await
        .map(|p| p.total)
        .unwrap_or(0);
    // Open verification findings this person may see (issue 17).
    let open_findings = state
        .service
        .list_findings(
            by,
            zhisu_service::FindingFilter {
                status: Some("open".into()),
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .map(|p| p.total)
        .unwrap_or(0);
    // Cases awaiting this person (V6-dispose): an enterprise's to answer,
    // a regulator's to re-check.
    let awaiting = if by.enterprise_id.is_some() {
        Some("notified")
    } else if by.role == zhisu_domain::Role::Regulator {
        Some("answered")
    } else {
        None
    };
    let awaiting_cases = match awaiting {
        Some(status) => state
            .service
            .list(
                by,
                RecordKind::Case,
                &ListFilter {
                    limit: Some(1),
                    status: Some(status.into()),
                    ..Default::default()
                },
            )
            .await
            .map(|p| p.total)
            .unwrap_or(0),
        None => 0,
    };
    let counts = minijinja::context! {
        pending_changes,
        open_findings,
        awaiting_cases,
        awaiting_status => awaiting,
        enterprises => total(&state, by, RecordKind::Enterprise).await,
        products => total(&state, by, RecordKind::Product).await,
        batches => total(&state, by, RecordKind::Batch).await,
    };
    let recent = match state
        .service
        .list(
            by,
            RecordKind::Product,
            &ListFilter {
                limit: Some(8),
                ..Default::default()
            },
        )
        .await
    {
        Ok(p) => record_table(&page, RecordKind::Product, &p.items),
        Err(e) => return state.error_page(&page, e),
    };
    let jurisdiction: Vec<String> = by
        .jurisdiction
        .iter()
        .map(|j| {
            format!(
                "{j} {}",
                zhisu_codes::province_name(j.as_str()).unwrap_or("")
            )
        })
        .collect();
    // Recalls whose goods reached this enterprise or jurisdiction (issue 15.1).
    let notices = state.service.recall_notices(by).await.unwrap_or_default();
    state.render(
        &page,
        "dashboard.html",
        minijinja::context! { counts, recent, jurisdiction, notices },
    )
}

/// The columns a list of `kind` shows.
pub(crate) fn table_columns(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Package => &["key", "sscc", "parent_code", "updated_at"],
        RecordKind::Flow => &["kind", "at", "counterparty_name", "matched", "updated_at"],
        RecordKind::Recall => &["status", "reason", "batch_ids", "updated_at"],
        RecordKind::Feedback => &["message", "status", "from", "updated_at"],
        RecordKind::ChangeRequest => &["changes", "reason", "status", "updated_at"],
        RecordKind::Case => &["status", "class", "deadline", "updated_at"],
        RecordKind::Register => &["kind", "source", "updated_at"],
        RecordKind::Review => &["rule", "finding_id", "case_id", "updated_at"],
        RecordKind::Enterprise => &["name", "uscc", "kind", "region_code", "updated_at"],
        RecordKind::Product => &[
            "product_name",
            "model",
            "category",
            "trace_level",
            "updated_at",
        ],
        RecordKind::Batch => &[
            "batch_no",
            "production_date",
            "quantity",
            "status",
            "updated_at",
        ],
    }
}

/// A table of records, each row linking to the record's page.
pub(crate) fn record_table(page: &Page, kind: RecordKind, items: &[RecordView]) -> Table {
    let lang = page.lang;
    let columns = table_columns(kind);
    let cell = |r: &RecordView, field: &str| match field {
        "updated_at" => view::local_time(r.updated_at.clone()),
        "changes" => crate::change_requests::changed_labels(&r.body),
        "region_code" => {
            let code = r.text("region_code");
            format!("{code} {}", zhisu_codes::province_name(code).unwrap_or(""))
        }
        _ => view::display_value(lang, &r.body[field]),
    };
    Table {
        title: lang.text(collection(kind)).into(),
        columns: columns.iter().map(|c| field_label(lang, kind, c)).collect(),
        rows: items
            .iter()
            .map(|r| TableRow {
                link: format!("/{}/{}", collection(kind), r.id),
                cells: columns.iter().map(|c| cell(r, c)).collect(),
            })
            .collect(),
        action: None,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    q: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    status: Option<String>,
    region_code: Option<String>,
    enterprise_id: Option<i64>,
    product_id: Option<i64>,
    offset: Option<i64>,
}

pub(crate) async fn list_page(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    params: ListParams,
) -> Response {
    const PAGE_SIZE: i64 = 25;
    let offset = params.offset.unwrap_or(0).max(0);
    let filter = ListFilter {
        enterprise_id: params.enterprise_id,
        product_id: params.product_id,
        kind: params.kind.clone(),
        category: params.category.clone(),
        status: params.status.clone(),
        region_code: params.region_code.clone(),
        q: params.q.clone(),
        limit: Some(PAGE_SIZE),
        offset: Some(offset),
    };
    let result = match kind {
        RecordKind::Flow => state.service.list_flows(by, &filter).await,
        RecordKind::Recall => state.service.list_recalls(by, &filter).await,
        _ => state.service.list(by, kind, &filter).await,
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => return state.error_page(page, e),
    };
    let table = record_table(page, kind, &result.items);
    let lang = page.lang;
    let (filter_name, filter_value, options): (&str, String, Vec<(String, String)>) = match kind {
        RecordKind::Package => (
            "kind",
            params.kind.clone().unwrap_or_default(),
            vec![
                ("sscc".to_string(), "SSCC".to_string()),
                ("bundle".to_string(), lang.text("v_multi-code").to_string()),
            ],
        ),
        RecordKind::Enterprise => (
            "kind",
            params.kind.unwrap_or_default(),
            ["manufacturer", "seller"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Product => (
            "category",
            params.category.unwrap_or_default(),
            zhisu_domain::product::CATEGORIES
                .iter()
                .map(|c| {
                    (
                        c.code.to_string(),
                        if lang == crate::Lang::Zh {
                            c.name_zh
                        } else {
                            c.name_en
                        }
                        .to_string(),
                    )
                })
                .collect(),
        ),
        RecordKind::Flow => (
            "kind",
            params.kind.clone().unwrap_or_default(),
            ["sale", "purchase", "return"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Feedback => (
            "status",
            params.status.clone().unwrap_or_default(),
            ["open", "answered", "closed"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Register => ("kind", params.kind.clone().unwrap_or_default(), vec![]),
        RecordKind::Review => ("status", params.status.clone().unwrap_or_default(), vec![]),
        RecordKind::Case => (
            "status",
            params.status.clone().unwrap_or_default(),
            zhisu_domain::cases::CaseStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), s.label_zh().to_string()))
                .collect(),
        ),
        RecordKind::ChangeRequest => (
            "status",
            params.status.clone().unwrap_or_default(),
            ["pending", "approved", "rejected"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Recall => (
            "status",
            params.status.clone().unwrap_or_default(),
            ["open", "closed"]
                .iter()
                .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
                .collect(),
        ),
        RecordKind::Batch => (
            "status",
            params.status.unwrap_or_default(),
            [
                "draft",
                "submitted",
                "approved",
                "rejected",
                "active",
                "frozen",
                "voided",
            ]
            .iter()
            .map(|k| (k.to_string(), lang.text(&format!("v_{k}")).to_string()))
            .collect(),
        ),
    };
    let query_base = format!(
        "q={}&{filter_name}={}&region_code={}",
        urlencoding::encode(params.q.as_deref().unwrap_or("")),
        urlencoding::encode(&filter_value),
        urlencoding::encode(params.region_code.as_deref().unwrap_or(""))
    );
    let new_link = match kind {
        RecordKind::Product
            if by.role == Role::ManufacturerAdmin || by.role == Role::ManufacturerOperator =>
        {
            Some("/products/new")
        }
        RecordKind::Batch
            if by.role == Role::ManufacturerAdmin || by.role == Role::ManufacturerOperator =>
        {
            Some("/batches/new")
        }
        RecordKind::Flow if by.role.needs_enterprise() => Some("/flows/new"),
        RecordKind::Package
            if by.role == Role::ManufacturerAdmin || by.role == Role::ManufacturerOperator =>
        {
            Some("/packages/new")
        }
        _ => None,
    };
    state.render(
        page,
        "list.html",
        minijinja::context! {
            title => lang.text(collection(kind)),
            collection => collection(kind),
            table,
            total => result.total,
            q => params.q.unwrap_or_default(),
            region_code => params.region_code.unwrap_or_default(),
            filter_name, filter_label => field_label(lang, kind, filter_name), filter_value, options,
            prev => (offset > 0).then(|| format!("?{query_base}&offset={}", (offset - PAGE_SIZE).max(0))),
            next => (offset + PAGE_SIZE < result.total).then(|| format!("?{query_base}&offset={}", offset + PAGE_SIZE)),
            new_link,
            templates => if new_link.is_some() { crate::imports::template_links(kind) } else { Vec::new() },
        },
    )
}

pub async fn enterprise_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Enterprise, p).await
}

pub async fn product_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Product, p).await
}

pub async fn batch_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Batch, p).await
}

pub async fn package_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Package, p).await
}

pub async fn flow_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Flow, p).await
}

pub async fn recall_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Recall, p).await
}

pub async fn feedback_list(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Query(p): Query<ListParams>,
) -> Response {
    list_page(&state, &page, &s.principal, RecordKind::Feedback, p).await
}
