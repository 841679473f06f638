//! Records, accounts and blobs, for both engines (expanded by `impl_sql_store!`).

macro_rules! sql_records {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        #[async_trait]
        impl RecordStore for $store {
            async fn create_record(&self, record: NewRecord, audit: AuditEntry) -> StoreResult<StoredRecord> {
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let stored = Self::insert_record(self.suite, &mut tx, &record, &at, audit).await?;
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
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                // The row is locked until commit (PostgreSQL), so concurrent
                // updates of one record take their versions in turn instead
                // of two claiming the same one (issue 16.2).
                let row = sqlx::query(&format!("select version, enterprise_id, region_code, created_at, tag from records where id = $1 and kind = $2{LOCK_ROW}"))
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
                let old_tag: Option<String> = row.try_get("tag").map_err(map_err)?;
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
                // Issue 18: the statistics follow the record's status, and
                // what an enterprise's products hold follows it to its new
                // region (a product's, to its new category).
                // A product's pause, a case's escalations and an active
                // batch's days (P5.3.3.3) are in their body: the version
                // before says what changed (other kinds' status is their tag).
                let still_active = kind == RecordKind::Batch
                    && old_tag.as_deref() == Some("active")
                    && index.tag.as_deref() == Some("active");
                let old_body: Option<serde_json::Value> = if matches!(kind, RecordKind::Product | RecordKind::Case) || still_active {
                    sqlx::query_scalar::<_, String>("select body from record_versions where record_id = $1 and version = $2")
                        .bind(id)
                        .bind(current)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .and_then(|b| serde_json::from_str(&b).ok())
                } else {
                    None
                };
                record_stats(&mut tx, kind, Some((old_tag.clone(), old_region.clone(), old_body.as_ref())), &index, enterprise_id, &body, &created_at, &at).await?;
                if kind == RecordKind::Enterprise && old_region != index.region_code {
                    move_stats(&mut tx, enterprise_id, None, (&old_region, None), (&index.region_code, None), &at).await?;
                }
                if kind == RecordKind::Product && old_tag != index.tag {
                    let (old, new) = (old_tag.as_deref().unwrap_or(""), index.tag.as_deref().unwrap_or(""));
                    move_stats(&mut tx, enterprise_id, Some(id), (&old_region, Some(old)), (&index.region_code, Some(new)), &at).await?;
                }
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
                let leaf_index = Self::append_version(self.suite, &mut tx, VersionKey { kind, record_id: id, version, enterprise_id }, &body, &at, audit).await?;
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
                    "select {RECORD_COLUMNS} from records r {CURRENT_VERSION_OF_ONE} \
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

            async fn links_of(&self, package_id: i64) -> StoreResult<Vec<String>> {
                sqlx::query_scalar("select code from code_links where package_id = $1")
                    .bind(package_id)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn indexed_records(&self, after: i64, limit: i64) -> StoreResult<Vec<IndexedRecord>> {
                let rows = sqlx::query(
                    "select r.id, r.kind, r.version, r.enterprise_id, r.parent_id, r.unique_key, r.name, r.region_code, r.tag, r.code_key, \
                     r.created_at, r.updated_at, v.body, (select max(version) from record_versions m where m.record_id = r.id) as latest \
                     from records r left join record_versions v on v.record_id = r.id and v.version = r.version \
                     where r.id > $1 order by r.id limit $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        let kind: String = row.try_get("kind").map_err(map_err)?;
                        let body: Option<String> = row.try_get("body").map_err(map_err)?;
                        Ok(IndexedRecord {
                            kind: RecordKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("unknown kind {kind}")))?,
                            id: row.try_get("id").map_err(map_err)?,
                            version: row.try_get("version").map_err(map_err)?,
                            latest_version: row.try_get::<Option<i64>, _>("latest").map_err(map_err)?.unwrap_or(0),
                            index: RecordIndex {
                                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                                parent_id: row.try_get("parent_id").map_err(map_err)?,
                                unique_key: row.try_get("unique_key").map_err(map_err)?,
                                name: row.try_get("name").map_err(map_err)?,
                                region_code: row.try_get("region_code").map_err(map_err)?,
                                tag: row.try_get("tag").map_err(map_err)?,
                                code_key: row.try_get("code_key").map_err(map_err)?,
                            },
                            created_at: row.try_get("created_at").map_err(map_err)?,
                            updated_at: row.try_get("updated_at").map_err(map_err)?,
                            body: body.map(|b| serde_json::from_str(&b)).transpose().map_err(|e| StoreError::Internal(format!("stored body: {e}")))?,
                        })
                    })
                    .collect()
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
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let stored = match &enterprise {
                    Some(record) => {
                        let audit = AuditEntry { action: "enterprise.create".into(), ..audit.clone() };
                        Some(Self::insert_record(self.suite, &mut tx, record, &at, audit).await?)
                    }
                    None => None,
                };
                let enterprise_id = stored.as_ref().map(|s| s.id).or(user.enterprise_id);
                let id: i64 = sqlx::query_scalar(
                    "insert into users (login, display_name, password_hash, role, enterprise_id, jurisdiction, created_at, must_change_password) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
                )
                .bind(&user.login)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(enterprise_id)
                .bind(user.jurisdiction.join(","))
                .bind(&at)
                .bind(user.must_change_password)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let user_audit = AuditEntry {
                    target: Some(format!("user/{id}")),
                    enterprise_id,
                    detail: Some(format!("login {}, role {}", user.login, user.role.as_str())),
                    ..audit
                };
                Self::insert_audit(self.suite, &mut tx, &user_audit, &at).await?;
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
                    must_change_password: user.must_change_password,
                    totp_secret: None,
                    totp_confirmed: false,
                    totp_last_step: 0,
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
                let at = format_time(now());
                sqlx::query("insert into sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) values ($1, $2, $3, $4, $5, $4)")
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(csrf_token)
                    .bind(&at)
                    .bind(expires_at)
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
                let row = sqlx::query("select user_id, csrf_token, expires_at, coalesce(last_seen_at, created_at) as last_seen_at, second_factor_at from sessions where token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                row.map(|row| {
                    Ok(Session {
                        user_id: row.try_get("user_id").map_err(map_err)?,
                        csrf_token: row.try_get("csrf_token").map_err(map_err)?,
                        expires_at: row.try_get("expires_at").map_err(map_err)?,
                        last_seen_at: row.try_get("last_seen_at").map_err(map_err)?,
                        second_factor_at: row.try_get("second_factor_at").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
                sqlx::query("delete from sessions where token_hash = $1").bind(token_hash).execute(&self.writer).await.map_err(map_err)?;
                Ok(())
            }

            async fn touch_session(&self, token_hash: &str, at: &str) -> StoreResult<()> {
                sqlx::query("update sessions set last_seen_at = $1 where token_hash = $2")
                    .bind(at)
                    .bind(token_hash)
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn set_totp(&self, user_id: i64, secret: Option<&str>, confirmed: bool, audit: Option<AuditEntry>) -> StoreResult<()> {
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                sqlx::query("update users set totp_secret = $1, totp_confirmed = $2 where id = $3")
                    .bind(secret)
                    .bind(confirmed)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if let Some(entry) = audit {
                    Self::insert_audit(self.suite, &mut tx, &entry, &at).await?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }

            async fn take_totp_step(&self, user_id: i64, step: i64) -> StoreResult<bool> {
                let done = sqlx::query("update users set totp_last_step = $1 where id = $2 and totp_last_step < $1")
                    .bind(step)
                    .bind(user_id)
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn pass_second_factor(&self, token_hash: &str, at: &str) -> StoreResult<()> {
                sqlx::query("update sessions set second_factor_at = $1 where token_hash = $2")
                    .bind(at)
                    .bind(token_hash)
                    .execute(&self.writer)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn set_password(&self, user_id: i64, password_hash: &str, keep_session: &str, audit: AuditEntry) -> StoreResult<()> {
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let done = sqlx::query("update users set password_hash = $1, must_change_password = $2 where id = $3")
                    .bind(password_hash)
                    .bind(false)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("delete from sessions where user_id = $1 and token_hash <> $2")
                    .bind(user_id)
                    .bind(keep_session)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::insert_audit(self.suite, &mut tx, &audit, &at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }

            async fn login_failures(&self, login: &str) -> StoreResult<Option<LoginFailures>> {
                let row = sqlx::query("select login, failures, first_at, locked_until from login_failures where login = $1")
                    .bind(login)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                row.map(|row| {
                    Ok(LoginFailures {
                        login: row.try_get("login").map_err(map_err)?,
                        failures: row.try_get::<i64, _>("failures").map_err(map_err)?,
                        first_at: row.try_get("first_at").map_err(map_err)?,
                        locked_until: row.try_get("locked_until").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn put_login_failures(&self, failures: LoginFailures, stale_before: &str, lock: Option<AuditEntry>) -> StoreResult<()> {
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                sqlx::query("delete from login_failures where first_at < $1 and (locked_until is null or locked_until < $1)")
                    .bind(stale_before)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(
                    "insert into login_failures (login, failures, first_at, locked_until) values ($1, $2, $3, $4) \
                     on conflict (login) do update set failures = excluded.failures, first_at = excluded.first_at, \
                     locked_until = excluded.locked_until",
                )
                .bind(&failures.login)
                .bind(failures.failures)
                .bind(&failures.first_at)
                .bind(&failures.locked_until)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if let Some(entry) = lock {
                    Self::insert_audit(self.suite, &mut tx, &entry, &at).await?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }

            async fn clear_login_failures(&self, login: &str) -> StoreResult<()> {
                sqlx::query("delete from login_failures where login = $1").bind(login).execute(&self.writer).await.map_err(map_err)?;
                Ok(())
            }

            async fn address_failures_since(&self, address: &str, since: &str) -> StoreResult<i64> {
                sqlx::query_scalar("select count(*) from address_failures where address = $1 and at >= $2")
                    .bind(address)
                    .bind(since)
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn add_address_failure(&self, address: &str, at: &str, stale_before: &str) -> StoreResult<()> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                sqlx::query("delete from address_failures where at < $1")
                    .bind(stale_before)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query("insert into address_failures (address, at) values ($1, $2)")
                    .bind(address)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }

            async fn create_api_key(&self, key: NewApiKey, audit: AuditEntry) -> StoreResult<ApiKey> {
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
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
                Self::insert_audit(self.suite, &mut tx, &audit, &at).await?;
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
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
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
                Self::insert_audit(self.suite, &mut tx, &audit, &at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }
        }

        #[async_trait]
        impl BlobIndex for $store {
            async fn put_blob(&self, blob: &BlobRef, upload: &BlobUpload) -> StoreResult<()> {
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                sqlx::query("insert into blobs (sha256, content_type, size, name, created_at) values ($1, $2, $3, $4, $5) on conflict (sha256) do nothing")
                    .bind(&blob.sha256)
                    .bind(&blob.content_type)
                    .bind(blob.size as i64)
                    .bind(&blob.name)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query("insert into blob_uploads (sha256, name, uploaded_by, enterprise_id, created_at) values ($1, $2, $3, $4, $5)")
                    .bind(&blob.sha256)
                    .bind(&blob.name)
                    .bind(&upload.uploaded_by)
                    .bind(upload.enterprise_id)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }

            async fn upload_name(&self, sha256: &str, actor: &str, enterprise_id: Option<i64>) -> StoreResult<Option<String>> {
                sqlx::query_scalar(
                    "select name from blob_uploads where sha256 = $1 and (uploaded_by = $2 or enterprise_id = $3) order by id desc limit 1",
                )
                .bind(sha256)
                .bind(actor)
                .bind(enterprise_id)
                .fetch_optional(&self.reader)
                .await
                .map_err(map_err)
            }

            async fn records_with_file(&self, sha256: &str, limit: i64) -> StoreResult<Vec<FileReference>> {
                let rows: Vec<(String, i64, Option<i64>, String)> = sqlx::query_as(
                    "select r.kind, r.id, r.enterprise_id, r.region_code from record_files f join records r on r.id = f.record_id \
                     where f.sha256 = $1 order by r.id limit $2",
                )
                .bind(sha256)
                .bind(limit)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.into_iter()
                    .map(|(kind, id, enterprise_id, region_code)| {
                        Ok(FileReference {
                            kind: RecordKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("unknown kind {kind}")))?,
                            id,
                            enterprise_id: enterprise_id.unwrap_or(id),
                            region_code,
                        })
                    })
                    .collect()
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

    };
}
