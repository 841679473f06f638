//! XLSX workbooks (ECMA-376 SpreadsheetML) through `rust_xlsxwriter`: one
//! sheet per table, a bold frozen header row, columns fitted to their text
//! — recall lists (P6.4) and statistics reports (issue 18.5) a regulator
//! opens in any spreadsheet program.

use rust_xlsxwriter::{Format, Workbook};

use crate::PrintError;

/// A cell: text or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A cell left empty (a figure with nothing to divide by).
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<Option<f64>> for Cell {
    fn from(n: Option<f64>) -> Self {
        n.map_or(Cell::Empty, Cell::Number)
    }
}

/// One sheet: a table with its header.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: &str, header: &[&str], rows: Vec<Vec<Cell>>) -> Self {
        Sheet {
            name: name.to_string(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows,
        }
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`,
/// and unique in the workbook (a repeated name gets ` (2)`, …).
fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'').trim();
    let clean = if clean.is_empty() { "Sheet" } else { clean };
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" ({n})")
        };
        let room = 31 - suffix.chars().count();
        let name: String = clean.chars().take(room).collect::<String>() + &suffix;
        if !taken
            .iter()
            .any(|t| t.to_lowercase() == name.to_lowercase())
        {
            return name;
        }
        n += 1;
    }
}

/// Text Excel keeps: XML 1.0 forbids most control characters, and a cell
/// holds at most 32,767 characters.
fn cell_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .take(32_767)
        .collect()
}

/// A workbook of the given sheets, in order.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, PrintError> {
    let fail = |e: rust_xlsxwriter::XlsxError| PrintError::Xlsx(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let mut names = Vec::new();
    for sheet in sheets {
        let name = sheet_name(&sheet.name, &names);
        let ws = book.add_worksheet();
        ws.set_name(&name).map_err(fail)?;
        names.push(name);
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, cell_text(h), &bold)
                .map_err(fail)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => ws.write_string(r, c, cell_text(t)).map(|_| ()),
                    Cell::Number(n) if n.is_finite() => ws.write_number(r, c, *n).map(|_| ()),
                    Cell::Number(_) | Cell::Empty => Ok(()),
                }
                .map_err(fail)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(fail)?;
        ws.autofit();
    }
    if sheets.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn sheet_names_are_made_acceptable_and_unique() {
        assert_eq!(sheet_name("召回 12", &[]), "召回 12");
        assert_eq!(sheet_name("a/b:c", &[]), "a_b_c");
        assert_eq!(sheet_name("", &[]), "Sheet");
        let long = "统".repeat(40);
        assert_eq!(sheet_name(&long, &[]).chars().count(), 31);
        let taken = vec!["汇总".to_string()];
        assert_eq!(sheet_name("汇总", &taken), "汇总 (2)");
    }

    #[test]
    fn every_sheet_reads_back_with_its_cells() {
        let bytes = workbook(&[
            Sheet::new(
                "汇总",
                &["指标", "本期"],
                vec![
                    vec![Cell::from("扫码次数"), Cell::from(515u64)],
                    vec![Cell::from("a<b & \"c\"\u{1}"), Cell::Empty],
                ],
            ),
            Sheet::new("汇总", &["地区"], vec![vec![Cell::from("广东省")]]),
        ])
        .unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["汇总", "汇总 (2)"]);
        let first = book.worksheet_range("汇总").unwrap();
        assert_eq!(first.get_value((0, 0)), Some(&Data::String("指标".into())));
        assert_eq!(first.get_value((1, 1)), Some(&Data::Float(515.0)));
        assert_eq!(
            first.get_value((2, 0)),
            Some(&Data::String("a<b & \"c\" ".into()))
        );
        assert!(matches!(first.get_value((2, 1)), None | Some(Data::Empty)));
        let second = book.worksheet_range("汇总 (2)").unwrap();
        assert_eq!(
            second.get_value((1, 0)),
            Some(&Data::String("广东省".into()))
        );
    }
}
