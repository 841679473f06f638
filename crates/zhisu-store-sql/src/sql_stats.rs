//! Statistics rollups, for both engines (expanded by `impl_sql_store!`):
//! the write path adds its changes in the writing transaction (a record's
//! status, an alert; scans with the fold of their codes' summaries,
//! `sql_scans.rs`), and a figure sums a few rows per day (issue 18,
//! "Speed"). What the rows mean is the
//! domain's (`zhisu_domain::statistics::rollup`); this file only stores.

macro_rules! sql_stats {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        use zhisu_domain::statistics::compute::MeasureRow;
        use zhisu_domain::statistics::rollup::{self as rollup, Facet, Measure, Place, StatDelta};
        use zhisu_store::{StatFilter, StatGroup, StatStore};

        /// Adds changes to the rollups, summed per row of each table and in
        /// key order (so concurrent writers take row locks in one order).
        async fn apply_stats(
            tx: &mut sqlx::Transaction<'_, $db>,
            deltas: &[StatDelta],
        ) -> StoreResult<()> {
            let (enterprises, regions) = rollup::per_table(deltas);
            for chunk in $crate::fixed_chunks(&enterprises) {
                let mut upsert = sqlx::QueryBuilder::<$db>::new(
                    "insert into stat_days (enterprise_id, measure, day, category, detail, value) ",
                );
                upsert.push_values(chunk, |mut row, ((enterprise, measure, day, category, detail), value)| {
                    row.push_bind(*enterprise)
                        .push_bind(measure.as_str())
                        .push_bind(day.to_string())
                        .push_bind(category.clone())
                        .push_bind(detail.clone())
                        .push_bind(*value);
                });
                upsert.push(
                    " on conflict (enterprise_id, measure, day, category, detail) \
                     do update set value = stat_days.value + excluded.value",
                );
                upsert.build().execute(&mut **tx).await.map_err(map_err)?;
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

        /// The rollup changes of a record first written at `created_at`
        /// and now at `at` (issue 18): its status before (None: new) and
        /// after; a batch's activation reads its product for the codes it
        /// issues; feedback's first answer counts the hours it waited, a
        /// case's closing the days it stood open.
        #[allow(clippy::too_many_arguments)]
        async fn record_stats(
            tx: &mut sqlx::Transaction<'_, $db>,
            kind: RecordKind,
            before: Option<(Option<String>, String, Option<&serde_json::Value>)>,
            index: &RecordIndex,
            enterprise_id: i64,
            body: &serde_json::Value,
            created_at: &str,
            at: &str,
        ) -> StoreResult<()> {
            let deltas = record_deltas(tx, kind, before, index, enterprise_id, body, created_at, at, &mut Default::default()).await?;
            apply_stats(tx, &deltas).await
        }

        /// What `record_stats` adds, not yet added: for many records
        /// written together (an import's chunk), their changes summed and
        /// added once. `categories`: products' categories read so far.
        #[allow(clippy::too_many_arguments)]
        async fn record_deltas(
            tx: &mut sqlx::Transaction<'_, $db>,
            kind: RecordKind,
            before: Option<(Option<String>, String, Option<&serde_json::Value>)>,
            index: &RecordIndex,
            enterprise_id: i64,
            body: &serde_json::Value,
            created_at: &str,
            at: &str,
            categories: &mut std::collections::HashMap<i64, String>,
        ) -> StoreResult<Vec<StatDelta>> {
            if Measure::of_kind(kind).is_none() {
                return Ok(Vec::new());
            }
            let Some(day) = rollup::day_of(at) else {
                return Ok(Vec::new());
            };
            // A product counts in its own category (its tag), filed or
            // paused as its body says (the version before, read by the
            // caller, for the change); any other record in its product's
            // category, in the status its tag holds.
            let own = kind == RecordKind::Product;
            let category = match (own, index.parent_id) {
                (true, _) | (false, None) => String::new(),
                (false, Some(parent)) => match categories.get(&parent) {
                    Some(c) => c.clone(),
                    None => {
                        let c = category_of(tx, Some(parent)).await?;
                        categories.insert(parent, c.clone());
                        c
                    }
                },
            };
            let facet = |tag: Option<String>, region_code: String, body: Option<&serde_json::Value>| {
                let (tag, category) = match own {
                    true => (rollup::product_status(body.unwrap_or(&serde_json::Value::Null)).to_string(), tag.unwrap_or_default()),
                    false => (tag.unwrap_or_default(), category.clone()),
                };
                Facet { tag, place: Place { enterprise_id, region_code, category } }
            };
            let before_body = before.as_ref().and_then(|(_, _, body)| *body);
            let before = before.map(|(tag, region, body)| facet(tag, region, body));
            let after = facet(index.tag.clone(), index.region_code.clone(), Some(body));
            let mut codes = None;
            let mut before_codes = None;
            if kind == RecordKind::Batch && after.tag == "active" {
                if let Some(product_id) = index.parent_id {
                    let product: Option<String> = sqlx::query_scalar(
                        &format!("select v.body from records r {CURRENT_VERSION_OF_ONE} where r.id = $1"),
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
                    before_codes = before_body.map(|b| rollup::codes_issued(&product, b).1);
                }
            }
            // A day's report (P5.3.3.3) issues that day's codes.
            let added = rollup::codes_added(before.as_ref(), &after, before_codes, codes.as_ref(), day);
            let mut deltas = rollup::record_deltas(kind, before.as_ref(), &after, day, codes);
            deltas.extend(added);
            if kind == RecordKind::Feedback {
                let hours = body["answered_at"].as_str().and_then(|answered| rollup::answer_hours(created_at, answered));
                deltas.extend(rollup::answer_delta(before.as_ref(), &after, day, hours));
                // P6.7: what it is about, classified once, when received.
                deltas.extend(rollup::received_delta(before.as_ref(), &after, day, body["message"].as_str().unwrap_or("")));
            }
            if kind == RecordKind::Case {
                let days = rollup::calendar_days(created_at, at);
                deltas.extend(rollup::close_delta(before.as_ref(), &after, day, days));
                deltas.extend(rollup::escalation_delta(before_body, body, &after.place, day));
            }
            Ok(deltas)
        }

        /// Moves the stock an enterprise's records hold now (or one
        /// product's) when the enterprise moves region or the product
        /// changes category: from then on it is overseen there. What they
        /// hold is counted from the records themselves (the rollups keep
        /// no product).
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
            let rows = sqlx::query(
                "select r.kind, coalesce(p.tag, '') as category, coalesce(r.tag, '') as tag, cast(count(*) as bigint) as n \
                 from records r left join records p on p.id = r.parent_id \
                 where r.kind in ('batch', 'recall', 'feedback', 'case') and r.enterprise_id = $1 and ($2 = 0 or r.parent_id = $2) \
                 group by r.kind, p.tag, r.tag",
            )
            .bind(enterprise_id)
            .bind(product_id.unwrap_or(0))
            .fetch_all(&mut **tx)
            .await
            .map_err(map_err)?;
            let mut held = Vec::new();
            for row in &rows {
                let kind: String = row.try_get("kind").map_err(map_err)?;
                let Some(measure) = RecordKind::parse(&kind).and_then(Measure::of_kind) else { continue };
                held.push((
                    measure,
                    row.try_get::<String, _>("category").map_err(map_err)?,
                    row.try_get::<String, _>("tag").map_err(map_err)?,
                    row.try_get::<i64, _>("n").map_err(map_err)?,
                ));
            }
            if product_id.is_none() {
                // The enterprise's products themselves, in their own
                // category, filed or paused.
                let rows = sqlx::query_as::<_, (Option<String>, String)>(
                    "select r.tag, v.body from records r join record_versions v on v.record_id = r.id and v.version = r.version \
                     where r.kind = 'product' and r.enterprise_id = $1",
                )
                .bind(enterprise_id)
                .fetch_all(&mut **tx)
                .await
                .map_err(map_err)?;
                let mut products: std::collections::BTreeMap<(String, &str), i64> = Default::default();
                for (category, body) in &rows {
                    let body: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
                    *products.entry((category.clone().unwrap_or_default(), rollup::product_status(&body))).or_default() += 1;
                }
                held.extend(products.into_iter().map(|((category, status), n)| (Measure::Products, category, status.to_string(), n)));
            }
            // Open recalls' figures, as kept (`recall_figures`), move with
            // their producer or product.
            let kept: Vec<(String, i64, i64, i64)> = sqlx::query_as(
                "select category, delivered, returned, holders from recall_figures \
                 where enterprise_id = $1 and ($2 = 0 or product_id = $2)",
            )
            .bind(enterprise_id)
            .bind(product_id.unwrap_or(0))
            .fetch_all(&mut **tx)
            .await
            .map_err(map_err)?;
            for (category, delivered, returned, holders) in kept {
                use zhisu_domain::statistics::recall_figures::{DELIVERED, HOLDERS, RETURNED};
                for (detail, n) in [(DELIVERED, delivered), (RETURNED, returned), (HOLDERS, holders)] {
                    held.push((Measure::RecallFigures, category.clone(), detail.to_string(), n));
                }
            }
            sqlx::query(
                "update recall_figures set region_code = $1, category = coalesce($2, category) \
                 where enterprise_id = $3 and ($4 = 0 or product_id = $4)",
            )
            .bind(to.0)
            .bind(to.1)
            .bind(enterprise_id)
            .bind(product_id.unwrap_or(0))
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
            let place = |(region, category): (&str, Option<&str>), current: &str| Place {
                enterprise_id,
                region_code: region.to_string(),
                category: category.unwrap_or(current).to_string(),
            };
            let deltas = rollup::move_stock(&held, day, |c| place(from, c), |c| place(to, c));
            apply_stats(tx, &deltas).await
        }

        /// The places of the products whose codes a fold of scan summaries
        /// carries (issue 18): read once per fold, a chunk of products as
        /// one aggregated row, by their ids alone (`kind || ''`: SQLite walked
        /// the kind index, every product, for each chunk).
        async fn product_places(
            tx: &mut sqlx::Transaction<'_, $db>,
            deltas: &[(&str, &zhisu_domain::scan::ScanSummary)],
        ) -> StoreResult<std::collections::HashMap<i64, Place>> {
            let mut ids: Vec<i64> = deltas.iter().filter_map(|(_, d)| d.product_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let mut places = std::collections::HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                let sql = format!(
                    concat!(
                        "select ", $concat, "(cast(id as text) || '|' || cast(coalesce(enterprise_id, 0) as text) || '|' \
                         || region_code || '|' || coalesce(tag, ''), $1) from records where id in ({}) and kind || '' = 'product'"
                    ),
                    $crate::sql_sweeps::placeholders(2, chunk.len())
                );
                let mut q = sqlx::query_scalar::<_, Option<String>>(&sql).bind("\n");
                for id in chunk {
                    q = q.bind(*id);
                }
                let joined = q.fetch_one(&mut **tx).await.map_err(map_err)?.unwrap_or_default();
                for line in joined.split('\n').filter(|l| !l.is_empty()) {
                    let mut f = line.splitn(4, '|');
                    let (Some(id), Some(enterprise), Some(region), Some(category)) = (f.next(), f.next(), f.next(), f.next()) else {
                        return Err(StoreError::Internal(format!("product place {line}")));
                    };
                    let (Ok(id), Ok(enterprise_id)) = (id.parse::<i64>(), enterprise.parse::<i64>()) else {
                        return Err(StoreError::Internal(format!("product place {line}")));
                    };
                    places.insert(id, Place { enterprise_id, region_code: region.to_string(), category: category.to_string() });
                }
            }
            Ok(places)
        }

        /// The rollup changes of a chunk of codes' scans being folded, from
        /// each code's last counted day as its summary row has it (read
        /// before the row is rewritten); each code's new last day, in the
        /// chunk's order.
        async fn scan_stats(
            tx: &mut sqlx::Transaction<'_, $db>,
            chunk: &[(&str, &zhisu_domain::scan::ScanSummary)],
            places: &std::collections::HashMap<i64, Place>,
            out: &mut Vec<StatDelta>,
        ) -> StoreResult<Vec<Option<String>>> {
            let mut last = std::collections::HashMap::new();
            if chunk.iter().any(|(_, d)| !d.days.is_empty()) {
                let sql = format!(
                    "select code, last_day from scan_counts where last_day is not null and code in ({})",
                    $crate::sql_sweeps::placeholders(1, chunk.len())
                );
                let mut q = sqlx::query_as::<_, (String, String)>(&sql);
                for (code, _) in chunk {
                    q = q.bind(*code);
                }
                for (code, day) in q.fetch_all(&mut **tx).await.map_err(map_err)? {
                    if let Ok(day) = day.parse::<chrono::NaiveDate>() {
                        last.insert(code, day);
                    }
                }
            }
            let mut new_last = Vec::with_capacity(chunk.len());
            for (code, d) in chunk {
                let place = d.product_id.and_then(|p| places.get(&p).cloned()).unwrap_or_default();
                let day = rollup::code_deltas(&place, &d.days, &d.provinces, last.get(*code).copied(), out);
                new_last.push(day.map(|x| x.to_string()));
            }
            Ok(new_last)
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
                    region_code: alert.region_code.clone(),
                    category,
                },
                detail: rollup::alert_detail(alert.distributor_id),
                value: 1,
            };
            apply_stats(tx, &[delta]).await
        }

        /// The open verification findings by group (issue 18.1), of the
        /// records named or, for None, of all: counted before and after a
        /// statement that opens, moves or resolves findings, so the rollup
        /// takes the difference (`statistics::findings::change`).
        async fn open_finding_counts(
            tx: &mut sqlx::Transaction<'_, $db>,
            records: Option<&[(RecordKind, i64)]>,
        ) -> StoreResult<zhisu_domain::statistics::findings::OpenCounts> {
            let mut sql = "select enterprise_id, region_code, axis, class, count(*) from verification_findings \
                           where status = 'open'".to_string();
            if let Some(records) = records {
                if records.is_empty() {
                    return Ok(Default::default());
                }
                let each: Vec<String> = (0..records.len())
                    .map(|i| format!("(kind = ${} and record_id = ${})", 2 * i + 1, 2 * i + 2))
                    .collect();
                sql.push_str(&format!(" and ({})", each.join(" or ")));
            }
            sql.push_str(" group by enterprise_id, region_code, axis, class");
            let mut q = sqlx::query_as::<_, (i64, String, String, String, i64)>(&sql);
            for (kind, id) in records.unwrap_or_default() {
                q = q.bind(kind.as_str()).bind(*id);
            }
            let rows = q.fetch_all(&mut **tx).await.map_err(map_err)?;
            Ok(rows
                .into_iter()
                .map(|(enterprise_id, region_code, axis, class, n)| {
                    (zhisu_domain::statistics::findings::FindingGroup { enterprise_id, region_code, axis, class }, n)
                })
                .collect())
        }

        /// Adds to the rollup what moved in the open findings since
        /// `before` was counted (of the same records), on the day of `at`.
        async fn keep_open_findings(
            tx: &mut sqlx::Transaction<'_, $db>,
            records: Option<&[(RecordKind, i64)]>,
            before: &zhisu_domain::statistics::findings::OpenCounts,
            at: &str,
        ) -> StoreResult<()> {
            let Some(day) = rollup::day_of(at) else {
                return Ok(());
            };
            let after = open_finding_counts(tx, records).await?;
            apply_stats(tx, &zhisu_domain::statistics::findings::change(before, &after, day)).await
        }

        /// The rollup changes of a flow record's lines (P6.7): a sale
        /// counts its quantities on the day of sale, in each line's product
        /// category, by the buyer's province and by buyer; the seller's
        /// region is the record's.
        async fn flow_stats(
            tx: &mut sqlx::Transaction<'_, $db>,
            lines: &[zhisu_store::FlowRow],
            seller_region: &str,
        ) -> StoreResult<()> {
            let sales: Vec<&zhisu_store::FlowRow> = lines.iter().filter(|l| l.kind == "sale").collect();
            let Some(first) = sales.first() else {
                return Ok(());
            };
            let (Some(seller), Some(day)) = (first.from_id, rollup::day_of(&first.at)) else {
                return Ok(());
            };
            let buyer_region: String = match first.to_id {
                Some(buyer) => sqlx::query_scalar("select region_code from records where id = $1")
                    .bind(buyer)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_err)?
                    .unwrap_or_default(),
                None => String::new(),
            };
            let mut batches: Vec<i64> = sales.iter().map(|l| l.batch_id).collect();
            batches.sort_unstable();
            batches.dedup();
            let mut category_of_batch = std::collections::HashMap::new();
            for chunk in batches.chunks(500) {
                let sql = format!(
                    "select b.id, coalesce(p.tag, '') from records b left join records p on p.id = b.parent_id where b.id in ({})",
                    $crate::sql_sweeps::placeholders(1, chunk.len())
                );
                let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                category_of_batch.extend(q.fetch_all(&mut **tx).await.map_err(map_err)?);
            }
            let lines: Vec<rollup::SaleLine> = sales
                .iter()
                .map(|l| rollup::SaleLine {
                    day,
                    category: category_of_batch.get(&l.batch_id).cloned().unwrap_or_default(),
                    quantity: l.quantity,
                })
                .collect();
            let place = Place { enterprise_id: seller, region_code: seller_region.to_string(), category: String::new() };
            let deltas = rollup::sale_deltas(&place, &buyer_region, first.to_id, &lines);
            apply_stats(tx, &deltas).await
        }

        /// The rollup rows a filter admits, summed by measure, day and
        /// detail (and by region prefix of `digits` digits when asked): a
        /// flow's from `from`, a stock's from its first day, to `to`.
        async fn stat_rows_of(
            reader: &sqlx::Pool<$db>,
            filter: &StatFilter,
            measures: &[Measure],
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
            group: Option<StatGroup>,
        ) -> StoreResult<Vec<(String, MeasureRow)>> {
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
                        conditions.push(format!("s.category = ${}", binds.len()));
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
            // PostgreSQL refuses a constant in `group by`: no group, no term.
            let (region, by_region) = match group {
                Some(StatGroup::Region(n)) => (format!("substr(s.region_code, 1, {n})"), format!("substr(s.region_code, 1, {n}), ")),
                Some(StatGroup::Category) => ("s.category".to_string(), "s.category, ".to_string()),
                None => ("''".to_string(), String::new()),
            };
            let sql = format!(
                "select {region} as region, s.measure, s.day, s.detail, cast(sum(s.value) as bigint) as value from {table} s \
                 where {} group by {by_region}s.measure, s.day, s.detail",
                conditions.join(" and ")
            );
            let rows = bind_all!(sqlx::query(&sql), &binds).fetch_all(reader).await.map_err(map_err)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let measure: String = row.try_get("measure").map_err(map_err)?;
                let day: String = row.try_get("day").map_err(map_err)?;
                let (Some(measure), Ok(day)) = (Measure::parse(&measure), day.parse()) else {
                    return Err(StoreError::Internal(format!("statistics row {measure} {day}")));
                };
                out.push((
                    row.try_get::<String, _>("region").map_err(map_err)?,
                    MeasureRow {
                        measure,
                        day,
                        detail: row.try_get("detail").map_err(map_err)?,
                        value: row.try_get("value").map_err(map_err)?,
                    },
                ));
            }
            Ok(out)
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
                let rows = stat_rows_of(&self.reader, filter, measures, from, to, None).await?;
                Ok(rows.into_iter().map(|(_, row)| row).collect())
            }

            async fn stat_rows_by(
                &self,
                filter: &StatFilter,
                measures: &[Measure],
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
                group: StatGroup,
            ) -> StoreResult<Vec<(String, MeasureRow)>> {
                let group = match group {
                    StatGroup::Region(_) if matches!(filter.places, ListScope::Enterprise(_)) => {
                        return Err(StoreError::Internal("an enterprise's rollups have no region".into()));
                    }
                    StatGroup::Region(digits) => StatGroup::Region(digits.clamp(2, 6)),
                    StatGroup::Category => StatGroup::Category,
                };
                stat_rows_of(&self.reader, filter, measures, from, to, Some(group)).await
            }

            async fn keep_recall_figures(
                &self,
                recall_id: i64,
                now: Option<(i64, &Place, &zhisu_domain::statistics::recall_figures::RecallFigures)>,
                at: &str,
            ) -> StoreResult<()> {
                use zhisu_domain::statistics::recall_figures::{self as figures, RecallFigures};
                let Some(day) = rollup::day_of(at) else {
                    return Ok(());
                };
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                // One keeper of a recall at a time (its record's row locked):
                // each adds the difference from what the other kept.
                sqlx::query(&format!("select id from records where id = $1{LOCK_ROW}"))
                    .bind(recall_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let kept: Option<(i64, String, String, i64, i64, i64)> = sqlx::query_as(
                    "select enterprise_id, region_code, category, delivered, returned, holders from recall_figures where recall_id = $1",
                )
                .bind(recall_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                let kept = kept.map(|(enterprise_id, region_code, category, delivered, returned, holders)| {
                    (Place { enterprise_id, region_code, category }, RecallFigures { delivered, returned, holders })
                });
                let deltas = figures::change(kept.as_ref().map(|(p, f)| (p, f)), now.map(|(_, p, f)| (p, f)), day);
                if deltas.is_empty() && kept.is_some() == now.is_some() {
                    return Ok(());
                }
                apply_stats(&mut tx, &deltas).await?;
                match now {
                    Some((product_id, place, f)) => {
                        sqlx::query(
                            "insert into recall_figures (recall_id, product_id, enterprise_id, region_code, category, delivered, returned, holders) \
                             values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (recall_id) do update set product_id = excluded.product_id, \
                             enterprise_id = excluded.enterprise_id, region_code = excluded.region_code, category = excluded.category, \
                             delivered = excluded.delivered, returned = excluded.returned, holders = excluded.holders",
                        )
                        .bind(recall_id)
                        .bind(product_id)
                        .bind(place.enterprise_id)
                        .bind(&place.region_code)
                        .bind(&place.category)
                        .bind(f.delivered)
                        .bind(f.returned)
                        .bind(f.holders)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                    None => {
                        sqlx::query("delete from recall_figures where recall_id = $1")
                            .bind(recall_id)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                }
                tx.commit().await.map_err(map_err)
            }

            async fn kept_recalls(&self) -> StoreResult<Vec<i64>> {
                sqlx::query_scalar("select recall_id from recall_figures order by recall_id")
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }
        }
    };
}
