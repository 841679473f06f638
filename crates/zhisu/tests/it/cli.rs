//! The binary as a person runs it: `id check`, `admin create-api-key`,
//! `demo`, and `serve` answering with the key it printed.

use std::process::Command;
use std::time::Duration;

/// Runs `command` to its end without holding up the test's runtime: a
/// server under test may run on the test's own thread, and a blocking
/// wait would stop it mid-transaction while the command waits for it.
pub(crate) async fn output_of(command: Command) -> std::process::Output {
    tokio::process::Command::from(command)
        .output()
        .await
        .expect("the zhisu binary runs")
}

pub(crate) fn zhisu() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zhisu"));
    c.env_remove("ZHISU_DATA")
        .env_remove("ZHISU_DATABASE_URL")
        .env("RUST_LOG", "warn");
    c
}

#[test]
fn id_check_prints_one_json_object_per_value() {
    let out = zhisu()
        .args([
            "id",
            "check",
            "91350100M000100Y43",
            "91350100M000100Y44",
            "hello",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "an invalid value makes the exit code 1"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["kind"], "uscc");
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["normalized"], "91350100M000100Y43");
    assert_eq!(lines[1]["valid"], false);
    assert!(lines[1]["error"]
        .as_str()
        .unwrap()
        .contains("should be '3'"));
    assert_eq!(lines[2]["kind"], "unknown");
    for line in &lines {
        for key in ["input", "kind", "valid", "normalized", "error"] {
            assert!(line.get(key).is_some(), "{key} missing in {line}");
        }
    }
    let ok = zhisu()
        .args(["id", "check", "91440300708461136T"])
        .output()
        .unwrap();
    assert!(ok.status.success());
}

#[test]
fn bad_arguments_get_readable_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = zhisu()
        .args(["admin", "create-api-key", "--data", data, "--role", "king"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role 'king'"));
    let out = zhisu()
        .args([
            "admin",
            "create-api-key",
            "--data",
            data,
            "--role",
            "seller",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("enterprise"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = zhisu()
        .args(["serve", "--database-url", "mysql://x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite:// or postgres://"));
    let out = zhisu().args(["config", "example"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("database_url"));
}

#[tokio::test]
async fn demo_seeds_then_serve_answers_with_a_cli_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data_arg = data.to_str().unwrap();
    let out = zhisu()
        .args(["demo", "--no-serve", "--data", data_arg])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A second run keeps what is there.
    let again = zhisu()
        .args(["demo", "--no-serve", "--data", data_arg])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("keeping"));

    let key = zhisu()
        .args([
            "admin",
            "create-api-key",
            "--data",
            data_arg,
            "--role",
            "regulator",
            "--jurisdiction",
            "440000",
        ])
        .output()
        .unwrap();
    assert!(
        key.status.success(),
        "{}",
        String::from_utf8_lossy(&key.stderr)
    );
    let key = String::from_utf8(key.stdout).unwrap().trim().to_string();
    assert!(key.starts_with("zk_"));

    let port = crate::support::port_for_a_child();
    let mut server = zhisu()
        .args([
            "serve",
            "--data",
            data_arg,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut healthy = None;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            healthy = Some(r.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let health = healthy.expect("server came up");
    // Liveness for anyone; the counts are an admin's (issue 16.15).
    assert_eq!(health, serde_json::json!({"status": "ok"}));

    // The demo province: manufacturers in several provinces, every category
    // kind, batches in every state. A Guangdong regulator sees only Guangdong.
    let enterprises: serde_json::Value = client
        .get(format!("{base}/api/v1/enterprises"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(enterprises["total"].as_i64().unwrap() >= 3);
    assert!(enterprises["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["region_code"].as_str().unwrap().starts_with("44")));
    let admin = zhisu()
        .args([
            "admin",
            "create-api-key",
            "--data",
            data_arg,
            "--role",
            "platform-admin",
        ])
        .output()
        .unwrap();
    let admin = String::from_utf8(admin.stdout).unwrap().trim().to_string();
    let batches: serde_json::Value = client
        .get(format!("{base}/api/v1/batches?limit=500"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut states: Vec<&str> = batches["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    states.sort();
    states.dedup();
    // Frozen: the cable maker's, by its overdue serious case (issue 17).
    assert_eq!(
        states,
        [
            "active",
            "approved",
            "draft",
            "frozen",
            "rejected",
            "submitted"
        ]
    );
    let all: serde_json::Value = client
        .get(format!("{base}/api/v1/enterprises"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let provinces: std::collections::BTreeSet<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["region_code"].as_str().unwrap()[..2].to_string())
        .collect();
    assert!(provinces.len() >= 3, "{provinces:?}");
    // 统计概览 (issue 18) has half a year of scans to show, and the day of
    // many among them flagged.
    let today = zhisu_service::today_in_shanghai();
    let series: serde_json::Value = client
        .get(format!(
            "{base}/api/v1/statistics/series?indicator=scans&by=day&from={}&to={today}",
            today - chrono::Duration::days(56)
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let points = series["points"].as_array().unwrap();
    let scans: f64 = points.iter().map(|p| p["value"].as_f64().unwrap()).sum();
    assert!(scans > 1000.0, "{series}");
    let flagged: Vec<&str> = points
        .iter()
        .filter(|p| p["anomaly"] == true)
        .map(|p| p["from"].as_str().unwrap())
        .collect();
    let spike = (today - chrono::Duration::days(9)).to_string();
    assert!(
        flagged.contains(&spike.as_str()),
        "{flagged:?} lacks {spike}"
    );

    // Demo log-ins work in the page.
    let html = client.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(html.status(), 200);
    server.kill().unwrap();
    server.wait().unwrap();
}

/// `zhisu codes export` writes the same codes the API streams, resumes an
/// interrupted file, and `codes verify` / `rotate-key` behave.
#[tokio::test]
async fn codes_export_resume_verify_and_rotate() {
    use serde_json::json;
    let app = crate::support::TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let mut product = crate::support::gas_stove_json("CLI-1");
    product["gtin"] = json!("6970000000017");
    let (_, product) = app.post(&maker, "/api/v1/products", &product).await;
    let (_, report) = app.upload(&maker, "r.pdf", crate::support::pdf()).await;
    let body = json!({"product_id": product["id"], "batch_no": "CLI", "production_date": "2026-10-01", "quantity": 5000, "inspection_report": report["sha256"]});
    let (_, batch) = app.post(&maker, "/api/v1/batches", &body).await;
    let id = batch["id"].as_i64().unwrap();
    app.post(&maker, &format!("/api/v1/batches/{id}/submit"), &json!({}))
        .await;
    app.post(
        &maker,
        &format!("/api/v1/batches/{id}/activate"),
        &json!({}),
    )
    .await;
    let from_api = app
        .client
        .get(app.url(&format!("/api/v1/batches/{id}/codes")))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let data = app.data.to_str().unwrap().to_string();
    let out = app.data.join("codes.txt");
    let export = |extra: &[&str]| {
        let mut args = vec![
            "codes",
            "export",
            "--data",
            &data,
            "--public-url",
            &app.base,
        ];
        args.extend_from_slice(extra);
        zhisu().args(args).output().unwrap()
    };
    let id_arg = id.to_string();
    let first = export(&["--batch", &id_arg, "--out", out.to_str().unwrap()]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stderr).contains("exported 5000 codes"));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        from_api,
        "the CLI and the API issue the same codes"
    );

    // Interrupted after 1234 codes (and half a line): --resume completes it.
    let full = std::fs::read_to_string(&out).unwrap();
    let cut: usize = full.lines().take(1234).map(|l| l.len() + 1).sum();
    std::fs::write(&out, &full[..cut]).unwrap();
    let resumed = export(&[
        "--batch",
        &id_arg,
        "--out",
        out.to_str().unwrap(),
        "--resume",
    ]);
    assert!(String::from_utf8_lossy(&resumed.stderr).contains("resuming after 1234 codes"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), full);

    let csv = export(&["--batch", &id_arg, "--format", "csv", "--from", "4998"]);
    assert_eq!(String::from_utf8(csv.stdout).unwrap().lines().count(), 2);
    let draft = export(&["--batch", "999999"]);
    assert!(!draft.status.success());
    assert!(
        String::from_utf8_lossy(&draft.stderr).contains("not found"),
        "{}",
        String::from_utf8_lossy(&draft.stderr)
    );

    let code = full.lines().nth(4321).unwrap();
    let verify = |code: &str| {
        zhisu()
            .args(["codes", "verify", "--data", &data, code])
            .output()
            .unwrap()
    };
    let genuine = verify(code);
    assert!(genuine.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&genuine.stdout).unwrap();
    assert_eq!(
        (answer["status"].as_str(), answer["index"].as_u64()),
        (Some("genuine"), Some(4321))
    );
    let last = if code.ends_with('X') { 'Y' } else { 'X' };
    let forged = format!("{}{last}", &code[..code.len() - 1]);
    assert_eq!(verify(&forged).status.code(), Some(1));

    let rotated = zhisu()
        .args(["codes", "rotate-key", "--data", &data])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&rotated.stdout).contains("version 1"));
    assert!(
        verify(code).status.success(),
        "codes issued under the old key stay valid"
    );
}

/// A regulator checks a record offline: the receipt from the API and the
/// public key are all `zhisu ledger verify-proof` needs; any change to the
/// record, the proof or the checkpoint, or another deployment's key, fails.
#[tokio::test]
async fn a_receipt_verifies_offline_and_tampering_does_not() {
    let app = crate::support::TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, product) = app
        .post(
            &maker,
            "/api/v1/products",
            &crate::support::gas_stove_json("RECEIPT-1"),
        )
        .await;
    let id = product["id"].as_i64().unwrap();
    app.patch(
        &maker,
        &format!("/api/v1/products/{id}"),
        &serde_json::json!({"warranty_months": 48}),
    )
    .await;
    let (status, receipt) = app
        .get(
            &maker,
            &format!("/api/v1/ledger/receipt?kind=product&id={id}"),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["version"], 2);
    assert!(receipt["canonical_body"]
        .as_str()
        .unwrap()
        .contains("\"warranty_months\":48"));
    let (status, _) = app
        .get(&maker, "/api/v1/ledger/receipt?kind=product&id=999999")
        .await;
    assert_eq!(status, 404);
    let key = app
        .client
        .get(app.url("/ledger/key"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key.txt");
    std::fs::write(&key_file, &key).unwrap();
    let check = |receipt: &serde_json::Value, key: &str| {
        let file = dir.path().join("receipt.json");
        std::fs::write(&file, receipt.to_string()).unwrap();
        zhisu()
            .args(["ledger", "verify-proof", "--key", key])
            .arg(&file)
            .output()
            .unwrap()
    };
    let out = check(&receipt, key_file.to_str().unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: product/"));
    // The key may also be given inline.
    assert!(check(&receipt, key.trim()).status.success());

    let mut edited = receipt.clone();
    edited["canonical_body"] = receipt["canonical_body"]
        .as_str()
        .unwrap()
        .replace("\"warranty_months\":48", "\"warranty_months\":120")
        .into();
    let mut older = receipt.clone();
    older["version"] = 1.into();
    let mut short = receipt.clone();
    short["proof"].as_array_mut().unwrap().pop();
    let mut resigned = receipt.clone();
    resigned["checkpoint"] = receipt["checkpoint"]
        .as_str()
        .unwrap()
        .replacen('\n', "x\n", 1)
        .into();
    for (what, bad) in [
        ("edited body", &edited),
        ("other version", &older),
        ("short proof", &short),
        ("altered checkpoint", &resigned),
    ] {
        let out = check(bad, key_file.to_str().unwrap());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{what}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("NOT VERIFIED"),
            "{what}"
        );
    }
    let other = zhisu_ledger::note::NoteSigner::new("other.example/ledger", [9; 32]).verifier_key();
    let out = check(&receipt, &other);
    assert_eq!(out.status.code(), Some(2), "another deployment's key");
}

pub(crate) async fn start_server(data: &str, port: u16) -> std::process::Child {
    serve_on(port, &["--data", data]).await
}

/// `zhisu serve --listen 127.0.0.1:PORT ARGS…` as its own process, once it answers.
pub(crate) async fn serve_on(port: u16, args: &[&str]) -> std::process::Child {
    let mut server = zhisu()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    panic!("the server did not come up");
}

/// Crash safety (issue: ledger): `kill -9` in the middle of concurrent
/// writes, restart: every acknowledged write is there, no partial write is
/// visible (`ledger verify` finds every version with its leaf and audit).
#[tokio::test]
async fn a_killed_server_loses_no_acknowledged_write_and_its_ledger_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap().to_string();
    let key = zhisu()
        .args([
            "admin",
            "create-api-key",
            "--data",
            &data_arg,
            "--role",
            "platform-admin",
        ])
        .output()
        .unwrap();
    let key = String::from_utf8(key.stdout).unwrap().trim().to_string();
    let port = crate::support::port_for_a_child();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start_server(&data_arg, port).await;
    let client = reqwest::Client::new();
    let licence: serde_json::Value = client
        .post(format!("{base}/api/v1/blobs"))
        .bearer_auth(&key)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(crate::support::pdf()).file_name("l.pdf"),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let enterprise: serde_json::Value = client
        .post(format!("{base}/api/v1/enterprises"))
        .bearer_auth(&key)
        .json(&crate::support::enterprise_json(
            "manufacturer",
            &crate::support::fresh_uscc("440305"),
            "440305",
            licence["sha256"].as_str().unwrap(),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let enterprise_id = enterprise["id"].as_i64().unwrap();

    // Four writers file products as fast as they can…
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, base, key, acknowledged) = (
            client.clone(),
            base.clone(),
            key.clone(),
            acknowledged.clone(),
        );
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let mut product = crate::support::gas_stove_json(&format!("CRASH-{w}-{n}"));
                product["enterprise_id"] = enterprise_id.into();
                let Ok(r) = client
                    .post(format!("{base}/api/v1/products"))
                    .bearer_auth(&key)
                    .json(&product)
                    .send()
                    .await
                else {
                    break;
                };
                if r.status() != 201 {
                    break;
                }
                let Ok(body) = r.json::<serde_json::Value>().await else {
                    break;
                };
                acknowledged
                    .lock()
                    .unwrap()
                    .push(body["id"].as_i64().unwrap());
            }
        }));
    }
    // …until the server is killed mid-flight.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 10,
        "only {} writes before the kill",
        acknowledged.len()
    );

    let verify = zhisu()
        .args(["ledger", "verify", "--data", &data_arg])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    let mut server = start_server(&data_arg, port).await;
    for id in &acknowledged {
        let r = client
            .get(format!("{base}/api/v1/products/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged product {id} was lost");
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

/// The witness (issue: ledger): consistent growth passes; a log that forked,
/// shrank or was rewritten relative to what the witness saw raises an
/// alarm (exit 3), and so does a checkpoint signed by another key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_accepts_growth_and_alarms_on_a_rewritten_log() {
    use base64::Engine as _;
    let app = crate::support::TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("witness.json");
    let watch = |extra: &[&str]| {
        let mut c = zhisu();
        c.args(["ledger", "watch", &app.base, "--once", "--state"])
            .arg(&state)
            .args(extra);
        c.output().unwrap()
    };
    let first = tokio::task::block_in_place(|| watch(&[]));
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let seen: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    // The log grows: still consistent.
    app.post(
        &maker,
        "/api/v1/products",
        &crate::support::gas_stove_json("WITNESS-1"),
    )
    .await;
    let grown = tokio::task::block_in_place(|| watch(&[]));
    assert!(
        grown.status.success(),
        "{}",
        String::from_utf8_lossy(&grown.stderr)
    );
    assert!(String::from_utf8_lossy(&grown.stdout).contains("consistent"));
    let now: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(now["size"].as_u64() > seen["size"].as_u64());

    let forged_root = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let cases = [
        (
            "a split view",
            serde_json::json!({"key": now["key"], "size": now["size"], "root": forged_root, "checkpoint": ""}),
        ),
        (
            "a shrunk log",
            serde_json::json!({"key": now["key"], "size": now["size"].as_u64().unwrap() + 5, "root": now["root"], "checkpoint": ""}),
        ),
        (
            "a rewritten log",
            serde_json::json!({"key": now["key"], "size": seen["size"], "root": forged_root, "checkpoint": ""}),
        ),
        (
            "another key",
            serde_json::json!({"key": zhisu_ledger::note::NoteSigner::new("evil.example/ledger", [3; 32]).verifier_key(), "size": now["size"], "root": now["root"], "checkpoint": ""}),
        ),
    ];
    for (what, saved) in cases {
        std::fs::write(&state, saved.to_string()).unwrap();
        let out = tokio::task::block_in_place(|| watch(&[]));
        assert_eq!(
            out.status.code(),
            Some(3),
            "{what}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("ALARM"),
            "{what}"
        );
    }
}

/// `zhisu ledger verify --database-url URL` without `--data`, as the README
/// once showed it (issue 16.13): verification never creates keys; it says
/// which folder it needs, and with it, passes.
#[test]
fn ledger_verify_never_creates_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("served");
    let data_arg = data.to_str().unwrap();
    let out = zhisu()
        .args(["demo", "--no-serve", "--data", data_arg])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let url = format!("sqlite://{}", data.join("zhisu.db").display());
    let out = zhisu()
        .current_dir(&elsewhere)
        .args(["ledger", "verify", "--database-url", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "not 2, 'tampered': {stderr}");
    assert!(
        stderr.contains("--data"),
        "it names what it needs: {stderr}"
    );
    assert!(
        std::fs::read_dir(&elsewhere).unwrap().next().is_none(),
        "no keys or data folder created"
    );
    let out = zhisu()
        .args([
            "ledger",
            "verify",
            "--database-url",
            &url,
            "--data",
            data_arg,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
