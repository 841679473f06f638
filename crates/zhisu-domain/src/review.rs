//! Manual review (人工核查, V5-manual, issue 17.4): the items of a
//! reviewer's queue are findings a person settles (`settle = "person"`),
//! among them records awaiting review (an enterprise not yet checked, a
//! batch submitted, a product never reviewed). A reviewer claims an item
//! or is assigned it, and decides it with a reason and a result class
//! (V6-class). What a decision does depends on what was found; the rules
//! of that are here, pure.

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Invalid};
use crate::verification::ResultClass;

/// Longest reason a decision may give.
pub const MAX_REASON_CHARS: usize = 500;

/// A reviewer's decision, as kept in the record it settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub class: ResultClass,
    pub reason: String,
    /// The reviewer's actor.
    pub by: String,
    pub at: String,
}

/// What a reviewer sends to decide an item.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `compliant`, `minor`, `non-compliant` or `serious`.
    pub class: String,
    /// Why, in the reviewer's words (required, at most 500 characters).
    pub reason: String,
    /// When a case this decision opens must be answered by (`YYYY-MM-DD`);
    /// the class's days by default.
    #[serde(default)]
    pub deadline: Option<String>,
}

impl DecisionInput {
    /// The class and the trimmed reason, or what is wrong with them.
    pub fn validate(&self) -> Result<(ResultClass, String), Invalid> {
        let mut errors = Vec::new();
        let class = ResultClass::parse(self.class.trim());
        if class.is_none() {
            errors.push(
                FieldError::new(
                    "class",
                    "one-of",
                    format!(
                        "核查结论应为合格、基本合格、不合格或严重不合格之一 (class must be compliant, minor, non-compliant or serious, got {:?})",
                        self.class
                    ),
                )
                .clause("V6-class"),
            );
        }
        let reason = self.reason.trim().to_string();
        if reason.is_empty() {
            errors.push(FieldError::required("reason", "决定理由", "V5-manual"));
        } else if reason.chars().count() > MAX_REASON_CHARS {
            errors.push(
                FieldError::new(
                    "reason",
                    "too-long",
                    format!(
                        "决定理由不能超过 {MAX_REASON_CHARS} 字 (a reason is at most {MAX_REASON_CHARS} characters)"
                    ),
                )
                .clause("V5-manual"),
            );
        }
        match (class, errors.is_empty()) {
            (Some(class), true) => Ok((class, reason)),
            _ => Err(Invalid(errors)),
        }
    }
}

/// What deciding an item does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// ZV-A-006: the enterprise's identity is checked (verified or not).
    Identity { verified: bool },
    /// ZV-R-005: the batch is approved or rejected.
    Batch { approve: bool },
    /// ZV-R-006: the product carries the decision.
    Product,
    /// A defect a person found acceptable: the finding is dismissed, and
    /// sweeps that still see it leave it so.
    Dismiss,
    /// A defect that stands: a case of the decided class is opened on it
    /// (V6-dispose), with the class's measures.
    OpenCase,
}

/// What deciding a finding of `rule` as `class` does. Compliant and minor
/// pass a record awaiting review; non-compliant and serious turn it down.
pub fn effect(rule: &str, class: ResultClass) -> Effect {
    let passes = class <= ResultClass::Minor;
    match rule {
        "ZV-A-006" => Effect::Identity { verified: passes },
        "ZV-R-005" => Effect::Batch { approve: passes },
        "ZV-R-006" => Effect::Product,
        _ if class == ResultClass::Compliant => Effect::Dismiss,
        _ => Effect::OpenCase,
    }
}

/// The review record a decision on a finding leaves (a ledgered version,
/// one record per finding): what was decided, on what, and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub finding_id: i64,
    pub rule: String,
    /// The kind of the record the finding names.
    pub kind: String,
    pub record_id: i64,
    /// The version of that record the finding saw.
    pub version: i64,
    pub enterprise_id: i64,
    pub decision: Decision,
    /// The case the decision opened, if it opened one.
    #[serde(default)]
    pub case_id: Option<i64>,
}

/// Whether an item has waited past the catalogue's days (Asia/Shanghai
/// calendar days since it was opened).
pub fn overdue(opened_on: chrono::NaiveDate, today: chrono::NaiveDate, days: u32) -> bool {
    (today - opened_on).num_days() > i64::from(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(class: &str, reason: &str) -> DecisionInput {
        DecisionInput {
            class: class.into(),
            reason: reason.into(),
            deadline: None,
        }
    }

    #[test]
    fn a_decision_needs_a_known_class_and_a_reason() {
        assert_eq!(
            input(" minor ", "  登记信息与执照一致  ")
                .validate()
                .unwrap(),
            (ResultClass::Minor, "登记信息与执照一致".to_string())
        );
        let wrong = input("fine", " ").validate().unwrap_err();
        let fields: Vec<&str> = wrong.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["class", "reason"]);
        assert!(wrong.0[0].message.contains("合格"));
        let long = input("compliant", &"很".repeat(MAX_REASON_CHARS + 1));
        assert_eq!(long.validate().unwrap_err().0[0].code, "too-long");
    }

    #[test]
    fn what_a_decision_does_follows_the_rule_and_the_class() {
        use ResultClass::*;
        assert_eq!(
            effect("ZV-A-006", Minor),
            Effect::Identity { verified: true }
        );
        assert_eq!(
            effect("ZV-A-006", NonCompliant),
            Effect::Identity { verified: false }
        );
        assert_eq!(
            effect("ZV-R-005", Compliant),
            Effect::Batch { approve: true }
        );
        assert_eq!(
            effect("ZV-R-005", Serious),
            Effect::Batch { approve: false }
        );
        assert_eq!(effect("ZV-R-006", Serious), Effect::Product);
        assert_eq!(effect("ZV-T-001", Compliant), Effect::Dismiss);
        assert_eq!(effect("ZV-T-001", Minor), Effect::OpenCase);
        assert_eq!(effect("ZV-A-001", Serious), Effect::OpenCase);
        // Every rule whose findings await a review has its own effect.
        for rule in crate::verification::catalogue()
            .rules
            .iter()
            .filter(|r| r.review)
        {
            assert!(
                !matches!(
                    effect(&rule.id, Compliant),
                    Effect::Dismiss | Effect::OpenCase
                ),
                "{}",
                rule.id
            );
        }
    }

    #[test]
    fn an_item_is_overdue_after_its_days() {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert!(!overdue(day(1), day(6), 5));
        assert!(overdue(day(1), day(7), 5));
    }
}
