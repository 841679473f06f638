//! Rollups (issue 18, "Speed"): what the write path and the scan fold add
//! to the day-by-day statistics tables, so that an indicator over any
//! period reads a few rows per day instead of the raw records.
//!
//! A rollup row is a *measure* on a day (Asia/Shanghai) at a place (the
//! enterprise, product, region and category it belongs to) with a detail
//! (a status, a trace level and scheme, or for distinct codes the day the
//! code was last scanned before) and a value that is summed. Stock
//! measures (batches, recalls, feedback by status) are kept as changes:
//! +1 when a record enters a status, −1 when it leaves, so the stock at a
//! day's end is the sum of the changes up to it.
//!
//! Distinct codes scanned over an arbitrary period is not a sum of daily
//! counts. Each (code, day scanned) is kept with the code's previous scan
//! day as its detail: the codes scanned in [F, T] are exactly the
//! (code, day) rows with day in [F, T] whose previous day is before F (or
//! none), because only a code's first scan day inside the period has its
//! previous one outside it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::scan::AlertKind;
use crate::verification::china_date;
use crate::RecordKind;

/// What a rollup row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Public scans (flow).
    Scans,
    /// A code's first scan on a day; detail: its previous scan day or "".
    CodeDays,
    AlertsCounterfeit,
    AlertsDiversion,
    /// Batches by status (stock changes); detail: the status.
    Batches,
    /// Codes of batches activated (flow); detail: `level/scheme`.
    CodesIssued,
    /// Recalls by status (stock changes).
    Recalls,
    /// Feedback by status (stock changes).
    Feedback,
}

impl Measure {
    pub const ALL: [Measure; 8] = [
        Measure::Scans,
        Measure::CodeDays,
        Measure::AlertsCounterfeit,
        Measure::AlertsDiversion,
        Measure::Batches,
        Measure::CodesIssued,
        Measure::Recalls,
        Measure::Feedback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Scans => "scans",
            Measure::CodeDays => "code_days",
            Measure::AlertsCounterfeit => "alerts_counterfeit",
            Measure::AlertsDiversion => "alerts_diversion",
            Measure::Batches => "batches",
            Measure::CodesIssued => "codes_issued",
            Measure::Recalls => "recalls",
            Measure::Feedback => "feedback",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Kept as changes of a stock (summed from the first day), not as a
    /// flow (summed over the period).
    pub fn is_stock(self) -> bool {
        matches!(
            self,
            Measure::Batches | Measure::Recalls | Measure::Feedback
        )
    }

    /// The alerts counted: too many scans and impossible travel are
    /// suspected counterfeits; guessing (someone trying codes) is neither.
    pub fn of_alert(kind: AlertKind) -> Option<Measure> {
        match kind {
            AlertKind::TooManyScans | AlertKind::ImpossibleTravel => {
                Some(Measure::AlertsCounterfeit)
            }
            AlertKind::Diversion => Some(Measure::AlertsDiversion),
            AlertKind::Guessing => None,
        }
    }

    /// The stock measure a record kind's status changes feed.
    pub fn of_kind(kind: RecordKind) -> Option<Measure> {
        match kind {
            RecordKind::Batch => Some(Measure::Batches),
            RecordKind::Recall => Some(Measure::Recalls),
            RecordKind::Feedback => Some(Measure::Feedback),
            _ => None,
        }
    }
}

/// Where a rollup row belongs: an enterprise's product (0 for none, as for
/// a scan of an unknown code), and the region and category it was
/// overseen in when the row was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub enterprise_id: i64,
    pub product_id: i64,
    pub region_code: String,
    pub category: String,
}

/// One change to a rollup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatDelta {
    pub measure: Measure,
    pub day: NaiveDate,
    pub place: Place,
    pub detail: String,
    pub value: i64,
}

/// Adds up deltas with the same key and drops those that cancel, in a
/// stable order (so two writers upsert rows in the same order).
pub fn merge(deltas: Vec<StatDelta>) -> Vec<StatDelta> {
    let mut sums: BTreeMap<(Measure, NaiveDate, Place, String), i64> = BTreeMap::new();
    for d in deltas {
        *sums
            .entry((d.measure, d.day, d.place, d.detail))
            .or_default() += d.value;
    }
    sums.into_iter()
        .filter(|(_, v)| *v != 0)
        .map(|((measure, day, place, detail), value)| StatDelta {
            measure,
            day,
            place,
            detail,
            value,
        })
        .collect()
}

/// A row of the by-product rollup: (measure, day, enterprise, product,
/// detail) and the value to add.
pub type ProductKey = (Measure, NaiveDate, i64, i64, String);
/// A row of the by-region rollup: (measure, day, region, category, detail).
pub type RegionKey = (Measure, NaiveDate, String, String, String);
/// Each table's rows and the values to add to them.
pub type PerTable = (Vec<(ProductKey, i64)>, Vec<(RegionKey, i64)>);

/// The deltas summed per row of each rollup table (several products share
/// a region's row; one statement must not name a row twice), in key
/// order, zeros dropped.
pub fn per_table(deltas: &[StatDelta]) -> PerTable {
    let mut products: BTreeMap<ProductKey, i64> = BTreeMap::new();
    let mut regions: BTreeMap<RegionKey, i64> = BTreeMap::new();
    for d in deltas {
        let p = &d.place;
        *products
            .entry((
                d.measure,
                d.day,
                p.enterprise_id,
                p.product_id,
                d.detail.clone(),
            ))
            .or_default() += d.value;
        *regions
            .entry((
                d.measure,
                d.day,
                p.region_code.clone(),
                p.category.clone(),
                d.detail.clone(),
            ))
            .or_default() += d.value;
    }
    (
        products.into_iter().filter(|(_, v)| *v != 0).collect(),
        regions.into_iter().filter(|(_, v)| *v != 0).collect(),
    )
}

/// A stored scan as the statistics fold reads it, in the log's order.
#[derive(Debug, Clone)]
pub struct ScanRow {
    pub code: String,
    /// RFC 3339 (UTC).
    pub at: String,
    pub place: Place,
}

/// The rollup changes of scans read in log order, given each code's last
/// counted scan day before them; also each code's new last day. A scan on
/// the code's last counted day adds no code-day; nor does one replayed
/// from before it (a journal replay of an older scan), since whether that
/// day was counted is not kept.
pub fn scan_deltas(
    scans: &[ScanRow],
    last_day: &HashMap<String, NaiveDate>,
) -> (Vec<StatDelta>, HashMap<String, NaiveDate>) {
    let mut deltas = Vec::with_capacity(scans.len());
    let mut last: HashMap<String, NaiveDate> = HashMap::new();
    for scan in scans {
        let Some(day) = china_date(&scan.at) else {
            continue;
        };
        deltas.push(StatDelta {
            measure: Measure::Scans,
            day,
            place: scan.place.clone(),
            detail: String::new(),
            value: 1,
        });
        let before = last
            .get(&scan.code)
            .or_else(|| last_day.get(&scan.code))
            .copied();
        if before.is_some_and(|b| b >= day) {
            continue;
        }
        deltas.push(StatDelta {
            measure: Measure::CodeDays,
            day,
            place: scan.place.clone(),
            detail: before.map(|b| b.to_string()).unwrap_or_default(),
            value: 1,
        });
        last.insert(scan.code.clone(), day);
    }
    (merge(deltas), last)
}

/// A record's state as the rollups see it: its status (the record's tag)
/// and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facet {
    pub tag: String,
    pub place: Place,
}

/// The codes a batch issues when it is activated (`codes_issued`): its
/// quantity for item-level codes (一物一码, 组合多码), else the one code
/// its items carry; the detail names the product's trace level and scheme.
pub fn codes_issued(product: &serde_json::Value, batch: &serde_json::Value) -> (String, i64) {
    let level = product["trace_level"].as_str().unwrap_or("");
    let scheme = product["code_scheme"].as_str().unwrap_or("");
    let n = match level {
        "per-item" | "multi-code" => batch["quantity"].as_i64().unwrap_or(0),
        _ => 1,
    };
    (format!("{level}/{scheme}"), n)
}

/// The rollup changes of a record written on `day`: it leaves its old
/// status and place and enters the new ones; a batch entering `active`
/// from anything but `frozen` (an unfreeze issues nothing) issues
/// `codes` (see [`codes_issued`]).
pub fn record_deltas(
    kind: RecordKind,
    before: Option<&Facet>,
    after: &Facet,
    day: NaiveDate,
    codes: Option<(String, i64)>,
) -> Vec<StatDelta> {
    let Some(measure) = Measure::of_kind(kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if before != Some(after) {
        if let Some(b) = before {
            out.push(StatDelta {
                measure,
                day,
                place: b.place.clone(),
                detail: b.tag.clone(),
                value: -1,
            });
        }
        out.push(StatDelta {
            measure,
            day,
            place: after.place.clone(),
            detail: after.tag.clone(),
            value: 1,
        });
    }
    let was = before.map(|b| b.tag.as_str());
    if kind == RecordKind::Batch
        && after.tag == "active"
        && !matches!(was, Some("active" | "frozen"))
    {
        if let Some((detail, n)) = codes {
            out.push(StatDelta {
                measure: Measure::CodesIssued,
                day,
                place: after.place.clone(),
                detail,
                value: n,
            });
        }
    }
    merge(out)
}

/// The stock changes that move what a place holds to another place on
/// `day` (an enterprise moved region, a product changed category): what
/// `held` sums to leaves `from` and enters `to`.
pub fn move_stock(
    held: &[(Measure, i64, String, i64)],
    day: NaiveDate,
    from: impl Fn(i64) -> Place,
    to: impl Fn(i64) -> Place,
) -> Vec<StatDelta> {
    let mut out = Vec::new();
    for (measure, product_id, detail, value) in held {
        if !measure.is_stock() || *value == 0 {
            continue;
        }
        out.push(StatDelta {
            measure: *measure,
            day,
            place: from(*product_id),
            detail: detail.clone(),
            value: -value,
        });
        out.push(StatDelta {
            measure: *measure,
            day,
            place: to(*product_id),
            detail: detail.clone(),
            value: *value,
        });
    }
    merge(out)
}

/// The day of a stored time in Asia/Shanghai.
pub fn day_of(at: &str) -> Option<NaiveDate> {
    china_date(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(p: i64) -> Place {
        Place {
            enterprise_id: 1,
            product_id: p,
            region_code: "440305".into(),
            category: "wire".into(),
        }
    }

    fn scan(code: &str, at: &str) -> ScanRow {
        ScanRow {
            code: code.into(),
            at: at.into(),
            place: place(7),
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_scan_counts_on_its_day_in_beijing_time() {
        // 23:30 UTC on the 1st is 07:30 on the 2nd in Beijing.
        let (deltas, last) = scan_deltas(&[scan("c", "2026-11-01T23:30:00Z")], &HashMap::new());
        assert!(
            deltas.iter().all(|x| x.day == d("2026-11-02")),
            "{deltas:?}"
        );
        assert_eq!(last["c"], d("2026-11-02"));
    }

    #[test]
    fn a_code_day_names_the_codes_previous_scan_day() {
        let stored = HashMap::from([("c".to_string(), d("2026-10-20"))]);
        let scans = [
            scan("c", "2026-11-01T02:00:00Z"),
            scan("c", "2026-11-01T03:00:00Z"),
            scan("c", "2026-11-03T03:00:00Z"),
            scan("n", "2026-11-03T04:00:00Z"),
        ];
        let (deltas, last) = scan_deltas(&scans, &stored);
        let days: Vec<(NaiveDate, &str, i64)> = deltas
            .iter()
            .filter(|x| x.measure == Measure::CodeDays)
            .map(|x| (x.day, x.detail.as_str(), x.value))
            .collect();
        assert_eq!(
            days,
            vec![
                (d("2026-11-01"), "2026-10-20", 1),
                (d("2026-11-03"), "", 1),
                (d("2026-11-03"), "2026-11-01", 1),
            ]
        );
        let scans_on: i64 = deltas
            .iter()
            .filter(|x| x.measure == Measure::Scans && x.day == d("2026-11-01"))
            .map(|x| x.value)
            .sum();
        assert_eq!(scans_on, 2);
        assert_eq!(last["c"], d("2026-11-03"));
    }

    #[test]
    fn a_replayed_older_scan_adds_no_code_day() {
        let stored = HashMap::from([("c".to_string(), d("2026-11-05"))]);
        let (deltas, last) = scan_deltas(&[scan("c", "2026-11-02T02:00:00Z")], &stored);
        assert!(deltas.iter().all(|x| x.measure == Measure::Scans));
        assert!(last.is_empty());
    }

    fn facet(tag: &str) -> Facet {
        Facet {
            tag: tag.into(),
            place: place(7),
        }
    }

    #[test]
    fn a_status_change_moves_one_batch_and_activation_issues_codes() {
        let day = d("2026-11-02");
        let codes = Some(("per-item/gs1".to_string(), 500));
        let filed = record_deltas(RecordKind::Batch, None, &facet("draft"), day, codes.clone());
        assert_eq!(filed.len(), 1);
        assert_eq!((filed[0].detail.as_str(), filed[0].value), ("draft", 1));

        let active = record_deltas(
            RecordKind::Batch,
            Some(&facet("approved")),
            &facet("active"),
            day,
            codes.clone(),
        );
        let issued: Vec<_> = active
            .iter()
            .filter(|x| x.measure == Measure::CodesIssued)
            .collect();
        assert_eq!(issued.len(), 1);
        assert_eq!(issued[0].value, 500);
        let moved: i64 = active
            .iter()
            .filter(|x| x.measure == Measure::Batches)
            .map(|x| x.value)
            .sum();
        assert_eq!(moved, 0, "one leaves approved, one enters active");

        // An unfreeze is not an issue of codes; an unchanged write is nothing.
        let unfrozen = record_deltas(
            RecordKind::Batch,
            Some(&facet("frozen")),
            &facet("active"),
            day,
            codes.clone(),
        );
        assert!(unfrozen.iter().all(|x| x.measure == Measure::Batches));
        assert!(record_deltas(
            RecordKind::Batch,
            Some(&facet("active")),
            &facet("active"),
            day,
            codes
        )
        .is_empty());
        assert!(record_deltas(RecordKind::Product, None, &facet("wire"), day, None).is_empty());
    }

    #[test]
    fn codes_issued_follow_the_trace_level() {
        let batch = serde_json::json!({"quantity": 120});
        let item = serde_json::json!({"trace_level": "per-item", "code_scheme": "gs1"});
        let per_batch = serde_json::json!({"trace_level": "per-batch", "code_scheme": "ecode"});
        assert_eq!(codes_issued(&item, &batch), ("per-item/gs1".into(), 120));
        assert_eq!(
            codes_issued(&per_batch, &batch),
            ("per-batch/ecode".into(), 1)
        );
    }

    #[test]
    fn each_table_gets_one_row_per_key() {
        let day = d("2026-11-02");
        let scan = |product: i64| StatDelta {
            measure: Measure::Scans,
            day,
            place: place(product),
            detail: String::new(),
            value: 1,
        };
        let (products, regions) = per_table(&[scan(7), scan(8), scan(7)]);
        assert_eq!(products.len(), 2);
        assert_eq!(products[0].1, 2);
        assert_eq!(regions.len(), 1, "two products, one region and category");
        assert_eq!(regions[0].1, 3);
    }

    #[test]
    fn moving_stock_takes_it_from_one_place_to_the_other() {
        let held = [
            (Measure::Batches, 7, "active".to_string(), 3),
            (Measure::Scans, 7, String::new(), 99),
        ];
        let from = |p| place(p);
        let to = |p| Place {
            region_code: "110101".into(),
            ..place(p)
        };
        let moved = move_stock(&held, d("2026-11-02"), from, to);
        assert_eq!(moved.len(), 2, "flows stay where they happened: {moved:?}");
        assert_eq!(moved.iter().map(|x| x.value).sum::<i64>(), 0);
    }
}
