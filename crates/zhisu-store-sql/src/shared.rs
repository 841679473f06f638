//! The statements both engines run, written once.
//!
//! `impl_sql_store!(Type, Db, "engine", "ledger lock statement", …)`
//! implements every store trait for a struct with `reader` and `writer`
//! pools. It expands, in the engine's module, the imports and row readers
//! below (`sql_common!`) and one macro per store trait, each in a file of
//! its own: `sql_records.rs` (records, accounts, blobs), `sql_ledger.rs`
//! (audit log and ledger), `sql_scans.rs` (scans, alerts and flows) and
//! `sql_events.rs` (EPCIS events, queries and subscriptions). Items that
//! macros define are not hygienic, so each expansion sees the helpers.

/// Binds each value of `$binds` (a `&[Bind]`) to `$query` in order, as
/// `add_condition` and `add_scope` numbered the placeholders; any sqlx
/// builder with `bind` (`query`, `query_as`, `query_scalar`).
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for b in $binds {
            query = match b {
                Bind::I64(v) => query.bind(*v),
                Bind::Text(v) => query.bind(v.clone()),
            };
        }
        query
    }};
}

macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        sql_common!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_records!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_ledger!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_scans!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_events!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_verification!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_sweeps!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_stats!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_reports!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_imports!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_reporting!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
        sql_cluster!(
            $store,
            $db,
            $engine,
            $ledger_lock,
            $durable,
            $relaxed,
            $concat
        );
    };
}

/// The imports, row readers and internal helpers every store trait uses.
macro_rules! sql_common {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        use async_trait::async_trait;
        use sqlx::Row;
        use zhisu_domain::auth::ListScope;
        use zhisu_domain::{BlobRef, RecordKind, Role};
        use zhisu_store::{
            canonical_json, format_time, now, AccountStore, ApiKey, AuditEntry, AuditQuery, AuditRecord, AuditStore,
            BlobIndex, BlobUpload, FileReference, IndexedRecord, LoginFailures, NewApiKey, Alert, NewScan, ScanStore, FlowRow, FlowStore, FlowTotal, CaptureRow, EventQuery, EventStore, SubscriptionRow, NewEvent, Piece, Pieces, NewRecord, NewUser, Page, RecordIndex, RecordQuery, RecordStore, Session,
            StoreError, StoreHealth, StoreResult, StoredRecord, User,
        };
        use $crate::{add_condition, add_scope, like_escape, map_err, split_list, Bind, VersionKey};
        type DbRow = <$db as sqlx::Database>::Row;

        /// The join of a record (`r`) to its current version (`v`) when the
        /// record is picked by `r.id = $n`. `r.id + 0` keeps PostgreSQL from
        /// deriving `v.record_id = $n` from the equality: with that derived, the
        /// generic plan a prepared statement switches to after five runs read
        /// every version of the record by `record_id` and filtered for the
        /// current one — a product amended 6,000 times took 1,000 rows a read and
        /// its writes slowed by a third (docs/benchmarks.md, issue 20.6). Now the
        /// version is part of the index lookup under either plan, on both engines.
        const CURRENT_VERSION_OF_ONE: &str =
            "join record_versions v on v.record_id = r.id + 0 and v.version = r.version";

        const RECORD_COLUMNS: &str = "r.id, r.kind, v.version, r.enterprise_id, r.parent_id, r.region_code, \
             r.created_at, v.created_at as updated_at, v.created_by as updated_by, v.leaf_index, v.body";

        fn record_from_row(row: &DbRow) -> StoreResult<StoredRecord> {
            let kind: String = row.try_get("kind").map_err(map_err)?;
            let body: String = row.try_get("body").map_err(map_err)?;
            Ok(StoredRecord {
                id: row.try_get("id").map_err(map_err)?,
                kind: RecordKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("unknown kind {kind}")))?,
                version: row.try_get("version").map_err(map_err)?,
                enterprise_id: row.try_get::<Option<i64>, _>("enterprise_id").map_err(map_err)?.unwrap_or_default(),
                parent_id: row.try_get("parent_id").map_err(map_err)?,
                region_code: row.try_get("region_code").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                updated_at: row.try_get("updated_at").map_err(map_err)?,
                updated_by: row.try_get("updated_by").map_err(map_err)?,
                leaf_index: row.try_get("leaf_index").map_err(map_err)?,
                body: serde_json::from_str(&body).map_err(|e| StoreError::Internal(format!("stored body: {e}")))?,
            })
        }

        fn user_from_row(row: &DbRow) -> StoreResult<User> {
            let role: String = row.try_get("role").map_err(map_err)?;
            let jurisdiction: String = row.try_get("jurisdiction").map_err(map_err)?;
            Ok(User {
                id: row.try_get("id").map_err(map_err)?,
                login: row.try_get("login").map_err(map_err)?,
                display_name: row.try_get("display_name").map_err(map_err)?,
                password_hash: row.try_get("password_hash").map_err(map_err)?,
                role: Role::parse(&role).ok_or_else(|| StoreError::Internal(format!("unknown role {role}")))?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                jurisdiction: split_list(&jurisdiction),
                created_at: row.try_get("created_at").map_err(map_err)?,
                must_change_password: row.try_get("must_change_password").map_err(map_err)?,
                totp_secret: row.try_get("totp_secret").map_err(map_err)?,
                totp_confirmed: row.try_get("totp_confirmed").map_err(map_err)?,
                totp_last_step: row.try_get("totp_last_step").map_err(map_err)?,
            })
        }

        fn api_key_from_row(row: &DbRow) -> StoreResult<ApiKey> {
            let role: String = row.try_get("role").map_err(map_err)?;
            let jurisdiction: String = row.try_get("jurisdiction").map_err(map_err)?;
            Ok(ApiKey {
                id: row.try_get("id").map_err(map_err)?,
                prefix: row.try_get("prefix").map_err(map_err)?,
                label: row.try_get("label").map_err(map_err)?,
                role: Role::parse(&role).ok_or_else(|| StoreError::Internal(format!("unknown role {role}")))?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                jurisdiction: split_list(&jurisdiction),
                created_by: row.try_get("created_by").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                revoked_at: row.try_get("revoked_at").map_err(map_err)?,
            })
        }

        impl $store {
            /// The next leaf index, taking the ledger lock first so leaf
            /// indexes are dense and in commit order.
            async fn next_leaf<'c>(tx: &mut sqlx::Transaction<'c, $db>) -> StoreResult<i64> {
                sqlx::query($ledger_lock).execute(&mut **tx).await.map_err(map_err)?;
                sqlx::query_scalar("select coalesce(max(leaf_index), -1) + 1 from ledger_leaves")
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(map_err)
            }

            async fn insert_leaf<'c>(
                suite: zhisu_ledger::Suite,
                tx: &mut sqlx::Transaction<'c, $db>,
                leaf_index: i64,
                leaf: &[u8],
                entry: (&str, &str),
                at: &str,
            ) -> StoreResult<()> {
                Self::insert_leaf_hash(tx, leaf_index, &suite.leaf_hash(leaf), entry, at).await
            }

            /// As `insert_leaf`, for a leaf already hashed.
            async fn insert_leaf_hash<'c>(
                tx: &mut sqlx::Transaction<'c, $db>,
                leaf_index: i64,
                leaf_hash: &zhisu_ledger::Hash,
                entry: (&str, &str),
                at: &str,
            ) -> StoreResult<()> {
                let leaf_hash = zhisu_ledger::to_hex(leaf_hash);
                sqlx::query("insert into ledger_leaves (leaf_index, leaf_hash, entry_kind, entry_ref, created_at) values ($1, $2, $3, $4, $5)")
                    .bind(leaf_index)
                    .bind(&leaf_hash)
                    .bind(entry.0)
                    .bind(entry.1)
                    .bind(at)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            /// Appends the version row, its ledger leaf and the audit entry
            /// (itself a leaf) inside `tx`.
            async fn append_version<'c>(
                suite: zhisu_ledger::Suite,
                tx: &mut sqlx::Transaction<'c, $db>,
                key: VersionKey,
                body: &serde_json::Value,
                at: &str,
                mut audit: AuditEntry,
            ) -> StoreResult<i64> {
                let VersionKey { kind, record_id, version, enterprise_id } = key;
                let leaf_index = Self::next_leaf(tx).await?;
                let canonical = canonical_json(body);
                let leaf = zhisu_ledger::leaf_bytes(kind.as_str(), record_id, version, &canonical);
                sqlx::query(
                    "insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) \
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(record_id)
                .bind(version)
                .bind(kind.as_str())
                .bind(&canonical)
                .bind(at)
                .bind(&audit.actor)
                .bind(leaf_index)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                let entry_ref = format!("{}/{}@{}", kind.as_str(), record_id, version);
                Self::insert_leaf(suite, tx, leaf_index, &leaf, ("record", &entry_ref), at).await?;
                // Who may read a file follows the records that reference it
                // (issue 16.8); a version keeps its references for good.
                for sha256 in zhisu_domain::blob::referenced_files(body) {
                    sqlx::query("insert into record_files (sha256, record_id) values ($1, $2) on conflict do nothing")
                        .bind(&sha256)
                        .bind(record_id)
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                    // A file referenced is a file to look at (ZV-C-005).
                    sqlx::query("insert into file_checks (sha256, checked_at) values ($1, '') on conflict do nothing")
                        .bind(&sha256)
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                }
                audit.target.get_or_insert_with(|| format!("{}/{}", kind.as_str(), record_id));
                audit.enterprise_id.get_or_insert(enterprise_id);
                let detail = match audit.detail.take() {
                    Some(d) => format!("{d}; version {version}, leaf {leaf_index}"),
                    None => format!("version {version}, leaf {leaf_index}"),
                };
                audit.detail = Some(detail);
                Self::insert_audit(suite, tx, &audit, at).await?;
                Ok(leaf_index)
            }

            /// Writes an audit entry and its ledger leaf inside `tx`.
            async fn insert_audit<'c>(suite: zhisu_ledger::Suite, tx: &mut sqlx::Transaction<'c, $db>, audit: &AuditEntry, at: &str) -> StoreResult<()> {
                let leaf_index = Self::next_leaf(tx).await?;
                let id: i64 = sqlx::query_scalar(
                    "insert into audit_log (at, actor, action, target, enterprise_id, ip, outcome, detail, leaf_index) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
                )
                .bind(at)
                .bind(&audit.actor)
                .bind(&audit.action)
                .bind(&audit.target)
                .bind(audit.enterprise_id)
                .bind(&audit.ip)
                .bind(&audit.outcome)
                .bind(&audit.detail)
                .bind(leaf_index)
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
                let record = AuditRecord { id, at: at.to_string(), entry: audit.clone() };
                let leaf = zhisu_store::audit_leaf_bytes(&record);
                Self::insert_leaf(suite, tx, leaf_index, &leaf, ("audit", &format!("audit/{id}")), at).await
            }

            async fn insert_record<'c>(
                suite: zhisu_ledger::Suite,
                tx: &mut sqlx::Transaction<'c, $db>,
                record: &NewRecord,
                at: &str,
                audit: AuditEntry,
            ) -> StoreResult<StoredRecord> {
                let index = &record.index;
                let id: i64 = sqlx::query_scalar(
                    "insert into records (kind, enterprise_id, parent_id, unique_key, name, region_code, tag, version, \
                     created_at, updated_at, updated_by, code_key) values ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9, $10) returning id",
                )
                .bind(record.kind.as_str())
                .bind(index.enterprise_id)
                .bind(index.parent_id)
                .bind(&index.unique_key)
                .bind(&index.name)
                .bind(&index.region_code)
                .bind(&index.tag)
                .bind(at)
                .bind(&audit.actor)
                .bind(&index.code_key)
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
                let enterprise_id = match index.enterprise_id {
                    Some(e) => e,
                    None => {
                        sqlx::query("update records set enterprise_id = $1 where id = $1")
                            .bind(id)
                            .execute(&mut **tx)
                            .await
                            .map_err(map_err)?;
                        id
                    }
                };
                for code in &record.links {
                    sqlx::query("insert into code_links (code, package_id, created_at) values ($1, $2, $3)")
                        .bind(code)
                        .bind(id)
                        .bind(at)
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                }
                for line in &record.flow {
                    sqlx::query(
                        "insert into flow_lines (flow_id, kind, from_id, to_id, code, batch_id, quantity, at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(id)
                    .bind(&line.kind)
                    .bind(line.from_id)
                    .bind(line.to_id)
                    .bind(&line.code)
                    .bind(line.batch_id)
                    .bind(line.quantity)
                    .bind(&line.at)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                }
                if let Some(key) = &record.import_key {
                    // Issue 19.3: the row that made this record, kept with it;
                    // a second import of the same row conflicts here.
                    sqlx::query("insert into import_keys (enterprise_id, kind, row_hash, record_id, created_at) values ($1, $2, $3, $4, $5)")
                        .bind(key.enterprise_id)
                        .bind(&key.kind)
                        .bind(&key.row_hash)
                        .bind(id)
                        .bind(at)
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                }
                record_stats(tx, record.kind, None, index, enterprise_id, &record.body, at, at).await?;
                flow_stats(tx, &record.flow, &index.region_code).await?;
                let leaf_index = Self::append_version(suite, tx, VersionKey { kind: record.kind, record_id: id, version: 1, enterprise_id }, &record.body, at, audit.clone()).await?;
                Ok(StoredRecord {
                    id,
                    kind: record.kind,
                    version: 1,
                    enterprise_id,
                    parent_id: index.parent_id,
                    region_code: index.region_code.clone(),
                    created_at: at.to_string(),
                    updated_at: at.to_string(),
                    updated_by: audit.actor,
                    leaf_index,
                    body: serde_json::from_str(&canonical_json(&record.body)).expect("canonical JSON parses"),
                })
            }
        }

        /// The entry columns of an audit_log row (list and ledger reads).
        fn audit_entry_from_row(row: &DbRow) -> StoreResult<AuditEntry> {
            Ok(AuditEntry {
                actor: row.try_get("actor").map_err(map_err)?,
                action: row.try_get("action").map_err(map_err)?,
                target: row.try_get("target").map_err(map_err)?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                ip: row.try_get("ip").map_err(map_err)?,
                outcome: row.try_get("outcome").map_err(map_err)?,
                detail: row.try_get("detail").map_err(map_err)?,
            })
        }

        fn node_hash_from_hex(level: i32, idx: i64, hash: &str) -> StoreResult<[u8; 32]> {
            hex::decode(hash)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| StoreError::Internal(format!("tree node {level}/{idx} is not a SHA-256 hash")))
        }

        /// Keeps an alert unless one of its kind exists for the code; true if kept.
        /// Stores the alert unless one of its kind exists for the code,
        /// and counts it in the statistics (issue 18); true if new.
        async fn insert_alert(
            tx: &mut sqlx::Transaction<'_, $db>,
            alert: &Alert,
        ) -> StoreResult<bool> {
            let done = sqlx::query(
                "insert into alerts (kind, code, product_id, batch_id, enterprise_id, region_code, at, detail, reached_region, distributor_id) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (code, kind) do nothing",
            )
            .bind(alert.kind.as_str())
            .bind(&alert.code)
            .bind(alert.product_id)
            .bind(alert.batch_id)
            .bind(alert.enterprise_id)
            .bind(&alert.region_code)
            .bind(&alert.at)
            .bind(&alert.detail)
            .bind(&alert.reached_region)
            .bind(alert.distributor_id)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
            let new = done.rows_affected() == 1;
            if new {
                alert_stats(tx, alert).await?;
            }
            Ok(new)
        }

        fn alert_from_row(row: &DbRow) -> StoreResult<Alert> {
            let kind: String = row.try_get("kind").map_err(map_err)?;
            Ok(Alert {
                id: row.try_get("id").map_err(map_err)?,
                kind: zhisu_domain::scan::AlertKind::parse(&kind)
                    .ok_or_else(|| StoreError::Internal(format!("unknown alert kind {kind}")))?,
                code: row.try_get("code").map_err(map_err)?,
                product_id: row.try_get("product_id").map_err(map_err)?,
                batch_id: row.try_get("batch_id").map_err(map_err)?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                region_code: row.try_get("region_code").map_err(map_err)?,
                at: row.try_get("at").map_err(map_err)?,
                detail: row.try_get("detail").map_err(map_err)?,
                reached_region: row.try_get("reached_region").map_err(map_err)?,
                distributor_id: row.try_get("distributor_id").map_err(map_err)?,
            })
        }

    };
}
