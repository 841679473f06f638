//! Recalls (P6.4): find the problem products and where they went, and act
//! at once. A recall covers batches of one product (named, or every batch
//! produced in a date range) and/or single codes; while it is open, every
//! scan of a covered code says so in red.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Findings, Invalid};

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallInput {
    pub product_id: i64,
    /// Batches of the product to recall.
    #[serde(default)]
    pub batch_ids: Vec<i64>,
    /// Or every batch produced from this date (`YYYY-MM-DD`)…
    pub produced_from: Option<String>,
    /// …to this date, inclusive.
    pub produced_to: Option<String>,
    /// Single codes (Digital Link URIs), for a recall narrower than a batch.
    #[serde(default)]
    pub codes: Vec<String>,
    /// Why: shown on every scan of a recalled code.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RecallStatus {
    Open,
    Closed,
}

impl RecallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecallStatus::Open => "open",
            RecallStatus::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recall {
    pub enterprise_id: i64,
    pub product_id: i64,
    pub batch_ids: Vec<i64>,
    /// Code keys `(01)…(21)…` recalled one by one.
    pub codes: Vec<String>,
    pub reason: String,
    pub status: RecallStatus,
    pub opened_by: String,
    pub opened_at: String,
    /// Holders told so far.
    pub notified: u64,
    /// Items back so far.
    pub returned: u64,
    pub closed_at: Option<String>,
}

/// A recall's progress report.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallProgress {
    pub notified: Option<u64>,
    pub returned: Option<u64>,
    /// Close the recall: scans stop showing it.
    #[serde(default)]
    pub close: bool,
}

/// The checked date range, if one was given.
pub type DateRange = Option<(NaiveDate, NaiveDate)>;

impl RecallInput {
    /// Checks the reason, the scope and the date range. The service then
    /// resolves the range and the codes to batches of the product.
    pub fn validate(&self) -> Result<DateRange, Invalid> {
        let mut findings = Findings::default();
        findings.required_text("reason", "召回原因", "P6.4", &self.reason);
        let date = |field: &str, v: &Option<String>, f: &mut Findings| {
            v.as_deref().and_then(|d| {
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| {
                        f.push(FieldError::new(
                            field,
                            "format",
                            format!("日期格式应为 YYYY-MM-DD：“{d}” (not a date: '{d}')"),
                        ))
                    })
                    .ok()
            })
        };
        let from = date("produced_from", &self.produced_from, &mut findings);
        let to = date("produced_to", &self.produced_to, &mut findings);
        let range = match (&self.produced_from, &self.produced_to, from, to) {
            (None, None, _, _) => None,
            (Some(_), Some(_), Some(f), Some(t)) if f <= t => Some((f, t)),
            (Some(_), Some(_), Some(_), Some(_)) => {
                findings.push(FieldError::new(
                    "produced_to",
                    "range",
                    "结束日期早于开始日期 (produced_to is before produced_from)",
                ));
                None
            }
            (Some(_), Some(_), _, _) => None,
            _ => {
                findings.push(FieldError::new(
                    "produced_to",
                    "range",
                    "须同时给出开始和结束日期 (give both produced_from and produced_to)",
                ));
                None
            }
        };
        let no_dates = self.produced_from.is_none() && self.produced_to.is_none();
        if self.batch_ids.is_empty() && self.codes.is_empty() && no_dates {
            findings.push(
                FieldError::new(
                    "batch_ids",
                    "required",
                    "须指明召回的批次、生产日期范围或追溯码 (name batches, a production date range or codes)",
                )
                .clause("P6.4"),
            );
        }
        if self.codes.len() > crate::flow::MAX_LINES || self.batch_ids.len() > 10_000 {
            findings.push(FieldError::new(
                "codes",
                "too-many",
                "一次召回的码或批次过多 (too many codes or batches in one recall)",
            ));
        }
        findings.finish(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> RecallInput {
        RecallInput {
            product_id: 1,
            batch_ids: vec![3],
            reason: "燃气泄漏风险".into(),
            ..Default::default()
        }
    }

    fn fields(e: Invalid) -> Vec<String> {
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_recall_needs_a_reason_and_a_scope() {
        assert_eq!(base().validate().unwrap(), None);
        let no_reason = RecallInput {
            reason: " ".into(),
            ..base()
        };
        assert_eq!(fields(no_reason.validate().unwrap_err()), ["reason"]);
        let no_scope = RecallInput {
            batch_ids: vec![],
            ..base()
        };
        assert_eq!(fields(no_scope.validate().unwrap_err()), ["batch_ids"]);
    }

    #[test]
    fn date_ranges_are_whole_and_ordered() {
        let range = RecallInput {
            batch_ids: vec![],
            produced_from: Some("2026-01-01".into()),
            produced_to: Some("2026-03-31".into()),
            ..base()
        };
        assert_eq!(
            range.validate().unwrap(),
            Some((
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
            ))
        );
        let backwards = RecallInput {
            produced_from: Some("2026-04-01".into()),
            ..range.clone()
        };
        assert_eq!(fields(backwards.validate().unwrap_err()), ["produced_to"]);
        let half = RecallInput {
            produced_to: None,
            ..range.clone()
        };
        assert!(fields(half.validate().unwrap_err()).contains(&"produced_to".to_string()));
        let bad = RecallInput {
            produced_from: Some("2026-02-30".into()),
            ..range
        };
        assert!(fields(bad.validate().unwrap_err()).contains(&"produced_from".to_string()));
    }
}
