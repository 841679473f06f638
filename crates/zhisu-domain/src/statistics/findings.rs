//! Open verification findings as a rollup stock (issue 18.1, V5): a
//! finding is opened, seen again, moved to another axis or class, and
//! resolved by statements that touch many at once (a sweep's upsert and
//! resolve), so the store counts the open findings of what it touched by
//! group before and after, and the change between the two counts is what
//! the rollup adds on the day. Exact for any past period, where reading
//! the findings table is not: a finding opened again overwrites the time
//! it was first opened.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::rollup::{Measure, Place, StatDelta};

/// What open findings are counted by: where the finding was made and
/// how the rule judged it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingGroup {
    pub enterprise_id: i64,
    pub region_code: String,
    pub axis: String,
    /// The result class the rule proposes (not a reviewer's decision).
    pub class: String,
}

/// Open findings by group.
pub type OpenCounts = BTreeMap<FindingGroup, i64>;

/// A finding's detail in the rollup: `axis/class`, split again by
/// `composition::part_of`.
pub fn detail(axis: &str, class: &str) -> String {
    format!("{axis}/{class}")
}

/// The rollup changes that take the open findings from `before` to
/// `after` on `day`: one per group whose count moved, none for the rest.
pub fn change(before: &OpenCounts, after: &OpenCounts, day: NaiveDate) -> Vec<StatDelta> {
    let mut moved: BTreeMap<&FindingGroup, i64> = BTreeMap::new();
    for (group, n) in before {
        *moved.entry(group).or_default() -= n;
    }
    for (group, n) in after {
        *moved.entry(group).or_default() += n;
    }
    moved
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|(g, value)| StatDelta {
            measure: Measure::Findings,
            day,
            place: Place {
                enterprise_id: g.enterprise_id,
                region_code: g.region_code.clone(),
                category: String::new(),
            },
            detail: detail(&g.axis, &g.class),
            value,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::composition::{parts_from_detail, Part};
    use crate::statistics::compute::{self, MeasureRow, Rows};
    use crate::statistics::period::Period;
    use crate::statistics::{Breakdown, Indicator};

    fn group(enterprise_id: i64, axis: &str, class: &str) -> FindingGroup {
        FindingGroup {
            enterprise_id,
            region_code: "440305".into(),
            axis: axis.into(),
            class: class.into(),
        }
    }

    fn counts(of: &[(FindingGroup, i64)]) -> OpenCounts {
        of.iter().cloned().collect()
    }

    #[test]
    fn only_the_groups_that_moved_change() {
        let day: NaiveDate = "2026-11-05".parse().unwrap();
        let before = counts(&[
            (group(1, "completeness", "minor"), 3),
            (group(1, "authenticity", "serious"), 1),
            (group(2, "accuracy", "minor"), 2),
        ]);
        // One completeness finding resolved, the authenticity one moved to
        // another class, enterprise 2's untouched, a timeliness one opened.
        let after = counts(&[
            (group(1, "completeness", "minor"), 2),
            (group(1, "authenticity", "non-compliant"), 1),
            (group(2, "accuracy", "minor"), 2),
            (group(2, "timeliness", "minor"), 1),
        ]);
        let got: Vec<(i64, String, i64)> = change(&before, &after, day)
            .into_iter()
            .map(|d| {
                assert_eq!(d.measure, Measure::Findings);
                assert_eq!(d.day, day);
                (d.place.enterprise_id, d.detail, d.value)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "authenticity/non-compliant".to_string(), 1),
                (1, "authenticity/serious".to_string(), -1),
                (1, "completeness/minor".to_string(), -1),
                (2, "timeliness/minor".to_string(), 1),
            ]
        );
        assert!(change(&after, &after, day).is_empty());
    }

    #[test]
    fn open_findings_are_the_stock_at_the_end_by_axis_and_by_class() {
        let row = |day: &str, d: &str, value| MeasureRow {
            measure: Measure::Findings,
            day: day.parse().unwrap(),
            detail: d.into(),
            value,
        };
        let rows = Rows::new([
            row("2026-10-20", "completeness/minor", 4),
            row("2026-11-03", "completeness/minor", -1),
            row("2026-11-04", "authenticity/serious", 2),
            row("2026-12-01", "authenticity/serious", -2),
        ]);
        let nov =
            Period::new("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap()).unwrap();
        assert_eq!(
            compute::value(Indicator::FindingsOpen, &rows, &nov),
            Some(5.0)
        );
        let parts = |by| -> Vec<(String, Option<f64>)> {
            parts_from_detail(&rows, Measure::Findings, by, &nov)
                .into_iter()
                .map(
                    |Part {
                         label_zh, value, ..
                     }| (label_zh, value),
                )
                .collect()
        };
        assert_eq!(
            parts(Breakdown::Axis),
            vec![
                ("完整性".to_string(), Some(3.0)),
                ("真实性".to_string(), Some(2.0))
            ]
        );
        assert_eq!(
            parts(Breakdown::Class),
            vec![
                ("基本合格".to_string(), Some(3.0)),
                ("严重不合格".to_string(), Some(2.0))
            ]
        );
    }
}
