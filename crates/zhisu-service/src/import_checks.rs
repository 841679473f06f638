//! An import's rows checked before anything is written (issue 19.3, the
//! preview): each row's cells as read, then what filing it would find —
//! the same validation the API's form runs, the product or batch it names
//! being the enterprise's, a model or batch number filed already or twice
//! in the file — each mistake at its column. A row whose content was
//! imported before is `unchanged`, naming its record.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use serde_json::{json, Value};
use zhisu_domain::batch::BatchContext;
use zhisu_domain::flow::FlowInput;
use zhisu_domain::imports::{CellError, ImportKind, ReadRow};
use zhisu_domain::production_days::{self, DayInput, DayRefusal};
use zhisu_domain::{Batch, BatchInput, Principal, Product, ProductInput, RecordKind};
use zhisu_store::{canonical_json, ImportRow};

use crate::records::schema_error;
use crate::{today_in_shanghai, Service, ServiceError, ServiceResult};

/// What a row's check found: a mistake at a column, or at the row.
pub(crate) fn row_error(column: Option<&str>, message: impl Into<String>) -> CellError {
    CellError {
        column: column.map(str::to_string),
        message: message.into(),
    }
}

/// A refusal of the service as the row's mistakes, each at its column;
/// a failure of the platform itself (the database, a bug) is not the
/// row's and is passed on.
pub(crate) fn row_errors(kind: &ImportKind, e: ServiceError) -> ServiceResult<Vec<CellError>> {
    match e {
        ServiceError::Invalid(invalid) => Ok(invalid
            .0
            .into_iter()
            .map(|f| row_error(kind.column_of(&f.field), f.message))
            .collect()),
        ServiceError::NotFound(m)
        | ServiceError::Forbidden(m)
        | ServiceError::Conflict(m)
        | ServiceError::BadRequest(m) => Ok(vec![row_error(None, m)]),
        other => Err(other),
    }
}

/// The SHA-256 of a row's kind and content: its import key.
pub(crate) fn row_hash(kind: &str, body: &Value) -> String {
    crate::sha256_hex(format!("{kind}\n{}", canonical_json(body)).as_bytes())
}

/// The API body of a row for `enterprise_id`: rows of products and flows
/// carry the enterprise they are filed for.
pub(crate) fn body_for(kind: &ImportKind, enterprise_id: i64, body: Value) -> Value {
    match (kind.kind.as_str(), body) {
        ("products" | "sales" | "purchases", Value::Object(mut fields)) => {
            fields.insert("enterprise_id".into(), json!(enterprise_id));
            Value::Object(fields)
        }
        (_, body) => body,
    }
}

/// A daily-quantity row: its batch and the day's report.
pub(crate) fn day_row(body: &Value) -> (Option<i64>, DayInput) {
    (
        body["batch_id"].as_i64(),
        DayInput {
            day: body["day"].as_str().unwrap_or_default().to_string(),
            quantity: body["quantity"].as_u64(),
        },
    )
}

/// Whether `batch` already holds this day's report of this quantity (the
/// row was imported before, or typed in on the page).
pub(crate) fn day_reported(batch: &Batch, input: &DayInput) -> bool {
    batch.days.iter().any(|d| {
        d.day.format("%Y-%m-%d").to_string() == input.day.trim()
            && Some(d.quantity) == input.quantity
    })
}

/// Product ID: its batch context and its enterprise's region, or why a
/// batch row may not name it.
pub(crate) type ImportProducts = HashMap<i64, Result<(BatchContext, String), String>>;

/// What the checks of one import remember between rows.
#[derive(Default)]
struct Seen {
    /// Product ID: its batch context, or why a row may not name it.
    products: ImportProducts,
    /// Batch ID: the batch and its product's trace level, or why not.
    batches: HashMap<i64, Result<(Batch, Product), String>>,
    /// Unique keys taken by an earlier row of the file.
    keys: HashSet<String>,
    /// File SHA-256: the uploaded file, or None.
    files: HashMap<String, Option<zhisu_domain::BlobRef>>,
    /// Rows filing a record under a unique key: (row's index, kind, key,
    /// column, what to say when it is filed already), looked up together.
    unique: Vec<(usize, RecordKind, String, &'static str, String)>,
}

impl Service {
    /// `rows` of `kind` read from a file, checked for `enterprise_id` as
    /// `by` would file them: each a pending, unchanged or error row.
    pub(crate) async fn check_import_rows(
        &self,
        by: &Principal,
        kind: &ImportKind,
        enterprise_id: i64,
        rows: Vec<ReadRow>,
    ) -> ServiceResult<Vec<ImportRow>> {
        // Each row's body and key on every core: hashing 100,000 rows'
        // canonical JSON is most of a re-import's own work.
        let as_row = |r: ReadRow| {
            let body = r.body.map(|b| body_for(kind, enterprise_id, b));
            ImportRow {
                row: r.row as i64,
                status: if r.errors.is_empty() {
                    "pending"
                } else {
                    "error"
                }
                .into(),
                id: None,
                // A wrong row is never filed: it has no import key.
                row_hash: body
                    .as_ref()
                    .filter(|_| r.errors.is_empty())
                    .map(|b| row_hash(&kind.kind, b)),
                body,
                errors: r.errors,
            }
        };
        let mut out: Vec<ImportRow> = crate::cores::on_every_core(rows, as_row);
        let hashes: Vec<String> = out
            .iter()
            .filter(|r| r.status == "pending")
            .filter_map(|r| r.row_hash.clone())
            .collect();
        let done: HashMap<String, i64> = self
            .store
            .imported_records(enterprise_id, &kind.kind, &hashes)
            .await?
            .into_iter()
            .collect();
        let mut seen = Seen::default();
        for (i, row) in out.iter_mut().enumerate() {
            if row.status != "pending" {
                continue;
            }
            if let Some(id) = row.row_hash.as_ref().and_then(|h| done.get(h)) {
                row.status = "unchanged".into();
                row.id = Some(*id);
                // Its record holds what it says; the job keeps no copy.
                row.body = None;
                continue;
            }
            let body = row.body.clone().unwrap_or(Value::Null);
            let errors = self
                .check_row(by, kind, enterprise_id, body, &mut seen)
                .await?;
            match errors {
                RowCheck::Valid => {}
                // Wrong if an earlier row of the file took the key; whether
                // it is filed already is looked up with every row's below.
                RowCheck::Keyed(record, key, column, filed) => {
                    if seen.keys.insert(key.clone()) {
                        seen.unique.push((i, record, key, column, filed));
                    } else {
                        row.status = "error".into();
                        row.errors = vec![row_error(
                            Some(column),
                            "与文件中前面的一行重复 (the same as an earlier row of the file)",
                        )];
                    }
                }
                RowCheck::Reported(batch_id) => {
                    row.status = "unchanged".into();
                    row.id = Some(batch_id);
                }
                RowCheck::Wrong(errors) => {
                    row.status = "error".into();
                    row.errors = errors;
                }
            }
        }
        // The unique keys the valid rows would file under, looked up in one
        // go: one filed already is its row's mistake.
        for record in [RecordKind::Product, RecordKind::Batch] {
            let keys: Vec<String> = seen
                .unique
                .iter()
                .filter(|u| u.1 == record)
                .map(|u| u.2.clone())
                .collect();
            if keys.is_empty() {
                continue;
            }
            let taken: HashSet<String> = self
                .store
                .taken_unique_keys(record, &keys)
                .await?
                .into_iter()
                .collect();
            for (i, _, key, column, filed) in seen.unique.iter().filter(|u| u.1 == record) {
                if taken.contains(key) && out[*i].status == "pending" {
                    out[*i].status = "error".into();
                    out[*i].errors = vec![row_error(Some(column), filed.clone())];
                }
            }
        }
        Ok(out)
    }

    async fn check_row(
        &self,
        by: &Principal,
        kind: &ImportKind,
        enterprise_id: i64,
        body: Value,
        seen: &mut Seen,
    ) -> ServiceResult<RowCheck> {
        let wrong = |e: ServiceError| row_errors(kind, e).map(RowCheck::Wrong);
        match kind.kind.as_str() {
            "products" => {
                let input: ProductInput = match serde_json::from_value(body) {
                    Ok(input) => input,
                    Err(e) => return wrong(schema_error(e)),
                };
                let shas: Vec<&str> = input.instructions_file.iter().map(|f| f.sha256()).collect();
                let blobs = self.shared_files(by, &shas, &mut seen.files).await?;
                let product = match input.validate(enterprise_id, |sha| blobs.get(sha).cloned()) {
                    Ok(p) => p,
                    Err(invalid) => return wrong(invalid.into()),
                };
                let key = format!("{enterprise_id}/{}", product.model);
                Ok(RowCheck::Keyed(
                    RecordKind::Product,
                    key,
                    "model",
                    format!(
                        "规格型号“{}”已备案 (the model {:?} is filed already)",
                        product.model, product.model
                    ),
                ))
            }
            "batches" => {
                let input: BatchInput = match serde_json::from_value(body) {
                    Ok(input) => input,
                    Err(e) => return wrong(schema_error(e)),
                };
                let Some(product_id) = input.product_id else {
                    return Ok(RowCheck::Wrong(vec![row_error(
                        Some("product_id"),
                        "请填写产品编号 (product_id is required)",
                    )]));
                };
                let ctx = match self
                    .import_product(by, enterprise_id, product_id, &mut seen.products)
                    .await?
                {
                    Ok((ctx, _)) => ctx,
                    Err(why) => {
                        return Ok(RowCheck::Wrong(vec![row_error(Some("product_id"), why)]))
                    }
                };
                let shas: Vec<&str> = input.inspection_report.iter().map(|f| f.sha256()).collect();
                let blobs = self.shared_files(by, &shas, &mut seen.files).await?;
                let batch = match input.validate(ctx, |sha| blobs.get(sha).cloned()) {
                    Ok(b) => b,
                    Err(invalid) => return wrong(invalid.into()),
                };
                let key = format!("{product_id}/{}", batch.batch_no);
                Ok(RowCheck::Keyed(RecordKind::Batch, key, "batch_no", format!("该产品的批次号“{}”已备案 (the batch number {:?} is filed already for this product)", batch.batch_no, batch.batch_no),
                ))
            }
            "sales" | "purchases" => {
                let input: FlowInput = match serde_json::from_value(body) {
                    Ok(input) => input,
                    Err(e) => return wrong(schema_error(e)),
                };
                match input.validate(Utc::now()) {
                    Ok(_) => Ok(RowCheck::Valid),
                    Err(invalid) => wrong(invalid.into()),
                }
            }
            _ => {
                let (batch_id, input) = day_row(&body);
                let Some(batch_id) = batch_id else {
                    return Ok(RowCheck::Wrong(vec![row_error(
                        Some("batch_id"),
                        "请填写批次编号 (batch_id is required)",
                    )]));
                };
                let (batch, product) = match self
                    .batch_of(by, enterprise_id, batch_id, seen)
                    .await?
                {
                    Ok(found) => found,
                    Err(why) => return Ok(RowCheck::Wrong(vec![row_error(Some("batch_id"), why)])),
                };
                if day_reported(&batch, &input) {
                    return Ok(RowCheck::Reported(batch_id));
                }
                if !seen.keys.insert(format!("{batch_id}/{}", input.day.trim())) {
                    return Ok(RowCheck::Wrong(vec![row_error(Some("day"), "同一批次的同一天在文件中出现了两次 (this batch's day is in the file twice)")]));
                }
                match production_days::check(
                    &batch,
                    product.trace_level,
                    &input,
                    today_in_shanghai(),
                ) {
                    Ok(_) => Ok(RowCheck::Valid),
                    Err(DayRefusal::Invalid(invalid)) => wrong(invalid.into()),
                    Err(DayRefusal::Conflict(why)) => {
                        Ok(RowCheck::Wrong(vec![row_error(None, why)]))
                    }
                }
            }
        }
    }

    /// The batch context and region of the product a batch row names, if
    /// it is the enterprise's and `by` may file batches of it (else why
    /// not: the row's mistake); each product looked up once in `known`. A
    /// failure of the platform itself is passed on.
    pub(crate) async fn import_product(
        &self,
        by: &Principal,
        enterprise_id: i64,
        product_id: i64,
        known: &mut ImportProducts,
    ) -> ServiceResult<Result<(BatchContext, String), String>> {
        if let Some(found) = known.get(&product_id) {
            return Ok(found.clone());
        }
        let not_ours = format!("产品编号 {product_id} 不是本企业备案的产品 (product {product_id} is not one of this enterprise's)");
        let found = match self.batch_context(by, Some(product_id)).await {
            Ok((ctx, enterprise)) if ctx.enterprise_id == enterprise_id => {
                Ok((ctx, enterprise.text("region_code").to_string()))
            }
            Ok(_) => Err(not_ours),
            Err(ServiceError::NotFound(_) | ServiceError::Forbidden(_)) => Err(not_ours),
            Err(e) => return Err(e),
        };
        known.insert(product_id, found.clone());
        Ok(found)
    }

    /// A batch a daily-quantity row names and its product, if the batch is
    /// the enterprise's.
    async fn batch_of(
        &self,
        by: &Principal,
        enterprise_id: i64,
        batch_id: i64,
        seen: &mut Seen,
    ) -> ServiceResult<Result<(Batch, Product), String>> {
        if let Some(found) = seen.batches.get(&batch_id) {
            return Ok(found.clone());
        }
        let not_ours = format!("批次编号 {batch_id} 不是本企业的批次 (batch {batch_id} is not one of this enterprise's)");
        let found = match self.batch_and_product(by, batch_id).await {
            Ok((record, batch, product)) if record.enterprise_id == enterprise_id => {
                Ok((batch, product))
            }
            Ok(_) => Err(not_ours),
            Err(ServiceError::NotFound(_) | ServiceError::Forbidden(_)) => Err(not_ours),
            Err(e) => return Err(e),
        };
        seen.batches.insert(batch_id, found.clone());
        Ok(found)
    }
}

/// What checking one row found.
enum RowCheck {
    Valid,
    /// Valid if its unique key (of that kind, at that column) is free: the
    /// key and what to say when it is filed already.
    Keyed(RecordKind, String, &'static str, String),
    /// A daily quantity the batch already holds: the batch's ID.
    Reported(i64),
    Wrong(Vec<CellError>),
}
