//! Verification sweeps and findings, for both engines (expanded by `impl_sql_store!`).

macro_rules! sql_verification {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        const FINDING_COLUMNS: &str = "id, rule, axis, severity, class, kind, record_id, version, enterprise_id, \
             region_code, field, evidence, status, opened_at, opened_sweep, last_sweep, resolved_at, resolved_sweep";

        fn finding_from_row(row: &DbRow) -> StoreResult<zhisu_store::FindingRow> {
            let kind: String = row.try_get("kind").map_err(map_err)?;
            Ok(zhisu_store::FindingRow {
                id: row.try_get("id").map_err(map_err)?,
                rule: row.try_get("rule").map_err(map_err)?,
                axis: row.try_get("axis").map_err(map_err)?,
                severity: row.try_get("severity").map_err(map_err)?,
                class: row.try_get("class").map_err(map_err)?,
                kind: RecordKind::parse(&kind)
                    .ok_or_else(|| StoreError::Internal(format!("unknown kind {kind}")))?,
                record_id: row.try_get("record_id").map_err(map_err)?,
                version: row.try_get("version").map_err(map_err)?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                region_code: row.try_get("region_code").map_err(map_err)?,
                field: row.try_get("field").map_err(map_err)?,
                evidence: row.try_get("evidence").map_err(map_err)?,
                status: row.try_get("status").map_err(map_err)?,
                opened_at: row.try_get("opened_at").map_err(map_err)?,
                opened_sweep: row.try_get("opened_sweep").map_err(map_err)?,
                last_sweep: row.try_get("last_sweep").map_err(map_err)?,
                resolved_at: row.try_get("resolved_at").map_err(map_err)?,
                resolved_sweep: row.try_get("resolved_sweep").map_err(map_err)?,
            })
        }

        fn sweep_from_row(row: &DbRow) -> StoreResult<zhisu_store::SweepRow> {
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
            })
        }

        #[async_trait]
        impl zhisu_store::VerificationStore for $store {
            async fn record_sweep(
                &self,
                sweep: zhisu_store::NewSweep,
                findings: &[zhisu_store::NewFinding],
            ) -> StoreResult<zhisu_store::SweepRow> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let finished = format_time(now());
                let id: i64 = sqlx::query_scalar(
                    "insert into verification_sweeps (started_at, finished_at, started_by, catalogue_version, records, findings, opened, resolved) \
                     values ($1, $2, $3, $4, $5, $6, 0, 0) returning id",
                )
                .bind(&sweep.started_at)
                .bind(&finished)
                .bind(&sweep.started_by)
                .bind(&sweep.catalogue_version)
                .bind(sweep.records)
                .bind(findings.len() as i64)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                for f in findings {
                    // Open stays open since it was first seen; resolved opens again.
                    sqlx::query(
                        "insert into verification_findings (rule, axis, severity, class, kind, record_id, version, enterprise_id, \
                         region_code, field, evidence, status, opened_at, opened_sweep, last_sweep) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $13, $13) \
                         on conflict (rule, kind, record_id, field) do update set \
                         axis = excluded.axis, severity = excluded.severity, class = excluded.class, \
                         version = excluded.version, enterprise_id = excluded.enterprise_id, \
                         region_code = excluded.region_code, evidence = excluded.evidence, last_sweep = excluded.last_sweep, \
                         opened_at = case when verification_findings.status = 'open' then verification_findings.opened_at else excluded.opened_at end, \
                         opened_sweep = case when verification_findings.status = 'open' then verification_findings.opened_sweep else excluded.opened_sweep end, \
                         status = 'open', resolved_at = null, resolved_sweep = null",
                    )
                    .bind(&f.rule)
                    .bind(&f.axis)
                    .bind(&f.severity)
                    .bind(&f.class)
                    .bind(f.kind.as_str())
                    .bind(f.record_id)
                    .bind(f.version)
                    .bind(f.enterprise_id)
                    .bind(&f.region_code)
                    .bind(&f.field)
                    .bind(&f.evidence)
                    .bind(&finished)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                let resolved = sqlx::query(
                    "update verification_findings set status = 'resolved', resolved_at = $1, resolved_sweep = $2 \
                     where status = 'open' and last_sweep <> $2",
                )
                .bind(&finished)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected() as i64;
                let opened: i64 = sqlx::query_scalar(
                    "select count(*) from verification_findings where opened_sweep = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let row = sqlx::query(
                    "update verification_sweeps set opened = $1, resolved = $2 where id = $3 \
                     returning id, started_at, finished_at, started_by, catalogue_version, records, findings, opened, resolved",
                )
                .bind(opened)
                .bind(resolved)
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let sweep = sweep_from_row(&row)?;
                tx.commit().await.map_err(map_err)?;
                Ok(sweep)
            }

            async fn list_findings(
                &self,
                query: &zhisu_store::FindingQuery,
            ) -> StoreResult<Page<zhisu_store::FindingRow>> {
                let mut conditions = vec!["1 = 1".to_string()];
                let mut binds = Vec::new();
                add_scope(&mut conditions, &mut binds, &query.scope, "f");
                for (column, value) in [
                    ("f.rule", &query.rule),
                    ("f.axis", &query.axis),
                    ("f.status", &query.status),
                ] {
                    if let Some(v) = value {
                        add_condition(&mut conditions, &mut binds, &format!("{column} = $?"), Bind::Text(v.clone()));
                    }
                }
                if let Some(kind) = query.kind {
                    add_condition(&mut conditions, &mut binds, "f.kind = $?", Bind::Text(kind.as_str().into()));
                }
                if let Some(id) = query.id {
                    add_condition(&mut conditions, &mut binds, "f.id = $?", Bind::I64(id));
                }
                if let Some(id) = query.enterprise_id {
                    add_condition(&mut conditions, &mut binds, "f.enterprise_id = $?", Bind::I64(id));
                }
                if let Some(id) = query.record_id {
                    add_condition(&mut conditions, &mut binds, "f.record_id = $?", Bind::I64(id));
                }
                if let Some(p) = &query.region_prefix {
                    add_condition(&mut conditions, &mut binds, "f.region_code like $? escape '\\'", Bind::Text(format!("{}%", like_escape(p))));
                }
                let where_clause = conditions.join(" and ");
                let count_sql = format!("select count(*) from verification_findings f where {where_clause}");
                // Most severe first, then oldest: the order a reviewer works in.
                let list_sql = format!(
                    "select {FINDING_COLUMNS} from verification_findings f where {where_clause} \
                     order by f.severity_rank, f.id \
                     limit {} offset {}",
                    query.limit.clamp(1, 500),
                    query.offset.max(0)
                );
                let count = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &binds);
                let list = bind_all!(sqlx::query(&list_sql), &binds);
                let total = count.fetch_one(&self.reader).await.map_err(map_err)?;
                let rows = list.fetch_all(&self.reader).await.map_err(map_err)?;
                let items = rows.iter().map(finding_from_row).collect::<StoreResult<Vec<_>>>()?;
                Ok(Page { items, total, limit: query.limit.clamp(1, 500), offset: query.offset.max(0) })
            }

            async fn latest_sweep(&self) -> StoreResult<Option<zhisu_store::SweepRow>> {
                let row = sqlx::query(
                    "select id, started_at, finished_at, started_by, catalogue_version, records, findings, opened, resolved \
                     from verification_sweeps order by id desc limit 1",
                )
                .fetch_optional(&self.reader)
                .await
                .map_err(map_err)?;
                row.as_ref().map(sweep_from_row).transpose()
            }
        }
    };
}
