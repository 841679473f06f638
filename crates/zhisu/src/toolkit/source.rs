//! The enterprise's own database as the toolkit reads it (issue 19.4): a
//! SQLite file, a PostgreSQL or a MySQL/MariaDB server, named by URL; one
//! query, run read-only, its rows streamed as JSON objects keyed by the
//! query's column names (the template's keys, `SELECT model_no AS model`).
//!
//! Values come over as the cells a clerk would type: numbers and text as
//! they are, a date as `2026-12-07`, a time as Asia/Shanghai wall time, a
//! boolean as true/false, a PostgreSQL text array as a list. A type the
//! import has no use for (a BLOB, a NUMERIC in PostgreSQL) is refused
//! naming its column and how to cast it.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{Column, ConnectOptions, Row, TypeInfo, ValueRef};

/// A failure reading the source, in words for the operator.
#[derive(Debug)]
pub struct SourceError(pub String);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn db_error(what: &str, e: sqlx::Error) -> SourceError {
    SourceError(format!("{what}: {e}"))
}

/// One row of the query: its keys and cells.
pub type SourceRow = Map<String, Value>;

/// An open source database.
pub enum Source {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
    MySql(MySqlConnection),
}

/// The URL with its password replaced, fit to print or to keep.
pub fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl Source {
    /// Opens `url`: `sqlite:PATH` (the file opened read-only),
    /// `postgres://…` or `mysql://…`.
    pub async fn connect(url: &str) -> Result<Source, SourceError> {
        let shown = redacted(url);
        let refused = |e| {
            db_error(
                &format!("无法连接数据源 (cannot open the source {shown})"),
                e,
            )
        };
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(refused)?
                    .read_only(true);
                Ok(Source::Sqlite(options.connect().await.map_err(refused)?))
            }
            "postgres" | "postgresql" => {
                let options = PgConnectOptions::from_str(url).map_err(refused)?;
                Ok(Source::Postgres(options.connect().await.map_err(refused)?))
            }
            "mysql" | "mariadb" => {
                let url = url.replacen("mariadb:", "mysql:", 1);
                let options = MySqlConnectOptions::from_str(&url).map_err(refused)?;
                Ok(Source::MySql(options.connect().await.map_err(refused)?))
            }
            _ => Err(SourceError(format!(
                "数据源应以 sqlite:、postgres:// 或 mysql:// 开头 (the source must be a sqlite:, postgres:// or mysql:// URL, not {shown})"
            ))),
        }
    }

    /// Begins the read-only transaction the query runs in, so a query
    /// that would change the enterprise's data is refused by its own
    /// database (a SQLite file is opened read-only instead).
    pub async fn begin_read_only(&mut self) -> Result<(), SourceError> {
        let refused = |e| db_error("无法开始只读事务 (cannot begin a read-only transaction)", e);
        match self {
            Source::Sqlite(_) => Ok(()),
            Source::Postgres(c) => {
                sqlx::query("START TRANSACTION READ ONLY")
                    .execute(c)
                    .await
                    .map_err(refused)?;
                Ok(())
            }
            Source::MySql(c) => {
                sqlx::query("START TRANSACTION READ ONLY")
                    .execute(c)
                    .await
                    .map_err(refused)?;
                Ok(())
            }
        }
    }

    /// The query's rows in the order the database gives them.
    pub fn rows<'a>(&'a mut self, sql: &'a str) -> BoxStream<'a, Result<SourceRow, SourceError>> {
        let failed = |e| db_error("查询失败 (the query failed)", e);
        match self {
            Source::Sqlite(c) => sqlx::query(sql)
                .fetch(c)
                .map(move |r| r.map_err(failed).and_then(|r| sqlite_row(&r)))
                .boxed(),
            Source::Postgres(c) => sqlx::query(sql)
                .fetch(c)
                .map(move |r| r.map_err(failed).and_then(|r| pg_row(&r)))
                .boxed(),
            Source::MySql(c) => sqlx::query(sql)
                .fetch(c)
                .map(move |r| r.map_err(failed).and_then(|r| mysql_row(&r)))
                .boxed(),
        }
    }
}

/// Shanghai's offset: UTC+8, no daylight saving.
fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

fn instant(at: DateTime<Utc>) -> Value {
    json!(at
        .with_timezone(&shanghai())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string())
}

fn wall_time(at: NaiveDateTime) -> Value {
    json!(at.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn day(d: NaiveDate) -> Value {
    json!(d.format("%Y-%m-%d").to_string())
}

fn unreadable(column: &str, type_name: &str, cast: &str) -> SourceError {
    SourceError(format!(
        "列 {column} 的类型 {type_name} 无法导入：请在查询中转换，如 {cast} (column {column} is of type {type_name}, which the import does not read: cast it in the query, e.g. {cast})"
    ))
}

fn decode_error(column: &str, e: sqlx::Error) -> SourceError {
    SourceError(format!(
        "无法读取列 {column} (cannot read column {column}): {e}"
    ))
}

/// Reads every column of `row` with `cell`, which gives a column's value
/// by its index and the name of the value's type.
fn row_of<R: Row>(
    row: &R,
    cell: impl Fn(&R, usize, &str, &str) -> Result<Value, SourceError>,
) -> Result<SourceRow, SourceError>
where
    usize: sqlx::ColumnIndex<R>,
{
    let mut fields = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let name = column.name();
        let raw = row.try_get_raw(i).map_err(|e| decode_error(name, e))?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            let type_name = raw.type_info().name().to_string();
            drop(raw);
            cell(row, i, name, &type_name)?
        };
        fields.insert(name.to_string(), value);
    }
    Ok(fields)
}

/// A SQLite value by its storage class (a date is the text it was kept as).
fn sqlite_row(row: &SqliteRow) -> Result<SourceRow, SourceError> {
    row_of(row, |row, i, name, type_name| {
        let e = |e| decode_error(name, e);
        Ok(match type_name {
            "INTEGER" | "BOOLEAN" => json!(row.try_get::<i64, _>(i).map_err(e)?),
            "REAL" => json!(row.try_get::<f64, _>(i).map_err(e)?),
            "TEXT" | "DATE" | "DATETIME" | "TIME" => {
                json!(row.try_get::<String, _>(i).map_err(e)?)
            }
            other => return Err(unreadable(name, other, &format!("CAST({name} AS TEXT)"))),
        })
    })
}

fn pg_row(row: &PgRow) -> Result<SourceRow, SourceError> {
    row_of(row, |row, i, name, type_name| {
        let e = |e| decode_error(name, e);
        Ok(match type_name {
            "BOOL" => json!(row.try_get::<bool, _>(i).map_err(e)?),
            "INT2" => json!(row.try_get::<i16, _>(i).map_err(e)?),
            "INT4" => json!(row.try_get::<i32, _>(i).map_err(e)?),
            "INT8" => json!(row.try_get::<i64, _>(i).map_err(e)?),
            "FLOAT4" => json!(row.try_get::<f32, _>(i).map_err(e)?),
            "FLOAT8" => json!(row.try_get::<f64, _>(i).map_err(e)?),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" => {
                json!(row.try_get::<String, _>(i).map_err(e)?)
            }
            "TEXT[]" | "VARCHAR[]" => json!(row.try_get::<Vec<String>, _>(i).map_err(e)?),
            "DATE" => day(row.try_get::<NaiveDate, _>(i).map_err(e)?),
            "TIMESTAMP" => wall_time(row.try_get::<NaiveDateTime, _>(i).map_err(e)?),
            "TIMESTAMPTZ" => instant(row.try_get::<DateTime<Utc>, _>(i).map_err(e)?),
            other => return Err(unreadable(name, other, &format!("{name}::text"))),
        })
    })
}

fn mysql_row(row: &MySqlRow) -> Result<SourceRow, SourceError> {
    row_of(row, |row, i, name, type_name| {
        let e = |e| decode_error(name, e);
        Ok(match type_name {
            "BOOLEAN" => json!(row.try_get::<bool, _>(i).map_err(e)?),
            "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => {
                json!(row.try_get::<i64, _>(i).map_err(e)?)
            }
            "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
            | "BIGINT UNSIGNED" => json!(row.try_get::<u64, _>(i).map_err(e)?),
            "FLOAT" => json!(row.try_get::<f32, _>(i).map_err(e)?),
            "DOUBLE" => json!(row.try_get::<f64, _>(i).map_err(e)?),
            // MySQL sends a DECIMAL as its digits.
            "DECIMAL" => json!(row.try_get_unchecked::<String, _>(i).map_err(e)?),
            "VARCHAR" | "CHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" => {
                json!(row.try_get::<String, _>(i).map_err(e)?)
            }
            "DATE" => day(row.try_get::<NaiveDate, _>(i).map_err(e)?),
            "DATETIME" => wall_time(row.try_get::<NaiveDateTime, _>(i).map_err(e)?),
            // sqlx talks to the server in UTC: a TIMESTAMP comes as UTC.
            "TIMESTAMP" => instant(row.try_get::<DateTime<Utc>, _>(i).map_err(e)?),
            other => return Err(unreadable(name, other, &format!("CAST({name} AS CHAR)"))),
        })
    })
}
