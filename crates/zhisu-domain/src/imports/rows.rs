//! A filled-in template read row by row (issue 19.3): the sheet's cells,
//! as the service decoded them from XLSX or CSV, become the API's bodies,
//! each cell's mistake named at its row and column. Which row holds the
//! keys is found, not assumed (a clerk may delete the Chinese names or
//! add a title above them); the template's example row, left as it was,
//! is skipped; blank rows are skipped; a row repeated within the file is
//! refused at its second place.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::columns::{kinds, Column, ColumnType, ImportKind};

/// A mistake in one cell (or, with no column, in the row or the sheet);
/// an import job keeps its rows' mistakes as these.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CellError {
    /// The column's key (the API's field name), if the mistake is a cell's.
    pub column: Option<String>,
    /// In Chinese, then English in brackets.
    pub message: String,
}

/// One row of the sheet read: the API's body, or what is wrong with it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReadRow {
    /// Its row number in the sheet, from 1 as a spreadsheet counts.
    pub row: usize,
    /// The API's body: what the row's cells read as (a wrong row's, only
    /// the cells that read; shown beside its mistakes, never filed). None
    /// for a line that is no row at all.
    pub body: Option<Value>,
    pub errors: Vec<CellError>,
}

/// A sheet that cannot be read as the kind's template at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SheetError {
    pub message: String,
}

fn sheet_error(message: String) -> SheetError {
    SheetError { message }
}

/// How many of a row's cells are `kind`'s keys.
fn keys_in(row: &[String], kind: &ImportKind) -> usize {
    row.iter()
        .filter(|c| kind.columns.iter().any(|k| k.key == c.trim()))
        .count()
}

/// A date as clerks type it: `2026-12-07`, `2026/12/7`, `2026.12.7`,
/// `2026年12月7日`, or `20261207`; a time of day after it (`2026/12/7
/// 8:30`, as Excel writes a date cell to CSV, or a database's
/// `2026-12-07 08:30:00`) is allowed and dropped: the column holds a day.
pub fn read_date(cell: &str) -> Option<NaiveDate> {
    let c = cell.trim();
    let c = match c.split_once([' ', 'T']) {
        Some((day, time)) if is_time_of_day(time.trim()) => day,
        _ => c,
    };
    let c = c.strip_suffix('日').unwrap_or(c);
    let unified: String = c
        .chars()
        .map(|ch| match ch {
            '/' | '.' | '年' | '月' => '-',
            other => other,
        })
        .collect();
    NaiveDate::parse_from_str(&unified, "%Y-%m-%d")
        .ok()
        .or_else(|| {
            (c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit()))
                .then(|| NaiveDate::parse_from_str(c, "%Y%m%d").ok())
                .flatten()
        })
}

/// `8:30`, `08:30:00` or `08:30:00.5`: hours and minutes (and seconds)
/// of a day.
fn is_time_of_day(time: &str) -> bool {
    ["%H:%M", "%H:%M:%S", "%H:%M:%S%.f"]
        .iter()
        .any(|form| chrono::NaiveTime::parse_from_str(time, form).is_ok())
}

/// One cell read as its column's value; Ok(None) when it is empty.
fn read_cell(column: &Column, cell: &str) -> Result<Option<Value>, String> {
    let c = cell.trim();
    if c.is_empty() {
        return Ok(None);
    }
    let value = match column.kind {
        ColumnType::Text => json!(c),
        ColumnType::Integer => {
            // A spreadsheet may hand a whole number over as `12.0`.
            let whole = c.strip_suffix(".0").unwrap_or(c);
            json!(whole
                .parse::<u64>()
                .map_err(|_| format!("应为非负整数，而不是“{c}” (a whole number, not {c:?})"))?)
        }
        ColumnType::Date => json!(read_date(c)
            .ok_or_else(|| format!(
                "日期应写作 2026-12-07，而不是“{c}” (a date like 2026-12-07, not {c:?})"
            ))?
            .format("%Y-%m-%d")
            .to_string()),
        ColumnType::Bool => match c {
            "是" | "true" | "TRUE" | "1" | "Y" | "y" => json!(true),
            "否" | "false" | "FALSE" | "0" | "N" | "n" => json!(false),
            _ => return Err(format!("应填“是”或“否”，而不是“{c}” (是 or 否, not {c:?})")),
        },
        ColumnType::List => {
            let values = column.values();
            let key = values
                .iter()
                .find(|(key, zh)| *key == c || *zh == c)
                .map(|(key, _)| *key)
                .ok_or_else(|| {
                    let names: Vec<&str> = values.iter().map(|(_, zh)| *zh).collect();
                    format!(
                        "“{c}”不在可选项中（{}） ({c:?} is not one of the choices)",
                        names.join("、")
                    )
                })?;
            json!(key)
        }
        ColumnType::Sha256 => {
            let lower = c.to_ascii_lowercase();
            if lower.len() != 64 || !lower.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "应为已上传文件的 SHA-256（64 位十六进制），而不是“{c}” (the SHA-256 of an uploaded file, 64 hex digits)"
                ));
            }
            json!(lower)
        }
        ColumnType::Texts => json!(c
            .split(['；', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()),
    };
    Ok(Some(value))
}

/// The body the API takes for a row of `kind` (a flow's code and quantity
/// are its one line; its kind is the template's).
fn body_of(kind: &ImportKind, mut fields: Map<String, Value>) -> Value {
    match kind.kind.as_str() {
        "sales" | "purchases" => {
            let mut line = Map::new();
            for key in ["code", "quantity"] {
                if let Some(v) = fields.remove(key) {
                    line.insert(key.into(), v);
                }
            }
            fields.insert("kind".into(), json!(&kind.kind[..kind.kind.len() - 1]));
            fields.insert("lines".into(), json!([line]));
            Value::Object(fields)
        }
        _ => Value::Object(fields),
    }
}

/// Cell `i` of `row`, trimmed ("" past its end).
fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(|c| c.trim()).unwrap_or("")
}

/// The rows of `cells` read as a template of `kind`: the key row found
/// (else the sheet is refused, saying whose template it looks like), then
/// each row below it that holds anything.
pub fn read_rows(kind: &ImportKind, cells: &[Vec<String>]) -> Result<Vec<ReadRow>, SheetError> {
    // The key row: the first of the first twenty rows holding more of this
    // kind's keys than any other row and at least half its required ones.
    let required = kind.columns.iter().filter(|c| c.required).count().max(1);
    // Another kind's template, whole: every key of its second row, in a
    // row holding a key this kind does not have.
    let other = kinds().iter().find(|k| {
        k.kind != kind.kind
            && cells.iter().take(20).any(|row| {
                keys_in(row, k) == k.columns.len()
                    && row.iter().any(|c| {
                        let c = c.trim();
                        !c.is_empty() && !kind.columns.iter().any(|own| own.key == c)
                    })
            })
    });
    if let Some(o) = other {
        return Err(sheet_error(format!(
            "这是“{}”的导入模板，不是“{}”的 (this is the {} template, not the {} one)",
            o.zh, kind.zh, o.en, kind.en
        )));
    }
    let Some(key_row) = cells.iter().take(20).position(|row| {
        let found = keys_in(row, kind);
        found > 0 && found * 2 >= required
    }) else {
        // Some of the kind's keys, too few of its required ones: name those
        // missing, as a clerk would look for them.
        let best = cells
            .iter()
            .take(20)
            .max_by_key(|row| keys_in(row, kind))
            .filter(|row| keys_in(row, kind) > 0);
        return Err(sheet_error(match best {
            Some(row) => {
                let missing: Vec<&str> = kind
                    .columns
                    .iter()
                    .filter(|c| c.required && !row.iter().any(|cell| cell.trim() == c.key))
                    .map(|c| c.zh.as_str())
                    .collect();
                format!(
                    "缺少必填列：{}（请使用“{}”导入模板） (required columns are missing: use the {} template)",
                    missing.join("、"),
                    kind.zh,
                    kind.en
                )
            }
            None => format!(
                "找不到字段行：请使用“{}”导入模板，保留其第二行的字段名 (no row of field names: use the {} template and keep its second row)",
                kind.zh, kind.en
            ),
        }));
    };
    let header = &cells[key_row];
    let mut at: Vec<(usize, &Column)> = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        let key = cell.trim();
        if key.is_empty() {
            continue;
        }
        let Some(column) = kind.columns.iter().find(|c| c.key == key) else {
            return Err(sheet_error(format!(
                "第 {} 行第 {} 列的字段“{key}”不是“{}”模板的字段 (column {} of row {}: {key:?} is no field of the {} template)",
                key_row + 1,
                i + 1,
                kind.zh,
                i + 1,
                key_row + 1,
                kind.en
            )));
        };
        if at.iter().any(|(_, c)| c.key == key) {
            return Err(sheet_error(format!(
                "字段“{key}”出现了两次 (the field {key:?} is there twice)"
            )));
        }
        at.push((i, column));
    }
    let missing: Vec<&str> = kind
        .columns
        .iter()
        .filter(|c| c.required && !at.iter().any(|(_, a)| a.key == c.key))
        .map(|c| c.zh.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(sheet_error(format!(
            "缺少必填列：{} (required columns are missing)",
            missing.join("、")
        )));
    }

    let is_example = |row: &[String]| {
        at.iter().all(|(i, c)| {
            let value = cell(row, *i);
            value == c.example || value == c.shown_example()
        })
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (r, row) in cells.iter().enumerate().skip(key_row + 1) {
        // Only the row right below the keys can be the template's example.
        if at.iter().all(|(i, _)| cell(row, *i).is_empty()) || (r == key_row + 1 && is_example(row))
        {
            continue;
        }
        let number = r + 1;
        let mut fields = Map::new();
        let mut errors = Vec::new();
        for (i, column) in &at {
            match read_cell(column, cell(row, *i)) {
                Ok(Some(v)) => {
                    fields.insert(column.key.clone(), v);
                }
                Ok(None) if column.required => errors.push(CellError {
                    column: Some(column.key.clone()),
                    message: format!("{}必填 ({} is required)", column.zh, column.key),
                }),
                Ok(None) => {}
                Err(message) => errors.push(CellError {
                    column: Some(column.key.clone()),
                    message,
                }),
            }
        }
        let content = Value::Object(fields.clone()).to_string();
        if let Some(first) = seen.get(&content) {
            errors.push(CellError {
                column: None,
                message: format!("与第 {first} 行重复 (the same as row {first})"),
            });
        } else {
            seen.insert(content, number);
        }
        out.push(ReadRow {
            row: number,
            body: Some(body_of(kind, fields)),
            errors,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::kind;

    fn sheet(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    /// The template's own three rows, as the service hands them over.
    fn template(name: &str) -> Vec<Vec<String>> {
        let k = kind(name).unwrap();
        vec![
            k.columns.iter().map(|c| c.zh.clone()).collect(),
            k.columns.iter().map(|c| c.key.clone()).collect(),
            k.columns.iter().map(Column::shown_example).collect(),
        ]
    }

    #[test]
    fn dates_in_the_common_chinese_forms_are_read_and_nonsense_is_not() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7);
        for form in [
            "2026-12-07",
            "2026/12/7",
            "2026.12.07",
            "2026年12月7日",
            "20261207",
            " 2026-12-7 ",
            "2026/12/7 0:00",
            "2026-12-07 08:30:00",
            "2026-12-07T23:59:59.5",
        ] {
            assert_eq!(read_date(form), day, "{form}");
        }
        for nonsense in [
            "明天",
            "2026-13-01",
            "12/07/2026",
            "2026年2月30日",
            "7",
            "2026-12-07 25:00",
            "2026-12-07 上午",
        ] {
            assert_eq!(read_date(nonsense), None, "{nonsense}");
        }
    }

    #[test]
    fn a_filled_template_reads_as_the_apis_bodies() {
        let mut cells = template("products");
        let keys = &cells[1].clone();
        let mut row: Vec<String> = vec![String::new(); keys.len()];
        let mut set = |key: &str, v: &str| {
            let i = keys.iter().position(|k| k == key).unwrap();
            row[i] = v.into();
        };
        set("product_name", "电动自行车");
        set("product_type", "电动车");
        set("model", "TDT-9");
        set("category", "电动自行车");
        set("mandatory_standards", "GB 17761-2024；GB 43854-2024");
        set("ccc_cert_no", "2024011119000001");
        set("warranty_months", "12.0");
        set("code_scheme", "gs1");
        set("trace_level", "一物一码");
        cells.push(row);
        cells.push(vec![String::new(); keys.len()]); // blank: skipped
        let rows = read_rows(kind("products").unwrap(), &cells).unwrap();
        assert_eq!(
            rows.len(),
            1,
            "the example row and the blank one are skipped"
        );
        assert_eq!(rows[0].row, 4);
        assert_eq!(rows[0].errors, vec![]);
        let body = rows[0].body.clone().unwrap();
        assert_eq!(body["category"], "e-bike");
        assert_eq!(body["trace_level"], "per-item");
        assert_eq!(body["warranty_months"], 12);
        assert_eq!(
            body["mandatory_standards"],
            json!(["GB 17761-2024", "GB 43854-2024"])
        );
        serde_json::from_value::<crate::product::ProductInput>(body).expect("an API body");
    }

    #[test]
    fn each_bad_cell_is_named_at_its_row_and_column() {
        let mut cells = template("batches");
        cells.push(sheet(&[&["x1", "B1", "明天", "-5", "nope", "也许", ""]])[0].clone());
        cells.push(sheet(&[&["11", "", "2026/12/7", "10", &"a".repeat(64), "是", ""]])[0].clone());
        let rows = read_rows(kind("batches").unwrap(), &cells).unwrap();
        let named: Vec<(usize, Option<&str>)> = rows
            .iter()
            .flat_map(|r| r.errors.iter().map(move |e| (r.row, e.column.as_deref())))
            .collect();
        assert_eq!(
            named,
            [
                (4, Some("product_id")),
                (4, Some("production_date")),
                (4, Some("quantity")),
                (4, Some("inspection_report")),
                (4, Some("inspection_report_public")),
                (5, Some("batch_no")),
            ]
        );
        // A wrong row's body holds only what read: shown, never filed.
        let partial = rows[1].body.as_ref().unwrap();
        assert!(partial.get("batch_no").is_none(), "{partial}");
        assert!(partial.get("product_id").is_some(), "{partial}");
        assert!(rows[0].errors[1].message.contains("2026-12-07"));
    }

    #[test]
    fn a_row_twice_is_refused_at_its_second_place() {
        let mut cells = template("quantities");
        // The example row (20, 2026-12-08, 60) stays where it was; a row
        // like it further down is a row.
        cells.push(vec!["21".into(), "2026-12-08".into(), "60".into()]);
        cells.push(vec!["21".into(), "2026年12月8日".into(), "60".into()]);
        cells.push(vec!["20".into(), "2026-12-08".into(), "60".into()]);
        let rows = read_rows(kind("quantities").unwrap(), &cells).unwrap();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].body.is_some() && rows[2].body.is_some());
        assert_eq!(rows[1].errors[0].column, None);
        assert!(
            rows[1].errors[0].message.contains("第 4 行"),
            "{:?}",
            rows[1]
        );
    }

    #[test]
    fn a_sale_row_is_a_flow_with_one_line() {
        let mut cells = template("sales");
        cells.push(
            [
                "2026-12-07",
                "",
                "个体户王五",
                "深圳市",
                "",
                "(01)06970000000017(21)A1",
                "1",
            ]
            .map(String::from)
            .to_vec(),
        );
        let rows = read_rows(kind("sales").unwrap(), &cells).unwrap();
        let body = rows[0].body.clone().unwrap();
        assert_eq!(body["kind"], "sale");
        assert_eq!(
            body["lines"],
            json!([{"code": "(01)06970000000017(21)A1", "quantity": 1}])
        );
        serde_json::from_value::<crate::flow::FlowInput>(body).expect("an API body");
    }

    #[test]
    fn a_sheet_of_another_kind_or_none_is_refused_saying_so() {
        let e = read_rows(kind("products").unwrap(), &template("sales")).unwrap_err();
        assert!(e.message.contains("“销售”的导入模板"), "{e}");
        // Sharing a key (quantity) with the kind read does not hide whose
        // template it is.
        let e = read_rows(kind("sales").unwrap(), &template("quantities")).unwrap_err();
        assert!(e.message.contains("“每日产量”的导入模板"), "{e}");
        // Sales and purchases have the same columns: either reads as the
        // other.
        assert!(read_rows(kind("purchases").unwrap(), &template("sales")).is_ok());
        let e = read_rows(
            kind("products").unwrap(),
            &sheet(&[&["名称", "型号"], &["灶", "X"]]),
        )
        .unwrap_err();
        assert!(e.message.contains("找不到字段行"), "{e}");
        // Two keys of seven required: the five missing named.
        let e = read_rows(
            kind("products").unwrap(),
            &sheet(&[&["model", "product_name"], &["X", "灶"]]),
        )
        .unwrap_err();
        assert!(
            e.message.contains(
                "缺少必填列：产品类型、产品类别、执行的强制性国家标准、编码方案、追溯层级"
            ),
            "{e}"
        );
        // A column the kind has not, and a required column gone.
        let mut cells = template("quantities");
        cells[1][2] = "colour".into();
        let e = read_rows(kind("quantities").unwrap(), &cells).unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        let mut cells = template("quantities");
        cells[1][2] = String::new();
        let e = read_rows(kind("quantities").unwrap(), &cells).unwrap_err();
        assert!(e.message.contains("当日产量"), "{e}");
    }

    #[test]
    fn the_key_row_is_found_below_a_title_without_the_names() {
        let cells = sheet(&[
            &["粤海电线电缆 十二月产量"],
            &["batch_id", "day", "quantity"],
            &["20", "2026-12-09", "75"],
        ]);
        let rows = read_rows(kind("quantities").unwrap(), &cells).unwrap();
        assert_eq!(rows[0].row, 3);
        assert_eq!(
            rows[0].body,
            Some(json!({"batch_id": 20, "day": "2026-12-09", "quantity": 75}))
        );
    }
}
