//! The scan log's months (issue 20.4). On PostgreSQL `scans` is
//! partitioned by the month of its `at` (migration 0049): each month's
//! partition is created before the first scan of that month is written,
//! and retention drops whole partitions. On SQLite, one table: retention
//! deletes the old months' rows.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Utc};
use sqlx::{PgPool, SqlitePool};

/// `YYYY-MM` of a moment, in UTC: the partition a scan at `at` lands in
/// (the log's `at` is RFC 3339 UTC text).
pub(crate) fn month_of(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", at.year(), at.month())
}

/// The month after `month` (`YYYY-MM`); None for anything else.
fn month_after(month: &str) -> Option<String> {
    let (year, m) = month.split_once('-')?;
    let (year, m): (i32, u32) = (year.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) || month.len() != 7 {
        return None;
    }
    Some(if m == 12 {
        format!("{:04}-01", year + 1)
    } else {
        format!("{year:04}-{:02}", m + 1)
    })
}

/// The partition holding `month`'s scans: `scans_2026_12`.
fn partition_of(month: &str) -> String {
    format!("scans_{}", month.replace('-', "_"))
}

/// The month a partition holds, from its name; None for a table not
/// named as [`partition_of`] names them.
fn month_of_partition(name: &str) -> Option<String> {
    let month = name.strip_prefix("scans_")?.replace('_', "-");
    month_after(&month).map(|_| month)
}

/// The months whose partitions this server knows exist, so a scan's write
/// asks the catalogue once a month, not once a batch.
#[derive(Clone, Default)]
pub(crate) struct KnownMonths(Arc<Mutex<HashSet<String>>>);

/// The advisory lock under which partitions are created and dropped, so
/// two servers never race on one (a `create table if not exists` of the
/// same name at once can still fail on the catalogue's unique index).
const MONTHS_LOCK: &str = "the scan log's months";

impl KnownMonths {
    /// Creates the partitions of `months` that do not exist yet.
    pub(crate) async fn ensure(
        &self,
        pool: &PgPool,
        months: impl IntoIterator<Item = String>,
    ) -> Result<(), sqlx::Error> {
        let missing: Vec<String> = {
            let known = self.0.lock().expect("lock");
            let mut missing: Vec<String> =
                months.into_iter().filter(|m| !known.contains(m)).collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        for month in missing {
            let Some(next) = month_after(&month) else {
                continue; // not a month: the insert names the row
            };
            let table = partition_of(&month);
            // Asked first: creating one takes a lock on all of `scans`,
            // which a month that exists need not wait for.
            let exists: bool = sqlx::query_scalar("select to_regclass($1) is not null")
                .bind(&table)
                .fetch_one(pool)
                .await?;
            if !exists {
                let mut tx = pool.begin().await?;
                sqlx::query("select pg_advisory_xact_lock($1)")
                    .bind(zhisu_store::lock_key(MONTHS_LOCK))
                    .execute(&mut *tx)
                    .await?;
                // Names and bounds are made here from digits, never from input.
                sqlx::query(&format!(
                    "create table if not exists {table} partition of scans \
                     for values from ('{month}') to ('{next}')"
                ))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(month, "the scan log's partition for a new month");
            }
            self.0.lock().expect("lock").insert(month);
        }
        Ok(())
    }

    /// Drops the partitions of months before `month`; the months dropped.
    pub(crate) async fn drop_before(
        &self,
        pool: &PgPool,
        month: &str,
    ) -> Result<Vec<String>, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(zhisu_store::lock_key(MONTHS_LOCK))
            .execute(&mut *tx)
            .await?;
        let partitions: Vec<String> = sqlx::query_scalar(
            "select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid \
             where i.inhparent = 'scans'::regclass",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut old: Vec<String> = partitions
            .iter()
            .filter_map(|p| month_of_partition(p))
            .filter(|m| m.as_str() < month)
            .collect();
        old.sort_unstable();
        for m in &old {
            sqlx::query(&format!("drop table {}", partition_of(m)))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let mut known = self.0.lock().expect("lock");
        for m in &old {
            known.remove(m);
        }
        Ok(old)
    }
}

/// SQLite: deletes the rows of months before `month`; the months deleted.
pub(crate) async fn delete_before(
    pool: &SqlitePool,
    month: &str,
) -> Result<Vec<String>, sqlx::Error> {
    // SQLite's one writer, taken at once (as every write here takes it).
    let mut tx = pool.begin_with("begin immediate").await?;
    let months: Vec<String> =
        sqlx::query_scalar("select distinct substr(at, 1, 7) from scans where at < $1 order by 1")
            .bind(month)
            .fetch_all(&mut *tx)
            .await?;
    sqlx::query("delete from scans where at < $1")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(months)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn months_and_their_partitions() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(month_of(at), "2026-12");
        assert_eq!(month_after("2026-12").as_deref(), Some("2027-01"));
        assert_eq!(month_after("2026-09").as_deref(), Some("2026-10"));
        assert_eq!(month_after("2026-13"), None);
        assert_eq!(month_after("2026-1"), None);
        assert_eq!(month_after("x"), None);
        assert_eq!(partition_of("2026-12"), "scans_2026_12");
        assert_eq!(
            month_of_partition("scans_2026_12").as_deref(),
            Some("2026-12")
        );
        assert_eq!(month_of_partition("scans_before_partitions"), None);
        assert_eq!(month_of_partition("scan_counts"), None);
    }
}
