//! Statistics reports made on a schedule, for both engines (expanded by
//! `impl_sql_store!`): one row per scope, period and format, the file's
//! bytes with it (issue 18.5).

macro_rules! sql_reports {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        use zhisu_store::{NewReportFile, ReportFileMeta, ReportStore};

        const REPORT_META: &str =
            "id, scope, period, format, file_name, content_type, length(bytes) as size, created_at";

        fn report_meta(row: &<$db as sqlx::Database>::Row) -> StoreResult<ReportFileMeta> {
            Ok(ReportFileMeta {
                id: row.try_get("id").map_err(map_err)?,
                scope: row.try_get("scope").map_err(map_err)?,
                period: row.try_get("period").map_err(map_err)?,
                format: row.try_get("format").map_err(map_err)?,
                file_name: row.try_get("file_name").map_err(map_err)?,
                content_type: row.try_get("content_type").map_err(map_err)?,
                size: row.try_get::<i64, _>("size").or_else(|_| row.try_get::<i32, _>("size").map(i64::from)).map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        #[async_trait]
        impl ReportStore for $store {
            async fn put_report_file(&self, file: &NewReportFile) -> StoreResult<bool> {
                let done = sqlx::query(
                    "insert into report_files (scope, period, format, file_name, content_type, bytes, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) on conflict (scope, period, format) do nothing",
                )
                .bind(&file.scope)
                .bind(&file.period)
                .bind(&file.format)
                .bind(&file.file_name)
                .bind(&file.content_type)
                .bind(&file.bytes)
                .bind(format_time(now()))
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn has_report_file(&self, scope: &str, period: &str, format: &str) -> StoreResult<bool> {
                let found: Option<i64> = sqlx::query_scalar(
                    "select id from report_files where scope = $1 and period = $2 and format = $3",
                )
                .bind(scope)
                .bind(period)
                .bind(format)
                .fetch_optional(&self.reader)
                .await
                .map_err(map_err)?;
                Ok(found.is_some())
            }

            async fn report_files(&self, scope: &str) -> StoreResult<Vec<ReportFileMeta>> {
                let rows = sqlx::query(&format!(
                    "select {REPORT_META} from report_files where scope = $1 \
                     order by period desc, format, id"
                ))
                .bind(scope)
                .fetch_all(&self.reader)
                .await
                .map_err(map_err)?;
                rows.iter().map(report_meta).collect()
            }

            async fn report_file(&self, id: i64) -> StoreResult<Option<(ReportFileMeta, Vec<u8>)>> {
                let row = sqlx::query(&format!("select {REPORT_META}, bytes from report_files where id = $1"))
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)?;
                match row {
                    Some(row) => Ok(Some((report_meta(&row)?, row.try_get("bytes").map_err(map_err)?))),
                    None => Ok(None),
                }
            }
        }
    };
}
