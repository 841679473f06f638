//! Imports (issue 19.3, 工具包导入): a file checked row by row and kept as
//! a job — each row's body, the SHA-256 of what it holds and what became
//! of it — then committed; and the keys that make a row imported twice
//! create nothing (written with the record, `NewRecord::import_key`).

use async_trait::async_trait;
use serde::Serialize;

use crate::{AuditEntry, NewRecord, StoreResult, StoredRecord};
use zhisu_domain::imports::CellError;
use zhisu_domain::RecordKind;

/// One row of an import and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportRow {
    /// Its row in the sheet (from 1, as a spreadsheet counts) or its line
    /// in the NDJSON.
    pub row: i64,
    /// `pending` (valid, not yet written), `created`, `unchanged` (its
    /// content was imported before) or `error`.
    pub status: String,
    /// The record the row made (or made before, when unchanged).
    pub id: Option<i64>,
    pub errors: Vec<CellError>,
    /// The API's body the row was read as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// The SHA-256 of the row's kind and content (its import key).
    #[serde(skip)]
    pub row_hash: Option<String>,
}

/// An import: its file, its state and its rows' tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportJob {
    pub id: i64,
    pub enterprise_id: i64,
    /// `products`, `batches`, `sales`, `purchases` or `quantities`.
    pub kind: String,
    pub file_name: String,
    /// SHA-256 of the uploaded file, hex.
    pub file_sha256: String,
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// `checked` (previewed: nothing written), `running`, `done` or `failed`.
    pub status: String,
    /// `all` or `valid`, once committed.
    pub commit_mode: Option<String>,
    pub finished_at: Option<String>,
    /// Why a failed import stopped.
    pub failure: Option<String>,
    pub rows: i64,
    pub pending: i64,
    pub created: i64,
    pub unchanged: i64,
    pub errors: i64,
}

/// An import to keep, as checked.
#[derive(Debug, Clone)]
pub struct NewImport {
    pub enterprise_id: i64,
    pub kind: String,
    pub file_name: String,
    pub file_sha256: String,
    pub created_by: String,
    pub rows: Vec<ImportRow>,
}

/// A row's content, once written: which enterprise's import of which kind
/// it was, and the SHA-256 of the kind and the row's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportKey {
    pub enterprise_id: i64,
    pub kind: String,
    pub row_hash: String,
}

#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Keeps a checked import and its rows; its ID.
    async fn create_import(&self, import: &NewImport) -> StoreResult<i64>;

    /// The latest `done` import of this enterprise, kind and file (its
    /// SHA-256) whose every row was filed — created or unchanged —, if any:
    /// the same file again holds the same rows, each filed already.
    async fn imported_file(
        &self,
        enterprise_id: i64,
        kind: &str,
        file_sha256: &str,
    ) -> StoreResult<Option<i64>>;

    /// Keeps a checked import (its `rows` unused) of a file `like` imported
    /// in full: `like`'s rows, each `unchanged`, naming the record it made.
    async fn create_import_again(&self, import: &NewImport, like: i64) -> StoreResult<i64>;

    /// One import with its rows' tally.
    async fn import_job(&self, id: i64) -> StoreResult<Option<ImportJob>>;

    /// An enterprise's imports (every enterprise's with None), newest
    /// first.
    async fn import_jobs(
        &self,
        enterprise_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ImportJob>>;

    /// An import's rows after row `after`, in order; only those of
    /// `status` when given.
    async fn import_rows(
        &self,
        id: i64,
        after: i64,
        limit: i64,
        status: Option<&str>,
    ) -> StoreResult<Vec<ImportRow>>;

    /// A checked import set running in `commit_mode`; false if it was not
    /// `checked` (committed already, or by someone else just now).
    async fn start_import(&self, id: i64, commit_mode: &str) -> StoreResult<bool>;

    /// What became of some of an import's rows (status, record, errors).
    async fn settle_import_rows(&self, id: i64, rows: &[ImportRow]) -> StoreResult<()>;

    /// Imports left `running` (the server stopped while filing them) set
    /// `failed` with why; how many.
    async fn fail_running_imports(&self, failure: &str) -> StoreResult<u64>;

    /// An import finished: `done`, or `failed` with why.
    async fn finish_import(&self, id: i64, failure: Option<&str>) -> StoreResult<()>;

    /// Several new records, each as `RecordStore::create_record` stores
    /// one (its version, ledger leaf and audit entry), in one transaction:
    /// all of them, or none (an import's chunk of rows).
    async fn create_records(
        &self,
        records: &[NewRecord],
        audit: AuditEntry,
    ) -> StoreResult<Vec<StoredRecord>>;

    /// Which of these unique keys of `kind` are taken.
    async fn taken_unique_keys(
        &self,
        kind: RecordKind,
        keys: &[String],
    ) -> StoreResult<Vec<String>>;

    /// The records already made by rows of these hashes (an enterprise's,
    /// of one kind): (row hash, record ID).
    async fn imported_records(
        &self,
        enterprise_id: i64,
        kind: &str,
        hashes: &[String],
    ) -> StoreResult<Vec<(String, i64)>>;
}
