//! The weekly rhythm of a daily series (issue 18.3): people scan fewer
//! codes at weekends, so a daily band drawn from all days flagged every
//! Saturday as low. Each weekday gets a factor — the median of its days
//! over the median of all days — and a day is judged as its value divided
//! by its weekday's factor, its band multiplied back (a Saturday's expected
//! range is a Saturday's). Medians, so a spike does not move the rhythm.
//! A quiet series (a median under [`MIN_LEVEL`] a day) has no rhythm worth
//! the name: its factors are all 1. Public holidays count as Sundays and
//! weekend days worked in their place as Mondays (`holidays.rs`), so a
//! week of 春节 is judged as the rest days it is.

use chrono::NaiveDate;

use super::anomaly::median;
use super::holidays::day_class;

/// The daily median under which no weekly rhythm is read.
pub const MIN_LEVEL: f64 = 20.0;

/// A factor is kept within these bounds (a weekday with almost nothing
/// would otherwise magnify its noise).
const BOUNDS: (f64, f64) = (0.2, 5.0);

/// The median of the values, if any (sorted here).
fn median_of(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(median(&v))
}

/// Each weekday's factor (Monday first) from the days given.
pub fn weekday_factors(days: &[(NaiveDate, f64)]) -> [f64; 7] {
    let mut factors = [1.0; 7];
    let Some(all) = median_of(days.iter().map(|d| d.1).collect()) else {
        return factors;
    };
    if all < MIN_LEVEL {
        return factors;
    }
    for (w, factor) in factors.iter_mut().enumerate() {
        let of_day: Vec<f64> = days
            .iter()
            .filter(|d| day_class(d.0) == w)
            .map(|d| d.1)
            .collect();
        if let Some(m) = median_of(of_day) {
            *factor = (m / all).clamp(BOUNDS.0, BOUNDS.1);
        }
    }
    factors
}

/// The factor of a day (a holiday's is Sunday's).
pub fn factor_of(factors: &[f64; 7], day: NaiveDate) -> f64 {
    factors[day_class(day)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn weekends_get_their_own_level_and_a_quiet_series_none() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let days: Vec<(NaiveDate, f64)> = (0..28)
            .map(|i| {
                let d = monday + chrono::Duration::days(i);
                let v = if d.weekday().num_days_from_monday() >= 5 {
                    60.0
                } else {
                    100.0
                };
                // One spike on a Wednesday: the rhythm does not move.
                (d, if i == 9 { 900.0 } else { v })
            })
            .collect();
        let f = weekday_factors(&days);
        assert_eq!(f[0], 1.0);
        assert_eq!(f[2], 1.0, "the spike does not move Wednesday");
        assert!(
            (f[5] - 0.6).abs() < 1e-9 && (f[6] - 0.6).abs() < 1e-9,
            "{f:?}"
        );
        let quiet: Vec<(NaiveDate, f64)> = days.iter().map(|d| (d.0, d.1 / 20.0)).collect();
        assert_eq!(weekday_factors(&quiet), [1.0; 7]);
        assert_eq!(weekday_factors(&[]), [1.0; 7]);
    }
}
