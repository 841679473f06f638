//! 一键同步录入 (P5.3.2, issue 19.1): the start of a new product or batch
//! copied from a stored one (`zhisu_domain::copying` says what a copy
//! leaves out), and the check of the source a new record names.

use serde_json::Value;
use zhisu_domain::{copying, FieldError, Invalid, Principal, RecordKind};

use crate::{ListFilter, Service, ServiceError, ServiceResult};

/// A 422 on `copied_from`, in both languages.
fn bad_source(kind: RecordKind, id: i64) -> ServiceError {
    let (zh, en) = match kind {
        RecordKind::Batch => ("批次", "batch"),
        _ => ("产品", "product"),
    };
    ServiceError::Invalid(Invalid(vec![FieldError::new(
        "copied_from",
        "reference",
        format!(
            "复制来源{zh} {id} 不存在或不属于本企业 (the {en} {id} copied from does not exist or is not this enterprise's)"
        ),
    )
    .clause("P5.3.2")]))
}

/// Whether a merge patch names another source than the record's
/// (`copied_from` is set when a record is filed, never after).
pub(crate) fn copied_from_changes(body: &Value, patch: &Value) -> bool {
    patch
        .get("copied_from")
        .is_some_and(|new| new != body.get("copied_from").unwrap_or(&Value::Null))
}

impl Service {
    /// The start of a new record copied from record `id` of `kind` (a
    /// product or batch the principal may file for): its fields but those
    /// that identify or date it, with `copied_from`.
    pub async fn copy_template(
        &self,
        by: &Principal,
        kind: RecordKind,
        id: i64,
    ) -> ServiceResult<Value> {
        let source = self.read_record(by, kind, id).await?;
        self.manufacturer_for(by, Some(source.enterprise_id))
            .await?;
        copying::template(kind, id, &source.body).ok_or_else(|| {
            ServiceError::BadRequest(format!(
                "只能复制产品或批次 (only products and batches are copied, not {})",
                kind.as_str()
            ))
        })
    }

    /// The start of product `product_id`'s next batch: a copy of its latest
    /// batch, or None when it has none yet.
    pub async fn next_batch_template(
        &self,
        by: &Principal,
        product_id: i64,
    ) -> ServiceResult<Option<Value>> {
        let filter = ListFilter {
            product_id: Some(product_id),
            limit: Some(1),
            ..Default::default()
        };
        // Newest first (`order by id desc`).
        let latest = self.list(by, RecordKind::Batch, &filter).await?.items;
        match latest.first() {
            Some(batch) => Ok(Some(
                self.copy_template(by, RecordKind::Batch, batch.id).await?,
            )),
            None => Ok(None),
        }
    }

    /// A new record of `kind` for `enterprise_id` may name as its source
    /// only a record of that kind and enterprise the filer can read.
    pub(crate) async fn check_copied_from(
        &self,
        by: &Principal,
        kind: RecordKind,
        copied_from: Option<i64>,
        enterprise_id: i64,
    ) -> ServiceResult<()> {
        let Some(source) = copied_from else {
            return Ok(());
        };
        match self.read_record(by, kind, source).await {
            Ok(record) if record.enterprise_id == enterprise_id => Ok(()),
            Ok(_) | Err(ServiceError::NotFound(_)) => Err(bad_source(kind, source)),
            Err(e) => Err(e),
        }
    }
}
