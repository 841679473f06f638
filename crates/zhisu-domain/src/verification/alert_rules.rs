//! ZV-A-007: a batch whose codes are copied (V4 authenticity): more of its
//! codes drew a counterfeit alert (scanned more often than one item's life
//! explains, or in two places too far apart) than the deployment's share
//! of the batch and count allow.

use super::rules::{finding, Names};
use super::{Finding, Snapshot};
use crate::RecordKind;

pub(super) fn batch_codes_copied(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let percent = s.threshold("ZV-A-007", "percent");
    let least = s.threshold("ZV-A-007", "codes");
    s.batches
        .iter()
        .filter_map(|b| {
            let suspect = *s.suspect_codes.get(&b.id)?;
            let share = b
                .record
                .quantity
                .filter(|q| *q > 0)
                .map(|q| suspect as f64 * 100.0 / q as f64);
            let over = (suspect as f64) >= least && share.is_none_or(|p| p > percent);
            over.then(|| {
                let of = share.map_or(String::new(), |p| format!("（{p:.1}%）"));
                finding(
                    "ZV-A-007",
                    RecordKind::Batch,
                    b,
                    b.record.enterprise_id,
                    "",
                    format!(
                        "批次 {} 有 {suspect} 个码触发仿冒预警{of}，超过 {percent}% 且不少于 {least} 个 (batch {}: {suspect} codes drew counterfeit alerts, past {percent}% and at least {least})",
                        b.record.batch_no, b.record.batch_no
                    ),
                )
            })
        })
        .collect()
}
