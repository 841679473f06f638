//! Filing and amending enterprises, products and batches. Every change is
//! a new version; reads are access-checked by the domain's policy.

use serde::de::DeserializeOwned;
use serde::Serialize;
use zhisu_domain::auth::{ListScope, Tenancy};
use zhisu_domain::change_request::{needs_request, shown_changes};
use zhisu_domain::enterprise::EnterpriseInput;
use zhisu_domain::{
    Batch, CodeScheme, Enterprise, EnterpriseKind, FieldError, Invalid, Principal, Product,
    ProductInput, RecordKind,
};
use zhisu_store::{
    AuditEntry, ImportKey, NewRecord, Page, RecordIndex, RecordQuery, StoreError, StoredRecord,
};

use crate::{Service, ServiceError, ServiceResult};

/// A record version as clients see it: its body's fields plus `id`,
/// `version`, timestamps, who changed it last and its ledger leaf index.
#[derive(Debug, Clone)]
pub struct RecordView {
    pub id: i64,
    pub kind: RecordKind,
    pub version: i64,
    pub enterprise_id: i64,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
    pub leaf_index: i64,
    pub body: serde_json::Value,
    /// How long it is kept (G8.5): filled in when one record is read.
    pub retention: Option<zhisu_domain::retention::Retention>,
}

impl From<StoredRecord> for RecordView {
    fn from(r: StoredRecord) -> Self {
        RecordView {
            id: r.id,
            kind: r.kind,
            version: r.version,
            enterprise_id: r.enterprise_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
            leaf_index: r.leaf_index,
            body: r.body,
            retention: None,
        }
    }
}

impl RecordView {
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = match &self.body {
            serde_json::Value::Object(m) => m.clone(),
            _ => serde_json::Map::new(),
        };
        map.insert("id".into(), self.id.into());
        map.insert("version".into(), self.version.into());
        map.insert("enterprise_id".into(), self.enterprise_id.into());
        map.insert("created_at".into(), self.created_at.clone().into());
        map.insert("updated_at".into(), self.updated_at.clone().into());
        map.insert("updated_by".into(), self.updated_by.clone().into());
        map.insert("leaf_index".into(), self.leaf_index.into());
        if let Some(r) = &self.retention {
            map.insert("retention_until".into(), r.until.to_string().into());
            map.insert(
                "retention_rule".into(),
                serde_json::to_value(r.rule).unwrap_or_default(),
            );
        }
        serde_json::Value::Object(map)
    }

    /// The body as its domain type.
    pub fn typed<T: DeserializeOwned>(&self) -> ServiceResult<T> {
        serde_json::from_value(self.body.clone())
            .map_err(|e| ServiceError::Internal(format!("stored {}: {e}", self.kind.as_str())))
    }

    /// A text field of the body, or "".
    pub fn text(&self, field: &str) -> &str {
        self.body.get(field).and_then(|v| v.as_str()).unwrap_or("")
    }
}

impl Serialize for RecordView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// RFC 7396 JSON merge patch: objects merge key by key, `null` removes.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match patch {
        serde_json::Value::Object(patch_map) => {
            if !target.is_object() {
                *target = serde_json::Value::Object(serde_json::Map::new());
            }
            let target_map = target.as_object_mut().expect("made an object");
            for (key, value) in patch_map {
                if value.is_null() {
                    target_map.remove(key);
                } else {
                    merge_patch(
                        target_map
                            .entry(key.clone())
                            .or_insert(serde_json::Value::Null),
                        value,
                    );
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Turns a JSON shape message (wrong type, unknown field) into a finding
/// that names the field where serde says which.
pub fn schema_finding(message: String) -> FieldError {
    // serde says "unknown field `x`"; with a path prefix (axum's Json) it
    // says "a.b: invalid type …".
    let unknown = message.contains("unknown field `");
    let path = message
        .split_once(": ")
        .map(|(p, _)| p)
        .filter(|p| !p.is_empty() && !p.contains(' ') && *p != ".");
    let field = if unknown {
        message
            .split("unknown field `")
            .nth(1)
            .and_then(|rest| rest.split('`').next())
            .unwrap_or("body")
    } else {
        path.unwrap_or("body")
    };
    FieldError::new(
        field,
        if unknown { "unknown-field" } else { "type" },
        message.clone(),
    )
}

/// A JSON shape error as a validation failure.
pub fn schema_error(e: serde_json::Error) -> ServiceError {
    ServiceError::Invalid(Invalid(vec![schema_finding(e.to_string())]))
}

pub(crate) fn to_body<T: Serialize>(value: &T) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

pub(crate) fn enterprise_index(e: &Enterprise) -> RecordIndex {
    RecordIndex {
        enterprise_id: None,
        parent_id: None,
        unique_key: Some(e.uscc.clone()),
        name: e.name.clone(),
        region_code: e.region_code.clone(),
        tag: Some(e.kind.as_str().to_string()),
        code_key: None,
    }
}

/// What a product's codes are made of: fixed once one is issued (P4).
pub(crate) fn made_of(p: &Product) -> (CodeScheme, Option<String>, zhisu_domain::TraceLevel) {
    (p.code_scheme, p.code_path(), p.trace_level)
}

pub(crate) fn codes_made_of_refusal() -> ServiceError {
    Invalid(vec![FieldError::new(
        "code_scheme",
        "immutable",
        "产品已有激活的批次，其追溯码所依据的编码方案、商品码和追溯层级不可修改 (the product has active batches: the scheme, code and trace level its codes are made of cannot change)",
    )
    .clause("P4")])
    .into()
}

pub(crate) fn product_index(p: &Product, region_code: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: Some(p.enterprise_id),
        parent_id: None,
        unique_key: Some(format!("{}/{}", p.enterprise_id, p.model)),
        name: [
            p.product_name.as_str(),
            p.model.as_str(),
            p.brand.as_deref().unwrap_or(""),
        ]
        .join(" "),
        region_code: region_code.to_string(),
        tag: Some(p.category.clone()),
        code_key: p.code_key(),
    }
}

pub(crate) fn batch_index(b: &Batch, region_code: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: Some(b.enterprise_id),
        parent_id: Some(b.product_id),
        unique_key: Some(format!("{}/{}", b.product_id, b.batch_no)),
        name: b.batch_no.clone(),
        region_code: region_code.to_string(),
        tag: Some(b.status.as_str().to_string()),
        code_key: None,
    }
}

pub(crate) fn immutable(field: &str, zh: &str) -> ServiceError {
    Invalid(vec![FieldError::new(
        field,
        "immutable",
        format!("{zh}备案后不可修改 ({field} cannot change after filing)"),
    )])
    .into()
}

pub(crate) fn audit(by: &Principal, action: &str, ip: Option<String>) -> AuditEntry {
    AuditEntry {
        actor: by.actor.clone(),
        action: action.into(),
        ip,
        outcome: "ok".into(),
        ..Default::default()
    }
}

/// Filters for record lists, from the query string.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListFilter {
    pub enterprise_id: Option<i64>,
    pub product_id: Option<i64>,
    /// Enterprise kind, product category or batch status.
    pub kind: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub region_code: Option<String>,
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Service {
    pub(crate) async fn ensure_uscc_free(
        &self,
        uscc: &str,
        except: Option<i64>,
    ) -> ServiceResult<()> {
        if let Some(existing) = self
            .store
            .find_by_unique_key(RecordKind::Enterprise, uscc)
            .await?
        {
            if Some(existing.id) != except {
                return Err(ServiceError::Conflict(format!(
                    "统一社会信用代码 {uscc} 已登记 (an enterprise with USCC {uscc} is already registered)"
                )));
            }
        }
        Ok(())
    }

    /// Reads a record the principal may see; anything else is "not found",
    /// so that other tenants' IDs reveal nothing.
    pub async fn read_record(
        &self,
        by: &Principal,
        kind: RecordKind,
        id: i64,
    ) -> ServiceResult<RecordView> {
        Ok(self.read_stored(by, kind, id).await?.into())
    }

    /// [`Service::read_record`] as stored, with its index columns (its
    /// region), for a use case that decides by them.
    pub(crate) async fn read_stored(
        &self,
        by: &Principal,
        kind: RecordKind,
        id: i64,
    ) -> ServiceResult<StoredRecord> {
        let not_found = || ServiceError::NotFound(format!("{} {id}", kind.as_str()));
        let record = self
            .store
            .get_record(kind, id)
            .await?
            .ok_or_else(not_found)?;
        if !by.can_read(Tenancy {
            enterprise_id: record.enterprise_id,
            region_code: &record.region_code,
        }) {
            return Err(not_found());
        }
        Ok(record)
    }

    /// The view with how long it is kept (G8.5), for answers that show one
    /// record; a few reads, so not done by `read_record` itself.
    pub async fn with_retention(&self, view: RecordView) -> ServiceResult<RecordView> {
        let retention = self.retention_of(&view).await?;
        Ok(RecordView {
            retention: Some(retention),
            ..view
        })
    }

    pub async fn history(
        &self,
        by: &Principal,
        kind: RecordKind,
        id: i64,
    ) -> ServiceResult<Vec<RecordView>> {
        self.read_record(by, kind, id).await?;
        Ok(self
            .store
            .record_history(kind, id)
            .await?
            .into_iter()
            .map(RecordView::from)
            .collect())
    }

    pub async fn list(
        &self,
        by: &Principal,
        kind: RecordKind,
        filter: &ListFilter,
    ) -> ServiceResult<Page<RecordView>> {
        let mut query = RecordQuery::new(kind, by.list_scope());
        query.enterprise_id = filter.enterprise_id;
        query.parent_id = filter.product_id;
        query.tag = match kind {
            RecordKind::Enterprise => filter.kind.clone(),
            RecordKind::Package | RecordKind::Flow => filter.kind.clone(),
            RecordKind::Product => filter.category.clone(),
            RecordKind::Batch
            | RecordKind::Recall
            | RecordKind::Feedback
            | RecordKind::ChangeRequest
            | RecordKind::Case => filter.status.clone(),
            RecordKind::Register => filter.kind.clone(),
            RecordKind::Review => filter.status.clone(),
        }
        .filter(|t| !t.is_empty());
        query.region_prefix = filter.region_code.clone().filter(|r| !r.is_empty());
        query.q = filter
            .q
            .clone()
            .filter(|q| !q.trim().is_empty())
            .map(|q| q.trim().to_string());
        query.limit = filter.limit.unwrap_or(50);
        query.offset = filter.offset.unwrap_or(0);
        if !(1..=500).contains(&query.limit) || query.offset < 0 {
            return Err(ServiceError::BadRequest(
                "limit 须在1-500之间，offset 不能为负 (limit must be 1-500 and offset at least 0)"
                    .into(),
            ));
        }
        let page = self.store.list_records(&query).await?;
        Ok(Page {
            items: page.items.into_iter().map(RecordView::from).collect(),
            total: page.total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// A platform admin files an enterprise directly (self-registration is
    /// [`Service::register`]).
    pub async fn create_enterprise(
        &self,
        by: &Principal,
        input: EnterpriseInput,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        if !by.is_admin() {
            return Err(ServiceError::Forbidden("企业通过注册创建 (enterprises are created by registering; only platform admins file them directly)".into()));
        }
        let blobs = self
            .resolver(Some(by), input.business_licence.as_ref())
            .await?;
        let mut enterprise = input.validate(|sha| blobs.get(sha).cloned())?;
        self.ensure_uscc_free(&enterprise.uscc, None).await?;
        // The platform admin filing an enterprise vouches for it (issue
        // 16.11); one that registers itself waits for its regulator.
        enterprise.identity_check = Some(crate::identity_checks::vouched_by(by));
        let record = NewRecord {
            kind: RecordKind::Enterprise,
            index: enterprise_index(&enterprise),
            body: to_body(&enterprise)?,
            links: vec![],
            flow: vec![],
            import_key: None,
        };
        let stored = self
            .store
            .create_record(record, audit(by, "enterprise.create", ip))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Conflict(format!(
                    "统一社会信用代码 {} 已登记 (USCC already registered)",
                    enterprise.uscc
                )),
                other => other.into(),
            })?;
        self.record_changed(RecordKind::Enterprise, stored.id);
        Ok(stored.into())
    }

    /// Amends an enterprise with a JSON merge patch: a new version.
    pub async fn update_enterprise(
        &self,
        by: &Principal,
        id: i64,
        patch: &serde_json::Value,
        expected_version: Option<i64>,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let current = self.read_record(by, RecordKind::Enterprise, id).await?;
        if !by.can_edit_enterprise(id) {
            return Err(ServiceError::Forbidden(
                "无权修改该企业信息 (you may not change this enterprise)".into(),
            ));
        }
        if patch.get("identity_check").is_some() {
            return Err(immutable("identity_check", "核验结论"));
        }
        let mut merged = current.body.clone();
        merge_patch(&mut merged, patch);
        if let Some(body) = merged.as_object_mut() {
            body.remove("identity_check");
        }
        let input: EnterpriseInput = serde_json::from_value(merged).map_err(schema_error)?;
        let blobs = self
            .resolver(Some(by), input.business_licence.as_ref())
            .await?;
        let mut enterprise = input.validate(|sha| blobs.get(sha).cloned())?;
        let old: Enterprise = current.typed()?;
        // A regulator's check stands while what it vouched for does (issue
        // 16.11); a new name, address, region or licence waits for another.
        if !zhisu_domain::identity_check::lapses(&old, &enterprise) {
            enterprise.identity_check = old.identity_check.clone();
        }
        if enterprise.uscc != old.uscc {
            return Err(immutable("uscc", "统一社会信用代码"));
        }
        if enterprise.kind != old.kind {
            return Err(immutable("kind", "单位类型"));
        }
        let stored = self
            .store
            .update_record(
                RecordKind::Enterprise,
                id,
                expected_version,
                enterprise_index(&enterprise),
                to_body(&enterprise)?,
                audit(by, "enterprise.update", ip),
            )
            .await?;
        self.record_changed(RecordKind::Enterprise, id);
        // A check that lapsed puts it back in the review queue.
        self.note_queue(RecordKind::Enterprise, id).await;
        Ok(stored.into())
    }

    /// The manufacturer a product is filed for, checked for the principal.
    pub(crate) async fn manufacturer_for(
        &self,
        by: &Principal,
        enterprise_id: Option<i64>,
    ) -> ServiceResult<RecordView> {
        let id = enterprise_id.or(by.enterprise_id).ok_or_else(|| {
            ServiceError::Invalid(Invalid(vec![FieldError::required(
                "enterprise_id",
                "生产企业",
                "G5.1-product",
            )]))
        })?;
        let enterprise = self.read_record(by, RecordKind::Enterprise, id).await?;
        let kind = EnterpriseKind::parse(enterprise.text("kind")).unwrap_or(EnterpriseKind::Seller);
        if !by.can_file_products(id, kind) {
            return Err(ServiceError::Forbidden(if kind == EnterpriseKind::Seller {
                "销售单位不能备案产品 (sellers do not file products)".into()
            } else {
                "无权为该企业备案产品 (you may not file products for this enterprise)".into()
            }));
        }
        Ok(enterprise)
    }

    pub async fn create_product(
        &self,
        by: &Principal,
        input: ProductInput,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        self.file_product(by, input, ip, None).await
    }

    /// Files a product; `import_key` names the import row it came from,
    /// kept with it (issue 19.3).
    pub(crate) async fn file_product(
        &self,
        by: &Principal,
        input: ProductInput,
        ip: Option<String>,
        import_key: Option<ImportKey>,
    ) -> ServiceResult<RecordView> {
        let enterprise = self.manufacturer_for(by, input.enterprise_id).await?;
        let blobs = self.resolver(Some(by), input.files()).await?;
        let product = input.validate(enterprise.id, |sha| blobs.get(sha).cloned())?;
        self.check_copied_from(by, RecordKind::Product, product.copied_from, enterprise.id)
            .await?;
        let record = NewRecord {
            kind: RecordKind::Product,
            index: product_index(&product, enterprise.text("region_code")),
            body: to_body(&product)?,
            links: vec![],
            flow: vec![],
            import_key,
        };
        let stored = self
            .store
            .create_record(record, audit(by, "product.create", ip))
            .await
            .map_err(Self::product_conflict(&product))?;
        self.record_changed(RecordKind::Product, stored.id);
        // Filed, it waits in the review queue.
        self.note_queue(RecordKind::Product, stored.id).await;
        Ok(stored.into())
    }

    pub async fn update_product(
        &self,
        by: &Principal,
        id: i64,
        patch: &serde_json::Value,
        expected_version: Option<i64>,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let current = self.read_record(by, RecordKind::Product, id).await?;
        let enterprise = self
            .manufacturer_for(by, Some(current.enterprise_id))
            .await?;
        let product = self.merged_product(by, &current, patch).await?;
        let before: Product = current.typed()?;
        // Without a code path no code was ever issued (a product filed
        // under a scheme before its codes existed may still get its code).
        if before.code_path().is_some()
            && made_of(&before) != made_of(&product)
            && self.has_issued_codes(id).await?
        {
            return Err(codes_made_of_refusal());
        }
        // P4: what issued codes show changes only by an approved request.
        let shown = shown_changes(&before, &product);
        if !shown.is_empty() && self.has_issued_codes(id).await? {
            return Err(needs_request(&shown).into());
        }
        let stored = self
            .store
            .update_record(
                RecordKind::Product,
                id,
                expected_version,
                product_index(&product, enterprise.text("region_code")),
                to_body(&product)?,
                audit(by, "product.update", ip),
            )
            .await
            .map_err(Self::product_conflict(&product))?;
        self.record_changed(RecordKind::Product, id);
        Ok(stored.into())
    }

    /// The product a patch makes of the stored one, validated; its
    /// approved changes (`amended`) are carried over, never patched.
    pub(crate) async fn merged_product(
        &self,
        by: &Principal,
        current: &RecordView,
        patch: &serde_json::Value,
    ) -> ServiceResult<Product> {
        if patch.get("amended").is_some() {
            return Err(immutable("amended", "变更记录"));
        }
        if patch.get("review").is_some() {
            return Err(immutable("review", "审核结论"));
        }
        if crate::copying::copied_from_changes(&current.body, patch) {
            return Err(immutable("copied_from", "复制来源"));
        }
        let mut merged = current.body.clone();
        merge_patch(&mut merged, patch);
        if let Some(body) = merged.as_object_mut() {
            body.remove("amended");
            body.remove("review");
        }
        let input: ProductInput = serde_json::from_value(merged).map_err(schema_error)?;
        if input.enterprise_id != Some(current.enterprise_id) {
            return Err(immutable("enterprise_id", "生产企业"));
        }
        let blobs = self.resolver(Some(by), input.files()).await?;
        let mut product = input.validate(current.enterprise_id, |sha| blobs.get(sha).cloned())?;
        // What only a change request or a reviewer sets is carried over.
        let before = current.typed::<Product>()?;
        product.amended = before.amended;
        product.review = before.review;
        Ok(product)
    }

    /// Whether any batch of the product was activated: its codes exist
    /// (active, or since frozen or voided).
    pub(crate) async fn has_issued_codes(&self, product_id: i64) -> ServiceResult<bool> {
        for status in ["active", "frozen", "voided"] {
            let mut query = RecordQuery::new(RecordKind::Batch, ListScope::All);
            query.parent_id = Some(product_id);
            query.tag = Some(status.to_string());
            query.limit = 1;
            if !self.store.list_records(&query).await?.items.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = serde_json::json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(
            &mut target,
            &serde_json::json!({"a": "z", "c": {"f": null}}),
        );
        assert_eq!(target, serde_json::json!({"a": "z", "c": {"d": "e"}}));
    }

    #[test]
    fn schema_errors_name_the_field() {
        let e = serde_json::from_value::<ProductInput>(serde_json::json!({"colour": "red"}))
            .unwrap_err();
        match schema_error(e) {
            ServiceError::Invalid(Invalid(errors)) => {
                assert_eq!(errors[0].field, "colour");
                assert_eq!(errors[0].code, "unknown-field");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            schema_finding(
                "warranty_months: invalid type: string \"x\", expected u32 at line 1 column 5"
                    .into()
            )
            .field,
            "warranty_months"
        );
        assert_eq!(
            schema_finding("enterprise.colour: unknown field `colour`, expected one of …".into())
                .field,
            "colour"
        );
    }
}
