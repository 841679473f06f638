//! Keeps the keys and the rules in step: in random provinces with random
//! changes, every rule run over the neighbourhood the keys give finds on
//! the records judged exactly what it finds over the whole province, and
//! nothing changes outside them.

use std::collections::BTreeSet;

use serde_json::json;

use super::super::rules::tests::{blob, enterprise, product, stored};
use super::*;
use crate::verification::{run, Finding};

/// xorshift64*: a reproducible stream without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn usccs() -> Vec<String> {
    ["7084611A", "7084611B", "7084611C", "7084611D", "7084611E"]
        .iter()
        .map(|body| {
            zhisu_codes::Uscc::from_prefix16(&format!("91440300{body}"))
                .unwrap()
                .to_string()
        })
        .collect()
}

const NAMES: [&str; 6] = [
    "粤海电缆",
    "闽江家电",
    "珠江燃气具",
    "南粤童车",
    "岭南电器",
    "粤海电缆 ",
];
const CCC: [&str; 8] = [
    "2021010101000001",
    "2021010101000002",
    "2021010101000003",
    "2021010101000004",
    "2021010101000005",
    "2021010101000006",
    "2021010101000007",
    "2021010101000008",
];

fn day(rng: &mut Rng) -> String {
    format!("2026-10-{:02}", 1 + rng.below(20))
}

fn flow(rng: &mut Rng, id: i64, batches: &[(i64, i64)]) -> Stored<FlowView> {
    let kind = *rng.pick(&["sale", "sale", "purchase"]);
    let enterprise = 1 + rng.below(8) as i64;
    let lines: Vec<serde_json::Value> = (0..1 + rng.below(2))
        .map(|_| {
            let (batch, _) = *rng.pick(batches);
            json!({"code": format!("(01)06970000000017(10)L{batch}"), "batch_id": batch,
                   "quantity": 10 + rng.below(60)})
        })
        .collect();
    let counterparty = (rng.below(3) > 0).then(|| 1 + rng.below(8) as i64);
    let mut f = stored::<crate::flow::Flow>(
        id,
        json!({"enterprise_id": enterprise, "kind": kind, "at": day(rng),
               "counterparty_id": counterparty, "counterparty_name": "个体户王五",
               "counterparty_address": (rng.below(4) > 0).then_some("深圳市"),
               "counterparty_contact": "sealed:v1:x", "lines": lines,
               "matched": (kind == "purchase").then(|| rng.below(4) > 0), "unmatched": []}),
    );
    f.created_at = format!("{}T02:00:00Z", day(rng));
    f.view()
}

fn batch(rng: &mut Rng, id: i64, products: &[(i64, i64)]) -> Stored<BatchView> {
    let (product, enterprise) = *rng.pick(products);
    stored::<crate::Batch>(
        id,
        json!({"product_id": product, "enterprise_id": enterprise, "batch_no": format!("L{id}"),
            "production_date": day(rng), "quantity": 50 + rng.below(100),
            "inspection_report": blob(rng.below(10) as u8 + 40),
            "inspection_report_public": false, "status": "active", "review_notes": [],
            "activated_at": format!("{}T02:00:00Z", day(rng)), "inputs": []}),
    )
    .view()
}

fn province(rng: &mut Rng) -> Snapshot {
    let usccs = usccs();
    let mut s = Snapshot {
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 6),
        registers: vec![super::super::rules::tests::ccc_register()],
        ..Snapshot::default()
    };
    for id in 1..=8 {
        let kind = if id <= 5 { "manufacturer" } else { "seller" };
        let name = *rng.pick(&NAMES);
        let uscc = rng.pick(&usccs).clone();
        s.enterprises.push(enterprise(id, name, &uscc, kind));
    }
    for id in 100..130 {
        let e = 1 + rng.below(5) as i64;
        let name = *rng.pick(&["家用燃气灶", "燃气热水器", "电动自行车"]);
        let model = *rng.pick(&["JZT-1", "JZT-2", "JSQ-1", "JZT 1"]);
        let ccc = *rng.pick(&CCC);
        s.products.push(product(id, e, name, model, ccc));
    }
    let products: Vec<(i64, i64)> = s
        .products
        .iter()
        .map(|p| (p.id, p.record.enterprise_id))
        .collect();
    for id in 200..240 {
        s.batches.push(batch(rng, id, &products));
    }
    let batches: Vec<(i64, i64)> = s
        .batches
        .iter()
        .map(|b| (b.id, b.record.enterprise_id))
        .collect();
    for id in 300..360 {
        s.flows.push(flow(rng, id, &batches));
    }
    // Two report files faulty at rest (ZV-C-005 reads them whole).
    s.file_faults.insert(
        format!("{:02x}", 41).repeat(32),
        super::super::FileFault::Missing,
    );
    s.file_faults.insert(
        format!("{:02x}", 42).repeat(32),
        super::super::FileFault::Altered,
    );
    s
}

/// Changes `n` records at random (a key, a name, a quantity) and files a
/// new flow; returns the IDs changed.
fn change(rng: &mut Rng, s: &mut Snapshot, n: usize) -> BTreeSet<i64> {
    let usccs = usccs();
    let mut changed = BTreeSet::new();
    for _ in 0..n {
        match rng.below(4) {
            0 => {
                let i = rng.below(s.enterprises.len() as u64) as usize;
                let e = &mut s.enterprises[i];
                if rng.below(2) == 0 {
                    e.record.uscc = rng.pick(&usccs).clone();
                } else {
                    e.record.name = (*rng.pick(&NAMES)).to_string();
                }
                e.version += 1;
                changed.insert(e.id);
            }
            1 => {
                let i = rng.below(s.products.len() as u64) as usize;
                let p = &mut s.products[i];
                match rng.below(3) {
                    0 => p.record.ccc_cert_no = Some((*rng.pick(&CCC)).to_string()),
                    1 => p.record.model = (*rng.pick(&["JZT-1", "JZT-3"])).to_string(),
                    _ => p.record.product_name = "燃气灶（新款）".into(),
                }
                p.version += 1;
                changed.insert(p.id);
            }
            2 => {
                let i = rng.below(s.batches.len() as u64) as usize;
                let b = &mut s.batches[i];
                if rng.below(2) == 0 {
                    b.record.quantity = Some(10 + rng.below(100));
                } else {
                    b.record.inspection_report =
                        serde_json::from_value(blob(rng.below(10) as u8 + 40)).unwrap();
                }
                b.version += 1;
                changed.insert(b.id);
            }
            _ => {
                let batches: Vec<(i64, i64)> = s
                    .batches
                    .iter()
                    .map(|b| (b.id, b.record.enterprise_id))
                    .collect();
                let id = 400 + s.flows.len() as i64;
                s.flows.push(flow(rng, id, &batches));
                changed.insert(id);
            }
        }
    }
    changed
}

/// The IDs of the records of `s` holding any of `keys`.
fn holders(s: &Snapshot, keys: &Keys) -> BTreeSet<i64> {
    let mut ids: BTreeSet<i64> = keys.enterprises.union(&keys.batches).copied().collect();
    ids.extend(
        s.enterprises
            .iter()
            .filter(|e| keys.hold_enterprise(e))
            .map(|e| e.id),
    );
    ids.extend(
        s.products
            .iter()
            .filter(|p| keys.hold_product(p))
            .map(|p| p.id),
    );
    ids.extend(
        s.batches
            .iter()
            .filter(|b| keys.hold_batch(b))
            .map(|b| b.id),
    );
    ids.extend(s.flows.iter().filter(|f| keys.hold_flow(f)).map(|f| f.id));
    ids
}

fn only(s: &Snapshot, ids: &BTreeSet<i64>) -> Snapshot {
    Snapshot {
        enterprises: s
            .enterprises
            .iter()
            .filter(|r| ids.contains(&r.id))
            .cloned()
            .collect(),
        products: s
            .products
            .iter()
            .filter(|r| ids.contains(&r.id))
            .cloned()
            .collect(),
        batches: s
            .batches
            .iter()
            .filter(|r| ids.contains(&r.id))
            .cloned()
            .collect(),
        flows: s
            .flows
            .iter()
            .filter(|r| ids.contains(&r.id))
            .cloned()
            .collect(),
        ..s.clone()
    }
}

/// What the service does: the keys of the changed records before and
/// after, the records holding them (judged), then every record sharing a
/// key with those, and the enterprises they name (read).
fn neighbourhood(
    before: &Snapshot,
    after: &Snapshot,
    changed: &BTreeSet<i64>,
) -> (Snapshot, BTreeSet<i64>) {
    let mut keys = Keys::of(&only(before, changed));
    keys.extend(Keys::of(&only(after, changed)));
    let mut judged = holders(after, &keys);
    judged.extend(holders(before, &keys));
    judged.extend(changed);
    let wider = Keys::of(&only(after, &judged));
    let mut read = holders(after, &wider);
    read.extend(holders(before, &wider));
    read.extend(&judged);
    let partial = only(after, &read);
    for p in &partial.products {
        read.insert(p.record.enterprise_id);
    }
    for b in &partial.batches {
        read.insert(b.record.enterprise_id);
    }
    for f in &partial.flows {
        read.insert(f.record.enterprise_id);
        read.extend(f.record.counterparty_id);
    }
    (only(after, &read), judged)
}

fn on(findings: &[Finding], ids: &BTreeSet<i64>, inside: bool) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| ids.contains(&f.record_id) == inside)
        .cloned()
        .collect()
}

fn without_evidence(findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|f| Finding {
            evidence: String::new(),
            ..f
        })
        .collect()
}

#[test]
fn a_neighbourhood_finds_what_the_whole_finds() {
    let mut seen_rules = BTreeSet::new();
    for seed in 1..=300u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let before = province(&mut rng);
        let mut after = before.clone();
        let n = 1 + rng.below(5) as usize;
        let changed = change(&mut rng, &mut after, n);
        let whole_before = run(&before);
        let whole = run(&after);
        seen_rules.extend(whole.iter().map(|f| f.rule.clone()));
        let (partial, judged) = neighbourhood(&before, &after, &changed);
        assert!(
            partial.flows.len() < after.flows.len() || changed.len() > 3,
            "seed {seed}: the neighbourhood is not the whole province"
        );
        assert_eq!(
            on(&run(&partial), &judged, true),
            on(&whole, &judged, true),
            "seed {seed}: changed {changed:?}"
        );
        assert_eq!(
            without_evidence(on(&whole, &judged, false)),
            without_evidence(on(&whole_before, &judged, false)),
            "seed {seed}: a finding changed outside the records judged; changed {changed:?}"
        );
    }
    // The provinces exercise the rules that group records.
    for rule in [
        "ZV-A-001", "ZV-A-002", "ZV-A-003", "ZV-R-002", "ZV-R-003", "ZV-R-007", "ZV-R-008",
        "ZV-T-001", "ZV-T-002",
    ] {
        assert!(
            seen_rules.contains(rule),
            "no province showed {rule}: {seen_rules:?}"
        );
    }
}
