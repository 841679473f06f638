//! Imports for both engines (expanded by `impl_sql_store!`, issue 19.3):
//! a checked file's rows kept with the job, settled as they are written,
//! and the row keys that make an import idempotent by content.

macro_rules! sql_imports {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        use zhisu_domain::imports::CellError;
        use zhisu_store::{ImportJob, ImportKey, ImportRow, ImportStore, NewImport};

        /// The job's columns and its rows' tally by status (every row has one
        /// of the four: their sum is the rows').
        const IMPORT_JOB: &str = "select i.id, i.enterprise_id, i.kind, i.file_name, i.file_sha256, i.created_by, \
             i.created_at, i.status, i.commit_mode, i.finished_at, i.failure, \
             (select count(*) from import_rows r where r.import_id = i.id and r.status = 'pending') as pending, \
             (select count(*) from import_rows r where r.import_id = i.id and r.status = 'created') as created, \
             (select count(*) from import_rows r where r.import_id = i.id and r.status = 'unchanged') as unchanged, \
             (select count(*) from import_rows r where r.import_id = i.id and r.status = 'error') as errors \
             from imports i";

        fn import_job_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<ImportJob> {
            let pending: i64 = row.try_get("pending").map_err(map_err)?;
            let created: i64 = row.try_get("created").map_err(map_err)?;
            let unchanged: i64 = row.try_get("unchanged").map_err(map_err)?;
            let errors: i64 = row.try_get("errors").map_err(map_err)?;
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
                rows: pending + created + unchanged + errors,
                pending,
                created,
                unchanged,
                errors,
            })
        }

        fn import_row_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<ImportRow> {
            let errors: String = row.try_get("errors").map_err(map_err)?;
            let body: Option<String> = row.try_get("body").map_err(map_err)?;
            Ok(ImportRow {
                row: row.try_get("row_no").map_err(map_err)?,
                status: row.try_get("status").map_err(map_err)?,
                id: row.try_get("record_id").map_err(map_err)?,
                errors: serde_json::from_str::<Vec<CellError>>(&errors)
                    .map_err(|e| StoreError::Internal(format!("import row errors: {e}")))?,
                body: body
                    .map(|b| serde_json::from_str(&b))
                    .transpose()
                    .map_err(|e| StoreError::Internal(format!("import row body: {e}")))?,
                row_hash: row.try_get("row_hash").map_err(map_err)?,
            })
        }

        /// A checked import's own row (not its rows); its ID.
        async fn insert_import(
            tx: &mut sqlx::Transaction<'_, $db>,
            import: &NewImport,
        ) -> StoreResult<i64> {
            sqlx::query_scalar(
                "insert into imports (enterprise_id, kind, file_name, file_sha256, created_by, created_at, status) \
                 values ($1, $2, $3, $4, $5, $6, 'checked') returning id",
            )
            .bind(import.enterprise_id)
            .bind(&import.kind)
            .bind(&import.file_name)
            .bind(&import.file_sha256)
            .bind(&import.created_by)
            .bind(format_time(now()))
            .fetch_one(&mut **tx)
            .await
            .map_err(map_err)
        }

        fn row_errors_json(errors: &[CellError]) -> String {
            serde_json::to_string(errors).expect("row errors serialise")
        }

        /// New records (each with an enterprise and a unique key of its
        /// own, no codes, no flow lines) written as `insert_record` writes
        /// each — the row, its import key, its rollup changes, version 1,
        /// its ledger leaf, its files and its audit entry with that entry's
        /// leaf — but a statement a table for many records rather than a
        /// dozen a record (issue 19.3: 100,000 rows of an import). The
        /// leaves are numbered as one by one: a record's version, then its
        /// audit entry.
        async fn insert_records_together(
            suite: zhisu_ledger::Suite,
            tx: &mut sqlx::Transaction<'_, $db>,
            records: &[zhisu_store::NewRecord],
            at: &str,
            audit: &AuditEntry,
        ) -> StoreResult<Vec<StoredRecord>> {
            let mut ids: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
            // Ten binds a row: 500 rows stay under SQLite's 32,766.
            for chunk in $crate::chunks_of(records, &[500, 16, 1]) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "insert into records (kind, enterprise_id, parent_id, unique_key, name, region_code, tag, version, \
                     created_at, updated_at, updated_by, code_key) ",
                );
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(r.kind.as_str())
                        .push_bind(r.index.enterprise_id)
                        .push_bind(r.index.parent_id)
                        .push_bind(r.index.unique_key.clone())
                        .push_bind(r.index.name.clone())
                        .push_bind(r.index.region_code.clone())
                        .push_bind(r.index.tag.clone())
                        .push_bind(1i64)
                        .push_bind(at)
                        .push_bind(at)
                        .push_bind(audit.actor.clone())
                        .push_bind(r.index.code_key.clone());
                });
                q.push(" returning id, unique_key");
                for row in q.build().fetch_all(&mut **tx).await.map_err(map_err)? {
                    ids.insert(row.try_get("unique_key").map_err(map_err)?, row.try_get("id").map_err(map_err)?);
                }
            }
            let id_of = |r: &zhisu_store::NewRecord| ids[r.index.unique_key.as_deref().unwrap_or_default()];
            let keyed: Vec<(i64, &ImportKey)> = records
                .iter()
                .filter_map(|r| r.import_key.as_ref().map(|k| (id_of(r), k)))
                .collect();
            for chunk in $crate::chunks_of(&keyed, &[500, 16, 1]) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "insert into import_keys (enterprise_id, kind, row_hash, record_id, created_at) ",
                );
                q.push_values(chunk, |mut b, (id, k)| {
                    b.push_bind(k.enterprise_id)
                        .push_bind(k.kind.clone())
                        .push_bind(k.row_hash.clone())
                        .push_bind(*id)
                        .push_bind(at);
                });
                q.build().execute(&mut **tx).await.map_err(map_err)?;
            }
            let mut categories = std::collections::HashMap::new();
            let mut deltas = Vec::new();
            for r in records {
                let enterprise_id = r.index.enterprise_id.unwrap_or_default();
                deltas.extend(record_deltas(tx, r.kind, None, &r.index, enterprise_id, &r.body, at, at, &mut categories).await?);
            }
            apply_stats(tx, &deltas).await?;

            // Version 1 and its leaf, then the audit entry and its leaf.
            let first_leaf = <$store>::next_leaf(tx).await?;
            let mut versions = Vec::with_capacity(records.len());
            let mut leaves: Vec<(i64, String, &'static str, String)> = Vec::with_capacity(records.len() * 2);
            let mut files: Vec<(String, i64)> = Vec::new();
            let mut entries = Vec::with_capacity(records.len());
            for (i, r) in records.iter().enumerate() {
                let id = id_of(r);
                let leaf_index = first_leaf + 2 * i as i64;
                let canonical = canonical_json(&r.body);
                let leaf = zhisu_ledger::leaf_bytes(r.kind.as_str(), id, 1, &canonical);
                leaves.push((
                    leaf_index,
                    zhisu_ledger::to_hex(&suite.leaf_hash(&leaf)),
                    "record",
                    format!("{}/{}@1", r.kind.as_str(), id),
                ));
                versions.push((id, r.kind.as_str(), canonical, leaf_index));
                for sha256 in zhisu_domain::blob::referenced_files(&r.body) {
                    files.push((sha256, id));
                }
                let mut entry = audit.clone();
                entry.target.get_or_insert_with(|| format!("{}/{}", r.kind.as_str(), id));
                entry.enterprise_id.get_or_insert(r.index.enterprise_id.unwrap_or_default());
                entry.detail = Some(match entry.detail.take() {
                    Some(d) => format!("{d}; version 1, leaf {leaf_index}"),
                    None => format!("version 1, leaf {leaf_index}"),
                });
                entries.push((leaf_index + 1, entry));
            }
            for chunk in $crate::chunks_of(&versions, &[500, 16, 1]) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) ",
                );
                q.push_values(chunk, |mut b, (id, kind, body, leaf)| {
                    b.push_bind(*id)
                        .push_bind(1i64)
                        .push_bind(*kind)
                        .push_bind(body.clone())
                        .push_bind(at)
                        .push_bind(audit.actor.clone())
                        .push_bind(*leaf);
                });
                q.build().execute(&mut **tx).await.map_err(map_err)?;
            }
            // Who may read a file follows the records that reference it
            // (issue 16.8); a file referenced is a file to look at (ZV-C-005).
            for chunk in $crate::chunks_of(&files, &[500, 16, 1]) {
                let mut q = sqlx::QueryBuilder::<$db>::new("insert into record_files (sha256, record_id) ");
                q.push_values(chunk, |mut b, (sha, id)| {
                    b.push_bind(sha.clone()).push_bind(*id);
                });
                q.push(" on conflict do nothing");
                q.build().execute(&mut **tx).await.map_err(map_err)?;
            }
            let shas: Vec<String> = files
                .iter()
                .map(|(sha, _)| sha.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            for chunk in $crate::chunks_of(&shas, &[500, 16, 1]) {
                let mut q = sqlx::QueryBuilder::<$db>::new("insert into file_checks (sha256, checked_at) ");
                q.push_values(chunk, |mut b, sha| {
                    b.push_bind(sha.clone()).push_bind("");
                });
                q.push(" on conflict do nothing");
                q.build().execute(&mut **tx).await.map_err(map_err)?;
            }
            for chunk in $crate::chunks_of(&entries, &[500, 16, 1]) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "insert into audit_log (at, actor, action, target, enterprise_id, ip, outcome, detail, leaf_index) ",
                );
                q.push_values(chunk, |mut b, (leaf, e)| {
                    b.push_bind(at)
                        .push_bind(e.actor.clone())
                        .push_bind(e.action.clone())
                        .push_bind(e.target.clone())
                        .push_bind(e.enterprise_id)
                        .push_bind(e.ip.clone())
                        .push_bind(e.outcome.clone())
                        .push_bind(e.detail.clone())
                        .push_bind(*leaf);
                });
                q.push(" returning id, leaf_index");
                let made: std::collections::HashMap<i64, i64> = q
                    .build()
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(|row| Ok((row.try_get("leaf_index").map_err(map_err)?, row.try_get("id").map_err(map_err)?)))
                    .collect::<StoreResult<_>>()?;
                for (leaf_index, entry) in chunk {
                    let id = made[leaf_index];
                    let record = zhisu_store::AuditRecord { id, at: at.to_string(), entry: entry.clone() };
                    let leaf = zhisu_store::audit_leaf_bytes(&record);
                    leaves.push((*leaf_index, zhisu_ledger::to_hex(&suite.leaf_hash(&leaf)), "audit", format!("audit/{id}")));
                }
            }
            for chunk in $crate::chunks_of(&leaves, &[500, 16, 1]) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "insert into ledger_leaves (leaf_index, leaf_hash, entry_kind, entry_ref, created_at) ",
                );
                q.push_values(chunk, |mut b, (leaf, hash, kind, entry)| {
                    b.push_bind(*leaf)
                        .push_bind(hash.clone())
                        .push_bind(*kind)
                        .push_bind(entry.clone())
                        .push_bind(at);
                });
                q.build().execute(&mut **tx).await.map_err(map_err)?;
            }
            Ok(records
                .iter()
                .zip(&versions)
                .map(|(r, (id, _, _, leaf))| StoredRecord {
                    id: *id,
                    kind: r.kind,
                    version: 1,
                    enterprise_id: r.index.enterprise_id.unwrap_or_default(),
                    parent_id: r.index.parent_id,
                    region_code: r.index.region_code.clone(),
                    created_at: at.to_string(),
                    updated_at: at.to_string(),
                    updated_by: audit.actor.clone(),
                    leaf_index: *leaf,
                    body: r.body.clone(),
                })
                .collect())
        }

        #[async_trait]
        impl ImportStore for $store {
            async fn create_import(&self, import: &NewImport) -> StoreResult<i64> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let id = insert_import(&mut tx, import).await?;
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

            async fn imported_file(
                &self,
                enterprise_id: i64,
                kind: &str,
                file_sha256: &str,
            ) -> StoreResult<Option<i64>> {
                sqlx::query_scalar(
                    "select i.id from imports i \
                     where i.enterprise_id = $1 and i.kind = $2 and i.file_sha256 = $3 and i.status = 'done' \
                     and exists (select 1 from import_rows r where r.import_id = i.id) \
                     and not exists (select 1 from import_rows r where r.import_id = i.id \
                                     and r.status not in ('created', 'unchanged')) \
                     order by i.id desc limit 1",
                )
                .bind(enterprise_id)
                .bind(kind)
                .bind(file_sha256)
                .fetch_optional(&self.reader)
                .await
                .map_err(map_err)
            }

            async fn create_import_again(&self, import: &NewImport, like: i64) -> StoreResult<i64> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let id = insert_import(&mut tx, import).await?;
                sqlx::query(
                    "insert into import_rows (import_id, row_no, status, body, row_hash, record_id, errors) \
                     select $1, row_no, 'unchanged', null, row_hash, record_id, '[]' from import_rows \
                     where import_id = $2",
                )
                .bind(id)
                .bind(like)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
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
                // One statement a chunk: the outcomes as a table of values
                // (columns column1…column4 on both engines) joined on the row.
                for chunk in $crate::chunks_of(rows, &[500, 16, 1]) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "update import_rows set status = v.column2, record_id = v.column3, errors = v.column4 from (",
                    );
                    q.push_values(chunk, |mut b, r| {
                        b.push_bind(r.row)
                            .push_bind(r.status.clone())
                            .push_bind(r.id)
                            .push_bind(row_errors_json(&r.errors));
                    });
                    q.push(") as v where import_rows.import_id = ");
                    q.push_bind(id);
                    q.push(" and import_rows.row_no = v.column1");
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn fail_running_imports(&self, failure: &str) -> StoreResult<u64> {
                let done = sqlx::query(
                    "update imports set status = 'failed', failure = $1, finished_at = $2 where status = 'running'",
                )
                .bind(failure)
                .bind(format_time(now()))
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(done.rows_affected())
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
                // Records with codes or flow lines, or without an enterprise
                // or a unique key, are written one by one as create_record
                // writes them.
                let mut keys = std::collections::HashSet::new();
                let together = records.iter().all(|r| {
                    r.links.is_empty()
                        && r.flow.is_empty()
                        && r.index.enterprise_id.is_some()
                        && r.index.unique_key.as_ref().is_some_and(|k| keys.insert(k.clone()))
                });
                let stored = if together {
                    insert_records_together(self.suite, &mut tx, records, &at, &audit).await?
                } else {
                    let mut stored = Vec::with_capacity(records.len());
                    for record in records {
                        stored.push(Self::insert_record(self.suite, &mut tx, record, &at, audit.clone()).await?);
                    }
                    stored
                };
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
                // Each chunk's keys found come back as one string
                // (`HASH:ID,…`): a re-import finds every row, and 100,000
                // rows handed over one by one cost more than reading them.
                let mut found = Vec::with_capacity(hashes.len());
                for chunk in hashes.chunks(500) {
                    let marks: Vec<String> = (3..chunk.len() + 3).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        concat!("select ", $concat, "(row_hash || ':' || cast(record_id as text), ',') from import_keys \
                         where enterprise_id = $1 and kind = $2 and row_hash in ({})"),
                        marks.join(", ")
                    );
                    let mut q = sqlx::query_scalar::<_, Option<String>>(&sql).bind(enterprise_id).bind(kind);
                    for h in chunk {
                        q = q.bind(h);
                    }
                    let Some(list) = q.fetch_one(&self.reader).await.map_err(map_err)? else {
                        continue;
                    };
                    for pair in list.split(',') {
                        let (hash, id) = pair
                            .split_once(':')
                            .ok_or_else(|| StoreError::Internal(format!("import key {pair:?}")))?;
                        let id = id
                            .parse()
                            .map_err(|_| StoreError::Internal(format!("import key {pair:?}")))?;
                        found.push((hash.to_string(), id));
                    }
                }
                Ok(found)
            }
        }
    };
}
