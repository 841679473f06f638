//! Rules over the trade flows (V4): a batch sold before it was made
//! (ZV-R-007), a seller selling more of a batch than reached it (ZV-R-008),
//! a purchase recorded long after the sale upstream (ZV-T-002), a batch
//! made over days shipped from a day whose quantity is missing (ZV-C-004).

use std::collections::BTreeMap;

// foldhash: the rules' maps are keyed by stored IDs and hashes; SipHash
// was about 5% of a full sweep.
use foldhash::{HashMap, HashMapExt};

use super::rules::{china_date, finding, Names};
use super::{Finding, Snapshot};
use crate::flow::FlowKind;
use crate::RecordKind;

/// ZV-R-007: a batch's production date after the first sale of it.
pub(super) fn produced_after_first_sale(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let mut first_sale: HashMap<i64, chrono::NaiveDate> = HashMap::new();
    for f in s.flows.iter().filter(|f| f.record.kind == FlowKind::Sale) {
        let Some(day) = china_date(&f.record.at) else {
            continue;
        };
        for line in &f.record.lines {
            first_sale
                .entry(line.batch_id)
                .and_modify(|d| *d = (*d).min(day))
                .or_insert(day);
        }
    }
    s.batches
        .iter()
        .filter_map(|b| {
            let sold = *first_sale.get(&b.id)?;
            (b.record.production_date > sold).then(|| {
                finding(
                    "ZV-R-007",
                    RecordKind::Batch,
                    b,
                    b.record.enterprise_id,
                    "production_date",
                    format!(
                        "生产日期 {} 晚于首次销售日期 {sold} (produced {} but first sold {sold})",
                        b.record.production_date, b.record.production_date
                    ),
                )
            })
        })
        .collect()
}

/// ZV-R-008: a seller sold more of a batch than reached it — what it
/// recorded buying, or (when more) what its suppliers recorded selling it.
pub(super) fn seller_sold_more_than_received(s: &Snapshot, names: &Names) -> Vec<Finding> {
    // (seller, batch) → quantities.
    let mut bought: HashMap<(i64, i64), u64> = HashMap::new();
    let mut delivered: HashMap<(i64, i64), u64> = HashMap::new();
    let mut sold: BTreeMap<(i64, i64), (u64, usize)> = BTreeMap::new();
    for (i, f) in s.flows.iter().enumerate() {
        let flow = &f.record;
        for line in &flow.lines {
            match flow.kind {
                FlowKind::Purchase => {
                    *bought
                        .entry((flow.enterprise_id, line.batch_id))
                        .or_default() += line.quantity
                }
                FlowKind::Sale => {
                    if let Some(buyer) = flow.counterparty_id {
                        *delivered.entry((buyer, line.batch_id)).or_default() += line.quantity;
                    }
                    if !names.is_manufacturer(flow.enterprise_id) {
                        let e = sold.entry((flow.enterprise_id, line.batch_id)).or_default();
                        e.0 += line.quantity;
                        // The latest sale of it carries the finding.
                        e.1 = i;
                    }
                }
                FlowKind::Return => {}
            }
        }
    }
    let mut out = Vec::new();
    for ((seller, batch), (quantity, last)) in sold {
        let received = bought
            .get(&(seller, batch))
            .copied()
            .unwrap_or(0)
            .max(delivered.get(&(seller, batch)).copied().unwrap_or(0));
        if quantity > received {
            let f = &s.flows[last];
            out.push(finding(
                "ZV-R-008",
                RecordKind::Flow,
                f,
                seller,
                "lines",
                format!(
                    "批次 #{batch} 售出 {quantity} 件，而进货或上游售予本企业的只有 {received} 件 (sold {quantity} of batch {batch}, but only {received} reached it)"
                ),
            ));
        }
    }
    out
}

/// ZV-T-002: a purchase recorded more than `days` after the sale upstream
/// that delivered it.
pub(super) fn purchase_recorded_late(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let days = s.threshold("ZV-T-002", "days");
    // A code's sale to a buyer: (buyer, code) → the sale's day.
    let mut sold_to: HashMap<(i64, &str), chrono::NaiveDate> = HashMap::new();
    for f in s.flows.iter().filter(|f| f.record.kind == FlowKind::Sale) {
        let (Some(buyer), Some(day)) = (f.record.counterparty_id, china_date(&f.record.at)) else {
            continue;
        };
        for line in &f.record.lines {
            sold_to.insert((buyer, line.code.as_str()), day);
        }
    }
    let mut out = Vec::new();
    for p in s
        .flows
        .iter()
        .filter(|f| f.record.kind == FlowKind::Purchase)
    {
        let Some(recorded) = china_date(&p.created_at) else {
            continue;
        };
        let upstream = p
            .record
            .lines
            .iter()
            .filter_map(|l| sold_to.get(&(p.record.enterprise_id, l.code.as_str())))
            .min();
        if let Some(&sold) = upstream {
            let late = (recorded - sold).num_days();
            if late as f64 > days {
                out.push(finding(
                    "ZV-T-002",
                    RecordKind::Flow,
                    p,
                    p.record.enterprise_id,
                    "at",
                    format!(
                        "上游于 {sold} 售出，本进货记录 {recorded} 才录入，晚 {late} 天（限 {days} 天） (sold upstream on {sold}, recorded here on {recorded}: {late} days later, {days} allowed)"
                    ),
                ));
            }
        }
    }
    out
}

/// ZV-C-004 (P5.3.3.3): a batch made over days (its later days reported,
/// issue 19.2) whose maker shipped more of it by a day than the days
/// reported up to that day made: the quantity of a production day it
/// shipped from is missing. Batches without later days are ZV-R-002's.
pub(super) fn shipped_from_a_day_not_reported(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let daily: HashMap<i64, &super::Stored<super::BatchView>> = s
        .batches
        .iter()
        .filter(|b| !b.record.days.is_empty())
        .map(|b| (b.id, b))
        .collect();
    if daily.is_empty() {
        return Vec::new();
    }
    // Each batch's shipments by its maker, by day.
    let mut shipped: HashMap<i64, BTreeMap<chrono::NaiveDate, u64>> = HashMap::new();
    for f in s.flows.iter().filter(|f| f.record.kind == FlowKind::Sale) {
        let Some(day) = china_date(&f.record.at) else {
            continue;
        };
        for line in &f.record.lines {
            if daily
                .get(&line.batch_id)
                .is_some_and(|b| b.record.enterprise_id == f.record.enterprise_id)
            {
                *shipped
                    .entry(line.batch_id)
                    .or_default()
                    .entry(day)
                    .or_insert(0) += line.quantity;
            }
        }
    }
    let mut out = Vec::new();
    for (batch_id, days) in shipped {
        let b = daily[&batch_id];
        let mut so_far = 0;
        for (day, quantity) in days {
            so_far += quantity;
            let made = b.record.made_by(day);
            if so_far > made {
                out.push(finding(
                    "ZV-C-004",
                    RecordKind::Batch,
                    b,
                    b.record.enterprise_id,
                    "days",
                    format!(
                        "截至 {day} 已售出 {so_far}，报告的产量仅 {made}：缺少发货所出生产日的产量 \
                         (by {day}, {so_far} shipped but only {made} reported made: a production day's quantity is missing)"
                    ),
                ));
                break;
            }
        }
    }
    out
}
