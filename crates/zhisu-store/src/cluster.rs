//! What identical servers on one database share (issue 20): the
//! deployment's keys by fingerprint, so that a server started with other
//! keys is refused before it issues anything, and on PostgreSQL the bytes
//! of uploaded files, so that a file uploaded through one server is read
//! through any other.

use async_trait::async_trait;
use zhisu_domain::RecordKind;

use crate::StoreResult;

/// What the change feed says another server (or this one) wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// One record, of this kind and ID, was written.
    Record(RecordKind, i64),
    /// Anything may have changed (a write no record trigger sees).
    All,
    /// The feed's connection was lost and taken up again: what was said
    /// meanwhile is not known.
    Lost,
}

/// Changes as they commit, in commit order.
#[async_trait]
pub trait ChangeFeed: Send {
    /// The next change, waiting for it.
    async fn next(&mut self) -> StoreResult<Change>;
}

/// A lock every server of a deployment respects (issue 20.1: a job that
/// runs once across the servers, an enterprise's flows checked and
/// written one at a time), held until released. Dropped unreleased, it
/// is freed all the same, by closing the connection that holds it.
#[async_trait]
pub trait ClusterLock: Send {
    /// Frees the lock.
    async fn release(self: Box<Self>);

    /// Whether the lock is still held: false once the session holding it
    /// broke (a database restart), which freed it for another server.
    async fn still_held(&mut self) -> bool;
}

/// The lock of a deployment one server serves alone (SQLite): that
/// server's own locks are all the locking there is.
pub struct NoClusterLock;

#[async_trait]
impl ClusterLock for NoClusterLock {
    async fn release(self: Box<Self>) {}

    async fn still_held(&mut self) -> bool {
        true
    }
}

/// The 64-bit key of a named lock (the first eight bytes of its name's
/// SHA-256): PostgreSQL's advisory locks are numbered.
pub fn lock_key(name: &str) -> i64 {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(format!("zhisu lock\n{name}"));
    i64::from_be_bytes(hash[..8].try_into().expect("eight bytes"))
}

/// A feed's payload read back: `KIND ID`, or `all` (anything unreadable
/// is read as `all`: clearing too much is safe, too little is not).
pub fn parse_change(payload: &str) -> Change {
    payload
        .split_once(' ')
        .and_then(|(kind, id)| Some(Change::Record(RecordKind::parse(kind)?, id.parse().ok()?)))
        .unwrap_or(Change::All)
}

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

    /// The changes every server writes, as they commit: None on an engine
    /// one server serves alone (SQLite), which knows its own writes.
    async fn change_feed(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>>;

    /// Tells every server that anything may have changed (a write that is
    /// not a record's, which no trigger sees).
    async fn announce_all_changed(&self) -> StoreResult<()>;

    /// The lock `name` if no server holds it now; None when one does.
    async fn try_cluster_lock(&self, name: &str) -> StoreResult<Option<Box<dyn ClusterLock>>>;

    /// The lock `name`, waiting while another holds it.
    async fn cluster_lock(&self, name: &str) -> StoreResult<Box<dyn ClusterLock>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_reads_back_as_its_change_and_anything_else_as_all() {
        assert_eq!(
            parse_change("batch 42"),
            Change::Record(RecordKind::Batch, 42)
        );
        assert_eq!(parse_change("all"), Change::All);
        assert_eq!(parse_change("batch forty"), Change::All);
        assert_eq!(parse_change("spaceship 1"), Change::All);
    }

    #[test]
    fn a_lock_key_is_its_names_alone() {
        assert_eq!(lock_key("flows of 7"), lock_key("flows of 7"));
        assert_ne!(lock_key("flows of 7"), lock_key("flows of 8"));
    }
}
