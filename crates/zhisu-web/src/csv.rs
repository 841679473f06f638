//! A cell of the CSV downloads (RFC 4180), safe to open in a spreadsheet.

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
