//! Import templates as XLSX (issue 19.3): the sheet a clerk fills in —
//! a row of Chinese column names, a row of the API's keys (what the
//! importer reads), an example row, then the clerk's rows — with
//! drop-downs where a column takes one of a list, a sheet of those lists
//! and a sheet explaining every column. Written with rust_xlsxwriter.

use rust_xlsxwriter::{Color, DataValidation, Format, Formula, Workbook, XlsxError};

use crate::PrintError;

/// The rows above a clerk's first row: names, keys, the example.
pub const HEADER_ROWS: u32 = 3;

/// The sheet of the lists the drop-downs offer.
const LISTS: &str = "选项";

/// The sheet that explains each column.
const HELP: &str = "填写说明";

/// One column of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateColumn {
    /// Its Chinese name (the first row).
    pub zh: String,
    /// The API's field name (the second row).
    pub key: String,
    pub required: bool,
    /// The example row's cell.
    pub example: String,
    /// The values a drop-down offers, if the column takes one of a list.
    pub choices: Vec<String>,
    /// What the cell holds, for the sheet of explanations.
    pub help: String,
}

/// The column letters of column `c` (0 = A), as a spreadsheet names it.
pub fn letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

/// A template of `title` (its sheet's name) with these columns.
pub fn template_xlsx(title: &str, columns: &[TemplateColumn]) -> Result<Vec<u8>, PrintError> {
    write(title, columns).map_err(|e| PrintError::Xlsx(e.to_string()))
}

fn write(title: &str, columns: &[TemplateColumn]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let name = Format::new().set_bold();
    let required = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0xB0_1E_1E));
    let key = Format::new().set_font_color(Color::Gray);
    let example = Format::new().set_italic().set_font_color(Color::Gray);

    let sheet = book.add_worksheet();
    sheet.set_name(title)?;
    for (c, col) in columns.iter().enumerate() {
        let c = c as u16;
        let head = if col.required {
            format!("{}*", col.zh)
        } else {
            col.zh.clone()
        };
        sheet.write_string_with_format(0, c, head, if col.required { &required } else { &name })?;
        sheet.write_string_with_format(1, c, &col.key, &key)?;
        if !col.example.is_empty() {
            sheet.write_string_with_format(2, c, &col.example, &example)?;
        }
        // Every cell text, so a code or a licence number keeps its zeros.
        sheet.set_column_format(c, &Format::new().set_num_format("@"))?;
        sheet.set_column_width(c, (col.zh.chars().count() as f64 * 2.2).clamp(12.0, 40.0))?;
    }
    sheet.set_freeze_panes(HEADER_ROWS, 0)?;

    // The lists, one column each, and a drop-down over each list column.
    let mut listed = 0;
    let mut validations = Vec::new();
    for (c, col) in columns.iter().enumerate() {
        if col.choices.is_empty() {
            continue;
        }
        let range = format!(
            "='{LISTS}'!${0}$2:${0}${1}",
            letters(listed),
            col.choices.len() + 1
        );
        let v = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .set_error_message(format!("请从下拉列表中选择{}", col.zh))?;
        validations.push((c as u16, listed, v));
        listed += 1;
    }
    for (c, _, v) in &validations {
        sheet.add_data_validation(HEADER_ROWS, *c, 1_048_575, *c, v)?;
    }
    if !validations.is_empty() {
        let lists = book.add_worksheet();
        lists.set_name(LISTS)?;
        for (c, l, _) in &validations {
            let col = &columns[*c as usize];
            lists.write_string_with_format(0, *l as u16, &col.zh, &name)?;
            for (r, choice) in col.choices.iter().enumerate() {
                lists.write_string(r as u32 + 1, *l as u16, choice)?;
            }
            lists.set_column_width(*l as u16, 24)?;
        }
    }

    let help = book.add_worksheet();
    help.set_name(HELP)?;
    for (c, h) in ["列名", "字段", "必填", "填写要求"].iter().enumerate() {
        help.write_string_with_format(0, c as u16, *h, &name)?;
    }
    for (r, col) in columns.iter().enumerate() {
        let r = r as u32 + 1;
        help.write_string(r, 0, &col.zh)?;
        help.write_string(r, 1, &col.key)?;
        help.write_string(r, 2, if col.required { "是" } else { "否" })?;
        help.write_string(r, 3, &col.help)?;
    }
    let last = columns.len() as u32 + 2;
    help.write_string(
        last,
        0,
        "第一行是列名，第二行是字段（导入时按字段识别各列，请勿修改），第三行是示例（原样保留的示例行不会导入）；从第四行起每行一条。",
    )?;
    help.set_column_width(0, 24)?;
    help.set_column_width(1, 24)?;
    help.set_column_width(3, 60)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, DataType, Reader, Xlsx};

    fn col(zh: &str, key: &str, required: bool, choices: &[&str]) -> TemplateColumn {
        TemplateColumn {
            zh: zh.into(),
            key: key.into(),
            required,
            example: choices.first().copied().unwrap_or("示例").into(),
            choices: choices.iter().map(|c| c.to_string()).collect(),
            help: "文字".into(),
        }
    }

    #[test]
    fn column_letters() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(701), "ZZ");
        assert_eq!(letters(702), "AAA");
    }

    #[test]
    fn a_template_reads_back_with_its_rows_lists_and_help() {
        let columns = [
            col("产品名称", "product_name", true, &[]),
            col("产品类别", "category", true, &["电线电缆", "燃气器具"]),
            col("品牌", "brand", false, &[]),
            col("追溯层级", "trace_level", true, &["一品一码", "一物一码"]),
        ];
        let bytes = template_xlsx("产品", &columns).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["产品", "选项", "填写说明"]);
        let sheet = book.worksheet_range("产品").unwrap();
        let row = |r: usize| -> Vec<String> {
            (0..4)
                .map(|c| {
                    sheet
                        .get((r, c))
                        .and_then(|d: &Data| d.as_string())
                        .unwrap_or_default()
                })
                .collect()
        };
        assert_eq!(row(0), ["产品名称*", "产品类别*", "品牌", "追溯层级*"]);
        assert_eq!(row(1), ["product_name", "category", "brand", "trace_level"]);
        assert_eq!(row(2), ["示例", "电线电缆", "示例", "一品一码"]);
        let lists = book.worksheet_range("选项").unwrap();
        assert_eq!(
            lists.get((0, 0)).and_then(|d| d.as_string()).as_deref(),
            Some("产品类别")
        );
        assert_eq!(
            lists.get((2, 0)).and_then(|d| d.as_string()).as_deref(),
            Some("燃气器具")
        );
        assert_eq!(
            lists.get((2, 1)).and_then(|d| d.as_string()).as_deref(),
            Some("一物一码")
        );
        let help = book.worksheet_range("填写说明").unwrap();
        assert_eq!(
            help.get((2, 1)).and_then(|d| d.as_string()).as_deref(),
            Some("category")
        );
        assert_eq!(
            help.get((3, 2)).and_then(|d| d.as_string()).as_deref(),
            Some("否")
        );
    }

    #[test]
    fn the_drop_downs_name_their_lists() {
        let columns = [
            col("产品名称", "product_name", true, &[]),
            col("产品类别", "category", true, &["电线电缆", "燃气器具"]),
            col(
                "追溯层级",
                "trace_level",
                true,
                &["一品一码", "一物一码", "组合多码"],
            ),
        ];
        let bytes = template_xlsx("产品", &columns).unwrap();
        // The sheet's XML holds each drop-down over its column, below the
        // example, naming its list's cells.
        let zip = zip_sheet(&bytes);
        assert!(zip.contains(r#"sqref="B4:B1048576""#), "{zip}");
        assert!(zip.contains("'选项'!$A$2:$A$3"), "{zip}");
        assert!(zip.contains(r#"sqref="C4:C1048576""#));
        assert!(zip.contains("'选项'!$B$2:$B$4"));
    }

    /// The first sheet's XML.
    fn zip_sheet(bytes: &[u8]) -> String {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }
}
