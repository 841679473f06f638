//! A full sweep's pages on SQLite, read through SQLite's own C API
//! (rusqlite, over the same bundled SQLite as sqlx) on a read-only
//! connection of their own, in a blocking thread.
//!
//! Why not sqlx: its SQLite driver runs each statement on a worker thread
//! and hands every row over a channel, which cost more than reading the
//! row; the way around it, one `group_concat` string per page, made SQLite
//! copy each body two more times while it grew the string and then
//! cut it apart again (2.5 s of a sweep of 1,000,000 records against the
//! `sqlite3` shell's 0.2 s for the same bodies: issue 17's target is 5×).
//! Here each row's columns are read where SQLite keeps them and copied
//! once, into the record. The platform's database is always a file
//! (`--data DIR`); one in memory has none to open a second connection on,
//! and its sweep fails saying so.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};
use zhisu_domain::RecordKind;
use zhisu_store::{RawPage, RawRecord, StoreError, StoreResult};

/// The current version of each swept record in a range of version rowids,
/// in storage order (one read of `record_versions`, each record found by
/// its rowid). `+r.kind`: a condition on the kind let SQLite walk its kind
/// index and look every row up from there.
const PAGE: &str = "select v.rowid, r.id, r.kind, r.version, r.region_code, r.created_at, \
     r.updated_at, v.body from record_versions v \
     left join records r on r.id = v.record_id and r.version = v.version \
     and +r.kind in ('enterprise', 'product', 'batch', 'flow', 'register') \
     where v.rowid > ?1 and v.rowid <= ?1 + ?2";

/// The sweep's connection to the database file, opened on first use.
pub(crate) struct DirectReader {
    path: PathBuf,
    connection: Mutex<Option<Connection>>,
}

fn failed(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(format!("sweep page: {e}"))
}

impl DirectReader {
    /// A reader of the database file at `path`.
    pub(crate) fn of(path: &Path) -> DirectReader {
        DirectReader {
            path: path.to_path_buf(),
            connection: Mutex::new(None),
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

    /// Records of the versions with rowids in `(after, after + limit]`
    /// that are current and of a swept kind, by ID; blocking.
    pub(crate) fn page(&self, after: i64, limit: i64) -> StoreResult<RawPage> {
        let mut slot = self
            .connection
            .lock()
            .map_err(|_| StoreError::Internal("sweep page: a reader panicked".into()))?;
        if slot.is_none() {
            *slot = Some(self.open().map_err(failed)?);
        }
        let connection = slot.as_ref().expect("opened above");
        let mut statement = connection.prepare_cached(PAGE).map_err(failed)?;
        let mut rows = statement.query((after, limit)).map_err(failed)?;
        let mut records = Vec::new();
        let mut last = None;
        while let Some(row) = rows.next().map_err(failed)? {
            last = Some(row.get::<_, i64>(0).map_err(failed)?);
            let Some(id) = row.get::<_, Option<i64>>(1).map_err(failed)? else {
                continue; // an earlier version, or a kind the rules do not read
            };
            let kind = row
                .get_ref(2)
                .and_then(|k| Ok(k.as_str()?))
                .map_err(failed)?;
            let kind = RecordKind::parse(kind)
                .ok_or_else(|| StoreError::Internal(format!("sweep page: kind {kind}")))?;
            records.push(RawRecord {
                id,
                kind,
                version: row.get(3).map_err(failed)?,
                region_code: row.get(4).map_err(failed)?,
                created_at: row.get(5).map_err(failed)?,
                updated_at: row.get(6).map_err(failed)?,
                body: row.get(7).map_err(failed)?,
            });
        }
        drop(rows);
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
    }
}
