//! Filing and amending batches (G5.1-product, P4): a batch is filed for a
//! manufacturer's own product, changes freely while a draft or rejected,
//! and once active only in its optional information (P5.7,
//! `batch_amendments.rs`).

use chrono::Utc;
use zhisu_domain::batch::BatchContext;
use zhisu_domain::{
    Batch, BatchInput, BatchStatus, FieldError, Invalid, Principal, Product, RecordKind,
};
use zhisu_store::{ImportKey, NewRecord};

use crate::records::{audit, batch_index, immutable, merge_patch, schema_error, to_body};
use crate::{RecordView, Service, ServiceError, ServiceResult};

impl Service {
    pub(crate) async fn batch_context(
        &self,
        by: &Principal,
        product_id: Option<i64>,
    ) -> ServiceResult<(BatchContext, RecordView)> {
        let product_id = product_id.ok_or_else(|| {
            ServiceError::Invalid(Invalid(vec![FieldError::required(
                "product_id",
                "产品",
                "G5.1-product",
            )]))
        })?;
        let product = self
            .read_record(by, RecordKind::Product, product_id)
            .await?;
        let enterprise = self
            .manufacturer_for(by, Some(product.enterprise_id))
            .await?;
        let typed: Product = product.typed()?;
        let ctx = BatchContext {
            product_id,
            enterprise_id: product.enterprise_id,
            trace_level: typed.trace_level,
            today: Utc::now()
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .date_naive(),
        };
        Ok((ctx, enterprise))
    }

    pub async fn create_batch(
        &self,
        by: &Principal,
        input: BatchInput,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        self.file_batch(by, input, ip, None).await
    }

    /// Files a batch; `import_key` names the import row it came from, kept
    /// with it (issue 19.3).
    pub(crate) async fn file_batch(
        &self,
        by: &Principal,
        input: BatchInput,
        ip: Option<String>,
        import_key: Option<ImportKey>,
    ) -> ServiceResult<RecordView> {
        let (ctx, enterprise) = self.batch_context(by, input.product_id).await?;
        let blobs = self
            .resolver(Some(by), input.inspection_report.as_ref())
            .await?;
        let batch = input.validate(ctx, |sha| blobs.get(sha).cloned())?;
        self.check_copied_from(
            by,
            RecordKind::Batch,
            batch.copied_from,
            batch.enterprise_id,
        )
        .await?;
        let record = NewRecord {
            kind: RecordKind::Batch,
            index: batch_index(&batch, enterprise.text("region_code")),
            body: to_body(&batch)?,
            links: vec![],
            flow: vec![],
            import_key,
        };
        let stored = self
            .store
            .create_record(record, audit(by, "batch.create", ip))
            .await
            .map_err(Self::batch_conflict(&batch.batch_no))?;
        self.record_changed(RecordKind::Batch, stored.id);
        Ok(stored.into())
    }

    pub async fn update_batch(
        &self,
        by: &Principal,
        id: i64,
        patch: &serde_json::Value,
        expected_version: Option<i64>,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let current = self.read_record(by, RecordKind::Batch, id).await?;
        let old: Batch = current.typed()?;
        if matches!(old.status, BatchStatus::Active | BatchStatus::Frozen) {
            // P5.7: its optional information only.
            return self
                .amend_active_batch(by, &current, old, patch, expected_version, ip)
                .await;
        }
        if !old.status.editable() {
            // Access first: a stranger learns nothing from the status.
            self.manufacturer_for(by, Some(current.enterprise_id))
                .await?;
            return Err(ServiceError::Conflict(format!(
                "批次{}，不能修改 (the batch is {}: only draft or rejected batches can change, P4)",
                old.status.label_zh(),
                old.status.as_str()
            )));
        }
        let mut merged = crate::batch_amendments::batch_input_body(&current.body);
        merge_patch(&mut merged, patch);
        if crate::copying::copied_from_changes(&current.body, patch) {
            return Err(immutable("copied_from", "复制来源"));
        }
        let input: BatchInput = serde_json::from_value(merged).map_err(schema_error)?;
        if input.product_id != Some(old.product_id) {
            return Err(immutable("product_id", "产品"));
        }
        let (ctx, enterprise) = self.batch_context(by, input.product_id).await?;
        let blobs = self
            .resolver(Some(by), input.inspection_report.as_ref())
            .await?;
        let mut batch = input.validate(ctx, |sha| blobs.get(sha).cloned())?;
        batch.status = old.status;
        batch.review = old.review;
        batch.review_notes = old.review_notes;
        let stored = self
            .store
            .update_record(
                RecordKind::Batch,
                id,
                expected_version,
                batch_index(&batch, enterprise.text("region_code")),
                to_body(&batch)?,
                audit(by, "batch.update", ip),
            )
            .await
            .map_err(Self::batch_conflict(&batch.batch_no))?;
        self.record_changed(RecordKind::Batch, id);
        Ok(stored.into())
    }
}
