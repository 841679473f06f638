//! The parts of each record the verification rules read (V4, issue 17.2):
//! a sweep parses every stored body into these, not into the whole
//! domain types.
//!
//! Why: a full sweep parses 1,000,000 bodies, and parsing into the whole
//! types (every free-text field, honour, amendment, label layout and
//! disposal a fresh allocation, all of it kept until the rules ran) was
//! most of its time. These views deserialize from the same stored JSON —
//! the fields they leave out are skipped, not allocated — and are made
//! from the whole types ([`From`]) where a record is already in hand. A
//! test keeps each view in step with its type: a view parsed from a
//! record's JSON equals the one made from the record.

use chrono::NaiveDate;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::batch::BatchStatus;
use crate::flow::{FlowKind, FlowLine};
use crate::{BlobRef, EnterpriseKind};

/// A referenced file as the rules read it: its address and its name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FileView {
    pub sha256: String,
    #[serde(default)]
    pub name: String,
}

impl From<BlobRef> for FileView {
    fn from(b: BlobRef) -> Self {
        FileView {
            sha256: b.sha256,
            name: b.name,
        }
    }
}

/// What the rules read of an enterprise.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EnterpriseView {
    pub kind: EnterpriseKind,
    pub name: String,
    pub uscc: String,
    pub address: String,
    pub region_code: String,
    pub contact_phone: String,
    pub business_licence: FileView,
    /// Whether a regulator checked its identity (the queue's rule reads
    /// only that there is a check).
    #[serde(default)]
    pub identity_check: Option<IgnoredAny>,
}

impl From<crate::Enterprise> for EnterpriseView {
    fn from(e: crate::Enterprise) -> Self {
        EnterpriseView {
            kind: e.kind,
            name: e.name,
            uscc: e.uscc,
            address: e.address,
            region_code: e.region_code,
            contact_phone: e.contact_phone,
            business_licence: e.business_licence.into(),
            identity_check: e.identity_check.map(|_| IgnoredAny),
        }
    }
}

/// What the rules read of a product.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProductView {
    pub enterprise_id: i64,
    pub product_name: String,
    pub product_type: String,
    pub model: String,
    pub category: String,
    pub mandatory_standards: Vec<String>,
    pub production_licence_no: Option<String>,
    pub ccc_cert_no: Option<String>,
    pub instructions_file: Option<FileView>,
    pub paused: bool,
    /// Whether a reviewer decided on it (the queue's rule reads only that).
    #[serde(default)]
    pub review: Option<IgnoredAny>,
}

impl From<crate::Product> for ProductView {
    fn from(p: crate::Product) -> Self {
        ProductView {
            enterprise_id: p.enterprise_id,
            product_name: p.product_name,
            product_type: p.product_type,
            model: p.model,
            category: p.category,
            mandatory_standards: p.mandatory_standards,
            production_licence_no: p.production_licence_no,
            ccc_cert_no: p.ccc_cert_no,
            instructions_file: p.instructions_file.map(FileView::from),
            paused: p.paused,
            review: p.review.map(|_| IgnoredAny),
        }
    }
}

/// A later production day of a batch as the rules read it (P5.3.3.3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DayView {
    pub day: NaiveDate,
    pub quantity: u64,
}

/// What the rules read of a batch.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BatchView {
    pub product_id: i64,
    pub enterprise_id: i64,
    pub batch_no: String,
    pub production_date: NaiveDate,
    pub quantity: Option<u64>,
    pub inspection_report: FileView,
    pub status: BatchStatus,
    #[serde(default)]
    pub review_notes: Vec<String>,
    #[serde(default)]
    pub activated_at: Option<String>,
    #[serde(default)]
    pub days: Vec<DayView>,
}

impl From<crate::Batch> for BatchView {
    fn from(b: crate::Batch) -> Self {
        BatchView {
            product_id: b.product_id,
            enterprise_id: b.enterprise_id,
            batch_no: b.batch_no,
            production_date: b.production_date,
            quantity: b.quantity,
            inspection_report: b.inspection_report.into(),
            status: b.status,
            review_notes: b.review_notes,
            activated_at: b.activated_at,
            days: b
                .days
                .into_iter()
                .map(|d| DayView {
                    day: d.day,
                    quantity: d.quantity,
                })
                .collect(),
        }
    }
}

impl BatchView {
    /// How many it made up to and including `day` (P5.3.3.3): as
    /// [`crate::production_days::made_by`] counts a whole batch.
    pub fn made_by(&self, day: NaiveDate) -> u64 {
        crate::production_days::made_by_days(
            self.production_date,
            self.quantity,
            self.days.iter().map(|d| (d.day, d.quantity)),
            day,
        )
    }
}

/// What the rules read of a purchase or sale.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FlowView {
    pub enterprise_id: i64,
    pub kind: FlowKind,
    pub at: String,
    pub counterparty_id: Option<i64>,
    pub counterparty_name: String,
    pub counterparty_address: Option<String>,
    pub counterparty_contact: Option<String>,
    pub lines: Vec<FlowLine>,
    #[serde(default)]
    pub matched: Option<bool>,
    #[serde(default)]
    pub unmatched: Vec<String>,
}

impl From<crate::flow::Flow> for FlowView {
    fn from(f: crate::flow::Flow) -> Self {
        FlowView {
            enterprise_id: f.enterprise_id,
            kind: f.kind,
            at: f.at,
            counterparty_id: f.counterparty_id,
            counterparty_name: f.counterparty_name,
            counterparty_address: f.counterparty_address,
            counterparty_contact: f.counterparty_contact,
            lines: f.lines,
            matched: f.matched,
            unmatched: f.unmatched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    /// A whole record with every field the views leave out set too: its
    /// view parsed from the stored JSON equals the one made from it.
    fn in_step<T, V>(body: serde_json::Value)
    where
        T: DeserializeOwned + serde::Serialize,
        V: DeserializeOwned + From<T> + PartialEq + std::fmt::Debug,
    {
        let whole: T = serde_json::from_value(body).expect("a whole record");
        let stored = serde_json::to_string(&whole).unwrap();
        let parsed: V = serde_json::from_str(&stored).expect("its view parses");
        assert_eq!(parsed, V::from(whole));
    }

    fn file(n: u8) -> serde_json::Value {
        json!({"sha256": format!("{n:02x}").repeat(32), "content_type": "application/pdf",
               "size": 10, "name": format!("f{n}.pdf")})
    }

    #[test]
    fn each_view_reads_what_its_whole_record_holds() {
        in_step::<crate::Enterprise, EnterpriseView>(json!({
            "kind": "manufacturer", "name": "粤海电线电缆", "uscc": "91440300708461136T",
            "address": "深圳市南山区", "region_code": "440305", "contact_name": "张三",
            "contact_phone": "0755-12345678", "business_licence": file(1),
            "management_certifications": ["ISO 9001"], "product_certifications": ["CCC"],
            "website": "https://example.cn",
            "identity_check": {"status": "verified", "by": "user:zj", "at": "2026-10-01T00:00:00Z", "note": "核验通过"}}));
        in_step::<crate::Enterprise, EnterpriseView>(json!({
            "kind": "seller", "name": "王五五金店", "uscc": "92440300MA5XXXXX1X",
            "address": "深圳市", "region_code": "440305", "contact_name": null,
            "contact_phone": "0755-1", "business_licence": file(2),
            "management_certifications": [], "product_certifications": [], "website": null}));
        in_step::<crate::Product, ProductView>(json!({
            "enterprise_id": 1, "product_name": "家用燃气灶", "product_type": "燃气灶", "model": "JZT-2",
            "category": "gas-appliance", "brand": "粤海", "honours": ["省名牌"],
            "mandatory_standards": ["GB 16410-2020"], "production_licence_no": null,
            "ccc_cert_no": "2021010101000001", "warranty_months": 12, "service_life_months": 96,
            "instructions": "见说明书", "instructions_file": file(3), "materials": "不锈钢",
            "functions": null, "performance": null, "code_scheme": "gs1", "trace_level": "per-item",
            "gtin": "06970000000017", "paused": true, "copied_from": 7,
            "review": {"class": "compliant", "reason": "备案信息齐全", "by": "user:zj", "at": "2026-10-01T00:00:00Z"}}));
        in_step::<crate::Batch, BatchView>(json!({
            "product_id": 11, "enterprise_id": 1, "batch_no": "L20", "production_date": "2026-10-01",
            "quantity": 160, "inspection_report": file(4), "inspection_report_public": true,
            "note": "夜班", "status": "active", "review_notes": ["报告日期早于生产日期"],
            "review": {"approved": true, "by": "system", "at": "2026-10-02T02:00:00Z", "reason": null},
            "activated_at": "2026-10-02T02:00:00Z", "copied_from": 19,
            "days": [{"day": "2026-10-04", "quantity": 60, "first_index": 100, "by": "user:1", "at": "2026-10-04T10:00:00Z"}]}));
        in_step::<crate::flow::Flow, FlowView>(json!({
            "enterprise_id": 1, "kind": "purchase", "at": "2026-10-05", "counterparty_id": 2,
            "counterparty_name": "个体户王五", "counterparty_address": "深圳市",
            "counterparty_contact": "sealed:v1:x",
            "lines": [{"code": "(01)06970000000017(10)L20", "batch_id": 20, "quantity": 40}],
            "matched": false, "unmatched": ["(01)06970000000017(21)9"]}));
    }

    #[test]
    fn a_view_refuses_what_its_whole_record_refuses() {
        // A batch without its report is no batch (ZV-C-003 needs the field
        // to exist to say it is blank): the sweep logs it as unreadable.
        let body = json!({"product_id": 11, "enterprise_id": 1, "batch_no": "L20",
            "production_date": "2026-10-01", "quantity": 1, "status": "active"});
        assert!(serde_json::from_value::<crate::Batch>(body.clone()).is_err());
        assert!(serde_json::from_value::<BatchView>(body).is_err());
    }
}
