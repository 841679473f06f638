//! The period a statistic is read over (issue 18.2, 18.6): whole days in
//! Asia/Shanghai from `from` to `to` inclusive, checked as a person types
//! it (a malformed date, `from` after `to`, more than ten years), the
//! period before it for comparison, and its cut into days, weeks (Monday
//! first, as a Chinese calendar shows them) or months.

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::Serialize;

use crate::validation::FieldError;

/// The longest period a statistic is read over.
pub const MAX_YEARS: u32 = 10;

/// Whole days `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
}

fn date(field: &str, zh: &str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "format",
            format!("{zh}须为 YYYY-MM-DD 格式的日期，如 2026-11-01 (a date YYYY-MM-DD): {text}"),
        )
    })
}

impl Period {
    /// The period asked for: both ends given, or the 30 days to `today`
    /// when neither is; one end alone is an error naming the other.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, Vec<FieldError>> {
        let (from, to) = match (from, to) {
            (None, None) => return Ok(Period::last_days(30, today)),
            (Some(_), None) => {
                return Err(vec![FieldError::new(
                    "to",
                    "required",
                    "请同时给出结束日期 (to is required with from)",
                )])
            }
            (None, Some(_)) => {
                return Err(vec![FieldError::new(
                    "from",
                    "required",
                    "请同时给出开始日期 (from is required with to)",
                )])
            }
            (Some(f), Some(t)) => (f, t),
        };
        let mut errors = Vec::new();
        let from = date("from", "开始日期", from)
            .map_err(|e| errors.push(e))
            .ok();
        let to = date("to", "结束日期", to).map_err(|e| errors.push(e)).ok();
        let (Some(from), Some(to)) = (from, to) else {
            return Err(errors);
        };
        Period::new(from, to).map_err(|e| vec![e])
    }

    /// `from..=to`, checked: `from` not after `to`, at most ten years.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, FieldError> {
        if from > to {
            return Err(FieldError::new(
                "from",
                "order",
                format!("开始日期 {from} 晚于结束日期 {to} (from is after to)"),
            ));
        }
        let limit = from
            .checked_add_months(Months::new(12 * MAX_YEARS))
            .unwrap_or(NaiveDate::MAX);
        if to >= limit {
            return Err(FieldError::new(
                "to",
                "range",
                format!("统计期间不能超过 {MAX_YEARS} 年 (a period is at most {MAX_YEARS} years)"),
            ));
        }
        Ok(Period { from, to })
    }

    /// The `n` days ending with `today`.
    pub fn last_days(n: i64, today: NaiveDate) -> Period {
        Period {
            from: today - Duration::days(n.max(1) - 1),
            to: today,
        }
    }

    /// How many days it has.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same length just before it (for "compared with
    /// the previous period").
    pub fn previous(&self) -> Period {
        let to = self.from - Duration::days(1);
        Period {
            from: to - Duration::days(self.days() - 1),
            to,
        }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// How a series is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Grain {
    Day,
    Week,
    Month,
}

impl Grain {
    pub fn parse(s: &str) -> Option<Grain> {
        [Grain::Day, Grain::Week, Grain::Month]
            .into_iter()
            .find(|g| g.as_str() == s)
    }

    /// The most days one of its cuts spans (a month's 31).
    pub fn longest_days(self) -> i64 {
        match self {
            Grain::Day => 1,
            Grain::Week => 7,
            Grain::Month => 31,
        }
    }

    /// As a query names it: `day`, `week`, `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }

    /// The trailing window an anomaly is judged against: four weeks of
    /// days, a quarter of weeks, a year of months.
    pub fn window(self) -> usize {
        match self {
            Grain::Day => 28,
            Grain::Week => 13,
            Grain::Month => 12,
        }
    }

    /// The start of the cut `n` cuts before the one holding `day`.
    pub fn back(self, day: NaiveDate, n: usize) -> NaiveDate {
        let start = self.start_of(day);
        match self {
            Grain::Day => start - Duration::days(n as i64),
            Grain::Week => start - Duration::days(7 * n as i64),
            Grain::Month => start
                .checked_sub_months(Months::new(n as u32))
                .unwrap_or(NaiveDate::MIN),
        }
    }

    /// Whether `cut` is a whole day, week or month (not clipped by the
    /// ends of a period).
    pub fn is_whole(self, cut: &Period) -> bool {
        let start = self.start_of(cut.from);
        cut.from == start && cut.to == self.next(start) - Duration::days(1)
    }

    fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => day,
            Grain::Week => day - Duration::days(day.weekday().num_days_from_monday() as i64),
            Grain::Month => day.with_day(1).expect("day 1"),
        }
    }

    fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => start + Duration::days(1),
            Grain::Week => start + Duration::days(7),
            Grain::Month => start
                .checked_add_months(Months::new(1))
                .unwrap_or(NaiveDate::MAX),
        }
    }
}

/// The period cut into days, weeks or months; the first and last are
/// clipped to it.
pub fn buckets(period: &Period, grain: Grain) -> Vec<Period> {
    let mut out = Vec::new();
    let mut start = grain.start_of(period.from);
    while start <= period.to {
        let next = grain.next(start);
        out.push(Period {
            from: start.max(period.from),
            to: (next - Duration::days(1)).min(period.to),
        });
        start = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_period_is_checked_as_typed() {
        let today = d("2026-12-06");
        let p = Period::parse(Some("2026-11-01"), Some("2026-11-30"), today).unwrap();
        assert_eq!(p.days(), 30);
        assert_eq!(
            p.previous(),
            Period {
                from: d("2026-10-02"),
                to: d("2026-10-31")
            }
        );
        assert_eq!(Period::parse(None, None, today).unwrap().to, today);

        let field = |r: Result<Period, Vec<FieldError>>| r.unwrap_err()[0].field.clone();
        assert_eq!(
            field(Period::parse(Some("2026-11-31"), Some("2026-12-01"), today)),
            "from"
        );
        assert_eq!(
            field(Period::parse(Some("2026-11-01"), Some("soon"), today)),
            "to"
        );
        assert_eq!(
            field(Period::parse(Some("2026-12-01"), Some("2026-11-01"), today)),
            "from"
        );
        assert_eq!(
            field(Period::parse(Some("2016-01-01"), Some("2026-01-01"), today)),
            "to"
        );
        assert!(Period::parse(Some("2016-01-02"), Some("2026-01-01"), today).is_ok());
        assert_eq!(field(Period::parse(Some("2026-01-01"), None, today)), "to");
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first_clipped_to_the_period() {
        // 2026-11-04 is a Wednesday.
        let p = Period::new(d("2026-11-04"), d("2026-11-20")).unwrap();
        let weeks = buckets(&p, Grain::Week);
        assert_eq!(weeks.len(), 3);
        assert_eq!(
            (weeks[0].from, weeks[0].to),
            (d("2026-11-04"), d("2026-11-08"))
        );
        assert_eq!(
            (weeks[1].from, weeks[1].to),
            (d("2026-11-09"), d("2026-11-15"))
        );
        assert_eq!(
            (weeks[2].from, weeks[2].to),
            (d("2026-11-16"), d("2026-11-20"))
        );
        let months = buckets(
            &Period::new(d("2026-01-31"), d("2026-03-01")).unwrap(),
            Grain::Month,
        );
        assert_eq!(months.len(), 3);
        assert_eq!(
            (months[1].from, months[1].to),
            (d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(buckets(&p, Grain::Day).len(), 17);
    }
}
