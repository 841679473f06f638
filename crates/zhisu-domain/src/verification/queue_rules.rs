//! Rules whose findings are records awaiting a person's review (V5-manual,
//! issue 17.4): an enterprise that registered itself and was never
//! checked, a batch submitted for codes, a product never reviewed. Each
//! reads one record alone, so the service can run them on the record it
//! just stored and the queue shows it at once, not after the next sweep.

use super::rules::{finding, Names};
use super::{Finding, Snapshot};
use crate::batch::BatchStatus;
use crate::RecordKind;

/// ZV-A-006: no regulator has checked who the enterprise is.
pub(super) fn enterprise_unchecked(s: &Snapshot, _: &Names) -> Vec<Finding> {
    s.enterprises
        .iter()
        .filter(|e| e.record.identity_check.is_none())
        .map(|e| {
            finding(
                "ZV-A-006",
                RecordKind::Enterprise,
                e,
                e.id,
                "identity_check",
                format!(
                    "{}（{}）自行注册，待核验营业执照与身份 ({} registered itself; its licence and identity await a check)",
                    e.record.name, e.record.uscc, e.record.name
                ),
            )
        })
        .collect()
}

/// ZV-R-005: a batch submitted for codes waits for a reviewer.
pub(super) fn batch_submitted(s: &Snapshot, _: &Names) -> Vec<Finding> {
    s.batches
        .iter()
        .filter(|b| b.record.status == BatchStatus::Submitted)
        .map(|b| {
            let notes = if b.record.review_notes.is_empty() {
                String::new()
            } else {
                format!("；自动检查提示：{}", b.record.review_notes.join("；"))
            };
            let (zh, en) = match b.record.quantity {
                Some(n) => (format!("申请 {n} 个码"), format!("asks for {n} codes")),
                None => (
                    "申请批次码".to_string(),
                    "asks for its batch code".to_string(),
                ),
            };
            finding(
                "ZV-R-005",
                RecordKind::Batch,
                b,
                b.record.enterprise_id,
                "status",
                format!(
                    "批次 {} {zh}{notes} (batch {} {en})",
                    b.record.batch_no, b.record.batch_no
                ),
            )
        })
        .collect()
}

/// ZV-R-006: a product no reviewer has decided on.
pub(super) fn product_unreviewed(s: &Snapshot, _: &Names) -> Vec<Finding> {
    s.products
        .iter()
        .filter(|p| p.record.review.is_none())
        .map(|p| {
            let category = crate::product::CATEGORIES
                .iter()
                .find(|c| c.code == p.record.category);
            let (zh, en) = category.map_or(
                (p.record.category.as_str(), p.record.category.as_str()),
                |c| (c.name_zh, c.name_en),
            );
            finding(
                "ZV-R-006",
                RecordKind::Product,
                p,
                p.record.enterprise_id,
                "",
                format!(
                    "{} {}（{zh}）待审核备案信息 ({} {}, {en}, awaits a review of what was filed)",
                    p.record.product_name, p.record.model, p.record.product_name, p.record.model
                ),
            )
        })
        .collect()
}
