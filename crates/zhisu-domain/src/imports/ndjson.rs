//! An import sent as NDJSON (issue 19.3): one JSON object a line, its keys
//! the template's columns (the API's field names), each read exactly as a
//! sheet's row is — the same cell rules, the same mistakes at the same
//! columns —, numbered by line.

use serde_json::Value;

use super::columns::ImportKind;
use super::rows::{read_rows, CellError, ReadRow, SheetError};

/// A JSON value as the cell a clerk would have typed.
fn as_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(as_cell).collect::<Vec<_>>().join("；"),
        other => other.to_string(),
    }
}

/// The lines of `text` read as rows of `kind`; a line that is not a JSON
/// object, or names a field the kind has no column for, is an error at
/// that line.
pub fn read_ndjson(kind: &ImportKind, text: &str) -> Result<Vec<ReadRow>, SheetError> {
    // The keys, then a blank row (so no line is taken for the template's
    // example row), then a row a line: line n is the grid's row n + 2.
    let mut grid: Vec<Vec<String>> = vec![
        kind.columns.iter().map(|c| c.key.clone()).collect(),
        Vec::new(),
    ];
    let mut refused: Vec<ReadRow> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let mut cells = Vec::new();
        if !line.is_empty() {
            match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(fields)) => {
                    let unknown: Vec<&str> = fields
                        .keys()
                        .filter(|k| !kind.columns.iter().any(|c| &c.key == *k))
                        .map(String::as_str)
                        .collect();
                    if unknown.is_empty() {
                        cells = kind
                            .columns
                            .iter()
                            .map(|c| fields.get(&c.key).map(as_cell).unwrap_or_default())
                            .collect();
                    } else {
                        refused.push(line_error(
                            i + 1,
                            format!(
                                "字段 {} 不是“{}”导入的字段 (no field of the {} import: {})",
                                unknown.join("、"),
                                kind.zh,
                                kind.en,
                                unknown.join(", ")
                            ),
                        ));
                    }
                }
                _ => refused.push(line_error(
                    i + 1,
                    "这一行不是一个 JSON 对象 (this line is not one JSON object)".into(),
                )),
            }
        }
        grid.push(cells);
    }
    let mut rows = read_rows(kind, &grid)?;
    for row in &mut rows {
        row.row -= 2;
    }
    rows.extend(refused);
    rows.sort_by_key(|r| r.row);
    Ok(rows)
}

fn line_error(line: usize, message: String) -> ReadRow {
    ReadRow {
        row: line,
        body: None,
        errors: vec![CellError {
            column: None,
            message,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::kind;
    use serde_json::json;

    #[test]
    fn each_line_is_read_as_a_row_numbered_by_line() {
        let batches = kind("batches").unwrap();
        let sha = "a".repeat(64);
        let text = format!(
            "{}\n\nnot json\n{}\n{}\n",
            json!({"product_id": 11, "batch_no": "B1", "production_date": "2026-12-07", "inspection_report": sha, "inspection_report_public": true}),
            json!({"product_id": 11, "batch_no": "B2", "production_date": "2026年12月8日", "inspection_report": sha, "colour": "red"}),
            json!({"product_id": "x", "batch_no": "B3", "production_date": "2026-12-09", "inspection_report": sha}),
        );
        let rows = read_ndjson(batches, &text).unwrap();
        let numbers: Vec<usize> = rows.iter().map(|r| r.row).collect();
        assert_eq!(numbers, vec![1, 3, 4, 5]);
        assert_eq!(
            rows[0].body,
            Some(
                json!({"product_id": 11, "batch_no": "B1", "production_date": "2026-12-07", "inspection_report": sha, "inspection_report_public": true})
            )
        );
        assert!(rows[1].errors[0].message.contains("JSON"), "{rows:?}");
        assert!(rows[2].errors[0].message.contains("colour"), "{rows:?}");
        assert_eq!(rows[3].errors[0].column.as_deref(), Some("product_id"));
    }

    #[test]
    fn a_line_like_the_templates_example_is_still_read() {
        let quantities = kind("quantities").unwrap();
        let rows = read_ndjson(
            quantities,
            r#"{"batch_id": 20, "day": "2026-12-08", "quantity": 60}"#,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].errors.is_empty(), "{rows:?}");
    }
}
