//! What identical servers on one database share, for both engines
//! (expanded by `impl_sql_store!`, issue 20): the deployment's keys by
//! fingerprint.

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
        }
    };
}
