//! A spreadsheet a user uploads, as rows of cell text: an XLSX (its first
//! sheet, by calamine) or a CSV in UTF-8 (with or without a byte-order
//! mark) or GBK/GB 18030, what a Chinese Excel saves. Row and column
//! numbers are the sheet's own (an XLSX whose first cells are empty keeps
//! them), so a mistake is named where the user sees it. Shared by register
//! imports and the import toolkit (issue 19.3).

use std::io::Cursor;

use zhisu_domain::{FieldError, Invalid};

use crate::{ServiceError, ServiceResult};

/// The most a sheet may weigh (a 100,000-row batch sheet is about 10 MB).
pub const MAX_SHEET_BYTES: usize = 64 * 1024 * 1024;

/// A refusal of the whole file, on its `file` field.
pub(crate) fn file_error(message: String) -> ServiceError {
    Invalid(vec![FieldError::new("file", "format", message)]).into()
}

/// A spreadsheet cell as text: dates as `YYYY-MM-DD`, whole numbers
/// without a decimal point (a certificate number Excel stored as a number).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel's day count from 1899-12-30 (its 1900 leap-year bug included).
        Data::DateTime(d) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(d.as_f64().max(0.0) as u64)))
            .map(|day| day.to_string())
            .unwrap_or_else(|| d.to_string()),
        Data::Error(e) => format!("{e:?}"),
    }
}

/// Column `c` (0 = A) as a spreadsheet names it.
fn column_name(c: u32) -> String {
    zhisu_print::template::letters(c as usize)
}

/// Whether any worksheet of an XLSX may hold a formula: its XML has a
/// `<f>` element (or one of another namespace prefix). Over-cautious by
/// design — text such as `a:f b` says yes too — as a yes only means the
/// exact look (calamine's) is taken; a file that cannot be opened says yes.
fn may_hold_formulas(bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return true;
    };
    let marks = [&b"<f>"[..], b"<f ", b"<f/", b":f>", b":f ", b":f/"];
    let finders: Vec<memchr::memmem::Finder> =
        marks.iter().map(memchr::memmem::Finder::new).collect();
    let mut xml = Vec::new();
    for i in 0..zip.len() {
        let Ok(mut part) = zip.by_index(i) else {
            return true;
        };
        if !part.name().starts_with("xl/worksheets/") {
            continue;
        }
        xml.clear();
        if part.read_to_end(&mut xml).is_err() {
            return true;
        }
        if finders.iter().any(|f| f.find(&xml).is_some()) {
            return true;
        }
    }
    false
}

/// The first sheet of an XLSX, refusing merged cells and formulas (a
/// merged cell's value stands in one cell only; a formula's value is what
/// the last program to save the file computed, not what the user typed).
fn xlsx_rows(bytes: &[u8], strict: bool) -> ServiceResult<Vec<Vec<String>>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
            file_error(format!(
                "无法读取 XLSX 文件 (not a readable XLSX file: {e})"
            ))
        })?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| file_error("XLSX 文件没有工作表 (the XLSX file has no sheet)".into()))?;
    let sheet = book
        .worksheet_range(&name)
        .map_err(|e| file_error(format!("无法读取工作表 (the sheet cannot be read: {e})")))?;
    if strict {
        book.load_merged_regions()
            .map_err(|e| file_error(format!("无法读取工作表 (the sheet cannot be read: {e})")))?;
        if let Some((_, _, region)) = book.merged_regions_by_sheet(&name).first() {
            let (r, c) = region.start;
            return Err(file_error(format!(
                "第 {} 行 {} 列是合并单元格：请取消合并，每格填一个值 (row {}, column {} is a merged cell: unmerge it, one value a cell)",
                r + 1,
                column_name(c),
                r + 1,
                column_name(c)
            )));
        }
        // calamine reads formulas in a second parse of the whole sheet; a
        // sheet's XML without a formula element needs none.
        let formulas = if may_hold_formulas(bytes) {
            book.worksheet_formula(&name)
        } else {
            Ok(calamine::Range::default())
        };
        let formulas = formulas
            .map_err(|e| file_error(format!("无法读取工作表 (the sheet cannot be read: {e})")))?;
        let (r0, c0) = formulas.start().unwrap_or((0, 0));
        if let Some((r, c, _)) = formulas.used_cells().find(|(_, _, f)| !f.is_empty()) {
            let (r, c) = (r as u32 + r0, c as u32 + c0);
            return Err(file_error(format!(
                "第 {} 行 {} 列是公式：请复制后“粘贴为数值” (row {}, column {} holds a formula: paste it as values)",
                r + 1,
                column_name(c),
                r + 1,
                column_name(c)
            )));
        }
    }
    // The range starts at its first used cell: put back the rows and
    // columns above and left of it.
    let (r0, c0) = sheet.start().unwrap_or((0, 0));
    let mut rows = vec![Vec::new(); r0 as usize];
    rows.extend(sheet.rows().map(|r| {
        std::iter::repeat_n(String::new(), c0 as usize)
            .chain(r.iter().map(cell_text))
            .collect()
    }));
    Ok(rows)
}

/// A CSV's rows, in UTF-8 or GBK.
fn csv_rows(bytes: &[u8]) -> ServiceResult<Vec<Vec<String>>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(file_error(
                    "文件既不是 UTF-8 也不是 GBK 编码的 CSV，也不是 XLSX (the file is neither a UTF-8 or GBK CSV nor an XLSX)".into(),
                ));
            }
            text.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| file_error(format!("CSV 格式错误 (malformed CSV: {e})")))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

/// Every row of a sheet file, XLSX or CSV; `strict` refuses merged cells
/// and formulas in an XLSX.
pub(crate) fn sheet_rows(bytes: &[u8], strict: bool) -> ServiceResult<Vec<Vec<String>>> {
    if bytes.len() > MAX_SHEET_BYTES {
        return Err(ServiceError::TooLarge(format!(
            "表格文件不能超过 {} MB (a sheet file may be at most {} MB)",
            MAX_SHEET_BYTES >> 20,
            MAX_SHEET_BYTES >> 20
        )));
    }
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_rows(bytes, strict)?
    } else if bytes.contains(&0) {
        // No CSV holds a NUL; a PDF, an image or an old .xls does.
        return Err(file_error(
            "这不是表格文件：请上传 XLSX 或 CSV (this is no spreadsheet: upload an XLSX or a CSV)"
                .into(),
        ));
    } else {
        csv_rows(bytes)?
    };
    if rows.iter().all(|r| r.iter().all(|c| c.trim().is_empty())) {
        return Err(file_error("文件是空的 (the file is empty)".into()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{Formula, Workbook};

    fn refusal(e: ServiceError) -> String {
        match e {
            ServiceError::Invalid(Invalid(errors)) => errors[0].message.clone(),
            ServiceError::TooLarge(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_xlsx_keeps_its_row_and_column_numbers() {
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_string(2, 1, "batch_id").unwrap();
        s.write_number(3, 1, 20.0).unwrap();
        s.write_string(3, 2, "2026-12-08").unwrap();
        let rows = sheet_rows(&book.save_to_buffer().unwrap(), true).unwrap();
        assert_eq!(rows[2][1], "batch_id");
        assert_eq!(rows[3], ["", "20", "2026-12-08"]);
    }

    #[test]
    fn merged_cells_and_formulas_are_refused_where_they_are() {
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.merge_range(4, 2, 5, 2, "合并", &rust_xlsxwriter::Format::new())
            .unwrap();
        let m = refusal(sheet_rows(&book.save_to_buffer().unwrap(), true).unwrap_err());
        assert!(m.contains("第 5 行 C 列是合并单元格"), "{m}");

        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_number(1, 0, 2.0).unwrap();
        s.write_formula(3, 27, Formula::new("=A2*3")).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let m = refusal(sheet_rows(&bytes, true).unwrap_err());
        assert!(m.contains("第 4 行 AB 列是公式"), "{m}");
        // A register import takes what the sheet shows.
        assert!(sheet_rows(&bytes, false).is_ok());
    }

    #[test]
    fn only_a_sheet_with_a_formula_element_is_read_twice() {
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "=A2*3 <f>").unwrap();
        s.write_number(1, 0, 2.0).unwrap();
        assert!(!may_hold_formulas(&book.save_to_buffer().unwrap()));
        let s = book.worksheet_from_index(0).unwrap();
        s.write_formula(3, 1, Formula::new("=A2*3")).unwrap();
        assert!(may_hold_formulas(&book.save_to_buffer().unwrap()));
        assert!(may_hold_formulas(b"PK\x03\x04not a zip"));
    }

    #[test]
    fn what_is_no_spreadsheet_is_refused() {
        for (bytes, says) in [
            (b"%PDF-1.7\n\x00\x01binary".to_vec(), "不是表格文件"),
            (b"PK\x03\x04not a zip".to_vec(), "无法读取 XLSX"),
            (b"\xff\xfe\xfd\x81\x30".to_vec(), "UTF-8"),
            (b" \n,,\n".to_vec(), "空"),
        ] {
            let m = refusal(sheet_rows(&bytes, true).unwrap_err());
            assert!(m.contains(says), "{says}: {m}");
        }
        let big = vec![b'a'; MAX_SHEET_BYTES + 1];
        assert!(refusal(sheet_rows(&big, true).unwrap_err()).contains("MB"));
    }

    #[test]
    fn a_gbk_csv_reads_like_its_utf8_twin() {
        let text = "批次编号,生产日期,当日产量\nbatch_id,day,quantity\n20,2026年12月8日,60\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(
            sheet_rows(&gbk, true).unwrap(),
            sheet_rows(text.as_bytes(), true).unwrap()
        );
        let mut bom = "\u{feff}".as_bytes().to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(sheet_rows(&bom, true).unwrap()[0][0], "批次编号");
    }
}
