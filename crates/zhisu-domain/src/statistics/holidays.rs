//! China's public holidays and the weekend days worked in their place
//! (`data/holidays.toml`, as the State Council's General Office announces
//! them), so a daily series judges a day against like days (issue 18.3): a
//! week of 春节 or 国庆 is scanned like a run of Sundays, not flagged as a
//! week of quiet weekdays, and a Saturday worked in its place is judged as
//! a working day.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

const SOURCE: &str = include_str!("../../data/holidays.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    version: String,
    year: Vec<Year>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Year {
    year: i32,
    #[allow(dead_code)]
    source: String,
    rest: Vec<String>,
    work: Vec<String>,
}

/// What a day is, for the rhythm of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marked {
    Rest,
    Work,
}

/// The days of `entry`: one date, or a range `from..to` (inclusive).
fn days_of(entry: &str) -> Result<Vec<NaiveDate>, String> {
    let parse = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|e| format!("{entry}: {e}"))
    };
    match entry.split_once("..") {
        Some((a, b)) => {
            let (from, to) = (parse(a)?, parse(b)?);
            if to < from {
                return Err(format!("{entry}: the range runs backwards"));
            }
            Ok(from.iter_days().take_while(|d| *d <= to).collect())
        }
        None => Ok(vec![parse(entry)?]),
    }
}

/// The file read and checked: every date in its year, no day both rest
/// and work, every day worked a weekend day.
fn read(source: &str) -> Result<BTreeMap<NaiveDate, Marked>, String> {
    let file: File = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for y in &file.year {
        for (list, mark) in [(&y.rest, Marked::Rest), (&y.work, Marked::Work)] {
            for entry in list {
                for day in days_of(entry)? {
                    if day.year() != y.year {
                        return Err(format!("{day} is not in {}", y.year));
                    }
                    if mark == Marked::Work && day.weekday().num_days_from_monday() < 5 {
                        return Err(format!("{day} is worked but is no weekend day"));
                    }
                    if out.insert(day, mark).is_some() {
                        return Err(format!("{day} is listed twice"));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn marked() -> &'static BTreeMap<NaiveDate, Marked> {
    static MARKED: OnceLock<BTreeMap<NaiveDate, Marked>> = OnceLock::new();
    MARKED.get_or_init(|| read(SOURCE).expect("the holidays' test checks the file reads"))
}

/// The day as the weekly rhythm counts it, Monday 0 to Sunday 6: a
/// holiday as a Sunday, a weekend day worked in its place as a Monday,
/// any other day as its weekday.
pub fn day_class(day: NaiveDate) -> usize {
    match marked().get(&day) {
        Some(Marked::Rest) => 6,
        Some(Marked::Work) => 0,
        None => day.weekday().num_days_from_monday() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_holidays_file_reads_and_each_day_has_its_class() {
        let days = read(SOURCE).expect("data/holidays.toml reads");
        assert!(days.len() > 50, "{}", days.len());
        // 春节 2026 on a Wednesday; the Saturday worked before it; a day
        // the file does not name.
        assert_eq!(day_class(d("2026-02-18")), 6);
        assert_eq!(day_class(d("2026-02-14")), 0);
        assert_eq!(day_class(d("2026-03-04")), 2);
        assert_eq!(day_class(d("2026-03-07")), 5);
    }

    #[test]
    fn a_wrong_holidays_file_is_refused_with_the_day() {
        let file = |rest: &str, work: &str| {
            format!("version = \"x\"\n[[year]]\nyear = 2026\nsource = \"s\"\nrest = [{rest}]\nwork = [{work}]\n")
        };
        assert!(read(&file("\"2026-10-01..2026-10-07\"", "\"2026-10-10\"")).is_ok());
        let refused = |rest: &str, work: &str| read(&file(rest, work)).unwrap_err();
        assert!(refused("\"2025-10-01\"", "").contains("not in 2026"));
        assert!(refused("\"2026-10-07..2026-10-01\"", "").contains("backwards"));
        assert!(refused("\"2026-10-10\"", "\"2026-10-10\"").contains("twice"));
        assert!(refused("", "\"2026-10-09\"").contains("no weekend day"));
        assert!(refused("\"2026-13-01\"", "").contains("2026-13-01"));
    }
}
