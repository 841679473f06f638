//! Rollups (issue 18, "Speed"): what the write path and the scan fold add
//! to the day-by-day statistics tables, so that an indicator over any
//! period reads a few rows per day instead of the raw records.
//!
//! A rollup row is a *measure* on a day (Asia/Shanghai) at a place (the
//! enterprise, region and product category it belongs to) with a detail
//! (a status, a trace level and scheme, or for distinct codes the day the
//! code was last scanned before) and a value that is summed. Stock
//! measures (batches, recalls, feedback by status) are kept as changes:
//! +1 when a record enters a status, −1 when it leaves, so the stock at a
//! day's end is the sum of the changes up to it.
//!
//! Scans come with the fold of the codes' summaries (`fold_scans`): each
//! code's row there keeps its last counted day, so the fold that rewrites
//! the row anyway also says which of its days are new.
//!
//! Distinct codes scanned over an arbitrary period is not a sum of daily
//! counts. Each (code, day scanned) is kept with the code's previous scan
//! day as its detail: the codes scanned in [F, T] are exactly the
//! (code, day) rows with day in [F, T] whose previous day is before F (or
//! none), because only a code's first scan day inside the period has its
//! previous one outside it.

use std::collections::BTreeMap;

use chrono::NaiveDate;

pub use super::measure::Measure;
pub use super::sales::{sale_deltas, SaleLine};
use crate::verification::china_date;
use crate::RecordKind;

/// Where a rollup row belongs: an enterprise (0 for none, as for a scan
/// of an unknown code), and the region and product category it was
/// overseen in when the row was written. Not a product: a row per product
/// and day made the scan fold six times slower (docs/benchmarks.md), and
/// what a product holds now is read from its records when it moves.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub enterprise_id: i64,
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

/// A row of the by-enterprise rollup: (enterprise, measure, day,
/// category, detail), in the table's key order.
pub type EnterpriseKey = (i64, Measure, NaiveDate, String, String);
/// A row of the by-region rollup: (measure, day, region, category, detail).
pub type RegionKey = (Measure, NaiveDate, String, String, String);
/// Each table's rows and the values to add to them.
pub type PerTable = (Vec<(EnterpriseKey, i64)>, Vec<(RegionKey, i64)>);

/// The deltas summed per row of each rollup table (several enterprises
/// share a region's row; one statement must not name a row twice), in key
/// order, zeros dropped.
pub fn per_table(deltas: &[StatDelta]) -> PerTable {
    let mut enterprises: BTreeMap<EnterpriseKey, i64> = BTreeMap::new();
    let mut regions: BTreeMap<RegionKey, i64> = BTreeMap::new();
    for d in deltas {
        let p = &d.place;
        let detail = d.detail.clone();
        *enterprises
            .entry((
                p.enterprise_id,
                d.measure,
                d.day,
                p.category.clone(),
                detail.clone(),
            ))
            .or_default() += d.value;
        if d.measure.per_enterprise_only() {
            continue;
        }
        *regions
            .entry((
                d.measure,
                d.day,
                p.region_code.clone(),
                p.category.clone(),
                detail,
            ))
            .or_default() += d.value;
    }
    (
        enterprises.into_iter().filter(|(_, v)| *v != 0).collect(),
        regions.into_iter().filter(|(_, v)| *v != 0).collect(),
    )
}

/// The rollup changes of one code's scans in a fold (`days`: its scans
/// per day, in day order), given the code's last counted scan day before
/// them; returns its new last day. A day after the last adds a code-day
/// naming the day before it; a day on or before it (a replayed older scan)
/// adds scans only, since whether that day was counted is not kept.
/// Scans count by the province their client named (`provinces`: per day
/// and province, of those that named one; the rest under "").
pub fn code_deltas(
    place: &Place,
    days: &[(NaiveDate, u32)],
    provinces: &[(NaiveDate, String, u32)],
    last_day: Option<NaiveDate>,
    out: &mut Vec<StatDelta>,
) -> Option<NaiveDate> {
    let mut last = last_day;
    for (day, n) in days {
        let scans = |detail: String, value: i64| StatDelta {
            measure: Measure::Scans,
            day: *day,
            place: place.clone(),
            detail,
            value,
        };
        let mut unplaced = *n as i64;
        for (_, province, m) in provinces.iter().filter(|(d, _, _)| d == day) {
            unplaced -= *m as i64;
            out.push(scans(province.clone(), *m as i64));
        }
        if unplaced > 0 {
            out.push(scans(String::new(), unplaced));
        }
        if last.is_some_and(|l| l >= *day) {
            continue;
        }
        if last.is_none() {
            out.push(StatDelta {
                measure: Measure::FirstScans,
                day: *day,
                place: place.clone(),
                detail: String::new(),
                value: 1,
            });
        }
        out.push(StatDelta {
            measure: Measure::CodeDays,
            day: *day,
            place: place.clone(),
            detail: last.map(|l| l.to_string()).unwrap_or_default(),
            value: 1,
        });
        out.push(StatDelta {
            measure: Measure::CodeGaps,
            day: *day,
            place: place.clone(),
            detail: gap_detail(last, *day),
            value: 1,
        });
        last = Some(*day);
    }
    last
}

/// The longest gap between a code's scan days that `CodeGaps` keeps
/// exactly; longer ones are one detail.
pub const GAP_CAP: i64 = 31;

/// A code-day's detail in `CodeGaps`: the days since the code's previous
/// scan day, or "" when that is more than [`GAP_CAP`] days back or none.
pub fn gap_detail(previous: Option<NaiveDate>, day: NaiveDate) -> String {
    match previous.map(|p| (day - p).num_days()) {
        Some(gap) if gap <= GAP_CAP => gap.to_string(),
        _ => String::new(),
    }
}

/// Whether the distinct codes scanned over a period of `days` days can be
/// read from `CodeGaps`. A code-day on `d` counts in [F, T] when its
/// previous day is before F, that is when its gap exceeds d − F; d − F is
/// at most `days` − 1, so every gap over [`GAP_CAP`] counts as long as
/// `days` − 1 ≤ GAP_CAP.
pub fn gaps_suffice(days: i64) -> bool {
    days <= GAP_CAP + 1
}

/// A record's state as the rollups see it: its status (the record's tag)
/// and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facet {
    pub tag: String,
    pub place: Place,
}

/// A feedback's receipt: one on the day received, under its topic
/// (`topics::classify` of its message); nothing for a later version.
pub fn received_delta(
    before: Option<&Facet>,
    after: &Facet,
    day: NaiveDate,
    message: &str,
) -> Option<StatDelta> {
    before.is_none().then(|| StatDelta {
        measure: Measure::FeedbackTopics,
        day,
        place: after.place.clone(),
        detail: super::topics::classify(message).to_string(),
        value: 1,
    })
}

/// The deadlines a case's version missed: the escalations it added over
/// the version before (`escalations` in the case's body), under the class
/// the case had before them (V6-dispose: an unanswered case escalates the
/// day after its deadline).
pub fn escalation_delta(
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
    place: &Place,
    day: NaiveDate,
) -> Option<StatDelta> {
    let before = before?;
    let count = |b: &serde_json::Value| b["escalations"].as_i64().unwrap_or(0);
    let added = count(after) - count(before);
    (added > 0).then(|| StatDelta {
        measure: Measure::CasesEscalated,
        day,
        place: place.clone(),
        detail: before["class"].as_str().unwrap_or("").to_string(),
        value: added,
    })
}

/// A product's status as the rollups keep it: `paused` while its
/// reporting is paused (P5.3.3.2), else `filed`.
pub fn product_status(body: &serde_json::Value) -> &'static str {
    if body["paused"].as_bool() == Some(true) {
        "paused"
    } else {
        "filed"
    }
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

/// The codes a day's report (P5.3.3.3) adds to a batch that stays active:
/// its quantity's growth, counted as issued on the day it was reported.
/// `before_codes`: what the version before issued by [`codes_issued`].
pub fn codes_added(
    before: Option<&Facet>,
    after: &Facet,
    before_codes: Option<i64>,
    codes: Option<&(String, i64)>,
    day: NaiveDate,
) -> Option<StatDelta> {
    let (detail, now) = codes?;
    let added = now - before_codes?;
    (before?.tag == "active" && after.tag == "active" && added > 0).then(|| StatDelta {
        measure: Measure::CodesIssued,
        day,
        place: after.place.clone(),
        detail: detail.clone(),
        value: added,
    })
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
    out
}

/// The stock changes that move what records hold now from one place to
/// another on `day` (an enterprise moved region, a product changed
/// category): `held` is (measure, category, status, how many), counted
/// from the records themselves; `from` and `to` give the place of a
/// category.
pub fn move_stock(
    held: &[(Measure, String, String, i64)],
    day: NaiveDate,
    from: impl Fn(&str) -> Place,
    to: impl Fn(&str) -> Place,
) -> Vec<StatDelta> {
    let mut out = Vec::new();
    for (measure, category, detail, value) in held {
        if !measure.is_stock() || *value == 0 {
            continue;
        }
        out.push(StatDelta {
            measure: *measure,
            day,
            place: from(category),
            detail: detail.clone(),
            value: -value,
        });
        out.push(StatDelta {
            measure: *measure,
            day,
            place: to(category),
            detail: detail.clone(),
            value: *value,
        });
    }
    out
}

/// The whole hours from `sent` to `answered` (stored times), never below 0.
pub fn answer_hours(sent: &str, answered: &str) -> Option<i64> {
    let sent = chrono::DateTime::parse_from_rfc3339(sent).ok()?;
    let answered = chrono::DateTime::parse_from_rfc3339(answered).ok()?;
    Some((answered - sent).num_hours().max(0))
}

/// The rollup change of feedback answered for the first time (P7.2: it
/// leaves `open`): counted on `day` with the hours it waited. A second
/// answer, or a close after an answer, counts nothing.
pub fn answer_delta(
    before: Option<&Facet>,
    after: &Facet,
    day: NaiveDate,
    hours: Option<i64>,
) -> Option<StatDelta> {
    let first = before.is_some_and(|b| b.tag == "open") && after.tag != "open";
    first.then_some(())?;
    Some(StatDelta {
        measure: Measure::FeedbackAnswered,
        day,
        place: after.place.clone(),
        detail: hours?.to_string(),
        value: 1,
    })
}

/// The calendar days (Beijing time) from one stored time to another.
pub fn calendar_days(from: &str, to: &str) -> Option<i64> {
    Some((day_of(to)? - day_of(from)?).num_days().max(0))
}

/// The rollup change of a case closed (V6-dispose): counted on `day`
/// with the calendar days it stood open.
pub fn close_delta(
    before: Option<&Facet>,
    after: &Facet,
    day: NaiveDate,
    days: Option<i64>,
) -> Option<StatDelta> {
    let closing = before.is_some_and(|b| b.tag != "closed") && after.tag == "closed";
    closing.then_some(())?;
    Some(StatDelta {
        measure: Measure::CasesClosed,
        day,
        place: after.place.clone(),
        detail: days?.to_string(),
        value: 1,
    })
}

/// The detail of an alert's rollup: a diversion names the distributor the
/// goods were shipped to (P6.7: diversion by distributor), others nothing.
pub fn alert_detail(distributor: Option<i64>) -> String {
    distributor.map(|d| d.to_string()).unwrap_or_default()
}

/// The day of a stored time in Asia/Shanghai.
pub fn day_of(at: &str) -> Option<NaiveDate> {
    china_date(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::AlertKind;

    #[test]
    fn scans_count_by_the_province_their_client_named_and_the_rest_by_none() {
        let mut out = Vec::new();
        let day = d("2026-11-03");
        let named = [(day, "44".to_string(), 3), (day, "33".to_string(), 1)];
        code_deltas(&place(7), &[(day, 6)], &named, None, &mut out);
        let scans: Vec<(&str, i64)> = out
            .iter()
            .filter(|x| x.measure == Measure::Scans)
            .map(|x| (x.detail.as_str(), x.value))
            .collect();
        assert_eq!(scans, [("44", 3), ("33", 1), ("", 2)]);
        let mut all_named = Vec::new();
        code_deltas(&place(7), &[(day, 4)], &named, None, &mut all_named);
        assert!(all_named
            .iter()
            .all(|x| x.measure != Measure::Scans || !x.detail.is_empty()));
    }

    #[test]
    fn the_alerts_behind_a_measure_are_the_kinds_it_counts() {
        assert_eq!(
            Measure::AlertsCounterfeit.alert_kinds(),
            [AlertKind::TooManyScans, AlertKind::ImpossibleTravel]
        );
        assert_eq!(
            Measure::AlertsDiversion.alert_kinds(),
            [AlertKind::Diversion]
        );
        assert!(Measure::Scans.alert_kinds().is_empty());
    }

    fn place(enterprise: i64) -> Place {
        Place {
            enterprise_id: enterprise,
            region_code: "440305".into(),
            category: "wire".into(),
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_codes_first_scan_ever_is_counted_once() {
        let mut out = Vec::new();
        let days = [(d("2026-11-01"), 2), (d("2026-11-03"), 1)];
        code_deltas(&place(7), &days, &[], None, &mut out);
        let first: Vec<NaiveDate> = out
            .iter()
            .filter(|x| x.measure == Measure::FirstScans)
            .map(|x| x.day)
            .collect();
        assert_eq!(first, vec![d("2026-11-01")]);
        let mut again = Vec::new();
        code_deltas(
            &place(7),
            &[(d("2026-11-05"), 1)],
            &[],
            Some(d("2026-11-03")),
            &mut again,
        );
        assert!(again.iter().all(|x| x.measure != Measure::FirstScans));
    }

    #[test]
    fn a_code_day_names_the_codes_previous_scan_day() {
        let mut out = Vec::new();
        let days = [(d("2026-11-01"), 2), (d("2026-11-03"), 1)];
        let last = code_deltas(&place(7), &days, &[], Some(d("2026-10-20")), &mut out);
        assert_eq!(last, Some(d("2026-11-03")));
        let code_days: Vec<(NaiveDate, &str)> = out
            .iter()
            .filter(|x| x.measure == Measure::CodeDays)
            .map(|x| (x.day, x.detail.as_str()))
            .collect();
        assert_eq!(
            code_days,
            vec![
                (d("2026-11-01"), "2026-10-20"),
                (d("2026-11-03"), "2026-11-01")
            ]
        );
        let scans: i64 = out
            .iter()
            .filter(|x| x.measure == Measure::Scans)
            .map(|x| x.value)
            .sum();
        assert_eq!(scans, 3);
        // A new code: its first day names no day before.
        let mut out = Vec::new();
        code_deltas(&place(7), &[(d("2026-11-03"), 1)], &[], None, &mut out);
        assert_eq!(out[1].detail, "");
    }

    #[test]
    fn a_code_gap_is_the_days_since_the_previous_scan_capped() {
        let mut out = Vec::new();
        let days = [
            (d("2026-11-01"), 1),
            (d("2026-11-03"), 1),
            (d("2026-12-04"), 1),
            (d("2027-01-05"), 1),
        ];
        code_deltas(&place(7), &days, &[], None, &mut out);
        let gaps: Vec<&str> = out
            .iter()
            .filter(|x| x.measure == Measure::CodeGaps)
            .map(|x| x.detail.as_str())
            .collect();
        // None before; 2 days; 31 days (the cap, kept); 32 days (over it).
        assert_eq!(gaps, vec!["", "2", "31", ""]);
        assert!(gaps_suffice(32) && !gaps_suffice(33));
    }

    #[test]
    fn a_replayed_older_scan_adds_no_code_day() {
        let mut out = Vec::new();
        let last = code_deltas(
            &place(7),
            &[(d("2026-11-02"), 1)],
            &[],
            Some(d("2026-11-05")),
            &mut out,
        );
        assert_eq!(last, Some(d("2026-11-05")));
        assert!(out.iter().all(|x| x.measure == Measure::Scans));
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
    }

    #[test]
    fn a_missed_deadline_counts_once_under_the_class_it_had() {
        let day = d("2026-11-20");
        let before = serde_json::json!({"class": "minor", "escalations": 0});
        let after = serde_json::json!({"class": "non-compliant", "escalations": 1});
        let delta = escalation_delta(Some(&before), &after, &place(7), day).unwrap();
        assert_eq!(
            (delta.measure, delta.detail.as_str(), delta.value),
            (Measure::CasesEscalated, "minor", 1)
        );
        // A later version that escalates nothing, and a case just opened.
        assert!(escalation_delta(Some(&after), &after, &place(7), day).is_none());
        assert!(escalation_delta(None, &after, &place(7), day).is_none());
    }

    #[test]
    fn a_product_is_counted_in_its_category_and_moves_when_paused_or_recategorised() {
        let day = d("2026-11-02");
        let at = |status: &str, category: &str| Facet {
            tag: status.into(),
            place: Place {
                category: category.into(),
                ..place(7)
            },
        };
        let paused = serde_json::json!({"paused": true});
        assert_eq!(product_status(&paused), "paused");
        assert_eq!(product_status(&serde_json::json!({})), "filed");
        let filed = record_deltas(RecordKind::Product, None, &at("filed", "wire"), day, None);
        assert_eq!(filed.len(), 1);
        assert_eq!((filed[0].measure, filed[0].value), (Measure::Products, 1));
        let moved = record_deltas(
            RecordKind::Product,
            Some(&at("filed", "wire")),
            &at("paused", "e-bike"),
            day,
            None,
        );
        let got: Vec<(&str, &str, i64)> = moved
            .iter()
            .map(|x| (x.place.category.as_str(), x.detail.as_str(), x.value))
            .collect();
        assert_eq!(got, vec![("wire", "filed", -1), ("e-bike", "paused", 1)]);
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
    fn feedback_counts_its_first_answer_with_the_hours_it_waited() {
        let day = d("2026-11-03");
        let hours = answer_hours("2026-11-01T10:00:00Z", "2026-11-02T21:59:00+08:00");
        assert_eq!(hours, Some(27), "13:59 UTC the next day: 27 whole hours");
        assert_eq!(
            answer_hours("2026-11-02T10:00:00Z", "2026-11-01T10:00:00Z"),
            Some(0)
        );
        let answered = answer_delta(Some(&facet("open")), &facet("answered"), day, hours).unwrap();
        assert_eq!(
            (answered.measure, answered.detail.as_str(), answered.value),
            (Measure::FeedbackAnswered, "27", 1)
        );
        assert!(answer_delta(Some(&facet("open")), &facet("closed"), day, Some(3)).is_some());
        assert!(
            answer_delta(Some(&facet("answered")), &facet("answered"), day, Some(3)).is_none(),
            "answered again"
        );
        assert!(answer_delta(Some(&facet("answered")), &facet("closed"), day, Some(3)).is_none());
        assert!(
            answer_delta(None, &facet("open"), day, Some(0)).is_none(),
            "sent"
        );
    }

    #[test]
    fn a_case_counts_its_closing_with_the_days_it_stood_open() {
        let day = d("2026-11-04");
        // 23:30 UTC is the next morning in Beijing.
        let days = calendar_days("2026-10-31T23:30:00Z", "2026-11-04T02:00:00Z");
        assert_eq!(days, Some(3));
        let closed = close_delta(Some(&facet("answered")), &facet("closed"), day, days).unwrap();
        assert_eq!(
            (closed.measure, closed.detail.as_str()),
            (Measure::CasesClosed, "3")
        );
        assert!(close_delta(Some(&facet("notified")), &facet("answered"), day, days).is_none());
        assert!(close_delta(Some(&facet("closed")), &facet("closed"), day, days).is_none());
        assert!(close_delta(None, &facet("notified"), day, days).is_none());
        assert_eq!(Measure::of_kind(RecordKind::Case), Some(Measure::Cases));
    }

    #[test]
    fn each_table_gets_one_row_per_key() {
        let day = d("2026-11-02");
        let scan = |enterprise: i64| StatDelta {
            measure: Measure::Scans,
            day,
            place: place(enterprise),
            detail: String::new(),
            value: 1,
        };
        let (enterprises, regions) = per_table(&[scan(7), scan(8), scan(7)]);
        assert_eq!(enterprises.len(), 2);
        assert_eq!(enterprises[0].1, 2);
        assert_eq!(regions.len(), 1, "two enterprises, one region and category");
        assert_eq!(regions[0].1, 3);
    }

    #[test]
    fn moving_stock_takes_it_from_one_place_to_the_other() {
        let held = [
            (
                Measure::Batches,
                "wire".to_string(),
                "active".to_string(),
                3,
            ),
            (Measure::Scans, "wire".to_string(), String::new(), 99),
        ];
        let from = |_: &str| place(7);
        let to = |_: &str| Place {
            region_code: "110101".into(),
            ..place(7)
        };
        let moved = move_stock(&held, d("2026-11-02"), from, to);
        assert_eq!(moved.len(), 2, "flows stay where they happened: {moved:?}");
        assert_eq!(moved.iter().map(|x| x.value).sum::<i64>(), 0);
        // Per table: the enterprise's row nets to nothing, the regions' move.
        let (enterprises, regions) = per_table(&moved);
        assert!(enterprises.is_empty(), "{enterprises:?}");
        assert_eq!(regions.len(), 2);
    }
}
