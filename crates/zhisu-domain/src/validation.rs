//! Field-level findings: each names the field, the rule and the clause of
//! the standard that asks for it, so that a person can fix it.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The JSON field name (snake_case), as the client sent it.
    pub field: String,
    /// A stable rule name, e.g. `required`, `format`, `check-character`.
    pub code: String,
    /// A readable message, Chinese first with English in parentheses.
    pub message: String,
    /// The requirement ID this rule comes from, e.g. `G5.1-basic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<&'static str>,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            code: code.to_string(),
            message: message.into(),
            clause: None,
        }
    }

    pub fn clause(mut self, clause: &'static str) -> Self {
        self.clause = Some(clause);
        self
    }

    pub fn required(field: &str, zh: &str, clause: &'static str) -> Self {
        FieldError::new(
            field,
            "required",
            format!("{zh}为必填项 ({field} is required)"),
        )
        .clause(clause)
    }
}

/// A record that failed validation; every finding is reported at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} field(s) invalid: {}", .0.len(), .0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>().join(", "))]
pub struct Invalid(pub Vec<FieldError>);

/// Collects findings while checking a record.
#[derive(Debug, Default)]
pub struct Findings(Vec<FieldError>);

impl Findings {
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// How many findings so far.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Trims a required text field, recording a finding when it is empty.
    pub fn required_text(
        &mut self,
        field: &str,
        zh: &str,
        clause: &'static str,
        value: &str,
    ) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.push(FieldError::required(field, zh, clause));
        } else if trimmed.chars().count() > 500 {
            self.push(FieldError::new(
                field,
                "too-long",
                format!("{zh}不能超过500字 ({field} is longer than 500 characters)"),
            ));
        }
        trimmed.to_string()
    }

    pub fn finish<T>(self, value: T) -> Result<T, Invalid> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Invalid(self.0))
        }
    }
}

/// Trims optional text and drops it when empty.
pub fn optional_text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
