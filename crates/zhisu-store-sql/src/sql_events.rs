//! EPCIS events, named queries and subscriptions, for both engines (expanded by `impl_sql_store!`).

macro_rules! sql_events {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        #[async_trait]
        impl EventStore for $store {
            async fn capture_events(&self, capture_id: &str, by: &str, owner: Option<i64>, signed_with: Option<&str>, mut pieces: Pieces) -> StoreResult<Option<CaptureRow>> {
                // The writer is taken only once the first piece is checked:
                // a document refused early never holds it.
                let Some(mut next) = pieces.recv().await else {
                    return Ok(None);
                };
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
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
                let mut leaf = zhisu_ledger::CaptureLeaf::new(self.suite, capture_id);
                loop {
                    let events = match next {
                        Piece::Events(events) => events,
                        Piece::End => break,
                    };
                    received += events.len() as i64;
                    // 12 parameters a row: within SQLite's 32,766.
                    for chunk in $crate::chunks_of(&events, &[1024, 64, 1]) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(
                            "insert into epcis_events (owner, event_id, capture_id, event_type, event_time, record_time, biz_step, action, \
                             disposition, read_point, biz_location, body) ",
                        );
                        insert.push_values(chunk, |mut r, e| {
                            r.push_bind(owner.unwrap_or(0))
                                .push_bind(e.event_id.as_str())
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
                        // Identity is per enterprise (issue 16.7): only the
                        // capturing enterprise's own events are duplicates.
                        insert.push(" on conflict (owner, event_id) do nothing returning id, event_id");
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
                Self::insert_leaf_hash(&mut tx, leaf_index, &leaf.leaf_hash(), ("capture", &format!("capture/{capture_id}")), &at).await?;
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
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
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
                if let Some(prefixes) = &q.regions {
                    // A regulator sees the events of the enterprises it
                    // oversees (issue 16.7), as it sees their records.
                    let mut scope = Vec::new();
                    $crate::add_scope(&mut scope, &mut binds, &zhisu_domain::auth::ListScope::Regions(prefixes.clone()), "r");
                    conditions.push(format!(
                        "capture_id in (select c.capture_id from epcis_captures c join records r on r.id = c.owner and r.kind = 'enterprise' where {})",
                        scope.join(" and ")
                    ));
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
