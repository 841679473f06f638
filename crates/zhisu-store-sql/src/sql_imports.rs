//! Imports for both engines (expanded by `impl_sql_store!`, issue 19.3):
//! a checked file's rows kept with the job, settled as they are written,
//! and the row keys that make an import idempotent by content.

macro_rules! sql_imports {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        use zhisu_store::{ImportJob, ImportRow, ImportStore, NewImport, RowError};

        /// The job's columns and its rows' tally by status.
        const IMPORT_JOB: &str = "select i.id, i.enterprise_id, i.kind, i.file_name, i.file_sha256, i.created_by, \
             i.created_at, i.status, i.commit_mode, i.finished_at, i.failure, \
             (select count(*) from import_rows r where r.import_id = i.id) as total, \
             (select count(*) from import_rows r where r.import_id = i.id and r.status = 'pending') as pending, \
             (select count(*) from import_rows r where r.import_id = i.id and r.status = 'created') as created, \
             (select count(*) from import_rows r where r.import_id = i.id and r.status = 'unchanged') as unchanged, \
             (select count(*) from import_rows r where r.import_id = i.id and r.status = 'error') as errors \
             from imports i";

        fn import_job_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<ImportJob> {
            Ok(ImportJob {
                id: row.try_get("id").map_err(map_err)?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                kind: row.try_get("kind").map_err(map_err)?,
                file_name: row.try_get("file_name").map_err(map_err)?,
                file_sha256: row.try_get("file_sha256").map_err(map_err)?,
                created_by: row.try_get("created_by").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                status: row.try_get("status").map_err(map_err)?,
                commit_mode: row.try_get("commit_mode").map_err(map_err)?,
                finished_at: row.try_get("finished_at").map_err(map_err)?,
                failure: row.try_get("failure").map_err(map_err)?,
                rows: row.try_get("total").map_err(map_err)?,
                pending: row.try_get("pending").map_err(map_err)?,
                created: row.try_get("created").map_err(map_err)?,
                unchanged: row.try_get("unchanged").map_err(map_err)?,
                errors: row.try_get("errors").map_err(map_err)?,
            })
        }

        fn import_row_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<ImportRow> {
            let errors: String = row.try_get("errors").map_err(map_err)?;
            let body: Option<String> = row.try_get("body").map_err(map_err)?;
            Ok(ImportRow {
                row: row.try_get("row_no").map_err(map_err)?,
                status: row.try_get("status").map_err(map_err)?,
                id: row.try_get("record_id").map_err(map_err)?,
                errors: serde_json::from_str::<Vec<RowError>>(&errors)
                    .map_err(|e| StoreError::Internal(format!("import row errors: {e}")))?,
                body: body
                    .map(|b| serde_json::from_str(&b))
                    .transpose()
                    .map_err(|e| StoreError::Internal(format!("import row body: {e}")))?,
                row_hash: row.try_get("row_hash").map_err(map_err)?,
            })
        }

        fn row_errors_json(errors: &[RowError]) -> String {
            serde_json::to_string(errors).expect("row errors serialise")
        }

        #[async_trait]
        impl ImportStore for $store {
            async fn create_import(&self, import: &NewImport) -> StoreResult<i64> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let id: i64 = sqlx::query_scalar(
                    "insert into imports (enterprise_id, kind, file_name, file_sha256, created_by, created_at, status) \
                     values ($1, $2, $3, $4, $5, $6, 'checked') returning id",
                )
                .bind(import.enterprise_id)
                .bind(&import.kind)
                .bind(&import.file_name)
                .bind(&import.file_sha256)
                .bind(&import.created_by)
                .bind(format_time(now()))
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                // Seven binds a row: 500 rows stay under SQLite's 32,766.
                for chunk in $crate::chunks_of(&import.rows, &[500, 16, 1]) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "insert into import_rows (import_id, row_no, status, body, row_hash, record_id, errors) ",
                    );
                    q.push_values(chunk, |mut b, r| {
                        b.push_bind(id)
                            .push_bind(r.row)
                            .push_bind(r.status.clone())
                            .push_bind(r.body.as_ref().map(|v| v.to_string()))
                            .push_bind(r.row_hash.clone())
                            .push_bind(r.id)
                            .push_bind(row_errors_json(&r.errors));
                    });
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(id)
            }

            async fn import_job(&self, id: i64) -> StoreResult<Option<ImportJob>> {
                let row = sqlx::query(&format!("{IMPORT_JOB} where i.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(import_job_from_row).transpose()
            }

            async fn import_jobs(&self, enterprise_id: Option<i64>, limit: i64) -> StoreResult<Vec<ImportJob>> {
                let of_enterprise = if enterprise_id.is_some() { " where i.enterprise_id = $2" } else { "" };
                let sql = format!("{IMPORT_JOB}{of_enterprise} order by i.id desc limit $1");
                let mut q = sqlx::query(&sql).bind(limit);
                if let Some(e) = enterprise_id {
                    q = q.bind(e);
                }
                let rows = q
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter().map(import_job_from_row).collect()
            }

            async fn import_rows(
                &self,
                id: i64,
                after: i64,
                limit: i64,
                status: Option<&str>,
            ) -> StoreResult<Vec<ImportRow>> {
                let of_status = if status.is_some() { " and status = $4" } else { "" };
                let sql = format!(
                    "select row_no, status, body, row_hash, record_id, errors from import_rows \
                     where import_id = $1 and row_no > $2{of_status} order by row_no limit $3"
                );
                let mut q = sqlx::query(&sql).bind(id).bind(after).bind(limit);
                if let Some(status) = status {
                    q = q.bind(status);
                }
                let rows = q
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter().map(import_row_from_row).collect()
            }

            async fn start_import(&self, id: i64, commit_mode: &str) -> StoreResult<bool> {
                let done = sqlx::query(
                    "update imports set status = 'running', commit_mode = $2 where id = $1 and status = 'checked'",
                )
                .bind(id)
                .bind(commit_mode)
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn settle_import_rows(&self, id: i64, rows: &[ImportRow]) -> StoreResult<()> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                for r in rows {
                    sqlx::query(
                        "update import_rows set status = $3, record_id = $4, errors = $5 \
                         where import_id = $1 and row_no = $2",
                    )
                    .bind(id)
                    .bind(r.row)
                    .bind(&r.status)
                    .bind(r.id)
                    .bind(row_errors_json(&r.errors))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn finish_import(&self, id: i64, failure: Option<&str>) -> StoreResult<()> {
                sqlx::query(
                    "update imports set status = $2, failure = $3, finished_at = $4 where id = $1",
                )
                .bind(id)
                .bind(if failure.is_some() { "failed" } else { "done" })
                .bind(failure)
                .bind(format_time(now()))
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn create_records(
                &self,
                records: &[zhisu_store::NewRecord],
                audit: AuditEntry,
            ) -> StoreResult<Vec<StoredRecord>> {
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let mut stored = Vec::with_capacity(records.len());
                for record in records {
                    stored.push(Self::insert_record(self.suite, &mut tx, record, &at, audit.clone()).await?);
                }
                tx.commit().await.map_err(map_err)?;
                Ok(stored)
            }

            async fn taken_unique_keys(&self, kind: RecordKind, keys: &[String]) -> StoreResult<Vec<String>> {
                let mut taken = Vec::new();
                for chunk in keys.chunks(500) {
                    let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "select unique_key from records where kind = $1 and unique_key in ({})",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(kind.as_str());
                    for k in chunk {
                        q = q.bind(k);
                    }
                    taken.extend(q.fetch_all(&self.reader).await.map_err(map_err)?);
                }
                Ok(taken)
            }

            async fn imported_records(
                &self,
                enterprise_id: i64,
                kind: &str,
                hashes: &[String],
            ) -> StoreResult<Vec<(String, i64)>> {
                let mut found = Vec::new();
                for chunk in hashes.chunks(500) {
                    let marks: Vec<String> = (3..chunk.len() + 3).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "select row_hash, record_id from import_keys \
                         where enterprise_id = $1 and kind = $2 and row_hash in ({})",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query_as::<_, (String, i64)>(&sql).bind(enterprise_id).bind(kind);
                    for h in chunk {
                        q = q.bind(h);
                    }
                    found.extend(q.fetch_all(&self.reader).await.map_err(map_err)?);
                }
                Ok(found)
            }
        }
    };
}
