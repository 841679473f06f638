//! The period a report covers (issue 18.5): a calendar month (`2026-11`,
//! 月报) or a quarter (`2026-Q4`, 季报), whole days in Asia/Shanghai, read
//! as a person types it, with the grain its trend is drawn at (days for a
//! month, weeks for a quarter) and its name in a title.

use chrono::{Datelike, Months, NaiveDate};

use super::period::{Grain, Period};
use crate::validation::FieldError;

/// A month or a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportPeriod {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
}

const QUARTERS_ZH: [&str; 4] = ["第一季度", "第二季度", "第三季度", "第四季度"];

fn wrong(field: &str, text: &str) -> FieldError {
    FieldError::new(
        field,
        "format",
        format!(
            "报表期间须为月份 YYYY-MM（如 2026-11）或季度 YYYY-Qn（如 2026-Q4） (period: YYYY-MM or YYYY-Qn): {text}"
        ),
    )
}

impl ReportPeriod {
    /// `2026-11` or `2026-Q4` (`q4` too); a period not yet begun on
    /// `today` is refused, one under way is allowed (a report to date).
    pub fn parse(field: &str, text: &str, today: NaiveDate) -> Result<ReportPeriod, FieldError> {
        let t = text.trim();
        let (year, rest) = t.split_once('-').ok_or_else(|| wrong(field, text))?;
        let year: i32 = year
            .parse()
            .ok()
            .filter(|y| (2000..=9999).contains(y) && year.len() == 4)
            .ok_or_else(|| wrong(field, text))?;
        let period = if let Some(q) = rest.strip_prefix(['Q', 'q']) {
            let quarter: u32 = q
                .parse()
                .ok()
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(|| wrong(field, text))?;
            ReportPeriod::Quarter { year, quarter }
        } else {
            let month: u32 = rest
                .parse()
                .ok()
                .filter(|m| (1..=12).contains(m) && rest.len() == 2)
                .ok_or_else(|| wrong(field, text))?;
            ReportPeriod::Month { year, month }
        };
        if period.first_day() > today {
            return Err(FieldError::new(
                field,
                "future",
                format!("报表期间 {t} 尚未开始 (the period has not begun)"),
            ));
        }
        Ok(period)
    }

    /// The month before the one `today` is in (the report read on the
    /// first Monday of a month).
    pub fn last_month(today: NaiveDate) -> ReportPeriod {
        let d = today.with_day(1).expect("day 1") - Months::new(1);
        ReportPeriod::Month {
            year: d.year(),
            month: d.month(),
        }
    }

    /// The month `today` is in (a report to date).
    pub fn this_month(today: NaiveDate) -> ReportPeriod {
        ReportPeriod::Month {
            year: today.year(),
            month: today.month(),
        }
    }

    /// The quarter before the one `today` is in.
    pub fn last_quarter(today: NaiveDate) -> ReportPeriod {
        match (today.month() - 1) / 3 + 1 {
            1 => ReportPeriod::Quarter {
                year: today.year() - 1,
                quarter: 4,
            },
            q => ReportPeriod::Quarter {
                year: today.year(),
                quarter: q - 1,
            },
        }
    }

    fn first_day(self) -> NaiveDate {
        match self {
            ReportPeriod::Month { year, month } => NaiveDate::from_ymd_opt(year, month, 1),
            ReportPeriod::Quarter { year, quarter } => {
                NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1)
            }
        }
        .expect("a checked month")
    }

    /// Its days; a period under way ends `today`.
    pub fn period(self, today: NaiveDate) -> Period {
        let from = self.first_day();
        let months = match self {
            ReportPeriod::Month { .. } => 1,
            ReportPeriod::Quarter { .. } => 3,
        };
        let last = from + Months::new(months) - chrono::Duration::days(1);
        Period::new(from, last.min(today).max(from)).expect("at most a quarter")
    }

    /// The trend's grain: days in a month, weeks in a quarter.
    pub fn grain(self) -> Grain {
        match self {
            ReportPeriod::Month { .. } => Grain::Day,
            ReportPeriod::Quarter { .. } => Grain::Week,
        }
    }

    /// "2026年11月", "2026年第四季度".
    pub fn name_zh(self) -> String {
        match self {
            ReportPeriod::Month { year, month } => format!("{year}年{month}月"),
            ReportPeriod::Quarter { year, quarter } => {
                format!("{year}年{}", QUARTERS_ZH[(quarter - 1) as usize])
            }
        }
    }

    /// 月报 or 季报.
    pub fn kind_zh(self) -> &'static str {
        match self {
            ReportPeriod::Month { .. } => "月报",
            ReportPeriod::Quarter { .. } => "季报",
        }
    }

    /// `2026-11`, `2026-Q4`: as typed, for file names.
    pub fn key(self) -> String {
        match self {
            ReportPeriod::Month { year, month } => format!("{year}-{month:02}"),
            ReportPeriod::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_and_quarters_cover_their_days() {
        let today = d(2026, 12, 6);
        let nov = ReportPeriod::parse("period", "2026-11", today).unwrap();
        assert_eq!(
            nov.period(today),
            Period::new(d(2026, 11, 1), d(2026, 11, 30)).unwrap()
        );
        assert_eq!(
            (nov.name_zh(), nov.kind_zh(), nov.key()),
            ("2026年11月".into(), "月报", "2026-11".into())
        );
        assert_eq!(nov.grain(), Grain::Day);
        let feb = ReportPeriod::parse("period", "2024-02", today).unwrap();
        assert_eq!(feb.period(today).to, d(2024, 2, 29), "a leap year");
        let q3 = ReportPeriod::parse("period", "2026-q3", today).unwrap();
        assert_eq!(
            q3.period(today),
            Period::new(d(2026, 7, 1), d(2026, 9, 30)).unwrap()
        );
        assert_eq!(
            (q3.name_zh(), q3.key()),
            ("2026年第三季度".into(), "2026-Q3".into())
        );
        assert_eq!(q3.grain(), Grain::Week);
        // Under way: to date.
        let q4 = ReportPeriod::parse("period", "2026-Q4", today).unwrap();
        assert_eq!(q4.period(today).to, today);
        assert_eq!(ReportPeriod::last_month(d(2026, 1, 15)).key(), "2025-12");
        assert_eq!(ReportPeriod::last_quarter(d(2026, 1, 15)).key(), "2025-Q4");
        assert_eq!(ReportPeriod::last_quarter(d(2026, 12, 6)).key(), "2026-Q3");
        assert_eq!(ReportPeriod::this_month(d(2026, 12, 6)).key(), "2026-12");
    }

    #[test]
    fn a_wrong_period_names_the_field() {
        let today = d(2026, 12, 6);
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026-Q5",
            "2026/11",
            "",
            "2026-11-01",
            "十一月",
        ] {
            let e = ReportPeriod::parse("period", bad, today).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code.as_str()),
                ("period", "format"),
                "{bad}"
            );
        }
        let e = ReportPeriod::parse("period", "2027-01", today).unwrap_err();
        assert_eq!(e.code, "future");
    }
}
