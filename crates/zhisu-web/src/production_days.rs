//! A production run over days on the batch's page (P5.3.3.3, issue 19.2):
//! the form that reports a day's exact quantity, and the days reported,
//! each with its codes to download.

use zhisu_service::RecordView;

use crate::view::{Table, TableRow};
use crate::Lang;

/// The day's form (an active 一物一码 or 组合多码 batch its maker may
/// report for) and the table of the days reported; `product` is the
/// batch's, as the page read it.
pub(crate) fn batch_parts(
    lang: Lang,
    record: &RecordView,
    product: Option<&RecordView>,
    files: bool,
    workflow: &mut Vec<minijinja::Value>,
    tables: &mut Vec<Table>,
) {
    let id = record.id;
    let daily = product.is_some_and(|p| matches!(p.text("trace_level"), "per-item" | "multi-code"));
    if !daily {
        return;
    }
    if files && record.text("status") == "active" {
        let today = zhisu_service::today_in_shanghai().to_string();
        workflow.push(
            minijinja::context! { kind => "day", url => format!("/batches/{id}/days"), today },
        );
    }
    let days = record.body["days"].as_array().cloned().unwrap_or_default();
    if days.is_empty() {
        return;
    }
    let rows = days
        .iter()
        .map(|d| {
            let first = d["first_index"].as_u64().unwrap_or(0);
            let quantity = d["quantity"].as_u64().unwrap_or(0);
            TableRow {
                link: format!(
                    "/batches/{id}/codes.txt?from={first}&to={}",
                    first + quantity
                ),
                cells: vec![
                    d["day"].as_str().unwrap_or("").to_string(),
                    quantity.to_string(),
                    format!("{first}–{}", first + quantity - 1),
                ],
            }
        })
        .collect();
    tables.push(Table {
        title: lang.text("production_days").into(),
        columns: vec![
            format!(
                "{}（{}）",
                lang.text("production_day"),
                lang.text("download_day")
            ),
            lang.text("day_quantity").into(),
            lang.text("day_codes").into(),
        ],
        rows,
        action: None,
    });
}
