//! The reporting calendar (P5.3.3.3, issue 19.5) as data
//! (`data/reporting-calendar.toml`): which cadences each trace level may
//! report on, whether its quantity is exact, and each cadence's grace,
//! lookback and escalation; and the periods reports are made for — a day,
//! a month, a quarter, a year — named as the API writes them (`2026-12-07`,
//! `2026-12`, `2026-Q4`, `2026`) and as a Chinese page says them.

use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::product::TraceLevel;

const SOURCE: &str = include_str!("../../data/reporting-calendar.toml");

/// How often a product reports its quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Cadence {
    Daily,
    Monthly,
    Quarterly,
    Yearly,
}

impl Cadence {
    pub const ALL: [Cadence; 4] = [
        Cadence::Daily,
        Cadence::Monthly,
        Cadence::Quarterly,
        Cadence::Yearly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Daily => "daily",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::Yearly => "yearly",
        }
    }

    pub fn parse(s: &str) -> Option<Cadence> {
        Cadence::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// 按日, 按月, 按季度, 按年度.
    pub fn label_zh(self) -> &'static str {
        &calendar().rule(self).zh
    }
}

/// One cadence's rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadenceRule {
    pub cadence: String,
    pub zh: String,
    /// Days after a period ends before its report counts as missed.
    pub grace_days: u32,
    /// A daily report is owed for working days only.
    pub working_days_only: bool,
    /// How many of the latest missed periods are reminded of.
    pub lookback: usize,
    /// Missed periods in a row before the regulator is told.
    pub escalate_after: usize,
}

/// One trace level's cadences.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRule {
    pub trace_level: String,
    pub cadences: Vec<String>,
    /// Whether the quantity reported is exact (and so required).
    pub exact: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    pub version: String,
    pub default_cadence: String,
    pub level: Vec<LevelRule>,
    pub cadence: Vec<CadenceRule>,
}

impl Calendar {
    pub fn level(&self, level: TraceLevel) -> &LevelRule {
        self.level
            .iter()
            .find(|l| l.trace_level == level.as_str())
            .expect("the calendar's test checks every trace level is there")
    }

    pub fn rule(&self, cadence: Cadence) -> &CadenceRule {
        self.cadence
            .iter()
            .find(|c| c.cadence == cadence.as_str())
            .expect("the calendar's test checks every cadence is there")
    }

    /// The cadences a trace level may report on, the first its default.
    pub fn cadences(&self, level: TraceLevel) -> Vec<Cadence> {
        let rule = self.level(level);
        let mut cadences: Vec<Cadence> = rule
            .cadences
            .iter()
            .filter_map(|c| Cadence::parse(c))
            .collect();
        if let Some(default) = Cadence::parse(&self.default_cadence) {
            if let Some(i) = cadences.iter().position(|c| *c == default) {
                cadences.swap(0, i);
            }
        }
        cadences
    }
}

fn read(source: &str) -> Result<Calendar, String> {
    let calendar: Calendar = toml::from_str(source).map_err(|e| e.to_string())?;
    for level in TraceLevel::ALL {
        let rules = calendar
            .level
            .iter()
            .filter(|l| l.trace_level == level.as_str())
            .count();
        if rules != 1 {
            return Err(format!(
                "trace level {} is there {rules} times",
                level.as_str()
            ));
        }
    }
    for cadence in Cadence::ALL {
        let rules = calendar
            .cadence
            .iter()
            .filter(|c| c.cadence == cadence.as_str())
            .count();
        if rules != 1 {
            return Err(format!(
                "cadence {} is defined {rules} times",
                cadence.as_str()
            ));
        }
    }
    for level in &calendar.level {
        if level.cadences.is_empty() {
            return Err(format!("{} has no cadence", level.trace_level));
        }
        if let Some(unknown) = level.cadences.iter().find(|c| Cadence::parse(c).is_none()) {
            return Err(format!("{}: no cadence {unknown}", level.trace_level));
        }
        match TraceLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == level.trace_level)
        {
            None => return Err(format!("no trace level {}", level.trace_level)),
            // P5.3.3.3: the code validating a filing knows which levels
            // report exact quantities too.
            Some(l) if l.exact_quantity() != level.exact => {
                return Err(format!(
                    "{}: exact is {}",
                    level.trace_level,
                    l.exact_quantity()
                ))
            }
            Some(_) => {}
        }
    }
    let default_allowed = calendar
        .level
        .iter()
        .any(|l| l.cadences.contains(&calendar.default_cadence));
    if !default_allowed {
        return Err(format!(
            "the default cadence {} is no level's",
            calendar.default_cadence
        ));
    }
    if calendar
        .cadence
        .iter()
        .any(|c| c.lookback == 0 || c.escalate_after == 0)
    {
        return Err("lookback and escalate_after are at least 1".into());
    }
    Ok(calendar)
}

/// The calendar as the repository's data file says it.
pub fn calendar() -> &'static Calendar {
    static CALENDAR: OnceLock<Calendar> = OnceLock::new();
    CALENDAR.get_or_init(|| read(SOURCE).expect("the calendar's test checks the file reads"))
}

/// A period a report is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Day(NaiveDate),
    Month(i32, u32),
    Quarter(i32, u32),
    Year(i32),
}

const QUARTERS_ZH: [&str; 4] = ["第一季度", "第二季度", "第三季度", "第四季度"];

impl Period {
    /// `2026-12-07`, `2026-12`, `2026-Q4` or `2026`.
    pub fn parse(text: &str) -> Option<Period> {
        let t = text.trim();
        if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Some(Period::Day(day));
        }
        let year = |y: &str| {
            (y.len() == 4)
                .then(|| y.parse::<i32>().ok())
                .flatten()
                .filter(|y| (2000..=2999).contains(y))
        };
        match t.split_once('-') {
            None => year(t).map(Period::Year),
            Some((y, q)) if q.starts_with('Q') => {
                let q: u32 = q[1..].parse().ok()?;
                (1..=4).contains(&q).then_some(Period::Quarter(year(y)?, q))
            }
            Some((y, m)) => {
                let m: u32 = (m.len() == 2).then(|| m.parse().ok()).flatten()?;
                (1..=12).contains(&m).then_some(Period::Month(year(y)?, m))
            }
        }
    }

    pub fn cadence(self) -> Cadence {
        match self {
            Period::Day(_) => Cadence::Daily,
            Period::Month(..) => Cadence::Monthly,
            Period::Quarter(..) => Cadence::Quarterly,
            Period::Year(_) => Cadence::Yearly,
        }
    }

    /// The period of `cadence` that holds `day`.
    pub fn holding(cadence: Cadence, day: NaiveDate) -> Period {
        match cadence {
            Cadence::Daily => Period::Day(day),
            Cadence::Monthly => Period::Month(day.year(), day.month()),
            Cadence::Quarterly => Period::Quarter(day.year(), (day.month() - 1) / 3 + 1),
            Cadence::Yearly => Period::Year(day.year()),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a period's first day");
        match self {
            Period::Day(day) => day,
            Period::Month(y, m) => ymd(y, m, 1),
            Period::Quarter(y, q) => ymd(y, (q - 1) * 3 + 1, 1),
            Period::Year(y) => ymd(y, 1, 1),
        }
    }

    pub fn next(self) -> Period {
        match self {
            Period::Day(day) => Period::Day(day + Duration::days(1)),
            Period::Month(y, 12) => Period::Month(y + 1, 1),
            Period::Month(y, m) => Period::Month(y, m + 1),
            Period::Quarter(y, 4) => Period::Quarter(y + 1, 1),
            Period::Quarter(y, q) => Period::Quarter(y, q + 1),
            Period::Year(y) => Period::Year(y + 1),
        }
    }

    pub fn previous(self) -> Period {
        match self {
            Period::Day(day) => Period::Day(day - Duration::days(1)),
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Year(y) => Period::Year(y - 1),
        }
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }

    /// 2026年12月7日, 2026年12月, 2026年第四季度, 2026年度.
    pub fn label_zh(self) -> String {
        match self {
            Period::Day(day) => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
            Period::Month(y, m) => format!("{y}年{m}月"),
            Period::Quarter(y, q) => format!("{y}年{}", QUARTERS_ZH[(q - 1) as usize]),
            Period::Year(y) => format!("{y}年度"),
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Period::Day(day) => write!(f, "{}", day.format("%Y-%m-%d")),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Year(y) => write!(f, "{y}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_file_and_the_code_are_in_step() {
        let calendar = read(SOURCE).expect("data/reporting-calendar.toml reads");
        for level in TraceLevel::ALL {
            assert!(!calendar.cadences(level).is_empty());
        }
        assert_eq!(calendar.cadences(TraceLevel::PerItem), vec![Cadence::Daily]);
        assert_eq!(
            calendar.cadences(TraceLevel::MultiCode),
            vec![Cadence::Daily]
        );
        assert_eq!(
            calendar.cadences(TraceLevel::PerBatch)[0],
            Cadence::Quarterly,
            "the default first"
        );
        assert!(calendar.level(TraceLevel::PerItem).exact);
        assert!(!calendar.level(TraceLevel::PerProduct).exact);
        for cadence in Cadence::ALL {
            assert!(!calendar.rule(cadence).zh.is_empty());
        }
        // A file that names a cadence the code has not is refused.
        let bad = SOURCE.replace("\"monthly\", \"quarterly\"", "\"weekly\", \"quarterly\"");
        assert!(read(&bad).unwrap_err().contains("weekly"));
        let inexact = SOURCE.replacen("exact = true", "exact = false", 1);
        assert!(read(&inexact).unwrap_err().contains("per-item"));
        let twice = format!("{SOURCE}\n[[cadence]]\ncadence = \"daily\"\nzh = \"x\"\ngrace_days = 1\nworking_days_only = false\nlookback = 1\nescalate_after = 1\n");
        assert!(read(&twice).unwrap_err().contains("daily"));
    }

    #[test]
    fn periods_read_write_and_step_as_the_api_names_them() {
        for text in ["2026-12-07", "2026-12", "2026-Q4", "2026"] {
            let period = Period::parse(text).unwrap();
            assert_eq!(period.to_string(), text);
        }
        for nonsense in [
            "2026-13",
            "2026-Q5",
            "26",
            "2026-1",
            "2026-12-32",
            "明年",
            "",
        ] {
            assert_eq!(Period::parse(nonsense), None, "{nonsense}");
        }
        let q4 = Period::parse("2026-Q4").unwrap();
        assert_eq!(q4.first_day().to_string(), "2026-10-01");
        assert_eq!(q4.last_day().to_string(), "2026-12-31");
        assert_eq!(q4.next(), Period::Quarter(2027, 1));
        assert_eq!(q4.label_zh(), "2026年第四季度");
        assert_eq!(Period::Month(2027, 1).previous(), Period::Month(2026, 12));
        assert_eq!(Period::Month(2026, 2).last_day().to_string(), "2026-02-28");
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(
            Period::holding(Cadence::Quarterly, day),
            Period::Quarter(2026, 4)
        );
        assert_eq!(Period::Day(day).label_zh(), "2026年12月7日");
        assert_eq!(Period::Year(2026).label_zh(), "2026年度");
    }
}
