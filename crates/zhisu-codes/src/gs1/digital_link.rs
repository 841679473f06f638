//! GS1 Digital Link URIs (GS1 Digital Link Standard 1.2), both ways:
//! `https://example.com/01/09520123456788/10/ABC?17=251231` ⇄
//! `(01)09520123456788(10)ABC(17)251231`.
//!
//! The primary key is the rightmost `/AI/value` pair whose AI is a
//! dictionary `dlpkey`; what stands before it is the stem. Qualifiers after
//! it must follow one of the key's ordered qualifier sequences; query
//! parameters with numeric keys are data attributes, others are ignored.

use super::dictionary::dictionary;
use super::element::{check_associations, validate_value, ElementError, ElementString};

/// Parser options; the defaults follow the GS1 Barcode Syntax Engine's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DlOptions {
    /// Accept `/01/` followed by a GTIN-8, -12 or -13 and pad it to 14 digits.
    pub permit_zero_suppressed_gtin: bool,
    /// Accept the legacy convenience alphas (`/gtin/`, `/ser/`, `/sscc/`, …).
    pub permit_convenience_alphas: bool,
    /// Accept AIs missing from the dictionary as data attributes.
    pub permit_unknown_attributes: bool,
}

/// Why a URI is not a GS1 Digital Link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DlError {
    #[error("须以 http:// 或 https:// 开头 (a Digital Link starts with http:// or https://)")]
    Scheme,
    #[error(
        "网址含有不允许的字符“{0}” (the URI contains the character '{0}', which is not allowed)"
    )]
    Character(char),
    #[error("域名为空或无效 (the domain is empty or has characters a domain may not have)")]
    Domain,
    #[error("路径中没有 GS1 主键 (the path holds no GS1 primary key such as /01/…)")]
    NoPrimaryKey,
    #[error("路径格式错误：{0} (malformed path: {0})")]
    Path(String),
    #[error("AI ({qualifier}) 不是 AI ({key}) 的限定符或顺序错误 (AI ({qualifier}) is not a qualifier of AI ({key}) in this order)")]
    Qualifier { key: String, qualifier: String },
    #[error("查询参数“{0}”无效 (query parameter '{0}' is not a valid data attribute)")]
    Attribute(String),
    #[error("AI ({0}) 应在路径中作为限定符 (AI ({0}) belongs in the path as a qualifier, not in the query)")]
    AttributeInPath(String),
    #[error("百分号编码错误 (bad percent-encoding)")]
    Escape,
    #[error(transparent)]
    Element(#[from] ElementError),
}

/// A parsed Digital Link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    /// Scheme, domain and any path before the primary key.
    pub prefix: String,
    /// The path AIs (primary key first, then qualifiers), then the query's
    /// data attributes: one list, so the element string needs no copy.
    ais: Vec<(String, String)>,
    n_path: usize,
    /// Non-AI query parameters (e.g. `linkType`), kept for resolvers.
    pub other_params: Vec<(String, String)>,
}

const CONVENIENCE_ALPHAS: &[(&str, &str)] = &[
    ("gtin", "01"),
    ("itip", "8006"),
    ("cpv", "22"),
    ("lot", "10"),
    ("ser", "21"),
    ("sscc", "00"),
    ("gln", "414"),
    ("party", "417"),
    ("gdti", "253"),
    ("ginc", "401"),
    ("gsin", "402"),
    ("grai", "8003"),
    ("giai", "8004"),
    ("gsrn", "8018"),
    ("gsrnp", "8017"),
    ("gcn", "255"),
    ("cpid", "8010"),
    ("gmn", "8013"),
    ("glnx", "254"),
];

/// RFC 3986 characters (unreserved, reserved and `%`), as a lookup table.
const URI_CHARS: [bool; 128] = {
    let mut table = [false; 128];
    let extra = b"-._~:/?#[]@!$&'()*+,;=%";
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric();
        c += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
};

pub(crate) fn is_uri_char(c: char) -> bool {
    (c as u32) < 128 && URI_CHARS[c as usize]
}

pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> Result<String, DlError> {
    let needs_decoding = s.contains('%') || (plus_is_space && s.contains('+'));
    if !needs_decoding {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).ok_or(DlError::Escape)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| DlError::Escape)?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| DlError::Escape)
}

/// Recognises the platform's own 一物一码 form, `{base}/01/{GTIN-14}/21/{serial}`
/// with nothing after it, without the general parser: the scan hot path.
/// The GTIN's check digit is verified; the serial must be 1 to 20
/// alphanumerics (the serial codec then decides whether it was issued).
/// Anything else gives None: parse it with [`DigitalLink::parse`].
pub fn canonical_item<'a>(uri: &'a str, base: &str) -> Option<(&'a str, &'a str)> {
    let rest = uri.strip_prefix(base)?.strip_prefix("/01/")?;
    let (gtin, rest) = rest.split_at_checked(14)?;
    let serial = rest.strip_prefix("/21/")?;
    let gtin_ok =
        gtin.bytes().all(|b| b.is_ascii_digit()) && super::lint::has_valid_check_digit(gtin);
    let serial_ok =
        (1..=20).contains(&serial.len()) && serial.bytes().all(|b| b.is_ascii_alphanumeric());
    (gtin_ok && serial_ok).then_some((gtin, serial))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `qualifiers` appear, in order, within `sequence`.
fn in_order(qualifiers: &[&str], sequence: &[String]) -> bool {
    let mut it = sequence.iter();
    qualifiers.iter().all(|q| it.any(|s| s == q))
}

impl DigitalLink {
    pub fn parse(uri: &str, options: DlOptions) -> Result<Self, DlError> {
        let (scheme, rest) = ["https://", "http://", "HTTPS://", "HTTP://"]
            .iter()
            .find_map(|s| uri.strip_prefix(s).map(|r| (*s, r)))
            .ok_or(DlError::Scheme)?;
        if let Some(c) = rest.chars().find(|c| !is_uri_char(*c)) {
            return Err(DlError::Character(c));
        }
        let rest = rest.split('#').next().unwrap_or("");
        let (domain, path_and_query) = rest.split_at(rest.find('/').ok_or(DlError::NoPrimaryKey)?);
        if domain.is_empty()
            || !domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        {
            return Err(DlError::Domain);
        }
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, q),
            None => (path_and_query, ""),
        };
        if path.ends_with('/') {
            return Err(DlError::Path("it ends with '/'".into()));
        }
        let segments: Vec<&str> = path[1..].split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(DlError::Path("empty segment".into()));
        }
        let ai_of = |segment: &str| -> Option<&'static str> {
            if let Some(entry) = dictionary().get(segment) {
                Some(entry.ai.as_str())
            } else if options.permit_convenience_alphas {
                CONVENIENCE_ALPHAS
                    .iter()
                    .find(|(alpha, _)| *alpha == segment)
                    .map(|(_, ai)| *ai)
            } else {
                None
            }
        };
        // Walk (AI, value) pairs from the right until the rightmost primary key.
        let mut end = segments.len();
        let mut pairs: Vec<(&'static str, &str)> = Vec::with_capacity(4);
        let key_at = loop {
            if end < 2 {
                return Err(DlError::NoPrimaryKey);
            }
            let ai = ai_of(segments[end - 2]).ok_or(DlError::NoPrimaryKey)?;
            pairs.push((ai, segments[end - 1]));
            end -= 2;
            if dictionary()
                .get(ai)
                .is_some_and(|e| e.dl_primary_key.is_some())
            {
                break end;
            }
        };
        pairs.reverse();
        let mut ais: Vec<(String, String)> = Vec::with_capacity(pairs.len() + 2);
        for (ai, raw) in pairs {
            let mut value = percent_decode(raw, false)?;
            if ai == "01"
                && options.permit_zero_suppressed_gtin
                && matches!(value.len(), 8 | 12 | 13)
                && value.bytes().all(|b| b.is_ascii_digit())
            {
                value = format!("{value:0>14}");
            }
            ais.push((ai.to_string(), value));
        }
        let n_path = ais.len();
        let no_sequences = Vec::new();
        let sequences = dictionary()
            .get(ais[0].0.as_str())
            .and_then(|e| e.dl_primary_key.as_ref())
            .unwrap_or(&no_sequences);
        let qualifiers: Vec<&str> = ais[1..].iter().map(|(a, _)| a.as_str()).collect();
        let matching: Vec<&Vec<String>> = sequences
            .iter()
            .filter(|seq| in_order(&qualifiers, seq))
            .collect();
        if !qualifiers.is_empty() && matching.is_empty() {
            let bad = qualifiers
                .iter()
                .find(|q| !sequences.iter().any(|s| s.iter().any(|x| x == *q)))
                .unwrap_or(&qualifiers[0]);
            return Err(DlError::Qualifier {
                key: ais[0].0.clone(),
                qualifier: bad.to_string(),
            });
        }
        let mut other_params = Vec::new();
        for param in query.split('&').filter(|p| !p.is_empty()) {
            let Some((name, raw)) = param.split_once('=') else {
                continue;
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
                other_params.push((name.to_string(), percent_decode(raw, true)?));
                continue;
            }
            let value = percent_decode(raw, true)?;
            if value.is_empty() {
                return Err(DlError::Attribute(name.into()));
            }
            match dictionary().get(name) {
                Some(entry) if entry.dl_attribute => {}
                None if options.permit_unknown_attributes && (2..=4).contains(&name.len()) => {}
                _ => return Err(DlError::Attribute(name.into())),
            }
            if matching.iter().any(|seq| seq.iter().any(|q| q == name)) {
                return Err(DlError::AttributeInPath(name.into()));
            }
            if ais.iter().any(|(a, _)| a == name) {
                return Err(DlError::Element(ElementError::Duplicate(name.into())));
            }
            ais.push((name.to_string(), value));
        }
        let mut all_known = true;
        for (ai, value) in &ais {
            match dictionary().get(ai) {
                Some(entry) => validate_value(entry, value)?,
                None => all_known = false,
            }
        }
        if all_known {
            check_associations(&ais)?;
        } else {
            let known: Vec<(String, String)> = ais
                .iter()
                .filter(|(a, _)| dictionary().get(a).is_some())
                .cloned()
                .collect();
            check_associations(&known)?;
        }
        let mut prefix = String::with_capacity(64);
        prefix.push_str(scheme);
        prefix.push_str(domain);
        for segment in &segments[..key_at] {
            prefix.push('/');
            prefix.push_str(segment);
        }
        Ok(DigitalLink {
            prefix,
            ais,
            n_path,
            other_params,
        })
    }

    /// The primary key and its qualifiers, in path order.
    pub fn path(&self) -> &[(String, String)] {
        &self.ais[..self.n_path]
    }

    /// The data attributes from the query, in order.
    pub fn attributes(&self) -> &[(String, String)] {
        &self.ais[self.n_path..]
    }

    /// The element string this link carries: path AIs, then attributes.
    /// Unknown AIs (accepted only with `permit_unknown_attributes`) are
    /// kept as they are.
    pub fn element_string(&self) -> Result<ElementString, ElementError> {
        if self.ais.iter().all(|(a, _)| dictionary().get(a).is_some()) {
            ElementString::new(self.ais.clone())
        } else {
            Ok(ElementString::unchecked(self.ais.clone()))
        }
    }

    /// The element string in raw form, `^…` (as the GS1 test vectors write it).
    pub fn to_raw(&self) -> String {
        match self.element_string() {
            Ok(e) => e.to_raw(),
            Err(_) => String::new(),
        }
    }

    /// Builds the canonical Digital Link of an element string under `base`
    /// (e.g. `https://zhisu.example.cn`): the first primary key and the
    /// qualifiers of its best-matching sequence in the path, the rest as
    /// query attributes.
    pub fn format(base: &str, elements: &ElementString) -> Result<String, DlError> {
        let ais = elements.ais();
        let (key_index, key_entry) = ais
            .iter()
            .enumerate()
            .find_map(|(i, (ai, _))| {
                dictionary()
                    .get(ai)
                    .filter(|e| e.dl_primary_key.is_some())
                    .map(|e| (i, e))
            })
            .ok_or(DlError::NoPrimaryKey)?;
        let sequences = key_entry.dl_primary_key.clone().unwrap_or_default();
        let best = sequences
            .iter()
            .max_by_key(|seq| {
                seq.iter()
                    .filter(|q| ais.iter().any(|(a, _)| a == *q))
                    .count()
            })
            .cloned()
            .unwrap_or_default();
        let mut uri = format!(
            "{}/{}/{}",
            base.trim_end_matches('/'),
            key_entry.ai,
            percent_encode(&ais[key_index].1)
        );
        let mut in_path = vec![key_entry.ai.clone()];
        for qualifier in &best {
            if let Some((_, value)) = ais.iter().find(|(a, _)| a == qualifier) {
                uri.push_str(&format!("/{qualifier}/{}", percent_encode(value)));
                in_path.push(qualifier.clone());
            }
        }
        let mut separator = '?';
        for (ai, value) in ais.iter().filter(|(a, _)| !in_path.contains(a)) {
            if !dictionary().get(ai).is_some_and(|e| e.dl_attribute) {
                return Err(DlError::Attribute(ai.clone()));
            }
            uri.push_str(&format!("{separator}{ai}={}", percent_encode(value)));
            separator = '&';
        }
        Ok(uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_item_form_agrees_with_the_parser() {
        let base = "https://trace.example.cn";
        let uri = "https://trace.example.cn/01/09520123456788/21/0ABC123";
        assert_eq!(
            canonical_item(uri, base),
            Some(("09520123456788", "0ABC123"))
        );
        let parsed = DigitalLink::parse(uri, DlOptions::default()).unwrap();
        assert_eq!(parsed.path()[0].1, "09520123456788");
        assert_eq!(parsed.path()[1].1, "0ABC123");
        for other in [
            "https://trace.example.cn/01/09520123456789/21/0ABC123",
            "https://trace.example.cn/01/9520123456788/21/0ABC123",
            "https://trace.example.cn/01/09520123456788/21/0ABC123?17=261231",
            "https://trace.example.cn/01/09520123456788/21/0A%2F",
            "https://trace.example.cn/01/09520123456788/10/0ABC123",
            "https://elsewhere.cn/01/09520123456788/21/0ABC123",
            "https://trace.example.cn/01/09520123456788/21/",
        ] {
            assert_eq!(canonical_item(other, base), None, "{other}");
        }
    }

    #[test]
    fn parses_and_formats_the_common_forms() {
        let dl = DigitalLink::parse(
            "https://zhisu.example.cn/01/09520123456788/21/AB%2F12?17=261231&linkType=all",
            DlOptions::default(),
        )
        .unwrap();
        assert_eq!(dl.prefix, "https://zhisu.example.cn");
        assert_eq!(dl.to_raw(), "^010952012345678821AB/12^17261231");
        assert_eq!(
            dl.other_params,
            [("linkType".to_string(), "all".to_string())]
        );
        let elements = dl.element_string().unwrap();
        assert_eq!(
            DigitalLink::format("https://zhisu.example.cn/", &elements).unwrap(),
            "https://zhisu.example.cn/01/09520123456788/21/AB%2F12?17=261231"
        );
        let lot = ElementString::parse("(01)09520123456788(10)L1(21)S1").unwrap();
        assert_eq!(
            DigitalLink::format("https://a", &lot).unwrap(),
            "https://a/01/09520123456788/10/L1/21/S1"
        );
        let sscc = ElementString::parse("(00)095201234567891235").unwrap();
        assert_eq!(
            DigitalLink::format("https://a", &sscc).unwrap(),
            "https://a/00/095201234567891235"
        );
    }
}
