//! A trace code as people and machines hand it in (issue 15.11: what the
//! platform prints, it takes): the Digital Link URI on the label, the key
//! the API lists (`(01)…(21)…`, `(c)…(21)…`), or the GS1 element string a
//! barcode scanner sends (`]d2`/`]Q3` symbology prefix, FNC1 `^` or GS
//! separators). Each is turned into the one form the resolver reads: a
//! link under the deployment's public URL.

use std::borrow::Cow;

use crate::gs1::digital_link::percent_encode;
use crate::gs1::{DigitalLink, ElementString};

/// What every refusal says: which forms are taken.
pub const FORMS: &str = "可填数字链接网址 https://…/01/{GTIN}/21/{序列号}、键 (01){GTIN}(21){序列号} 或 (c){编码}(21){序列号}、或 GS1 元素串 01{GTIN}21{序列号} (a code is a Digital Link URI, a key such as (01)…(21)… or (c)…(21)…, or a GS1 element string such as 01…21…)";

/// Why an input is not a code in any accepted form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{input}” 不是追溯码：{reason}；{FORMS}")]
pub struct CodeFormError {
    pub input: String,
    pub reason: String,
}

/// The input as a link under `base`; a URI is returned as given, without
/// a copy (it is every scan's path; the resolver reads links of any host).
pub fn as_link<'a>(input: &'a str, base: &str) -> Result<Cow<'a, str>, CodeFormError> {
    let input = input.trim();
    let refuse = |reason: String| CodeFormError {
        input: input.chars().take(120).collect(),
        reason,
    };
    let starts = |scheme: &str| {
        input
            .get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
    };
    if starts("http://") || starts("https://") {
        return Ok(Cow::Borrowed(input));
    }
    if input.is_empty() {
        return Err(refuse("为空 (empty)".into()));
    }
    if let Some(rest) = input.strip_prefix("(c)") {
        return scheme_key(rest, base).map(Cow::Owned).ok_or_else(|| {
            refuse("(c) 后应为产品编码，可再接 (10){批号} 或 (21){序列号} ((c) must be followed by the product's code, then (10) or (21))".into())
        });
    }
    // A scanner's symbology identifier (`]d2` DataMatrix, `]Q3` QR, `]C1`
    // GS1-128, `]e0` DataBar) says GS1 data follows.
    let data = match input.strip_prefix(']') {
        Some(rest) if rest.len() >= 2 && rest.is_char_boundary(2) => &rest[2..],
        _ => input,
    };
    let strict = ElementString::parse(data)
        .map_err(|e| e.to_string())
        .and_then(|elements| DigitalLink::format(base, &elements).map_err(|e| e.to_string()));
    match strict {
        Ok(link) => Ok(Cow::Owned(link)),
        // A key the platform printed may carry a lot number outside GS1's
        // character set (it takes the batch number as filed): read its
        // parts as they stand and let the resolver judge them.
        Err(reason) => loose_key(data, base)
            .map(Cow::Owned)
            .ok_or_else(|| refuse(reason)),
    }
}

/// `(01){gtin}[(10){lot}|(21){serial}]` or `(00){sscc}` taken part by part.
fn loose_key(key: &str, base: &str) -> Option<String> {
    let mut link = base.trim_end_matches('/').to_string();
    let mut first = true;
    for part in key.strip_prefix('(')?.split('(') {
        let (ai, value) = part.split_once(')')?;
        let allowed = if first {
            (ai == "01" && crate::gs1::Gtin::parse(value).is_ok())
                || (ai == "00" && crate::gs1::Sscc::parse(value).is_ok())
        } else {
            ai == "10" || ai == "21"
        };
        if !allowed || value.is_empty() {
            return None;
        }
        first = false;
        link.push('/');
        link.push_str(ai);
        link.push('/');
        link.push_str(&percent_encode(value));
    }
    Some(link)
}

/// `{code}[(10){lot}|(21){serial}]` after `(c)`, as `{base}/c/…`.
fn scheme_key(rest: &str, base: &str) -> Option<String> {
    let (code, qualifier) = match rest.find('(') {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let code = crate::scheme::check_code(code).ok()?;
    let mut link = format!(
        "{}{}",
        base.trim_end_matches('/'),
        crate::scheme::product_path(&code)
    );
    if let Some(q) = qualifier {
        let (ai, value) = q.strip_prefix('(')?.split_once(')')?;
        if !(ai == "10" || ai == "21") || value.is_empty() || value.contains('(') {
            return None;
        }
        link.push('/');
        link.push_str(ai);
        link.push('/');
        link.push_str(&percent_encode(value));
    }
    Some(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://zhisu.example.cn";

    #[test]
    fn every_printed_form_becomes_the_same_link() {
        let link = "https://zhisu.example.cn/01/06970000000017/21/ABC123";
        for input in [
            link,
            "(01)06970000000017(21)ABC123",
            "  (01)06970000000017(21)ABC123 ",
            "010697000000001721ABC123",
            "^010697000000001721ABC123",
            "]d2010697000000001721ABC123",
            "]Q30106970000000017\u{1d}21ABC123",
        ] {
            assert_eq!(as_link(input, BASE).as_deref(), Ok(link), "{input:?}");
        }
        assert_eq!(
            as_link("(01)06970000000017(10)L 1", BASE).unwrap().as_ref(),
            "https://zhisu.example.cn/01/06970000000017/10/L%201"
        );
        assert_eq!(
            as_link("(00)106141411234567897", BASE).unwrap().as_ref(),
            "https://zhisu.example.cn/00/106141411234567897"
        );
        assert_eq!(
            as_link("(c)2024011601234567(21)X1", BASE).unwrap().as_ref(),
            "https://zhisu.example.cn/c/2024011601234567/21/X1"
        );
        assert_eq!(
            as_link("(c)DEMO-ID/TDT-1208Z", BASE).unwrap().as_ref(),
            "https://zhisu.example.cn/c/DEMO-ID%2FTDT-1208Z"
        );
    }

    #[test]
    fn a_refusal_names_the_forms_taken() {
        for bad in ["", "hello", "(01)06970000000018(21)A", "(c)", "(c)X(99)1"] {
            let e = as_link(bad, BASE).unwrap_err();
            assert!(e.to_string().contains("(01)"), "{bad}: {e}");
            assert!(e.to_string().contains("Digital Link"), "{bad}: {e}");
        }
        // The GS1 check digit error is the reason given.
        let e = as_link("(01)06970000000018(21)A", BASE).unwrap_err();
        assert!(!e.reason.is_empty());
    }
}
