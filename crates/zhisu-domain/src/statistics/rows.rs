//! Rollup rows indexed for sums over days (issue 18.6): a flow over a
//! period, a stock at a day's end, a measure by its detail, and the
//! distinct codes scanned — what `compute.rs` makes each figure of.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::compute::{rate, MeasureRow};
use super::period::Period;
use super::rollup::Measure;

/// Rows indexed for sums over days.
pub struct Rows {
    by: BTreeMap<(Measure, NaiveDate, String), i64>,
}

impl Rows {
    pub fn new(rows: impl IntoIterator<Item = MeasureRow>) -> Rows {
        let mut by = BTreeMap::new();
        for r in rows {
            *by.entry((r.measure, r.day, r.detail)).or_default() += r.value;
        }
        Rows { by }
    }

    /// The grouped rows of a read by group (a region, a category), each
    /// group's rows indexed.
    pub fn grouped(rows: impl IntoIterator<Item = (String, MeasureRow)>) -> BTreeMap<String, Rows> {
        let mut by_group: BTreeMap<String, Vec<MeasureRow>> = BTreeMap::new();
        for (group, row) in rows {
            by_group.entry(group).or_default().push(row);
        }
        by_group
            .into_iter()
            .map(|(group, rows)| (group, Rows::new(rows)))
            .collect()
    }

    /// A measure's rows from `from` (the first day when None) to `to`:
    /// (day, detail, value).
    fn span(
        &self,
        measure: Measure,
        from: Option<NaiveDate>,
        to: NaiveDate,
    ) -> impl Iterator<Item = (NaiveDate, &str, i64)> {
        let lo = (measure, from.unwrap_or(NaiveDate::MIN), String::new());
        self.by
            .range(lo..)
            .take_while(move |((m, day, _), _)| *m == measure && *day <= to)
            .map(|((_, day, detail), v)| (*day, detail.as_str(), *v))
    }

    pub(crate) fn sum(
        &self,
        measure: Measure,
        from: Option<NaiveDate>,
        to: NaiveDate,
        keep: impl Fn(&str) -> bool,
    ) -> i64 {
        self.span(measure, from, to)
            .filter(|(_, detail, _)| keep(detail))
            .map(|(_, _, v)| v)
            .sum()
    }

    /// A measure's value per detail: a stock's as at the period's end, a
    /// flow's summed over the period; zeros left out.
    pub fn per_detail(&self, measure: Measure, p: &Period) -> BTreeMap<String, i64> {
        let from = (!measure.is_stock()).then_some(p.from);
        let mut out: BTreeMap<String, i64> = BTreeMap::new();
        for (_, detail, v) in self.span(measure, from, p.to) {
            *out.entry(detail.to_string()).or_default() += v;
        }
        out.retain(|_, v| *v != 0);
        out
    }

    pub(crate) fn flow(&self, measure: Measure, p: &Period) -> i64 {
        self.sum(measure, Some(p.from), p.to, |_| true)
    }

    pub(crate) fn stock(&self, measure: Measure, status: &str, at: NaiveDate) -> i64 {
        self.sum(measure, None, at, |d| d == status)
    }

    /// How many of a flow's period rows hold each whole number of its
    /// detail (hours, days).
    pub(crate) fn detail_counts(&self, measure: Measure, p: &Period) -> BTreeMap<i64, i64> {
        let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
        for (_, detail, n) in self.span(measure, Some(p.from), p.to) {
            if let Ok(x) = detail.parse::<i64>() {
                *counts.entry(x).or_default() += n;
            }
        }
        counts
    }

    /// The mean of a flow's whole-number detail over the period; None
    /// when empty.
    pub(crate) fn mean_detail(&self, measure: Measure, p: &Period) -> Option<f64> {
        let counts = self.detail_counts(measure, p);
        let total: i64 = counts.values().sum();
        let sum: i64 = counts.iter().map(|(x, n)| x * n).sum();
        rate(sum, total, 1.0)
    }

    /// The median of a flow whose detail is a whole number (hours), each
    /// row counting `value` times, over the period; None when empty.
    pub(crate) fn median_detail(&self, measure: Measure, p: &Period) -> Option<f64> {
        let counts = self.detail_counts(measure, p);
        let total: i64 = counts.values().filter(|n| **n > 0).sum();
        if total == 0 {
            return None;
        }
        // The (total+1)/2-th and (total+2)/2-th values, averaged.
        let nth = |k: i64| {
            let mut seen = 0;
            counts
                .iter()
                .find(|(_, n)| {
                    seen += **n;
                    seen >= k
                })
                .map(|(x, _)| *x as f64)
        };
        Some((nth((total + 1) / 2)? + nth(total / 2 + 1)?) / 2.0)
    }

    /// Distinct codes scanned in the period: each code's first scan day in
    /// it is the one whose previous scan day is before it. From the exact
    /// previous days when they were read (`compute::measures_for`), else from the
    /// capped gaps: a code-day on `d` with gap `g` counts when g > d − F
    /// ("" is a gap longer than the cap, or none).
    pub(crate) fn codes_scanned(&self, p: &Period) -> i64 {
        if self
            .span(Measure::CodeDays, None, NaiveDate::MAX)
            .next()
            .is_some()
        {
            let from = p.from.to_string();
            return self.sum(Measure::CodeDays, Some(p.from), p.to, |prev| {
                prev.is_empty() || prev < from.as_str()
            });
        }
        // (A period longer than the gaps keep reads the exact days — when
        // none are there, nothing was scanned and the gaps are empty too.)
        self.span(Measure::CodeGaps, Some(p.from), p.to)
            .filter(|(day, gap, _)| {
                gap.is_empty()
                    || gap
                        .parse::<i64>()
                        .is_ok_and(|g| g > (*day - p.from).num_days())
            })
            .map(|(_, _, v)| v)
            .sum()
    }
}
