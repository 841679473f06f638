//! Figures as a person reads them (issue 18.2, 18.5), one way on the page,
//! in the CSV and in the reports: counts with thousands separators, shares
//! as percentages, the change from the period before, a point's period on
//! an axis.

use chrono::{Datelike, NaiveDate};

use super::anomaly::Band;
use super::period::Grain;
use super::Unit;

/// A part's share of its whole, to a tenth of a percent; a share too
/// small to show is "<0.1%", not "0.0%".
pub fn share(value: f64, total: f64) -> String {
    let percent = value / total * 100.0;
    if value > 0.0 && percent < 0.05 {
        "<0.1%".into()
    } else {
        format!("{percent:.1}%")
    }
}

/// "12,345", "42.0%", "3.25"; "—" when there is nothing to show.
pub fn figure(value: Option<f64>, unit: Unit) -> String {
    let Some(v) = value else {
        return "—".into();
    };
    match unit {
        Unit::Count => {
            let digits = format!("{}", v.round() as i64);
            let (sign, digits) = digits
                .strip_prefix('-')
                .map_or(("", digits.as_str()), |d| ("-", d));
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            format!("{sign}{out}")
        }
        Unit::Rate => format!("{:.1}%", v * 100.0),
        Unit::Hours | Unit::Days => format!("{v:.1}"),
        _ => format!("{v:.2}"),
    }
}

/// A band as its expected range reads: "55 – 98" (never below 0); "—"
/// while the window is not full.
pub fn band_range(band: Option<Band>, unit: Unit) -> String {
    band.map(|b| {
        format!(
            "{} – {}",
            figure(Some(b.low.max(0.0)), unit),
            figure(Some(b.high), unit)
        )
    })
    .unwrap_or_else(|| "—".into())
}

/// Which way a figure moved from the period before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Flat,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Flat => "flat",
        }
    }
}

/// The change from the period before: "+12.5%", "−3.0%", `new` when there
/// was none before, "—" when there is nothing to compare.
pub fn change(value: Option<f64>, previous: Option<f64>, new: &str) -> (String, Direction) {
    match (value, previous) {
        (Some(v), Some(p)) if p != 0.0 => {
            let c = (v - p) / p.abs() * 100.0;
            if c.abs() < 0.05 {
                ("0%".into(), Direction::Flat)
            } else if c > 0.0 {
                (format!("+{c:.1}%"), Direction::Up)
            } else {
                (format!("−{:.1}%", -c), Direction::Down)
            }
        }
        (Some(v), Some(_)) if v != 0.0 => (new.to_string(), Direction::Up),
        _ => ("—".into(), Direction::Flat),
    }
}

/// Regions as a person reads them, each its province's name and its code:
/// "广东省 440000、浙江省 330000" (", " between them in English).
pub fn region_list(regions: &[String], zh: bool) -> String {
    regions
        .iter()
        .map(|r| {
            let province = zhisu_codes::region::province_name(r).unwrap_or("");
            format!("{province} {r}").trim().to_string()
        })
        .collect::<Vec<_>>()
        .join(if zh { "、" } else { ", " })
}

/// "2026年11月5日".
pub fn day_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A point's period as an axis or a table says it: "11月5日",
/// "11月2日–11月8日", "2026年11月" (or in English).
pub fn point_label(zh: bool, by: Grain, from: NaiveDate, to: NaiveDate) -> String {
    match by {
        Grain::Month if zh => format!("{}年{}月", from.year(), from.month()),
        Grain::Month => from.format("%b %Y").to_string(),
        Grain::Week if zh => format!(
            "{}月{}日–{}月{}日",
            from.month(),
            from.day(),
            to.month(),
            to.day()
        ),
        Grain::Week => format!("{}–{}", from.format("%-d %b"), to.format("%-d %b")),
        Grain::Day if zh => format!("{}月{}日", from.month(), from.day()),
        Grain::Day => from.format("%-d %b").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(figure(Some(1_234_567.0), Unit::Count), "1,234,567");
        assert_eq!(figure(Some(-1200.0), Unit::Count), "-1,200");
        assert_eq!(figure(Some(0.4213), Unit::Rate), "42.1%");
        assert_eq!(figure(Some(3.254), Unit::Per10k), "3.25");
        assert_eq!(figure(None, Unit::Count), "—");
    }

    #[test]
    fn a_share_too_small_to_show_is_not_nought() {
        assert_eq!(share(1.0, 3001.0), "<0.1%");
        assert_eq!(share(0.0, 3001.0), "0.0%");
        assert_eq!(share(1.0, 8.0), "12.5%");
    }

    #[test]
    fn a_band_reads_as_a_range_never_below_zero() {
        let band = Band {
            median: 17.5,
            low: -2.5,
            high: 37.52,
            anomaly: false,
        };
        assert_eq!(band_range(Some(band), Unit::Count), "0 – 38");
        assert_eq!(band_range(None, Unit::Count), "—");
    }

    #[test]
    fn changes_name_their_direction() {
        assert_eq!(
            change(Some(110.0), Some(100.0), "新增"),
            ("+10.0%".into(), Direction::Up)
        );
        assert_eq!(
            change(Some(97.0), Some(100.0), "新增"),
            ("−3.0%".into(), Direction::Down)
        );
        assert_eq!(
            change(Some(5.0), Some(0.0), "新增"),
            ("新增".into(), Direction::Up)
        );
        assert_eq!(
            change(Some(0.0), Some(0.0), "新增"),
            ("—".into(), Direction::Flat)
        );
        assert_eq!(
            change(None, Some(3.0), "新增"),
            ("—".into(), Direction::Flat)
        );
    }

    #[test]
    fn points_are_labelled_by_their_grain() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(point_label(true, Grain::Day, d(11, 5), d(11, 5)), "11月5日");
        assert_eq!(
            point_label(true, Grain::Week, d(11, 2), d(11, 8)),
            "11月2日–11月8日"
        );
        assert_eq!(
            point_label(true, Grain::Month, d(11, 1), d(11, 30)),
            "2026年11月"
        );
        assert_eq!(
            point_label(false, Grain::Month, d(11, 1), d(11, 30)),
            "Nov 2026"
        );
    }
}
