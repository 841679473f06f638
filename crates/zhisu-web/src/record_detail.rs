//! A record's page, its history and its ledger receipt.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use zhisu_domain::{Principal, RecordKind};
use zhisu_service::{ListFilter, RecordView};

use crate::view::{self, Table, TableRow};
use crate::{Page, SignedIn, WebState};

use crate::pages::*;
use crate::record_list::record_table;

/// A detail page: the record's fields, its ledger leaf, and related tables.
pub(crate) async fn detail_page(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    id: i64,
) -> Response {
    let record = match kind {
        RecordKind::Flow => state.service.read_flow(by, id).await,
        RecordKind::Feedback => state.service.read_feedback(by, id).await,
        RecordKind::Recall => state.service.read_recall(by, id).await.map(|(v, _)| v),
        _ => state.service.read_record(by, kind, id).await,
    };
    detail_page_of(state, page, by, kind, id, record).await
}

/// [`detail_page`] of a record already read (a flow whose contact was
/// just revealed, V7).
pub(crate) async fn detail_page_of(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    id: i64,
    record: Result<RecordView, zhisu_service::ServiceError>,
) -> Response {
    let record = match record {
        Ok(r) => state.service.with_retention(r).await,
        Err(e) => Err(e),
    };
    let record = match record {
        Ok(r) => r,
        Err(e) => return state.error_page(page, e),
    };
    let lang = page.lang;
    let mut rows = view::rows(lang, &record.body, fields_of(kind));
    for (row, field) in rows.iter_mut().zip(fields_of(kind)) {
        row.label = field_label(lang, kind, field);
    }
    if let Some(row) = crate::copying::source_row(state, lang, by, &record).await {
        rows.push(row);
    }
    let mut tables = Vec::new();
    let mut actions: Vec<(String, String)> = Vec::new();
    let mut workflow: Vec<minijinja::Value> = Vec::new();
    let (title, can_edit) = match kind {
        RecordKind::Package => (record.text("key").to_string(), false),
        // Its own page (`case_pages.rs`) shows a case; this is its history's title.
        RecordKind::Case => (lang.text("case").to_string(), false),
        RecordKind::Register => (record.text("source").to_string(), false),
        RecordKind::Review => (lang.text("review_record").to_string(), false),
        RecordKind::ChangeRequest => {
            crate::change_requests::detail_parts(
                state,
                page,
                by,
                &record,
                &mut rows,
                &mut tables,
                &mut workflow,
            )
            .await
        }
        RecordKind::Flow => {
            // V7: a regulator sees the buyer's contact masked until it
            // reveals it with a reason.
            if record.body["contact_masked"] == true {
                workflow.push(
                    minijinja::context! { kind => "reveal", url => format!("/flows/{id}/reveal") },
                );
            }
            rows.retain(|r| r.label != lang.text("lines"));
            tables.push(crate::flow_lines::lines_table(state, page, &record).await);
            (record.text("counterparty_name").to_string(), false)
        }
        RecordKind::Feedback => {
            if record.text("status") != "closed" && by.can_record_flow(record.enterprise_id) {
                workflow.push(minijinja::context! { kind => "answer", url => format!("/feedback/{id}/answer") });
            }
            (lang.text("feedback").to_string(), false)
        }
        RecordKind::Recall => {
            if let Ok(trace) = state.service.recall_trace(by, id).await {
                tables.push(Table {
                    title: lang.text("trace").into(),
                    columns: [
                        "level",
                        "holder",
                        "address",
                        "contact_phone",
                        "received",
                        "sold",
                        "holding",
                    ]
                    .iter()
                    .map(|c| view::label(lang, c))
                    .collect(),
                    rows: trace
                        .holders
                        .iter()
                        .map(|h| TableRow {
                            link: h
                                .enterprise_id
                                .map(|e| format!("/enterprises/{e}"))
                                .unwrap_or_default(),
                            cells: vec![
                                h.level.to_string(),
                                h.name.clone(),
                                h.address.clone().unwrap_or_default(),
                                h.contact.clone().unwrap_or_default(),
                                h.received.to_string(),
                                h.sold.to_string(),
                                h.holding.to_string(),
                            ],
                        })
                        .collect(),
                    action: None,
                });
                tables.push(Table {
                    title: lang.text("inputs").into(),
                    columns: ["name", "supplier", "lot", "key", "producer"]
                        .iter()
                        .map(|c| view::label(lang, c))
                        .collect(),
                    rows: trace
                        .inputs
                        .iter()
                        .map(|i| TableRow {
                            link: i
                                .upstream_batch_id
                                .map(|b| format!("/batches/{b}"))
                                .unwrap_or_default(),
                            cells: vec![
                                i.name.clone(),
                                i.supplier.clone().unwrap_or_default(),
                                i.lot.clone().unwrap_or_default(),
                                i.code.clone().unwrap_or_default(),
                                i.upstream_producer.clone().unwrap_or_default(),
                            ],
                        })
                        .collect(),
                    action: None,
                });
            }
            workflow.push(minijinja::context! { kind => "link", url => format!("/recalls/{id}/trace.xlsx"), label => lang.text("download_xlsx"), id => "trace-xlsx" });
            let runs = match record.typed::<zhisu_domain::recall::Recall>() {
                Ok(recall) => state.service.may_close_recall(by, &recall).await,
                Err(_) => false,
            };
            if record.text("status") == "open" && runs {
                workflow.push(minijinja::context! { kind => "progress", url => format!("/recalls/{id}/progress"),
                    notified => record.body["notified"].as_u64(), returned => record.body["returned"].as_u64() });
            }
            (record.text("reason").to_string(), false)
        }
        RecordKind::Enterprise => {
            crate::identity_checks::enterprise_parts(
                state,
                page,
                by,
                &record,
                &mut rows,
                &mut workflow,
            )
            .await;
            if record.body["kind"] == "manufacturer" {
                let filter = ListFilter {
                    enterprise_id: Some(id),
                    limit: Some(100),
                    ..Default::default()
                };
                if let Ok(products) = state.service.list(by, RecordKind::Product, &filter).await {
                    tables.push(record_table(page, RecordKind::Product, &products.items));
                }
                if by.can_edit_enterprise(id) {
                    actions.push((
                        format!("/enterprises/{id}/channels"),
                        lang.text("channels_title").into(),
                    ));
                }
            }
            (record.text("name").to_string(), by.can_edit_enterprise(id))
        }
        RecordKind::Product => {
            let filter = ListFilter {
                product_id: Some(id),
                limit: Some(100),
                ..Default::default()
            };
            if let Ok(batches) = state.service.list(by, RecordKind::Batch, &filter).await {
                tables.push(record_table(page, RecordKind::Batch, &batches.items));
            }
            let can = by.can_file_products(
                record.enterprise_id,
                zhisu_domain::EnterpriseKind::Manufacturer,
            );
            if can {
                actions.push((
                    format!("/batches/new?product_id={id}"),
                    lang.text("new_batch").into(),
                ));
                actions.push((
                    format!("/products/new?from={id}"),
                    lang.text("copy_product").into(),
                ));
            }
            crate::change_requests::product_parts(
                state,
                page,
                by,
                &record,
                can,
                &mut rows,
                &mut actions,
            )
            .await;
            crate::supplement_pages::product_parts(lang, &record, can, &mut workflow, &mut tables);
            crate::reporting_pages::product_parts(
                state,
                page,
                by,
                id,
                can,
                &mut workflow,
                &mut tables,
            )
            .await;
            if let Ok(e) = state
                .service
                .read_record(by, RecordKind::Enterprise, record.enterprise_id)
                .await
            {
                rows.insert(
                    0,
                    view::Row {
                        label: lang.text("enterprise_id").into(),
                        value: e.text("name").into(),
                        link: Some(format!("/enterprises/{}", e.id)),
                    },
                );
            }
            (
                format!("{} {}", record.text("product_name"), record.text("model")),
                can,
            )
        }
        RecordKind::Batch => {
            let product_id = record.body["product_id"].as_i64().unwrap_or(0);
            let product = state
                .service
                .read_record(by, RecordKind::Product, product_id)
                .await
                .ok();
            if let Some(row) = rows.iter_mut().find(|r| r.label == lang.text("product_id")) {
                if let Some(p) = &product {
                    row.value = format!("{} {}", p.text("product_name"), p.text("model"));
                    row.link = Some(format!("/products/{product_id}"));
                }
            }
            {
                let files = by.can_file_products(
                    record.enterprise_id,
                    zhisu_domain::EnterpriseKind::Manufacturer,
                );
                if files {
                    actions.push((
                        format!("/batches/new?from={id}"),
                        lang.text("copy_batch").into(),
                    ));
                }
                let status = record.text("status").to_string();
                let reviews = state
                    .service
                    .read_record(by, RecordKind::Enterprise, record.enterprise_id)
                    .await
                    .is_ok_and(|e| {
                        by.can_review(zhisu_domain::auth::Tenancy {
                            enterprise_id: e.id,
                            region_code: e.text("region_code"),
                        })
                    });
                let post = |action: &str, key: &str| minijinja::context! { kind => "post", url => format!("/batches/{id}/{action}"), label => lang.text(key), id => action };
                match status.as_str() {
                    "draft" | "rejected" if files => workflow.push(post("submit", "submit_batch")),
                    "submitted" if reviews => workflow.push(minijinja::context! { kind => "review", url => format!("/batches/{id}/review") }),
                    "approved" if files => workflow.push(post("activate", "activate")),
                    "active" if files => {
                        if let Ok(plan) = state.service.code_plan(by, id).await {
                            let first = plan.code(0);
                            let path = first
                                .split_once("://")
                                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
                                .unwrap_or_default();
                            workflow.push(minijinja::context! { kind => "link", url => path, label => lang.text("preview_scan"), id => "preview-scan" });
                            let life = format!("/codes/life?code={}", urlencoding::encode(&first));
                            workflow.push(minijinja::context! { kind => "link", url => life, label => lang.text("code_life"), id => "code-life" });
                        }
                        workflow.push(minijinja::context! { kind => "link", url => format!("/batches/{id}/labels"), label => lang.text("labels_pdf"), id => "labels" });
                        for (format, key) in [("txt", "download_txt"), ("csv", "download_csv")] {
                            workflow.push(minijinja::context! { kind => "link", url => format!("/batches/{id}/codes.{format}"), label => lang.text(key), id => format!("codes-{format}") });
                        }
                    }
                    _ => {}
                }
                crate::production_days::batch_parts(
                    lang,
                    &record,
                    product.as_ref(),
                    files,
                    &mut workflow,
                    &mut tables,
                );
                // Disposal (000 §5): regulators freeze and unfreeze; the
                // producer may void its own batch.
                let mut disposals = Vec::new();
                if status == "active" && reviews {
                    disposals.push(("freeze", lang.text("freeze")));
                }
                if status == "frozen" && reviews {
                    disposals.push(("unfreeze", lang.text("unfreeze")));
                }
                if matches!(status.as_str(), "active" | "frozen") && (reviews || files) {
                    disposals.push(("void", lang.text("void")));
                }
                if !disposals.is_empty() {
                    workflow.push(minijinja::context! { kind => "dispose", url => format!("/batches/{id}/dispose"), actions => disposals });
                }
                if matches!(status.as_str(), "active" | "frozen") {
                    workflow.push(minijinja::context! { kind => "link", url => format!("/recalls/new?product_id={product_id}&batch_id={id}"), label => lang.text("open_recall"), id => "open-recall" });
                }
                if let Some(d) = record.body.get("disposal").filter(|d| d.is_object()) {
                    let by_whom = d["by"].as_str().unwrap_or("");
                    let by_whom = state
                        .service
                        .actor_name(by_whom)
                        .await
                        .unwrap_or_else(|_| by_whom.to_string());
                    rows.push(view::Row {
                        label: lang.text("disposal").into(),
                        value: format!(
                            "{} · {} · {} · {}",
                            lang.text(d["action"].as_str().unwrap_or("")),
                            d["reason"].as_str().unwrap_or(""),
                            by_whom,
                            view::local_time(d["at"].as_str().unwrap_or("").to_string())
                        ),
                        link: None,
                    });
                }
                if let Some(review) = record.body.get("review").filter(|r| r.is_object()) {
                    let decision = lang.text(if review["approved"] == true {
                        "approve"
                    } else {
                        "reject"
                    });
                    let at = view::local_time(review["at"].as_str().unwrap_or("").to_string());
                    let reason = review["reason"].as_str().unwrap_or("");
                    let by_whom = review["by"].as_str().unwrap_or("");
                    let by_whom = state
                        .service
                        .actor_name(by_whom)
                        .await
                        .unwrap_or_else(|_| by_whom.to_string());
                    rows.push(view::Row {
                        label: lang.text("review").into(),
                        value: format!("{decision} · {by_whom} · {at} · {reason}"),
                        link: None,
                    });
                }
                (
                    record.text("batch_no").to_string(),
                    // Active or frozen: its optional information (P5.7).
                    files && matches!(status.as_str(), "draft" | "rejected" | "active" | "frozen"),
                )
            }
        }
    };
    if can_edit {
        actions.insert(
            0,
            (
                format!("/{}/{id}/edit", collection(kind)),
                lang.text("edit").into(),
            ),
        );
    }
    actions.push((
        format!("/{}/{id}/history", collection(kind)),
        lang.text("history").into(),
    ));
    // People and records by name, not by ID (issue 15.8).
    let updated_by = state
        .service
        .actor_name(&record.updated_by)
        .await
        .unwrap_or_else(|_| record.updated_by.clone());
    if kind == RecordKind::Recall {
        crate::recall_names::name_recall_rows(state, lang, &record, &mut rows).await;
    }
    state.render(
        page,
        "detail.html",
        minijinja::context! { title, record => record.to_json(), rows, tables, actions, workflow, updated_by,
        receipt => format!("/receipt/{}/{id}", kind.as_str()) },
    )
}

/// The record's ledger receipt as a file, to check offline with only the
/// deployment's public key (`zhisu ledger verify-proof`, docs/ledger.md).
pub async fn receipt(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path((kind, id)): Path<(String, i64)>,
) -> Response {
    let Some(kind) = RecordKind::parse(&kind) else {
        return state.error_page(
            &page,
            zhisu_service::ServiceError::NotFound(format!("record kind {kind}")),
        );
    };
    match state.service.ledger_receipt(&s.principal, kind, id).await {
        Ok(receipt) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"receipt-{}-{id}.json\"",
                        kind.as_str()
                    ),
                ),
            ],
            serde_json::to_string_pretty(&receipt).unwrap_or_default(),
        )
            .into_response(),
        Err(e) => state.error_page(&page, e),
    }
}

pub async fn enterprise_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Enterprise, id).await
}

pub async fn product_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Product, id).await
}

pub async fn batch_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Batch, id).await
}

/// Every version with what changed from the one before it.
pub(crate) async fn history_page(
    state: &WebState,
    page: &Page,
    by: &Principal,
    kind: RecordKind,
    id: i64,
) -> Response {
    let versions = match state.service.history(by, kind, id).await {
        Ok(v) => v,
        Err(e) => return state.error_page(page, e),
    };
    let lang = page.lang;
    let mut entries = Vec::new();
    // Bodies with people by name, not as `user:1` (issue 15.8).
    let mut named = Vec::with_capacity(versions.len());
    for version in &versions {
        let mut v = version.clone();
        v.body = crate::actor_names::with_actor_names(state, &version.body).await;
        named.push(v);
    }
    let versions = named;
    let mut previous: Option<&RecordView> = None;
    for version in &versions {
        let changes: Vec<String> = match previous {
            None => vec![lang.text("first_version").to_string()],
            Some(before) => {
                let mut keys: Vec<&String> = version
                    .body
                    .as_object()
                    .map(|m| m.keys().collect())
                    .unwrap_or_default();
                keys.extend(
                    before
                        .body
                        .as_object()
                        .map(|m| m.keys().collect::<Vec<_>>())
                        .unwrap_or_default(),
                );
                keys.sort();
                keys.dedup();
                keys.into_iter()
                    .filter(|k| before.body.get(k.as_str()) != version.body.get(k.as_str()))
                    .map(|k| {
                        let old = view::display_value(
                            lang,
                            before
                                .body
                                .get(k.as_str())
                                .unwrap_or(&serde_json::Value::Null),
                        );
                        let new = view::display_value(
                            lang,
                            version
                                .body
                                .get(k.as_str())
                                .unwrap_or(&serde_json::Value::Null),
                        );
                        format!("{}: {old} → {new}", view::label(lang, k))
                    })
                    .collect()
            }
        };
        entries.push(minijinja::context! {
            version => version.version, updated_at => version.updated_at.clone(),
            updated_by => state.service.actor_name(&version.updated_by).await.unwrap_or_else(|_| version.updated_by.clone()),
            leaf_index => version.leaf_index, changes,
        });
        previous = Some(version);
    }
    entries.reverse();
    let title = format!("{} · {}", lang.text(collection(kind)), lang.text("history"));
    state.render(
        page,
        "history.html",
        minijinja::context! { title, back => format!("/{}/{id}", collection(kind)), entries },
    )
}

pub async fn enterprise_history(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    history_page(&state, &page, &s.principal, RecordKind::Enterprise, id).await
}

pub async fn product_history(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    history_page(&state, &page, &s.principal, RecordKind::Product, id).await
}

pub async fn batch_history(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    history_page(&state, &page, &s.principal, RecordKind::Batch, id).await
}

pub async fn package_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Package, id).await
}

pub async fn flow_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Flow, id).await
}

pub async fn recall_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Recall, id).await
}

pub async fn feedback_detail(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &page, &s.principal, RecordKind::Feedback, id).await
}

/// `POST /flows/{id}/reveal`: a regulator reveals the buyer's contact with
/// a reason (V7, kept in the audit log); the page again, the contact in
/// full, or the refusal beside the form.
pub async fn reveal_flow(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let revealed = state
        .service
        .reveal_contact(
            &s.principal,
            RecordKind::Flow,
            id,
            &form.text("reason"),
            page.ip.clone(),
        )
        .await;
    detail_page_of(&state, &page, &s.principal, RecordKind::Flow, id, revealed).await
}
