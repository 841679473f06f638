//! EPC URNs (GS1 EPC Tag Data Standard, pure identity and class URIs) as
//! canonical GS1 Digital Link URIs on `https://id.gs1.org`, the form the
//! CBV 2.0 event hash and EPCIS 2.0 JSON use.

use zhisu_codes::gs1::digital_link::percent_encode;
use zhisu_codes::gs1::lint::mod10_check_digit;
use zhisu_codes::gs1::{DigitalLink, DlOptions};

const BASE: &str = "https://id.gs1.org";

/// Undoes the URN escapes of EPC TDS (`%2F` and friends).
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `body` with its mod-10 check digit appended.
fn with_check(body: &str) -> Option<String> {
    let d = mod10_check_digit(body)?;
    Some(format!("{body}{d}"))
}

/// A GTIN-14 from a company prefix and an indicator-plus-item reference.
fn gtin(prefix: &str, indicator_item: &str) -> Option<String> {
    if !digits(prefix) || !digits(indicator_item) || prefix.len() + indicator_item.len() != 13 {
        return None;
    }
    let (indicator, item) = indicator_item.split_at(1);
    with_check(&format!("{indicator}{prefix}{item}"))
}

/// The Digital Link form of an EPC URN, or None when it is not one this
/// function knows (the caller then keeps the value as it is).
pub fn urn_to_digital_link(urn: &str) -> Option<String> {
    let (scheme, rest) = if let Some(r) = urn.strip_prefix("urn:epc:id:") {
        ("id", r)
    } else if let Some(r) = urn.strip_prefix("urn:epc:class:") {
        ("class", r)
    } else if let Some(r) = urn.strip_prefix("urn:epc:idpat:") {
        ("idpat", r)
    } else {
        return None;
    };
    let (kind, value) = rest.split_once(':')?;
    let parts: Vec<&str> = value.split('.').collect();
    let key_plus = |prefix: &str, reference: &str| -> Option<String> {
        if !digits(prefix) || !digits(reference) {
            return None;
        }
        with_check(&format!("{prefix}{reference}"))
    };
    match (scheme, kind, parts.as_slice()) {
        ("id", "sgtin", [p, ir, serial]) => Some(format!(
            "{BASE}/01/{}/21/{}",
            gtin(p, ir)?,
            percent_encode(&unescape(serial))
        )),
        ("idpat", "sgtin", [p, ir, "*"]) => Some(format!("{BASE}/01/{}", gtin(p, ir)?)),
        ("class", "lgtin", [p, ir, lot]) => Some(format!(
            "{BASE}/01/{}/10/{}",
            gtin(p, ir)?,
            percent_encode(&unescape(lot))
        )),
        ("id", "sscc", [p, er]) => {
            if !digits(p) || !digits(er) || p.len() + er.len() != 17 {
                return None;
            }
            let (ext, rest) = er.split_at(1);
            Some(format!(
                "{BASE}/00/{}",
                with_check(&format!("{ext}{p}{rest}"))?
            ))
        }
        ("id", "sgln", [p, loc, ext]) => {
            let gln = key_plus(p, loc).filter(|g| g.len() == 13)?;
            let ext = unescape(ext);
            Some(if ext == "0" {
                format!("{BASE}/414/{gln}")
            } else {
                format!("{BASE}/414/{gln}/254/{}", percent_encode(&ext))
            })
        }
        ("id", "pgln", [p, party]) => Some(format!(
            "{BASE}/417/{}",
            key_plus(p, party).filter(|g| g.len() == 13)?
        )),
        ("id", "giai", [p, asset]) if digits(p) => Some(format!(
            "{BASE}/8004/{p}{}",
            percent_encode(&unescape(asset))
        )),
        ("id", "grai", [p, asset_type, serial]) => Some(format!(
            "{BASE}/8003/0{}{}",
            key_plus(p, asset_type).filter(|g| g.len() == 13)?,
            percent_encode(&unescape(serial))
        )),
        ("id", "gdti", [p, doc_type, serial]) => Some(format!(
            "{BASE}/253/{}{}",
            key_plus(p, doc_type).filter(|g| g.len() == 13)?,
            percent_encode(&unescape(serial))
        )),
        ("id", "gsrn", [p, service]) => Some(format!(
            "{BASE}/8018/{}",
            key_plus(p, service).filter(|g| g.len() == 18)?
        )),
        ("id", "gsrnp", [p, service]) => Some(format!(
            "{BASE}/8017/{}",
            key_plus(p, service).filter(|g| g.len() == 18)?
        )),
        _ => None,
    }
}

/// Any identifier as the event hash wants it: EPC URNs and Digital Link
/// URIs of any domain become canonical `https://id.gs1.org/…` URIs; other
/// values stay as they are.
///
/// An event names an identifier more than once (its hash and its index
/// both want it) and a document repeats its read points and locations, so
/// each thread remembers its last few thousand answers.
pub fn canonical_identifier(value: &str) -> String {
    /// Answers remembered per thread before the memory starts over.
    const REMEMBERED: usize = 4096;
    thread_local! {
        static MEMO: std::cell::RefCell<std::collections::HashMap<String, String>> =
            std::cell::RefCell::default();
    }
    if let Some(known) = MEMO.with_borrow(|m| m.get(value).cloned()) {
        return known;
    }
    let answer = canonical_uncached(value);
    MEMO.with_borrow_mut(|m| {
        if m.len() >= REMEMBERED {
            m.clear();
        }
        m.insert(value.to_string(), answer.clone());
    });
    answer
}

fn canonical_uncached(value: &str) -> String {
    if let Some(dl) = urn_to_digital_link(value) {
        return dl;
    }
    if value.starts_with("http://") || value.starts_with("https://") {
        let options = DlOptions {
            permit_zero_suppressed_gtin: true,
            ..Default::default()
        };
        if let Ok(link) = DigitalLink::parse(value, options) {
            let path: String = link
                .path()
                .iter()
                .map(|(ai, v)| format!("/{ai}/{}", percent_encode(v)))
                .collect();
            return format!("{BASE}{path}");
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epc_urns_become_digital_link() {
        for (urn, dl) in [
            (
                "urn:epc:id:sscc:4012345.0000000111",
                "https://id.gs1.org/00/040123450000001112",
            ),
            (
                "urn:epc:id:sgtin:4012345.011111.9876",
                "https://id.gs1.org/01/04012345111118/21/9876",
            ),
            (
                "urn:epc:id:sgtin:0614141.011111.987",
                "https://id.gs1.org/01/00614141111114/21/987",
            ),
            (
                "urn:epc:id:sgln:4012345.00011.987",
                "https://id.gs1.org/414/4012345000115/254/987",
            ),
            (
                "urn:epc:id:sgln:4012345.00005.0",
                "https://id.gs1.org/414/4012345000054",
            ),
            (
                "urn:epc:id:giai:4000001.111",
                "https://id.gs1.org/8004/4000001111",
            ),
            (
                "urn:epc:id:gdti:4012345.11111.123",
                "https://id.gs1.org/253/4012345111118123",
            ),
            (
                "urn:epc:id:pgln:4012345.00000",
                "https://id.gs1.org/417/4012345000009",
            ),
            (
                "urn:epc:class:lgtin:4012345.012345.998877",
                "https://id.gs1.org/01/04012345123456/10/998877",
            ),
            (
                "urn:epc:idpat:sgtin:4012345.012345.*",
                "https://id.gs1.org/01/04012345123456",
            ),
            (
                "urn:epc:id:sgtin:4012345.011111.A%2FB",
                "https://id.gs1.org/01/04012345111118/21/A%2FB",
            ),
        ] {
            assert_eq!(urn_to_digital_link(urn).as_deref(), Some(dl), "{urn}");
        }
        for not in [
            "urn:epc:id:sgtin:4012345.0111.1",
            "urn:epc:id:sscc:x.y",
            "urn:uuid:1",
            "bizStep",
        ] {
            assert_eq!(urn_to_digital_link(not), None, "{not}");
        }
    }

    #[test]
    fn digital_links_of_any_domain_become_canonical() {
        assert_eq!(
            canonical_identifier("https://example.com/01/09520123456788/21/12345?17=201225"),
            "https://id.gs1.org/01/09520123456788/21/12345"
        );
        assert_eq!(
            canonical_identifier("https://example.com/not/gs1"),
            "https://example.com/not/gs1"
        );
    }
}
