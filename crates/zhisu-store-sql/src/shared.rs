//! The statements both engines run, written once.
//!
//! `impl_sql_store!(Type, "engine", "ledger lock statement")` implements
//! every store trait for a struct with `reader` and `writer` pools.

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
        use async_trait::async_trait;
        use sqlx::Row;
        use zhisu_domain::auth::ListScope;
        use zhisu_domain::{BlobRef, RecordKind, Role};
        use zhisu_store::{
            canonical_json, format_time, now, AccountStore, ApiKey, AuditEntry, AuditQuery, AuditRecord, AuditStore,
            BlobIndex, NewApiKey, Alert, NewScan, ScanStore, FlowRow, FlowStore, FlowTotal, CaptureRow, EventQuery, EventStore, SubscriptionRow, NewEvent, Piece, Pieces, NewRecord, NewUser, Page, RecordIndex, RecordQuery, RecordStore, Session,
            StoreError, StoreHealth, StoreResult, StoredRecord, User,
        };
        use $crate::{add_condition, add_scope, like_escape, map_err, split_list, Bind, VersionKey};
        type DbRow = <$db as sqlx::Database>::Row;

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
                tx: &mut sqlx::Transaction<'c, $db>,
                leaf_index: i64,
                leaf: &[u8],
                entry: (&str, &str),
                at: &str,
            ) -> StoreResult<()> {
                let leaf_hash = zhisu_ledger::to_hex(&zhisu_ledger::leaf_hash(leaf));
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
                Self::insert_leaf(tx, leaf_index, &leaf, ("record", &entry_ref), at).await?;
                audit.target.get_or_insert_with(|| format!("{}/{}", kind.as_str(), record_id));
                audit.enterprise_id.get_or_insert(enterprise_id);
                let detail = match audit.detail.take() {
                    Some(d) => format!("{d}; version {version}, leaf {leaf_index}"),
                    None => format!("version {version}, leaf {leaf_index}"),
                };
                audit.detail = Some(detail);
                Self::insert_audit(tx, &audit, at).await?;
                Ok(leaf_index)
            }

            /// Writes an audit entry and its ledger leaf inside `tx`.
            async fn insert_audit<'c>(tx: &mut sqlx::Transaction<'c, $db>, audit: &AuditEntry, at: &str) -> StoreResult<()> {
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
                Self::insert_leaf(tx, leaf_index, &leaf, ("audit", &format!("audit/{id}")), at).await
            }

            async fn insert_record<'c>(
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
                let leaf_index = Self::append_version(tx, VersionKey { kind: record.kind, record_id: id, version: 1, enterprise_id }, &record.body, at, audit.clone()).await?;
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

        #[async_trait]
        impl RecordStore for $store {
            async fn create_record(&self, record: NewRecord, audit: AuditEntry) -> StoreResult<StoredRecord> {
                let at = format_time(now());
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                let stored = Self::insert_record(&mut tx, &record, &at, audit).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(stored)
            }

            async fn update_record(
                &self,
                kind: RecordKind,
                id: i64,
                expected_version: Option<i64>,
                index: RecordIndex,
                body: serde_json::Value,
                audit: AuditEntry,
            ) -> StoreResult<StoredRecord> {
                let at = format_time(now());
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                let row = sqlx::query("select version, enterprise_id, region_code, created_at from records where id = $1 and kind = $2")
                    .bind(id)
                    .bind(kind.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .ok_or(StoreError::NotFound)?;
                let current: i64 = row.try_get("version").map_err(map_err)?;
                let enterprise_id: i64 = row.try_get::<Option<i64>, _>("enterprise_id").map_err(map_err)?.unwrap_or(id);
                let old_region: String = row.try_get("region_code").map_err(map_err)?;
                let created_at: String = row.try_get("created_at").map_err(map_err)?;
                if let Some(expected) = expected_version {
                    if expected != current {
                        return Err(StoreError::Conflict(format!("version {expected} is stale; the current version is {current}")));
                    }
                }
                let version = current + 1;
                sqlx::query(
                    "update records set version = $1, updated_at = $2, updated_by = $3, name = $4, unique_key = $5, \
                     tag = $6, region_code = $7, parent_id = $8, code_key = $10 where id = $9",
                )
                .bind(version)
                .bind(&at)
                .bind(&audit.actor)
                .bind(&index.name)
                .bind(&index.unique_key)
                .bind(&index.tag)
                .bind(&index.region_code)
                .bind(index.parent_id)
                .bind(id)
                .bind(&index.code_key)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if kind == RecordKind::Enterprise && old_region != index.region_code {
                    // Products and batches are overseen where their maker is.
                    sqlx::query("update records set region_code = $1 where enterprise_id = $2")
                        .bind(&index.region_code)
                        .bind(enterprise_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let actor = audit.actor.clone();
                let leaf_index = Self::append_version(&mut tx, VersionKey { kind, record_id: id, version, enterprise_id }, &body, &at, audit).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(StoredRecord {
                    id,
                    kind,
                    version,
                    enterprise_id,
                    parent_id: index.parent_id,
                    region_code: index.region_code,
                    created_at,
                    updated_at: at,
                    updated_by: actor,
                    leaf_index,
                    body: serde_json::from_str(&canonical_json(&body)).expect("canonical JSON parses"),
                })
            }

            async fn get_record(&self, kind: RecordKind, id: i64) -> StoreResult<Option<StoredRecord>> {
                let sql = format!(
                    "select {RECORD_COLUMNS} from records r join record_versions v on v.record_id = r.id and v.version = r.version \
                     where r.id = $1 and r.kind = $2"
                );
                let row = sqlx::query(&sql).bind(id).bind(kind.as_str()).fetch_optional(&self.reader).await.map_err(map_err)?;
                row.as_ref().map(record_from_row).transpose()
            }

            async fn get_records(&self, kind: RecordKind, ids: &[i64]) -> StoreResult<Vec<StoredRecord>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "select {RECORD_COLUMNS} from records r join record_versions v on v.record_id = r.id and v.version = r.version \
                         where r.kind = $1 and r.id in ({})",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query(&sql).bind(kind.as_str());
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    for row in q.fetch_all(&self.reader).await.map_err(map_err)? {
                        out.push(record_from_row(&row)?);
                    }
                }
                Ok(out)
            }

            async fn record_history(&self, kind: RecordKind, id: i64) -> StoreResult<Vec<StoredRecord>> {
                let sql = format!(
                    "select {RECORD_COLUMNS} from records r join record_versions v on v.record_id = r.id \
                     where r.id = $1 and r.kind = $2 order by v.version"
                );
                let rows = sqlx::query(&sql).bind(id).bind(kind.as_str()).fetch_all(&self.reader).await.map_err(map_err)?;
                rows.iter().map(record_from_row).collect()
            }

            async fn find_by_code_key(&self, kind: RecordKind, key: &str) -> StoreResult<Option<StoredRecord>> {
                let sql = format!(
                    "select {RECORD_COLUMNS} from records r join record_versions v on v.record_id = r.id and v.version = r.version \
                     where r.kind = $1 and r.code_key = $2"
                );
                let row = sqlx::query(&sql).bind(kind.as_str()).bind(key).fetch_optional(&self.reader).await.map_err(map_err)?;
                row.as_ref().map(record_from_row).transpose()
            }

            async fn package_of(&self, code: &str) -> StoreResult<Option<i64>> {
                sqlx::query_scalar("select package_id from code_links where code = $1")
                    .bind(code)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn find_by_unique_key(&self, kind: RecordKind, key: &str) -> StoreResult<Option<StoredRecord>> {
                let sql = format!(
                    "select {RECORD_COLUMNS} from records r join record_versions v on v.record_id = r.id and v.version = r.version \
                     where r.kind = $1 and r.unique_key = $2"
                );
                let row = sqlx::query(&sql).bind(kind.as_str()).bind(key).fetch_optional(&self.reader).await.map_err(map_err)?;
                row.as_ref().map(record_from_row).transpose()
            }

            async fn list_records(&self, query: &RecordQuery) -> StoreResult<Page<StoredRecord>> {
                let mut conditions = vec!["r.kind = $1".to_string()];
                let mut binds = vec![Bind::Text(query.kind.as_str().to_string())];
                add_scope(&mut conditions, &mut binds, &query.scope, "r");
                if let Some(e) = query.enterprise_id {
                    add_condition(&mut conditions, &mut binds, "r.enterprise_id = $?", Bind::I64(e));
                }
                if let Some(p) = query.parent_id {
                    add_condition(&mut conditions, &mut binds, "r.parent_id = $?", Bind::I64(p));
                }
                if let Some(t) = &query.tag {
                    add_condition(&mut conditions, &mut binds, "r.tag = $?", Bind::Text(t.clone()));
                }
                if let Some(prefix) = &query.region_prefix {
                    add_condition(&mut conditions, &mut binds, "r.region_code like $? escape '\\'", Bind::Text(format!("{}%", like_escape(prefix))));
                }
                if let Some(q) = &query.q {
                    add_condition(&mut conditions, &mut binds, "lower(r.name) like $? escape '\\'", Bind::Text(format!("%{}%", like_escape(&q.to_lowercase()))));
                }
                let where_clause = conditions.join(" and ");
                let count_sql = format!("select count(*) from records r where {where_clause}");
                let count = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &binds);
                let total = count.fetch_one(&self.reader).await.map_err(map_err)?;
                let list_sql = format!(
                    "select {RECORD_COLUMNS} from records r join record_versions v on v.record_id = r.id and v.version = r.version \
                     where {where_clause} order by r.id desc limit {} offset {}",
                    query.limit.clamp(1, 500),
                    query.offset.max(0)
                );
                let list = bind_all!(sqlx::query(&list_sql), &binds);
                let rows = list.fetch_all(&self.reader).await.map_err(map_err)?;
                let items = rows.iter().map(record_from_row).collect::<StoreResult<Vec<_>>>()?;
                Ok(Page { items, total, limit: query.limit.clamp(1, 500), offset: query.offset.max(0) })
            }
        }

        #[async_trait]
        impl AccountStore for $store {
            async fn register(&self, user: NewUser, enterprise: Option<NewRecord>, audit: AuditEntry) -> StoreResult<(User, Option<StoredRecord>)> {
                let at = format_time(now());
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                let stored = match &enterprise {
                    Some(record) => {
                        let audit = AuditEntry { action: "enterprise.create".into(), ..audit.clone() };
                        Some(Self::insert_record(&mut tx, record, &at, audit).await?)
                    }
                    None => None,
                };
                let enterprise_id = stored.as_ref().map(|s| s.id).or(user.enterprise_id);
                let id: i64 = sqlx::query_scalar(
                    "insert into users (login, display_name, password_hash, role, enterprise_id, jurisdiction, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) returning id",
                )
                .bind(&user.login)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(enterprise_id)
                .bind(user.jurisdiction.join(","))
                .bind(&at)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let user_audit = AuditEntry {
                    target: Some(format!("user/{id}")),
                    enterprise_id,
                    detail: Some(format!("login {}, role {}", user.login, user.role.as_str())),
                    ..audit
                };
                Self::insert_audit(&mut tx, &user_audit, &at).await?;
                tx.commit().await.map_err(map_err)?;
                let created = User {
                    id,
                    login: user.login,
                    display_name: user.display_name,
                    password_hash: user.password_hash,
                    role: user.role,
                    enterprise_id,
                    jurisdiction: user.jurisdiction,
                    created_at: at,
                };
                Ok((created, stored))
            }

            async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>> {
                let row = sqlx::query("select * from users where login = $1").bind(login).fetch_optional(&self.reader).await.map_err(map_err)?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
                let row = sqlx::query("select * from users where id = $1").bind(id).fetch_optional(&self.reader).await.map_err(map_err)?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn list_users(&self, enterprise_id: Option<i64>) -> StoreResult<Vec<User>> {
                let rows = match enterprise_id {
                    Some(e) => sqlx::query("select * from users where enterprise_id = $1 order by id").bind(e).fetch_all(&self.reader).await,
                    None => sqlx::query("select * from users order by id").fetch_all(&self.reader).await,
                }
                .map_err(map_err)?;
                rows.iter().map(user_from_row).collect()
            }

            async fn count_users(&self) -> StoreResult<i64> {
                sqlx::query_scalar("select count(*) from users").fetch_one(&self.reader).await.map_err(map_err)
            }

            async fn create_session(&self, token_hash: &str, user_id: i64, csrf_token: &str, expires_at: &str) -> StoreResult<()> {
                // Expired sessions are useless; clear them as new ones start.
                sqlx::query("delete from sessions where expires_at < $1")
                    .bind(format_time(now()))
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                sqlx::query("insert into sessions (token_hash, user_id, csrf_token, created_at, expires_at) values ($1, $2, $3, $4, $5)")
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(csrf_token)
                    .bind(format_time(now()))
                    .bind(expires_at)
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
                let row = sqlx::query("select user_id, csrf_token, expires_at from sessions where token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                row.map(|row| {
                    Ok(Session {
                        user_id: row.try_get("user_id").map_err(map_err)?,
                        csrf_token: row.try_get("csrf_token").map_err(map_err)?,
                        expires_at: row.try_get("expires_at").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
                sqlx::query("delete from sessions where token_hash = $1").bind(token_hash).execute(&self.writer).await.map_err(map_err)?;
                Ok(())
            }

            async fn create_api_key(&self, key: NewApiKey, audit: AuditEntry) -> StoreResult<ApiKey> {
                let at = format_time(now());
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                let id: i64 = sqlx::query_scalar(
                    "insert into api_keys (prefix, key_hash, label, role, enterprise_id, jurisdiction, created_by, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
                )
                .bind(&key.prefix)
                .bind(&key.key_hash)
                .bind(&key.label)
                .bind(key.role.as_str())
                .bind(key.enterprise_id)
                .bind(key.jurisdiction.join(","))
                .bind(&key.created_by)
                .bind(&at)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let audit = AuditEntry { target: Some(format!("api-key/{id}")), enterprise_id: key.enterprise_id, ..audit };
                Self::insert_audit(&mut tx, &audit, &at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(ApiKey {
                    id,
                    prefix: key.prefix,
                    label: key.label,
                    role: key.role,
                    enterprise_id: key.enterprise_id,
                    jurisdiction: key.jurisdiction,
                    created_by: key.created_by,
                    created_at: at,
                    revoked_at: None,
                })
            }

            async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
                let row = sqlx::query("select * from api_keys where key_hash = $1").bind(key_hash).fetch_optional(&self.reader).await.map_err(map_err)?;
                row.as_ref().map(api_key_from_row).transpose()
            }

            async fn api_key(&self, id: i64) -> StoreResult<Option<ApiKey>> {
                let row = sqlx::query("select * from api_keys where id = $1").bind(id).fetch_optional(&self.reader).await.map_err(map_err)?;
                row.as_ref().map(api_key_from_row).transpose()
            }

            async fn list_api_keys(&self, enterprise_id: Option<i64>) -> StoreResult<Vec<ApiKey>> {
                let rows = match enterprise_id {
                    Some(e) => sqlx::query("select * from api_keys where enterprise_id = $1 order by id desc").bind(e).fetch_all(&self.reader).await,
                    None => sqlx::query("select * from api_keys order by id desc").fetch_all(&self.reader).await,
                }
                .map_err(map_err)?;
                rows.iter().map(api_key_from_row).collect()
            }

            async fn revoke_api_key(&self, id: i64, audit: AuditEntry) -> StoreResult<()> {
                let at = format_time(now());
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                let done = sqlx::query("update api_keys set revoked_at = $1 where id = $2 and revoked_at is null")
                    .bind(&at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let audit = AuditEntry { target: Some(format!("api-key/{id}")), ..audit };
                Self::insert_audit(&mut tx, &audit, &at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }
        }

        #[async_trait]
        impl BlobIndex for $store {
            async fn put_blob(&self, blob: &BlobRef) -> StoreResult<()> {
                sqlx::query("insert into blobs (sha256, content_type, size, name, created_at) values ($1, $2, $3, $4, $5) on conflict (sha256) do nothing")
                    .bind(&blob.sha256)
                    .bind(&blob.content_type)
                    .bind(blob.size as i64)
                    .bind(&blob.name)
                    .bind(format_time(now()))
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn blob_hashes(&self, after: &str, limit: i64) -> StoreResult<Vec<String>> {
                sqlx::query_scalar("select sha256 from blobs where sha256 > $1 order by sha256 limit $2")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn blob(&self, sha256: &str) -> StoreResult<Option<BlobRef>> {
                let row = sqlx::query("select sha256, content_type, size, name from blobs where sha256 = $1")
                    .bind(sha256)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                row.map(|row| {
                    Ok(BlobRef {
                        sha256: row.try_get("sha256").map_err(map_err)?,
                        content_type: row.try_get("content_type").map_err(map_err)?,
                        size: row.try_get::<i64, _>("size").map_err(map_err)? as u64,
                        name: row.try_get("name").map_err(map_err)?,
                    })
                })
                .transpose()
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn append_audit(&self, entry: AuditEntry) -> StoreResult<()> {
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                Self::insert_audit(&mut tx, &entry, &format_time(now())).await?;
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
                    let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(map_err)?;
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
                let mut tx = self.writer.begin().await.map_err(map_err)?;
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
                Self::insert_leaf(&mut tx, leaf_index, &zhisu_store::purge_leaf_bytes(&detail), ("purge", &format!("purge/{id}")), &at).await?;
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
                Self::insert_audit(&mut tx, &audit, &at).await?;
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
                let ledger_leaves: i64 = sqlx::query_scalar("select count(*) from ledger_leaves").fetch_one(&self.reader).await.map_err(map_err)?;
                Ok(StoreHealth { engine: $engine, records, ledger_leaves })
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
        async fn insert_alert<'e, E: sqlx::Executor<'e, Database = $db>>(
            executor: E,
            alert: &Alert,
        ) -> StoreResult<bool> {
            let done = sqlx::query(
                "insert into alerts (kind, code, product_id, batch_id, enterprise_id, region_code, at, detail, reached_region) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (code, kind) do nothing",
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
            .execute(executor)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() == 1)
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
            })
        }

        #[async_trait]
        impl ScanStore for $store {
            async fn record_scans(&self, scans: &[NewScan], alerts: &[Alert]) -> StoreResult<i64> {
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                for alert in alerts {
                    insert_alert(&mut *tx, alert).await?;
                }
                // Multi-row statements of a few fixed sizes, so each is prepared once.
                for chunk in $crate::fixed_chunks(scans) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "insert into scans (code, product_id, batch_id, at, lat, lon, client) ",
                    );
                    insert.push_values(chunk, |mut row, scan| {
                        row.push_bind(scan.code.clone())
                            .push_bind(scan.product_id)
                            .push_bind(scan.batch_id)
                            .push_bind(format_time(scan.at))
                            .push_bind(scan.place.map(|p| p.lat))
                            .push_bind(scan.place.map(|p| p.lon))
                            .push_bind(scan.client.clone());
                    });
                    insert.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                let last: Option<i64> = sqlx::query_scalar("select max(id) from scans")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(last.unwrap_or(0))
            }

            async fn fold_scans<'g>(
                &self,
                deltas: &[(&str, &zhisu_domain::scan::ScanSummary)],
                upto: i64,
                commit: &'g tokio::sync::RwLock<()>,
            ) -> StoreResult<tokio::sync::RwLockWriteGuard<'g, ()>> {
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                for chunk in $crate::fixed_chunks(deltas) {
                    let mut upsert = sqlx::QueryBuilder::<$db>::new(
                        "insert into scan_counts (code, count, first_at, last_placed_at, last_lat, last_lon) ",
                    );
                    upsert.push_values(chunk, |mut row, (code, d)| {
                        row.push_bind(*code)
                            .push_bind(d.count as i64)
                            .push_bind(d.first_at.clone().unwrap_or_default())
                            .push_bind(d.last_placed.map(|p| p.0))
                            .push_bind(d.last_placed.map(|p| p.1.lat))
                            .push_bind(d.last_placed.map(|p| p.1.lon));
                    });
                    upsert.push(
                        " on conflict (code) do update set count = scan_counts.count + excluded.count, \
                         last_placed_at = coalesce(excluded.last_placed_at, scan_counts.last_placed_at), \
                         last_lat = coalesce(excluded.last_lat, scan_counts.last_lat), \
                         last_lon = coalesce(excluded.last_lon, scan_counts.last_lon)",
                    );
                    upsert.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                sqlx::query("update scan_fold set upto = $1 where id = 1 and upto < $1")
                    .bind(upto)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let held = commit.write().await;
                tx.commit().await.map_err(map_err)?;
                Ok(held)
            }

            async fn unfolded_scans(&self, limit: i64) -> StoreResult<(Vec<NewScan>, Option<i64>)> {
                let rows = sqlx::query(
                    "select id, code, product_id, batch_id, at, lat, lon, client from scans \
                     where id > (select upto from scan_fold where id = 1) order by id limit $1",
                )
                .bind(limit)
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
                    });
                }
                Ok((scans, last))
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

            async fn raise_alert(&self, alert: Alert) -> StoreResult<bool> {
                insert_alert(&self.writer, &alert).await
            }

            async fn alerts_for_code(&self, code: &str) -> StoreResult<Vec<Alert>> {
                let rows = sqlx::query("select * from alerts where code = $1 order by id limit 1000")
                    .bind(code)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(alert_from_row).collect()
            }

            async fn list_alerts(&self, scope: &ListScope, limit: i64) -> StoreResult<Vec<Alert>> {
                let limit = limit.clamp(1, 1000);
                let rows = match scope {
                    ListScope::All => {
                        sqlx::query(&format!("select * from alerts order by id desc limit {limit}")).fetch_all(&self.reader).await
                    }
                    ListScope::Enterprise(e) => {
                        sqlx::query(&format!("select * from alerts where enterprise_id = $1 order by id desc limit {limit}"))
                            .bind(*e)
                            .fetch_all(&self.reader)
                            .await
                    }
                    ListScope::Regions(prefixes) => {
                        if prefixes.is_empty() {
                            return Ok(Vec::new());
                        }
                        let parts: Vec<String> =
                            (1..=prefixes.len()).map(|i| format!("region_code like ${i} escape '\\' or reached_region like ${i} escape '\\'")).collect();
                        let sql = format!("select * from alerts where {} order by id desc limit {limit}", parts.join(" or "));
                        let mut q = sqlx::query(&sql);
                        for p in prefixes {
                            q = q.bind(format!("{}%", like_escape(p)));
                        }
                        q.fetch_all(&self.reader).await
                    }
                }
                .map_err(map_err)?;
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
                        "select distinct code from flow_lines where to_id = $1 and code in ({})",
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
                    "select to_id, max(id) as last from flow_lines where to_id is not null and code = $1 group by to_id order by last desc limit 10",
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

        #[async_trait]
        impl EventStore for $store {
            async fn capture_events(&self, capture_id: &str, by: &str, owner: Option<i64>, signed_with: Option<&str>, mut pieces: Pieces) -> StoreResult<Option<CaptureRow>> {
                // The writer is taken only once the first piece is checked:
                // a document refused early never holds it.
                let Some(mut next) = pieces.recv().await else {
                    return Ok(None);
                };
                let at = format_time(now());
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                // Captures take the ledger lock from the start, so their
                // event rows commit in row order: a subscription that has
                // reported up to a row never misses a smaller one committed
                // later. (SQLite has one writer and needs no lock.)
                sqlx::query($ledger_lock).execute(&mut *tx).await.map_err(map_err)?;
                sqlx::query("insert into epcis_captures (capture_id, created_at, created_by, owner, events, duplicates, signed_with) values ($1, $2, $3, $4, 0, 0, $5)")
                    .bind(capture_id)
                    .bind(&at)
                    .bind(by)
                    .bind(owner)
                    .bind(signed_with)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                // Multi-row inserts; an ID already stored (or repeated in the
                // document) is skipped by the unique index and counted. The
                // capture's leaf takes the events stored, in row order, each
                // with the body it was stored with (the first of repeats).
                let mut received = 0i64;
                let mut stored = 0i64;
                let mut leaf = zhisu_ledger::CaptureLeaf::new(capture_id);
                loop {
                    let events = match next {
                        Piece::Events(events) => events,
                        Piece::End => break,
                    };
                    received += events.len() as i64;
                    // 11 parameters a row: within SQLite's 32,766.
                    for chunk in $crate::chunks_of(&events, &[1024, 64, 1]) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(
                            "insert into epcis_events (event_id, capture_id, event_type, event_time, record_time, biz_step, action, \
                             disposition, read_point, biz_location, body) ",
                        );
                        insert.push_values(chunk, |mut r, e| {
                            r.push_bind(e.event_id.as_str())
                                .push_bind(capture_id)
                                .push_bind(e.event_type.as_str())
                                .push_bind(e.event_time.as_str())
                                .push_bind(e.record_time.as_str())
                                .push_bind(e.biz_step.as_deref())
                                .push_bind(e.action.as_deref())
                                .push_bind(e.disposition.as_deref())
                                .push_bind(e.read_point.as_deref())
                                .push_bind(e.biz_location.as_deref())
                                .push_bind(e.body.as_str());
                        });
                        insert.push(" on conflict (event_id) do nothing returning id, event_id");
                        let mut rows: Vec<(i64, String)> = insert.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
                        rows.sort_unstable_by_key(|(row, _)| *row);
                        stored += rows.len() as i64;
                        let mut first: std::collections::HashMap<&str, &NewEvent> = std::collections::HashMap::new();
                        for e in chunk {
                            first.entry(e.event_id.as_str()).or_insert(e);
                        }
                        let mut epcs: Vec<(i64, &str)> = Vec::new();
                        for (row, id) in &rows {
                            if let Some(e) = first.get(id.as_str()) {
                                leaf.push(id, &e.body);
                                epcs.extend(e.epcs.iter().map(|epc| (*row, epc.as_str())));
                            }
                        }
                        for part in $crate::chunks_of(&epcs, &[4096, 256, 16, 1]) {
                            let mut insert = sqlx::QueryBuilder::<$db>::new("insert into epcis_event_epcs (event_row, epc) ");
                            insert.push_values(part, |mut r, (row, epc)| {
                                r.push_bind(*row).push_bind(*epc);
                            });
                            insert.build().execute(&mut *tx).await.map_err(map_err)?;
                        }
                    }
                    next = match pieces.recv().await {
                        Some(piece) => piece,
                        // The rest failed its check: the transaction is
                        // dropped, and with it everything stored so far.
                        None => return Ok(None),
                    };
                }
                let duplicates = received - stored;
                let leaf_index = Self::next_leaf(&mut tx).await?;
                Self::insert_leaf(&mut tx, leaf_index, &leaf.into_bytes(), ("capture", &format!("capture/{capture_id}")), &at).await?;
                sqlx::query("update epcis_captures set events = $1, duplicates = $2, leaf_index = $4 where capture_id = $3")
                    .bind(stored)
                    .bind(duplicates)
                    .bind(capture_id)
                    .bind(leaf_index)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(Some(CaptureRow { capture_id: capture_id.to_string(), created_at: at, created_by: by.to_string(), events: stored, duplicates, owner, signed_with: signed_with.map(str::to_string) }))
            }

            async fn capture(&self, capture_id: &str) -> StoreResult<Option<CaptureRow>> {
                let row = sqlx::query("select * from epcis_captures where capture_id = $1")
                    .bind(capture_id)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(capture_from_row).transpose()
            }

            async fn create_named_query(&self, owner: Option<i64>, name: &str, definition: &str, by: &str) -> StoreResult<bool> {
                let done = sqlx::query(
                    "insert into epcis_queries (owner, name, definition, created_by, created_at) values ($1, $2, $3, $4, $5) \
                     on conflict do nothing",
                )
                .bind(owner)
                .bind(name)
                .bind(definition)
                .bind(by)
                .bind(format_time(now()))
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn named_queries(&self, owner: Option<i64>) -> StoreResult<Vec<(String, String)>> {
                sqlx::query_as("select name, definition from epcis_queries where coalesce(owner, 0) = $1 order by name")
                    .bind(owner.unwrap_or(0))
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn named_query(&self, owner: Option<i64>, name: &str) -> StoreResult<Option<String>> {
                sqlx::query_scalar("select definition from epcis_queries where coalesce(owner, 0) = $1 and name = $2")
                    .bind(owner.unwrap_or(0))
                    .bind(name)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn delete_named_query(&self, owner: Option<i64>, name: &str) -> StoreResult<bool> {
                let mut tx = self.writer.begin().await.map_err(map_err)?;
                let done = sqlx::query("delete from epcis_queries where coalesce(owner, 0) = $1 and name = $2")
                    .bind(owner.unwrap_or(0))
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query("delete from epcis_subscriptions where coalesce(owner, 0) = $1 and query_name = $2")
                    .bind(owner.unwrap_or(0))
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn last_event_row(&self) -> StoreResult<i64> {
                sqlx::query_scalar("select coalesce(max(id), 0) from epcis_events")
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn create_subscription(&self, s: &SubscriptionRow) -> StoreResult<bool> {
                // Only while its query is there: a query deleted meanwhile
                // leaves no orphan.
                let done = sqlx::query(
                    "insert into epcis_subscriptions (id, owner, query_name, dest, signature_token, stream, schedule, \
                     report_if_empty, initial_record_time, cursor, last_notified_at, min_record_time, created_by, created_at, \
                     lease_holder, lease_until) \
                     select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $17 \
                     where exists (select 1 from epcis_queries where coalesce(owner, 0) = $15 and name = $3)",
                )
                .bind(&s.id)
                .bind(s.owner)
                .bind(&s.query_name)
                .bind(&s.dest)
                .bind(&s.signature_token)
                .bind(s.stream)
                .bind(&s.schedule)
                .bind(s.report_if_empty)
                .bind(&s.initial_record_time)
                .bind(s.cursor)
                .bind(&s.last_notified_at)
                .bind(&s.min_record_time)
                .bind(&s.created_by)
                .bind(&s.created_at)
                .bind(s.owner.unwrap_or(0))
                .bind(&s.lease_holder)
                .bind(&s.lease_until)
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn subscriptions(&self, query: Option<(Option<i64>, &str)>) -> StoreResult<Vec<SubscriptionRow>> {
                let sql = format!(
                    "select * from epcis_subscriptions {} order by created_at, id",
                    if query.is_some() { "where coalesce(owner, 0) = $1 and query_name = $2" } else { "" }
                );
                let mut select = sqlx::query(&sql);
                if let Some((owner, name)) = query {
                    select = select.bind(owner.unwrap_or(0)).bind(name);
                }
                let rows = select.fetch_all(&self.reader).await.map_err(map_err)?;
                rows.iter()
                    .map(|row| -> Result<SubscriptionRow, sqlx::Error> {
                        Ok(SubscriptionRow {
                            id: row.try_get("id")?,
                            owner: row.try_get("owner")?,
                            query_name: row.try_get("query_name")?,
                            dest: row.try_get("dest")?,
                            signature_token: row.try_get("signature_token")?,
                            stream: row.try_get("stream")?,
                            schedule: row.try_get("schedule")?,
                            report_if_empty: row.try_get("report_if_empty")?,
                            initial_record_time: row.try_get("initial_record_time")?,
                            cursor: row.try_get("cursor")?,
                            last_notified_at: row.try_get("last_notified_at")?,
                            min_record_time: row.try_get("min_record_time")?,
                            created_by: row.try_get("created_by")?,
                            created_at: row.try_get("created_at")?,
                            lease_holder: row.try_get("lease_holder")?,
                            lease_until: row.try_get("lease_until")?,
                        })
                    })
                    .collect::<Result<_, _>>()
                    .map_err(map_err)
            }

            async fn delete_subscription(&self, owner: Option<i64>, query_name: &str, id: &str) -> StoreResult<bool> {
                let done = sqlx::query("delete from epcis_subscriptions where coalesce(owner, 0) = $1 and query_name = $2 and id = $3")
                    .bind(owner.unwrap_or(0))
                    .bind(query_name)
                    .bind(id)
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn lease_subscriptions(&self, holder: &str, now: &str, until: &str) -> StoreResult<()> {
                // One statement: of two servers leasing at once, the second
                // finds the rows already held (PostgreSQL re-checks the
                // condition on the row the first one wrote).
                sqlx::query(
                    "update epcis_subscriptions set lease_holder = $1, lease_until = $2 \
                     where lease_holder = $1 or lease_holder is null or lease_until is null or lease_until < $3",
                )
                .bind(holder)
                .bind(until)
                .bind(now)
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn subscription_reported(&self, id: &str, cursor: i64, notified_at: &str, min_record_time: &str) -> StoreResult<()> {
                sqlx::query("update epcis_subscriptions set cursor = $1, last_notified_at = $2, min_record_time = $3 where id = $4")
                    .bind(cursor)
                    .bind(notified_at)
                    .bind(min_record_time)
                    .bind(id)
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn query_events(&self, q: &EventQuery) -> StoreResult<Vec<(i64, String)>> {
                let mut conditions = vec!["id > $1".to_string()];
                let mut binds = vec![Bind::I64(q.after)];
                let any_of = |column: &str, values: &[String], conditions: &mut Vec<String>, binds: &mut Vec<Bind>| {
                    if values.is_empty() {
                        return;
                    }
                    let mut marks = Vec::new();
                    for v in values {
                        binds.push(Bind::Text(v.clone()));
                        marks.push(format!("${}", binds.len()));
                    }
                    conditions.push(column.replace("{}", &marks.join(", ")));
                };
                any_of("event_type in ({})", &q.event_types, &mut conditions, &mut binds);
                any_of("biz_step in ({})", &q.biz_steps, &mut conditions, &mut binds);
                any_of("action in ({})", &q.actions, &mut conditions, &mut binds);
                any_of("disposition in ({})", &q.dispositions, &mut conditions, &mut binds);
                any_of("read_point in ({})", &q.read_points, &mut conditions, &mut binds);
                any_of("biz_location in ({})", &q.biz_locations, &mut conditions, &mut binds);
                any_of("event_id in ({})", &q.event_ids, &mut conditions, &mut binds);
                any_of("id in (select event_row from epcis_event_epcs where epc in ({}))", &q.epcs, &mut conditions, &mut binds);
                if let Some(owner) = q.owner {
                    add_condition(&mut conditions, &mut binds, "capture_id in (select capture_id from epcis_captures where owner = $?)", Bind::I64(owner));
                }
                if let Some(t) = &q.ge_event_time {
                    add_condition(&mut conditions, &mut binds, "event_time >= $?", Bind::Text(t.clone()));
                }
                if let Some(t) = &q.lt_event_time {
                    add_condition(&mut conditions, &mut binds, "event_time < $?", Bind::Text(t.clone()));
                }
                if let Some(t) = &q.ge_record_time {
                    add_condition(&mut conditions, &mut binds, "record_time >= $?", Bind::Text(t.clone()));
                }
                if let Some(t) = &q.lt_record_time {
                    add_condition(&mut conditions, &mut binds, "record_time < $?", Bind::Text(t.clone()));
                }
                let sql = format!(
                    "select id, body from epcis_events where {} order by id limit {}",
                    conditions.join(" and "),
                    q.limit.clamp(1, 10_000)
                );
                let query = bind_all!(sqlx::query_as::<_, (i64, String)>(&sql), &binds);
                query.fetch_all(&self.reader).await.map_err(map_err)
            }
        }
    };
}
