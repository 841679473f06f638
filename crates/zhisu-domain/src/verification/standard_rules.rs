//! ZV-R-009: a product's mandatory standard that does not apply to its
//! category, by the category → standards table a regulator keeps in
//! `data/category-standards.toml` (read once; a test keeps it and the
//! categories in step).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::rules::{finding, Names};
use super::{Finding, Snapshot};
use crate::RecordKind;

const SOURCE: &str = include_str!("../../data/category-standards.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    #[allow(dead_code)]
    version: String,
    categories: BTreeMap<String, Vec<String>>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| toml::from_str(SOURCE).expect("the table's test checks it reads"))
}

/// A standard's number without its edition: `GB 16410-2020` → `GB 16410`.
fn number(standard: &str) -> String {
    let compact = standard
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    match compact.rsplit_once('-') {
        Some((number, year)) if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) => {
            number.trim().to_string()
        }
        _ => compact,
    }
}

/// The standards that apply to `category`; None when it is not checked.
pub fn standards_of(category: &str) -> Option<&'static [String]> {
    table()
        .categories
        .get(category)
        .map(Vec::as_slice)
        .filter(|s| !s.is_empty())
}

pub(super) fn standard_outside_category(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in &s.products {
        let Some(applies) = standards_of(&p.record.category) else {
            continue;
        };
        let category = crate::product::CATEGORIES
            .iter()
            .find(|c| c.code == p.record.category);
        let (zh, en) = category.map_or(("", ""), |c| (c.name_zh, c.name_en));
        for standard in &p.record.mandatory_standards {
            if !applies.iter().any(|a| number(a) == number(standard)) {
                out.push(finding(
                    "ZV-R-009",
                    RecordKind::Product,
                    p,
                    p.record.enterprise_id,
                    "mandatory_standards",
                    format!(
                        "{standard} 不适用于“{zh}”类产品（适用：{}） ({standard} does not apply to {en}; these do: {})",
                        applies.join("、"),
                        applies.join(", ")
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every category has its row (empty: not checked), every row names a
    /// category, and every standard is a mandatory GB number without its
    /// year.
    #[test]
    fn the_table_and_the_categories_are_in_step() {
        let t = table();
        for c in crate::product::CATEGORIES {
            assert!(t.categories.contains_key(c.code), "{} has no row", c.code);
        }
        for (category, standards) in &t.categories {
            assert!(
                crate::product::CATEGORIES
                    .iter()
                    .any(|c| c.code == category),
                "{category} is not a category"
            );
            for s in standards {
                assert_eq!(&number(s), s, "{category}: {s} without its year");
                assert!(
                    s.starts_with("GB ") && !s.starts_with("GB/"),
                    "{category}: {s} is a mandatory GB standard"
                );
            }
        }
    }

    #[test]
    fn an_edition_is_the_same_standard() {
        assert_eq!(number("GB  16410-2020"), "GB 16410");
        assert_eq!(number("gb 4706.19-2008"), "GB 4706.19");
        assert_eq!(number("GB 6675"), "GB 6675");
    }
}
