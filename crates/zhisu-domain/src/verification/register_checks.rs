//! ZV-A-005 (issue 17.3): a product's production-licence or CCC number
//! checked against the issuing authority's register, when one has been
//! imported: not in it, not holding today (expired, suspended, revoked),
//! or held by an enterprise with another USCC. Apart from `rules.rs` to
//! keep each file to one concern.

use foldhash::HashMap;

use super::rules::{finding, Names};
use super::{Finding, Snapshot};
use crate::register::RegisterKind;
use crate::RecordKind;

pub(super) fn licence_against_register(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let Some(today) = s.today else {
        return Vec::new();
    };
    let uscc_of: HashMap<i64, &str> = s
        .enterprises
        .iter()
        .map(|e| (e.id, e.record.uscc.as_str()))
        .collect();
    let mut out = Vec::new();
    for register in &s.registers {
        let entries = register.by_number();
        for p in &s.products {
            let number = match register.kind {
                RegisterKind::ProductionLicence => &p.record.production_licence_no,
                RegisterKind::Ccc => &p.record.ccc_cert_no,
            };
            let Some(n) = number.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
                continue;
            };
            let register_name = register.kind.label_zh();
            let evidence = match entries.get(n) {
                None => format!(
                    "{register_name}登记中没有编号 {n}（{}） (number {n} is not in the authority's register)",
                    register.source
                ),
                Some(e) if !e.holds_on(today) => format!(
                    "{register_name} {n} 登记状态为“{}”，有效期 {} 至 {} (number {n} is {} in the register, valid {} to {})",
                    e.status.label_zh(),
                    e.valid_from,
                    e.valid_to,
                    serde_json::to_value(e.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                    e.valid_from,
                    e.valid_to
                ),
                Some(e) if uscc_of.get(&p.record.enterprise_id).is_some_and(|u| !u.eq_ignore_ascii_case(&e.uscc)) => format!(
                    "{register_name} {n} 登记的持证人是 {}（{}） (number {n} is held by {}, {})",
                    e.holder_name, e.uscc, e.holder_name, e.uscc
                ),
                Some(_) => continue,
            };
            out.push(finding(
                "ZV-A-005",
                RecordKind::Product,
                p,
                p.record.enterprise_id,
                register.kind.product_field(),
                evidence,
            ));
        }
    }
    out
}
