//! Verification sweeps and findings, for both engines (expanded by `impl_sql_store!`).

/// What a finding seen again becomes (the `do update set` of an upsert
/// into `verification_findings`, `excluded` being the finding seen): open
/// stays open since it was first seen, with whoever has it and any
/// decision on it; resolved opens again as a new occurrence: no one has it
/// yet, and no decision stands.
macro_rules! finding_update {
    () => {
        "axis = excluded.axis, severity = excluded.severity, class = excluded.class, \
         version = excluded.version, enterprise_id = excluded.enterprise_id, \
         region_code = excluded.region_code, evidence = excluded.evidence, last_sweep = excluded.last_sweep, \
         settle = excluded.settle, \
         opened_at = case when verification_findings.status = 'open' then verification_findings.opened_at else excluded.opened_at end, \
         opened_sweep = case when verification_findings.status = 'open' then verification_findings.opened_sweep else excluded.opened_sweep end, \
         assignee = case when verification_findings.status = 'open' then verification_findings.assignee end, \
         assigned_at = case when verification_findings.status = 'open' then verification_findings.assigned_at end, \
         decided_class = case when verification_findings.status = 'open' then verification_findings.decided_class end, \
         decided_by = case when verification_findings.status = 'open' then verification_findings.decided_by end, \
         decided_at = case when verification_findings.status = 'open' then verification_findings.decided_at end, \
         review_id = case when verification_findings.status = 'open' then verification_findings.review_id end, \
         status = 'open', resolved_at = null, resolved_sweep = null"
    };
}

macro_rules! sql_verification {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        const FINDING_COLUMNS: &str = "id, rule, axis, severity, class, kind, record_id, version, enterprise_id, \
             region_code, field, evidence, status, opened_at, opened_sweep, last_sweep, resolved_at, resolved_sweep, \
             settle, assignee, assigned_at, decided_class, decided_by, decided_at, review_id";

        /// Stores a finding seen ($12: when, $13: by which sweep), as
        /// `finding_update!` says.
        const UPSERT_FINDING: &str = concat!(
            "insert into verification_findings (rule, axis, severity, class, kind, record_id, version, enterprise_id, \
             region_code, field, evidence, status, opened_at, opened_sweep, last_sweep, settle) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $13, $13, $14) \
             on conflict (rule, kind, record_id, field) do update set ",
            finding_update!()
        );

        async fn upsert_finding<'c>(
            tx: &mut sqlx::Transaction<'c, $db>,
            f: &zhisu_store::NewFinding,
            at: &str,
            sweep: i64,
        ) -> StoreResult<()> {
            sqlx::query(UPSERT_FINDING)
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
                .bind(at)
                .bind(sweep)
                .bind(&f.settle)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            Ok(())
        }

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
                settle: row.try_get("settle").map_err(map_err)?,
                assignee: row.try_get("assignee").map_err(map_err)?,
                assigned_at: row.try_get("assigned_at").map_err(map_err)?,
                decided_class: row.try_get("decided_class").map_err(map_err)?,
                decided_by: row.try_get("decided_by").map_err(map_err)?,
                decided_at: row.try_get("decided_at").map_err(map_err)?,
                review_id: row.try_get("review_id").map_err(map_err)?,
            })
        }

        #[async_trait]
        impl zhisu_store::VerificationStore for $store {
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
                if query.queue {
                    conditions.push("f.in_queue = 1".into());
                }
                match query.assignee.as_deref() {
                    Some("") => conditions.push("f.assignee is null".into()),
                    Some(who) => add_condition(&mut conditions, &mut binds, "f.assignee = $?", Bind::Text(who.into())),
                    None => {}
                }
                if let Some(before) = &query.opened_before {
                    add_condition(&mut conditions, &mut binds, "f.opened_at < $?", Bind::Text(before.clone()));
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

            async fn check_record(
                &self,
                rules: &[String],
                kind: RecordKind,
                record_id: i64,
                findings: &[zhisu_store::NewFinding],
            ) -> StoreResult<()> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let at = format_time(now());
                // Between sweeps: the latest sweep is the one it counts as
                // seen by (the next one brings it up to date or resolves it).
                let sweep: i64 = sqlx::query_scalar("select coalesce(max(id), 0) from verification_sweeps")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                // Issue 18.1: the open findings of the records touched,
                // counted before and after, move the rollup.
                let mut touched: Vec<(RecordKind, i64)> = findings.iter().map(|f| (f.kind, f.record_id)).collect();
                touched.push((kind, record_id));
                touched.sort_unstable_by_key(|(k, id)| (k.as_str(), *id));
                touched.dedup();
                sqlx::query(LOCK_FINDINGS).execute(&mut *tx).await.map_err(map_err)?;
                let before = open_finding_counts(&mut tx, Some(&touched)).await?;
                for f in findings {
                    upsert_finding(&mut tx, f, &at, sweep).await?;
                }
                let open: Vec<(i64, String, String)> = sqlx::query_as(
                    "select id, rule, field from verification_findings where kind = $1 and record_id = $2 and status = 'open'",
                )
                .bind(kind.as_str())
                .bind(record_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                for (id, rule, field) in open {
                    let seen = findings.iter().any(|f| f.rule == rule && f.field == field);
                    if rules.contains(&rule) && !seen {
                        sqlx::query("update verification_findings set status = 'resolved', resolved_at = $1 where id = $2")
                            .bind(&at)
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                }
                keep_open_findings(&mut tx, Some(&touched), &before, &at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }

            async fn suspect_codes_by_batch(&self) -> StoreResult<Vec<(i64, i64)>> {
                sqlx::query_as(
                    "select batch_id, count(distinct code) from alerts \
                     where kind in ('too-many-scans', 'impossible-travel') and batch_id is not null \
                     group by batch_id",
                )
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)
            }

            async fn queue_counts(
                &self,
                scope: &zhisu_domain::auth::ListScope,
                assignee: &str,
                overdue_before: &str,
            ) -> StoreResult<zhisu_store::QueueTally> {
                let mut binds = vec![Bind::Text(assignee.into()), Bind::Text(overdue_before.into())];
                let mut conditions = vec!["f.in_queue = 1".to_string()];
                add_scope(&mut conditions, &mut binds, scope, "f");
                let sql = format!(
                    "select count(*), \
                     coalesce(sum(case when f.assignee is null then 1 else 0 end), 0), \
                     coalesce(sum(case when f.assignee = $1 then 1 else 0 end), 0), \
                     coalesce(sum(case when f.opened_at < $2 then 1 else 0 end), 0) \
                     from verification_findings f where {}",
                    conditions.join(" and ")
                );
                let (total, unassigned, mine, overdue): (i64, i64, i64, i64) =
                    bind_all!(sqlx::query_as(&sql), &binds).fetch_one(&self.reader).await.map_err(map_err)?;
                Ok(zhisu_store::QueueTally { total, unassigned, mine, overdue })
            }

            async fn assign_finding(&self, id: i64, assignee: Option<&str>, if_free: bool) -> StoreResult<bool> {
                let free = if if_free { " and assignee is null" } else { "" };
                let done = sqlx::query(&format!(
                    "update verification_findings set assignee = $1, assigned_at = $2 \
                     where id = $3 and status = 'open' and decided_at is null{free}"
                ))
                .bind(assignee)
                .bind(assignee.map(|_| format_time(now())))
                .bind(id)
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn decide_finding(&self, id: i64, class: &str, by: &str, review_id: Option<i64>) -> StoreResult<bool> {
                let done = sqlx::query(
                    // A finding a case took (decided, with no review record
                    // yet) gets the review record of the decision that opened it.
                    "update verification_findings set decided_class = coalesce(decided_class, $1), \
                     decided_by = coalesce(decided_by, $2), decided_at = coalesce(decided_at, $3), review_id = $4 \
                     where id = $5 and status = 'open' and review_id is null",
                )
                .bind(class)
                .bind(by)
                .bind(format_time(now()))
                .bind(review_id)
                .bind(id)
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
