//! The audit log, the ledger and its tree, for both engines (expanded by `impl_sql_store!`).

macro_rules! sql_ledger {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        #[async_trait]
        impl AuditStore for $store {
            async fn append_audit(&self, entry: AuditEntry) -> StoreResult<()> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                Self::insert_audit(self.suite, &mut tx, &entry, &format_time(now())).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Page<AuditRecord>> {
                let mut conditions = vec!["1 = 1".to_string()];
                let mut binds = Vec::new();
                if let Some(e) = query.enterprise_id {
                    add_condition(&mut conditions, &mut binds, "enterprise_id = $?", Bind::I64(e));
                }
                if let Some(a) = &query.actor {
                    add_condition(&mut conditions, &mut binds, "actor = $?", Bind::Text(a.clone()));
                }
                if let Some(a) = &query.action {
                    add_condition(&mut conditions, &mut binds, "action like $? escape '\\'", Bind::Text(format!("{}%", like_escape(a))));
                }
                if let Some(t) = &query.target {
                    add_condition(&mut conditions, &mut binds, "target = $?", Bind::Text(t.clone()));
                }
                let where_clause = conditions.join(" and ");
                let count_sql = format!("select count(*) from audit_log where {where_clause}");
                let count = sqlx::query_scalar::<_, i64>(&count_sql);
                let list_sql = format!(
                    "select id, at, actor, action, target, enterprise_id, ip, outcome, detail from audit_log where {where_clause} \
                     order by id desc limit {} offset {}",
                    query.limit.clamp(1, 1000),
                    query.offset.max(0)
                );
                let list = sqlx::query(&list_sql);
                let count = bind_all!(count, &binds);
                let list = bind_all!(list, &binds);
                let total = count.fetch_one(&self.reader).await.map_err(map_err)?;
                let rows = list.fetch_all(&self.reader).await.map_err(map_err)?;
                let items = rows
                    .iter()
                    .map(|row| {
                        Ok(AuditRecord {
                            id: row.try_get("id").map_err(map_err)?,
                            at: row.try_get("at").map_err(map_err)?,
                            entry: audit_entry_from_row(row)?,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(Page { items, total, limit: query.limit.clamp(1, 1000), offset: query.offset.max(0) })
            }

            async fn ledger_entries(&self, from_index: i64, limit: i64) -> StoreResult<Vec<zhisu_store::LedgerEntry>> {
                let rows = sqlx::query(
                    "select l.leaf_index, l.leaf_hash, l.entry_ref, v.kind, v.record_id, v.version, v.body, \
                     a.id as audit_id, a.at, a.actor, a.action, a.target, a.enterprise_id, a.ip, a.outcome, a.detail, \
                     p.id as purge_id, p.detail as purge_detail, c.capture_id \
                     from ledger_leaves l left join record_versions v on v.leaf_index = l.leaf_index \
                     left join epcis_captures c on c.leaf_index = l.leaf_index \
                     left join audit_log a on a.leaf_index = l.leaf_index \
                     left join purges p on p.leaf_index = l.leaf_index \
                     where l.leaf_index >= $1 order by l.leaf_index limit $2",
                )
                .bind(from_index)
                .bind(limit)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        let kind: Option<String> = row.try_get("kind").map_err(map_err)?;
                        let audit_id: Option<i64> = row.try_get("audit_id").map_err(map_err)?;
                        let purge_id: Option<i64> = row.try_get("purge_id").map_err(map_err)?;
                        let capture_id: Option<String> = row.try_get("capture_id").map_err(map_err)?;
                        let content = match (kind, audit_id) {
                            (None, None) if capture_id.is_some() => zhisu_store::LeafContent::Capture {
                                capture_id: capture_id.unwrap_or_default(),
                            },
                            (None, None) if purge_id.is_some() => zhisu_store::LeafContent::Purge {
                                id: purge_id.unwrap_or_default(),
                                detail: row.try_get("purge_detail").map_err(map_err)?,
                            },
                            (Some(kind), _) => zhisu_store::LeafContent::Version {
                                kind,
                                record_id: row.try_get("record_id").map_err(map_err)?,
                                version: row.try_get("version").map_err(map_err)?,
                                body: row.try_get("body").map_err(map_err)?,
                            },
                            (None, Some(id)) => zhisu_store::LeafContent::Audit(AuditRecord {
                                id,
                                at: row.try_get("at").map_err(map_err)?,
                                entry: audit_entry_from_row(row)?,
                            }),
                            (None, None) => zhisu_store::LeafContent::Missing,
                        };
                        Ok(zhisu_store::LedgerEntry {
                            leaf_index: row.try_get("leaf_index").map_err(map_err)?,
                            leaf_hash: row.try_get("leaf_hash").map_err(map_err)?,
                            entry_ref: row.try_get("entry_ref").map_err(map_err)?,
                            content,
                        })
                    })
                    .collect()
            }

            async fn leaf_hashes(&self, from_index: i64, limit: i64) -> StoreResult<Vec<String>> {
                sqlx::query_scalar("select leaf_hash from ledger_leaves where leaf_index >= $1 order by leaf_index limit $2")
                    .bind(from_index)
                    .bind(limit)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn store_checkpoint(&self, nodes: &[zhisu_store::TreeNode], tree_size: i64, root: &str, note: &str) -> StoreResult<()> {
                // Group commit: record writes commit without waiting for the
                // disk; the checkpoint's own commit is durable, and with it
                // every leaf before it. A signed checkpoint never names a
                // leaf a power cut could still take away.
                let mut conn = self.writer.acquire().await.map_err(map_err)?;
                sqlx::query($durable).execute(&mut *conn).await.map_err(map_err)?;
                let stored = async {
                    let mut tx = sqlx::Connection::begin_with(&mut *conn, BEGIN_WRITE).await.map_err(map_err)?;
                    for chunk in $crate::fixed_chunks(nodes) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new("insert into ledger_nodes (level, idx, hash) ");
                        insert.push_values(chunk, |mut row, (level, idx, hash)| {
                            row.push_bind(*level as i32).push_bind(*idx).push_bind(hex::encode(hash));
                        });
                        insert.push(" on conflict (level, idx) do nothing");
                        insert.build().execute(&mut *tx).await.map_err(map_err)?;
                    }
                    sqlx::query(
                        "insert into ledger_checkpoints (tree_size, root, note, created_at) values ($1, $2, $3, $4) on conflict (tree_size) do nothing",
                    )
                    .bind(tree_size)
                    .bind(root)
                    .bind(note)
                    .bind(format_time(now()))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)
                }
                .await;
                sqlx::query($relaxed).execute(&mut *conn).await.map_err(map_err)?;
                stored
            }

            async fn checkpoints(&self) -> StoreResult<Vec<(i64, String, String)>> {
                sqlx::query_as("select tree_size, root, note from ledger_checkpoints order by tree_size")
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn latest_checkpoint(&self) -> StoreResult<Option<(i64, String, String)>> {
                sqlx::query_as("select tree_size, root, note from ledger_checkpoints order by tree_size desc limit 1")
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn tree_reads(&self, nodes: &[(u32, i64)], leaves: &[i64]) -> StoreResult<(Vec<zhisu_store::TreeNode>, Vec<(i64, String)>)> {
                // One statement for both, in a few fixed shapes (padded with
                // repeats) so each is prepared once per connection. Leaves
                // come in short runs (the 16-leaf groups a proof touches),
                // each read as a range.
                fn shape(n: usize, shapes: &[usize]) -> usize {
                    shapes.iter().copied().find(|&s| s >= n).unwrap_or(n)
                }
                let mut runs: Vec<(i64, i64)> = Vec::new();
                for &leaf in leaves {
                    match runs.last_mut() {
                        Some(run) if run.1 + 1 == leaf => run.1 = leaf,
                        _ => runs.push((leaf, leaf)),
                    }
                }
                if nodes.is_empty() && runs.is_empty() {
                    return Ok((vec![], vec![]));
                }
                // One row back, not one per hash: every row would be a
                // round trip to the engine's thread.
                let mut q = sqlx::QueryBuilder::<$db>::new(concat!(
                    "select ", $concat, "(cast(level as text) || ':' || cast(idx as text) || ':' || hash, ',') from ("
                ));
                if !nodes.is_empty() {
                    q.push("select level, idx, hash from ledger_nodes where ");
                    for i in 0..shape(nodes.len(), &[8, 16, 32, 64]) {
                        let (level, idx) = nodes[i.min(nodes.len() - 1)];
                        q.push(if i == 0 { "(level = " } else { " or (level = " });
                        q.push_bind(level as i32).push(" and idx = ").push_bind(idx).push(")");
                    }
                }
                if !runs.is_empty() {
                    if !nodes.is_empty() {
                        q.push(" union all ");
                    }
                    q.push("select 0 as level, leaf_index as idx, leaf_hash as hash from ledger_leaves where ");
                    for i in 0..shape(runs.len(), &[2, 8]) {
                        let (from, to) = runs[i.min(runs.len() - 1)];
                        q.push(if i == 0 { "(leaf_index >= " } else { " or (leaf_index >= " });
                        q.push_bind(from).push(" and leaf_index <= ").push_bind(to).push(")");
                    }
                }
                q.push(") t");
                let joined: Option<String> = q.build_query_scalar().fetch_one(&self.reader).await.map_err(map_err)?;
                let mut found = Vec::with_capacity(nodes.len());
                let mut hashes = Vec::with_capacity(leaves.len());
                for item in joined.as_deref().unwrap_or("").split(',').filter(|i| !i.is_empty()) {
                    let mut parts = item.splitn(3, ':');
                    let (Some(level), Some(idx), Some(hash)) = (parts.next(), parts.next(), parts.next()) else {
                        return Err(StoreError::Internal(format!("malformed tree read {item}")));
                    };
                    let (Ok(level), Ok(idx)) = (level.parse::<i32>(), idx.parse::<i64>()) else {
                        return Err(StoreError::Internal(format!("malformed tree read {item}")));
                    };
                    if level == 0 {
                        hashes.push((idx, hash.to_string()));
                    } else {
                        found.push((level as u32, idx, node_hash_from_hex(level, idx, hash)?));
                    }
                }
                Ok((found, hashes))
            }

            async fn tree_level(&self, level: u32, from: i64, to: i64) -> StoreResult<Vec<zhisu_store::TreeNode>> {
                let rows: Vec<(i64, String)> = sqlx::query_as("select idx, hash from ledger_nodes where level = $1 and idx >= $2 and idx <= $3 order by idx")
                    .bind(level as i32)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)?;
                rows.into_iter()
                    .map(|(idx, hash)| Ok((level, idx, node_hash_from_hex(level as i32, idx, &hash)?)))
                    .collect()
            }

            async fn ledger_counts(&self) -> StoreResult<zhisu_store::LedgerCounts> {
                let versions: i64 = sqlx::query_scalar("select count(*) from record_versions").fetch_one(&self.reader).await.map_err(map_err)?;
                let ledgered_audit: i64 = sqlx::query_scalar("select count(*) from audit_log where leaf_index is not null")
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_err)?;
                let unledgered_audit: i64 = sqlx::query_scalar(
                    "select count(*) from audit_log where leaf_index is null \
                     and id > (select coalesce(min(id), 0) from audit_log where leaf_index is not null) \
                     and exists (select 1 from audit_log where leaf_index is not null)",
                )
                .fetch_one(&self.reader)
                .await
                .map_err(map_err)?;
                let purges: i64 = sqlx::query_scalar("select count(*) from purges").fetch_one(&self.reader).await.map_err(map_err)?;
                let ledgered_captures: i64 = sqlx::query_scalar("select count(*) from epcis_captures where leaf_index is not null")
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_err)?;
                let unledgered_captures: i64 = sqlx::query_scalar(
                    "select count(*) from epcis_captures where leaf_index is null \
                     and created_at >= (select min(created_at) from epcis_captures where leaf_index is not null)",
                )
                .fetch_one(&self.reader)
                .await
                .map_err(map_err)?;
                Ok(zhisu_store::LedgerCounts { versions, ledgered_audit, unledgered_audit, purges, ledgered_captures, unledgered_captures })
            }

            async fn purge(&self, purge: zhisu_store::NewPurge) -> StoreResult<i64> {
                use sha2::Digest as _;
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let mut listed = Vec::with_capacity(purge.versions.len());
                for v in &purge.versions {
                    let (leaf_index, leaf_hash): (i64, String) = sqlx::query_as(
                        "select v.leaf_index, l.leaf_hash from record_versions v join ledger_leaves l on l.leaf_index = v.leaf_index \
                         where v.record_id = $1 and v.version = $2",
                    )
                    .bind(v.record_id)
                    .bind(v.version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .ok_or(StoreError::NotFound)?;
                    let body = canonical_json(&v.body);
                    listed.push((body.clone(), zhisu_store::PurgedVersion {
                        kind: v.kind.as_str().to_string(),
                        record_id: v.record_id,
                        version: v.version,
                        leaf_index,
                        leaf_hash,
                        body_sha256: hex::encode(sha2::Sha256::digest(body.as_bytes())),
                    }));
                }
                let detail = zhisu_store::PurgeDetail {
                    at: at.clone(),
                    actor: purge.actor.clone(),
                    as_of: purge.as_of.clone(),
                    versions: listed.iter().map(|(_, p)| p.clone()).collect(),
                };
                let detail = canonical_json(&serde_json::to_value(&detail).map_err(|e| StoreError::Internal(e.to_string()))?);
                let leaf_index = Self::next_leaf(&mut tx).await?;
                let id: i64 = sqlx::query_scalar(
                    "insert into purges (at, actor, as_of, detail, leaf_index) values ($1, $2, $3, $4, $5) returning id",
                )
                .bind(&at)
                .bind(&purge.actor)
                .bind(&purge.as_of)
                .bind(&detail)
                .bind(leaf_index)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::insert_leaf(self.suite, &mut tx, leaf_index, &zhisu_store::purge_leaf_bytes(&detail), ("purge", &format!("purge/{id}")), &at).await?;
                for (body, p) in &listed {
                    sqlx::query(
                        "insert into purged_versions (record_id, version, purge_id, leaf_hash, body_sha256) values ($1, $2, $3, $4, $5)",
                    )
                    .bind(p.record_id)
                    .bind(p.version)
                    .bind(id)
                    .bind(&p.leaf_hash)
                    .bind(&p.body_sha256)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    sqlx::query("update record_versions set body = $1 where record_id = $2 and version = $3")
                        .bind(body)
                        .bind(p.record_id)
                        .bind(p.version)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                for (record_id, name) in &purge.names {
                    sqlx::query("update records set name = $1 where id = $2")
                        .bind(name)
                        .bind(record_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let audit = AuditEntry {
                    target: Some(format!("purge/{id}")),
                    detail: Some(format!("{} versions, leaf {leaf_index}", listed.len())),
                    ..purge.audit
                };
                Self::insert_audit(self.suite, &mut tx, &audit, &at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(id)
            }

            async fn capture_leaf_events(&self, capture_id: &str) -> StoreResult<Vec<(String, String)>> {
                sqlx::query_as("select event_id, body from epcis_events where capture_id = $1 order by id")
                    .bind(capture_id)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn purges(&self) -> StoreResult<Vec<(i64, String)>> {
                sqlx::query_as("select id, detail from purges order by id")
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn health(&self) -> StoreResult<StoreHealth> {
                let records: i64 = sqlx::query_scalar("select count(*) from records").fetch_one(&self.reader).await.map_err(map_err)?;
                // Leaves are dense from 0: the last index says how many.
                let ledger_leaves: i64 = sqlx::query_scalar("select coalesce(max(leaf_index) + 1, 0) from ledger_leaves").fetch_one(&self.reader).await.map_err(map_err)?;
                Ok(StoreHealth { engine: $engine, records, ledger_leaves })
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("select 1").execute(&self.reader).await.map_err(map_err)?;
                Ok(())
            }
        }

    };
}
