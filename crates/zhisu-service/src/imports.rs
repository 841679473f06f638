//! Imports as jobs (issue 19.3, 工具包导入, P5.3.2): a file (a filled-in
//! template, XLSX or CSV) or NDJSON is read and checked row by row and
//! kept as a preview (`checked`, nothing written); committed — every row,
//! which a file with a wrong row cannot be, or only its valid rows — it
//! runs in the background, each row filed as the API would file it, its
//! outcome kept as it goes (`GET /api/v1/imports/{id}` shows progress).
//! A row's content, once filed, is kept as its import key in the record's
//! own transaction: the same row again is `unchanged`, so a file or a
//! toolkit push sent twice, or resumed after an interruption, creates
//! nothing twice.

use std::collections::HashMap;

use zhisu_domain::flow::FlowInput;
use zhisu_domain::imports::{self, ImportKind};
use zhisu_domain::production_days::DayInput;
use zhisu_domain::{
    BatchInput, EnterpriseKind, FieldError, Invalid, Principal, ProductInput, RecordKind,
};
use zhisu_store::{ImportJob, ImportKey, ImportRow, NewImport};

use crate::import_checks::{day_reported, day_row, row_errors};
use crate::records::schema_error;
use crate::{import_kind, RecordView, Service, ServiceError, ServiceResult};

/// Rows filed between two progress marks (and, for products and batches,
/// in one transaction).
const CHUNK: i64 = 1000;

/// An uploaded import.
#[derive(Debug, Clone)]
pub struct ImportUpload {
    /// `products`, `batches`, `sales`, `purchases` or `quantities`.
    pub kind: String,
    /// The enterprise the rows are for (the caller's own by default).
    pub enterprise_id: Option<i64>,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// NDJSON (one object a line) rather than XLSX or CSV.
    pub ndjson: bool,
}

/// Which rows a commit files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitMode {
    /// Every row: refused while any row is wrong.
    All,
    /// Only the rows without mistakes; the wrong ones stay as they are.
    Valid,
}

impl CommitMode {
    pub fn parse(s: &str) -> Option<CommitMode> {
        match s {
            "all" => Some(CommitMode::All),
            "valid" => Some(CommitMode::Valid),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CommitMode::All => "all",
            CommitMode::Valid => "valid",
        }
    }
}

impl Service {
    /// The enterprise `by` imports `kind` for, checked as the API's form
    /// would check it: products, batches and daily quantities only for a
    /// manufacturer `by` files for; sales and purchases for its own.
    async fn import_enterprise(
        &self,
        by: &Principal,
        kind: &ImportKind,
        enterprise_id: Option<i64>,
    ) -> ServiceResult<RecordView> {
        match kind.kind.as_str() {
            "sales" | "purchases" => {
                let id = enterprise_id.or(by.enterprise_id).ok_or_else(|| {
                    ServiceError::BadRequest("请指明企业 (enterprise_id is required)".into())
                })?;
                let enterprise = self.read_record(by, RecordKind::Enterprise, id).await?;
                if !by.can_record_flow(id) {
                    return Err(ServiceError::Forbidden(
                        "只能导入本企业的购销 (you may import only your own enterprise's sales and purchases)".into(),
                    ));
                }
                Ok(enterprise)
            }
            _ => self.manufacturer_for(by, enterprise_id).await,
        }
    }

    /// Reads and checks an upload: the import kept as a preview, nothing
    /// filed. A file that is no template of the kind at all is refused
    /// (422); a wrong row is kept with its mistakes.
    pub async fn check_import(
        &self,
        by: &Principal,
        upload: ImportUpload,
    ) -> ServiceResult<ImportJob> {
        let kind = import_kind(&upload.kind)?;
        let enterprise = self
            .import_enterprise(by, kind, upload.enterprise_id)
            .await?;
        let import = NewImport {
            enterprise_id: enterprise.id,
            kind: kind.kind.clone(),
            file_name: zhisu_domain::blob::clean_file_name(&upload.file_name),
            file_sha256: crate::sha256_hex(&upload.bytes),
            created_by: by.actor.clone(),
            rows: Vec::new(),
        };
        // The same file as an import filed in full before (a toolkit push
        // run again, a file uploaded twice): its rows are that import's,
        // each filed already — what reading and looking up every row again
        // would find, as a row's import key is never taken back. A daily
        // quantity is idempotent by its batch's days, not by keys: read.
        if kind.kind != "quantities" {
            if let Some(like) = self
                .store
                .imported_file(enterprise.id, &kind.kind, &import.file_sha256)
                .await?
            {
                let id = self.store.create_import_again(&import, like).await?;
                return self.import_job(by, id).await;
            }
        }
        let rows = if upload.ndjson {
            let text = std::str::from_utf8(&upload.bytes).map_err(|_| {
                crate::sheet_cells::file_error(
                    "NDJSON 须为 UTF-8 编码 (NDJSON must be UTF-8)".into(),
                )
            })?;
            imports::read_ndjson(kind, text)
                .map_err(|e| crate::sheet_cells::file_error(e.message))?
        } else {
            crate::read_import(&kind.kind, &upload.bytes)?
        };
        let rows = self
            .check_import_rows(by, kind, enterprise.id, rows)
            .await?;
        let id = self
            .store
            .create_import(&NewImport { rows, ..import })
            .await?;
        self.import_job(by, id).await
    }

    /// An import `by` may see: one of an enterprise it may read.
    pub async fn import_job(&self, by: &Principal, id: i64) -> ServiceResult<ImportJob> {
        let missing = || ServiceError::NotFound(format!("没有导入 {id} (no import {id})"));
        let job = self.store.import_job(id).await?.ok_or_else(missing)?;
        self.read_record(by, RecordKind::Enterprise, job.enterprise_id)
            .await
            .map_err(|_| missing())?;
        Ok(job)
    }

    /// An import's rows after row `after`, in order, with their bodies.
    pub async fn import_rows(
        &self,
        by: &Principal,
        id: i64,
        after: i64,
        limit: i64,
    ) -> ServiceResult<Vec<ImportRow>> {
        self.import_job(by, id).await?;
        Ok(self
            .store
            .import_rows(id, after, limit.clamp(1, 1000), None)
            .await?)
    }

    /// The imports of the enterprises `by` imports for, newest first.
    pub async fn import_jobs(&self, by: &Principal) -> ServiceResult<Vec<ImportJob>> {
        let mut readable: HashMap<i64, bool> = HashMap::new();
        let mut out = Vec::new();
        for job in self.store.import_jobs(by.enterprise_id, 50).await? {
            let may = match readable.get(&job.enterprise_id) {
                Some(may) => *may,
                None => {
                    let may = self
                        .read_record(by, RecordKind::Enterprise, job.enterprise_id)
                        .await
                        .is_ok();
                    readable.insert(job.enterprise_id, may);
                    may
                }
            };
            if may {
                out.push(job);
            }
        }
        Ok(out)
    }

    /// Sets a checked import running (not yet filing): refused while a
    /// row is wrong in `All` mode, or once it was committed.
    pub async fn start_import(
        &self,
        by: &Principal,
        id: i64,
        mode: CommitMode,
    ) -> ServiceResult<ImportJob> {
        let job = self.import_job(by, id).await?;
        let kind = import_kind(&job.kind)?;
        self.import_enterprise(by, kind, Some(job.enterprise_id))
            .await?;
        if job.status != "checked" {
            return Err(ServiceError::Conflict(format!(
                "该导入已提交过 (import {id} was committed already)"
            )));
        }
        if mode == CommitMode::All && job.errors > 0 {
            // Every wrong row's mistakes (the first hundred rows), each
            // named `rows[ROW].COLUMN`: nothing is filed.
            let wrong = self.store.import_rows(id, 0, 100, Some("error")).await?;
            let mut findings = vec![FieldError::new(
                "rows",
                "wrong-rows",
                format!(
                    "有 {} 行有误，未导入任何一行：请改正后重新上传，或选择只导入无误的行 ({} rows are wrong and nothing was imported: correct them and upload again, or import only the valid rows)",
                    job.errors, job.errors
                ),
            )
            .clause("P5.3.2")];
            for row in wrong {
                for e in row.errors {
                    let field = match &e.column {
                        Some(column) => format!("rows[{}].{column}", row.row),
                        None => format!("rows[{}]", row.row),
                    };
                    findings.push(FieldError::new(&field, "import-row", e.message));
                }
            }
            return Err(Invalid(findings).into());
        }
        if !self.store.start_import(id, mode.as_str()).await? {
            return Err(ServiceError::Conflict(format!(
                "该导入已提交过 (import {id} was committed already)"
            )));
        }
        self.import_job(by, id).await
    }

    /// Commits a checked import and files its rows in the background;
    /// the job as it starts.
    pub async fn commit_import(
        &self,
        by: &Principal,
        id: i64,
        mode: CommitMode,
    ) -> ServiceResult<ImportJob> {
        let job = self.start_import(by, id, mode).await?;
        let service = self.clone();
        let by = by.clone();
        tokio::spawn(async move {
            if let Err(e) = service.run_import(&by, id, |_| {}).await {
                tracing::error!(import = id, "import stopped: {e}");
            }
        });
        Ok(job)
    }

    /// Files a running import's pending rows in order, `settled` told of
    /// each chunk's outcomes as they are kept; the finished job. A failure
    /// of the platform (not of a row) stops the import as `failed`, the
    /// rows filed so far kept.
    pub async fn run_import(
        &self,
        by: &Principal,
        id: i64,
        mut settled: impl FnMut(&[ImportRow]),
    ) -> ServiceResult<ImportJob> {
        let job = self.import_job(by, id).await?;
        let kind = import_kind(&job.kind)?;
        let enterprise = self
            .import_enterprise(by, kind, Some(job.enterprise_id))
            .await?;
        // Products and batches are stored a chunk at a time; a flow or a
        // day's quantity is checked against what the rows before it left.
        let together = matches!(kind.kind.as_str(), "products" | "batches");
        let outcome = async {
            let mut after = 0;
            loop {
                let rows = self
                    .store
                    .import_rows(id, after, CHUNK, Some("pending"))
                    .await?;
                let Some(last) = rows.last() else {
                    return Ok::<_, ServiceError>(());
                };
                after = last.row;
                let hashes: Vec<String> = rows.iter().filter_map(|r| r.row_hash.clone()).collect();
                // Filed by another import since this one was checked.
                let done: HashMap<String, i64> = self
                    .store
                    .imported_records(job.enterprise_id, &kind.kind, &hashes)
                    .await?
                    .into_iter()
                    .collect();
                let mut outcomes = Vec::with_capacity(rows.len());
                let mut to_file = Vec::with_capacity(rows.len());
                for mut row in rows {
                    match row.row_hash.as_ref().and_then(|h| done.get(h)) {
                        Some(record) => {
                            row.status = "unchanged".into();
                            row.id = Some(*record);
                            outcomes.push(row);
                        }
                        None => to_file.push(row),
                    }
                }
                if together {
                    self.file_rows_together(by, kind, &enterprise, id, &mut to_file)
                        .await?;
                } else {
                    for row in &mut to_file {
                        self.file_row(by, kind, job.enterprise_id, row).await?;
                    }
                }
                outcomes.extend(to_file);
                outcomes.sort_by_key(|r| r.row);
                self.store.settle_import_rows(id, &outcomes).await?;
                settled(&outcomes);
            }
        }
        .await;
        let failure = outcome.as_ref().err().map(|e| e.to_string());
        self.store.finish_import(id, failure.as_deref()).await?;
        outcome?;
        self.import_job(by, id).await
    }

    /// At start: imports the last run left filing are told apart as
    /// stopped (one server a database, as the README says). What they filed
    /// stays; the same file imported again files the rest, the rows filed
    /// already `unchanged`. How many.
    pub async fn stop_interrupted_imports(&self) -> ServiceResult<u64> {
        Ok(self
            .store
            .fail_running_imports(
                "服务重启时导入中断：已导入的行保留，再次导入同一文件即可补齐其余的行 (the server restarted while importing: the rows filed are kept; import the same file again to file the rest)",
            )
            .await?)
    }

    /// Files one row as the API would, its outcome set on it.
    pub(crate) async fn file_row(
        &self,
        by: &Principal,
        kind: &ImportKind,
        enterprise_id: i64,
        row: &mut ImportRow,
    ) -> ServiceResult<()> {
        let body = row.body.clone().unwrap_or_default();
        let key = row.row_hash.clone().map(|row_hash| ImportKey {
            enterprise_id,
            kind: kind.kind.clone(),
            row_hash,
        });
        let filed: ServiceResult<(i64, bool)> = match kind.kind.as_str() {
            "products" => match serde_json::from_value::<ProductInput>(body) {
                Ok(input) => self
                    .file_product(by, input, None, key)
                    .await
                    .map(|v| (v.id, true)),
                Err(e) => Err(schema_error(e)),
            },
            "batches" => match serde_json::from_value::<BatchInput>(body) {
                Ok(input) => self
                    .file_batch(by, input, None, key)
                    .await
                    .map(|v| (v.id, true)),
                Err(e) => Err(schema_error(e)),
            },
            "sales" | "purchases" => match serde_json::from_value::<FlowInput>(body) {
                Ok(input) => self
                    .file_flow(by, input, None, key)
                    .await
                    .map(|v| (v.id, true)),
                Err(e) => Err(schema_error(e)),
            },
            _ => self.file_day_row(by, &body).await,
        };
        match filed {
            Ok((id, created)) => {
                row.status = if created { "created" } else { "unchanged" }.into();
                row.id = Some(id);
            }
            Err(e) => {
                row.status = "error".into();
                row.errors = row_errors(kind, e)?;
            }
        }
        Ok(())
    }

    /// A daily-quantity row: the day reported, unless the batch holds it
    /// already (then unchanged). Its idempotence is the batch's own: a day
    /// is reported once.
    async fn file_day_row(
        &self,
        by: &Principal,
        body: &serde_json::Value,
    ) -> ServiceResult<(i64, bool)> {
        let (batch_id, input): (Option<i64>, DayInput) = day_row(body);
        let batch_id = batch_id.ok_or_else(|| {
            ServiceError::BadRequest("请填写批次编号 (batch_id is required)".into())
        })?;
        let (_, batch, _) = self.batch_and_product(by, batch_id).await?;
        if day_reported(&batch, &input) {
            return Ok((batch_id, false));
        }
        self.report_production_day(by, batch_id, &input, None)
            .await?;
        Ok((batch_id, true))
    }
}

/// Whether an enterprise kind may import `kind` at all (for the pages'
/// choice of kinds): manufacturers every kind, sellers their flows.
pub fn import_kinds_for(kind: EnterpriseKind) -> Vec<&'static ImportKind> {
    imports::kinds()
        .iter()
        .filter(|k| {
            kind != EnterpriseKind::Seller || matches!(k.kind.as_str(), "sales" | "purchases")
        })
        .collect()
}
