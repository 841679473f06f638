//! Imports through the API (issue 19.3) on both engines, on a real server:
//! a batch file with wrong rows refused whole, then only its valid rows
//! committed; the same file again creating nothing; NDJSON; and bad
//! uploads refused with problem JSON, nothing stored.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::support::{decode, gas_stove_json, pdf, TestApp};

/// Posts an import; (status, body, Location).
pub(crate) async fn post_import(
    app: &TestApp,
    key: &str,
    query: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value, Option<String>) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/imports?{query}")))
        .bearer_auth(key)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let (status, body) = decode(r).await;
    (status, body, location)
}

/// The job once it is no longer running.
pub(crate) async fn settled(app: &TestApp, key: &str, id: i64) -> Value {
    for _ in 0..300 {
        let (status, job) = app.get(key, &format!("/api/v1/imports/{id}")).await;
        assert_eq!(status, 200, "{job}");
        if job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} still running");
}

/// A CSV of the batch template's keys and these rows.
fn batch_csv(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut text = String::from(
        "product_id,batch_no,production_date,quantity,inspection_report,inspection_report_public\n",
    );
    for row in rows {
        text.push_str(&row.join(","));
        text.push('\n');
    }
    text.into_bytes()
}

async fn batch_count(app: &TestApp) -> i64 {
    app.scalar("select count(*) from records where kind = 'batch'")
        .await
}

#[tokio::test]
async fn a_batch_file_is_checked_refused_whole_then_its_valid_rows_imported_once() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other_key) = app.enterprise(&admin, "manufacturer", "330106").await;
        let (status, product) = app
            .post(&key, "/api/v1/products", &gas_stove_json("IMP-1"))
            .await;
        assert_eq!(status, 201, "{product}");
        let product = product["id"].as_i64().unwrap().to_string();
        let (_, theirs) = app
            .post(&other_key, "/api/v1/products", &gas_stove_json("IMP-2"))
            .await;
        let theirs = theirs["id"].as_i64().unwrap().to_string();
        let (_, report) = app.upload(&key, "report.pdf", pdf()).await;
        let sha = report["sha256"].as_str().unwrap();

        let file = batch_csv(&[
            [&product, "B-001", "2026-11-01", "100", sha, "是"],
            [&product, "B-002", "2026年11月2日", "120", sha, "否"],
            [&theirs, "B-003", "2026-11-03", "100", sha, "否"],
            [&product, "B-004", "昨天", "100", sha, "否"],
            [&product, "B-001", "2026-11-01", "100", sha, "是"],
        ]);
        let before = batch_count(&app).await;

        // Every row, or nothing: three are wrong, so nothing is filed.
        let query = format!("kind=batches&enterprise_id={maker}");
        let (status, problem, location) =
            post_import(&app, &key, &query, "text/csv", file.clone()).await;
        assert_eq!(status, 422, "{engine}: {problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"rows[4].product_id"),
            "{engine}: {fields:?}"
        );
        assert!(
            fields.contains(&"rows[5].production_date"),
            "{engine}: {fields:?}"
        );
        assert!(fields.contains(&"rows[6]"), "{engine}: {fields:?}");
        assert_eq!(batch_count(&app).await, before, "{engine}");
        let location = location.expect("the preview is named");

        // The preview: each row and its mistakes at their columns.
        let job = settled(
            &app,
            &key,
            location.rsplit('/').next().unwrap().parse().unwrap(),
        )
        .await;
        assert_eq!(job["status"], "checked", "{engine}: {job}");
        assert_eq!(
            (job["pending"].as_i64(), job["errors"].as_i64()),
            (Some(2), Some(3)),
            "{engine}: {job}"
        );
        let id = job["id"].as_i64().unwrap();
        let (_, rows) = app.get(&key, &format!("{location}/rows")).await;
        let statuses: Vec<(i64, &str)> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["row"].as_i64().unwrap(), r["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (2, "pending"),
                (3, "pending"),
                (4, "error"),
                (5, "error"),
                (6, "error")
            ],
            "{engine}"
        );
        assert_eq!(
            rows[2]["errors"][0]["column"], "product_id",
            "{engine}: {rows}"
        );
        assert!(
            rows[2]["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("不是本企业"),
            "{engine}: {rows}"
        );
        assert_eq!(
            rows[3]["errors"][0]["column"], "production_date",
            "{engine}"
        );

        // Another enterprise sees no such import.
        let (status, _) = app.get(&other_key, &location).await;
        assert_eq!(status, 404, "{engine}");

        // Only the valid rows.
        let (status, started) = app
            .post(&key, &format!("{location}/commit?mode=valid"), &json!({}))
            .await;
        assert_eq!(status, 202, "{engine}: {started}");
        let job = settled(&app, &key, id).await;
        assert_eq!(job["status"], "done", "{engine}: {job}");
        assert_eq!(
            (job["created"].as_i64(), job["errors"].as_i64()),
            (Some(2), Some(3)),
            "{engine}: {job}"
        );
        assert_eq!(batch_count(&app).await, before + 2, "{engine}");
        let (_, rows) = app.get(&key, &format!("{location}/rows")).await;
        let first = rows[0]["id"].as_i64().unwrap();
        let (status, batch) = app.get(&key, &format!("/api/v1/batches/{first}")).await;
        assert_eq!(status, 200, "{engine}: {batch}");
        assert_eq!(batch["batch_no"], "B-001", "{engine}");
        assert_eq!(batch["production_date"], "2026-11-01", "{engine}");
        let (_, second) = app
            .get(&key, &format!("/api/v1/batches/{}", rows[1]["id"]))
            .await;
        assert_eq!(
            second["production_date"], "2026-11-02",
            "{engine}: read from 2026年11月2日"
        );

        // Committed once only.
        let (status, _) = app
            .post(&key, &format!("{location}/commit?mode=valid"), &json!({}))
            .await;
        assert_eq!(status, 409, "{engine}");

        // The same file again: its valid rows are unchanged, naming the
        // batches they made; nothing new.
        let (status, again, _) = post_import(
            &app,
            &key,
            &format!("{query}&commit=valid"),
            "text/csv",
            file,
        )
        .await;
        assert_eq!(status, 202, "{engine}: {again}");
        let again = settled(&app, &key, again["id"].as_i64().unwrap()).await;
        // (Its wrong rows read again and still wrong: a file not filed in
        // full is not taken for its earlier import.)
        assert_eq!(
            (
                again["unchanged"].as_i64(),
                again["created"].as_i64(),
                again["errors"].as_i64()
            ),
            (Some(2), Some(0), Some(3)),
            "{engine}: {again}"
        );
        let (_, rows) = app
            .get(&key, &format!("/api/v1/imports/{}/rows", again["id"]))
            .await;
        assert_eq!(rows[0]["status"], "unchanged", "{engine}");
        assert_eq!(rows[0]["id"].as_i64(), Some(first), "{engine}");
        assert_eq!(batch_count(&app).await, before + 2, "{engine}");

        // Previewed, then one of its batch numbers filed on the form before
        // the commit: that row is refused at its column, the others filed.
        let later = batch_csv(&[
            [&product, "B-010", "2026-11-10", "100", sha, "否"],
            [&product, "B-011", "2026-11-11", "100", sha, "否"],
        ]);
        let (status, preview, _) = post_import(
            &app,
            &key,
            &format!("{query}&commit=none"),
            "text/csv",
            later,
        )
        .await;
        assert_eq!(status, 201, "{engine}: {preview}");
        assert_eq!(preview["pending"], 2, "{engine}: {preview}");
        let (status, _) = app
            .post(
                &key,
                "/api/v1/batches",
                &json!({"product_id": product.parse::<i64>().unwrap(), "batch_no": "B-011", "production_date": "2026-11-11", "quantity": 100, "inspection_report": sha}),
            )
            .await;
        assert_eq!(status, 201, "{engine}");
        let id = preview["id"].as_i64().unwrap();
        let (status, _) = app
            .post(
                &key,
                &format!("/api/v1/imports/{id}/commit?mode=valid"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 202, "{engine}");
        let job = settled(&app, &key, id).await;
        assert_eq!(
            (job["created"].as_i64(), job["errors"].as_i64()),
            (Some(1), Some(1)),
            "{engine}: {job}"
        );
        let (_, rows) = app.get(&key, &format!("/api/v1/imports/{id}/rows")).await;
        assert_eq!(
            rows[1]["errors"][0]["column"], "batch_no",
            "{engine}: {rows}"
        );
        assert_eq!(batch_count(&app).await, before + 4, "{engine}");

        // Written a chunk at a time, each batch is as one filed alone: its
        // version in the ledger (which verifies from the stored records),
        // its audit entry naming it, its report readable through it, its
        // count in the statistics.
        let verify = app.ledger_verify().await;
        assert!(
            verify.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
        let audited = app
            .scalar(&format!(
                "select count(*) from audit_log where action = 'batch.create' and target = 'batch/{first}' and detail like 'import %'"
            ))
            .await;
        assert_eq!(audited, 1, "{engine}");
        let files = app
            .scalar(&format!(
                "select count(*) from record_files where record_id = {first} and sha256 = '{sha}'"
            ))
            .await;
        assert_eq!(files, 1, "{engine}");
        let counted = app
            .scalar(&format!(
                "select cast(coalesce(sum(value), 0) as bigint) from stat_days where enterprise_id = {maker} and measure = 'batches'"
            ))
            .await;
        assert_eq!(counted, batch_count(&app).await, "{engine}");
    }
}

#[tokio::test]
async fn products_come_as_ndjson_and_bad_uploads_are_refused() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, seller) = app.enterprise(&admin, "seller", "440104").await;
    let line = |model: &str| {
        let mut p = gas_stove_json(model);
        p["mandatory_standards"] = json!("GB 16410-2020");
        p.to_string()
    };
    let ndjson = format!("{}\n{}\n", line("ND-1"), line("ND-2")).into_bytes();
    let query = format!("kind=products&enterprise_id={maker}");
    let (status, job, _) =
        post_import(&app, &key, &query, "application/x-ndjson", ndjson.clone()).await;
    assert_eq!(status, 202, "{job}");
    let job = settled(&app, &key, job["id"].as_i64().unwrap()).await;
    assert_eq!(job["created"], 2, "{job}");
    let (_, rows) = app
        .get(&key, &format!("/api/v1/imports/{}/rows", job["id"]))
        .await;
    assert_eq!(rows[1]["row"], 2, "numbered by line: {rows}");
    let (_, product) = app
        .get(&key, &format!("/api/v1/products/{}", rows[1]["id"]))
        .await;
    assert_eq!(product["model"], "ND-2");
    // Again (the same bytes, known by their SHA-256, and the same rows
    // in other bytes, read row by row): unchanged, each naming its record.
    let reordered = format!("{}\n\n{}\n", line("ND-1"), line("ND-2")).into_bytes();
    for (again, rows_at) in [(ndjson, [1, 2]), (reordered, [1, 3])] {
        let (_, job, _) = post_import(&app, &key, &query, "application/x-ndjson", again).await;
        let job = settled(&app, &key, job["id"].as_i64().unwrap()).await;
        assert_eq!(
            (job["unchanged"].as_i64(), job["created"].as_i64()),
            (Some(2), Some(0)),
            "{job}"
        );
        let (_, again) = app
            .get(&key, &format!("/api/v1/imports/{}/rows", job["id"]))
            .await;
        assert_eq!(again[1]["row"], rows_at[1], "{again}");
        assert_eq!(again[1]["id"], rows[1]["id"], "{again}");
        assert_eq!(again[1]["status"], "unchanged", "{again}");
    }
    let products = app
        .scalar("select count(*) from records where kind = 'product'")
        .await;
    assert_eq!(products, 2);

    // A model filed already, under other content, is wrong at its column.
    let mut changed = gas_stove_json("ND-1");
    changed["mandatory_standards"] = json!("GB 16410-2020");
    changed["warranty_months"] = json!(12);
    let (status, problem, _) = post_import(
        &app,
        &key,
        &query,
        "application/x-ndjson",
        changed.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem.to_string().contains("rows[1].model"), "{problem}");

    // Bad uploads: problem JSON, nothing kept.
    let imports_before = app.scalar("select count(*) from imports").await;
    for (query, content_type, body, status, says) in [
        (
            "kind=widgets".to_string(),
            "text/csv",
            b"a,b\n".to_vec(),
            404,
            "widgets",
        ),
        (
            format!("{query}&commit=maybe"),
            "text/csv",
            b"a\n".to_vec(),
            400,
            "commit",
        ),
        (
            query.clone(),
            "text/csv",
            b"\0\0\0".to_vec(),
            422,
            "不是表格文件",
        ),
        (
            query.clone(),
            "text/csv",
            b"batch_id,day,quantity\n1,2026-12-01,5\n".to_vec(),
            422,
            "每日产量",
        ),
        (
            query.clone(),
            "application/x-ndjson",
            vec![0xff, 0xfe],
            422,
            "UTF-8",
        ),
    ] {
        let (got, problem, _) = post_import(&app, &key, &query, content_type, body).await;
        assert_eq!(got, status, "{query}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    // A seller files no products.
    let (status, problem, _) = post_import(
        &app,
        &seller,
        "kind=products",
        "text/csv",
        b"model\n".to_vec(),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    // Past 64 MiB.
    let (status, problem, _) =
        post_import(&app, &key, &query, "text/csv", vec![b'a'; 66 * 1024 * 1024]).await;
    assert_eq!(status, 413, "{problem}");
    assert_eq!(
        app.scalar("select count(*) from imports").await,
        imports_before
    );
}
