//! Change requests (P4, issue 15.7): a manufacturer asks, with a reason, to
//! change fields its issued codes show; a regulator of the product's
//! region approves (the product changes and records the amendment its
//! scan page shows) or rejects with a note.
//!
//! The product and the request are two records written one after the
//! other: the product first, so an approval that fails half-way leaves the
//! request pending (and approvable again), never approved but unapplied.

use chrono::Utc;
use serde_json::Value;
use zhisu_domain::auth::Tenancy;
use zhisu_domain::change_request::{
    shown_changes, Amendment, ChangeDecision, ChangeRequest, ChangeRequestInput, ChangeStatus,
};
use zhisu_domain::{FieldError, Invalid, Principal, Product, RecordKind, Role};
use zhisu_store::{format_time, NewRecord, RecordIndex, RecordQuery};

use crate::records::{audit, codes_made_of_refusal, made_of, product_index, to_body, RecordView};
use crate::{Service, ServiceError, ServiceResult};

pub(crate) fn request_index(
    r: &ChangeRequest,
    product_name: &str,
    region_code: &str,
) -> RecordIndex {
    let labels: Vec<&str> = r.changes.iter().map(|c| c.label.as_str()).collect();
    RecordIndex {
        enterprise_id: Some(r.enterprise_id),
        parent_id: Some(r.product_id),
        unique_key: None,
        name: format!("{product_name}：{}", labels.join("、")),
        region_code: region_code.to_string(),
        tag: Some(r.status.as_str().to_string()),
        code_key: None,
    }
}

impl Service {
    /// The pending change request of a product, if any (one at a time).
    pub async fn pending_change(&self, product_id: i64) -> ServiceResult<Option<i64>> {
        let mut query = RecordQuery::new(
            RecordKind::ChangeRequest,
            zhisu_domain::auth::ListScope::All,
        );
        query.parent_id = Some(product_id);
        query.tag = Some(ChangeStatus::Pending.as_str().into());
        query.limit = 1;
        Ok(self
            .store
            .list_records(&query)
            .await?
            .items
            .first()
            .map(|r| r.id))
    }

    /// Whether the product's shown fields are guarded: a batch of it was
    /// activated, so its codes are out (the product page offers a change
    /// request instead of an edit of those fields).
    pub async fn shown_fields_guarded(&self, product_id: i64) -> ServiceResult<bool> {
        self.has_issued_codes(product_id).await
    }

    /// A manufacturer asks to change shown fields of a product whose codes
    /// are issued.
    pub async fn request_change(
        &self,
        by: &Principal,
        product_id: i64,
        input: ChangeRequestInput,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let (reason, patch) = input.validate()?;
        let current = self
            .read_record(by, RecordKind::Product, product_id)
            .await?;
        let enterprise = self
            .manufacturer_for(by, Some(current.enterprise_id))
            .await?;
        if !self.has_issued_codes(product_id).await? {
            return Err(ServiceError::Conflict(
                "产品尚未发码，可直接修改，无需变更申请 (no code of the product is issued yet: edit it directly)".into(),
            ));
        }
        let before: Product = current.typed()?;
        let after = self
            .merged_product(by, &current, &Value::Object(patch))
            .await?;
        if made_of(&before) != made_of(&after) {
            return Err(codes_made_of_refusal());
        }
        let changes = shown_changes(&before, &after);
        if changes.is_empty() {
            return Err(Invalid(vec![FieldError::new(
                "changes",
                "unchanged",
                "所填内容与现有信息相同，没有要变更的字段 (nothing differs from what is filed)",
            )
            .clause("P4")])
            .into());
        }
        if let Some(open) = self.pending_change(product_id).await? {
            return Err(ServiceError::Conflict(format!(
                "该产品已有待审核的变更申请 #{open}，请等待审核后再提交 (change request {open} of this product is still pending)"
            )));
        }
        let request = ChangeRequest {
            enterprise_id: current.enterprise_id,
            product_id,
            reason,
            changes,
            status: ChangeStatus::Pending,
            requested_by: by.actor.clone(),
            decided_by: None,
            decided_at: None,
            decision_note: None,
        };
        let record = NewRecord {
            kind: RecordKind::ChangeRequest,
            index: request_index(
                &request,
                &before.product_name,
                enterprise.text("region_code"),
            ),
            body: to_body(&request)?,
            links: vec![],
            flow: vec![],
            import_key: None,
        };
        let stored = self
            .store
            .create_record(record, audit(by, "product.change-request", ip))
            .await?;
        self.records_changed();
        Ok(stored.into())
    }

    /// A regulator of the product's region approves or rejects a pending
    /// request. Approval writes the new values to the product and records
    /// the amendment that every scan of its codes shows.
    pub async fn decide_change(
        &self,
        by: &Principal,
        id: i64,
        decision: ChangeDecision,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let stored = self.read_stored(by, RecordKind::ChangeRequest, id).await?;
        let region = stored.region_code.clone();
        let record = RecordView::from(stored);
        if by.role != Role::Regulator
            || !by.can_review(Tenancy {
                enterprise_id: record.enterprise_id,
                region_code: &region,
            })
        {
            return Err(ServiceError::Forbidden(
                "只有产品所在地区的监管部门可以审核变更申请 (only a regulator of the product's region decides a change request)".into(),
            ));
        }
        let mut request: ChangeRequest = record.typed()?;
        if request.status != ChangeStatus::Pending {
            return Err(ServiceError::Conflict(format!(
                "变更申请已{}，不能再审核 (the change request is already {})",
                request.status.label_zh(),
                request.status.as_str()
            )));
        }
        let note = decision
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if !decision.approve && note.is_none() {
            return Err(Invalid(vec![FieldError::required("note", "驳回理由", "P4")]).into());
        }
        let now = format_time(Utc::now());
        let mut product_name = String::new();
        if decision.approve {
            product_name = self
                .apply_change(by, id, &request, &now, ip.clone())
                .await?;
        } else if let Some(p) = self
            .store
            .get_record(RecordKind::Product, request.product_id)
            .await?
        {
            product_name = serde_json::from_value::<Product>(p.body)
                .map(|p| p.product_name)
                .unwrap_or_default();
        }
        request.status = if decision.approve {
            ChangeStatus::Approved
        } else {
            ChangeStatus::Rejected
        };
        request.decided_by = Some(by.actor.clone());
        request.decided_at = Some(now);
        request.decision_note = note;
        let action = if decision.approve {
            "product.change-approve"
        } else {
            "product.change-reject"
        };
        let updated = self
            .store
            .update_record(
                RecordKind::ChangeRequest,
                id,
                Some(record.version),
                request_index(&request, &product_name, &region),
                to_body(&request)?,
                audit(by, action, ip),
            )
            .await?;
        self.records_changed();
        Ok(updated.into())
    }

    /// Writes an approved request's values to its product, with the
    /// amendment; the product's name after the change, for the request.
    async fn apply_change(
        &self,
        by: &Principal,
        id: i64,
        request: &ChangeRequest,
        now: &str,
        ip: Option<String>,
    ) -> ServiceResult<String> {
        let stored = self
            .store
            .get_record(RecordKind::Product, request.product_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("product {}", request.product_id)))?;
        let region = stored.region_code.clone();
        let current = RecordView::from(stored);
        let before: Product = current.typed()?;
        let now_json = to_body(&before)?;
        // The request was made against what the codes showed then; a field
        // that has changed since (by another approved request) is stale.
        if let Some(stale) = request
            .changes
            .iter()
            .find(|c| now_json.get(&c.field).unwrap_or(&Value::Null) != &c.before)
        {
            return Err(ServiceError::Conflict(format!(
                "“{}”在申请之后已经变化，请驳回后由企业重新申请 ('{}' changed since the request was made)",
                stale.label, stale.field
            )));
        }
        let patch: serde_json::Map<String, Value> = request
            .changes
            .iter()
            .map(|c| (c.field.clone(), c.after.clone()))
            .collect();
        let mut product = self
            .merged_product(by, &current, &Value::Object(patch))
            .await?;
        product.amended.push(Amendment {
            fields: request.changes.iter().map(|c| c.field.clone()).collect(),
            at: now.to_string(),
            request_id: id,
        });
        self.store
            .update_record(
                RecordKind::Product,
                request.product_id,
                Some(current.version),
                product_index(&product, &region),
                to_body(&product)?,
                audit(by, "product.change", ip),
            )
            .await
            .map_err(Self::product_conflict(&product))?;
        self.records_changed();
        Ok(product.product_name)
    }
}
