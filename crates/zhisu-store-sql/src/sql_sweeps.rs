//! What verification sweeps read and write, for both engines (expanded by
//! `impl_sql_store!`). Pages of bodies come back as one aggregated string
//! per page: sqlx's SQLite driver hands each row over a channel from its
//! worker thread, which cost more than reading the row. A full sweep's
//! pages on SQLite are read past sqlx (`sqlite_sweep.rs`); the records of
//! an incremental sweep, a few thousand, still come this way. Findings are
//! written as set operations through a temporary table.

/// Separates the fields of one record, and the records, in an aggregated
/// page: control characters JSON text never holds unescaped (RFC 8259 §7).
pub(crate) const FIELD_SEP: char = '\u{1f}';
pub(crate) const RECORD_SEP: char = '\u{1e}';

/// `$1, $2, …` for `n` values from placeholder `first`.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Splits an aggregated page into records.
pub(crate) fn parse_raw(text: &str) -> zhisu_store::StoreResult<Vec<zhisu_store::RawRecord>> {
    let bad = |what: &str| zhisu_store::StoreError::Internal(format!("sweep page: {what}"));
    let mut out = Vec::new();
    // Split on the separators as chars: a `&str` pattern searches with
    // the two-way algorithm, a char with memchr (the former was about 8% of
    // a full sweep, on the reader's side of the pipeline).
    for row in text.split(RECORD_SEP).filter(|r| !r.is_empty()) {
        let mut parts = row.splitn(7, FIELD_SEP);
        let mut next = || parts.next().ok_or_else(|| bad("a field is missing"));
        let id = next()?.parse().map_err(|_| bad("id"))?;
        let kind = next()?;
        let kind = zhisu_domain::RecordKind::parse(kind).ok_or_else(|| bad(kind))?;
        let version = next()?.parse().map_err(|_| bad("version"))?;
        out.push(zhisu_store::RawRecord {
            id,
            kind,
            version,
            region_code: next()?.to_string(),
            created_at: next()?.to_string(),
            updated_at: next()?.to_string(),
            body: next()?.to_string(),
        });
    }
    Ok(out)
}

macro_rules! sql_sweeps {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        const SWEPT: &str = "('enterprise', 'product', 'batch', 'flow', 'register')";

        /// One aggregated string of records `r` (with `v`, their current
        /// version): `$1`, `$2` are the separators.
        const RAW_AGGREGATE: &str = concat!(
            $concat,
            "(cast(r.id as text) || $1 || r.kind || $1 || cast(r.version as text) || $1 || r.region_code || $1 || \
             r.created_at || $1 || r.updated_at || $1 || v.body, $2)"
        );

        const SWEEP_COLUMNS: &str = "id, started_at, finished_at, started_by, catalogue_version, records, findings, \
             opened, resolved, mode, mark, settings";

        /// The expressions the `record_versions_*` indexes of migration
        /// 0025 are built on, character for character.
        fn uscc_of() -> &'static str {
            if $engine == "sqlite" {
            "upper(json_extract(body, '$.uscc'))"
            } else {
                "upper((body::jsonb) ->> 'uscc')"
            }
        }
        fn ccc_of() -> &'static str {
            if $engine == "sqlite" {
            "upper(trim(json_extract(body, '$.ccc_cert_no')))"
            } else {
                "upper(trim((body::jsonb) ->> 'ccc_cert_no'))"
            }
        }
        fn licence_of() -> &'static str {
            if $engine == "sqlite" {
            "upper(trim(json_extract(body, '$.production_licence_no')))"
            } else {
                "upper(trim((body::jsonb) ->> 'production_licence_no'))"
            }
        }

        fn sweep_row(row: &DbRow) -> StoreResult<zhisu_store::SweepRow> {
            Ok(zhisu_store::SweepRow {
                id: row.try_get("id").map_err(map_err)?,
                started_at: row.try_get("started_at").map_err(map_err)?,
                finished_at: row.try_get("finished_at").map_err(map_err)?,
                started_by: row.try_get("started_by").map_err(map_err)?,
                catalogue_version: row.try_get("catalogue_version").map_err(map_err)?,
                records: row.try_get("records").map_err(map_err)?,
                findings: row.try_get("findings").map_err(map_err)?,
                opened: row.try_get("opened").map_err(map_err)?,
                resolved: row.try_get("resolved").map_err(map_err)?,
                mode: row.try_get("mode").map_err(map_err)?,
                mark: row.try_get("mark").map_err(map_err)?,
                settings: row.try_get("settings").map_err(map_err)?,
            })
        }

        impl $store {
            /// IDs of the statement `sql` (its `{}` the placeholders) for
            /// each chunk of `values`.
            async fn ids_where_in<V>(&self, sql: &str, values: &std::collections::BTreeSet<V>, into: &mut std::collections::BTreeSet<i64>) -> StoreResult<()>
            where
                V: Clone + Send + Sync + for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db>,
            {
                let values: Vec<V> = values.iter().cloned().collect();
                for chunk in $crate::fixed_chunks(&values) {
                    let sql = sql.replace("{}", &$crate::sql_sweeps::placeholders(1, chunk.len()));
                    let mut q = sqlx::query_scalar::<_, i64>(&sql);
                    for v in chunk {
                        q = q.bind(v.clone());
                    }
                    into.extend(q.fetch_all(&self.reader).await.map_err(map_err)?);
                }
                Ok(())
            }
        }

        #[async_trait]
        impl zhisu_store::SweepStore for $store {
            async fn sweep_pages(&self) -> Option<std::sync::Arc<dyn zhisu_store::SweepPages>> {
                self.direct_sweep_pages().await
            }

            async fn files_due(&self, since: &str, started: &str, limit: i64) -> StoreResult<Vec<zhisu_store::FileState>> {
                // Two reads, each on an index of its own: none is due on
                // most sweeps, and each costs nothing then.
                let mut rows: Vec<(String, Option<i64>, Option<String>, Option<String>, String)> = sqlx::query_as(
                    "select sha256, size, modified, fault, checked_at from file_checks \
                     where checked_at < $1 order by checked_at limit $2",
                )
                .bind(since)
                .bind(limit)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                let faulty: Vec<(String, Option<i64>, Option<String>, Option<String>, String)> = sqlx::query_as(
                    "select sha256, size, modified, fault, checked_at from file_checks \
                     where fault is not null and checked_at >= $1 and checked_at < $2 \
                     order by checked_at limit $3",
                )
                .bind(since)
                .bind(started)
                .bind(limit)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.extend(faulty);
                Ok(rows
                    .into_iter()
                    .map(|(sha256, size, modified, fault, checked_at)| zhisu_store::FileState {
                        sha256,
                        size,
                        modified,
                        fault,
                        checked_at: Some(checked_at).filter(|at| !at.is_empty()),
                    })
                    .collect())
            }

            async fn keep_file_checks(&self, checks: &[zhisu_store::FileState]) -> StoreResult<()> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                for chunk in $crate::chunks_of(checks, &[500, 16, 1]) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "insert into file_checks (sha256, size, modified, fault, checked_at) ",
                    );
                    q.push_values(chunk, |mut b, c| {
                        b.push_bind(c.sha256.clone())
                            .push_bind(c.size)
                            .push_bind(c.modified.clone())
                            .push_bind(c.fault.clone())
                            .push_bind(c.checked_at.clone().unwrap_or_default());
                    });
                    q.push(
                        " on conflict (sha256) do update set size = excluded.size, \
                         modified = excluded.modified, fault = excluded.fault, \
                         checked_at = excluded.checked_at",
                    );
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn file_faults(&self) -> StoreResult<Vec<(String, String)>> {
                sqlx::query_as("select sha256, fault from file_checks where fault is not null order by sha256")
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn sweep_records(&self, after: i64, limit: i64) -> StoreResult<zhisu_store::RawPage> {
                if let Some(page) = self.direct_sweep_page(after, limit).await? {
                    return Ok(page);
                }
                // PostgreSQL walks the records by ID and finds each current
                // version by its key. (SQLite's pages were returned above:
                // `sqlite_sweep.rs`.)
                let sql = format!(
                    "select max(r.id), {RAW_AGGREGATE} from \
                     (select id, kind, version, region_code, created_at, updated_at from records \
                      where id > $3 and kind in {SWEPT} order by id limit $4) r \
                     left join record_versions v on v.record_id = r.id and v.version = r.version"
                );
                let (last, text): (Option<i64>, Option<String>) = sqlx::query_as(&sql)
                    .bind($crate::sql_sweeps::FIELD_SEP.to_string())
                    .bind($crate::sql_sweeps::RECORD_SEP.to_string())
                    .bind(after)
                    .bind(limit)
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_err)?;
                let mut records = $crate::sql_sweeps::parse_raw(text.as_deref().unwrap_or(""))?;
                records.sort_by_key(|r| r.id);
                Ok(zhisu_store::RawPage { records, last })
            }

            async fn sweep_records_by_id(&self, ids: &[i64]) -> StoreResult<Vec<zhisu_store::RawRecord>> {
                let mut out = Vec::new();
                for chunk in $crate::fixed_chunks(ids) {
                    let sql = format!(
                        "select {RAW_AGGREGATE} from records r \
                         join record_versions v on v.record_id = r.id and v.version = r.version \
                         where r.id in ({})",
                        $crate::sql_sweeps::placeholders(3, chunk.len())
                    );
                    let mut q = sqlx::query_scalar::<_, Option<String>>(&sql)
                        .bind($crate::sql_sweeps::FIELD_SEP.to_string())
                        .bind($crate::sql_sweeps::RECORD_SEP.to_string());
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    let text = q.fetch_one(&self.reader).await.map_err(map_err)?;
                    // The kinds are kept here: a condition on them let SQLite
                    // walk its kind index instead of finding each ID.
                    out.extend(
                        $crate::sql_sweeps::parse_raw(text.as_deref().unwrap_or(""))?
                            .into_iter()
                            .filter(|r| zhisu_store::SWEPT_KINDS.contains(&r.kind)),
                    );
                }
                out.sort_by_key(|r| r.id);
                Ok(out)
            }

            async fn version_mark(&self) -> StoreResult<i64> {
                sqlx::query_scalar("select coalesce(max(leaf_index), -1) from record_versions")
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn changed_since(&self, mark: i64, limit: i64) -> StoreResult<Option<Vec<zhisu_store::ChangedRecord>>> {
                let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(&format!(
                    "select r.id, r.kind, \
                     (select w.body from record_versions w where w.record_id = r.id and w.leaf_index <= $1 \
                      order by w.version desc limit 1) \
                     from records r \
                     where r.id in (select record_id from record_versions where leaf_index > $1) \
                     order by r.id limit $2"
                ))
                .bind(mark)
                .bind(limit + 1)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                if rows.len() as i64 > limit {
                    return Ok(None);
                }
                let mut out = Vec::new();
                for (id, kind, before) in rows {
                    let kind = RecordKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("unknown kind {kind}")))?;
                    if zhisu_store::SWEPT_KINDS.contains(&kind) {
                        out.push(zhisu_store::ChangedRecord { id, kind, before });
                    }
                }
                Ok(Some(out))
            }

            async fn sweep_neighbours(&self, keys: &zhisu_domain::verification::Keys) -> StoreResult<Vec<i64>> {
                let mut ids = std::collections::BTreeSet::new();
                self.ids_where_in(
                    &format!("select record_id from record_versions where kind = 'enterprise' and {} in ({{}})", uscc_of()),
                    &keys.usccs,
                    &mut ids,
                )
                .await?;
                self.ids_where_in(
                    "select id from records where kind = 'product' and enterprise_id in ({})",
                    &keys.enterprises,
                    &mut ids,
                )
                .await?;
                for number in [ccc_of(), licence_of()] {
                    self.ids_where_in(
                        &format!("select record_id from record_versions where kind = 'product' and {number} in ({{}})"),
                        &keys.licences,
                        &mut ids,
                    )
                    .await?;
                }
                self.ids_where_in(
                    // By file first: the kind is checked per row found (a
                    // join let SQLite walk every batch instead).
                    "select f.record_id from record_files f where f.sha256 in ({}) \
                     and exists (select 1 from records r where r.id = f.record_id and r.kind = 'batch')",
                    &keys.files,
                    &mut ids,
                )
                .await?;
                self.ids_where_in(
                    "select flow_id from flow_lines where batch_id in ({})",
                    &keys.batches,
                    &mut ids,
                )
                .await?;
                Ok(ids.into_iter().collect())
            }

            async fn record_sweep(
                &self,
                sweep: zhisu_store::NewSweep,
                findings: &[zhisu_store::NewFinding],
                scope: Option<&[i64]>,
            ) -> StoreResult<zhisu_store::SweepRow> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let finished = format_time(now());
                let id: i64 = sqlx::query_scalar(
                    "insert into verification_sweeps (started_at, finished_at, started_by, catalogue_version, records, \
                     findings, opened, resolved, mode, mark, settings) \
                     values ($1, $2, $3, $4, $5, $6, 0, 0, $7, $8, $9) returning id",
                )
                .bind(&sweep.started_at)
                .bind(&finished)
                .bind(&sweep.started_by)
                .bind(&sweep.catalogue_version)
                .bind(sweep.records)
                .bind(findings.len() as i64)
                .bind(&sweep.mode)
                .bind(sweep.mark)
                .bind(&sweep.settings)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                for sql in [
                    "create temp table if not exists sweep_seen (rule text not null, axis text not null, \
                     severity text not null, class text not null, kind text not null, record_id bigint not null, \
                     version bigint not null, enterprise_id bigint not null, region_code text not null, \
                     field text not null, evidence text not null, settle text not null, \
                     primary key (rule, kind, record_id, field))",
                    "create temp table if not exists sweep_scope (record_id bigint primary key)",
                    "delete from sweep_seen",
                    "delete from sweep_scope",
                ] {
                    sqlx::query(sql).execute(&mut *tx).await.map_err(map_err)?;
                }
                for chunk in $crate::fixed_chunks(findings) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "insert into sweep_seen (rule, axis, severity, class, kind, record_id, version, \
                         enterprise_id, region_code, field, evidence, settle) ",
                    );
                    q.push_values(chunk, |mut row, f| {
                        row.push_bind(f.rule.clone())
                            .push_bind(f.axis.clone())
                            .push_bind(f.severity.clone())
                            .push_bind(f.class.clone())
                            .push_bind(f.kind.as_str())
                            .push_bind(f.record_id)
                            .push_bind(f.version)
                            .push_bind(f.enterprise_id)
                            .push_bind(f.region_code.clone())
                            .push_bind(f.field.clone())
                            .push_bind(f.evidence.clone())
                            .push_bind(f.settle.clone());
                    });
                    // One finding twice (a rule that saw it by two paths): the first stands.
                    q.push(" on conflict do nothing");
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                for chunk in $crate::fixed_chunks(scope.unwrap_or(&[])) {
                    let mut q = sqlx::QueryBuilder::<$db>::new("insert into sweep_scope (record_id) ");
                    q.push_values(chunk, |mut row, id| {
                        row.push_bind(*id);
                    });
                    q.push(" on conflict do nothing");
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                // Issue 18.1: the open findings counted before and after
                // the upsert and the resolve move the rollup.
                sqlx::query(LOCK_FINDINGS).execute(&mut *tx).await.map_err(map_err)?;
                let open_before = open_finding_counts(&mut tx, None).await?;
                // Written only when new, opened again or changed: an open
                // finding seen as it was costs no write.
                sqlx::query(concat!(
                    "insert into verification_findings (rule, axis, severity, class, kind, record_id, version, \
                     enterprise_id, region_code, field, evidence, status, opened_at, opened_sweep, last_sweep, settle) \
                     select rule, axis, severity, class, kind, record_id, version, enterprise_id, region_code, field, \
                     evidence, 'open', $1, $2, $2, settle from sweep_seen where true \
                     on conflict (rule, kind, record_id, field) do update set ",
                    finding_update!(),
                    " where verification_findings.status <> 'open' or verification_findings.version <> excluded.version \
                     or verification_findings.evidence <> excluded.evidence or verification_findings.class <> excluded.class \
                     or verification_findings.severity <> excluded.severity or verification_findings.axis <> excluded.axis \
                     or verification_findings.settle <> excluded.settle \
                     or verification_findings.region_code <> excluded.region_code \
                     or verification_findings.enterprise_id <> excluded.enterprise_id"
                ))
                .bind(&finished)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let in_scope = if scope.is_some() {
                    " and exists (select 1 from sweep_scope c where c.record_id = verification_findings.record_id)"
                } else {
                    ""
                };
                let resolved = sqlx::query(&format!(
                    "update verification_findings set status = 'resolved', resolved_at = $1, resolved_sweep = $2 \
                     where status = 'open' and not exists (select 1 from sweep_seen s where s.rule = verification_findings.rule \
                     and s.kind = verification_findings.kind and s.record_id = verification_findings.record_id \
                     and s.field = verification_findings.field){in_scope}"
                ))
                .bind(&finished)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected() as i64;
                keep_open_findings(&mut tx, None, &open_before, &finished).await?;
                let opened: i64 = sqlx::query_scalar(
                    "select count(*) from verification_findings where opened_sweep = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                // Counts per rule (issue 17.2), in the same transaction.
                sqlx::query(
                    "insert into verification_sweep_rules (sweep_id, rule, region_code, seen, opened, resolved, open) \
                     select $1, rule, region_code, sum(seen), sum(opened), sum(resolved), sum(open) from ( \
                     select rule, region_code, count(*) as seen, 0 as opened, 0 as resolved, 0 as open from sweep_seen group by rule, region_code \
                     union all select rule, region_code, 0, count(*), 0, 0 from verification_findings where opened_sweep = $1 group by rule, region_code \
                     union all select rule, region_code, 0, 0, count(*), 0 from verification_findings where resolved_sweep = $1 group by rule, region_code \
                     union all select rule, region_code, 0, 0, 0, count(*) from verification_findings where status = 'open' group by rule, region_code \
                     ) t group by rule, region_code",
                )
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let row = sqlx::query(&format!(
                    "update verification_sweeps set opened = $1, resolved = $2 where id = $3 returning {SWEEP_COLUMNS}"
                ))
                .bind(opened)
                .bind(resolved)
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let sweep = sweep_row(&row)?;
                tx.commit().await.map_err(map_err)?;
                Ok(sweep)
            }

            async fn latest_sweep(&self) -> StoreResult<Option<zhisu_store::SweepRow>> {
                let row = sqlx::query(&format!("select {SWEEP_COLUMNS} from verification_sweeps order by id desc limit 1"))
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(sweep_row).transpose()
            }

            async fn list_sweeps(&self, limit: i64, offset: i64) -> StoreResult<(Vec<zhisu_store::SweepRow>, i64)> {
                let rows = sqlx::query(&format!(
                    "select {SWEEP_COLUMNS} from verification_sweeps order by id desc limit $1 offset $2"
                ))
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query_scalar("select count(*) from verification_sweeps")
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_err)?;
                Ok((rows.iter().map(sweep_row).collect::<StoreResult<_>>()?, total))
            }

            async fn get_sweep(&self, id: i64) -> StoreResult<Option<zhisu_store::SweepRow>> {
                let row = sqlx::query(&format!("select {SWEEP_COLUMNS} from verification_sweeps where id = $1"))
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(sweep_row).transpose()
            }

            async fn sweep_rules(&self, id: i64, scope: &zhisu_domain::auth::ListScope) -> StoreResult<Vec<zhisu_store::SweepRuleCount>> {
                let (mut conditions, mut binds) = (Vec::new(), Vec::new());
                add_condition(&mut conditions, &mut binds, "f.sweep_id = $?", Bind::I64(id));
                // Counts by region: a regulator's jurisdiction only (V7); an
                // enterprise reads no sweep (the service refuses it first).
                add_scope(&mut conditions, &mut binds, scope, "f");
                let sql = format!(
                    "select rule, cast(sum(seen) as bigint) as seen, cast(sum(opened) as bigint) as opened, \
                     cast(sum(resolved) as bigint) as resolved, cast(sum(open) as bigint) as open \
                     from verification_sweep_rules f where {} group by rule order by rule",
                    conditions.join(" and ")
                );
                let q = sqlx::query(&sql);
                let rows = bind_all!(q, &binds).fetch_all(&self.reader).await.map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(zhisu_store::SweepRuleCount {
                            rule: r.try_get("rule").map_err(map_err)?,
                            seen: r.try_get("seen").map_err(map_err)?,
                            opened: r.try_get("opened").map_err(map_err)?,
                            resolved: r.try_get("resolved").map_err(map_err)?,
                            open: r.try_get("open").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn latest_full_sweep(&self) -> StoreResult<Option<zhisu_store::SweepRow>> {
                let row = sqlx::query(&format!(
                    "select {SWEEP_COLUMNS} from verification_sweeps where mode = 'full' order by id desc limit 1"
                ))
                .fetch_optional(&self.reader)
                .await
                .map_err(map_err)?;
                row.as_ref().map(sweep_row).transpose()
            }
        }
    };
}
