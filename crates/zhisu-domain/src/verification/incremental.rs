//! Which records an incremental sweep reads again (V5-auto, issue 17.2):
//! the keys every rule groups records on. A finding on a record depends
//! only on the record itself, on the records that share one of its keys,
//! and on context read whole (enterprises' names and kinds, the registers,
//! the alerts, the files found faulty, the day). So after some records
//! change, the findings that can change are those of the records sharing a
//! key with them (as they are now or were at the last sweep); to judge
//! those, a sweep reads every record sharing a key with any of them.
//!
//! The keys, by rule:
//!
//! | key | records | rules |
//! | --- | --- | --- |
//! | USCC | enterprises | ZV-A-001 |
//! | enterprise | it and its products | ZV-R-003 (a model within one enterprise), ZV-A-005 (the holder's USCC) |
//! | licence or CCC number | products | ZV-A-002 |
//! | file (inspection report) | batches | ZV-A-003 |
//! | batch | it and the flows with a line of it | ZV-R-002, ZV-R-007, ZV-R-008, ZV-T-001, ZV-T-002 |
//!
//! Every other rule reads one record alone. The test below runs every rule
//! over the neighbourhood these keys give and over the whole, and requires
//! the same findings on the records judged: a rule that groups on anything
//! else fails it.

use std::collections::BTreeSet;

use super::{BatchView, EnterpriseView, FlowView, ProductView, Snapshot, Stored};

/// Keys records share, by what the rules group them on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    /// Enterprises by USCC, upper case.
    pub usccs: BTreeSet<String>,
    /// Enterprises, with their products.
    pub enterprises: BTreeSet<i64>,
    /// Products by production-licence or CCC number, trimmed, upper case.
    pub licences: BTreeSet<String>,
    /// Batches by the file of their inspection report.
    pub files: BTreeSet<String>,
    /// Batches, with the flows that have a line of them.
    pub batches: BTreeSet<i64>,
}

impl Keys {
    pub fn is_empty(&self) -> bool {
        self.usccs.is_empty()
            && self.enterprises.is_empty()
            && self.licences.is_empty()
            && self.files.is_empty()
            && self.batches.is_empty()
    }

    pub fn add_enterprise(&mut self, id: i64, e: &EnterpriseView) {
        self.usccs.insert(e.uscc.to_uppercase());
        self.enterprises.insert(id);
    }

    pub fn add_product(&mut self, p: &ProductView) {
        self.enterprises.insert(p.enterprise_id);
        for number in [&p.production_licence_no, &p.ccc_cert_no] {
            if let Some(n) = number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                self.licences.insert(n.to_uppercase());
            }
        }
    }

    pub fn add_batch(&mut self, id: i64, b: &BatchView) {
        self.batches.insert(id);
        if !b.inspection_report.sha256.is_empty() {
            self.files.insert(b.inspection_report.sha256.clone());
        }
    }

    pub fn add_flow(&mut self, f: &FlowView) {
        self.batches.extend(f.lines.iter().map(|l| l.batch_id));
    }

    /// The keys of every record in `s`.
    pub fn of(s: &Snapshot) -> Keys {
        let mut keys = Keys::default();
        for e in &s.enterprises {
            keys.add_enterprise(e.id, &e.record);
        }
        for p in &s.products {
            keys.add_product(&p.record);
        }
        for b in &s.batches {
            keys.add_batch(b.id, &b.record);
        }
        for f in &s.flows {
            keys.add_flow(&f.record);
        }
        keys
    }

    /// Whether `record` holds any of these keys (as the store's
    /// `sweep_neighbours` finds them, plus the enterprises and batches
    /// named, which are their own key).
    pub fn hold_enterprise(&self, e: &Stored<EnterpriseView>) -> bool {
        self.enterprises.contains(&e.id) || self.usccs.contains(&e.record.uscc.to_uppercase())
    }

    pub fn hold_product(&self, p: &Stored<ProductView>) -> bool {
        let mut own = Keys::default();
        own.add_product(&p.record);
        self.enterprises.contains(&p.record.enterprise_id)
            || !own.licences.is_disjoint(&self.licences)
    }

    pub fn hold_batch(&self, b: &Stored<BatchView>) -> bool {
        self.batches.contains(&b.id) || self.files.contains(&b.record.inspection_report.sha256)
    }

    pub fn hold_flow(&self, f: &Stored<FlowView>) -> bool {
        f.record
            .lines
            .iter()
            .any(|l| self.batches.contains(&l.batch_id))
    }

    pub fn extend(&mut self, other: Keys) {
        self.usccs.extend(other.usccs);
        self.enterprises.extend(other.enterprises);
        self.licences.extend(other.licences);
        self.files.extend(other.files);
        self.batches.extend(other.batches);
    }
}

#[cfg(test)]
mod tests;
