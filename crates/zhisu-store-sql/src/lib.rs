//! The SQL engines: SQLite (the embedded default) and PostgreSQL (scale).
//!
//! Both run the same statements, written once in [`shared`] and the `sql_*` files as macros
//! that is expanded for each engine's concrete pool type; each engine has
//! its own `migrations/` folder. SQL is lowercase and runtime-bound with
//! `$n` placeholders, which both engines accept.

#[macro_use]
mod shared;
#[macro_use]
mod sql_events;
#[macro_use]
mod sql_ledger;
#[macro_use]
mod sql_records;
#[macro_use]
mod sql_scans;
#[macro_use]
mod sql_verification;
#[macro_use]
mod sql_sweeps;
#[macro_use]
mod sql_stats;
#[macro_use]
mod sql_imports;
#[macro_use]
mod sql_reports;
#[macro_use]
mod sql_reporting;
#[macro_use]
mod sql_cluster;
mod postgres;
mod scan_months;
mod sqlite;
mod sqlite_sweep;

pub use postgres::PgStore;
pub use sqlite::{SqliteStore, WAL_LIMIT_FRAMES};

use zhisu_store::StoreError;

/// Maps an engine error: unique violations are conflicts (409); a busy
/// database is [`StoreError::Busy`] (503 with `Retry-After`); all else is
/// internal (500, logged with its source, never shown).
pub(crate) fn map_err(error: sqlx::Error) -> StoreError {
    if is_busy(&error) {
        tracing::warn!(error = %error, "database busy");
        return StoreError::Busy(error.to_string());
    }
    if is_unreachable(&error) {
        tracing::warn!(error = %error, "database unreachable");
        return StoreError::Unavailable(error.to_string());
    }
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            // The constraint's name (PostgreSQL) or the message naming the
            // columns (SQLite) tells the service which uniqueness failed.
            StoreError::Conflict(
                db.constraint()
                    .map(str::to_string)
                    .unwrap_or_else(|| db.message().to_string()),
            )
        }
        sqlx::Error::RowNotFound => StoreError::NotFound,
        _ => {
            tracing::error!(error = %error, "store error");
            StoreError::Internal(error.to_string())
        }
    }
}

/// A database that is busy rather than broken: SQLite's `SQLITE_BUSY` (5)
/// and `SQLITE_LOCKED` (6) with their extended codes, PostgreSQL's lock
/// timeout (55P03), serialization failure (40001), deadlock (40P01) and
/// "starting up / shutting down" (57P03), and a pool whose connections all
/// stayed taken.
fn is_busy(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // Extended result codes keep the primary one in the low byte.
                code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
            } else {
                matches!(&*code, "55P03" | "40001" | "40P01" | "57P03")
            }
        }
        _ => false,
    }
}

/// A database that cannot be reached (issue 20.5): the connection broke
/// (PostgreSQL restarted or was stopped, the network failed), or the
/// server ended the session — PostgreSQL's connection exceptions (class
/// 08) and its shutdowns (57P01 by an administrator, 57P02 by a crash).
/// The pool opens new connections by itself once it answers again.
fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_none() && {
                let code = db.code().unwrap_or_default();
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02")
            }
        }
        _ => false,
    }
}

pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// A value bound to a dynamically built statement.
pub(crate) enum Bind {
    I64(i64),
    Text(String),
}

/// Escapes `%`, `_` and `\` for a `like ... escape '\'` pattern.
pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Adds `condition` (with `$?` standing for the next placeholder) and its value.
pub(crate) fn add_condition(
    conditions: &mut Vec<String>,
    binds: &mut Vec<Bind>,
    condition: &str,
    value: Bind,
) {
    binds.push(value);
    conditions.push(condition.replace("$?", &format!("${}", binds.len())));
}

/// Adds the condition that keeps records (aliased `alias`) in `scope`.
pub(crate) fn add_scope(
    conditions: &mut Vec<String>,
    binds: &mut Vec<Bind>,
    scope: &zhisu_domain::auth::ListScope,
    alias: &str,
) {
    use zhisu_domain::auth::ListScope;
    match scope {
        ListScope::All => {}
        ListScope::Enterprise(e) => add_condition(
            conditions,
            binds,
            &format!("{alias}.enterprise_id = $?"),
            Bind::I64(*e),
        ),
        ListScope::Regions(prefixes) if prefixes.is_empty() => {
            add_condition(conditions, binds, "1 = $?", Bind::I64(0))
        }
        ListScope::Regions(prefixes) => {
            let mut parts = Vec::new();
            for p in prefixes {
                binds.push(Bind::Text(format!("{}%", like_escape(p))));
                parts.push(format!(
                    "{alias}.region_code like ${} escape '\\'",
                    binds.len()
                ));
            }
            conditions.push(format!("({})", parts.join(" or ")));
        }
    }
}

/// Which record version a ledger leaf is for.
pub(crate) struct VersionKey {
    pub kind: zhisu_domain::RecordKind,
    pub record_id: i64,
    pub version: i64,
    pub enterprise_id: i64,
}

/// Splits rows into chunks of 256, 16 and 1: few statement shapes, so a
/// multi-row insert is prepared once per shape and then reused.
pub(crate) fn fixed_chunks<T>(rows: &[T]) -> Vec<&[T]> {
    chunks_of(rows, &[256, 16, 1])
}

/// Splits rows into chunks of the given sizes, largest first (the last
/// must be 1). Bulk writes take larger chunks: fewer statements, and each
/// page a statement changes is journalled once per statement.
pub(crate) fn chunks_of<'a, T>(rows: &'a [T], sizes: &[usize]) -> Vec<&'a [T]> {
    let mut out = Vec::new();
    let mut rest = rows;
    for &size in sizes {
        while rest.len() >= size {
            let (head, tail) = rest.split_at(size);
            out.push(head);
            rest = tail;
        }
    }
    out
}

#[cfg(test)]
mod chunk_tests {
    #[test]
    fn chunks_cover_every_row_in_few_shapes() {
        let rows: Vec<u32> = (0..530).collect();
        let chunks = super::fixed_chunks(&rows);
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [256, 256, 16, 1, 1]);
        assert_eq!(chunks.concat(), rows);
        assert!(super::fixed_chunks::<u32>(&[]).is_empty());
        let sizes: Vec<usize> = super::chunks_of(&rows, &[512, 8, 1])
            .iter()
            .map(|c| c.len())
            .collect();
        assert_eq!(sizes, [512, 8, 8, 1, 1]);
    }
}
