//! Rules of records left waiting: ZV-T-004, filed information its
//! enterprise has not looked at for a year (P7.1.1, periodic review: keep
//! the records in step with the products), a note to the enterprise
//! settled by a person; ZV-T-003, a batch submitted for codes that no
//! reviewer has decided within the deployment's service level (P4: codes
//! are due before the goods leave the factory), settled by the decision.

use super::rules::{china_date, finding, Names};
use super::{Finding, Snapshot};
use crate::RecordKind;

/// ZV-T-003: a submitted batch waiting past `days` since it was
/// submitted (its last change: while submitted, a batch is not edited).
pub(super) fn batch_waiting_past_service_level(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let days = s.threshold("ZV-T-003", "days");
    let Some(today) = s.today else {
        return Vec::new();
    };
    s.batches
        .iter()
        .filter(|b| b.record.status == crate::batch::BatchStatus::Submitted)
        .filter_map(|b| {
            let submitted = china_date(&b.updated_at)?;
            let waited = (today - submitted).num_days();
            (waited as f64 > days).then(|| {
                finding(
                    "ZV-T-003",
                    RecordKind::Batch,
                    b,
                    b.record.enterprise_id,
                    "status",
                    format!(
                        "批次 {} 于 {submitted} 提交赋码申请，已等待 {waited} 天未审核（限 {days} 天） (batch {} submitted on {submitted}, {waited} days without a decision; {days} allowed)",
                        b.record.batch_no, b.record.batch_no
                    ),
                )
            })
        })
        .collect()
}

pub(super) fn product_not_reviewed_for_a_year(s: &Snapshot, _: &Names) -> Vec<Finding> {
    let months = s.threshold("ZV-T-004", "months");
    let Some(today) = s.today else {
        return Vec::new();
    };
    // Months as the calendar has them, near enough: 30.44 days each.
    let limit = (months * 30.44).round() as i64;
    s.products
        .iter()
        .filter(|p| !p.record.paused)
        .filter_map(|p| {
            let changed = china_date(&p.updated_at)?;
            let idle = (today - changed).num_days();
            (idle > limit).then(|| {
                finding(
                    "ZV-T-004",
                    RecordKind::Product,
                    p,
                    p.record.enterprise_id,
                    "",
                    format!(
                        "{} {} 自 {changed} 起 {idle} 天未复核更新（应每 {months} 个月复核） ({} {} unchanged since {changed}, {idle} days; review every {months} months)",
                        p.record.product_name, p.record.model, p.record.product_name, p.record.model
                    ),
                )
            })
        })
        .collect()
}
