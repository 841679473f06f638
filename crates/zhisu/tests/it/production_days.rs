//! A production run over days (P5.3.3.3, issue 19.2) on both engines: an
//! active 一物一码 batch reports a later day's exact quantity and gets that
//! day's codes, numbered on from the batch's (never twice), which then scan
//! as genuine and count as codes issued on the day reported; a day twice,
//! the production date, a day to come, a bad quantity, a batch not active
//! or of another trace level, another enterprise's batch: refused, nothing
//! changed. And in the page: the form on the batch, the days' table, a
//! day's codes to download.

use serde_json::json;
use zhisu_domain::Role;

use crate::support::{gas_stove_json, pdf, EngineKind, TestApp};

fn day(offset: i64) -> String {
    (zhisu_service::today_in_shanghai() + chrono::Duration::days(offset)).to_string()
}

/// An active batch of 100 items made three days ago, of a product traced
/// at `level`.
pub(crate) async fn active_batch(app: &TestApp, maker: &str, model: &str, level: &str) -> i64 {
    let mut product = gas_stove_json(model);
    product["trace_level"] = json!(level);
    product["gtin"] = json!(match level {
        "per-item" => "6970000000017",
        _ => "6970000000024",
    });
    let (status, product) = app.post(maker, "/api/v1/products", &product).await;
    assert_eq!(status, 201, "{product}");
    let (_, report) = app.upload(maker, "report.pdf", pdf()).await;
    let (status, batch) = app
        .post(
            maker,
            "/api/v1/batches",
            &json!({"product_id": product["id"], "batch_no": format!("{model}-1"),
                "production_date": day(-3), "quantity": 100,
                "inspection_report": report["sha256"]}),
        )
        .await;
    assert_eq!(status, 201, "{batch}");
    let id = batch["id"].as_i64().unwrap();
    for step in ["submit", "activate"] {
        let (status, body) = app
            .post(maker, &format!("/api/v1/batches/{id}/{step}"), &json!({}))
            .await;
        assert_eq!(status, 200, "{step}: {body}");
    }
    id
}

pub(crate) async fn codes(app: &TestApp, key: &str, path: &str) -> Vec<String> {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text()
        .await
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_later_day_reports_its_quantity_and_gets_the_next_codes() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let id = active_batch(&app, &maker, "DAY-1", "per-item").await;
        let issued_before = app
            .scalar("select cast(coalesce(sum(value), 0) as bigint) from stat_days where measure = 'codes_issued'")
            .await;

        let (status, reported) = app
            .post(
                &maker,
                &format!("/api/v1/batches/{id}/days"),
                &json!({"day": day(-2), "quantity": 40}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {reported}");
        assert_eq!(
            reported["first_index"], 100,
            "{engine}: after the first day's"
        );
        assert_eq!(reported["batch_quantity"], 140);
        let the_day = codes(&app, &maker, reported["codes"].as_str().unwrap()).await;
        let all = codes(&app, &maker, &format!("/api/v1/batches/{id}/codes")).await;
        assert_eq!(all.len(), 140, "{engine}");
        assert_eq!(
            the_day,
            all[100..].to_vec(),
            "{engine}: the day's are the next"
        );
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 140, "{engine}: no code twice");
        let (_, verified) = app
            .get(
                &maker,
                &format!(
                    "/api/v1/codes/verify?code={}",
                    urlencoding::encode(&all[139])
                ),
            )
            .await;
        assert_eq!(verified["status"], "genuine", "{engine}: {verified}");
        assert_eq!(verified["index"], 139);
        let issued = app
            .scalar("select cast(coalesce(sum(value), 0) as bigint) from stat_days where measure = 'codes_issued'")
            .await;
        assert_eq!(issued - issued_before, 40, "{engine}: counted as issued");

        // Refused, and nothing changed.
        let (_, before) = app.get(&maker, &format!("/api/v1/batches/{id}")).await;
        for (body, status, field) in [
            (json!({"day": day(-2), "quantity": 5}), 409, None),
            (json!({"day": day(-3), "quantity": 5}), 409, None),
            (json!({"day": day(1), "quantity": 5}), 422, Some("day")),
            (json!({"day": day(-9), "quantity": 5}), 422, Some("day")),
            (
                json!({"day": "2026年12月1日", "quantity": 5}),
                422,
                Some("day"),
            ),
            (
                json!({"day": day(-1), "quantity": 0}),
                422,
                Some("quantity"),
            ),
            (json!({"day": day(-1)}), 422, Some("quantity")),
        ] {
            let (got, problem) = app
                .post(&maker, &format!("/api/v1/batches/{id}/days"), &body)
                .await;
            assert_eq!(got, status, "{engine}: {body} {problem}");
            if let Some(field) = field {
                assert!(
                    problem["errors"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["field"] == field),
                    "{engine}: {field} in {problem}"
                );
            }
        }
        let (status, _) = app
            .post(
                &other,
                &format!("/api/v1/batches/{id}/days"),
                &json!({"day": day(-1), "quantity": 5}),
            )
            .await;
        assert_eq!(status, 404, "{engine}: another enterprise's batch");
        let (_, after) = app.get(&maker, &format!("/api/v1/batches/{id}")).await;
        assert_eq!(
            before["version"], after["version"],
            "{engine}: nothing stored"
        );
        assert_eq!(after["quantity"], 140);

        // 一批一码 reports estimates, not days.
        let per_batch = active_batch(&app, &maker, "DAY-2", "per-batch").await;
        let (status, problem) = app
            .post(
                &maker,
                &format!("/api/v1/batches/{per_batch}/days"),
                &json!({"day": day(-1), "quantity": 5}),
            )
            .await;
        assert_eq!(status, 409, "{engine}: {problem}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_reports_a_day_on_the_batch_page_and_downloads_its_codes() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let id = active_batch(&app, &maker, "DAY-P", "per-item").await;
    let (client, csrf) = crate::pages::person(
        &app,
        "day-clerk",
        "王录入",
        Role::ManufacturerOperator,
        maker_id,
    )
    .await;
    let page = |client: &reqwest::Client| {
        let request = client.get(app.url(&format!("/batches/{id}")));
        async move {
            request
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .replace("&#x2f;", "/")
                .replace("&amp;", "&")
        }
    };
    let html = page(&client).await;
    assert!(
        html.contains("id=\"day-form\"") && html.contains("报告当日产量并取码"),
        "{html}"
    );
    let post = |day: String, quantity: &str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("day", day)
            .text("quantity", quantity.to_string());
        client
            .post(app.url(&format!("/batches/{id}/days")))
            .multipart(form)
            .send()
    };
    let r = post(day(-1), "25").await.unwrap();
    assert_eq!(r.status(), 303);
    let html = page(&client).await;
    assert!(
        html.contains("每日产量") && html.contains("100–124"),
        "{html}"
    );
    let link = format!("/batches/{id}/codes.txt?from=100&to=125");
    assert!(html.contains(&link), "{html}");
    let r = client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().await.unwrap().lines().count(),
        25,
        "the day's codes"
    );
    // A quantity that is not a number is said at its field; nothing stored.
    let r = post(day(-2), "二十").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不是整数"));
    let (_, batch) = app.get(&maker, &format!("/api/v1/batches/{id}")).await;
    assert_eq!(batch["quantity"], 125);
}
