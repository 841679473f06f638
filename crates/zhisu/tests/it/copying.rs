//! 一键同步录入 (P5.3.2, issue 19.1): a product or batch as the start of a
//! new one, through the API on both engines (the copy leaves out what
//! identifies and dates the record, the new record names its source, a
//! source of another enterprise or none is refused naming `copied_from`,
//! and the source never changes after filing) and in the pages (复制为新产品,
//! a new batch starting from the product's latest, the source's file kept).

use reqwest::multipart::{Form, Part};
use serde_json::json;
use zhisu_domain::Role;

use crate::pages::signed_in;
use crate::support::{gas_stove_json, pdf, EngineKind, TestApp};

fn names_field(problem: &serde_json::Value, field: &str) -> bool {
    problem["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["field"] == field))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_or_batch_is_copied_through_the_api() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let mut stove = gas_stove_json("COPY-1");
        stove["gtin"] = json!("6970000000017");
        stove["registrations"] = json!([{"platform": "gas-appliance", "number": "GA-1"}]);
        let (status, source) = app.post(&maker, "/api/v1/products", &stove).await;
        assert_eq!(status, 201, "{engine}: {source}");
        let source_id = source["id"].as_i64().unwrap();

        let (status, copy) = app
            .get(&maker, &format!("/api/v1/products/{source_id}/copy"))
            .await;
        assert_eq!(status, 200, "{engine}: {copy}");
        assert_eq!(copy["product_name"], stove["product_name"], "{engine}");
        assert_eq!(copy["mandatory_standards"], stove["mandatory_standards"]);
        assert_eq!(copy["copied_from"], source_id, "{engine}");
        for gone in ["model", "gtin", "registrations", "enterprise_id"] {
            assert!(copy.get(gone).is_none(), "{engine}: {gone} in {copy}");
        }
        // Another enterprise reads no copy of it.
        let (status, _) = app
            .get(&other, &format!("/api/v1/products/{source_id}/copy"))
            .await;
        assert_eq!(status, 404, "{engine}");

        // Posted as it came, with a model: a new product naming its source.
        let mut new = copy.clone();
        new["model"] = json!("COPY-2");
        let (status, copied) = app.post(&maker, "/api/v1/products", &new).await;
        assert_eq!(status, 201, "{engine}: {copied}");
        let copied_id = copied["id"].as_i64().unwrap();
        assert_eq!(copied["copied_from"], source_id, "{engine}");
        assert_eq!(copied["product_name"], stove["product_name"]);

        // A source of another enterprise, or none, is refused; nothing stored.
        let (_, before) = app.get(&maker, "/api/v1/products?limit=100").await;
        let (_, theirs) = app
            .post(&other, "/api/v1/products", &gas_stove_json("THEIRS-1"))
            .await;
        for bad_source in [theirs["id"].as_i64().unwrap(), 999_999] {
            let mut bad = gas_stove_json("COPY-BAD");
            bad["copied_from"] = json!(bad_source);
            let (status, problem) = app.post(&maker, "/api/v1/products", &bad).await;
            assert_eq!(status, 422, "{engine}: {problem}");
            assert!(names_field(&problem, "copied_from"), "{engine}: {problem}");
        }
        let (_, after) = app.get(&maker, "/api/v1/products?limit=100").await;
        assert_eq!(before["total"], after["total"], "{engine}: nothing stored");

        // The source is set when filed, never after; other edits keep it.
        let (status, problem) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{copied_id}"),
                &json!({"copied_from": null}),
            )
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert!(names_field(&problem, "copied_from"), "{engine}: {problem}");
        let (status, edited) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{copied_id}"),
                &json!({"brand": "粤华二厂"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {edited}");
        assert_eq!(edited["copied_from"], source_id, "{engine}");
        let (status, problem) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{source_id}"),
                &json!({"copied_from": copied_id}),
            )
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");

        // A batch: its copy keeps the report, drops its number and date.
        let (_, report) = app.upload(&maker, "report.pdf", pdf()).await;
        let (status, batch) = app
            .post(
                &maker,
                "/api/v1/batches",
                &json!({
                    "product_id": source_id, "batch_no": "C-1", "production_date": "2026-10-01",
                    "quantity": 500, "inspection_report": report["sha256"],
                    "inspection_report_public": true, "note": "夜班",
                }),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {batch}");
        let batch_id = batch["id"].as_i64().unwrap();
        let (status, copy) = app
            .get(&maker, &format!("/api/v1/batches/{batch_id}/copy"))
            .await;
        assert_eq!(status, 200, "{engine}: {copy}");
        assert_eq!(copy["quantity"], 500);
        assert_eq!(copy["note"], "夜班");
        assert_eq!(copy["inspection_report"]["sha256"], report["sha256"]);
        assert_eq!(copy["copied_from"], batch_id);
        for gone in ["batch_no", "production_date", "status", "enterprise_id"] {
            assert!(copy.get(gone).is_none(), "{engine}: {gone} in {copy}");
        }
        let mut next = copy.clone();
        next["batch_no"] = json!("C-2");
        next["production_date"] = json!("2026-10-02");
        let (status, second) = app.post(&maker, "/api/v1/batches", &next).await;
        assert_eq!(status, 201, "{engine}: {second}");
        assert_eq!(second["copied_from"], batch_id);
        assert_eq!(
            second["status"], "draft",
            "{engine}: the workflow starts again"
        );
        // A batch's source must be a batch: a product's ID is refused.
        next["batch_no"] = json!("C-3");
        next["copied_from"] = json!(source_id);
        let (status, problem) = app.post(&maker, "/api/v1/batches", &next).await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert!(names_field(&problem, "copied_from"), "{engine}: {problem}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_copies_a_product_and_starts_a_batch_from_the_last_in_pages() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker_key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (status, source) = app
        .post(&maker_key, "/api/v1/products", &gas_stove_json("PAGE-C1"))
        .await;
    assert_eq!(status, 201, "{source}");
    let source_id = source["id"].as_i64().unwrap();
    let clerk = zhisu_service::NewAccount::new(
        "clerk",
        crate::support::PASSWORD,
        "录入员",
        Role::ManufacturerOperator,
    )
    .enterprise(Some(maker_id));
    app.service.create_user(None, clerk).await.unwrap();
    let (client, csrf) = signed_in(&app, "clerk").await;
    // minijinja writes `/` in attributes as `&#x2f;`.
    let html = |path: String| {
        let request = client.get(app.url(&path));
        async move {
            let text = request.send().await.unwrap().text().await.unwrap();
            text.replace("&#x2f;", "/")
        }
    };

    // The product's page offers the copy; the form opens filled but for the model.
    let page = html(format!("/products/{source_id}")).await;
    assert!(
        page.contains(&format!("/products/new?from={source_id}")) && page.contains("复制为新产品"),
        "{page}"
    );
    let form = html(format!("/products/new?from={source_id}")).await;
    assert!(form.contains("复制自：家用燃气灶 PAGE-C1"), "{form}");
    assert!(form.contains("value=\"家用燃气灶\""), "{form}");
    assert!(
        form.contains(&format!(
            "<input type=\"hidden\" name=\"copied_from\" value=\"{source_id}\">"
        )),
        "{form}"
    );
    assert!(
        form.contains("id=\"model\" value=\"\""),
        "the model is left to fill"
    );
    assert!(
        form.contains("value=\"36\"") && form.contains("使用前检查燃气软管"),
        "what describes it is carried: {form}"
    );
    // What the filled form posts, with the model typed in.
    let post = Form::new()
        .text("csrf", csrf.clone())
        .text("copied_from", source_id.to_string())
        .text("product_name", "家用燃气灶")
        .text("product_type", "嵌入式燃气灶")
        .text("model", "PAGE-C2")
        .text("category", "gas-appliance")
        .text("mandatory_standards", "GB 16410-2020")
        .text("ccc_cert_no", "2021010101123456")
        .text("warranty_months", "36")
        .text("instructions", "使用前检查燃气软管")
        .text("code_scheme", "gs1")
        .text("trace_level", "per-item");
    let r = client
        .post(app.url("/products/new"))
        .multipart(post)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let copied_url = r.headers()["location"].to_str().unwrap().to_string();
    let copied = html(copied_url).await;
    assert!(
        copied.contains("复制来源") && copied.contains(&format!("href=\"/products/{source_id}\"")),
        "the copy names its source by name: {copied}"
    );

    // A bad source in a post is explained at its field, nothing filed.
    let (_, before) = app.get(&maker_key, "/api/v1/products?limit=100").await;
    let post = Form::new()
        .text("csrf", csrf.clone())
        .text("copied_from", "七")
        .text("product_name", "家用燃气灶")
        .text("model", "PAGE-C3");
    let r = client
        .post(app.url("/products/new"))
        .multipart(post)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不是记录编号"));
    let (_, after) = app.get(&maker_key, "/api/v1/products?limit=100").await;
    assert_eq!(before["total"], after["total"]);

    // The first batch by hand; the next starts from it, its report kept.
    let post = Form::new()
        .text("csrf", csrf.clone())
        .text("product_id", source_id.to_string())
        .text("batch_no", "PB-1")
        .text("production_date", "2026-11-02")
        .text("quantity", "240")
        .text("note", "二号线")
        .part(
            "inspection_report",
            Part::bytes(pdf()).file_name("出厂检验.pdf"),
        );
    let r = client
        .post(app.url("/batches/new"))
        .multipart(post)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let first_url = r.headers()["location"].to_str().unwrap().to_string();
    let first_id: i64 = first_url.rsplit('/').next().unwrap().parse().unwrap();
    let form = html(format!("/batches/new?product_id={source_id}")).await;
    assert!(form.contains("复制自：批次号 PB-1"), "{form}");
    assert!(
        form.contains("value=\"240\"") && form.contains("二号线"),
        "{form}"
    );
    assert!(form.contains("id=\"batch_no\" value=\"\""), "{form}");
    assert!(
        form.contains("不上传则沿用来源记录的文件：出厂检验.pdf"),
        "{form}"
    );
    let post = Form::new()
        .text("csrf", csrf.clone())
        .text("copied_from", first_id.to_string())
        .text("product_id", source_id.to_string())
        .text("batch_no", "PB-2")
        .text("production_date", "2026-11-03")
        .text("quantity", "240");
    let r = client
        .post(app.url("/batches/new"))
        .multipart(post)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let second_url = r.headers()["location"].to_str().unwrap().to_string();
    let second_id: i64 = second_url.rsplit('/').next().unwrap().parse().unwrap();
    let (_, second) = app
        .get(&maker_key, &format!("/api/v1/batches/{second_id}"))
        .await;
    let (_, first) = app
        .get(&maker_key, &format!("/api/v1/batches/{first_id}"))
        .await;
    assert_eq!(second["copied_from"], first_id);
    assert_eq!(
        second["inspection_report"], first["inspection_report"],
        "the source's report, not uploaded again"
    );
    let page = html(second_url).await;
    assert!(
        page.contains("复制来源") && page.contains("批次号 PB-1"),
        "{page}"
    );
    assert!(page.contains(&format!("/batches/new?from={second_id}")));
}
