//! Market research from the trace data (P6.7, issue 18.2): where a
//! seller's goods went — quantities sold by the buyer's province and by
//! buyer (the distributor channel) —, the diversion alerts raised on
//! goods shipped to each distributor, and where the public scanned them
//! (by the province the scan's client named), over a period and the one before,
//! from the rollup rows of sales and diversion alerts (`rollup.rs`: a
//! sale's detail names the buyer's region and ID, a diversion alert's the
//! distributor).

use std::collections::BTreeMap;

use super::compute::MeasureRow;
use super::period::Period;
use super::rollup::Measure;

/// A figure in the period and the one before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pair {
    pub now: i64,
    pub before: i64,
}

/// The market figures of a reader's sales.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Market {
    /// Quantities sold, by the buyer's province (two digits; "" for buyers
    /// off the platform, whose region is not known).
    pub by_province: BTreeMap<String, Pair>,
    /// Quantities sold, by buyer (None: off the platform); read for one
    /// enterprise's sales only (the rollup by buyer is per enterprise).
    pub by_buyer: BTreeMap<Option<i64>, Pair>,
    /// Diversion alerts by the distributor the goods were shipped to.
    pub diversion_by_distributor: BTreeMap<i64, Pair>,
    /// Everything sold.
    pub sold: Pair,
    /// Public scans of the reader's products by the province their client
    /// named (two digits; "" for scans that named none).
    pub scans_by_province: BTreeMap<String, Pair>,
}

/// The market figures of `rows` (sales and diversion alerts over both
/// periods, summed over the places the reader sees).
pub fn market(rows: &[MeasureRow], period: &Period, previous: &Period) -> Market {
    let mut out = Market::default();
    for row in rows {
        let now = period.contains(row.day);
        if !now && !previous.contains(row.day) {
            continue;
        }
        let slot = |pair: &mut Pair| {
            if now {
                pair.now += row.value;
            } else {
                pair.before += row.value;
            }
        };
        match row.measure {
            Measure::Sales => {
                slot(out.by_province.entry(row.detail.clone()).or_default());
                slot(&mut out.sold);
            }
            Measure::SalesByBuyer => {
                slot(out.by_buyer.entry(row.detail.parse().ok()).or_default());
            }
            Measure::Scans => {
                slot(out.scans_by_province.entry(row.detail.clone()).or_default());
            }
            Measure::AlertsDiversion => {
                if let Ok(distributor) = row.detail.parse::<i64>() {
                    slot(out.diversion_by_distributor.entry(distributor).or_default());
                }
            }
            _ => {}
        }
    }
    out
}

/// The measures [`market`] reads.
pub const MEASURES: [Measure; 4] = [
    Measure::Sales,
    Measure::SalesByBuyer,
    Measure::AlertsDiversion,
    Measure::Scans,
];

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn row(measure: Measure, day: &str, detail: &str, value: i64) -> MeasureRow {
        MeasureRow {
            measure,
            day: d(day),
            detail: detail.into(),
            value,
        }
    }

    #[test]
    fn sales_go_by_the_buyers_province_and_buyer_and_diversion_by_distributor() {
        let nov = Period::new(d("2026-11-01"), d("2026-11-30")).unwrap();
        let oct = nov.previous();
        let rows = [
            row(Measure::Sales, "2026-11-02", "44", 45),
            row(Measure::Sales, "2026-10-09", "44", 7),
            row(Measure::Sales, "2026-11-10", "", 3),
            row(Measure::Sales, "2026-09-10", "33", 99),
            row(Measure::SalesByBuyer, "2026-11-02", "17", 40),
            row(Measure::SalesByBuyer, "2026-11-09", "18", 5),
            row(Measure::SalesByBuyer, "2026-10-09", "17", 7),
            row(Measure::SalesByBuyer, "2026-11-10", "", 3),
            row(Measure::AlertsDiversion, "2026-11-12", "17", 2),
            row(Measure::AlertsDiversion, "2026-11-12", "", 4),
            row(Measure::Scans, "2026-11-12", "", 50),
            row(Measure::Scans, "2026-11-13", "44", 20),
            row(Measure::Scans, "2026-10-13", "44", 5),
            row(Measure::Scans, "2026-10-13", "33", 1),
        ];
        let m = market(&rows, &nov, &oct);
        assert_eq!(m.sold, Pair { now: 48, before: 7 });
        assert_eq!(m.by_province["44"], Pair { now: 45, before: 7 });
        assert_eq!(m.by_province[""], Pair { now: 3, before: 0 });
        assert!(!m.by_province.contains_key("33"), "outside both periods");
        assert_eq!(m.by_buyer[&Some(17)], Pair { now: 40, before: 7 });
        assert_eq!(m.by_buyer[&None].now, 3);
        // An alert of old, before distributors were kept, names none.
        assert_eq!(m.diversion_by_distributor.len(), 1);
        assert_eq!(m.diversion_by_distributor[&17].now, 2);
        // Scans where their client said it was; the rest in no province.
        assert_eq!(m.scans_by_province["44"], Pair { now: 20, before: 5 });
        assert_eq!(m.scans_by_province["33"], Pair { now: 0, before: 1 });
        assert_eq!(m.scans_by_province[""], Pair { now: 50, before: 0 });
        assert_eq!(m.sold, Pair { now: 48, before: 7 }, "scans are not sales");
    }
}
