//! A flow's lines on its page (issue 15.8): product, batch number, code and
//! quantity, each code linked to its life cycle, instead of the stored
//! `{"batch_id":9,"code":"(01)…","quantity":1}` objects.

use std::collections::HashMap;

use zhisu_service::RecordView;

use crate::view::{Table, TableRow};
use crate::{Page, WebState};

/// At most this many lines are listed (a sale of a whole pallet may have
/// thousands; the XLSX export and the API have them all).
const SHOWN: usize = 500;

pub(crate) async fn lines_table(state: &WebState, page: &Page, record: &RecordView) -> Table {
    let lang = page.lang;
    let lines = record.body["lines"].as_array().cloned().unwrap_or_default();
    let mut names: HashMap<i64, (String, String)> = HashMap::new();
    let mut rows = Vec::new();
    for line in lines.iter().take(SHOWN) {
        let batch = line["batch_id"].as_i64();
        let (product, batch_no) = match batch {
            Some(id) => match names.get(&id) {
                Some(found) => found.clone(),
                None => {
                    let found = state
                        .service
                        .batch_names(id)
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_default();
                    names.insert(id, found.clone());
                    found
                }
            },
            None => Default::default(),
        };
        let code = line["code"].as_str().unwrap_or_default().to_string();
        rows.push(TableRow {
            link: format!("/codes/life?code={}", urlencoding::encode(&code)),
            cells: vec![
                code,
                product,
                batch_no,
                line["quantity"].as_u64().unwrap_or(1).to_string(),
            ],
        });
    }
    let mut title = lang.text("flow_lines").to_string();
    if lines.len() > SHOWN {
        title = format!("{title}（{SHOWN} / {}）", lines.len());
    }
    Table {
        title,
        columns: ["key", "life_product", "batch_no", "quantity"]
            .iter()
            .map(|c| crate::view::label(lang, c))
            .collect(),
        rows,
        action: None,
    }
}
