//! A recall's page rows by name (issue 15.8): its product, batches and
//! the person who opened it, where the record stores their IDs.

use zhisu_domain::RecordKind;
use zhisu_service::RecordView;

use crate::{view, WebState};

/// A recall's product, batches and opener by name.
pub(crate) async fn name_recall_rows(
    state: &WebState,
    lang: crate::Lang,
    record: &RecordView,
    rows: &mut [view::Row],
) {
    let service = &state.service;
    let product = match record.body["product_id"].as_i64() {
        Some(id) => service
            .record_name(RecordKind::Product, id)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let mut batches = Vec::new();
    for id in record.body["batch_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b.as_i64())
    {
        if let Ok(Some(name)) = service.record_name(RecordKind::Batch, id).await {
            batches.push(name);
        }
    }
    let opener = match record.body["opened_by"].as_str() {
        Some(a) => service.actor_name(a).await.ok(),
        None => None,
    };
    for field in crate::pages::fields_of(RecordKind::Recall) {
        let label = view::label(lang, field);
        let Some(row) = rows.iter_mut().find(|r| r.label == label) else {
            continue;
        };
        match *field {
            "product_id" => {
                if let Some(p) = &product {
                    row.value = p.clone();
                    row.link = record.body["product_id"]
                        .as_i64()
                        .map(|id| format!("/products/{id}"));
                }
            }
            "batch_ids" if !batches.is_empty() => row.value = batches.join("、"),
            "opened_by" => {
                if let Some(o) = &opener {
                    row.value = o.clone();
                }
            }
            _ => {}
        }
    }
}
