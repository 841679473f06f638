//! Statistics rollups, for both engines (expanded by `impl_sql_store!`):
//! the write path adds its changes in the writing transaction (a record's
//! status, an alert), the statistics fold adds the scan log, and a figure
//! sums a few rows per day (issue 18, "Speed"). What the rows mean is the
//! domain's (`zhisu_domain::statistics::rollup`); this file only stores.

macro_rules! sql_stats {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        use zhisu_domain::statistics::compute::MeasureRow;
        use zhisu_domain::statistics::rollup::{self as rollup, Facet, Measure, Place, StatDelta};
        use zhisu_store::{StatFilter, StatStore};

        /// Which tables a change goes to: a move of stock between regions
        /// or categories changes only the regional one.
        #[derive(Clone, Copy, PartialEq)]
        enum StatTables {
            Both,
            Regional,
        }

        /// Adds changes to the rollups, summed per row of each table and in
        /// key order (so concurrent writers take row locks in one order).
        async fn apply_stats(
            tx: &mut sqlx::Transaction<'_, $db>,
            deltas: &[StatDelta],
            tables: StatTables,
        ) -> StoreResult<()> {
            let (products, regions) = rollup::per_table(deltas);
            if tables == StatTables::Both {
                for chunk in $crate::fixed_chunks(&products) {
                    let mut upsert = sqlx::QueryBuilder::<$db>::new(
                        "insert into stat_days (measure, day, enterprise_id, product_id, detail, value) ",
                    );
                    upsert.push_values(chunk, |mut row, ((measure, day, enterprise, product, detail), value)| {
                        row.push_bind(measure.as_str())
                            .push_bind(day.to_string())
                            .push_bind(*enterprise)
                            .push_bind(*product)
                            .push_bind(detail.clone())
                            .push_bind(*value);
                    });
                    upsert.push(
                        " on conflict (enterprise_id, measure, day, product_id, detail) \
                         do update set value = stat_days.value + excluded.value",
                    );
                    upsert.build().execute(&mut **tx).await.map_err(map_err)?;
                }
            }
            for chunk in $crate::fixed_chunks(&regions) {
                let mut upsert = sqlx::QueryBuilder::<$db>::new(
                    "insert into stat_region_days (measure, day, region_code, category, detail, value) ",
                );
                upsert.push_values(chunk, |mut row, ((measure, day, region, category, detail), value)| {
                    row.push_bind(measure.as_str())
                        .push_bind(day.to_string())
                        .push_bind(region.clone())
                        .push_bind(category.clone())
                        .push_bind(detail.clone())
                        .push_bind(*value);
                });
                upsert.push(
                    " on conflict (measure, day, region_code, category, detail) \
                     do update set value = stat_region_days.value + excluded.value",
                );
                upsert.build().execute(&mut **tx).await.map_err(map_err)?;
            }
            Ok(())
        }

        /// A product's category (its tag) now, "" for none.
        async fn category_of(tx: &mut sqlx::Transaction<'_, $db>, product_id: Option<i64>) -> StoreResult<String> {
            let Some(id) = product_id else {
                return Ok(String::new());
            };
            let tag: Option<Option<String>> = sqlx::query_scalar("select tag from records where id = $1 and kind = 'product'")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await
                .map_err(map_err)?;
            Ok(tag.flatten().unwrap_or_default())
        }

        /// The rollup changes of a record written at `at` (issue 18): its
        /// status before (None: new) and after; a batch's activation reads
        /// its product for the codes it issues.
        async fn record_stats(
            tx: &mut sqlx::Transaction<'_, $db>,
            kind: RecordKind,
            before: Option<(Option<String>, String)>,
            index: &RecordIndex,
            enterprise_id: i64,
            body: &serde_json::Value,
            at: &str,
        ) -> StoreResult<()> {
            if Measure::of_kind(kind).is_none() {
                return Ok(());
            }
            let Some(day) = rollup::day_of(at) else {
                return Ok(());
            };
            let category = category_of(tx, index.parent_id).await?;
            let place = |region_code: String| Place {
                enterprise_id,
                product_id: index.parent_id.unwrap_or(0),
                region_code,
                category: category.clone(),
            };
            let before = before.map(|(tag, region)| Facet { tag: tag.unwrap_or_default(), place: place(region) });
            let after = Facet { tag: index.tag.clone().unwrap_or_default(), place: place(index.region_code.clone()) };
            let mut codes = None;
            if kind == RecordKind::Batch && after.tag == "active" {
                if let Some(product_id) = index.parent_id {
                    let product: Option<String> = sqlx::query_scalar(
                        "select v.body from records r join record_versions v on v.record_id = r.id and v.version = r.version where r.id = $1",
                    )
                    .bind(product_id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    let product: serde_json::Value = product
                        .as_deref()
                        .and_then(|b| serde_json::from_str(b).ok())
                        .unwrap_or_default();
                    codes = Some(rollup::codes_issued(&product, body));
                }
            }
            let deltas = rollup::record_deltas(kind, before.as_ref(), &after, day, codes);
            apply_stats(tx, &deltas, StatTables::Both).await
        }

        /// Moves the stock an enterprise's products hold (or one product's)
        /// in the regional rollup, when the enterprise moves region or the
        /// product changes category: from then on it is overseen there.
        async fn move_stats(
            tx: &mut sqlx::Transaction<'_, $db>,
            enterprise_id: i64,
            product_id: Option<i64>,
            from: (&str, Option<&str>),
            to: (&str, Option<&str>),
            at: &str,
        ) -> StoreResult<()> {
            let Some(day) = rollup::day_of(at) else {
                return Ok(());
            };
            let stocks: Vec<&str> = Measure::ALL.iter().filter(|m| m.is_stock()).map(|m| m.as_str()).collect();
            let sql = format!(
                "select s.measure, s.product_id, s.detail, cast(sum(s.value) as bigint) as value, coalesce(p.tag, '') as category \
                 from stat_days s left join records p on p.id = s.product_id \
                 where s.enterprise_id = $1 and ($2 = 0 or s.product_id = $2) and s.measure in ('{}') \
                 group by s.measure, s.product_id, s.detail, p.tag",
                stocks.join("', '")
            );
            let rows = sqlx::query(&sql)
                .bind(enterprise_id)
                .bind(product_id.unwrap_or(0))
                .fetch_all(&mut **tx)
                .await
                .map_err(map_err)?;
            let mut held = Vec::new();
            let mut categories = std::collections::HashMap::new();
            for row in &rows {
                let measure: String = row.try_get("measure").map_err(map_err)?;
                let Some(measure) = Measure::parse(&measure) else { continue };
                let product: i64 = row.try_get("product_id").map_err(map_err)?;
                categories.insert(product, row.try_get::<String, _>("category").map_err(map_err)?);
                held.push((measure, product, row.try_get::<String, _>("detail").map_err(map_err)?, row.try_get::<i64, _>("value").map_err(map_err)?));
            }
            let place = |(region, category): (&str, Option<&str>), product: i64| Place {
                enterprise_id,
                product_id: product,
                region_code: region.to_string(),
                category: category.map(str::to_string).unwrap_or_else(|| categories.get(&product).cloned().unwrap_or_default()),
            };
            let deltas = rollup::move_stock(&held, day, |p| place(from, p), |p| place(to, p));
            apply_stats(tx, &deltas, StatTables::Regional).await
        }

        /// The rollup change of an alert just stored.
        async fn alert_stats(tx: &mut sqlx::Transaction<'_, $db>, alert: &Alert) -> StoreResult<()> {
            let (Some(measure), Some(day)) = (Measure::of_alert(alert.kind), rollup::day_of(&alert.at)) else {
                return Ok(());
            };
            let category = category_of(tx, alert.product_id).await?;
            let delta = StatDelta {
                measure,
                day,
                place: Place {
                    enterprise_id: alert.enterprise_id,
                    product_id: alert.product_id.unwrap_or(0),
                    region_code: alert.region_code.clone(),
                    category,
                },
                detail: String::new(),
                value: 1,
            };
            apply_stats(tx, &[delta], StatTables::Both).await
        }

        #[async_trait]
        impl StatStore for $store {
            async fn stat_rows(
                &self,
                filter: &StatFilter,
                measures: &[Measure],
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> StoreResult<Vec<MeasureRow>> {
                if measures.is_empty() {
                    return Ok(Vec::new());
                }
                let mut binds = vec![Bind::Text(to.to_string()), Bind::Text(from.to_string())];
                let names = |stock: bool| {
                    let list: Vec<String> =
                        measures.iter().filter(|m| m.is_stock() == stock).map(|m| format!("'{}'", m.as_str())).collect();
                    if list.is_empty() { "''".to_string() } else { list.join(", ") }
                };
                // A stock sums from its first day; a flow from the period's.
                let mut conditions = vec![
                    "s.day <= $1".to_string(),
                    format!("(s.measure in ({}) or (s.measure in ({}) and s.day >= $2))", names(true), names(false)),
                ];
                let table = match &filter.places {
                    ListScope::Enterprise(e) => {
                        binds.push(Bind::I64(*e));
                        conditions.push(format!("s.enterprise_id = ${}", binds.len()));
                        if let Some(category) = &filter.category {
                            binds.push(Bind::Text(category.clone()));
                            conditions.push(format!(
                                "s.product_id in (select id from records where kind = 'product' and enterprise_id = $3 and tag = ${})",
                                binds.len()
                            ));
                        }
                        "stat_days"
                    }
                    places => {
                        add_scope(&mut conditions, &mut binds, places, "s");
                        if let Some(category) = &filter.category {
                            binds.push(Bind::Text(category.clone()));
                            conditions.push(format!("s.category = ${}", binds.len()));
                        }
                        "stat_region_days"
                    }
                };
                let sql = format!(
                    "select s.measure, s.day, s.detail, cast(sum(s.value) as bigint) as value from {table} s \
                     where {} group by s.measure, s.day, s.detail",
                    conditions.join(" and ")
                );
                let rows = bind_all!(sqlx::query(&sql), &binds).fetch_all(&self.reader).await.map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let measure: String = row.try_get("measure").map_err(map_err)?;
                    let day: String = row.try_get("day").map_err(map_err)?;
                    let (Some(measure), Ok(day)) = (Measure::parse(&measure), day.parse()) else {
                        return Err(StoreError::Internal(format!("statistics row {measure} {day}")));
                    };
                    out.push(MeasureRow {
                        measure,
                        day,
                        detail: row.try_get("detail").map_err(map_err)?,
                        value: row.try_get("value").map_err(map_err)?,
                    });
                }
                Ok(out)
            }

            async fn fold_scan_stats(&self, limit: i64) -> StoreResult<usize> {
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let upto: i64 = sqlx::query_scalar(&format!("select upto from stat_marks where name = 'scans'{LOCK_ROW}"))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let rows = sqlx::query(
                    "select s.id, s.code, s.at, coalesce(p.enterprise_id, 0) as enterprise_id, coalesce(s.product_id, 0) as product_id, \
                     coalesce(p.region_code, '') as region_code, coalesce(p.tag, '') as category \
                     from scans s left join records p on p.id = s.product_id and p.kind = 'product' \
                     where s.id > $1 order by s.id limit $2",
                )
                .bind(upto)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let Some(last) = rows.last() else {
                    return Ok(0);
                };
                let last: i64 = last.try_get("id").map_err(map_err)?;
                let mut scans = Vec::with_capacity(rows.len());
                for row in &rows {
                    scans.push(rollup::ScanRow {
                        code: row.try_get("code").map_err(map_err)?,
                        at: row.try_get("at").map_err(map_err)?,
                        place: Place {
                            enterprise_id: row.try_get("enterprise_id").map_err(map_err)?,
                            product_id: row.try_get("product_id").map_err(map_err)?,
                            region_code: row.try_get("region_code").map_err(map_err)?,
                            category: row.try_get("category").map_err(map_err)?,
                        },
                    });
                }
                let mut codes: Vec<&str> = scans.iter().map(|s| s.code.as_str()).collect();
                codes.sort_unstable();
                codes.dedup();
                let mut last_day = std::collections::HashMap::new();
                for chunk in codes.chunks(500) {
                    let sql = format!("select code, day from stat_code_days where code in ({})", $crate::sql_sweeps::placeholders(1, chunk.len()));
                    let mut q = sqlx::query_as::<_, (String, String)>(&sql);
                    for c in chunk {
                        q = q.bind(*c);
                    }
                    for (code, day) in q.fetch_all(&mut *tx).await.map_err(map_err)? {
                        if let Ok(day) = day.parse() {
                            last_day.insert(code, day);
                        }
                    }
                }
                let (deltas, new_last) = rollup::scan_deltas(&scans, &last_day);
                apply_stats(&mut tx, &deltas, StatTables::Both).await?;
                let mut new_last: Vec<(String, chrono::NaiveDate)> = new_last.into_iter().collect();
                new_last.sort_unstable();
                for chunk in $crate::fixed_chunks(&new_last) {
                    let mut upsert = sqlx::QueryBuilder::<$db>::new("insert into stat_code_days (code, day) ");
                    upsert.push_values(chunk, |mut row, (code, day)| {
                        row.push_bind(code.clone()).push_bind(day.to_string());
                    });
                    upsert.push(" on conflict (code) do update set day = excluded.day");
                    upsert.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                sqlx::query("update stat_marks set upto = $1 where name = 'scans'")
                    .bind(last)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(rows.len())
            }
        }
    };
}
