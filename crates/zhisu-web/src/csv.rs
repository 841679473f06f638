//! The CSV downloads of the pages: a cell (RFC 4180) safe to open in a
//! spreadsheet, the header row, the download itself.

/// Quoted when it must be; a text that a spreadsheet would read as a
/// formula (it begins with `=`, `+`, `-` or `@` — an enterprise's name is
/// typed by its clerk) gets a leading apostrophe (OWASP's CSV injection
/// advice), a number stays a number.
pub(crate) fn cell(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err();
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A CSV file begun with its header row: UTF-8 with a byte-order mark,
/// so Excel reads the Chinese headings.
pub(crate) fn with_header(header: &str) -> String {
    format!("\u{feff}{header}\r\n")
}

/// A CSV download of the signed-in reader's figures: private, as every
/// page's own download (`pages::private_download`).
pub(crate) fn download(name: &str, csv: String) -> axum::response::Response {
    crate::pages::private_download("text/csv; charset=utf-8", name, csv.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("广东省"), "广东省");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-12.5"), "-12.5");
    }
}
