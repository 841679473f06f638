//! `zhisu id check`: tell what kind of identifier a string is and whether
//! it is valid. One answer shape for the CLI and `GET /api/v1/identifiers`.

use std::collections::BTreeMap;

use serde::Serialize;

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

/// Guesses the kind from the shape of the input, then validates it as that
/// kind. GS1 keys, Digital Link and Ecode land with the codes issue; until
/// then they answer `unknown`.
pub fn identify(input: &str) -> IdCheck {
    let trimmed = input.trim();
    let upper = trimmed.to_ascii_uppercase();
    let n_chars = trimmed.chars().count();
    if n_chars == 18
        && upper.bytes().all(|b| b.is_ascii_alphanumeric())
        && !upper.bytes().all(|b| b.is_ascii_digit())
    {
        return IdCheck::of(input, IdKind::Uscc, Uscc::parse(trimmed), |u| u.to_string());
    }
    if n_chars == 18 && upper.bytes().all(|b| b.is_ascii_digit()) {
        // Eighteen digits is both a USCC shape and an SSCC shape; a valid USCC wins.
        if let Ok(u) = Uscc::parse(trimmed) {
            return IdCheck::of(input, IdKind::Uscc, Ok::<_, crate::UsccError>(u), |u| {
                u.to_string()
            });
        }
    }
    if upper.contains("XK") {
        return IdCheck::of(
            input,
            IdKind::ProductionLicence,
            ProductionLicenceNo::parse(trimmed),
            |p| p.to_string(),
        );
    }
    if (n_chars == 16) && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return IdCheck::of(input, IdKind::Ccc, CccCertNo::parse(trimmed), |c| {
            c.to_string()
        });
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
        let json = serde_json::to_value(identify("91350100M000100Y43")).unwrap();
        assert_eq!(json["kind"], "uscc");
        assert_eq!(json["normalized"], "91350100M000100Y43");
        assert!(json.get("ai").is_none());
    }
}
