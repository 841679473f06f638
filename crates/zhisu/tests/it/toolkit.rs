//! `zhisu toolkit push` as an enterprise's IT clerk runs it from cron
//! (issue 19.4): rows read by SQL from the enterprise's own SQLite,
//! PostgreSQL and MySQL (MariaDB) databases, pushed to a real platform on
//! loopback; a push killed part-way goes on from its state file without
//! sending a filed row again; run twice, it creates nothing the second
//! time; a platform down, a key refused, a query that would write, a
//! column of a type the import does not read each stop it saying why,
//! with nothing changed on either side.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{json, Value};
use sqlx::Connection;
use zhisu_domain::Role;

use crate::cli::zhisu;
use crate::support::{gas_stove_json, pdf, postgres_base_url, EngineKind, TestApp};

fn lines_of(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn push_command(
    source: &str,
    query: &str,
    kind: &str,
    to: &str,
    key: &str,
    state: &Path,
) -> std::process::Command {
    let mut c = zhisu();
    c.args(["toolkit", "push", "--source", source, "--query", query])
        .args(["--kind", kind, "--to", to, "--key", key, "--retries", "0"])
        .arg("--state")
        .arg(state);
    c
}

fn push(source: &str, query: &str, kind: &str, to: &str, key: &str, state: &Path) -> Output {
    push_command(source, query, kind, to, key, state)
        .output()
        .unwrap()
}

/// Each row's (number, status) in a push's output.
fn statuses(out: &Output) -> Vec<(u64, String)> {
    lines_of(&out.stdout)
        .iter()
        .map(|l| {
            (
                l["row"].as_u64().unwrap(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const PRODUCTS: &str = "SELECT name AS product_name, type AS product_type, model_no AS model, \
    category, standards AS mandatory_standards, ccc AS ccc_cert_no, warranty AS warranty_months, \
    notes AS instructions, 'gs1' AS code_scheme, 'per-batch' AS trace_level FROM models ORDER BY id";

/// A factory's SQLite file of `n` models, the last of an unknown category.
async fn factory_database(path: &Path, n: usize) -> String {
    let url = format!("sqlite:{}", path.display());
    let mut db = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc"))
        .await
        .unwrap();
    sqlx::query(
        "CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT, type TEXT, model_no TEXT, \
         category TEXT, standards TEXT, ccc TEXT, warranty INTEGER, notes TEXT, photo BLOB)",
    )
    .execute(&mut db)
    .await
    .unwrap();
    for i in 1..=n {
        let category = if i == n { "spaceship" } else { "gas-appliance" };
        sqlx::query(
            "INSERT INTO models (name, type, model_no, category, standards, ccc, warranty, notes, photo) \
             VALUES ('家用燃气灶', '嵌入式燃气灶', ?, ?, 'GB 16410-2020；GB 30720-2014', '2021010101123456', 36, '使用前检查燃气软管', x'00ff')",
        )
        .bind(format!("TK-{i:02}"))
        .bind(category)
        .execute(&mut db)
        .await
        .unwrap();
    }
    db.close().await.unwrap();
    url
}

async fn product_count(app: &TestApp, enterprise: i64) -> i64 {
    app.scalar(&format!(
        "select count(*) from records where kind = 'product' and enterprise_id = {enterprise}"
    ))
    .await
}

fn state_of(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_from_a_sqlite_database_are_pushed_once_and_go_on_after_a_kill() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("error")
        .with_test_writer()
        .try_init();
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let dir = tempfile::tempdir().unwrap();
    let source = factory_database(&dir.path().join("factory.db"), 24).await;
    let state = dir.path().join("push.json");

    // A row a chunk, killed once four rows are filed.
    let log = std::fs::File::create(dir.path().join("first.out")).unwrap();
    let mut first = push_command(&source, PRODUCTS, "products", &app.base, &key, &state)
        .args(["--chunk", "1"])
        .stdout(log)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = state_of(&state).and_then(|s| s["rows_done"].as_u64());
        if done.is_some_and(|d| d >= 4) {
            break;
        }
        assert!(Instant::now() < deadline, "the push never got to row 4");
        assert!(first.try_wait().unwrap().is_none(), "the push ended early");
        std::thread::sleep(Duration::from_millis(5));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let kept = state_of(&state).expect("the state is kept when the push is killed");
    let done = kept["rows_done"].as_u64().unwrap();
    assert!(done < 24, "killed before the end: {kept}");
    if let Some(flight) = kept["in_flight"].as_object() {
        assert_eq!(flight["first_row"], done + 1, "{kept}");
    }

    // The same command again goes on after the rows filed: each row once.
    let second = push(&source, PRODUCTS, "products", &app.base, &key, &state);
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(
        second.status.code(),
        Some(1),
        "the last row is wrong: {err}"
    );
    // A chunk sent but not seen filed is followed up first, then skipped.
    let skip = done + kept["in_flight"]["rows"].as_u64().unwrap_or(0);
    assert!(err.contains(&format!("resuming after row {skip}")), "{err}");
    let rows = statuses(&second);
    let numbers: Vec<u64> = rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, ((done + 1)..=24).collect::<Vec<_>>(), "{err}");
    assert_eq!(rows.last().unwrap().1, "error");
    let wrong = lines_of(&second.stdout).pop().unwrap();
    assert_eq!(wrong["errors"][0]["column"], "category", "{wrong}");
    assert!(rows[..rows.len() - 1]
        .iter()
        .all(|(_, s)| s == "created" || s == "unchanged"));
    assert!(!state.exists(), "a push done leaves no state");
    assert_eq!(product_count(&app, maker).await, 23);
    let one = lines_of(&second.stdout)[0]["id"].clone();
    let (_, product) = app.get(&key, &format!("/api/v1/products/{one}")).await;
    assert_eq!(product["model"], format!("TK-{:02}", done + 1));
    let standards = &product["mandatory_standards"];
    assert_eq!(standards, &json!(["GB 16410-2020", "GB 30720-2014"]));

    // Run again whole, as a cron job run twice would: nothing new.
    let third = push(&source, PRODUCTS, "products", &app.base, &key, &state);
    assert_eq!(third.status.code(), Some(1));
    let rows = statuses(&third);
    assert_eq!(rows.len(), 24);
    assert_eq!(rows.iter().filter(|(_, s)| s == "unchanged").count(), 23);
    assert_eq!(product_count(&app, maker).await, 23);
    assert!(app.ledger_verify().await.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_that_cannot_go_on_says_why_and_changes_nothing() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let dir = tempfile::tempdir().unwrap();
    let source = factory_database(&dir.path().join("factory.db"), 3).await;
    let state = dir.path().join("push.json");
    let stops = |out: &Output, words: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(words), "{words:?} not in {err}");
        assert!(out.stdout.is_empty());
    };

    // Nothing listens there.
    let closed = format!("http://127.0.0.1:{}", crate::support::port_for_a_child());
    stops(
        &push(&source, PRODUCTS, "products", &closed, &key, &state),
        "无法连接平台",
    );
    // A key the platform does not know.
    stops(
        &push(&source, PRODUCTS, "products", &app.base, "zk_nope", &state),
        "HTTP 401",
    );
    // A query that would change the enterprise's data.
    stops(
        &push(
            &source,
            "DELETE FROM models RETURNING model_no AS model",
            "products",
            &app.base,
            &key,
            &state,
        ),
        "readonly",
    );
    // A column the import cannot read, named.
    stops(
        &push(
            &source,
            "SELECT photo AS model FROM models",
            "products",
            &app.base,
            &key,
            &state,
        ),
        "列 model 的类型 BLOB",
    );
    // Not a database URL the toolkit knows.
    stops(
        &push(
            "oracle://factory",
            PRODUCTS,
            "products",
            &app.base,
            &key,
            &state,
        ),
        "sqlite:",
    );
    let mut db = sqlx::SqliteConnection::connect(&source).await.unwrap();
    let (models,): (i64,) = sqlx::query_as("SELECT count(*) FROM models")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(models, 3, "the source is as it was");
    assert_eq!(product_count(&app, maker).await, 0);
    // The kind is checked before anything is opened.
    let out = push(&source, PRODUCTS, "widgets", &app.base, &key, &state);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("quantities"));
}

/// Batches as `query` reads them from `source`, against products of the
/// enterprise (`ours`) and of another (`theirs`): three filed, the
/// foreign one refused at its product_id, the Shanghai day of a time kept.
async fn batches_pushed_from(app: &TestApp, key: &str, source: &str, query: &str, engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("push.json");
    let out = push(source, query, "batches", &app.base, key, &state);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{engine}: {err}");
    let lines = lines_of(&out.stdout);
    let rows = statuses(&out);
    assert_eq!(
        rows,
        vec![
            (1, "created".to_string()),
            (2, "created".into()),
            (3, "created".into()),
            (4, "error".into())
        ],
        "{engine}: {lines:?}"
    );
    assert_eq!(lines[3]["errors"][0]["column"], "product_id", "{engine}");
    let (_, first) = app
        .get(key, &format!("/api/v1/batches/{}", lines[0]["id"]))
        .await;
    assert_eq!(first["batch_no"], "L-1", "{engine}");
    assert_eq!(first["production_date"], "2026-12-07", "{engine}: {first}");
    assert_eq!(first["quantity"], 500, "{engine}");
    let (_, second) = app
        .get(key, &format!("/api/v1/batches/{}", lines[1]["id"]))
        .await;
    assert_eq!(
        second["production_date"], "2026-12-05",
        "{engine}: {second}"
    );
    // Again: the three unchanged.
    let again = push(source, query, "batches", &app.base, key, &state);
    let rows = statuses(&again);
    assert_eq!(
        rows.iter().filter(|(_, s)| s == "unchanged").count(),
        3,
        "{engine}"
    );
}

/// An enterprise with a product, and another's product: (key, ours,
/// theirs, an inspection report's SHA-256).
async fn two_products(app: &TestApp) -> (String, i64, i64, String) {
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
    let (_, ours) = app
        .post(&key, "/api/v1/products", &gas_stove_json("TK-B1"))
        .await;
    let (_, theirs) = app
        .post(&other, "/api/v1/products", &gas_stove_json("TK-B2"))
        .await;
    let (_, report) = app.upload(&key, "report.pdf", pdf()).await;
    (
        key,
        ours["id"].as_i64().unwrap(),
        theirs["id"].as_i64().unwrap(),
        report["sha256"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_pushed_from_postgresql() {
    let Some(base) = postgres_base_url() else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let (key, ours, theirs, sha) = two_products(&app).await;
    let source = crate::support::fresh_postgres_database(&base).await;
    let mut db = sqlx::PgConnection::connect(&source).await.unwrap();
    sqlx::query(
        "CREATE TABLE lots (id serial PRIMARY KEY, product bigint, lot varchar(20), \
         made timestamptz, report text, open boolean, qty integer)",
    )
    .execute(&mut db)
    .await
    .unwrap();
    // 20:00 UTC on the 6th is the 7th in Shanghai.
    for (product, lot, made) in [
        (ours, "L-1", "2026-12-06 20:00:00+00"),
        (ours, "L-2", "2026-12-05 08:30:00+08"),
        (ours, "L-3", "2026-12-04 00:00:00+08"),
        (theirs, "L-4", "2026-12-04 00:00:00+08"),
    ] {
        sqlx::query("INSERT INTO lots (product, lot, made, report, open, qty) VALUES ($1, $2, $3::timestamptz, $4, true, 500)")
            .bind(product)
            .bind(lot)
            .bind(made)
            .bind(&sha)
            .execute(&mut db)
            .await
            .unwrap();
    }
    db.close().await.unwrap();
    let query = "SELECT product AS product_id, lot AS batch_no, made AS production_date, \
        report AS inspection_report, open AS inspection_report_public, qty AS quantity FROM lots ORDER BY id";
    batches_pushed_from(&app, &key, &source, query, "postgresql").await;
}

/// The MariaDB/MySQL server for tests, if configured. Under CI it must be.
fn mysql_url() -> Option<String> {
    match std::env::var("ZHISU_TEST_MYSQL_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI is set but ZHISU_TEST_MYSQL_URL is not: the MySQL source would be skipped"
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_pushed_from_mysql() {
    let Some(server) = mysql_url() else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let (key, ours, theirs, sha) = two_products(&app).await;
    let name = format!("zhisu_src_{}", rand::thread_rng().gen::<u32>());
    let mut admin = sqlx::MySqlConnection::connect(&server).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
        .execute(&mut admin)
        .await
        .unwrap();
    let source = format!("{}/{name}", server.trim_end_matches('/'));
    let mut db = sqlx::MySqlConnection::connect(&source).await.unwrap();
    sqlx::query(
        "CREATE TABLE lots (id INT AUTO_INCREMENT PRIMARY KEY, product BIGINT, lot VARCHAR(20), \
         made DATETIME, report CHAR(64), open TINYINT(1), qty DECIMAL(10, 0))",
    )
    .execute(&mut db)
    .await
    .unwrap();
    for (product, lot, made) in [
        (ours, "L-1", "2026-12-07 04:00:00"),
        (ours, "L-2", "2026-12-05 08:30:00"),
        (ours, "L-3", "2026-12-04 00:00:00"),
        (theirs, "L-4", "2026-12-04 00:00:00"),
    ] {
        sqlx::query(
            "INSERT INTO lots (product, lot, made, report, open, qty) VALUES (?, ?, ?, ?, 1, 500)",
        )
        .bind(product)
        .bind(lot)
        .bind(made)
        .bind(&sha)
        .execute(&mut db)
        .await
        .unwrap();
    }
    db.close().await.unwrap();
    let query = "SELECT product AS product_id, lot AS batch_no, made AS production_date, \
        report AS inspection_report, open AS inspection_report_public, qty AS quantity FROM lots ORDER BY id";
    batches_pushed_from(&app, &key, &source, query, "mysql").await;
    sqlx::query(&format!("DROP DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
}

/// A gateway before the platform that, while `failing` is set, passes
/// rows on but cannot report a job (503 to every `GET`), as a proxy
/// failing mid-push would: its URL.
async fn gateway(platform: String, failing: Arc<AtomicBool>) -> String {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let client = client.clone();
            let platform = platform.clone();
            let failing = failing.clone();
            async move {
                if method == Method::GET && failing.load(Ordering::SeqCst) {
                    return (StatusCode::SERVICE_UNAVAILABLE, String::new());
                }
                let mut request = client.request(method, format!("{platform}{uri}"));
                for name in ["authorization", "content-type"] {
                    if let Some(value) = headers.get(name) {
                        request = request.header(name, value);
                    }
                }
                let response = request.body(body).send().await.unwrap();
                let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
                (status, response.text().await.unwrap())
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_sent_but_not_seen_filed_is_followed_up_not_sent_again() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let dir = tempfile::tempdir().unwrap();
    let source = factory_database(&dir.path().join("factory.db"), 6).await;
    let state = dir.path().join("push.json");
    let failing = Arc::new(AtomicBool::new(true));
    let gateway = gateway(app.base.clone(), failing.clone()).await;

    // The first chunk reaches the platform; its job cannot be read back.
    let cut = push_command(&source, PRODUCTS, "products", &gateway, &key, &state)
        .args(["--chunk", "2"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&cut.stderr);
    assert_eq!(cut.status.code(), Some(2), "{err}");
    assert!(err.contains("HTTP 503"), "{err}");
    let kept = state_of(&state).expect("kept");
    let job = kept["in_flight"]["job"].as_i64().expect("a job in flight");
    assert_eq!(kept["in_flight"]["first_row"], 1);
    assert_eq!(kept["rows_done"], 0);

    // Again, the gateway mended: that job's rows are reported, the rest
    // sent; the first two rows are not sent a second time.
    failing.store(false, Ordering::SeqCst);
    let out = push_command(&source, PRODUCTS, "products", &gateway, &key, &state)
        .args(["--chunk", "2"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("following import {job}")), "{err}");
    let rows = statuses(&out);
    let numbers: Vec<u64> = rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(rows[0].1, "created");
    assert_eq!(rows[1].1, "created");
    let (_, jobs) = app.get(&key, "/api/v1/imports").await;
    assert_eq!(
        jobs.as_array().unwrap().len(),
        3,
        "three chunks, each sent once"
    );
    let mut names: Vec<&str> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["file_name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "工具包推送：第 1–2 行",
            "工具包推送：第 3–4 行",
            "工具包推送：第 5–6 行"
        ],
        "as the imports page lists them"
    );
    assert_eq!(product_count(&app, maker).await, 5);
}
