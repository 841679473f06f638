//! ZV-T-004: filed information its enterprise has not looked at for a
//! year (P7.1.1, periodic review: keep the records in step with the
//! products). A note to the enterprise, settled by a person.

use super::rules::{china_date, finding, Names};
use super::{Finding, Snapshot};
use crate::RecordKind;

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
