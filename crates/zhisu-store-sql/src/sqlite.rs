//! The embedded default engine: one SQLite file in WAL mode.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// SQLite store. Reads use a pool; writes use a single connection so that
/// ledger leaves are appended in order without lock-upgrade failures.
#[derive(Clone)]
pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
    _checkpoints: Arc<Checkpoints>,
    /// What the ledger's leaves are hashed with (issue 16.17).
    suite: zhisu_ledger::Suite,
    /// A full sweep's pages, read past sqlx (`sqlite_sweep.rs`).
    direct: Arc<crate::sqlite_sweep::DirectReader>,
}

/// How a write transaction starts on SQLite: `IMMEDIATE` takes the write
/// lock first, so a writer that finds another one (a checkpoint emptying
/// the WAL, a backup, a second process) waits in SQLite's busy handler for
/// up to [`WRITE_WAIT`]. A deferred `BEGIN` read first and then failed at
/// once with "database is locked" when it came to write, for SQLite calls no
/// busy handler for a transaction that already reads (issue 16.2).
const BEGIN_WRITE: &str = "begin immediate";

/// SQLite has one writer at a time ([`BEGIN_WRITE`]); a read inside a write
/// needs no row lock.
const LOCK_ROW: &str = "";

/// SQLite's writers are one at a time already (`begin immediate`).
const LOCK_FINDINGS: &str = "select 1";

/// How long a write waits for the database's write lock, and (again) for
/// the writer connection, before it answers 503 busy (`write_wait_ms`).
pub const WRITE_WAIT: Duration = Duration::from_secs(10);

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Past this many frames (16 MiB of 4 KiB pages) the WAL is emptied and
/// truncated rather than only copied back.
pub const WAL_LIMIT_FRAMES: i64 = 4096;

/// How long an emptying checkpoint waits for readers and the writer
/// before giving up until the next one.
const WAL_RESET_WAIT_MS: u32 = 200;

/// WAL checkpoints off the writer's path: the writer never checkpoints
/// (`wal_autocheckpoint = 0`; copying a large transaction's pages back
/// into the file took longer than its commit), a connection of its own
/// does, every [`CHECKPOINT_EVERY`] (`PASSIVE`: it waits for nobody and
/// nobody waits for it). A passive checkpoint never empties the WAL while
/// writes keep coming (SQLite starts the log over only when a write begins
/// with every frame copied back, and under steady load a new commit always
/// lands first), so the log would grow for as long as the load lasts: past
/// [`WAL_LIMIT_FRAMES`] the checkpoint is `TRUNCATE`, which starts the log
/// over from zero bytes. It runs on the writer's own connection, taken in
/// turn with the writes (the pool queues those who wait for it fairly):
/// from a connection of its own it had to catch the write lock between two
/// commits, and under writes that never pause it missed it for as long as
/// the load lasted. There it waits at most [`WAL_RESET_WAIT_MS`] for
/// readers still in the log, so a long read delays the next write by no
/// more than that. Stops when the last copy of the store is dropped.
struct Checkpoints(tokio::task::AbortHandle);

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Checkpoints {
    fn start(pool: SqlitePool, writer: SqlitePool) -> Self {
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(CHECKPOINT_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                // (busy, frames in the log, frames copied back)
                let passive: Result<(i64, i64, i64), _> =
                    sqlx::query_as("pragma wal_checkpoint(PASSIVE)")
                        .fetch_one(&pool)
                        .await;
                match passive {
                    Ok((_, frames, _)) if frames > WAL_LIMIT_FRAMES => {
                        if let Err(e) = empty_wal(&writer).await {
                            tracing::warn!(error = %e, frames, "emptying the WAL failed; trying again");
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; trying again"),
                }
            }
        });
        Checkpoints(task.abort_handle())
    }
}

/// `TRUNCATE` on the writer's connection, waiting for readers no longer
/// than [`WAL_RESET_WAIT_MS`]; the writer's own wait is put back after.
async fn empty_wal(writer: &SqlitePool) -> Result<(), sqlx::Error> {
    let mut conn = writer.acquire().await?;
    let (usual,): (i64,) = sqlx::query_as("pragma busy_timeout")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(&format!("pragma busy_timeout = {WAL_RESET_WAIT_MS}"))
        .execute(&mut *conn)
        .await?;
    let reset = sqlx::query_as::<_, (i64, i64, i64)>("pragma wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await;
    sqlx::query(&format!("pragma busy_timeout = {usual}"))
        .execute(&mut *conn)
        .await?;
    reset.map(|_| ())
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and migrates it.
    pub async fn open(path: &std::path::Path) -> Result<Self, sqlx::Error> {
        Self::connect(&format!("sqlite://{}", path.display())).await
    }

    /// Opens a `sqlite://` URL and migrates it.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_waiting(url, WRITE_WAIT).await
    }

    /// As [`SqliteStore::connect`], with how long a write waits for the
    /// write lock and for the writer connection before it is busy (503).
    pub async fn connect_waiting(url: &str, write_wait: Duration) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(write_wait)
            // Statement journals and sorts in memory; a 64 MiB page cache;
            // the file memory-mapped (up to 16 GiB), so the random reads of
            // proofs and scans are memory reads, not a system call a page.
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536")
            .pragma("mmap_size", "17179869184")
            .pragma("wal_autocheckpoint", "0");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(write_wait)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let checkpointer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let direct = Arc::new(crate::sqlite_sweep::DirectReader::of(
            options.get_filename(),
        ));
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await?;
        let checkpoints = Checkpoints::start(checkpointer, writer.clone());
        Ok(SqliteStore {
            reader,
            writer,
            _checkpoints: Arc::new(checkpoints),
            suite: Default::default(),
            direct,
        })
    }

    /// Hashes the ledger's leaves with `suite` (the deployment's, chosen
    /// when it was created: issue 16.17).
    pub fn with_suite(mut self, suite: zhisu_ledger::Suite) -> Self {
        self.suite = suite;
        self
    }

    /// A consistent copy of the whole database at `path` (SQLite's
    /// `VACUUM INTO`), taken while the platform keeps serving.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<(), sqlx::Error> {
        sqlx::query("vacuum into $1")
            .bind(path.to_string_lossy().into_owned())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// One table for the scan log: no month to prepare (issue 20.4).
    async fn engine_scan_months(
        &self,
        _scans: &[zhisu_store::NewScan],
    ) -> zhisu_store::StoreResult<()> {
        Ok(())
    }

    /// Retention deletes the old months' rows (one table: issue 20.4).
    async fn engine_drop_scan_months_before(
        &self,
        month: &str,
    ) -> zhisu_store::StoreResult<Vec<String>> {
        crate::scan_months::delete_before(&self.writer, month)
            .await
            .map_err(crate::map_err)
    }

    /// No change feed: one server a SQLite file, and its own writes are
    /// all there are (issue 20.1).
    async fn engine_change_feed(
        &self,
    ) -> zhisu_store::StoreResult<Option<Box<dyn zhisu_store::ChangeFeed>>> {
        Ok(None)
    }

    /// No lock beyond the server's own: it serves the file alone.
    async fn engine_lock(
        &self,
        _name: &str,
        _wait: bool,
    ) -> zhisu_store::StoreResult<Option<Box<dyn zhisu_store::ClusterLock>>> {
        Ok(Some(Box::new(zhisu_store::NoClusterLock)))
    }

    /// The full sweep's in-place reader (`sqlite_sweep.rs`), after the WAL
    /// is emptied: a reader looks up every page it reads in the log's
    /// index, which costs more the longer the log, and a sweep begun while
    /// a day's first look at the files (hundreds of thousands of writes)
    /// was still in the log read a quarter slower. Best effort: a log that
    /// cannot be emptied now only makes the read slower.
    async fn direct_sweep_pages(&self) -> Option<Arc<dyn zhisu_store::SweepPages>> {
        if let Err(e) = empty_wal(&self.writer).await {
            tracing::info!(error = %e, "the WAL was not emptied before a full sweep");
        }
        Some(self.direct.clone())
    }

    /// A full sweep's page, read past sqlx (`sqlite_sweep.rs`).
    async fn direct_sweep_page(
        &self,
        after: i64,
        limit: i64,
    ) -> zhisu_store::StoreResult<Option<zhisu_store::RawPage>> {
        let direct = self.direct.clone();
        tokio::task::spawn_blocking(move || direct.page(after, limit))
            .await
            .map_err(|e| zhisu_store::StoreError::Internal(format!("sweep page: {e}")))?
            .map(Some)
    }

    /// Shuts the pools down, flushing the WAL if no other process is
    /// writing: a command run beside a running server (`ledger verify`)
    /// does not wait out the server's transaction for it, and what it
    /// leaves in the log the server's own checkpoints take.
    pub async fn close(&self) {
        self._checkpoints.0.abort();
        if let Err(e) = empty_wal(&self.writer).await {
            tracing::warn!(error = %e, "final WAL checkpoint failed");
        }
        self.reader.close().await;
        self.writer.close().await;
    }
}

// Writes commit with synchronous=NORMAL (WAL: no fsync per commit); a
// checkpoint's commit runs with synchronous=FULL, which syncs the WAL and
// so every write before it.
impl_sql_store!(
    SqliteStore,
    sqlx::Sqlite,
    "sqlite",
    "select 1",
    "pragma synchronous = FULL",
    "pragma synchronous = NORMAL",
    "group_concat"
);
