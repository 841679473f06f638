//! What identical servers on one database share, for both engines
//! (expanded by `impl_sql_store!`, issue 20): the deployment's keys by
//! fingerprint, and the bytes of uploaded files (used on PostgreSQL).

macro_rules! sql_cluster {
    ($store:ty, $db:ty, $engine:literal, $ledger_lock:literal, $durable:literal, $relaxed:literal, $concat:literal) => {
        #[async_trait]
        impl zhisu_store::ClusterStore for $store {
            async fn key_fingerprints(&self) -> StoreResult<Vec<(String, String)>> {
                sqlx::query_as("select name, fingerprint from deployment_keys order by name")
                    .fetch_all(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn record_key_fingerprints(
                &self,
                keys: &[(String, String)],
            ) -> StoreResult<Vec<(String, String)>> {
                // Two servers starting at once: the first insert of a name
                // wins, and both read back what it recorded.
                let mut tx = self.writer.begin_with(BEGIN_WRITE).await.map_err(map_err)?;
                let at = format_time(now());
                for (name, fingerprint) in keys {
                    sqlx::query(
                        "insert into deployment_keys (name, fingerprint, recorded_at) values ($1, $2, $3) \
                         on conflict (name) do nothing",
                    )
                    .bind(name)
                    .bind(fingerprint)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                let recorded = sqlx::query_as::<_, (String, String)>(
                    "select name, fingerprint from deployment_keys order by name",
                )
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(recorded)
            }

            async fn put_file_bytes(&self, sha256: &str, bytes: &[u8]) -> StoreResult<()> {
                sqlx::query(
                    "insert into file_contents (sha256, bytes, stored_at) values ($1, $2, $3) \
                     on conflict (sha256) do nothing",
                )
                .bind(sha256)
                .bind(bytes)
                .bind(format_time(now()))
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn file_bytes(&self, sha256: &str) -> StoreResult<Option<Vec<u8>>> {
                sqlx::query_scalar("select bytes from file_contents where sha256 = $1")
                    .bind(sha256)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)
            }

            async fn change_feed(&self) -> StoreResult<Option<Box<dyn zhisu_store::ChangeFeed>>> {
                self.engine_change_feed().await
            }

            async fn try_cluster_lock(
                &self,
                name: &str,
            ) -> StoreResult<Option<Box<dyn zhisu_store::ClusterLock>>> {
                self.engine_lock(name, false).await
            }

            async fn cluster_lock(&self, name: &str) -> StoreResult<Box<dyn zhisu_store::ClusterLock>> {
                Ok(self
                    .engine_lock(name, true)
                    .await?
                    .expect("a lock waited for is held"))
            }

            async fn announce_all_changed(&self) -> StoreResult<()> {
                if $engine == "postgres" {
                    sqlx::query("select pg_notify('zhisu_changes', 'all')")
                        .execute(&self.writer)
                        .await
                        .map_err(map_err)?;
                }
                Ok(())
            }

            async fn file_stat(&self, sha256: &str) -> StoreResult<Option<(i64, String)>> {
                // PostgreSQL's `xmin` is the transaction that last wrote the
                // row; SQLite keeps its files in the folder, not here.
                let mark = if $engine == "postgres" { "xmin::text" } else { "stored_at" };
                let sql = format!(
                    "select cast(length(bytes) as bigint), {mark} from file_contents where sha256 = $1"
                );
                sqlx::query_as(&sql)
                    .bind(sha256)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err(map_err)
            }
        }
    };
}
