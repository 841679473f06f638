//! The columns of each import template, read once from
//! `data/import-columns.toml` and checked: a kind's keys unique, a list
//! column naming a list the platform has, an example of its column's type.
//! A test keeps each kind's keys in step with the API's input type.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::product::{CodeScheme, TraceLevel, CATEGORIES};

const SOURCE: &str = include_str!("../../data/import-columns.toml");

/// What a column holds, and so how a cell of it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColumnType {
    Text,
    Integer,
    /// `YYYY-MM-DD` (other common forms are read too).
    Date,
    /// 是 or 否.
    Bool,
    /// One of [`list_values`] of the column's list.
    List,
    /// The SHA-256 of a file uploaded first.
    Sha256,
    /// Several texts separated by ；.
    Texts,
}

/// One column of a template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The API's own field name: the template's second row.
    pub key: String,
    /// The template's first row.
    pub zh: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// The list a `list` column's cells are taken from.
    pub list: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// The template's third row (may be empty).
    pub example: String,
}

/// One kind of import and its columns, in the sheet's order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportKind {
    /// `products`, `batches`, `sales`, `purchases` or `quantities`.
    pub kind: String,
    pub zh: String,
    pub en: String,
    pub columns: Vec<Column>,
}

impl ImportKind {
    /// The column an API field's finding belongs at: a flow's
    /// `lines[0].code` is the row's `code`, `mandatory_standards[1]` the
    /// column `mandatory_standards`; None for a field no column holds (a
    /// finding on the whole row).
    pub fn column_of(&self, field: &str) -> Option<&str> {
        let last = field.rsplit('.').next().unwrap_or(field);
        let name = last.split('[').next().unwrap_or(last);
        let name = if name == "lines" { "code" } else { name };
        self.columns
            .iter()
            .find(|c| c.key == name)
            .map(|c| c.key.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    version: String,
    kind: Vec<ImportKind>,
}

/// The values a list column offers: each a key the API takes and its
/// Chinese name. None for a list the platform does not have.
pub fn list_values(list: &str) -> Option<Vec<(&'static str, &'static str)>> {
    Some(match list {
        "categories" => CATEGORIES.iter().map(|c| (c.code, c.name_zh)).collect(),
        "trace-levels" => TraceLevel::ALL
            .iter()
            .map(|t| (t.as_str(), t.label_zh()))
            .collect(),
        "code-schemes" => CodeScheme::ALL
            .iter()
            .map(|s| (s.as_str(), s.label_zh()))
            .collect(),
        _ => return None,
    })
}

impl Column {
    /// The values a list column offers, each its key and Chinese name
    /// (none for any other column).
    pub fn values(&self) -> Vec<(&'static str, &'static str)> {
        self.list
            .as_deref()
            .and_then(list_values)
            .unwrap_or_default()
    }

    /// The example as a template shows it: a list's value by its Chinese
    /// name, as a clerk picks it.
    pub fn shown_example(&self) -> String {
        self.values()
            .iter()
            .find(|(key, _)| *key == self.example)
            .map_or_else(|| self.example.clone(), |(_, zh)| zh.to_string())
    }
}

/// Whether `example` reads as a cell of `column` (an empty one does).
fn example_fits(column: &Column) -> bool {
    let e = column.example.trim();
    e.is_empty()
        || match column.kind {
            ColumnType::Text | ColumnType::Texts => true,
            ColumnType::Integer => e.parse::<u64>().is_ok(),
            ColumnType::Date => chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d").is_ok(),
            ColumnType::Bool => matches!(e, "是" | "否"),
            ColumnType::Sha256 => e.len() == 64 && e.bytes().all(|b| b.is_ascii_hexdigit()),
            ColumnType::List => column
                .values()
                .iter()
                .any(|(key, zh)| *key == e || *zh == e),
        }
}

/// The file read and checked.
fn read(source: &str) -> Result<Vec<ImportKind>, String> {
    let file: File = toml::from_str(source).map_err(|e| e.to_string())?;
    for (i, k) in file.kind.iter().enumerate() {
        if file.kind[..i].iter().any(|o| o.kind == k.kind) {
            return Err(format!("kind {} twice", k.kind));
        }
        for (j, c) in k.columns.iter().enumerate() {
            if k.columns[..j].iter().any(|o| o.key == c.key) {
                return Err(format!("{}: column {} twice", k.kind, c.key));
            }
            let list_known = c.list.as_deref().and_then(list_values).is_some();
            if (c.kind == ColumnType::List) != list_known {
                return Err(format!(
                    "{}: column {}: a list column names a list the platform has, and only it",
                    k.kind, c.key
                ));
            }
            if !example_fits(c) {
                return Err(format!(
                    "{}: column {}: example {:?}",
                    k.kind, c.key, c.example
                ));
            }
        }
    }
    Ok(file.kind)
}

/// Every kind of import, in the file's order.
pub fn kinds() -> &'static [ImportKind] {
    static KINDS: OnceLock<Vec<ImportKind>> = OnceLock::new();
    KINDS.get_or_init(|| read(SOURCE).expect("data/import-columns.toml reads (tested)"))
}

/// The kind called `name`, if there is one.
pub fn kind(name: &str) -> Option<&'static ImportKind> {
    kinds().iter().find(|k| k.kind == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map, Value};

    #[test]
    fn a_fields_finding_is_placed_at_its_column() {
        let sales = kind("sales").unwrap();
        assert_eq!(sales.column_of("lines[0].code"), Some("code"));
        assert_eq!(sales.column_of("lines[0].quantity"), Some("quantity"));
        assert_eq!(sales.column_of("lines"), Some("code"));
        assert_eq!(
            sales.column_of("counterparty_name"),
            Some("counterparty_name")
        );
        assert_eq!(sales.column_of("enterprise_id"), None);
        let products = kind("products").unwrap();
        assert_eq!(
            products.column_of("mandatory_standards[1]"),
            Some("mandatory_standards")
        );
        assert_eq!(products.column_of("registrations[0].number"), None);
    }

    /// The example row as the JSON the API takes for this kind.
    fn example_body(k: &ImportKind) -> Map<String, Value> {
        let mut body = Map::new();
        for c in k.columns.iter().filter(|c| !c.example.is_empty()) {
            let v = match c.kind {
                ColumnType::Integer => json!(c.example.parse::<u64>().unwrap()),
                ColumnType::Bool => json!(c.example == "是"),
                ColumnType::Texts => json!(c.example.split('；').collect::<Vec<_>>()),
                _ => json!(c.example),
            };
            body.insert(c.key.clone(), v);
        }
        body
    }

    /// Each kind's columns are fields of the API's input for it (a flow's
    /// `code` and `quantity` are its line's; a day's `batch_id` is the
    /// path's), and its example row is a body the API reads.
    #[test]
    fn each_kinds_columns_are_its_api_inputs_fields() {
        let names: Vec<&str> = kinds().iter().map(|k| k.kind.as_str()).collect();
        assert_eq!(
            names,
            ["products", "batches", "sales", "purchases", "quantities"]
        );
        for k in kinds() {
            let mut body = example_body(k);
            let read = match k.kind.as_str() {
                "products" => {
                    serde_json::from_value::<crate::product::ProductInput>(body.into()).map(|_| ())
                }
                "batches" => {
                    serde_json::from_value::<crate::batch::BatchInput>(body.into()).map(|_| ())
                }
                "sales" | "purchases" => {
                    let line: Map<String, Value> = ["code", "quantity"]
                        .iter()
                        .filter_map(|key| body.remove(*key).map(|v| (key.to_string(), v)))
                        .collect();
                    body.insert("kind".into(), json!(&k.kind[..k.kind.len() - 1]));
                    body.insert("lines".into(), json!([line]));
                    serde_json::from_value::<crate::flow::FlowInput>(body.into()).map(|_| ())
                }
                "quantities" => {
                    assert!(body.remove("batch_id").is_some());
                    serde_json::from_value::<crate::production_days::DayInput>(body.into())
                        .map(|_| ())
                }
                other => panic!("a kind the test does not know: {other}"),
            };
            read.unwrap_or_else(|e| panic!("{}: the example row is no API body: {e}", k.kind));
        }
    }

    /// A key that is no field of the API's input is refused by it (the
    /// test above would catch a column misnamed in the file).
    #[test]
    fn a_misnamed_column_is_no_api_field() {
        let mut k = kind("products").unwrap().clone();
        k.columns[0].key = "product_title".into();
        let body = example_body(&k);
        assert!(serde_json::from_value::<crate::product::ProductInput>(body.into()).is_err());
    }

    /// The fields the API requires of each kind are columns, marked required.
    #[test]
    fn required_fields_are_required_columns() {
        let required = [
            (
                "products",
                &[
                    "product_name",
                    "product_type",
                    "model",
                    "category",
                    "mandatory_standards",
                    "code_scheme",
                    "trace_level",
                ][..],
            ),
            (
                "batches",
                &[
                    "product_id",
                    "batch_no",
                    "production_date",
                    "inspection_report",
                ][..],
            ),
            ("sales", &["at", "code"][..]),
            ("purchases", &["at", "code"][..]),
            ("quantities", &["batch_id", "day", "quantity"][..]),
        ];
        for (name, keys) in required {
            let k = kind(name).unwrap();
            for key in keys {
                let c = k.columns.iter().find(|c| c.key == *key);
                assert!(
                    c.is_some_and(|c| c.required),
                    "{name}: {key} a required column"
                );
            }
        }
    }

    #[test]
    fn a_bad_file_is_refused() {
        let bad_list = r#"version = "x"
[[kind]]
kind = "products"
zh = "产品"
en = "products"
columns = [{ key = "category", zh = "产品类别", type = "list", list = "colours", example = "" }]
"#;
        assert!(read(bad_list).unwrap_err().contains("list"));
        let bad_example = bad_list.replace(
            r#"list = "colours", example = """#,
            r#"list = "categories", example = "tea""#,
        );
        assert!(read(&bad_example).unwrap_err().contains("example"));
        let twice = bad_list.replace(r#"list = "colours", example = "" }]"#, r#"list = "categories", example = "" }, { key = "category", zh = "x", type = "text", example = "" }]"#);
        assert!(read(&twice).unwrap_err().contains("twice"));
    }
}
