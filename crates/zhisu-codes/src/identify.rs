//! `zhisu id check`: tell what kind of identifier a string is and whether
//! it is valid. One answer shape for the CLI and `GET /api/v1/identifiers`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::gs1::{DigitalLink, DlOptions, ElementString, Gln, Gtin, Sscc};
use crate::{CccCertNo, ProductionLicenceNo, Uscc};

/// The kinds `zhisu id check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IdKind {
    Uscc,
    Gtin,
    Sscc,
    Gln,
    Gs1DigitalLink,
    Gs1ElementString,
    Ccc,
    ProductionLicence,
    Ecode,
    Unknown,
}

/// One line of `zhisu id check` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IdCheck {
    pub input: String,
    pub kind: IdKind,
    pub valid: bool,
    pub normalized: Option<String>,
    pub error: Option<String>,
    /// GS1 inputs: their Application Identifiers and values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai: Option<BTreeMap<String, String>>,
}

impl IdCheck {
    fn of<T, E: std::fmt::Display>(
        input: &str,
        kind: IdKind,
        result: Result<T, E>,
        show: impl Fn(&T) -> String,
    ) -> Self {
        match result {
            Ok(value) => IdCheck {
                input: input.to_string(),
                kind,
                valid: true,
                normalized: Some(show(&value)),
                error: None,
                ai: None,
            },
            Err(e) => IdCheck {
                input: input.to_string(),
                kind,
                valid: false,
                normalized: None,
                error: Some(e.to_string()),
                ai: None,
            },
        }
    }
}

fn ai_map(ais: &[(String, String)]) -> BTreeMap<String, String> {
    ais.iter().cloned().collect()
}

fn gs1_check(
    input: &str,
    kind: IdKind,
    result: Result<ElementString, String>,
    normalized: impl Fn(&ElementString) -> String,
) -> IdCheck {
    match result {
        Ok(elements) => IdCheck {
            input: input.to_string(),
            kind,
            valid: true,
            normalized: Some(normalized(&elements)),
            error: None,
            ai: Some(ai_map(elements.ais())),
        },
        Err(e) => IdCheck {
            input: input.to_string(),
            kind,
            valid: false,
            normalized: None,
            error: Some(e),
            ai: None,
        },
    }
}

/// Guesses the kind from the shape of the input, then validates it as that
/// kind. Ecode and the digital identity code answer `unknown` until their
/// structures land.
pub fn identify(input: &str) -> IdCheck {
    let trimmed = input.trim();
    let upper = trimmed.to_ascii_uppercase();
    let n_chars = trimmed.chars().count();
    let all_digits = !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit());
    if upper.starts_with("HTTP://") || upper.starts_with("HTTPS://") {
        let options = DlOptions {
            permit_zero_suppressed_gtin: true,
            ..Default::default()
        };
        let parsed = DigitalLink::parse(trimmed, options).map_err(|e| e.to_string());
        let result = parsed.and_then(|dl| {
            dl.element_string()
                .map(|e| (dl.prefix.clone(), e))
                .map_err(|e| e.to_string())
        });
        return match result {
            Ok((prefix, elements)) => {
                let canonical = DigitalLink::format(&prefix, &elements).unwrap_or_default();
                gs1_check(input, IdKind::Gs1DigitalLink, Ok(elements), |_| {
                    canonical.clone()
                })
            }
            Err(e) => gs1_check(input, IdKind::Gs1DigitalLink, Err(e), |_| String::new()),
        };
    }
    let bracketed_ai = trimmed
        .strip_prefix('(')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    if bracketed_ai || trimmed.starts_with('^') || trimmed.contains('\u{1d}') {
        return gs1_check(
            input,
            IdKind::Gs1ElementString,
            ElementString::parse(trimmed).map_err(|e| e.to_string()),
            ElementString::to_bracketed,
        );
    }
    if let Some(gln) = upper.strip_prefix("GLN:") {
        return IdCheck::of(input, IdKind::Gln, Gln::parse(gln), |g| g.to_string());
    }
    if n_chars == 18 && upper.bytes().all(|b| b.is_ascii_alphanumeric()) && !all_digits {
        return IdCheck::of(input, IdKind::Uscc, Uscc::parse(trimmed), |u| u.to_string());
    }
    if n_chars == 18 && all_digits {
        // Eighteen digits is both a USCC shape and an SSCC shape; a valid USCC wins.
        if let Ok(u) = Uscc::parse(trimmed) {
            return IdCheck::of(input, IdKind::Uscc, Ok::<_, crate::UsccError>(u), |u| {
                u.to_string()
            });
        }
        let mut check = IdCheck::of(input, IdKind::Sscc, Sscc::parse(trimmed), |s| s.to_string());
        check.ai = check
            .normalized
            .as_ref()
            .map(|s| BTreeMap::from([("00".to_string(), s.clone())]));
        return check;
    }
    if upper.contains("XK") {
        return IdCheck::of(
            input,
            IdKind::ProductionLicence,
            ProductionLicenceNo::parse(trimmed),
            |p| p.to_string(),
        );
    }
    if n_chars == 16 && all_digits {
        return IdCheck::of(input, IdKind::Ccc, CccCertNo::parse(trimmed), |c| {
            c.to_string()
        });
    }
    if all_digits && matches!(n_chars, 8 | 12 | 13 | 14) {
        let mut check = IdCheck::of(input, IdKind::Gtin, Gtin::parse(trimmed), |g| g.to_string());
        check.ai = check
            .normalized
            .as_ref()
            .map(|g| BTreeMap::from([("01".to_string(), g.clone())]));
        return check;
    }
    IdCheck {
        input: input.to_string(),
        kind: IdKind::Unknown,
        valid: false,
        normalized: None,
        error: Some("无法识别的标识 (not a recognised identifier)".to_string()),
        ai: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_kinds_apart() {
        let ok = identify("91350100M000100Y43");
        assert_eq!((ok.kind, ok.valid), (IdKind::Uscc, true));
        let bad = identify("91350100M000100Y44");
        assert_eq!((bad.kind, bad.valid), (IdKind::Uscc, false));
        assert!(bad.error.unwrap().contains("'3'"));
        assert_eq!(identify("XK06-014-00123").kind, IdKind::ProductionLicence);
        assert_eq!(identify("2021010101123456").kind, IdKind::Ccc);
        assert_eq!(identify("hello").kind, IdKind::Unknown);
        let gtin = identify("9520123456788");
        assert_eq!(
            (gtin.kind, gtin.valid, gtin.normalized.as_deref()),
            (IdKind::Gtin, true, Some("09520123456788"))
        );
        assert_eq!(gtin.ai.unwrap()["01"], "09520123456788");
        assert!(identify("09520123456789")
            .error
            .unwrap()
            .contains("should be 8"));
        assert_eq!(identify("123456789012345675").kind, IdKind::Sscc);
        assert_eq!(identify("gln:9520123456788").kind, IdKind::Gln);
        let dl = identify("https://example.com/01/9520123456788/21/ABC?17=261231");
        assert!(dl.valid, "{dl:?}");
        assert_eq!(dl.kind, IdKind::Gs1DigitalLink);
        assert_eq!(
            dl.normalized.as_deref(),
            Some("https://example.com/01/09520123456788/21/ABC?17=261231")
        );
        assert_eq!(dl.ai.as_ref().unwrap()["21"], "ABC");
        let es = identify("(01)09520123456788(10)LOT1");
        assert_eq!((es.kind, es.valid), (IdKind::Gs1ElementString, true));
        assert_eq!(es.ai.unwrap().len(), 2);
        assert!(!identify("(01)09520123456788(17)250231").valid);
        assert_eq!(
            identify("(粤)XK06-014-00123").kind,
            IdKind::ProductionLicence
        );
        let json = serde_json::to_value(identify("91350100M000100Y43")).unwrap();
        assert_eq!(json["kind"], "uscc");
        assert_eq!(json["normalized"], "91350100M000100Y43");
        assert!(json.get("ai").is_none());
    }
}
