//! The scale engine: PostgreSQL 15 or later (or a compatible distributed SQL).

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

/// PostgreSQL store. Reads and writes share one pool; ledger appends are
/// serialised by a transaction-scoped advisory lock.
#[derive(Clone)]
pub struct PgStore {
    reader: PgPool,
    writer: PgPool,
    /// The connections that hold cluster locks (issue 20.1), a pool of
    /// their own: a request holding a lock also writes, and were its lock
    /// taken from `writer`, sixteen such requests at once would hold every
    /// connection and wait for a seventeenth.
    locks: PgPool,
    /// What the ledger's leaves are hashed with (issue 16.17).
    suite: zhisu_ledger::Suite,
    /// The scan log's monthly partitions known to exist (issue 20.4).
    months: crate::scan_months::KnownMonths,
}

impl PgStore {
    /// Connects to a `postgres://` URL and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_waiting(url, Duration::from_secs(10)).await
    }

    /// As [`PgStore::connect`], with how long a request waits for a
    /// connection before it is busy (503).
    pub async fn connect_waiting(url: &str, write_wait: Duration) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(write_wait)
            .connect(url)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let locks = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(write_wait)
            .connect_lazy(url)?;
        // This month's and next month's partitions of the scan log, before
        // any scan is written (each scan's write makes sure of its own).
        let months = crate::scan_months::KnownMonths::default();
        let now = chrono::Utc::now();
        months
            .ensure(
                &pool,
                [now, now + chrono::Duration::days(31)].map(crate::scan_months::month_of),
            )
            .await?;
        Ok(PgStore {
            reader: pool.clone(),
            writer: pool,
            locks,
            suite: Default::default(),
            months,
        })
    }

    /// Hashes the ledger's leaves with `suite` (the deployment's, chosen
    /// when it was created: issue 16.17).
    pub fn with_suite(mut self, suite: zhisu_ledger::Suite) -> Self {
        self.suite = suite;
        self
    }

    pub async fn close(&self) {
        self.locks.close().await;
        self.writer.close().await;
    }

    /// The partitions of the months `scans` fall in, made if missing
    /// (issue 20.4): a scan whose month has none could not be written.
    async fn engine_scan_months(
        &self,
        scans: &[zhisu_store::NewScan],
    ) -> zhisu_store::StoreResult<()> {
        self.months
            .ensure(
                &self.writer,
                scans.iter().map(|s| crate::scan_months::month_of(s.at)),
            )
            .await
            .map_err(crate::map_err)
    }

    /// Retention drops whole monthly partitions (issue 20.4).
    async fn engine_drop_scan_months_before(
        &self,
        month: &str,
    ) -> zhisu_store::StoreResult<Vec<String>> {
        self.months
            .drop_before(&self.writer, month)
            .await
            .map_err(crate::map_err)
    }

    /// Listens on `zhisu_changes`, which the records' trigger tells of
    /// every record written (migration 0047), on a connection of its own.
    async fn engine_change_feed(
        &self,
    ) -> zhisu_store::StoreResult<Option<Box<dyn zhisu_store::ChangeFeed>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.writer)
            .await
            .map_err(crate::map_err)?;
        listener
            .listen("zhisu_changes")
            .await
            .map_err(crate::map_err)?;
        Ok(Some(Box::new(PgChangeFeed(listener))))
    }

    /// A session advisory lock on a pooled connection kept for it (issue
    /// 20.1): taken at once or not (`wait` false), or waited for.
    async fn engine_lock(
        &self,
        name: &str,
        wait: bool,
    ) -> zhisu_store::StoreResult<Option<Box<dyn zhisu_store::ClusterLock>>> {
        let key = zhisu_store::lock_key(name);
        let mut conn = self.locks.acquire().await.map_err(crate::map_err)?;
        // Dropped without release (a panic): closed, not handed back to the
        // pool still holding the lock; closing ends the session and the lock.
        conn.close_on_drop();
        let held = if wait {
            sqlx::query("select pg_advisory_lock($1)")
                .bind(key)
                .execute(&mut *conn)
                .await
                .map_err(crate::map_err)?;
            true
        } else {
            sqlx::query_scalar("select pg_try_advisory_lock($1)")
                .bind(key)
                .fetch_one(&mut *conn)
                .await
                .map_err(crate::map_err)?
        };
        if !held {
            return Ok(None);
        }
        Ok(Some(Box::new(PgClusterLock { conn, key })))
    }

    /// PostgreSQL has no reader of pages in place.
    async fn direct_sweep_pages(&self) -> Option<std::sync::Arc<dyn zhisu_store::SweepPages>> {
        None
    }

    /// PostgreSQL's pages are read through sqlx (`sql_sweeps.rs`), which
    /// hands its rows over without a thread between.
    async fn direct_sweep_page(
        &self,
        _after: i64,
        _limit: i64,
    ) -> zhisu_store::StoreResult<Option<zhisu_store::RawPage>> {
        Ok(None)
    }
}

/// How a write transaction starts: PostgreSQL's row and advisory locks
/// order the writers.
const BEGIN_WRITE: &str = "begin";

/// What a read that is about to be written back appends: the row stays
/// locked until the transaction ends.
const LOCK_ROW: &str = " for update";

/// Taken by every write that opens, moves or resolves findings, held to
/// the end of its transaction: each counts the open findings before and
/// after (issue 18.1), which under read committed would also count what
/// another such write committed in between.
const LOCK_FINDINGS: &str = "select pg_advisory_xact_lock(72622025)";

// The lock key is arbitrary but fixed: "zhisu ledger".
impl_sql_store!(
    PgStore,
    sqlx::Postgres,
    "postgres",
    "select pg_advisory_xact_lock(72622024)",
    // Every commit is durable (synchronous_commit = on); concurrent commits
    // share one WAL flush (PostgreSQL's own group commit).
    "select 1",
    "select 1",
    "string_agg"
);

/// The change feed on PostgreSQL: LISTEN on its own connection, taken up
/// again by sqlx when it breaks.
struct PgChangeFeed(sqlx::postgres::PgListener);

#[async_trait::async_trait]
impl zhisu_store::ChangeFeed for PgChangeFeed {
    async fn next(&mut self) -> zhisu_store::StoreResult<zhisu_store::Change> {
        // `try_recv` says None when the connection was lost (and reconnects
        // on the next call): what was notified meanwhile is gone.
        match self.0.try_recv().await.map_err(crate::map_err)? {
            Some(notification) => Ok(zhisu_store::parse_change(notification.payload())),
            None => Ok(zhisu_store::Change::Lost),
        }
    }
}

/// A held advisory lock and the session that holds it.
struct PgClusterLock {
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
    key: i64,
}

#[async_trait::async_trait]
impl zhisu_store::ClusterLock for PgClusterLock {
    async fn release(self: Box<Self>) {
        let PgClusterLock { mut conn, key } = *self;
        let freed: Result<bool, _> = sqlx::query_scalar("select pg_advisory_unlock($1)")
            .bind(key)
            .fetch_one(&mut *conn)
            .await;
        match freed {
            // Freed: the connection goes back to the pool for others.
            Ok(true) => conn.return_to_pool().await,
            // Not freed (the session broke): closing it frees the lock.
            _ => {
                let _ = conn.close().await;
            }
        }
    }

    async fn still_held(&mut self) -> bool {
        // A session lock lasts as long as its session: a connection that
        // still answers still holds it (it is never unlocked but by release).
        sqlx::query("select 1")
            .execute(&mut *self.conn)
            .await
            .is_ok()
    }
}
