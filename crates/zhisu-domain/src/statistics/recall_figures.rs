//! A recall's figures as a rollup stock (issue 18.1, P6.4): how much of
//! the recalled goods the producer delivered, how much came back to it, and
//! how many holders on the platform were told — what the recall's trace
//! counts from the flow records. The rollup holds each open recall's
//! figures as they were last kept; when a flow touches its goods, or it
//! opens or closes, the service counts them again and the rollup takes
//! the difference, on that day. So the share returned "at the period's
//! end" is what the records said then, for any past period, without
//! tracing every open recall on each request.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::rollup::{Measure, Place, StatDelta};

/// One open recall's figures, as its trace counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecallFigures {
    /// Items of the recalled goods the producer sold or sent on: what
    /// is to come back.
    pub delivered: i64,
    /// Items returned to the producer.
    pub returned: i64,
    /// Holders on the platform told of the recall.
    pub holders: i64,
}

/// The details the rollup keeps them under.
pub const DELIVERED: &str = "delivered";
pub const RETURNED: &str = "returned";
pub const HOLDERS: &str = "holders";

impl RecallFigures {
    fn details(&self) -> [(&'static str, i64); 3] {
        [
            (DELIVERED, self.delivered),
            (RETURNED, self.returned),
            (HOLDERS, self.holders),
        ]
    }
}

/// The rollup changes that take a recall from the figures `kept` (where
/// they were kept; None: none yet) to those it has `now` (None: no longer
/// open, so it counts nothing), on `day`. A recall whose place changed
/// (its producer moved, its product changed category) leaves the old
/// place and counts at the new one.
pub fn change(
    kept: Option<(&Place, &RecallFigures)>,
    now: Option<(&Place, &RecallFigures)>,
    day: NaiveDate,
) -> Vec<StatDelta> {
    let mut moved: BTreeMap<(i64, String, String, &'static str), i64> = BTreeMap::new();
    for (side, sign) in [(kept, -1), (now, 1)] {
        let Some((place, figures)) = side else {
            continue;
        };
        for (detail, n) in figures.details() {
            *moved
                .entry((
                    place.enterprise_id,
                    place.region_code.clone(),
                    place.category.clone(),
                    detail,
                ))
                .or_default() += sign * n;
        }
    }
    moved
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(
            |((enterprise_id, region_code, category, detail), value)| StatDelta {
                measure: Measure::RecallFigures,
                day,
                place: Place {
                    enterprise_id,
                    region_code,
                    category,
                },
                detail: detail.to_string(),
                value,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::compute::{self, MeasureRow, Rows};
    use crate::statistics::period::Period;
    use crate::statistics::Indicator;

    fn place(region: &str) -> Place {
        Place {
            enterprise_id: 7,
            region_code: region.into(),
            category: "wire-cable".into(),
        }
    }

    fn figures(delivered: i64, returned: i64, holders: i64) -> RecallFigures {
        RecallFigures {
            delivered,
            returned,
            holders,
        }
    }

    fn rows(deltas: &[StatDelta]) -> Vec<MeasureRow> {
        deltas
            .iter()
            .map(|d| MeasureRow {
                measure: d.measure,
                day: d.day,
                detail: d.detail.clone(),
                value: d.value,
            })
            .collect()
    }

    #[test]
    fn a_recall_counts_its_figures_while_open_and_nothing_after() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let here = place("440305");
        let opened = figures(100, 0, 3);
        let returned = figures(120, 30, 4);
        let mut all = change(None, Some((&here, &opened)), d("2026-11-02"));
        let later = change(
            Some((&here, &opened)),
            Some((&here, &returned)),
            d("2026-11-10"),
        );
        // Only what moved: 20 more delivered, 30 back, one more holder.
        assert_eq!(
            later
                .iter()
                .map(|x| (x.detail.as_str(), x.value))
                .collect::<Vec<_>>(),
            vec![(DELIVERED, 20), (HOLDERS, 1), (RETURNED, 30)]
        );
        all.extend(later);
        all.extend(change(Some((&here, &returned)), None, d("2026-12-01")));
        let rows = Rows::new(rows(&all));
        let at = |to: &str| Period::new(d("2026-10-01"), d(to)).unwrap();
        let share = |to| compute::value(Indicator::RecallReturnedShare, &rows, &at(to));
        let holders = |to| compute::value(Indicator::RecallHoldersReached, &rows, &at(to));
        assert_eq!(share("2026-11-05"), Some(0.0));
        assert_eq!(holders("2026-11-05"), Some(3.0));
        assert_eq!(share("2026-11-30"), Some(0.25));
        assert_eq!(holders("2026-11-30"), Some(4.0));
        // Closed: no recall open, nothing to divide by, no holders.
        assert_eq!(share("2026-12-01"), None);
        assert_eq!(holders("2026-12-01"), Some(0.0));
        assert_eq!(share("2026-10-31"), None, "before it opened");
    }

    #[test]
    fn a_recall_that_moved_leaves_its_old_place() {
        let day: NaiveDate = "2026-11-10".parse().unwrap();
        let f = figures(10, 2, 1);
        let moved = change(
            Some((&place("440305"), &f)),
            Some((&place("330100"), &f)),
            day,
        );
        assert_eq!(moved.len(), 6, "{moved:?}");
        let sum = |region: &str| -> i64 {
            moved
                .iter()
                .filter(|x| x.place.region_code == region)
                .map(|x| x.value)
                .sum()
        };
        assert_eq!((sum("440305"), sum("330100")), (-13, 13));
        assert!(change(
            Some((&place("440305"), &f)),
            Some((&place("440305"), &f)),
            day
        )
        .is_empty());
    }
}
