//! Change after filing (P5.7, P7.1.2, issue 19.7): an active or frozen
//! batch keeps what it was filed and coded with, and its optional
//! information (`AMENDABLE_WHEN_ACTIVE`: its note, whether its inspection
//! report is public, the lots it was made from) may still be added and
//! changed, each change a new version that the scan page shows.

use zhisu_domain::batch::AMENDABLE_WHEN_ACTIVE;
use zhisu_domain::{Batch, BatchInput, Principal, RecordKind};

use crate::records::{audit, batch_index, schema_error, to_body};
use crate::{merge_patch, RecordView, Service, ServiceError, ServiceResult};

/// A stored batch's body as its input: without what the server manages —
/// the owner follows the product, the status and its days follow the
/// workflow — so a patch merged into it reads as a `BatchInput`.
pub(crate) fn batch_input_body(body: &serde_json::Value) -> serde_json::Value {
    let mut input = body.clone();
    if let Some(map) = input.as_object_mut() {
        for managed in [
            "enterprise_id",
            "status",
            "review",
            "review_notes",
            "activated_at",
            "disposal",
            "days",
        ] {
            map.remove(managed);
        }
    }
    input
}

/// The fields a patch would change that an active batch keeps fixed.
fn fixed_changes<'a>(body: &serde_json::Value, patch: &'a serde_json::Value) -> Vec<&'a str> {
    let Some(fields) = patch.as_object() else {
        return Vec::new();
    };
    fields
        .iter()
        .filter(|(field, value)| {
            !AMENDABLE_WHEN_ACTIVE.contains(&field.as_str())
                && body.get(field.as_str()).unwrap_or(&serde_json::Value::Null) != *value
        })
        .map(|(field, _)| field.as_str())
        .collect()
}

impl Service {
    /// Applies `patch` to the active or frozen batch `current` (`old`
    /// typed): only its optional information changes; a change of anything
    /// else is a 409 naming the fields, and nothing is stored.
    pub(crate) async fn amend_active_batch(
        &self,
        by: &Principal,
        current: &RecordView,
        old: Batch,
        patch: &serde_json::Value,
        expected_version: Option<i64>,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let enterprise = self
            .manufacturer_for(by, Some(current.enterprise_id))
            .await?;
        let fixed = fixed_changes(&current.body, patch);
        if !fixed.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "批次{}，{} 不能再修改；可修改备注、检验报告是否公开、原辅材料 (the batch is {}: {} cannot change; its note, inspection_report_public and inputs can, P4, P5.7)",
                old.status.label_zh(),
                fixed.join("、"),
                old.status.as_str(),
                fixed.join(", ")
            )));
        }
        // The optional fields are checked as filing checks them: the batch
        // as filed, with the patch's optional fields, through its input.
        let mut merged = batch_input_body(&current.body);
        let optional: serde_json::Map<String, serde_json::Value> = patch
            .as_object()
            .map(|fields| {
                fields
                    .iter()
                    .filter(|(f, _)| AMENDABLE_WHEN_ACTIVE.contains(&f.as_str()))
                    .map(|(f, v)| (f.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        merge_patch(&mut merged, &serde_json::Value::Object(optional));
        let input: BatchInput = serde_json::from_value(merged).map_err(schema_error)?;
        let (ctx, _) = self.batch_context(by, input.product_id).await?;
        let report = old.inspection_report.clone();
        let checked = input.validate(ctx, |sha| (sha == report.sha256).then(|| report.clone()))?;
        let mut batch = old;
        batch.note = checked.note;
        batch.inspection_report_public = checked.inspection_report_public;
        batch.inputs = checked.inputs;
        let stored = self
            .store
            .update_record(
                RecordKind::Batch,
                current.id,
                expected_version,
                batch_index(&batch, enterprise.text("region_code")),
                to_body(&batch)?,
                audit(by, "batch.amend", ip),
            )
            .await?;
        self.record_changed(RecordKind::Batch, current.id);
        Ok(stored.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_changes_outside_the_optional_fields_is_named() {
        let body = serde_json::json!({"batch_no": "B1", "quantity": 100, "note": null});
        let patch = serde_json::json!({"batch_no": "B1", "quantity": 120, "note": "夜班"});
        assert_eq!(fixed_changes(&body, &patch), vec!["quantity"]);
        let patch = serde_json::json!({"note": "夜班", "inspection_report_public": true});
        assert!(fixed_changes(&body, &patch).is_empty());
    }
}
