//! A production run over days (P5.3.3.3, issue 19.2): a 一物一码 or 组合多码
//! batch, once active, reports each later day's exact quantity and gets
//! that day's codes — the next indexes of the batch's numbering, so no
//! code is issued twice. The quantity filed with the batch is its first
//! day's (the production date).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Invalid};
use crate::{Batch, BatchStatus, TraceLevel};

/// The most one day's report may add: a day of the largest lines.
pub const MOST_A_DAY: u64 = 10_000_000;

/// One day's exact quantity, as posted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayInput {
    /// The production day, `YYYY-MM-DD` (Asia/Shanghai).
    #[serde(default)]
    pub day: String,
    /// How many items were made that day: that many codes are issued.
    pub quantity: Option<u64>,
}

/// One day's report, kept on the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductionDay {
    pub day: NaiveDate,
    pub quantity: u64,
    /// The index of the day's first code: its codes are
    /// `first_index .. first_index + quantity`.
    pub first_index: u64,
    /// Who reported it, and when (RFC 3339, UTC).
    pub by: String,
    pub at: String,
}

/// Why a day's report is refused: its fields (422), or the batch's state
/// (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayRefusal {
    Invalid(Invalid),
    Conflict(String),
}

const C: &str = "P5.3.3.3";

/// The report `input` adds to `batch` (of a product traced at `level`) on
/// `today`: checked, with the index of its first code.
pub fn check(
    batch: &Batch,
    level: TraceLevel,
    input: &DayInput,
    today: NaiveDate,
) -> Result<(NaiveDate, u64, u64), DayRefusal> {
    if !matches!(level, TraceLevel::PerItem | TraceLevel::MultiCode) {
        return Err(DayRefusal::Conflict(
            "一品一码和一批一码按年、季或月报告估计数量，不按日报告 (only 一物一码 and 组合多码 batches report daily quantities)".into(),
        ));
    }
    if batch.status != BatchStatus::Active {
        return Err(DayRefusal::Conflict(format!(
            "批次{}，激活后才能报告每日产量 (the batch is {}: daily quantities are reported once it is active)",
            batch.status.label_zh(),
            batch.status.as_str()
        )));
    }
    let mut errors = Vec::new();
    let day = match NaiveDate::parse_from_str(input.day.trim(), "%Y-%m-%d") {
        Ok(day) if day > today => {
            errors.push(
                FieldError::new(
                    "day",
                    "future",
                    format!("生产日 {day} 晚于今天 (the day {day} is in the future)"),
                )
                .clause(C),
            );
            None
        }
        Ok(day) if day < batch.production_date => {
            errors.push(
                FieldError::new(
                    "day",
                    "before-production",
                    format!(
                        "生产日 {day} 早于批次的生产日期 {} (the day is before the batch's production date)",
                        batch.production_date
                    ),
                )
                .clause(C),
            );
            None
        }
        Ok(day) => Some(day),
        Err(_) if input.day.trim().is_empty() => {
            errors.push(FieldError::required("day", "生产日", C));
            None
        }
        Err(_) => {
            errors.push(
                FieldError::new(
                    "day",
                    "format",
                    format!(
                        "生产日“{}”应为 YYYY-MM-DD (the day must be YYYY-MM-DD)",
                        input.day.trim()
                    ),
                )
                .clause(C),
            );
            None
        }
    };
    match input.quantity {
        None => errors.push(FieldError::required("quantity", "当日产量", C)),
        Some(0) => errors
            .push(FieldError::new("quantity", "range", "当日产量至少为 1 (at least 1)").clause(C)),
        Some(q) if q > MOST_A_DAY => errors.push(
            FieldError::new(
                "quantity",
                "range",
                format!("当日产量最多 {MOST_A_DAY} (at most {MOST_A_DAY} a day)"),
            )
            .clause(C),
        ),
        // The batch's codes are numbered within its quantity's bound.
        Some(q) if batch.quantity.unwrap_or(0) + q > crate::batch::MAX_BATCH_QUANTITY => errors
            .push(
                FieldError::new(
                    "quantity",
                    "range",
                    format!(
                        "批次累计数量将超过 {} (the batch's quantity would pass {})",
                        crate::batch::MAX_BATCH_QUANTITY,
                        crate::batch::MAX_BATCH_QUANTITY
                    ),
                )
                .clause(C),
            ),
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(DayRefusal::Invalid(Invalid(errors)));
    }
    let day = day.expect("no errors");
    let quantity = input.quantity.expect("no errors");
    if day == batch.production_date || batch.days.iter().any(|d| d.day == day) {
        return Err(DayRefusal::Conflict(format!(
            "{day} 的产量已经报告 (the quantity of {day} is already reported: the batch's codes are numbered by what was reported)"
        )));
    }
    Ok((day, quantity, batch.quantity.unwrap_or(0)))
}

/// `batch` with the day's report added: its quantity grows by it.
pub fn add(batch: &mut Batch, day: ProductionDay) {
    batch.quantity = Some(day.first_index + day.quantity);
    batch.days.push(day);
}

/// How many items of `batch` were reported made by the end of `day`: the
/// first day's with every later day's reported up to it.
pub fn made_by(batch: &Batch, day: NaiveDate) -> u64 {
    made_by_days(
        batch.production_date,
        batch.quantity,
        batch.days.iter().map(|d| (d.day, d.quantity)),
        day,
    )
}

/// [`made_by`] of a batch given by its first day, its total and its later
/// days' quantities (the verification rules read batches as views).
pub fn made_by_days(
    production_date: NaiveDate,
    quantity: Option<u64>,
    days: impl Iterator<Item = (NaiveDate, u64)> + Clone,
    day: NaiveDate,
) -> u64 {
    if day < production_date {
        return 0;
    }
    let later: u64 = days.clone().map(|(_, q)| q).sum();
    let first = quantity.unwrap_or(0).saturating_sub(later);
    first + days.filter(|(d, _)| *d <= day).map(|(_, q)| q).sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BlobRef;

    fn batch(status: BatchStatus) -> Batch {
        Batch {
            product_id: 1,
            enterprise_id: 1,
            batch_no: "B1".into(),
            production_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            quantity: Some(100),
            inspection_report: BlobRef {
                sha256: "ab".into(),
                content_type: "application/pdf".into(),
                size: 1,
                name: "r.pdf".into(),
            },
            inspection_report_public: false,
            note: None,
            status,
            review_notes: vec![],
            review: None,
            activated_at: None,
            disposal: None,
            inputs: vec![],
            copied_from: None,
            days: vec![],
        }
    }

    fn input(day: &str, quantity: Option<u64>) -> DayInput {
        DayInput {
            day: day.into(),
            quantity,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    fn fields(refusal: DayRefusal) -> Vec<String> {
        match refusal {
            DayRefusal::Invalid(Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            DayRefusal::Conflict(c) => panic!("a conflict: {c}"),
        }
    }

    #[test]
    fn each_day_continues_the_numbering_and_counts_by_its_day() {
        let mut b = batch(BatchStatus::Active);
        for (day, q) in [("2026-12-03", 40), ("2026-12-02", 25)] {
            let (day, quantity, first) =
                check(&b, TraceLevel::PerItem, &input(day, Some(q)), today()).unwrap();
            add(
                &mut b,
                ProductionDay {
                    day,
                    quantity,
                    first_index: first,
                    by: "user:1".into(),
                    at: "2026-12-07T01:00:00Z".into(),
                },
            );
        }
        assert_eq!(b.quantity, Some(165));
        assert_eq!(b.days[0].first_index, 100, "after the first day's 100");
        assert_eq!(
            b.days[1].first_index, 140,
            "then after the 40, never reused"
        );
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(made_by(&b, d("2026-11-30")), 0);
        assert_eq!(made_by(&b, d("2026-12-01")), 100);
        assert_eq!(made_by(&b, d("2026-12-02")), 125);
        assert_eq!(made_by(&b, d("2026-12-06")), 165);
    }

    #[test]
    fn a_wrong_day_or_quantity_or_batch_is_refused() {
        let b = batch(BatchStatus::Active);
        let level = TraceLevel::PerItem;
        for (day, q, field) in [
            ("", Some(1), "day"),
            ("2026/12/03", Some(1), "day"),
            ("2026-12-08", Some(1), "day"),
            ("2026-11-30", Some(1), "day"),
            ("2026-12-03", None, "quantity"),
            ("2026-12-03", Some(0), "quantity"),
            ("2026-12-03", Some(MOST_A_DAY + 1), "quantity"),
        ] {
            let refusal = check(&b, level, &input(day, q), today()).unwrap_err();
            assert_eq!(fields(refusal), vec![field.to_string()], "{day} {q:?}");
        }
        // No day may take the batch past the bound its codes are numbered in.
        let mut full = batch(BatchStatus::Active);
        full.quantity = Some(crate::batch::MAX_BATCH_QUANTITY - 5);
        let refusal = check(&full, level, &input("2026-12-03", Some(6)), today()).unwrap_err();
        assert_eq!(fields(refusal), vec!["quantity".to_string()]);
        assert!(check(&full, level, &input("2026-12-03", Some(5)), today()).is_ok());
        // The production date is the filed quantity's day.
        assert!(matches!(
            check(&b, level, &input("2026-12-01", Some(5)), today()),
            Err(DayRefusal::Conflict(_))
        ));
        assert!(matches!(
            check(
                &batch(BatchStatus::Approved),
                level,
                &input("2026-12-03", Some(5)),
                today()
            ),
            Err(DayRefusal::Conflict(_))
        ));
        assert!(matches!(
            check(
                &b,
                TraceLevel::PerBatch,
                &input("2026-12-03", Some(5)),
                today()
            ),
            Err(DayRefusal::Conflict(_))
        ));
    }
}
