//! Issue 20.5: PostgreSQL restarted, then stopped and started, while a
//! stream of writes runs. Requests the database could not serve answer
//! 503 problem+json with `Retry-After` (never 500), `/healthz` answers 503
//! while the database is away, the server reconnects by itself, and every
//! write it acknowledged is there afterwards, the ledger sound. The
//! PostgreSQL server is one of the test's own (`ZHISU_TEST_PG_FAULTS`,
//! a `pg_ctlcluster` version and name, and `ZHISU_TEST_PG_FAULTS_URL`),
//! as restarting the suite's shared one would fail the tests beside it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use zhisu_domain::Role;

use crate::support::{gas_stove_json, TestApp};

/// The cluster to restart and its URL, if configured (under CI it must be).
fn faults_cluster() -> Option<(String, String)> {
    match (
        std::env::var("ZHISU_TEST_PG_FAULTS"),
        std::env::var("ZHISU_TEST_PG_FAULTS_URL"),
    ) {
        (Ok(cluster), Ok(url)) if !cluster.is_empty() && !url.is_empty() => Some((cluster, url)),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI is set but ZHISU_TEST_PG_FAULTS(_URL) is not: the database-fault test would be skipped"
            );
            None
        }
    }
}

/// `pg_ctlcluster VERSION NAME action`, waited for.
async fn pg_ctl(cluster: &str, action: &str) -> bool {
    let mut args: Vec<String> = cluster.split_whitespace().map(str::to_string).collect();
    args.push(action.to_string());
    tokio::task::spawn_blocking(move || {
        std::process::Command::new("pg_ctlcluster")
            .args(&args)
            .status()
            .is_ok_and(|s| s.success())
    })
    .await
    .unwrap()
}

/// Starts the cluster again however the test ends.
struct Restart(String);

impl Drop for Restart {
    fn drop(&mut self) {
        let mut args: Vec<&str> = self.0.split_whitespace().collect();
        args.push("start");
        let _ = std::process::Command::new("pg_ctlcluster")
            .args(&args)
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// One answer of the stream: (status, when, body, Retry-After, type).
type Answer = (u16, Instant, Value, Option<String>, String);

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let r = request.send().await.expect("the server answers");
    let status = r.status().as_u16();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (retry, kind) = (header("retry-after"), header("content-type"));
    let body = r.json().await.unwrap_or(Value::Null);
    (
        status,
        Instant::now(),
        body,
        retry,
        kind.unwrap_or_default(),
    )
}

/// A 503 as the issue asks: problem JSON, `Retry-After`.
fn assert_unavailable(answer: &Answer, what: &str) {
    let (status, _, body, retry, kind) = answer;
    assert_eq!(*status, 503, "{what}: {body}");
    assert_eq!(kind, "application/problem+json", "{what}: {body}");
    assert!(retry.is_some(), "{what}: no Retry-After: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_answers_503_loses_nothing_acknowledged_and_heals() {
    let Some((cluster, base)) = faults_cluster() else {
        return;
    };
    let _restart = Restart(cluster.clone());
    pg_ctl(&cluster, "start").await; // after an earlier run that failed midway
                                     // Requests wait a second for a connection, not the default ten.
    let settings = tempfile::tempdir().unwrap();
    let file = settings.path().join("zhisu.toml");
    std::fs::write(&file, "write_wait_ms = 1000\n").unwrap();
    let app = TestApp::spawn_on_postgres(&base, |args| args.common.config = Some(file)).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    // Products filed one after another until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let writes = tokio::spawn({
        let (stop, client, url, key) = (
            stop.clone(),
            client.clone(),
            app.url("/api/v1/products"),
            key.clone(),
        );
        async move {
            let mut answers = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let request = client
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&gas_stove_json(&format!("FAULT-{n}")));
                answers.push((format!("FAULT-{n}"), send(request).await));
            }
            answers
        }
    });
    let health = || send(client.get(app.url("/healthz")));

    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(pg_ctl(&cluster, "restart").await, "pg_ctlcluster restart");
    tokio::time::sleep(Duration::from_millis(800)).await;

    // Stopped: the health check says so within its own bound.
    assert!(pg_ctl(&cluster, "stop").await, "pg_ctlcluster stop");
    let asked = Instant::now();
    let answer = health().await;
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "/healthz took {:?}",
        asked.elapsed()
    );
    assert_unavailable(&answer, "/healthz while the database is stopped");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Started again: the server finds it by itself.
    assert!(pg_ctl(&cluster, "start").await, "pg_ctlcluster start");
    let started = Instant::now();
    loop {
        let (status, ..) = health().await;
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "/healthz still {status} 20 s after the database started"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    stop.store(true, Ordering::Relaxed);
    let answers = writes.await.unwrap();

    let mut filed = Vec::new();
    for (model, answer) in &answers {
        match answer.0 {
            201 => filed.push((model.clone(), answer.2["id"].as_i64().unwrap(), answer.1)),
            _ => assert_unavailable(answer, model),
        }
    }
    let refused = answers.len() - filed.len();
    assert!(
        filed.iter().any(|(_, _, at)| *at > started),
        "no write was acknowledged after the database came back ({} sent, {refused} refused)",
        answers.len()
    );
    // Every acknowledged write is there.
    for (model, id, _) in &filed {
        let (status, product) = app.get(&key, &format!("/api/v1/products/{id}")).await;
        assert_eq!(status, 200, "{model}: {product}");
        assert_eq!(product["model"], model.as_str());
    }
    let out = app.ledger_verify().await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "{} writes: {} acknowledged, {refused} answered 503",
        answers.len(),
        filed.len()
    );
}

/// A load balancer's probe reads no table: while another session holds
/// the records and the ledger under an exclusive lock (a long migration,
/// say), the public `/healthz` still answers 200. It counted both tables
/// before, which on a province's database is the database's work every
/// few seconds from every probe, and here waited out its two seconds and
/// answered 503 — every server taken out at once.
#[tokio::test]
async fn the_public_health_probe_reads_no_table() {
    use sqlx::Connection;
    if crate::support::postgres_base_url().is_none() {
        return;
    }
    let app = TestApp::spawn(crate::support::EngineKind::Postgres).await;
    let mut other = sqlx::PgConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("begin").execute(&mut other).await.unwrap();
    sqlx::query("lock table records, ledger_leaves in access exclusive mode")
        .execute(&mut other)
        .await
        .unwrap();
    let answer = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json::<Value>().await.unwrap()["status"], "ok");
    sqlx::query("rollback").execute(&mut other).await.unwrap();
}
