//! Statistics reports (issue 18.5): a document of a title, its lines and
//! sections — each a heading, an optional chart and a table — written as a
//! PDF (charts as vectors, text in the embedded subset of the shipped CJK
//! font, so it reads the same in every viewer) and as an XLSX workbook with
//! one sheet per table (the figures as numbers, for a spreadsheet).

mod layout;
mod pdf;

pub use pdf::report_pdf;

use crate::xlsx::{workbook, Cell, Sheet};
use crate::PrintError;

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDoc {
    pub title: String,
    /// Under the title: whose figures, which period, when made.
    pub lines: Vec<String>,
    pub sections: Vec<Section>,
}

/// A heading, an optional chart (SVG) and a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    /// The sheet's name in the workbook (at most 31 characters).
    pub sheet: String,
    /// A sentence under the heading (what the table counts, or why empty).
    pub note: Option<String>,
    pub chart_svg: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Entry>>,
}

/// A table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Text(String),
    /// A figure: its value for the workbook, as shown for the PDF.
    Figure {
        value: Option<f64>,
        shown: String,
    },
}

impl Entry {
    pub fn text(s: impl Into<String>) -> Entry {
        Entry::Text(s.into())
    }

    fn shown(&self) -> &str {
        match self {
            Entry::Text(t) => t,
            Entry::Figure { shown, .. } => shown,
        }
    }
}

/// The report as a workbook: a first sheet with the title and its lines,
/// then one sheet per section's table.
pub fn report_xlsx(doc: &ReportDoc) -> Result<Vec<u8>, PrintError> {
    let mut sheets = vec![Sheet {
        name: "说明".into(),
        header: vec![doc.title.clone()],
        rows: doc
            .lines
            .iter()
            .map(|l| vec![Cell::from(l.as_str())])
            .collect(),
    }];
    for section in &doc.sections {
        let mut rows: Vec<Vec<Cell>> = section
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|e| match e {
                        Entry::Text(t) => Cell::from(t.as_str()),
                        Entry::Figure { value, .. } => Cell::from(*value),
                    })
                    .collect()
            })
            .collect();
        if let Some(note) = &section.note {
            if rows.is_empty() {
                rows.push(vec![Cell::from(note.as_str())]);
            }
        }
        sheets.push(Sheet {
            name: section.sheet.clone(),
            header: section.header.clone(),
            rows,
        });
    }
    workbook(&sheets)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A report of `rows` rows in its one table, with a chart.
    pub(crate) fn doc(rows: usize) -> ReportDoc {
        ReportDoc {
            title: "广东省产品质量安全追溯统计月报（2026年11月）".into(),
            lines: vec![
                "范围：广东省监管辖区".into(),
                "统计期间：2026年11月1日至2026年11月30日".into(),
            ],
            sections: vec![
                Section {
                    heading: "一、主要指标".into(),
                    sheet: "主要指标".into(),
                    note: None,
                    chart_svg: Some(
                        crate::chart::bars_svg(
                            "扫码次数",
                            &[("广东省".into(), 12.0), ("浙江省".into(), 3.0)],
                            crate::chart::Medium::Print,
                        )
                        .unwrap(),
                    ),
                    header: vec!["指标".into(), "本期".into()],
                    rows: (0..rows)
                        .map(|i| {
                            vec![
                                Entry::text(format!("扫码次数 mm² {i}")),
                                Entry::Figure {
                                    value: Some(i as f64 * 1000.0),
                                    shown: format!("{},000", i),
                                },
                            ]
                        })
                        .collect(),
                },
                Section {
                    heading: "二、异常".into(),
                    sheet: "异常".into(),
                    note: Some("本期没有异常 (no anomalies)".into()),
                    chart_svg: None,
                    header: vec!["指标".into(), "日期".into()],
                    rows: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn the_workbook_has_a_sheet_per_table_with_numbers() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = report_xlsx(&doc(3)).unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["说明", "主要指标", "异常"]);
        let first = book.worksheet_range("说明").unwrap();
        assert_eq!(
            first.get_value((0, 0)),
            Some(&Data::String(
                "广东省产品质量安全追溯统计月报（2026年11月）".into()
            ))
        );
        let table = book.worksheet_range("主要指标").unwrap();
        assert_eq!(
            table.get_value((3, 1)),
            Some(&Data::Float(2000.0)),
            "a number, not text"
        );
        let empty = book.worksheet_range("异常").unwrap();
        assert_eq!(
            empty.get_value((1, 0)),
            Some(&Data::String("本期没有异常 (no anomalies)".into())),
            "an empty table says why"
        );
    }
}
