//! An enterprise's identity checked by a regulator (issue 16.11): anyone
//! may register a manufacturer under a check-valid USCC and file products
//! under another company's brand, so an enterprise's codes do not scan as
//! genuine until a regulator of its region (or the platform admin filing it
//! directly) has checked that it is who it says it is. A change of the
//! facts checked lets the check lapse.

use serde::{Deserialize, Serialize};

use crate::enterprise::Enterprise;
use crate::{FieldError, Invalid};

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityStatus {
    /// The enterprise is who it says it is: its codes scan as genuine.
    Verified,
    /// It is not (or could not be shown to be): its codes never do.
    Rejected,
}

impl IdentityStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            IdentityStatus::Verified => "已核验",
            IdentityStatus::Rejected => "核验未通过",
        }
    }
}

/// A regulator's check of an enterprise, kept on its record's version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityCheck {
    pub status: IdentityStatus,
    /// Who checked (`user:N`, `key:N`).
    pub by: String,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// What was checked against, or why it was refused.
    pub note: String,
}

/// A regulator's decision as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityDecision {
    /// `true`: verified; `false`: rejected.
    pub verified: Option<bool>,
    /// What was checked (a licence seen, the register consulted), or why
    /// the enterprise is refused: required when refusing.
    #[serde(default)]
    pub note: String,
}

/// The longest note kept.
pub const MAX_NOTE_CHARS: usize = 500;

impl IdentityDecision {
    /// The status and note, or every finding at once.
    pub fn validate(&self) -> Result<(IdentityStatus, String), Invalid> {
        let mut findings = Vec::new();
        let note = self.note.trim().to_string();
        let status = match self.verified {
            Some(true) => Some(IdentityStatus::Verified),
            Some(false) => Some(IdentityStatus::Rejected),
            None => {
                findings.push(FieldError::required("verified", "核验结论", "G9.4"));
                None
            }
        };
        if status == Some(IdentityStatus::Rejected) && note.is_empty() {
            findings.push(FieldError::new(
                "note",
                "required",
                "核验不通过时请写明原因 (say why the enterprise is not verified)",
            ));
        }
        if note.chars().count() > MAX_NOTE_CHARS {
            findings.push(FieldError::new(
                "note",
                "length",
                format!("说明最多 {MAX_NOTE_CHARS} 字 (at most {MAX_NOTE_CHARS} characters)"),
            ));
        }
        match status {
            Some(status) if findings.is_empty() => Ok((status, note)),
            _ => Err(Invalid(findings)),
        }
    }
}

/// Whether an amendment from `old` to `new` changes what a check vouched
/// for (name, USCC, address, region, business licence), so the check
/// lapses and the enterprise waits for a new one.
pub fn lapses(old: &Enterprise, new: &Enterprise) -> bool {
    old.name != new.name
        || old.uscc != new.uscc
        || old.address != new.address
        || old.region_code != new.region_code
        || old.business_licence.sha256 != new.business_licence.sha256
}

/// Whether `enterprise`'s codes may scan as genuine.
pub fn is_verified(enterprise: &Enterprise) -> bool {
    enterprise
        .identity_check
        .as_ref()
        .is_some_and(|c| c.status == IdentityStatus::Verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_why_and_a_decision_is_required() {
        let refuse = IdentityDecision {
            verified: Some(false),
            note: "  ".into(),
        };
        let Err(Invalid(found)) = refuse.validate() else {
            panic!("a refusal without a reason")
        };
        assert_eq!(found[0].field, "note");
        let Err(Invalid(found)) = IdentityDecision::default().validate() else {
            panic!("no decision")
        };
        assert_eq!(found[0].field, "verified");
        let long = IdentityDecision {
            verified: Some(true),
            note: "核".repeat(MAX_NOTE_CHARS + 1),
        };
        assert!(long.validate().is_err());
        let ok = IdentityDecision {
            verified: Some(true),
            note: " 营业执照与国家企业信用信息公示系统一致 ".into(),
        };
        assert_eq!(
            ok.validate().unwrap(),
            (
                IdentityStatus::Verified,
                "营业执照与国家企业信用信息公示系统一致".to_string()
            )
        );
    }
}
