//! A full sweep's pages on SQLite, read through SQLite's own C API
//! (rusqlite, over the same bundled SQLite as sqlx) on read-only
//! connections of their own, in blocking threads, several at once.
//!
//! Why not sqlx: its SQLite driver runs each statement on a worker thread
//! and hands every row over a channel, which cost more than reading the
//! row; the way around it, one `group_concat` string per page, made SQLite
//! copy each body two more times while it grew the string and then
//! cut it apart again (2.5 s of a sweep of 1,000,000 records against the
//! `sqlite3` shell's 0.2 s for the same bodies: issue 17's target is 5×).
//! Here each row's columns are handed over where SQLite keeps them
//! ([`SweepPages`]: the sweep parses a body in place, no copy), and pages
//! are numbered spans of rowids, so each thread reads and parses its own.
//! The platform's database is always a file (`--data DIR`); one in memory
//! has none to open a second connection on, and its sweep fails saying so.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, Row};
use zhisu_domain::RecordKind;
use zhisu_store::{RawPage, RecordRef, StoreError, StoreResult, SweepPages};

/// The current version of each swept record in a range of version rowids,
/// in storage order (one read of `record_versions`, each record found by
/// its rowid). `+r.kind`: a condition on the kind let SQLite walk its kind
/// index and look every row up from there.
const PAGE: &str = "select v.rowid, r.id, r.kind, r.version, r.region_code, r.created_at, \
     r.updated_at, v.body from record_versions v \
     left join records r on r.id = v.record_id and r.version = v.version \
     and +r.kind in ('enterprise', 'product', 'batch', 'flow', 'register') \
     where v.rowid > ?1 and v.rowid <= ?1 + ?2";

/// The sweep's connections to the database file, opened on first use, one
/// per thread reading at once (read-only: WAL readers do not wait for each
/// other or for the writer).
pub(crate) struct DirectReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

fn failed(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(format!("sweep page: {e}"))
}

/// Column `i` of `row` as text, where SQLite keeps it.
fn text<'r>(row: &'r Row<'_>, i: usize) -> StoreResult<&'r str> {
    row.get_ref(i).and_then(|v| Ok(v.as_str()?)).map_err(failed)
}

impl DirectReader {
    /// A reader of the database file at `path`.
    pub(crate) fn of(path: &Path) -> DirectReader {
        DirectReader {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        if !self.path.is_file() {
            return Err(rusqlite::Error::InvalidPath(self.path.clone()));
        }
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // As the store's own connections (sqlite.rs): the file mapped, so
        // a page is memory reads, not a system call per database page.
        connection.execute_batch(
            "pragma mmap_size = 17179869184; pragma cache_size = -65536; \
             pragma busy_timeout = 5000;",
        )?;
        Ok(connection)
    }

    /// Runs `read` on an idle connection (or a new one), then keeps it.
    fn with_connection<T>(
        &self,
        read: impl FnOnce(&Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let idle = self.idle.lock().map(|mut idle| idle.pop());
        let idle =
            idle.map_err(|_| StoreError::Internal("sweep page: a reader panicked".into()))?;
        let connection = match idle {
            Some(c) => c,
            None => self.open().map_err(failed)?,
        };
        let result = read(&connection);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(connection);
        }
        result
    }

    /// Hands `visit` the current records of a swept kind among the versions
    /// with rowids in `(after, after + limit]`; the highest rowid seen, if
    /// any. Blocking.
    fn visit_range(
        connection: &Connection,
        after: i64,
        limit: i64,
        visit: &mut dyn FnMut(RecordRef<'_>),
    ) -> StoreResult<Option<i64>> {
        let mut statement = connection.prepare_cached(PAGE).map_err(failed)?;
        let mut rows = statement.query((after, limit)).map_err(failed)?;
        let mut last = None;
        while let Some(row) = rows.next().map_err(failed)? {
            last = Some(row.get::<_, i64>(0).map_err(failed)?);
            let Some(id) = row.get::<_, Option<i64>>(1).map_err(failed)? else {
                continue; // an earlier version, or a kind the rules do not read
            };
            let kind = text(row, 2)?;
            let kind = RecordKind::parse(kind)
                .ok_or_else(|| StoreError::Internal(format!("sweep page: kind {kind}")))?;
            visit(RecordRef {
                id,
                kind,
                version: row.get(3).map_err(failed)?,
                region_code: text(row, 4)?,
                created_at: text(row, 5)?,
                updated_at: text(row, 6)?,
                body: text(row, 7)?,
            });
        }
        Ok(last)
    }

    /// Records of the versions with rowids in `(after, after + limit]`
    /// that are current and of a swept kind, by ID; blocking.
    pub(crate) fn page(&self, after: i64, limit: i64) -> StoreResult<RawPage> {
        self.with_connection(|connection| {
            let mut records = Vec::new();
            let mut last = Self::visit_range(connection, after, limit, &mut |r| {
                records.push(r.to_owned())
            })?;
            if last.is_none() {
                // An empty range (rowids purged): on to the next rowid, if any.
                last = connection
                    .query_row(
                        "select min(rowid) - 1 from record_versions where rowid > ?1",
                        [after],
                        |row| row.get::<_, Option<i64>>(0),
                    )
                    .map_err(failed)?;
            }
            records.sort_by_key(|r| r.id);
            Ok(RawPage { records, last })
        })
    }
}

impl SweepPages for DirectReader {
    fn pages(&self, limit: i64) -> StoreResult<i64> {
        self.with_connection(|connection| {
            let last: Option<i64> = connection
                .query_row("select max(rowid) from record_versions", [], |row| {
                    row.get(0)
                })
                .map_err(failed)?;
            // Page n holds rowids (n·limit, (n + 1)·limit]; rowids start at 1.
            Ok(match last {
                Some(last) if last > 0 => (last - 1) / limit.max(1) + 1,
                _ => 0,
            })
        })
    }

    fn visit(
        &self,
        page: i64,
        limit: i64,
        visit: &mut dyn FnMut(RecordRef<'_>),
    ) -> StoreResult<()> {
        self.with_connection(|connection| {
            Self::visit_range(connection, page * limit, limit, visit).map(|_| ())
        })
    }
}
