//! Periodic quantity reporting (P5.3.3.3, issue 19.5): which cadence a
//! product reports on, which periods it owes by a day, which of them it
//! missed, and whether a run of misses goes to the regulator. Pure: the
//! service hands in what was reported (explicit reports, and for a daily
//! product the days its batches were made), the calendar says the rest.

pub mod calendar;

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};

pub use calendar::{calendar, Cadence, Period};

use crate::batch::Batch;
use crate::product::{Product, TraceLevel};
use crate::validation::{FieldError, Invalid};

const C: &str = "P5.3.3.3";

/// The most a report may say: a year's estimate of metres of cable runs
/// to billions.
pub const MAX_REPORTED: i64 = 1_000_000_000_000;

/// A product's report of one period, as the API and the form take it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// The period: `2026-12-07` (daily), `2026-12` (monthly), `2026-Q4`
    /// (quarterly) or `2026` (yearly), as the product's cadence is.
    pub period: Option<String>,
    /// Exact and required for 一物一码/组合多码 (0: nothing made that day);
    /// an estimate, which may be left out, for 一品一码/一批一码.
    pub quantity: Option<i64>,
    /// At most 500 characters.
    pub note: Option<String>,
}

/// A report checked against its product on `today`: its period, quantity
/// and note; or each mistake at its field.
pub fn check_report(
    product: &Product,
    input: &ReportInput,
    today: NaiveDate,
) -> Result<(Period, Option<i64>, Option<String>), Invalid> {
    let cadence = product_cadence(product);
    let exact = product.trace_level.exact_quantity();
    let mut errors = Vec::new();
    let period = match input
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => {
            errors.push(FieldError::required("period", "填报期间", C));
            None
        }
        Some(text) => match Period::parse(text) {
            None => {
                errors.push(
                    FieldError::new(
                        "period",
                        "format",
                        format!("“{text}”不是填报期间：应写作 2026-12-07、2026-12、2026-Q4 或 2026 ({text:?} is no period: 2026-12-07, 2026-12, 2026-Q4 or 2026)"),
                    )
                    .clause(C),
                );
                None
            }
            Some(p) if p.cadence() != cadence => {
                errors.push(
                    FieldError::new(
                        "period",
                        "cadence",
                        format!(
                            "该产品{}填报，“{text}”不是{}的期间 (this product reports {}; {text:?} is not such a period)",
                            cadence.label_zh(),
                            cadence.label_zh(),
                            cadence.as_str()
                        ),
                    )
                    .clause(C),
                );
                None
            }
            Some(p) if p.first_day() > today => {
                errors.push(
                    FieldError::new(
                        "period",
                        "future",
                        format!("{}尚未开始 ({p} has not begun)", p.label_zh()),
                    )
                    .clause(C),
                );
                None
            }
            Some(p) => Some(p),
        },
    };
    match input.quantity {
        None if exact => errors.push(FieldError::required("quantity", "数量", C)),
        Some(q) if !(0..=MAX_REPORTED).contains(&q) => errors.push(
            FieldError::new(
                "quantity",
                "range",
                format!("数量应在 0 到 {MAX_REPORTED} 之间 (0 to {MAX_REPORTED})"),
            )
            .clause(C),
        ),
        _ => {}
    }
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        errors.push(FieldError::new(
            "note",
            "length",
            "备注最多 500 字 (at most 500 characters)",
        ));
    }
    match period {
        Some(p) if errors.is_empty() => Ok((p, input.quantity, note)),
        _ => Err(Invalid(errors)),
    }
}

/// The cadence a product of `level` reports on when its enterprise chose
/// `chosen` (None: the level's default).
pub fn cadence_of(level: TraceLevel, chosen: Option<Cadence>) -> Cadence {
    let allowed = calendar().cadences(level);
    match chosen {
        Some(c) if allowed.contains(&c) => c,
        _ => allowed[0],
    }
}

/// A chosen cadence the level does not allow, named at the field.
pub fn check_cadence(level: TraceLevel, chosen: Option<Cadence>) -> Option<FieldError> {
    let chosen = chosen?;
    let allowed = calendar().cadences(level);
    if allowed.contains(&chosen) {
        return None;
    }
    let names: Vec<&str> = allowed.iter().map(|c| c.label_zh()).collect();
    Some(
        FieldError::new(
            "reporting_cadence",
            "cadence",
            format!(
                "{}的产品只能{}填报数量 ({} products report {})",
                level.label_zh(),
                names.join("、"),
                level.as_str(),
                allowed
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .clause("P5.3.3.3"),
    )
}

/// The days a batch reports made: its production date and each later
/// day of its run (P5.3.3.3: a daily product's day is reported so).
pub fn days_made(batch: &Batch) -> Vec<NaiveDate> {
    let mut days = vec![batch.production_date];
    days.extend(batch.days.iter().map(|d| d.day));
    days
}

/// Whether a report of `period` is owed: a daily one on working days only
/// where the calendar says so (holidays.toml), any other always.
fn owes(period: Period) -> bool {
    match period {
        Period::Day(day) => {
            !calendar().rule(Cadence::Daily).working_days_only
                || crate::statistics::holidays::day_class(day) < 5
        }
        _ => true,
    }
}

/// The latest period of `cadence` whose report is overdue on `today`
/// (ended, and its grace passed).
fn latest_overdue(cadence: Cadence, today: NaiveDate) -> Period {
    let grace = calendar().rule(cadence).grace_days as i64;
    let mut period = Period::holding(cadence, today - Duration::days(grace));
    while period.last_day() + Duration::days(grace) >= today {
        period = period.previous();
    }
    period
}

/// What a product owes and has not reported, on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    /// The overdue periods to remind of: those missed among the latest
    /// owed ones (the calendar's lookback), oldest first.
    pub periods: Vec<Period>,
    /// How many owed periods in a row, up to the latest overdue one, are
    /// missed (counted as far as the escalation needs).
    pub streak: usize,
    /// The streak reached the calendar's escalation: the regulator is told.
    pub escalate: bool,
}

/// The periods a product on `cadence`, owing from `since` (the day it was
/// filed or last resumed), has missed by `today`, given those `reported`.
pub fn missed(
    cadence: Cadence,
    since: NaiveDate,
    today: NaiveDate,
    reported: &HashSet<Period>,
) -> Missed {
    let rule = calendar().rule(cadence);
    let first = Period::holding(cadence, since);
    let mut periods = Vec::new();
    let mut streak = 0;
    let mut streak_open = true;
    let mut period = latest_overdue(cadence, today);
    let mut looked = 0;
    // Walk back over owed periods: the latest `lookback` missed are
    // reminded of, the run of misses counted as far as escalation needs.
    while period >= first && looked < rule.lookback.max(rule.escalate_after) {
        if owes(period) {
            looked += 1;
            let miss = !reported.contains(&period);
            if miss && looked <= rule.lookback {
                periods.push(period);
            }
            if streak_open && miss {
                streak += 1;
            } else {
                streak_open = false;
            }
        }
        period = period.previous();
    }
    periods.reverse();
    Missed {
        periods,
        streak,
        escalate: streak >= rule.escalate_after,
    }
}

/// The cadence of a product as filed.
pub fn product_cadence(product: &Product) -> Cadence {
    cadence_of(product.trace_level, product.reporting_cadence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn days(list: &[&str]) -> HashSet<Period> {
        list.iter().map(|s| Period::Day(d(s))).collect()
    }

    #[test]
    fn a_report_names_each_wrong_field() {
        let mut product: Product = serde_json::from_value(serde_json::json!({
            "enterprise_id": 1, "product_name": "电线", "product_type": "电线", "model": "BV-2.5",
            "category": "wire-cable", "brand": null, "honours": [], "mandatory_standards": ["GB/T 5023"],
            "production_licence_no": null, "ccc_cert_no": null, "warranty_months": null,
            "instructions": null, "instructions_file": null, "materials": null, "functions": null,
            "performance": null, "code_scheme": "gs1", "trace_level": "per-batch", "paused": false
        }))
        .unwrap();
        let today = d("2026-12-07");
        let report = |period: &str, quantity: Option<i64>| ReportInput {
            period: Some(period.into()),
            quantity,
            note: None,
        };
        let fields = |r: Result<(Period, Option<i64>, Option<String>), Invalid>| -> Vec<String> {
            r.unwrap_err()
                .0
                .into_iter()
                .map(|e| format!("{}:{}", e.field, e.code))
                .collect()
        };
        // An estimate, quarterly by default; its quantity may be left out.
        let (period, quantity, _) =
            check_report(&product, &report("2026-Q3", None), today).unwrap();
        assert_eq!((period, quantity), (Period::Quarter(2026, 3), None));
        assert_eq!(
            fields(check_report(&product, &report("2026-11", Some(5)), today)),
            ["period:cadence"]
        );
        assert_eq!(
            fields(check_report(&product, &report("2027-Q1", Some(5)), today)),
            ["period:future"]
        );
        assert_eq!(
            fields(check_report(&product, &report("Q3", Some(-1)), today)),
            ["period:format", "quantity:range"]
        );
        assert_eq!(
            fields(check_report(&product, &ReportInput::default(), today)),
            ["period:required"]
        );
        product.reporting_cadence = Some(Cadence::Monthly);
        assert!(check_report(&product, &report("2026-11", Some(5)), today).is_ok());
        // Exact, daily: the quantity is required (0: nothing made).
        product.trace_level = TraceLevel::PerItem;
        assert_eq!(
            fields(check_report(&product, &report("2026-12-06", None), today)),
            ["quantity:required"]
        );
        assert!(check_report(&product, &report("2026-12-06", Some(0)), today).is_ok());
        assert_eq!(
            fields(check_report(
                &product,
                &report("2026-12-08", Some(1)),
                today
            )),
            ["period:future"]
        );
    }

    #[test]
    fn a_level_reports_on_its_cadences_only() {
        assert_eq!(cadence_of(TraceLevel::PerItem, None), Cadence::Daily);
        assert_eq!(
            cadence_of(TraceLevel::PerItem, Some(Cadence::Yearly)),
            Cadence::Daily
        );
        assert_eq!(cadence_of(TraceLevel::PerBatch, None), Cadence::Quarterly);
        assert_eq!(
            cadence_of(TraceLevel::PerProduct, Some(Cadence::Monthly)),
            Cadence::Monthly
        );
        let refused = check_cadence(TraceLevel::MultiCode, Some(Cadence::Monthly)).unwrap();
        assert_eq!(refused.field, "reporting_cadence");
        assert!(refused.message.contains("按日"), "{}", refused.message);
        assert!(check_cadence(TraceLevel::PerBatch, Some(Cadence::Daily)).is_some());
        assert!(check_cadence(TraceLevel::PerBatch, Some(Cadence::Yearly)).is_none());
        assert!(check_cadence(TraceLevel::PerItem, None).is_none());
    }

    #[test]
    fn a_daily_product_misses_working_days_only_after_a_days_grace() {
        // Monday 2026-12-07: Friday the 4th is overdue (its grace, the
        // 5th, passed); the weekend owes nothing; Thursday reported.
        let today = d("2026-12-07");
        let missed_now = missed(
            Cadence::Daily,
            d("2026-11-30"),
            today,
            &days(&["2026-12-03"]),
        );
        assert_eq!(
            missed_now.periods,
            vec![
                Period::Day(d("2026-11-30")),
                Period::Day(d("2026-12-01")),
                Period::Day(d("2026-12-02")),
                Period::Day(d("2026-12-04")),
            ]
        );
        assert_eq!(missed_now.streak, 1, "Thursday was reported");
        assert!(!missed_now.escalate);
        // Nothing owed before the product was filed.
        let new = missed(Cadence::Daily, d("2026-12-04"), today, &HashSet::new());
        assert_eq!(new.periods, vec![Period::Day(d("2026-12-04"))]);
        // Three working days in a row missed: the regulator is told.
        let run = missed(
            Cadence::Daily,
            d("2026-11-01"),
            today,
            &days(&["2026-11-30"]),
        );
        assert_eq!(run.streak, 4);
        assert!(run.escalate);
        assert_eq!(
            run.periods.len(),
            6,
            "of the seven working days looked at, one was reported"
        );
        // A holiday (2026-10-01 National Day) owes nothing.
        let holiday = missed(
            Cadence::Daily,
            d("2026-10-01"),
            d("2026-10-03"),
            &HashSet::new(),
        );
        assert!(holiday.periods.is_empty(), "{holiday:?}");
    }

    #[test]
    fn an_estimate_is_missed_once_its_grace_has_passed() {
        let reported: HashSet<Period> = [Period::Quarter(2026, 2)].into_iter().collect();
        // The third quarter's grace (15 days) ended on 2026-10-15.
        let before = missed(
            Cadence::Quarterly,
            d("2026-01-05"),
            d("2026-10-15"),
            &reported,
        );
        assert_eq!(before.periods, vec![], "{before:?}");
        let after = missed(
            Cadence::Quarterly,
            d("2026-01-05"),
            d("2026-10-16"),
            &reported,
        );
        assert_eq!(after.periods, vec![Period::Quarter(2026, 3)]);
        assert_eq!(after.streak, 1);
        assert!(!after.escalate, "two in a row are needed");
        let two = missed(
            Cadence::Quarterly,
            d("2026-01-05"),
            d("2027-01-16"),
            &reported,
        );
        assert_eq!(two.periods, vec![Period::Quarter(2026, 4)], "lookback 1");
        assert_eq!(two.streak, 2);
        assert!(two.escalate);
        // Yearly: one year missed goes to the regulator.
        let year = missed(
            Cadence::Yearly,
            d("2025-03-01"),
            d("2026-02-01"),
            &HashSet::new(),
        );
        assert_eq!(year.periods, vec![Period::Year(2025)]);
        assert!(year.escalate);
        // Filed after the period: nothing owed for it.
        let late = missed(
            Cadence::Monthly,
            d("2026-12-01"),
            d("2026-12-20"),
            &HashSet::new(),
        );
        assert!(late.periods.is_empty());
    }
}
