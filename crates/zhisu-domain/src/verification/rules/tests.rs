//! Each rule seeds its defect into a clean province and finds it there,
//! and the clean province yields nothing.
use super::*;
use crate::verification::FileFault;
use serde_json::json;

pub(crate) fn stored<T: serde::de::DeserializeOwned>(
    id: i64,
    body: serde_json::Value,
) -> Stored<T> {
    Stored {
        id,
        version: 1,
        region_code: "440305".into(),
        created_at: "2026-10-10T00:00:00Z".into(),
        updated_at: "2026-10-10T00:00:00Z".into(),
        record: serde_json::from_value(body).unwrap(),
    }
}

pub(crate) fn blob(n: u8) -> serde_json::Value {
    json!({"sha256": format!("{n:02x}").repeat(32), "content_type": "application/pdf", "size": 10})
}

pub(crate) fn enterprise(
    id: i64,
    name: &str,
    uscc: &str,
    kind: &str,
) -> Stored<crate::verification::EnterpriseView> {
    stored::<crate::Enterprise>(
        id,
        json!({"kind": kind, "name": name, "uscc": uscc, "address": "深圳市南山区", "region_code": "440305",
            "contact_phone": "0755-12345678", "business_licence": blob(id as u8),
            "management_certifications": [], "product_certifications": [],
            "identity_check": {"status": "verified", "by": "user:zj", "at": "2026-10-01T00:00:00Z", "note": "核验通过"}}),
    )
    .view()
}

pub(crate) fn product(
    id: i64,
    enterprise: i64,
    name: &str,
    model: &str,
    ccc: &str,
) -> Stored<crate::verification::ProductView> {
    stored::<crate::Product>(
        id,
        json!({"enterprise_id": enterprise, "product_name": name, "product_type": "燃气灶", "model": model,
            "category": "gas-appliance", "honours": [], "mandatory_standards": ["GB 16410-2020"], "paused": false,
            "ccc_cert_no": ccc, "code_scheme": "gs1", "trace_level": "per-item", "gtin": "06970000000017",
            "review": {"class": "compliant", "reason": "备案信息齐全", "by": "user:zj", "at": "2026-10-01T00:00:00Z"}}),
    )
    .view()
}

pub(crate) fn batch(
    id: i64,
    product: i64,
    enterprise: i64,
    report: u8,
    quantity: u64,
) -> Stored<crate::verification::BatchView> {
    stored::<crate::Batch>(
        id,
        json!({"product_id": product, "enterprise_id": enterprise, "batch_no": format!("L{id}"),
            "production_date": "2026-10-01", "quantity": quantity, "inspection_report": blob(report),
            "inspection_report_public": false, "status": "active", "review_notes": [],
            "activated_at": "2026-10-02T02:00:00Z", "inputs": []}),
    )
    .view()
}

pub(crate) fn sale(
    id: i64,
    by: i64,
    batch: i64,
    quantity: u64,
    at: &str,
) -> Stored<crate::verification::FlowView> {
    stored::<crate::flow::Flow>(
        id,
        json!({"enterprise_id": by, "kind": "sale", "at": at, "counterparty_name": "个体户王五",
            "counterparty_address": "深圳市", "counterparty_contact": "sealed:v1:x",
            "lines": [{"code": "(01)06970000000017(10)L1", "batch_id": batch, "quantity": quantity}],
            "unmatched": []}),
    )
    .view()
}

pub(crate) const USCC_A: &str = "91440300708461136T";
pub(crate) const USCC_B: &str = "91350100M000100Y43";

/// A province where every rule finds nothing.
pub(crate) fn clean() -> Snapshot {
    Snapshot {
        enterprises: vec![
            enterprise(1, "粤海电线电缆", USCC_A, "manufacturer"),
            {
                let mut e = enterprise(2, "闽江家电", USCC_B, "manufacturer");
                e.record.region_code = "350102".into();
                e
            },
        ],
        products: vec![
            product(10, 1, "家用燃气灶", "JZT-1", "2021010101000001"),
            product(11, 2, "燃气热水器", "JSQ-1", "2021010101000002"),
        ],
        batches: vec![batch(20, 10, 1, 50, 100), batch(21, 11, 2, 51, 100)],
        flows: vec![sale(30, 1, 20, 40, "2026-10-05")],
        registers: vec![ccc_register()],
        today: NaiveDate::from_ymd_opt(2026, 12, 6),
        thresholds: Default::default(),
        suspect_codes: Default::default(),
        file_faults: Default::default(),
    }
}

/// The CCC register as the authority has it: both products' certificates,
/// valid, held by their makers.
pub(crate) fn ccc_register() -> crate::register::Register {
    let entry = |number: &str, holder: &str, uscc: &str| crate::register::RegisterEntry {
        number: number.into(),
        holder_name: holder.into(),
        uscc: uscc.into(),
        scope: String::new(),
        valid_from: "2021-01-01".into(),
        valid_to: "2027-12-31".into(),
        status: crate::register::CertStatus::Valid,
    };
    crate::register::Register {
        kind: crate::register::RegisterKind::Ccc,
        source: "ccc.csv".into(),
        entries: vec![
            entry("2021010101000001", "粤海电线电缆", USCC_A),
            entry("2021010101000002", "闽江家电", USCC_B),
        ],
    }
}

#[test]
fn a_certificate_not_holding_in_the_register_is_found() {
    // Expired in the register, or not in it, or held by another USCC.
    let mut s = clean();
    s.registers[0].entries[0].valid_to = "2026-06-30".into();
    assert_eq!(only(&s, "ZV-A-005"), [(10, "ccc_cert_no".to_string())]);
    let mut s = clean();
    s.registers[0].entries[1].status = crate::register::CertStatus::Revoked;
    assert_eq!(only(&s, "ZV-A-005"), [(11, "ccc_cert_no".to_string())]);
    let mut s = clean();
    s.registers[0].entries.remove(0);
    assert_eq!(only(&s, "ZV-A-005"), [(10, "ccc_cert_no".to_string())]);
    let mut s = clean();
    s.registers[0].entries[0].uscc = USCC_B.into();
    let found = run(&s);
    let f = found.iter().find(|f| f.rule == "ZV-A-005").unwrap();
    assert!(
        f.evidence.contains("闽江家电") || f.evidence.contains(USCC_B),
        "{}",
        f.evidence
    );
    // No register imported, or no day to judge by: nothing is said.
    let mut s = clean();
    s.registers[0].entries.clear();
    s.registers.clear();
    assert!(only(&s, "ZV-A-005").is_empty());
    let mut s = clean();
    s.registers[0].entries.clear();
    s.today = None;
    assert!(only(&s, "ZV-A-005").is_empty());
}

fn found(s: &Snapshot) -> Vec<(String, i64, String)> {
    run(s)
        .into_iter()
        .map(|f| (f.rule, f.record_id, f.field))
        .collect()
}

fn only(s: &Snapshot, rule: &str) -> Vec<(i64, String)> {
    run(s)
        .into_iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.record_id, f.field))
        .collect()
}

#[test]
fn every_catalogued_rule_is_implemented_and_every_implemented_rule_catalogued() {
    let catalogued: BTreeSet<&str> = catalogue().rules.iter().map(|r| r.id.as_str()).collect();
    let implemented: BTreeSet<&str> = IMPLEMENTED.iter().map(|(id, _)| *id).collect();
    assert_eq!(catalogued, implemented);
    assert_eq!(
        implemented.len(),
        IMPLEMENTED.len(),
        "an ID implemented twice"
    );
}

#[test]
fn a_clean_province_has_no_findings() {
    assert_eq!(found(&clean()), vec![]);
}

#[test]
fn completeness() {
    let mut s = clean();
    s.enterprises[0].record.contact_phone = " ".into();
    s.enterprises[0].record.uscc = "91440300708461136X".into();
    s.products[0].record.mandatory_standards = vec![];
    s.flows[0].record.counterparty_address = None;
    assert_eq!(
        only(&s, "ZV-C-001"),
        [(1, "contact_phone".into()), (1, "uscc".into())]
    );
    assert_eq!(only(&s, "ZV-C-002"), [(10, "mandatory_standards".into())]);
    assert_eq!(only(&s, "ZV-C-003"), [(30, "counterparty_address".into())]);
    // A seller's sale to a consumer need not name them (G5.2-flow).
    let mut s = clean();
    s.enterprises[0].record.kind = EnterpriseKind::Seller;
    s.flows[0].record.counterparty_contact = None;
    assert_eq!(only(&s, "ZV-C-003"), vec![]);
}

#[test]
fn a_referenced_file_missing_or_altered() {
    let sha = |n: u8| format!("{n:02x}").repeat(32);
    let mut s = clean();
    // Enterprise 1's licence is gone; the report of batch 21 was replaced.
    s.file_faults.insert(sha(1), FileFault::Missing);
    s.file_faults.insert(sha(51), FileFault::Altered);
    // A fault of a file no record references names nothing.
    s.file_faults.insert(sha(99), FileFault::Missing);
    assert_eq!(
        only(&s, "ZV-C-005"),
        // Ordered by kind: the batch before the enterprise.
        [
            (21, "inspection_report".into()),
            (1, "business_licence".into())
        ]
    );
    let evidence: Vec<String> = run(&s)
        .into_iter()
        .filter(|f| f.rule == "ZV-C-005")
        .map(|f| f.evidence)
        .collect();
    assert!(evidence[0].contains("内容已被改动"), "{evidence:?}");
    assert!(
        evidence[0].contains("the inspection report file"),
        "{evidence:?}"
    );
    assert!(evidence[1].contains("已不在文件库中"), "{evidence:?}");
    // A product's instructions file, when it has one.
    let mut s = clean();
    s.products[1].record.instructions_file = Some(crate::verification::FileView {
        sha256: sha(77),
        name: "说明书.pdf".into(),
    });
    assert_eq!(only(&s, "ZV-C-005"), vec![]);
    s.file_faults.insert(sha(77), FileFault::Missing);
    assert_eq!(only(&s, "ZV-C-005"), [(11, "instructions_file".into())]);
}

#[test]
fn authenticity() {
    let mut s = clean();
    s.enterprises[1].record.uscc = USCC_A.into();
    s.products[1].record.ccc_cert_no = Some("2021010101000001".into());
    s.batches[1].record.inspection_report = s.batches[0].record.inspection_report.clone();
    s.flows.push({
        let mut p = sale(31, 2, 20, 1, "2026-10-06");
        p.record.kind = FlowKind::Purchase;
        p.record.matched = Some(false);
        p.record.unmatched = vec!["(01)06970000000017(21)X".into()];
        p
    });
    assert_eq!(
        only(&s, "ZV-A-001"),
        [(1, "uscc".into()), (2, "uscc".into())]
    );
    assert_eq!(
        only(&s, "ZV-A-002"),
        [(10, "ccc_cert_no".into()), (11, "ccc_cert_no".into())]
    );
    assert_eq!(
        only(&s, "ZV-A-003"),
        [
            (20, "inspection_report".into()),
            (21, "inspection_report".into())
        ]
    );
    assert_eq!(only(&s, "ZV-A-004"), [(31, "lines".into())]);
    let evidence = run(&s)
        .into_iter()
        .find(|f| f.rule == "ZV-A-001")
        .unwrap()
        .evidence;
    assert!(evidence.contains("闽江家电"), "{evidence}");
    // The same name twice is one enterprise filed twice, not a forgery.
    let mut s = clean();
    s.enterprises[1].record.uscc = USCC_A.into();
    s.enterprises[1].record.name = "粤海电线电缆".into();
    assert_eq!(only(&s, "ZV-A-001"), vec![]);
}

#[test]
fn accuracy() {
    let mut s = clean();
    s.batches[0].record.production_date = NaiveDate::from_ymd_opt(2026, 10, 3).unwrap();
    s.flows.push(sale(31, 1, 20, 70, "2026-10-07"));
    s.products.push(product(
        12,
        1,
        "燃气灶（嵌入式）",
        "jzt-1 ",
        "2021010101000003",
    ));
    s.enterprises[1].record.region_code = "440305".into();
    assert_eq!(only(&s, "ZV-R-001"), [(20, "production_date".into())]);
    assert_eq!(only(&s, "ZV-R-002"), [(20, "quantity".into())]);
    assert_eq!(
        only(&s, "ZV-R-003"),
        [(10, "model".into()), (12, "model".into())]
    );
    assert_eq!(only(&s, "ZV-R-004"), [(2, "region_code".into())]);
    // Activated in the first hours of 3 October in Beijing is 3 October.
    let mut s = clean();
    s.batches[0].record.production_date = NaiveDate::from_ymd_opt(2026, 10, 3).unwrap();
    s.batches[0].record.activated_at = Some("2026-10-02T17:00:00Z".into());
    assert_eq!(only(&s, "ZV-R-001"), vec![]);
}

#[test]
fn a_rule_turned_off_finds_nothing() {
    let mut s = clean();
    s.enterprises[1].record.region_code = "440305".into();
    assert_eq!(only(&s, "ZV-R-004").len(), 1);
    let off = run_except(&s, &["ZV-R-004".to_string()]);
    assert!(off.iter().all(|f| f.rule != "ZV-R-004"));
}

#[test]
fn timeliness() {
    let mut s = clean();
    s.flows.push(sale(31, 1, 20, 1, "2026-10-01"));
    assert_eq!(only(&s, "ZV-T-001"), [(20, "activated_at".into())]);
}

/// Records awaiting a person (V5-manual): an enterprise never checked, a
/// batch submitted, a product never reviewed; each found by its rule
/// alone, as the service runs them on a record it just stored.
#[test]
fn records_awaiting_review_are_found() {
    let mut s = clean();
    s.enterprises[1].record.identity_check = None;
    s.batches[0].record.status = crate::batch::BatchStatus::Submitted;
    s.batches[0].record.activated_at = None;
    s.products[1].record.review = None;
    assert_eq!(only(&s, "ZV-A-006"), [(2, "identity_check".into())]);
    assert_eq!(only(&s, "ZV-R-005"), [(20, "status".into())]);
    assert_eq!(only(&s, "ZV-R-006"), [(11, "".into())]);
    let alone = super::run_rules(&s, &["ZV-R-005", "ZV-R-006"]);
    let rules: Vec<&str> = alone.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["ZV-R-005", "ZV-R-006"]);
    assert!(alone[0].evidence.contains("L20"), "{}", alone[0].evidence);
}

/// A flow of `kind` by `by` to or from `party` of `quantity` of batch 20
/// under `code`, dated `at`.
fn flow(
    id: i64,
    by: i64,
    kind: &str,
    party: i64,
    code: &str,
    quantity: u64,
    at: &str,
) -> Stored<crate::verification::FlowView> {
    stored::<crate::flow::Flow>(
        id,
        json!({"enterprise_id": by, "kind": kind, "at": at, "counterparty_id": party,
            "counterparty_name": "对方", "lines": [{"code": code, "batch_id": 20, "quantity": quantity}],
            "unmatched": [], "matched": true}),
    )
    .view()
}

#[test]
fn produced_after_its_first_sale() {
    let mut s = clean();
    s.batches[0].record.production_date = NaiveDate::from_ymd_opt(2026, 10, 6).unwrap();
    assert_eq!(only(&s, "ZV-R-007"), [(20, "production_date".into())]);
}

/// A seller sells more of a batch than reached it: what it bought, or
/// what its supplier sold it, whichever is more.
#[test]
fn a_seller_sells_more_than_reached_it() {
    let mut s = clean();
    s.enterprises
        .push(enterprise(3, "广州五金", "91440101MA59TQ1X4F", "seller"));
    s.flows.push(flow(
        40,
        1,
        "sale",
        3,
        "(01)06970000000017(10)L20",
        10,
        "2026-10-05",
    ));
    s.flows.push(flow(
        41,
        3,
        "sale",
        9,
        "(01)06970000000017(10)L20",
        15,
        "2026-10-08",
    ));
    assert_eq!(only(&s, "ZV-R-008"), [(41, "lines".into())]);
    s.flows.push(flow(
        42,
        3,
        "purchase",
        1,
        "(01)06970000000017(10)L20",
        20,
        "2026-10-05",
    ));
    assert_eq!(only(&s, "ZV-R-008"), vec![]);
}

/// A purchase recorded more than the threshold's days after the sale
/// upstream; a deployment's own threshold moves the line.
#[test]
fn a_purchase_recorded_late() {
    let mut s = clean();
    s.enterprises
        .push(enterprise(3, "广州五金", "91440101MA59TQ1X4F", "seller"));
    s.flows
        .push(flow(40, 1, "sale", 3, "CODE-1", 1, "2026-10-05"));
    let mut purchase = flow(41, 3, "purchase", 1, "CODE-1", 1, "2026-10-05");
    purchase.created_at = "2026-10-20T03:00:00Z".into();
    s.flows.push(purchase);
    assert_eq!(only(&s, "ZV-T-002"), [(41, "at".into())]);
    s.thresholds.insert("ZV-T-002.days".into(), 20.0);
    assert_eq!(only(&s, "ZV-T-002"), vec![]);
}

#[test]
fn a_standard_outside_the_category() {
    let mut s = clean();
    s.products[1].record.mandatory_standards = vec!["GB 17761-2024".into(), "GB 6932-2015".into()];
    assert_eq!(only(&s, "ZV-R-009"), [(11, "mandatory_standards".into())]);
    let found = run(&s);
    let evidence = &found
        .iter()
        .find(|f| f.rule == "ZV-R-009")
        .unwrap()
        .evidence;
    assert!(
        evidence.contains("家用燃气器具") && evidence.contains("GB 16410"),
        "{evidence}"
    );
}

/// ZV-T-003: submitted on 2026-11-30 and still waiting on 2026-12-06 is
/// 6 days, past the 5 allowed; a deployment allowing 7 finds nothing,
/// and neither does a decided batch.
#[test]
fn a_batch_waiting_past_the_service_level() {
    let mut s = clean();
    s.batches[0].record.status = crate::batch::BatchStatus::Submitted;
    s.batches[0].record.activated_at = None;
    s.batches[0].updated_at = "2026-11-30T03:00:00Z".into();
    assert_eq!(only(&s, "ZV-T-003"), [(20, "status".into())]);
    s.thresholds.insert("ZV-T-003.days".into(), 7.0);
    assert_eq!(only(&s, "ZV-T-003"), vec![]);
    s.thresholds.clear();
    s.batches[0].updated_at = "2026-12-01T03:00:00Z".into();
    assert_eq!(only(&s, "ZV-T-003"), vec![], "5 days is within the level");
    s.batches[0].updated_at = "2026-11-30T03:00:00Z".into();
    s.batches[0].record.status = crate::batch::BatchStatus::Approved;
    assert_eq!(only(&s, "ZV-T-003"), vec![]);
}

#[test]
fn a_product_not_reviewed_for_a_year() {
    let mut s = clean();
    s.products[0].updated_at = "2025-10-01T00:00:00Z".into();
    assert_eq!(only(&s, "ZV-T-004"), [(10, "".into())]);
    s.products[0].record.paused = true;
    assert_eq!(only(&s, "ZV-T-004"), vec![]);
}

#[test]
fn a_deployments_thresholds_are_checked_against_the_catalogue() {
    let c = catalogue();
    let set = |k: &str, v: f64| [(k.to_string(), v)].into_iter().collect();
    assert!(c.check_thresholds(&set("ZV-T-002.days", 10.0)).is_ok());
    assert!(c.check_thresholds(&set("ZV-T-002.weeks", 1.0)).is_err());
    assert!(c.check_thresholds(&set("ZV-X-999.days", 1.0)).is_err());
    assert!(c.check_thresholds(&set("ZV-T-002.days", -1.0)).is_err());
    // Every threshold a rule reads is in the catalogue (else `threshold` panics).
    let s = clean();
    for rule in c.rules.iter().filter(|r| !r.thresholds.is_empty()) {
        for name in rule.thresholds.keys() {
            assert!(s.threshold(&rule.id, name) >= 0.0);
        }
    }
}

/// Copied codes: a batch whose codes drew counterfeit alerts past the
/// share and the count (ZV-A-007).
#[test]
fn a_batch_with_copied_codes() {
    let mut s = clean();
    s.suspect_codes.insert(20, 2);
    assert_eq!(only(&s, "ZV-A-007"), vec![], "two codes: under the count");
    s.suspect_codes.insert(20, 3);
    assert_eq!(only(&s, "ZV-A-007"), [(20, "".into())], "3 of 100: past 1%");
    s.thresholds.insert("ZV-A-007.percent".into(), 5.0);
    assert_eq!(only(&s, "ZV-A-007"), vec![], "3 of 100: under 5%");
}

/// ZV-C-004 (P5.3.3.3): a batch made over days ships, by a day, more than
/// the days reported up to it made; the clean control ships within them.
#[test]
fn a_batch_shipped_from_a_day_not_reported() {
    let mut s = clean();
    // Batch 20: 100 on 1 October, 60 more reported for 4 October.
    s.batches[0].record.days.push(crate::verification::DayView {
        day: NaiveDate::from_ymd_opt(2026, 10, 4).unwrap(),
        quantity: 60,
    });
    s.batches[0].record.quantity = Some(160);
    // 40 on 5 October (clean()), 70 more on 6 October: 110 by then, 160 made.
    s.flows.push(sale(32, 1, 20, 70, "2026-10-06"));
    assert_eq!(only(&s, "ZV-C-004"), vec![], "within the days reported");
    // 120 shipped on 3 October, when only the first day's 100 were made.
    s.flows.push(sale(33, 1, 20, 120, "2026-10-03"));
    assert_eq!(only(&s, "ZV-C-004"), [(20, "days".into())]);
    let found = run(&s);
    let f = found.iter().find(|f| f.rule == "ZV-C-004").unwrap();
    assert!(
        f.evidence.contains("2026-10-03") && f.evidence.contains("120"),
        "{}",
        f.evidence
    );
    // A buyer's resale of the batch is not its maker's shipment.
    s.flows.pop();
    s.flows.push(sale(34, 2, 20, 500, "2026-10-03"));
    assert_eq!(only(&s, "ZV-C-004"), vec![]);
}

/// The hand-read UTC times date as chrono does, across the hour Beijing's
/// day turns and the ends of months and years; other forms go to chrono.
#[test]
fn utc_times_date_as_chrono_dates_them() {
    for at in [
        "2026-10-01T15:59:59Z",
        "2026-10-01T16:00:00Z",
        "2026-10-31T23:59:59.999Z",
        "2026-12-31T16:00:00Z",
        "2024-02-28T16:30:00.5Z",
        "2026-01-01T00:00:00Z",
    ] {
        assert_eq!(
            super::utc_china_date(at),
            super::parsed_china_date(at),
            "{at}"
        );
        assert!(super::utc_china_date(at).is_some(), "{at}");
    }
    for other in [
        "2026-10-01",
        "2026-10-01T10:00:00+08:00",
        "2026-13-01T10:00:00Z",
        "2026-10-01T25:00:00Z",
        "2026-10-01T10:61:00Z",
        "2026-10-01T10:00:0xZ",
    ] {
        assert_eq!(super::utc_china_date(other), None, "{other}");
    }
    assert_eq!(
        china_date("2026-10-01"),
        NaiveDate::from_ymd_opt(2026, 10, 1)
    );
    assert_eq!(
        china_date("2026-10-01T20:00:00+08:00"),
        NaiveDate::from_ymd_opt(2026, 10, 1)
    );
}
