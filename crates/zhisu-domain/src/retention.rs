//! How long a record must be kept (G8.5, P7.1.3), and what of it may go
//! once that time is over.
//!
//! G8.5: as the industry's rule says; where there is none, at least the
//! product's shelf or service life plus one year; where that is unknown
//! too, at least two years. P7.1.3: a manufacturer's records at least
//! three years. The clock starts at the record's own date: a batch's
//! production date, a sale's or purchase's date, otherwise the day the
//! record was last written.

use chrono::{Months, NaiveDate};
use serde::Serialize;

/// Why a record is kept until when: the rule that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RetentionRule {
    /// The industry's own rule (configured per product category).
    Industry,
    /// Shelf or service life plus one year.
    ProductLife,
    /// Two years, no life known.
    Default,
    /// Raised to three years: a manufacturer's record (P7.1.3).
    ManufacturerMinimum,
}

/// What decides a record's retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionFacts {
    /// The record's own date.
    pub from: NaiveDate,
    /// The product's shelf or service life, months, when known.
    pub life_months: Option<u32>,
    /// The industry's rule for the product's category, years, when set.
    pub industry_years: Option<u32>,
    /// Filed by (or about) a manufacturer.
    pub manufacturer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Retention {
    /// Kept at least until this day (inclusive).
    #[schema(value_type = String, format = Date)]
    pub until: NaiveDate,
    pub rule: RetentionRule,
}

impl RetentionFacts {
    pub fn retention(&self) -> Retention {
        let plus = |months: u32| {
            self.from
                .checked_add_months(Months::new(months))
                .unwrap_or(NaiveDate::MAX)
        };
        let (until, rule) = match (self.industry_years, self.life_months) {
            (Some(years), _) => (plus(years.saturating_mul(12)), RetentionRule::Industry),
            (None, Some(life)) => (plus(life.saturating_add(12)), RetentionRule::ProductLife),
            (None, None) => (plus(24), RetentionRule::Default),
        };
        let minimum = plus(MANUFACTURER_MINIMUM_YEARS * 12);
        if self.manufacturer && until < minimum {
            Retention {
                until: minimum,
                rule: RetentionRule::ManufacturerMinimum,
            }
        } else {
            Retention { until, rule }
        }
    }
}

impl Retention {
    /// The record may be purged on `day`: its retention is over.
    pub fn expired_on(&self, day: NaiveDate) -> bool {
        day > self.until
    }
}

/// P7.1.3: a manufacturer's records are kept at least three years.
pub const MANUFACTURER_MINIMUM_YEARS: u32 = 3;

/// How many years the scan log is kept (issue 20.4): P7.1.3's three, or
/// the longest industry rule of the deployment (G8.5) where that is
/// longer. Scans are observations of codes, not filed records; they are
/// kept for as long as a regulator may ask what happened to a product's
/// codes under the rules in force.
pub fn scan_log_years(industry_years: impl IntoIterator<Item = u32>) -> u32 {
    industry_years
        .into_iter()
        .fold(MANUFACTURER_MINIMUM_YEARS, u32::max)
}

/// The first month (`YYYY-MM`) of the scan log kept on `today`: a month
/// goes once all of it lies more than `years` before today.
pub fn first_scan_month_kept(today: NaiveDate, years: u32) -> String {
    let from = today
        .checked_sub_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MIN);
    from.format("%Y-%m").to_string()
}

/// What replaces a purged name.
pub const PURGED: &str = "（已清除）";

/// The kinds whose private data is purged once retention is over: sales
/// and purchases (the counterparty's name, address and contact) and
/// feedback (the sender's contact). Enterprise, product, batch, package and
/// recall records are the trace itself and are kept.
pub const PURGEABLE: [crate::RecordKind; 2] =
    [crate::RecordKind::Flow, crate::RecordKind::Feedback];

/// A flow with its counterparty's private data gone: the contact and
/// address always; the name when the counterparty is not itself an
/// enterprise on the platform (whose name is public in its own record).
/// What was traded, when and in what quantity stays.
pub fn redact_flow(flow: &crate::flow::Flow) -> crate::flow::Flow {
    let mut flow = flow.clone();
    flow.counterparty_contact = None;
    flow.counterparty_address = None;
    if flow.counterparty_id.is_none() {
        flow.counterparty_name = PURGED.to_string();
    }
    flow
}

/// Feedback without the sender's contact; the message and answer stay.
pub fn redact_feedback(feedback: &crate::feedback::Feedback) -> crate::feedback::Feedback {
    let mut feedback = feedback.clone();
    feedback.contact = None;
    feedback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_log_keeps_three_years_or_the_longest_industry_rule() {
        assert_eq!(scan_log_years([]), 3);
        assert_eq!(scan_log_years([2, 5, 4]), 5);
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // 2023-12-07 is three years ago: December 2023 is partly within,
        // so it stays; November 2023 ended before and goes.
        assert_eq!(first_scan_month_kept(d("2026-12-07"), 3), "2023-12");
        assert_eq!(first_scan_month_kept(d("2026-01-01"), 5), "2021-01");
    }

    #[test]
    fn redaction_takes_the_private_fields_and_keeps_the_trade() {
        let flow = crate::flow::Flow {
            enterprise_id: 3,
            kind: crate::flow::FlowKind::Sale,
            at: "2019-05-01".into(),
            counterparty_id: None,
            counterparty_name: "张三五金店".into(),
            counterparty_address: Some("广州市某路1号".into()),
            counterparty_contact: Some("c2VhbGVk".into()),
            lines: vec![],
            matched: None,
            unmatched: vec![],
        };
        let r = redact_flow(&flow);
        assert_eq!(r.counterparty_name, PURGED);
        assert_eq!(
            (r.counterparty_address, r.counterparty_contact),
            (None, None)
        );
        assert_eq!((r.enterprise_id, r.at.as_str()), (3, "2019-05-01"));
        let on_platform = redact_flow(&crate::flow::Flow {
            counterparty_id: Some(9),
            ..flow
        });
        assert_eq!(on_platform.counterparty_name, "张三五金店");
        assert_eq!(on_platform.counterparty_contact, None);
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(life: Option<u32>, industry: Option<u32>, manufacturer: bool) -> RetentionFacts {
        RetentionFacts {
            from: day("2024-02-29"),
            life_months: life,
            industry_years: industry,
            manufacturer,
        }
    }

    #[test]
    fn the_rules_apply_in_order() {
        // Industry rule first, even when shorter than the life rule.
        let r = facts(Some(120), Some(5), false).retention();
        assert_eq!(
            (r.until, r.rule),
            (day("2029-02-28"), RetentionRule::Industry)
        );
        // Else the product's life plus one year.
        let r = facts(Some(36), None, false).retention();
        assert_eq!(
            (r.until, r.rule),
            (day("2028-02-29"), RetentionRule::ProductLife)
        );
        // Else two years.
        let r = facts(None, None, false).retention();
        assert_eq!(
            (r.until, r.rule),
            (day("2026-02-28"), RetentionRule::Default)
        );
    }

    #[test]
    fn a_manufacturers_records_are_kept_three_years_at_least() {
        let r = facts(None, None, true).retention();
        assert_eq!(
            (r.until, r.rule),
            (day("2027-02-28"), RetentionRule::ManufacturerMinimum)
        );
        let r = facts(Some(6), Some(1), true).retention();
        assert_eq!(r.rule, RetentionRule::ManufacturerMinimum);
        // A longer rule stands.
        let r = facts(Some(120), None, true).retention();
        assert_eq!(
            (r.until, r.rule),
            (day("2035-02-28"), RetentionRule::ProductLife)
        );
    }

    #[test]
    fn expiry_starts_the_day_after() {
        let r = facts(None, None, false).retention();
        assert!(!r.expired_on(r.until));
        assert!(r.expired_on(r.until.succ_opt().unwrap()));
    }

    #[test]
    fn absurd_lives_do_not_overflow() {
        let r = facts(Some(u32::MAX), None, true).retention();
        assert_eq!(r.until, NaiveDate::MAX);
    }
}
