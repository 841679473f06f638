//! Scans, alerts and flows, for both engines (expanded by `impl_sql_store!`).

macro_rules! sql_scans {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        #[async_trait]
        impl ScanStore for $store {
            async fn record_scans(
                &self,
                scans: &[NewScan],
                alerts: &[Alert],
                mark: Option<&zhisu_store::JournalMark>,
            ) -> StoreResult<i64> {
                self.engine_scan_months(scans).await?;
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                for alert in alerts {
                    insert_alert(&mut tx, alert).await?;
                }
                // Multi-row statements of a few fixed sizes, so each is prepared once.
                let mut last = None;
                for chunk in $crate::fixed_chunks(scans) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "insert into scans (code, product_id, batch_id, at, lat, lon, client, region_code, journal) ",
                    );
                    let journal = mark.map(|m| m.journal.clone());
                    insert.push_values(chunk, |mut row, scan| {
                        row.push_bind(scan.code.clone())
                            .push_bind(scan.product_id)
                            .push_bind(scan.batch_id)
                            .push_bind(format_time(scan.at))
                            .push_bind(scan.place.map(|p| p.lat))
                            .push_bind(scan.place.map(|p| p.lon))
                            .push_bind(scan.client.clone())
                            .push_bind(scan.region.clone())
                            .push_bind(journal.clone());
                    });
                    // Its own ids, not the log's greatest: on PostgreSQL
                    // that asks every monthly partition (issue 20.4).
                    insert.push(" returning id");
                    let ids: Vec<i64> = insert.build_query_scalar().fetch_all(&mut *tx).await.map_err(map_err)?;
                    last = ids.into_iter().max().max(last);
                }
                // Issue 16.12: the journal's mark moves with the scans it
                // covers, so a replay stores exactly what this did not.
                if let Some(mark) = mark {
                    sqlx::query(
                        "insert into scan_journals (journal, seq) values ($1, $2) \
                         on conflict (journal) do update set seq = excluded.seq",
                    )
                    .bind(&mark.journal)
                    .bind(mark.seq)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(last.unwrap_or(0))
            }

            async fn journal_mark(&self, journal: &str) -> StoreResult<i64> {
                let seq: Option<i64> =
                    sqlx::query_scalar("select seq from scan_journals where journal = $1")
                        .bind(journal)
                        .fetch_optional(&self.writer)
                        .await
                        .map_err(map_err)?;
                Ok(seq.unwrap_or(0))
            }

            async fn fold_scans<'g>(
                &self,
                deltas: &[(&str, &zhisu_domain::scan::ScanSummary)],
                upto: i64,
                journal: Option<&str>,
                commit: &'g tokio::sync::RwLock<()>,
            ) -> StoreResult<tokio::sync::RwLockWriteGuard<'g, ()>> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                // Issue 18: the statistics take the scans with this fold, from
                // each code's last counted day kept in its row.
                let places = product_places(&mut tx, deltas).await?;
                let mut stats = Vec::new();
                for chunk in $crate::fixed_chunks(deltas) {
                    let last_days = scan_stats(&mut tx, chunk, &places, &mut stats).await?;
                    let mut upsert = sqlx::QueryBuilder::<$db>::new(
                        "insert into scan_counts (code, count, first_at, last_placed_at, last_lat, last_lon, last_day) ",
                    );
                    upsert.push_values(chunk.iter().zip(last_days), |mut row, ((code, d), last_day)| {
                        row.push_bind(*code)
                            .push_bind(d.count as i64)
                            .push_bind(d.first_at.clone().unwrap_or_default())
                            .push_bind(d.last_placed.map(|p| p.0))
                            .push_bind(d.last_placed.map(|p| p.1.lat))
                            .push_bind(d.last_placed.map(|p| p.1.lon))
                            .push_bind(last_day);
                    });
                    upsert.push(
                        " on conflict (code) do update set count = scan_counts.count + excluded.count, \
                         last_placed_at = coalesce(excluded.last_placed_at, scan_counts.last_placed_at), \
                         last_lat = coalesce(excluded.last_lat, scan_counts.last_lat), \
                         last_lon = coalesce(excluded.last_lon, scan_counts.last_lon), \
                         last_day = coalesce(excluded.last_day, scan_counts.last_day)",
                    );
                    upsert.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                apply_stats(&mut tx, &stats).await?;
                // Issue 20.1: each journal's own mark; the one watermark for
                // scans logged before scans named their journal.
                match journal {
                    Some(journal) => sqlx::query(
                        "update scan_journals set folded_upto = $1 where journal = $2 and folded_upto < $1",
                    )
                    .bind(upto)
                    .bind(journal),
                    None => sqlx::query("update scan_fold set upto = $1 where id = 1 and upto < $1").bind(upto),
                }
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let held = commit.write().await;
                tx.commit().await.map_err(map_err)?;
                Ok(held)
            }

            async fn unfolded_scans(
                &self,
                journal: Option<&str>,
                limit: i64,
            ) -> StoreResult<(Vec<NewScan>, Option<i64>)> {
                let rows = match journal {
                    // Read from the journal's mark on by the primary key: the
                    // rows after it are recent, whichever server wrote them.
                    Some(journal) => sqlx::query(
                        "select id, code, product_id, batch_id, at, lat, lon, client, region_code from scans \
                         where id > (select folded_upto from scan_journals where journal = $1) \
                         and journal = $1 order by id limit $2",
                    )
                    .bind(journal)
                    .bind(limit),
                    None => sqlx::query(
                        "select id, code, product_id, batch_id, at, lat, lon, client, region_code from scans \
                         where id > (select upto from scan_fold where id = 1) \
                         and journal is null order by id limit $1",
                    )
                    .bind(limit),
                }
                .fetch_all(&self.writer)
                .await
                .map_err(map_err)?;
                let mut last = None;
                let mut scans = Vec::with_capacity(rows.len());
                for row in &rows {
                    last = Some(row.try_get::<i64, _>("id").map_err(map_err)?);
                    let at: String = row.try_get("at").map_err(map_err)?;
                    let lat: Option<f64> = row.try_get("lat").map_err(map_err)?;
                    let lon: Option<f64> = row.try_get("lon").map_err(map_err)?;
                    scans.push(NewScan {
                        code: row.try_get("code").map_err(map_err)?,
                        product_id: row.try_get("product_id").map_err(map_err)?,
                        batch_id: row.try_get("batch_id").map_err(map_err)?,
                        at: chrono::DateTime::parse_from_rfc3339(&at)
                            .map_err(|e| StoreError::Internal(format!("scan time {at}: {e}")))?
                            .with_timezone(&chrono::Utc),
                        place: lat.zip(lon).map(|(lat, lon)| zhisu_domain::scan::Place { lat, lon }),
                        client: row.try_get("client").map_err(map_err)?,
                        region: row.try_get("region_code").map_err(map_err)?,
                    });
                }
                Ok((scans, last))
            }

            async fn scan_journals(&self) -> StoreResult<Vec<String>> {
                sqlx::query_scalar("select journal from scan_journals order by journal")
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn code_state(
                &self,
                code: &str,
            ) -> StoreResult<(zhisu_domain::scan::ScanSummary, Vec<zhisu_domain::scan::AlertKind>)> {
                let rows = sqlx::query(
                    "select 'c' as part, count, first_at, last_placed_at, last_lat, last_lon, '' as kind \
                     from scan_counts where code = $1 \
                     union all \
                     select 'a', null, null, null, null, null, kind from alerts where code = $1",
                )
                .bind(code)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                let mut summary = zhisu_domain::scan::ScanSummary::default();
                let mut alerts = Vec::new();
                for row in &rows {
                    let part: String = row.try_get("part").map_err(map_err)?;
                    if part == "c" {
                        let placed: Option<i64> = row.try_get("last_placed_at").map_err(map_err)?;
                        let lat: Option<f64> = row.try_get("last_lat").map_err(map_err)?;
                        let lon: Option<f64> = row.try_get("last_lon").map_err(map_err)?;
                        summary = zhisu_domain::scan::ScanSummary {
                            count: row.try_get::<Option<i64>, _>("count").map_err(map_err)?.unwrap_or(0) as u64,
                            first_at: row.try_get("first_at").map_err(map_err)?,
                            last_placed: match (placed, lat, lon) {
                                (Some(t), Some(lat), Some(lon)) => Some((t, zhisu_domain::scan::Place { lat, lon })),
                                _ => None,
                            },
                            ..Default::default()
                        };
                    } else {
                        let kind: String = row.try_get("kind").map_err(map_err)?;
                        alerts.extend(zhisu_domain::scan::AlertKind::parse(&kind));
                    }
                }
                Ok((summary, alerts))
            }

            async fn codes_with_state(&self, set: zhisu_store::CodeSet, after: &str, limit: i64) -> StoreResult<Vec<String>> {
                // One aggregated row per page, not a row per code: every row
                // would be a hand-off to the engine's thread. Codes never
                // hold a line break (GS1 allows printable characters only).
                let sql = match set {
                    zhisu_store::CodeSet::Scanned => concat!(
                        "select ", $concat, "(code, $3) from (select code from scan_counts where code > $1 order by code limit $2) t"
                    ),
                    zhisu_store::CodeSet::Traded => concat!(
                        "select ", $concat, "(code, $3) from (select distinct code from flow_lines where to_id is not null and code > $1 order by code limit $2) t"
                    ),
                };
                let joined: Option<String> = sqlx::query_scalar(sql)
                    .bind(after)
                    .bind(limit)
                    .bind("\n")
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_err)?;
                let mut codes: Vec<String> = joined.as_deref().unwrap_or("").split('\n').filter(|c| !c.is_empty()).map(str::to_string).collect();
                // The aggregate's order is the engine's; the page's last code
                // must be the greatest.
                codes.sort_unstable();
                Ok(codes)
            }

            async fn count_scans(&self) -> StoreResult<i64> {
                sqlx::query_scalar("select count(*) from scans").fetch_one(&self.reader).await.map_err(map_err)
            }

            async fn drop_scan_months_before(&self, month: &str) -> StoreResult<Vec<String>> {
                self.engine_drop_scan_months_before(month).await
            }

            async fn raise_alert(&self, alert: Alert) -> StoreResult<bool> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let new = insert_alert(&mut tx, &alert).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(new)
            }

            async fn alerts_for_code(&self, code: &str) -> StoreResult<Vec<Alert>> {
                let rows = sqlx::query("select * from alerts where code = $1 order by id limit 1000")
                    .bind(code)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(alert_from_row).collect()
            }

            async fn list_alerts(
                &self,
                scope: &ListScope,
                filter: &zhisu_store::AlertFilter,
                limit: i64,
            ) -> StoreResult<Vec<Alert>> {
                let limit = limit.clamp(1, 1000);
                // Conditions and their values, bound in order ($1, $2, …).
                let mut conditions: Vec<String> = Vec::new();
                let mut values: Vec<String> = Vec::new();
                let next = |values: &mut Vec<String>, v: String| {
                    values.push(v);
                    format!("${}", values.len())
                };
                match scope {
                    ListScope::All => {}
                    // An ID, not text from outside: written into the SQL.
                    ListScope::Enterprise(e) => conditions.push(format!("enterprise_id = {e}")),
                    ListScope::Regions(prefixes) => {
                        if prefixes.is_empty() {
                            return Ok(Vec::new());
                        }
                        let parts: Vec<String> = prefixes
                            .iter()
                            .map(|p| {
                                let at = next(&mut values, format!("{}%", like_escape(p)));
                                format!("region_code like {at} escape '\\' or reached_region like {at} escape '\\'")
                            })
                            .collect();
                        conditions.push(format!("({})", parts.join(" or ")));
                    }
                }
                if !filter.kinds.is_empty() {
                    let kinds: Vec<String> =
                        filter.kinds.iter().map(|k| next(&mut values, k.clone())).collect();
                    conditions.push(format!("kind in ({})", kinds.join(", ")));
                }
                if let Some(since) = &filter.since {
                    let at = next(&mut values, since.clone());
                    conditions.push(format!("at >= {at}"));
                }
                if let Some(before) = &filter.before {
                    let at = next(&mut values, before.clone());
                    conditions.push(format!("at < {at}"));
                }
                let filter_sql = if conditions.is_empty() {
                    String::new()
                } else {
                    format!(" where {}", conditions.join(" and "))
                };
                let sql = format!("select * from alerts{filter_sql} order by id desc limit {limit}");
                let mut q = sqlx::query(&sql);
                for v in &values {
                    q = q.bind(v);
                }
                let rows = q.fetch_all(&self.reader).await.map_err(map_err)?;
                rows.iter().map(alert_from_row).collect()
            }
        }

        fn flow_from_row(row: &DbRow) -> StoreResult<FlowRow> {
            Ok(FlowRow {
                flow_id: row.try_get("flow_id").map_err(map_err)?,
                kind: row.try_get("kind").map_err(map_err)?,
                from_id: row.try_get("from_id").map_err(map_err)?,
                to_id: row.try_get("to_id").map_err(map_err)?,
                code: row.try_get("code").map_err(map_err)?,
                batch_id: row.try_get("batch_id").map_err(map_err)?,
                quantity: row.try_get("quantity").map_err(map_err)?,
                at: row.try_get("at").map_err(map_err)?,
            })
        }

        #[async_trait]
        impl FlowStore for $store {
            async fn held_codes(&self, holder: i64, codes: &[String]) -> StoreResult<Vec<String>> {
                let mut held = Vec::new();
                for chunk in codes.chunks(500) {
                    let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        // Issue 16.6: only a delivery the upstream side recorded
                        // (a sale or return to `holder`), never the holder's own
                        // purchase, brings a code in.
                        "select distinct code from flow_lines where to_id = $1 and kind <> 'purchase' and code in ({})",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(holder);
                    for c in chunk {
                        q = q.bind(c);
                    }
                    held.extend(q.fetch_all(&self.reader).await.map_err(map_err)?);
                }
                Ok(held)
            }

            async fn movements_of(&self, holder: i64, codes: &[String]) -> StoreResult<Vec<FlowRow>> {
                let mut rows = Vec::new();
                for chunk in codes.chunks(500) {
                    let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "select * from flow_lines where code in ({}) and (from_id = $1 or to_id = $1) order by id",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query(&sql).bind(holder);
                    for c in chunk {
                        q = q.bind(c);
                    }
                    for row in q.fetch_all(&self.reader).await.map_err(map_err)? {
                        rows.push(flow_from_row(&row)?);
                    }
                }
                // A code's lines are all in one chunk, in id order.
                Ok(rows)
            }

            async fn flow_of_batches(&self, batch_ids: &[i64], limit: i64) -> StoreResult<Vec<FlowRow>> {
                if batch_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let marks: Vec<String> = (1..=batch_ids.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "select * from flow_lines where batch_id in ({}) order by id limit {}",
                    marks.join(", "),
                    limit.clamp(1, 10_000_000)
                );
                let mut q = sqlx::query(&sql);
                for b in batch_ids {
                    q = q.bind(*b);
                }
                let rows = q.fetch_all(&self.reader).await.map_err(map_err)?;
                rows.iter().map(flow_from_row).collect()
            }

            async fn lines_of_flow(&self, flow_id: i64) -> StoreResult<Vec<FlowRow>> {
                let rows = sqlx::query("select * from flow_lines where flow_id = $1 order by id")
                    .bind(flow_id)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(flow_from_row).collect()
            }

            async fn flow_of_code(&self, code: &str, limit: i64) -> StoreResult<Vec<FlowRow>> {
                let sql = format!(
                    "select * from flow_lines where code = $1 order by id limit {}",
                    limit.clamp(1, 100_000)
                );
                let rows = sqlx::query(&sql).bind(code).fetch_all(&self.reader).await.map_err(map_err)?;
                rows.iter().map(flow_from_row).collect()
            }

            async fn flow_totals(&self, scope: &ListScope, party: Option<i64>) -> StoreResult<Vec<FlowTotal>> {
                let mut conditions = vec!["b.kind = 'batch'".to_string()];
                let mut binds = Vec::new();
                add_scope(&mut conditions, &mut binds, scope, "b");
                if let Some(e) = party {
                    binds.push(Bind::I64(e));
                    conditions.push(format!("(f.from_id = ${n} or f.to_id = ${n})", n = binds.len()));
                }
                let sql = format!(
                    "select b.parent_id as product_id, f.kind, f.from_id, f.to_id, cast(sum(f.quantity) as bigint) as quantity \
                     from flow_lines f join records b on b.id = f.batch_id where {} \
                     group by b.parent_id, f.kind, f.from_id, f.to_id order by b.parent_id limit 100000",
                    conditions.join(" and ")
                );
                let q = bind_all!(sqlx::query(&sql), &binds);
                let rows = q.fetch_all(&self.reader).await.map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        Ok(FlowTotal {
                            product_id: row.try_get("product_id").map_err(map_err)?,
                            kind: row.try_get("kind").map_err(map_err)?,
                            from_id: row.try_get("from_id").map_err(map_err)?,
                            to_id: row.try_get("to_id").map_err(map_err)?,
                            quantity: row.try_get("quantity").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn shipped_to(&self, code: &str, from: i64) -> StoreResult<Vec<i64>> {
                sqlx::query_scalar(
                    "select to_id from flow_lines where code = $1 and from_id = $2 and kind = 'sale' and to_id is not null order by id limit 10",
                )
                .bind(code)
                .bind(from)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)
            }

            async fn holders_of(&self, code: &str) -> StoreResult<Vec<i64>> {
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    // A buyer's own purchase names no holder (issue 16.6).
                    "select to_id, max(id) as last from flow_lines where to_id is not null and kind <> 'purchase' and code = $1 group by to_id order by last desc limit 10",
                )
                .bind(code)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                Ok(rows.into_iter().map(|(id, _)| id).collect())
            }
        }

        fn capture_from_row(row: &DbRow) -> StoreResult<CaptureRow> {
            Ok(CaptureRow {
                capture_id: row.try_get("capture_id").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                created_by: row.try_get("created_by").map_err(map_err)?,
                events: row.try_get("events").map_err(map_err)?,
                duplicates: row.try_get("duplicates").map_err(map_err)?,
                owner: row.try_get("owner").map_err(map_err)?,
                signed_with: row.try_get("signed_with").map_err(map_err)?,
            })
        }

    };
}
