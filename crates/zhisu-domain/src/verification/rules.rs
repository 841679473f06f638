//! The logic of each catalogued verification rule (V4), over a snapshot of
//! stored records. Each rule is a function from the snapshot to its
//! findings; [`IMPLEMENTED`] names them by catalogue ID, and a test keeps
//! it and `data/verification-rules.toml` in step.

use std::collections::{BTreeMap, BTreeSet};

// foldhash: the rules' maps are keyed by stored IDs and hashes; SipHash
// was about 5% of a full sweep.
use foldhash::{HashMap, HashMapExt};

use chrono::{DateTime, FixedOffset, NaiveDate};
use zhisu_codes::uscc::Uscc;

use super::{catalogue, Finding, Snapshot, Stored};
use crate::flow::FlowKind;
use crate::{EnterpriseKind, RecordKind};

type Check = fn(&Snapshot, &Names) -> Vec<Finding>;

/// Every implemented rule, by catalogue ID.
pub(crate) const IMPLEMENTED: &[(&str, Check)] = &[
    ("ZV-C-001", enterprise_fields),
    ("ZV-C-002", product_fields),
    ("ZV-C-003", producer_sale_names_buyer),
    ("ZV-A-001", uscc_shared),
    ("ZV-A-002", licence_shared),
    ("ZV-A-003", report_shared),
    ("ZV-A-004", purchase_unmatched),
    ("ZV-R-001", produced_after_activation),
    ("ZV-R-002", sold_more_than_made),
    ("ZV-R-003", model_filed_twice),
    ("ZV-R-004", region_outside_uscc),
    ("ZV-T-001", activated_after_first_sale),
    ("ZV-A-005", super::register_checks::licence_against_register),
    ("ZV-A-006", super::queue_rules::enterprise_unchecked),
    ("ZV-R-005", super::queue_rules::batch_submitted),
    ("ZV-R-006", super::queue_rules::product_unreviewed),
    ("ZV-R-007", super::flow_rules::produced_after_first_sale),
    (
        "ZV-R-008",
        super::flow_rules::seller_sold_more_than_received,
    ),
    ("ZV-T-002", super::flow_rules::purchase_recorded_late),
    (
        "ZV-C-004",
        super::flow_rules::shipped_from_a_day_not_reported,
    ),
    ("ZV-R-009", super::standard_rules::standard_outside_category),
    (
        "ZV-T-004",
        super::upkeep_rules::product_not_reviewed_for_a_year,
    ),
    ("ZV-A-007", super::alert_rules::batch_codes_copied),
    ("ZV-C-005", super::file_rules::referenced_file_faulty),
    (
        "ZV-T-003",
        super::upkeep_rules::batch_waiting_past_service_level,
    ),
];

/// Every finding of every rule the catalogue keeps in force, in rule and
/// record order.
pub fn run(snapshot: &Snapshot) -> Vec<Finding> {
    run_except(snapshot, &[])
}

/// [`run`] without the rules a deployment turned off (by ID).
pub fn run_except(snapshot: &Snapshot, off: &[String]) -> Vec<Finding> {
    run_where(snapshot, |id| !off.iter().any(|o| o == id))
}

/// Only the rules named (those in force): what a check of one record just
/// stored runs (the review queue's rules, issue 17.4).
pub fn run_rules(snapshot: &Snapshot, ids: &[&str]) -> Vec<Finding> {
    run_where(snapshot, |id| ids.contains(&id))
}

fn run_where(snapshot: &Snapshot, wanted: impl Fn(&str) -> bool) -> Vec<Finding> {
    let names = Names::of(snapshot);
    let checks: Vec<Check> = catalogue()
        .rules
        .iter()
        .filter(|r| !r.retired && wanted(&r.id))
        .map(|rule| {
            IMPLEMENTED
                .iter()
                .find(|(id, _)| *id == rule.id)
                .map(|(_, check)| *check)
                .expect("the catalogue's rules are implemented (tested)")
        })
        .collect();
    // Rules are independent reads of one snapshot: each core takes the
    // next rule not yet taken, so one long rule does not leave a core idle
    // behind a fixed share (the order is restored by the sort below).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (names, checks) = (&names, &checks);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let next = &next;
    let mut findings: Vec<Finding> = std::thread::scope(|scope| {
        let shares: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    while let Some(check) =
                        checks.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    {
                        found.extend(check(snapshot, names));
                    }
                    found
                })
            })
            .collect();
        shares
            .into_iter()
            .flat_map(|s| s.join().expect("rules do not panic"))
            .collect()
    });
    findings.sort_by(|a, b| {
        (&a.rule, a.kind.as_str(), a.record_id, &a.field).cmp(&(
            &b.rule,
            b.kind.as_str(),
            b.record_id,
            &b.field,
        ))
    });
    findings
}

/// Enterprises by ID: their names and kinds, for evidence and for rules
/// that depend on who recorded a flow.
pub(crate) struct Names(HashMap<i64, (String, EnterpriseKind)>);

impl Names {
    fn of(snapshot: &Snapshot) -> Self {
        Names(
            snapshot
                .enterprises
                .iter()
                .map(|e| (e.id, (e.record.name.clone(), e.record.kind)))
                .collect(),
        )
    }

    pub(crate) fn name(&self, id: i64) -> String {
        self.0
            .get(&id)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| format!("企业 {id} (enterprise {id})"))
    }

    pub(crate) fn is_manufacturer(&self, id: i64) -> bool {
        self.0
            .get(&id)
            .is_some_and(|(_, k)| *k == EnterpriseKind::Manufacturer)
    }
}

pub(crate) fn finding<T>(
    rule: &str,
    kind: RecordKind,
    record: &Stored<T>,
    enterprise_id: i64,
    field: &str,
    evidence: String,
) -> Finding {
    Finding {
        rule: rule.into(),
        kind,
        record_id: record.id,
        version: record.version,
        enterprise_id,
        region_code: record.region_code.clone(),
        field: field.into(),
        evidence,
    }
}

/// The enterprises holding one key (a number, a file). Nearly every key
/// has one holder, so no set is made until a second comes: a set per key
/// was most of what the sharing rules spent on a million records.
#[derive(Default)]
struct Holders {
    first: Option<i64>,
    all: Option<BTreeSet<i64>>,
}

impl Holders {
    fn insert(&mut self, id: i64) {
        match self.first {
            None => self.first = Some(id),
            Some(first) if first == id => {}
            Some(first) => {
                self.all
                    .get_or_insert_with(|| BTreeSet::from([first]))
                    .insert(id);
            }
        }
    }

    /// Every holder, when more than one holds the key.
    fn shared(&self) -> Option<&BTreeSet<i64>> {
        self.all.as_ref()
    }
}

/// A number compared without case, borrowed when it has nothing to fold.
fn folded(n: &str) -> std::borrow::Cow<'_, str> {
    if n.chars().any(char::is_lowercase) {
        n.to_uppercase().into()
    } else {
        n.into()
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn blank_opt(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(blank)
}

/// A date in Asia/Shanghai from `YYYY-MM-DD` or RFC 3339.
pub fn china_date(at: &str) -> Option<NaiveDate> {
    utc_china_date(at).or_else(|| parsed_china_date(at))
}

/// The times the platform stores (`YYYY-MM-DDTHH:MM:SS[.fff]Z`, UTC) read
/// by hand: several rules date every flow of a sweep, and chrono's RFC
/// 3339 parser was 3% of a full sweep. Anything else: None, for chrono.
fn utc_china_date(at: &str) -> Option<NaiveDate> {
    let b = at.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if *b.last()? != b'Z' || !(b.len() == 20 || b[19] == b'.') {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let day = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?;
    let hour = number(11, 13)?;
    if hour > 23 || b[16] != b':' || number(14, 16)? > 59 || number(17, 19)? > 60 {
        return None;
    }
    // UTC 16:00 is midnight in Beijing (UTC+8, no daylight saving).
    if hour >= 16 {
        day.succ_opt()
    } else {
        Some(day)
    }
}

fn parsed_china_date(at: &str) -> Option<NaiveDate> {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&china).date_naive())
        .ok()
        .or_else(|| NaiveDate::parse_from_str(at.get(..10)?, "%Y-%m-%d").ok())
}

fn enterprise_fields(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &s.enterprises {
        let r = &e.record;
        let mut missing = Vec::new();
        if blank(&r.name) {
            missing.push(("name", "单位名称"));
        }
        if Uscc::parse(&r.uscc).is_err() {
            missing.push(("uscc", "统一社会信用代码"));
        }
        if blank(&r.address) {
            missing.push(("address", "地址"));
        }
        if r.region_code.len() != 6 || !r.region_code.bytes().all(|b| b.is_ascii_digit()) {
            missing.push(("region_code", "行政区划代码"));
        }
        if blank(&r.contact_phone) {
            missing.push(("contact_phone", "联系方式"));
        }
        if blank(&r.business_licence.sha256) {
            missing.push(("business_licence", "营业执照"));
        }
        for (field, zh) in missing {
            out.push(finding(
                "ZV-C-001",
                RecordKind::Enterprise,
                e,
                e.id,
                field,
                format!("{zh}缺失或格式不对 ({field} is missing or malformed)"),
            ));
        }
    }
    out
}

fn product_fields(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in &s.products {
        let r = &p.record;
        let checks = [
            ("product_name", "产品名称", blank(&r.product_name)),
            ("product_type", "产品类型", blank(&r.product_type)),
            ("model", "型号规格", blank(&r.model)),
            ("category", "产品类别", blank(&r.category)),
            (
                "mandatory_standards",
                "执行的强制性标准",
                r.mandatory_standards.iter().all(|s| blank(s)),
            ),
        ];
        for (field, zh, _) in checks.iter().filter(|c| c.2) {
            out.push(finding(
                "ZV-C-002",
                RecordKind::Product,
                p,
                r.enterprise_id,
                field,
                format!("{zh}缺失 ({field} is missing)"),
            ));
        }
    }
    out
}

fn producer_sale_names_buyer(s: &Snapshot, names: &Names) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in &s.flows {
        let r = &f.record;
        if r.kind != FlowKind::Sale
            || r.counterparty_id.is_some()
            || !names.is_manufacturer(r.enterprise_id)
        {
            continue;
        }
        let missing = [
            (
                "counterparty_name",
                "购货方名称",
                blank(&r.counterparty_name),
            ),
            (
                "counterparty_address",
                "购货方地址",
                blank_opt(&r.counterparty_address),
            ),
            (
                "counterparty_contact",
                "购货方联系方式",
                blank_opt(&r.counterparty_contact),
            ),
        ];
        for (field, zh, _) in missing.iter().filter(|m| m.2) {
            out.push(finding(
                "ZV-C-003",
                RecordKind::Flow,
                f,
                r.enterprise_id,
                field,
                format!("销售给平台外购货方，未填{zh} (a sale off the platform without {field})"),
            ));
        }
    }
    out
}

fn uscc_shared(s: &Snapshot, names: &Names) -> Vec<Finding> {
    let mut by_uscc: BTreeMap<String, Vec<&Stored<super::EnterpriseView>>> = BTreeMap::new();
    for e in &s.enterprises {
        if let Ok(uscc) = Uscc::parse(&e.record.uscc) {
            by_uscc
                .entry(uscc.as_str().to_string())
                .or_default()
                .push(e);
        }
    }
    let mut out = Vec::new();
    for (uscc, group) in by_uscc {
        let distinct: BTreeSet<&str> = group.iter().map(|e| e.record.name.trim()).collect();
        if distinct.len() < 2 {
            continue;
        }
        for e in &group {
            let others: Vec<String> = group
                .iter()
                .filter(|o| o.id != e.id)
                .map(|o| names.name(o.id))
                .collect();
            out.push(finding(
                "ZV-A-001",
                RecordKind::Enterprise,
                e,
                e.id,
                "uscc",
                format!(
                    "统一社会信用代码 {uscc} 也登记在 {} 名下 (USCC {uscc} is also filed by {})",
                    others.join("、"),
                    others.join(", ")
                ),
            ));
        }
    }
    out
}

fn licence_shared(s: &Snapshot, names: &Names) -> Vec<Finding> {
    let mut holders: HashMap<(&str, std::borrow::Cow<'_, str>), Holders> =
        HashMap::with_capacity(s.products.len());
    for p in &s.products {
        for (field, number) in [
            ("production_licence_no", &p.record.production_licence_no),
            ("ccc_cert_no", &p.record.ccc_cert_no),
        ] {
            if let Some(n) = number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                holders
                    .entry((field, folded(n)))
                    .or_default()
                    .insert(p.record.enterprise_id);
            }
        }
    }
    let mut out = Vec::new();
    for p in &s.products {
        for (field, number) in [
            ("production_licence_no", &p.record.production_licence_no),
            ("ccc_cert_no", &p.record.ccc_cert_no),
        ] {
            let Some(n) = number.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
                continue;
            };
            let Some(owners) = holders[&(field, folded(n))].shared() else {
                continue;
            };
            let others: Vec<String> = owners
                .iter()
                .filter(|o| **o != p.record.enterprise_id)
                .map(|o| names.name(*o))
                .collect();
            out.push(finding(
                "ZV-A-002",
                RecordKind::Product,
                p,
                p.record.enterprise_id,
                field,
                format!(
                    "证书号 {n} 也被 {} 使用 (number {n} is also used by {})",
                    others.join("、"),
                    others.join(", ")
                ),
            ));
        }
    }
    out
}

fn report_shared(s: &Snapshot, names: &Names) -> Vec<Finding> {
    let mut owners: HashMap<&str, Holders> = HashMap::with_capacity(s.batches.len());
    for b in &s.batches {
        owners
            .entry(b.record.inspection_report.sha256.as_str())
            .or_default()
            .insert(b.record.enterprise_id);
    }
    let mut out = Vec::new();
    for b in &s.batches {
        let sha = b.record.inspection_report.sha256.as_str();
        let Some(set) = owners[sha].shared().filter(|_| !sha.is_empty()) else {
            continue;
        };
        let others: Vec<String> = set
            .iter()
            .filter(|o| **o != b.record.enterprise_id)
            .map(|o| names.name(*o))
            .collect();
        out.push(finding(
            "ZV-A-003",
            RecordKind::Batch,
            b,
            b.record.enterprise_id,
            "inspection_report",
            format!(
                "同一检验报告文件（{}）也附在 {} 的批次上 (the same report file is attached to batches of {})",
                &sha[..12.min(sha.len())],
                others.join("、"),
                others.join(", ")
            ),
        ));
    }
    out
}

fn purchase_unmatched(s: &Snapshot, _: &Names) -> Vec<Finding> {
    s.flows
        .iter()
        .filter(|f| f.record.kind == FlowKind::Purchase && f.record.matched == Some(false))
        .map(|f| {
            let n = f.record.unmatched.len();
            finding(
                "ZV-A-004",
                RecordKind::Flow,
                f,
                f.record.enterprise_id,
                "lines",
                format!("{n} 个码没有对应的上游销售 ({n} codes match no sale recorded upstream)"),
            )
        })
        .collect()
}

fn produced_after_activation(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let mut out = Vec::new();
    for b in &s.batches {
        let Some(activated) = b.record.activated_at.as_deref().and_then(china_date) else {
            continue;
        };
        if b.record.production_date > activated {
            out.push(finding(
                "ZV-R-001",
                RecordKind::Batch,
                b,
                b.record.enterprise_id,
                "production_date",
                format!(
                    "生产日期 {} 晚于激活日期 {activated} (produced {} but activated {activated})",
                    b.record.production_date, b.record.production_date
                ),
            ));
        }
    }
    out
}

/// Per batch: what its producer sold of it (sales it recorded).
fn sold_by_producer(s: &Snapshot) -> HashMap<i64, u64> {
    let producer_of: HashMap<i64, i64> = s
        .batches
        .iter()
        .map(|b| (b.id, b.record.enterprise_id))
        .collect();
    let mut sold = HashMap::with_capacity(s.batches.len());
    for f in s.flows.iter().filter(|f| f.record.kind == FlowKind::Sale) {
        for line in &f.record.lines {
            if producer_of.get(&line.batch_id) == Some(&f.record.enterprise_id) {
                *sold.entry(line.batch_id).or_insert(0) += line.quantity;
            }
        }
    }
    sold
}

fn sold_more_than_made(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let sold = sold_by_producer(s);
    let mut out = Vec::new();
    for b in &s.batches {
        let (Some(made), Some(&sold)) = (b.record.quantity, sold.get(&b.id)) else {
            continue;
        };
        if sold > made {
            out.push(finding(
                "ZV-R-002",
                RecordKind::Batch,
                b,
                b.record.enterprise_id,
                "quantity",
                format!("生产 {made}，已售出 {sold} (made {made}, sold {sold})"),
            ));
        }
    }
    out
}

fn model_filed_twice(s: &Snapshot, _: &Names) -> Vec<Finding> {
    // Most models have nothing to fold: those are borrowed, not copied.
    let mut by_model: HashMap<(i64, std::borrow::Cow<'_, str>), Vec<&Stored<super::ProductView>>> =
        HashMap::with_capacity(s.products.len());
    for p in &s.products {
        let model = &p.record.model;
        let model: std::borrow::Cow<'_, str> = if model
            .chars()
            .any(|c| c.is_whitespace() || !c.to_uppercase().eq([c]))
        {
            model
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase()
                .into()
        } else {
            model.as_str().into()
        };
        if !model.is_empty() {
            by_model
                .entry((p.record.enterprise_id, model))
                .or_default()
                .push(p);
        }
    }
    let mut out = Vec::new();
    for ((enterprise, model), group) in by_model {
        let distinct: BTreeSet<&str> = group.iter().map(|p| p.record.product_name.trim()).collect();
        if distinct.len() < 2 {
            continue;
        }
        for p in &group {
            let others: Vec<String> = group
                .iter()
                .filter(|o| o.id != p.id)
                .map(|o| format!("「{}」", o.record.product_name))
                .collect();
            out.push(finding(
                "ZV-R-003",
                RecordKind::Product,
                p,
                enterprise,
                "model",
                format!(
                    "型号 {model} 也以 {} 登记 (model {model} is also filed as {})",
                    others.join("、"),
                    others.join(", ")
                ),
            ));
        }
    }
    out
}

fn region_outside_uscc(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &s.enterprises {
        let Ok(uscc) = Uscc::parse(&e.record.uscc) else {
            continue;
        };
        let registered = uscc.region_code();
        // Registered by a national authority (100000 and the like): no province to compare.
        let Some(province) = zhisu_codes::province_name(registered) else {
            continue;
        };
        if e.record.region_code.get(..2) != registered.get(..2) {
            out.push(finding(
                "ZV-R-004",
                RecordKind::Enterprise,
                e,
                e.id,
                "region_code",
                format!(
                    "行政区划 {} 不在统一社会信用代码的登记地 {province}（{registered}） (region {} is outside {registered}, where the USCC was registered)",
                    e.record.region_code, e.record.region_code
                ),
            ));
        }
    }
    out
}

fn activated_after_first_sale(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let mut first_sale: HashMap<i64, NaiveDate> = HashMap::with_capacity(s.batches.len());
    for f in s.flows.iter().filter(|f| f.record.kind == FlowKind::Sale) {
        let Some(at) = china_date(&f.record.at) else {
            continue;
        };
        for line in &f.record.lines {
            let first = first_sale.entry(line.batch_id).or_insert(at);
            *first = (*first).min(at);
        }
    }
    let mut out = Vec::new();
    for b in &s.batches {
        let (Some(activated), Some(&sold)) = (
            b.record.activated_at.as_deref().and_then(china_date),
            first_sale.get(&b.id),
        ) else {
            continue;
        };
        if activated > sold {
            out.push(finding(
                "ZV-T-001",
                RecordKind::Batch,
                b,
                b.record.enterprise_id,
                "activated_at",
                format!(
                    "{sold} 已售出，{activated} 才激活 (sold on {sold}, activated on {activated})"
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
pub(super) mod tests;
