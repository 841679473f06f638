//! What identical servers on one database share (issue 20): the
//! deployment's keys by fingerprint, so that a server started with other
//! keys is refused before it issues anything, and on PostgreSQL the bytes
//! of uploaded files, so that a file uploaded through one server is read
//! through any other.

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

    /// Keeps a file's bytes under its SHA-256; the same file again (from
    /// another server at the same moment too) is kept once.
    async fn put_file_bytes(&self, sha256: &str, bytes: &[u8]) -> StoreResult<()>;

    /// A file's bytes, if kept.
    async fn file_bytes(&self, sha256: &str) -> StoreResult<Option<Vec<u8>>>;

    /// A kept file's size and a mark that changes whenever its row is
    /// written (PostgreSQL's `xmin`): what a file's look compares with its
    /// last sound look before reading it again, as a file's size and
    /// modification time in the folder.
    async fn file_stat(&self, sha256: &str) -> StoreResult<Option<(i64, String)>>;
}
