//! Import templates (issue 19.3, 工具包导入): each kind's columns, from
//! the domain's `data/import-columns.toml`, as an XLSX workbook (with
//! drop-downs and a sheet explaining every column) or as CSV (UTF-8 with a
//! byte-order mark, so Excel opens it as UTF-8; the importer reads GBK too),
//! and a filled-in one read back ([`read_import`]).

use zhisu_domain::imports::{self, Column, ColumnType, ImportKind};
use zhisu_print::template::{template_xlsx, TemplateColumn};

use crate::{ServiceError, ServiceResult};

/// A template's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFormat {
    Xlsx,
    Csv,
}

impl TemplateFormat {
    /// `xlsx` or `csv`.
    pub fn parse(s: &str) -> Option<TemplateFormat> {
        match s {
            "xlsx" => Some(TemplateFormat::Xlsx),
            "csv" => Some(TemplateFormat::Csv),
            _ => None,
        }
    }

    /// What a download of `kind`'s template is called.
    pub fn file_name(self, kind: &str) -> String {
        format!("zhisu-{kind}-template.{}", self.extension())
    }

    pub fn extension(self) -> &'static str {
        match self {
            TemplateFormat::Xlsx => "xlsx",
            TemplateFormat::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            TemplateFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            TemplateFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// A list column's choices by their Chinese names (the importer takes a
/// name or its key).
fn choices(column: &Column) -> Vec<String> {
    column
        .values()
        .iter()
        .map(|(_, zh)| zh.to_string())
        .collect()
}

/// What a cell of the column holds, in the clerk's words.
fn help(column: &Column) -> String {
    match column.kind {
        ColumnType::Text => "文字".into(),
        ColumnType::Integer => "整数".into(),
        ColumnType::Date => "日期，如 2026-12-07（也可写 2026年12月7日 或 2026/12/7）".into(),
        ColumnType::Bool => "是 或 否".into(),
        ColumnType::List => format!("从下拉列表中选择：{}", choices(column).join("、")),
        ColumnType::Sha256 => "先在平台上传文件，再填写其 SHA-256（64 位十六进制）".into(),
        ColumnType::Texts => "可填多项，以“；”分隔".into(),
    }
}

/// The import kind called `name`, or a 404 naming the kinds there are.
pub fn import_kind(name: &str) -> ServiceResult<&'static ImportKind> {
    imports::kind(name).ok_or_else(|| {
        let known: Vec<&str> = imports::kinds().iter().map(|k| k.kind.as_str()).collect();
        ServiceError::NotFound(format!(
            "没有这种导入模板：{name}（可选：{}）(no import template {name:?}; there are {})",
            known.join("、"),
            known.join(", ")
        ))
    })
}

/// The template of `kind` in `format`.
pub fn import_template(kind: &str, format: TemplateFormat) -> ServiceResult<Vec<u8>> {
    let kind = import_kind(kind)?;
    match format {
        TemplateFormat::Xlsx => {
            let columns: Vec<TemplateColumn> = kind
                .columns
                .iter()
                .map(|c| TemplateColumn {
                    zh: c.zh.clone(),
                    key: c.key.clone(),
                    required: c.required,
                    example: c.shown_example(),
                    choices: choices(c),
                    help: help(c),
                })
                .collect();
            template_xlsx(&kind.zh, &columns)
                .map_err(|e| ServiceError::Internal(format!("import template: {e}")))
        }
        TemplateFormat::Csv => {
            let mut out = "\u{feff}".as_bytes().to_vec();
            {
                let mut csv = csv::Writer::from_writer(&mut out);
                let rows: [Vec<String>; 3] = [
                    kind.columns.iter().map(|c| c.zh.clone()).collect(),
                    kind.columns.iter().map(|c| c.key.clone()).collect(),
                    kind.columns.iter().map(Column::shown_example).collect(),
                ];
                for row in rows {
                    csv.write_record(&row)
                        .map_err(|e| ServiceError::Internal(format!("import template: {e}")))?;
                }
                csv.flush()
                    .map_err(|e| ServiceError::Internal(format!("import template: {e}")))?;
            }
            Ok(out)
        }
    }
}

/// A filled-in template of `kind` read (issue 19.3): an XLSX or a CSV in
/// UTF-8 or GBK, merged cells and formulas refused where they are, each
/// row the API's body or its mistakes at their columns. Nothing is stored:
/// this is what a preview shows and what an import would commit.
pub fn read_import(kind: &str, bytes: &[u8]) -> ServiceResult<Vec<imports::ReadRow>> {
    let kind = import_kind(kind)?;
    let cells = crate::sheet_cells::sheet_rows(bytes, true)?;
    imports::read_rows(kind, &cells).map_err(|e| crate::sheet_cells::file_error(e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_template_is_utf8_with_a_bom_and_three_rows() {
        let csv = import_template("batches", TemplateFormat::Csv).unwrap();
        assert!(csv.starts_with("\u{feff}".as_bytes()));
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("产品编号,出厂编号/批次号,生产日期"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("product_id,batch_no,production_date"),
            "{text}"
        );
    }

    #[test]
    fn a_list_example_reads_as_its_chinese_name() {
        let csv = import_template("products", TemplateFormat::Csv).unwrap();
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        let example = text.lines().nth(2).unwrap();
        assert!(example.contains("家用燃气器具"), "{example}");
        assert!(example.contains("一物一码"), "{example}");
        assert!(!example.contains("per-item"), "{example}");
    }

    #[test]
    fn a_template_filled_in_reads_back_row_by_row() {
        // The XLSX template itself, with two rows typed below its example.
        let xlsx = import_template("quantities", TemplateFormat::Xlsx).unwrap();
        let mut cells = crate::sheet_cells::sheet_rows(&xlsx, true).unwrap();
        assert_eq!(cells[1], ["batch_id", "day", "quantity"]);
        cells.push(vec!["21".into(), "2026/12/9".into(), "75".into()]);
        cells.push(vec!["21".into(), "后天".into(), "75".into()]);
        let mut csv = Vec::new();
        {
            let mut w = csv::Writer::from_writer(&mut csv);
            for row in &cells {
                w.write_record(row).unwrap();
            }
        }
        let rows = read_import("quantities", &csv).unwrap();
        assert_eq!(rows.len(), 2, "the example row is skipped");
        assert_eq!(rows[0].row, 4);
        assert_eq!(
            rows[0].body,
            Some(serde_json::json!({"batch_id": 21, "day": "2026-12-09", "quantity": 75}))
        );
        assert_eq!(rows[1].errors[0].column.as_deref(), Some("day"));
        // Another kind's template is refused as a whole, saying whose it is.
        let sales = import_template("sales", TemplateFormat::Csv).unwrap();
        let ServiceError::Invalid(e) = read_import("batches", &sales).unwrap_err() else {
            panic!()
        };
        assert!(e.0[0].message.contains("“销售”的导入模板"), "{e:?}");
    }

    #[test]
    fn an_unknown_kind_names_the_kinds_there_are() {
        let e = import_template("recipes", TemplateFormat::Xlsx).unwrap_err();
        let ServiceError::NotFound(m) = e else {
            panic!("{e:?}")
        };
        assert!(m.contains("products") && m.contains("quantities"), "{m}");
    }
}
