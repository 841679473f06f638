//! Periodic quantity reporting for both engines (expanded by
//! `impl_sql_store!`, issue 19.5): reports of periods, what the reminder
//! job reads, the reminders' log and the in-app inbox.

macro_rules! sql_reporting {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        use zhisu_store::{
            InboxMessage, InboxOwner, NewInboxMessage, NewQuantityReport, NewReminder, QuantityReport, Reminder,
            ReportingStore,
        };

        const REPORT_COLUMNS: &str =
            "id, enterprise_id, product_id, period, quantity, estimate, note, reported_by, reported_at";
        const REMINDER_COLUMNS: &str = "id, enterprise_id, product_id, period, audience, channel, recipient, status, \
             attempts, last_error, created_at, sent_at";
        const INBOX_COLUMNS: &str = "id, enterprise_id, region_code, kind, title, body, link, created_at, read_at";

        fn report_from_row(row: &DbRow) -> StoreResult<QuantityReport> {
            Ok(QuantityReport {
                id: row.try_get("id").map_err(map_err)?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                product_id: row.try_get("product_id").map_err(map_err)?,
                period: row.try_get("period").map_err(map_err)?,
                quantity: row.try_get("quantity").map_err(map_err)?,
                estimate: row.try_get("estimate").map_err(map_err)?,
                note: row.try_get("note").map_err(map_err)?,
                reported_by: row.try_get("reported_by").map_err(map_err)?,
                reported_at: row.try_get("reported_at").map_err(map_err)?,
            })
        }

        fn reminder_from_row(row: &DbRow) -> StoreResult<Reminder> {
            Ok(Reminder {
                id: row.try_get("id").map_err(map_err)?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                product_id: row.try_get("product_id").map_err(map_err)?,
                period: row.try_get("period").map_err(map_err)?,
                audience: row.try_get("audience").map_err(map_err)?,
                channel: row.try_get("channel").map_err(map_err)?,
                recipient: row.try_get("recipient").map_err(map_err)?,
                status: row.try_get("status").map_err(map_err)?,
                attempts: row.try_get("attempts").map_err(map_err)?,
                last_error: row.try_get("last_error").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                sent_at: row.try_get("sent_at").map_err(map_err)?,
            })
        }

        fn inbox_from_row(row: &DbRow) -> StoreResult<InboxMessage> {
            Ok(InboxMessage {
                id: row.try_get("id").map_err(map_err)?,
                enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                region_code: row.try_get("region_code").map_err(map_err)?,
                kind: row.try_get("kind").map_err(map_err)?,
                title: row.try_get("title").map_err(map_err)?,
                body: row.try_get("body").map_err(map_err)?,
                link: row.try_get("link").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                read_at: row.try_get("read_at").map_err(map_err)?,
            })
        }

        /// The condition a message of `owner` meets, from bind `$first`;
        /// its binds.
        fn inbox_condition(owner: &InboxOwner, first: usize) -> (String, Vec<Bind>) {
            match owner {
                InboxOwner::Enterprise(id) => (format!("enterprise_id = ${first}"), vec![Bind::I64(*id)]),
                InboxOwner::Regions(regions) if regions.is_empty() => ("region_code is not null".into(), vec![]),
                InboxOwner::Regions(regions) => {
                    let parts: Vec<String> = (0..regions.len())
                        .map(|i| format!("region_code like ${} escape '\\'", first + i))
                        .collect();
                    let binds = regions.iter().map(|r| Bind::Text(format!("{}%", like_escape(r)))).collect();
                    (format!("({})", parts.join(" or ")), binds)
                }
            }
        }

        #[async_trait]
        impl ReportingStore for $store {
            async fn put_quantity_report(
                &self,
                report: &NewQuantityReport,
                audit: AuditEntry,
            ) -> StoreResult<QuantityReport> {
                let at = format_time(now());
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let row = sqlx::query(&format!(
                    "insert into quantity_reports (enterprise_id, product_id, period, quantity, estimate, note, reported_by, reported_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8) \
                     on conflict (product_id, period) do update set quantity = excluded.quantity, estimate = excluded.estimate, \
                     note = excluded.note, reported_by = excluded.reported_by, reported_at = excluded.reported_at \
                     returning {REPORT_COLUMNS}"
                ))
                .bind(report.enterprise_id)
                .bind(report.product_id)
                .bind(&report.period)
                .bind(report.quantity)
                .bind(report.estimate)
                .bind(&report.note)
                .bind(&report.reported_by)
                .bind(&at)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let kept = report_from_row(&row)?;
                Self::insert_audit(self.suite, &mut tx, &audit, &at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(kept)
            }

            async fn quantity_reports(&self, product_id: i64, limit: i64) -> StoreResult<Vec<QuantityReport>> {
                let rows = sqlx::query(&format!(
                    "select {REPORT_COLUMNS} from quantity_reports where product_id = $1 order by period desc limit $2"
                ))
                .bind(product_id)
                .bind(limit)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter().map(report_from_row).collect()
            }

            async fn reported_periods(&self, product_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
                let mut out = Vec::new();
                for chunk in product_ids.chunks(500) {
                    let sql = format!(
                        "select product_id, period from quantity_reports where product_id in ({})",
                        $crate::sql_sweeps::placeholders(1, chunk.len())
                    );
                    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    out.extend(q.fetch_all(&self.reader).await.map_err(map_err)?);
                }
                Ok(out)
            }

            async fn current_products(&self) -> StoreResult<Vec<StoredRecord>> {
                let rows = sqlx::query(&format!(
                    "select {RECORD_COLUMNS} from records r join record_versions v on v.record_id = r.id and v.version = r.version \
                     where r.kind = 'product' order by r.id"
                ))
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter().map(record_from_row).collect()
            }

            async fn batches_written_since(&self, product_ids: &[i64], since: &str) -> StoreResult<Vec<StoredRecord>> {
                let mut out = Vec::new();
                for chunk in product_ids.chunks(500) {
                    let sql = format!(
                        "select {RECORD_COLUMNS} from records r join record_versions v on v.record_id = r.id and v.version = r.version \
                         where r.kind = 'batch' and r.updated_at >= $1 and r.parent_id in ({})",
                        $crate::sql_sweeps::placeholders(2, chunk.len())
                    );
                    let mut q = sqlx::query(&sql).bind(since);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    for row in q.fetch_all(&self.reader).await.map_err(map_err)? {
                        out.push(record_from_row(&row)?);
                    }
                }
                Ok(out)
            }

            async fn start_reminder(&self, reminder: &NewReminder) -> StoreResult<Option<i64>> {
                let id: Option<i64> = sqlx::query_scalar(
                    "insert into reminders (enterprise_id, product_id, period, audience, channel, recipient, status, attempts, created_at) \
                     values ($1, $2, $3, $4, $5, $6, 'failed', 0, $7) \
                     on conflict (product_id, period, audience, channel) do nothing returning id",
                )
                .bind(reminder.enterprise_id)
                .bind(reminder.product_id)
                .bind(&reminder.period)
                .bind(&reminder.audience)
                .bind(&reminder.channel)
                .bind(&reminder.recipient)
                .bind(format_time(now()))
                .fetch_optional(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(id)
            }

            async fn settle_reminder(&self, id: i64, error: Option<&str>) -> StoreResult<()> {
                let at = format_time(now());
                sqlx::query(
                    "update reminders set attempts = attempts + 1, status = $2, last_error = $3, \
                     sent_at = case when $2 = 'sent' then $4 else sent_at end where id = $1",
                )
                .bind(id)
                .bind(if error.is_none() { "sent" } else { "failed" })
                .bind(error)
                .bind(&at)
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn reminders_to_retry(&self, channel: &str) -> StoreResult<Vec<Reminder>> {
                let rows = sqlx::query(&format!(
                    "select {REMINDER_COLUMNS} from reminders where channel = $1 and status = 'failed' order by id"
                ))
                .bind(channel)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter().map(reminder_from_row).collect()
            }

            async fn reminders(&self, enterprise_id: Option<i64>, limit: i64) -> StoreResult<Vec<Reminder>> {
                let rows = sqlx::query(&format!(
                    "select {REMINDER_COLUMNS} from reminders where ($1 = 0 or enterprise_id = $1) order by id desc limit $2"
                ))
                .bind(enterprise_id.unwrap_or(0))
                .bind(limit)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter().map(reminder_from_row).collect()
            }

            async fn post_inbox(&self, message: &NewInboxMessage) -> StoreResult<i64> {
                sqlx::query_scalar(
                    "insert into inbox_messages (enterprise_id, region_code, kind, title, body, link, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) returning id",
                )
                .bind(message.enterprise_id)
                .bind(&message.region_code)
                .bind(&message.kind)
                .bind(&message.title)
                .bind(&message.body)
                .bind(&message.link)
                .bind(format_time(now()))
                .fetch_one(&self.writer)
                .await
                .map_err(map_err)
            }

            async fn inbox(&self, owner: &InboxOwner, limit: i64) -> StoreResult<Vec<InboxMessage>> {
                let (condition, binds) = inbox_condition(owner, 1);
                let sql = format!(
                    "select {INBOX_COLUMNS} from inbox_messages where {condition} order by id desc limit {}",
                    limit.clamp(1, 500)
                );
                let rows = bind_all!(sqlx::query(&sql), &binds)
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(inbox_from_row).collect()
            }

            async fn read_inbox(&self, owner: &InboxOwner, id: i64, by: &str) -> StoreResult<bool> {
                let (condition, binds) = inbox_condition(owner, 4);
                let sql = format!(
                    "update inbox_messages set read_at = coalesce(read_at, $2), read_by = coalesce(read_by, $3) \
                     where id = $1 and {condition}"
                );
                let q = sqlx::query(&sql).bind(id).bind(format_time(now())).bind(by);
                let done = bind_all!(q, &binds).execute(&self.writer).await.map_err(map_err)?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}
