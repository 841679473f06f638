//! Codes of the schemes other than GS1 (P5.2.1, G6.1.4): the IoT identifier
//! Ecode, the digital identity code and the CCC certificate code.
//!
//! The platform does not allocate these: an Ecode or a digital identity
//! code is allocated to the product by its own registry, and a CCC
//! certificate number by the certification body. The manufacturer files the
//! product's code, and the platform resolves it and the codes it issues
//! under it at `{base}/c/{code}`, qualified the way GS1 Digital Link
//! qualifies a GTIN: `/10/{lot}` (一批一码) and `/21/{serial}` (一物一码).
//! The code itself is checked for what the platform can vouch for: its
//! characters and length (a CCC number by [`crate::CccCertNo`] as well).
//! The internal structure of an Ecode (GB/T 31866: version, NSI, master
//! code) is the registry's to check; its table is not reproduced here.

use std::fmt;

use crate::gs1::digital_link::{is_uri_char, percent_decode, percent_encode};
use crate::gs1::{DigitalLink, DlOptions};

/// The longest code the platform files under `/c/`.
pub const MAX_CODE_LEN: usize = 64;

/// Why a scheme code, or a `/c/` link, was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeError {
    Empty,
    TooLong(usize),
    /// A character outside `A-Z a-z 0-9 - . _ : /`.
    Character(char),
    /// A `/` at the start or the end, or two in a row.
    Slash,
    /// A bad `%` escape, or an escape that is not UTF-8.
    Escape,
    /// After the code, only `/10/{lot}` or `/21/{serial}` may follow.
    Qualifier(String),
    /// A lot or serial that is empty or has control characters.
    Value(&'static str),
}

impl fmt::Display for SchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemeError::Empty => write!(f, "码为空 (the code is empty)"),
            SchemeError::TooLong(n) => write!(
                f,
                "码长 {n} 个字符，最多 {MAX_CODE_LEN} 个 (the code is {n} characters long; at most {MAX_CODE_LEN})"
            ),
            SchemeError::Character(c) => write!(
                f,
                "码含有不允许的字符“{c}”，只允许字母、数字和 - . _ : / (the code has the character '{}'; only letters, digits and - . _ : / are allowed)",
                c.escape_default()
            ),
            SchemeError::Slash => write!(
                f,
                "码不能以“/”开头或结尾，也不能有连续的“//” (the code may not start or end with '/' or have '//')"
            ),
            SchemeError::Escape => write!(
                f,
                "百分号编码无效 (a %-escape is malformed or not UTF-8)"
            ),
            SchemeError::Qualifier(q) => write!(
                f,
                "码之后只能是 /10/批次号 或 /21/序列号，而不是“{q}” (after the code only /10/{{lot}} or /21/{{serial}} may follow, not '{q}')"
            ),
            SchemeError::Value(what) => write!(
                f,
                "{what} 为空或含控制字符 (the {what} is empty or has control characters)"
            ),
        }
    }
}

impl std::error::Error for SchemeError {}

/// Checks a code filed for a product under the Ecode, digital identity or
/// CCC scheme and gives it back trimmed.
pub fn check_code(code: &str) -> Result<String, SchemeError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(SchemeError::Empty);
    }
    let n = code.chars().count();
    if n > MAX_CODE_LEN {
        return Err(SchemeError::TooLong(n));
    }
    if let Some(c) = code
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-._:/".contains(*c)))
    {
        return Err(SchemeError::Character(c));
    }
    if code.starts_with('/') || code.ends_with('/') || code.contains("//") {
        return Err(SchemeError::Slash);
    }
    Ok(code.to_string())
}

/// A code under the platform's `/c/` path, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeLink {
    /// The product's code in its scheme, as filed.
    pub code: String,
    /// `/10/{lot}`: 一批一码.
    pub lot: Option<String>,
    /// `/21/{serial}`: 一物一码.
    pub serial: Option<String>,
}

impl SchemeLink {
    /// Reads `http(s)://{host}[/{prefix}]/c/{code}[/10/{lot}|/21/{serial}]`,
    /// each part percent-encoded (a `/` inside the code is `%2F`); a query
    /// or fragment is ignored. `Ok(None)`: the URI is not a `/c/` link at
    /// all (read it as a GS1 Digital Link) — also when a GS1 Digital Link
    /// merely has a `c` segment in its path prefix.
    pub fn parse(uri: &str) -> Result<Option<SchemeLink>, SchemeError> {
        match Self::parse_path(uri) {
            Err(e) => {
                let options = DlOptions {
                    permit_zero_suppressed_gtin: true,
                    ..Default::default()
                };
                match DigitalLink::parse(uri.trim(), options) {
                    Ok(_) => Ok(None),
                    Err(_) => Err(e),
                }
            }
            found => found,
        }
    }

    fn parse_path(uri: &str) -> Result<Option<SchemeLink>, SchemeError> {
        let Some(rest) = ["https://", "http://", "HTTPS://", "HTTP://"]
            .iter()
            .find_map(|s| uri.trim().strip_prefix(s))
        else {
            return Ok(None);
        };
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let Some(slash) = rest.find('/') else {
            return Ok(None);
        };
        let path = &rest[slash..];
        let Some(at) = path.find("/c/") else {
            return Ok(None);
        };
        if let Some(c) = path.chars().find(|c| !is_uri_char(*c)) {
            return Err(SchemeError::Character(c));
        }
        let decode = |s: &str| percent_decode(s, false).map_err(|_| SchemeError::Escape);
        let mut parts = path[at + 3..].split('/');
        let code = check_code(&decode(parts.next().unwrap_or(""))?)?;
        let mut link = SchemeLink {
            code,
            lot: None,
            serial: None,
        };
        match (parts.next(), parts.next(), parts.next()) {
            (None, _, _) => {}
            (Some(""), None, _) => {} // a trailing slash
            (Some(q), Some(value), None) if q == "10" || q == "21" => {
                let value = decode(value)?;
                if value.is_empty() || value.chars().any(char::is_control) {
                    return Err(SchemeError::Value(if q == "10" { "lot" } else { "serial" }));
                }
                if q == "10" {
                    link.lot = Some(value);
                } else {
                    link.serial = Some(value);
                }
            }
            (Some(q), _, _) => return Err(SchemeError::Qualifier(decode(q)?)),
        }
        Ok(Some(link))
    }

    /// The key scans, links and flows know the code by: `(c){code}`, then
    /// `(10){lot}` or `(21){serial}` (the same shape as a GS1 key).
    pub fn key(&self) -> String {
        let mut key = format!("(c){}", self.code);
        if let Some(lot) = &self.lot {
            key.push_str("(10)");
            key.push_str(lot);
        }
        if let Some(serial) = &self.serial {
            key.push_str("(21)");
            key.push_str(serial);
        }
        key
    }

    /// The path the code is printed with: `/c/{code}[/10/{lot}|/21/{serial}]`.
    pub fn path(&self) -> String {
        let mut path = product_path(&self.code);
        if let Some(lot) = &self.lot {
            path.push_str("/10/");
            path.push_str(&percent_encode(lot));
        }
        if let Some(serial) = &self.serial {
            path.push_str("/21/");
            path.push_str(&percent_encode(serial));
        }
        path
    }
}

/// `/c/{code}`, the code percent-encoded.
pub fn product_path(code: &str) -> String {
    format!("/c/{}", percent_encode(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_to_the_characters_a_path_can_carry() {
        assert_eq!(
            check_code(" 2021010101123456 ").unwrap(),
            "2021010101123456"
        );
        assert_eq!(
            check_code("DEMO-ID/TDT-1208Z").unwrap(),
            "DEMO-ID/TDT-1208Z"
        );
        assert_eq!(check_code(""), Err(SchemeError::Empty));
        assert_eq!(check_code("<script>"), Err(SchemeError::Character('<')));
        assert_eq!(check_code("A(21)B"), Err(SchemeError::Character('(')));
        assert_eq!(check_code("码"), Err(SchemeError::Character('码')));
        assert_eq!(check_code("A B"), Err(SchemeError::Character(' ')));
        assert_eq!(check_code("/A"), Err(SchemeError::Slash));
        assert_eq!(check_code("A//B"), Err(SchemeError::Slash));
        assert_eq!(check_code(&"9".repeat(64)).unwrap().len(), 64);
        assert_eq!(check_code(&"9".repeat(65)), Err(SchemeError::TooLong(65)));
    }

    #[test]
    fn links_read_back_what_they_print() {
        for (code, lot, serial) in [
            ("10012345678901234567", None, None),
            ("10012345678901234567", Some("L 2026/1"), None),
            ("DEMO-ID/TDT-1208Z", None, Some("0A1B2C3D4E5F6G7H8")),
        ] {
            let link = SchemeLink {
                code: code.into(),
                lot: lot.map(str::to_string),
                serial: serial.map(str::to_string),
            };
            let uri = format!("https://trace.example.cn{}", link.path());
            assert_eq!(
                SchemeLink::parse(&uri).unwrap(),
                Some(link.clone()),
                "{uri}"
            );
            // Another host, a path prefix and a query change nothing.
            let other = format!("http://x.cn/r{}?lat=1#top", link.path());
            assert_eq!(SchemeLink::parse(&other).unwrap(), Some(link));
        }
        let link = SchemeLink::parse("https://a.cn/c/DEMO-ID%2FX/21/S1")
            .unwrap()
            .unwrap();
        assert_eq!(link.key(), "(c)DEMO-ID/X(21)S1");
        assert_eq!(link.path(), "/c/DEMO-ID%2FX/21/S1");
        assert_eq!(
            SchemeLink::parse("https://a.cn/c/ABC/")
                .unwrap()
                .unwrap()
                .key(),
            "(c)ABC"
        );
    }

    #[test]
    fn other_links_are_not_read_and_bad_ones_say_why() {
        assert_eq!(
            SchemeLink::parse("https://a.cn/01/09520123456788"),
            Ok(None)
        );
        assert_eq!(
            SchemeLink::parse("https://a.cn/c/01/09520123456788/21/X"),
            Ok(None),
            "a Digital Link with `c` in its path prefix"
        );
        assert_eq!(SchemeLink::parse("not a uri"), Ok(None));
        assert_eq!(SchemeLink::parse("https://a.cn"), Ok(None));
        let err = |uri: &str| SchemeLink::parse(uri).unwrap_err();
        assert_eq!(err("https://a.cn/c/"), SchemeError::Empty);
        assert_eq!(
            err("https://a.cn/c/%3Cscript%3E"),
            SchemeError::Character('<')
        );
        assert_eq!(err("https://a.cn/c/A%ZZ"), SchemeError::Escape);
        assert_eq!(err("https://a.cn/c/A%FF"), SchemeError::Escape);
        assert_eq!(
            err("https://a.cn/c/A/17/261231"),
            SchemeError::Qualifier("17".into())
        );
        assert_eq!(
            err("https://a.cn/c/A/21/S/10/L"),
            SchemeError::Qualifier("21".into())
        );
        assert_eq!(
            err("https://a.cn/c/A/21"),
            SchemeError::Qualifier("21".into())
        );
        assert_eq!(err("https://a.cn/c/A/10/%0A"), SchemeError::Value("lot"));
        assert_eq!(err("https://a.cn/c/A/21/"), SchemeError::Value("serial"));
        assert_eq!(err("https://a.cn/c/A\"B"), SchemeError::Character('"'));
        assert!(err("https://a.cn/c/A/17/1").to_string().contains("/21/"));
    }
}
