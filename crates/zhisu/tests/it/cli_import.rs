//! `zhisu import` as an operator runs it (issue 19.3) against a running
//! deployment's data folder: a sales file with one code that is no
//! genuine code — one JSON line a row, the wrong one at its column, exit 1
//! —, run again creating nothing; a file refused whole exits 2. And daily
//! quantities imported through the API, a day reported twice unchanged;
//! an import the server stopped in, stopped at start and finished by the
//! same file again.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::cli::zhisu;
use crate::support::{EngineKind, TestApp};

fn lines_of(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_are_imported_from_the_command_line_once() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (seller, _) = app.enterprise(&admin, "seller", "440104").await;
    let (_, _, codes) = crate::scan::active_item_batch(&app, &key, "CLI-IMP", 977).await;
    let file = app.data.join("sales.csv");
    let csv = format!(
        "销售日期,购货方编号（平台内企业）,追溯码\nat,counterparty_id,code\n2026-12-01,{seller},{}\n2026/12/2,{seller},{}\n2026-12-03,{seller},https://example.com/01/06970000000000/21/NOPE\n",
        codes[0], codes[1]
    );
    std::fs::write(&file, csv).unwrap();
    let data = app.data.to_str().unwrap();
    let run = async || {
        let mut import = zhisu();
        import
            .args(["import", "--data", data, "--kind", "sales", "--enterprise"])
            .arg(maker.to_string())
            .arg(&file);
        crate::cli::output_of(import).await
    };

    let out = run().await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines = lines_of(&out.stdout);
    let mut by_row: Vec<(i64, String)> = lines
        .iter()
        .map(|l| {
            (
                l["row"].as_i64().unwrap(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    by_row.sort();
    assert_eq!(
        by_row,
        vec![
            (3, "created".into()),
            (4, "created".into()),
            (5, "error".into())
        ],
        "{lines:?}"
    );
    let wrong = lines.iter().find(|l| l["row"] == 5).unwrap();
    assert_eq!(wrong["errors"][0]["column"], "code", "{wrong}");
    assert!(err.contains("新建 2"), "{err}");
    let sold = lines.iter().find(|l| l["row"] == 3).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, flow) = app.get(&key, &format!("/api/v1/flows/{sold}")).await;
    assert_eq!(status, 200, "{flow}");
    assert_eq!(flow["counterparty_id"], seller);
    let flows = app
        .scalar("select count(*) from records where kind = 'flow'")
        .await;
    assert_eq!(flows, 2);

    // Again: the two sales are unchanged, naming the same flows.
    let again = run().await;
    let lines = lines_of(&again.stdout);
    let first = lines.iter().find(|l| l["row"] == 3).unwrap();
    assert_eq!(first["status"], "unchanged", "{lines:?}");
    assert_eq!(first["id"].as_i64(), Some(sold));
    assert_eq!(
        app.scalar("select count(*) from records where kind = 'flow'")
            .await,
        2
    );

    // A file of another kind: refused whole, exit 2, nothing imported.
    std::fs::write(&file, "batch_id,day,quantity\n1,2026-12-01,5\n").unwrap();
    let refused = run().await;
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("每日产量"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_quantities_are_imported_and_a_day_reported_is_unchanged() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
    let (batch, _, _) = crate::scan::active_item_batch(&app, &key, "DAYS-IMP", 978).await;
    let (theirs, _, _) = crate::scan::active_item_batch(&app, &other, "DAYS-OTHER", 979).await;
    let (_, before) = app.get(&key, &format!("/api/v1/batches/{batch}")).await;
    let made = before["production_date"].as_str().unwrap().to_string();
    let day = |n: i64| {
        (chrono::NaiveDate::parse_from_str(&made, "%Y-%m-%d").unwrap()
            + chrono::Days::new(n as u64))
        .format("%Y-%m-%d")
        .to_string()
    };
    let today = zhisu_service::today_in_shanghai();
    let ndjson = [
        json!({"batch_id": batch, "day": day(1), "quantity": 30}),
        json!({"batch_id": theirs, "day": day(1), "quantity": 30}),
        json!({"batch_id": batch, "day": (today + chrono::Days::new(3)).to_string(), "quantity": 5}),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");
    let query = format!("kind=quantities&enterprise_id={maker}&commit=valid");
    let (status, job, _) = crate::import_jobs::post_import(
        &app,
        &key,
        &query,
        "application/x-ndjson",
        ndjson.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let job = crate::import_jobs::settled(&app, &key, job["id"].as_i64().unwrap()).await;
    assert_eq!(
        (job["created"].as_i64(), job["errors"].as_i64()),
        (Some(1), Some(2)),
        "{job}"
    );
    let (_, rows) = app
        .get(&key, &format!("/api/v1/imports/{}/rows", job["id"]))
        .await;
    assert_eq!(rows[1]["errors"][0]["column"], "batch_id", "{rows}");
    assert_eq!(rows[2]["errors"][0]["column"], "day", "{rows}");
    let (_, after) = app.get(&key, &format!("/api/v1/batches/{batch}")).await;
    assert_eq!(
        after["quantity"].as_i64(),
        before["quantity"].as_i64().map(|q| q + 30),
        "{after}"
    );

    // The same day again: unchanged, the batch as it was.
    let (_, again, _) = crate::import_jobs::post_import(
        &app,
        &key,
        &query,
        "application/x-ndjson",
        ndjson.into_bytes(),
    )
    .await;
    let again = crate::import_jobs::settled(&app, &key, again["id"].as_i64().unwrap()).await;
    assert_eq!(again["unchanged"], 1, "{again}");
    let (_, last) = app.get(&key, &format!("/api/v1/batches/{batch}")).await;
    assert_eq!(last["quantity"], after["quantity"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_the_server_stopped_in_reads_as_stopped_and_the_same_file_files_the_rest() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let lines = |models: &[&str]| {
        models
            .iter()
            .map(|m| {
                let mut p = crate::support::gas_stove_json(m);
                p["mandatory_standards"] = json!("GB 16410-2020");
                p.to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes()
    };
    let query = format!("kind=products&enterprise_id={maker}");
    // The first row filed, then the server stopped: the job as it was left.
    let (_, first, _) = crate::import_jobs::post_import(
        &app,
        &key,
        &query,
        "application/x-ndjson",
        lines(&["STOP-1"]),
    )
    .await;
    crate::import_jobs::settled(&app, &key, first["id"].as_i64().unwrap()).await;
    let (_, job, _) = crate::import_jobs::post_import(
        &app,
        &key,
        &format!("{query}&commit=none"),
        "application/x-ndjson",
        lines(&["STOP-1", "STOP-2"]),
    )
    .await;
    let id = job["id"].as_i64().unwrap();
    app.execute_raw(&format!(
        "update imports set status = 'running', commit_mode = 'all' where id = {id}"
    ))
    .await
    .unwrap();

    // At start the service finds it and says it stopped.
    assert_eq!(app.service.stop_interrupted_imports().await.unwrap(), 1);
    let (_, stopped) = app.get(&key, &format!("/api/v1/imports/{id}")).await;
    assert_eq!(stopped["status"], "failed", "{stopped}");
    assert!(
        stopped["failure"]
            .as_str()
            .unwrap()
            .contains("再次导入同一文件"),
        "{stopped}"
    );
    assert_eq!(app.service.stop_interrupted_imports().await.unwrap(), 0);

    // The same file again files what was left, nothing twice.
    let (status, again, _) = crate::import_jobs::post_import(
        &app,
        &key,
        &query,
        "application/x-ndjson",
        lines(&["STOP-1", "STOP-2"]),
    )
    .await;
    assert_eq!(status, 202, "{again}");
    let again = crate::import_jobs::settled(&app, &key, again["id"].as_i64().unwrap()).await;
    assert_eq!(
        (again["unchanged"].as_i64(), again["created"].as_i64()),
        (Some(1), Some(1)),
        "{again}"
    );
    assert_eq!(
        app.scalar("select count(*) from records where kind = 'product'")
            .await,
        2
    );
}
