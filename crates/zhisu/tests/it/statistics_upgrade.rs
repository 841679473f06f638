//! An upgraded deployment's statistics (issue 18, migrations 0028, 0030,
//! 0031–0039): a
//! SQLite file written by the migrations before statistics, with records,
//! alerts and scans in it, is opened by this version; the rollups then
//! count what was stored before — batches, feedback and codes issued on the
//! day they were filed, alerts and folded scans on their days, each code's
//! days with the day before and the gap to it, sales on their days with their buyers,
//! feedback answered with the hours it waited — and
//! leave scans not yet folded to the fold.

use std::str::FromStr;

use chrono::NaiveDate;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use zhisu_domain::auth::ListScope;
use zhisu_domain::statistics::rollup::Measure;
use zhisu_store::StatFilter;

use crate::support::EngineKind;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A database made by the migrations before `version` (`"0028"`: those
/// before statistics), on either engine: its URL.
pub(crate) async fn database_before(
    engine: EngineKind,
    dir: &std::path::Path,
    version: &str,
) -> String {
    let folder = match engine {
        EngineKind::Sqlite => "sqlite",
        EngineKind::Postgres => "postgres",
    };
    let older = dir.join(format!("older-{folder}"));
    std::fs::create_dir(&older).unwrap();
    let all = format!(
        "{}/../zhisu-store-sql/migrations/{folder}",
        env!("CARGO_MANIFEST_DIR")
    );
    for entry in std::fs::read_dir(all).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name.as_str() < version {
            std::fs::copy(entry.path(), older.join(&name)).unwrap();
        }
    }
    let migrator = sqlx::migrate::Migrator::new(older.as_path()).await.unwrap();
    match engine {
        EngineKind::Sqlite => {
            let url = format!("sqlite://{}", dir.join("zhisu.db").display());
            let mut c = SqliteConnectOptions::from_str(&url)
                .unwrap()
                .create_if_missing(true)
                .connect()
                .await
                .unwrap();
            migrator.run(&mut c).await.unwrap();
            url
        }
        EngineKind::Postgres => {
            let base = crate::support::postgres_base_url().expect("a PostgreSQL server");
            let url = crate::support::fresh_postgres_database(&base).await;
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            migrator.run(&mut c).await.unwrap();
            url
        }
    }
}

/// Runs statements on the database behind the platform's back.
pub(crate) async fn execute(engine: EngineKind, url: &str, statements: &[String]) {
    match engine {
        EngineKind::Sqlite => {
            let mut c = SqliteConnectOptions::from_str(url)
                .unwrap()
                .connect()
                .await
                .unwrap();
            for sql in statements {
                sqlx::query(sql).execute(&mut c).await.unwrap();
            }
        }
        EngineKind::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            for sql in statements {
                sqlx::query(sql).execute(&mut c).await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn an_upgrade_counts_what_was_stored_before() {
    let mut engines = vec![EngineKind::Sqlite];
    if crate::support::postgres_base_url().is_some() {
        engines.push(EngineKind::Postgres);
    }
    for engine in engines {
        upgrade(engine).await;
    }
}

async fn upgrade(engine: EngineKind) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_before(engine, dir.path(), "0028").await;
    let filed = "2026-10-01T02:00:00.000000Z";
    let statements = [
        format!("insert into records (id, kind, enterprise_id, name, region_code, tag, version, created_at, updated_at, updated_by) values \
            (1, 'enterprise', 1, 'E', '440305', 'manufacturer', 1, '{filed}', '{filed}', 'old'), \
            (2, 'product', 1, 'P', '440305', 'gas-appliance', 1, '{filed}', '{filed}', 'old')"),
        format!("insert into records (id, kind, enterprise_id, parent_id, name, region_code, tag, version, created_at, updated_at, updated_by) values \
            (3, 'batch', 1, 2, 'B', '440305', 'active', 1, '{filed}', '{filed}', 'old'), \
            (4, 'feedback', 1, 2, 'F', '440305', 'open', 1, '{filed}', '{filed}', 'old')"),
        format!("insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) values \
            (2, 1, 'product', '{{\"code_scheme\":\"gs1\",\"trace_level\":\"per-item\"}}', '{filed}', 'old', 0), \
            (3, 1, 'batch', '{{\"quantity\":40,\"status\":\"active\"}}', '{filed}', 'old', 1)"),
        // A case open, and one closed three days after it was opened
        // (migration 0033).
        format!("insert into records (id, kind, enterprise_id, name, region_code, tag, version, created_at, updated_at, updated_by) values \
            (11, 'case', 1, 'C1', '440305', 'notified', 1, '{filed}', '{filed}', 'old'), \
            (12, 'case', 1, 'C2', '440305', 'closed', 3, '{filed}', '2026-10-04T03:00:00.000000Z', 'old')"),
        // The open case missed its deadline once, at 17:30 UTC on 10-16 (the
        // 17th in Beijing), and is serious now (migration 0038).
        format!("insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) values \
            (11, 1, 'case', '{{\"class\":\"serious\",\"escalations\":1,\"steps\":[{{\"action\":\"open\",\"by\":\"user:1\",\"at\":\"{filed}\"}},\
            {{\"action\":\"escalate\",\"by\":\"system\",\"at\":\"2026-10-16T17:30:00.000000Z\"}}]}}', '{filed}', 'old', 3)"),
        // Feedback answered 30½ hours after it was sent (migration 0032).
        format!("insert into records (id, kind, enterprise_id, parent_id, name, region_code, tag, version, created_at, updated_at, updated_by) values \
            (10, 'feedback', 1, 2, 'F2', '440305', 'answered', 1, '{filed}', '{filed}', 'old')"),
        format!("insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) values \
            (10, 1, 'feedback', '{{\"status\":\"answered\",\"answered_at\":\"2026-10-02T08:30:00.000000Z\"}}', '{filed}', 'old', 2)"),
        // A: twice on 11-01 (Beijing), once on 11-03; B on 11-03 (16:30 UTC
        // on 11-02); C after the fold's mark.
        "insert into scans (id, code, product_id, batch_id, at, client) values \
            (1, 'A', 2, 3, '2026-11-01T02:00:00.000000Z', 'api'), \
            (2, 'A', 2, 3, '2026-11-01T03:00:00.000000Z', 'api'), \
            (3, 'A', 2, 3, '2026-11-03T02:00:00.000000Z', 'api'), \
            (4, 'B', 2, 3, '2026-11-02T16:30:00.000000Z', 'api'), \
            (5, 'C', 2, 3, '2026-11-04T02:00:00.000000Z', 'api')".into(),
        // Sales recorded before (migration 0031): to a seller on the
        // platform on a date, to a buyer off it at 17:00 UTC (the next day
        // in Beijing); a purchase is not a sale.
        format!("insert into records (id, kind, enterprise_id, name, region_code, tag, version, created_at, updated_at, updated_by) values \
            (6, 'enterprise', 6, 'S', '440106', 'seller', 1, '{filed}', '{filed}', 'old'), \
            (7, 'flow', 1, 'S', '440305', 'sale', 1, '{filed}', '{filed}', 'old'), \
            (8, 'flow', 1, '门店', '440305', 'sale', 1, '{filed}', '{filed}', 'old'), \
            (9, 'flow', 6, 'E', '440106', 'purchase', 1, '{filed}', '{filed}', 'old')"),
        "insert into flow_lines (flow_id, kind, from_id, to_id, code, batch_id, quantity, at) values \
            (7, 'sale', 1, 6, 'A', 3, 1, '2026-11-02'), \
            (7, 'sale', 1, 6, 'B', 3, 1, '2026-11-02'), \
            (8, 'sale', 1, null, 'L', 3, 5, '2026-11-04T17:00:00Z'), \
            (9, 'purchase', 1, 6, 'A', 3, 1, '2026-11-02')".into(),
        "insert into scan_counts (code, count, first_at) values \
            ('A', 3, '2026-11-01T02:00:00.000000Z'), ('B', 1, '2026-11-02T16:30:00.000000Z')".into(),
        "update scan_fold set upto = 4".into(),
        // A finding open since 17:30 UTC on 10-16 (the 17th in Beijing),
        // one resolved (migration 0039 counts the open one only).
        "insert into verification_findings (rule, axis, severity, class, kind, record_id, version, enterprise_id, \
            region_code, field, evidence, status, opened_at, opened_sweep, last_sweep, resolved_at) values \
            ('ZV-C-001', 'completeness', 'warning', 'minor', 'product', 2, 1, 1, '440305', 'model', '', 'open', \
             '2026-10-16T17:30:00.000000Z', 1, 1, null), \
            ('ZV-C-002', 'completeness', 'warning', 'minor', 'product', 2, 1, 1, '440305', 'brand', '', 'resolved', \
             '2026-10-02T02:00:00.000000Z', 1, 1, '2026-10-03T02:00:00.000000Z')".into(),
        "insert into alerts (kind, code, product_id, batch_id, enterprise_id, region_code, at, detail) values \
            ('diversion', 'A', 2, 3, 1, '440305', '2026-11-03T02:00:00.000000Z', 'old'), \
            ('guessing', 'Z', null, null, 1, '440305', '2026-11-03T02:00:00.000000Z', 'old')".into(),
    ];
    execute(engine, &url, &statements).await;

    // This version opens it: migration 0028 runs.
    let store: std::sync::Arc<dyn zhisu_store::Store> = match engine {
        EngineKind::Sqlite => {
            std::sync::Arc::new(zhisu_store_sql::SqliteStore::connect(&url).await.unwrap())
        }
        EngineKind::Postgres => {
            std::sync::Arc::new(zhisu_store_sql::PgStore::connect(&url).await.unwrap())
        }
    };
    let mut rows = store
        .stat_rows(
            &StatFilter {
                places: ListScope::Regions(vec!["4403".into()]),
                category: Some("gas-appliance".into()),
            },
            &Measure::ALL,
            d("2026-01-01"),
            d("2026-12-31"),
        )
        .await
        .unwrap();
    rows.sort_by(|a, b| (a.measure, a.day, &a.detail).cmp(&(b.measure, b.day, &b.detail)));
    let got: Vec<(&str, String, &str, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.measure.as_str(),
                r.day.to_string(),
                r.detail.as_str(),
                r.value,
            )
        })
        .collect();
    let want = vec![
        ("scans", "2026-11-01".to_string(), "", 2),
        ("scans", "2026-11-03".to_string(), "", 2),
        ("code_days", "2026-11-01".to_string(), "", 1),
        ("code_days", "2026-11-03".to_string(), "", 1),
        ("code_days", "2026-11-03".to_string(), "2026-11-01", 1),
        // The same with the gap in days (migration 0035).
        ("code_gaps", "2026-11-01".to_string(), "", 1),
        ("code_gaps", "2026-11-03".to_string(), "", 1),
        ("code_gaps", "2026-11-03".to_string(), "2", 1),
        // Each code's first scan ever (migration 0030, from the code-days
        // that name no earlier day).
        ("first_scans", "2026-11-01".to_string(), "", 1),
        ("first_scans", "2026-11-03".to_string(), "", 1),
        ("alerts_diversion", "2026-11-03".to_string(), "", 1),
        ("batches", "2026-10-01".to_string(), "active", 1),
        ("codes_issued", "2026-10-01".to_string(), "per-item/gs1", 40),
        ("feedback", "2026-10-01".to_string(), "open", 1),
        ("feedback", "2026-10-01".to_string(), "answered", 1),
        ("feedback_answered", "2026-10-02".to_string(), "30", 1),
        // Products filed, on the day filed (migration 0036).
        ("products", "2026-10-01".to_string(), "filed", 1),
        // Feedback received before topics were kept: no topic (0037).
        ("feedback_topics", "2026-10-01".to_string(), "", 2),
        // Sales (migration 0031): the buyer's region and ID in the detail.
        // (Kept by the buyer's province since migration 0034; by buyer
        // per enterprise only.)
        ("sales", "2026-11-02".to_string(), "44", 2),
        ("sales", "2026-11-05".to_string(), "", 5),
    ];
    let mut want = want;
    want.sort_by_key(|(m, day, detail, _)| {
        (Measure::parse(m).unwrap(), day.clone(), detail.to_string())
    });
    assert_eq!(got, want, "{engine:?}");
    // Cases and findings belong to no product category.
    let mut cases = store
        .stat_rows(
            &StatFilter {
                places: ListScope::Regions(vec!["4403".into()]),
                category: None,
            },
            &[
                Measure::Cases,
                Measure::CasesClosed,
                Measure::CasesEscalated,
                Measure::Findings,
            ],
            d("2026-01-01"),
            d("2026-12-31"),
        )
        .await
        .unwrap();
    cases.sort_by(|a, b| (a.measure, a.day, &a.detail).cmp(&(b.measure, b.day, &b.detail)));
    let cases: Vec<(&str, String, &str, i64)> = cases
        .iter()
        .map(|r| {
            (
                r.measure.as_str(),
                r.day.to_string(),
                r.detail.as_str(),
                r.value,
            )
        })
        .collect();
    assert_eq!(
        cases,
        vec![
            ("cases", "2026-10-01".to_string(), "closed", 1),
            ("cases", "2026-10-01".to_string(), "notified", 1),
            ("cases_escalated", "2026-10-17".to_string(), "serious", 1),
            ("cases_closed", "2026-10-04".to_string(), "3", 1),
            (
                "findings",
                "2026-10-17".to_string(),
                "completeness/minor",
                1
            ),
        ],
        "{engine:?}"
    );
    // Each folded code's last day is kept for the folds to come.
    let last: Vec<(String, Option<String>)> = match engine {
        EngineKind::Sqlite => {
            let mut c = SqliteConnectOptions::from_str(&url)
                .unwrap()
                .connect()
                .await
                .unwrap();
            sqlx::query_as("select code, last_day from scan_counts order by code")
                .fetch_all(&mut c)
                .await
                .unwrap()
        }
        EngineKind::Postgres => {
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query_as("select code, last_day from scan_counts order by code")
                .fetch_all(&mut c)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        last,
        [
            ("A".to_string(), Some("2026-11-03".to_string())),
            ("B".to_string(), Some("2026-11-03".to_string()))
        ]
    );
}
