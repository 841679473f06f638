//! Feedback (P7.2): consumers (from the scan page), sellers and regulators
//! tell the producer about a product; the producer answers and closes it;
//! regulators see what is open in their region.

use serde::{Deserialize, Serialize};

use crate::validation::{optional_text, FieldError, Findings, Invalid};

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    /// The scanned code (a Digital Link URI) the feedback is about.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    /// How to reach the sender, if they want an answer: private, sealed.
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FeedbackStatus {
    Open,
    Answered,
    Closed,
}

impl FeedbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackStatus::Open => "open",
            FeedbackStatus::Answered => "answered",
            FeedbackStatus::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Feedback {
    /// The producer it is addressed to.
    pub enterprise_id: i64,
    pub product_id: i64,
    pub batch_id: Option<i64>,
    /// The code's key, `(01)…(21)…`.
    pub code: String,
    /// `consumer`, `seller`, `regulator`.
    pub from: String,
    pub message: String,
    pub contact: Option<String>,
    pub status: FeedbackStatus,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackAnswer {
    #[serde(default)]
    pub answer: String,
    /// Close it as well.
    #[serde(default)]
    pub close: bool,
}

impl FeedbackInput {
    /// The message (1-2000 characters) and the contact, trimmed.
    pub fn validate(&self) -> Result<(String, Option<String>), Invalid> {
        let mut findings = Findings::default();
        let message = self.message.trim().to_string();
        if message.is_empty() {
            findings.push(FieldError::required("message", "反馈内容", "P7.2"));
        } else if message.chars().count() > 2000 {
            findings.push(FieldError::new(
                "message",
                "too-long",
                "反馈内容不能超过2000字 (message is longer than 2000 characters)",
            ));
        }
        if self.code.trim().is_empty() {
            findings.push(FieldError::required("code", "追溯码", "P7.2"));
        }
        let contact = optional_text(&self.contact);
        if contact.as_ref().is_some_and(|c| c.chars().count() > 200) {
            findings.push(FieldError::new(
                "contact",
                "too-long",
                "联系方式不能超过200字 (contact is longer than 200 characters)",
            ));
        }
        findings.finish((message, contact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_and_a_code_are_needed() {
        let ok = FeedbackInput {
            code: "https://x/01/06901234567892".into(),
            message: " 燃气灶点火困难 ".into(),
            contact: Some(" ".into()),
        };
        assert_eq!(ok.validate().unwrap(), ("燃气灶点火困难".to_string(), None));
        let empty = FeedbackInput::default();
        let fields: Vec<String> = empty
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["message", "code"]);
        let long = FeedbackInput {
            message: "长".repeat(2001),
            ..ok
        };
        assert!(long.validate().is_err());
    }
}
