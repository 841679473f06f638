//! What identical servers on one database share (issue 20): for now the
//! deployment's keys by fingerprint, so that a server started with other
//! keys is refused before it issues anything.

use async_trait::async_trait;

use crate::StoreResult;

#[async_trait]
pub trait ClusterStore: Send + Sync {
    /// The deployment's keys as recorded: (name, fingerprint), by name.
    async fn key_fingerprints(&self) -> StoreResult<Vec<(String, String)>>;

    /// Records each `(name, fingerprint)` not recorded yet (the first
    /// server's keys, or a key added since, such as a rotated serial key);
    /// every key recorded, by name, as the database now holds them.
    async fn record_key_fingerprints(
        &self,
        keys: &[(String, String)],
    ) -> StoreResult<Vec<(String, String)>>;
}
