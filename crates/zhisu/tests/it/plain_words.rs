//! What pages and messages say in words (issue 15.8): an empty registration
//! form names the enterprise kind in a sentence, and a batch that can no
//! longer change says its status in Chinese, not as an English enum word.

use reqwest::multipart::Form;
use serde_json::json;

use crate::pages::csrf_of;
use crate::support::{EngineKind, TestApp};

#[tokio::test]
async fn an_empty_registration_names_the_kind_and_statuses_are_words() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let html = app
        .client
        .get(app.url("/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = Form::new()
        .text("csrf", csrf_of(&html))
        .text("login", "")
        .text("password", "")
        .text("display_name", "")
        .text("kind", "")
        .text("name", "")
        .text("uscc", "");
    let before = app.counts().await;
    let r = app
        .client
        .post(app.url("/register"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("请选择企业类型"), "{html}");
    assert!(
        !html.contains("unknown variant") && !html.contains("enterprise.body"),
        "{html}"
    );
    assert_eq!(app.counts().await, before, "nothing stored");

    // An active batch cannot change: said in Chinese words.
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (batch, _, _) = crate::scan::active_item_batch(&app, &maker, "WORDS-1", 951).await;
    let (status, problem) = app
        .patch(
            &maker,
            &format!("/api/v1/batches/{batch}"),
            &json!({"quantity": 9}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    let chinese = detail.split(" (").next().unwrap();
    assert!(
        chinese.contains("已激活") && !chinese.contains("active"),
        "{detail}"
    );
    let (status, problem) = app
        .post(
            &maker,
            &format!("/api/v1/batches/{batch}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    let chinese = problem["detail"]
        .as_str()
        .unwrap()
        .split(" (")
        .next()
        .unwrap()
        .to_string();
    assert!(
        chinese.contains("已激活") && chinese.contains("提交审核"),
        "{problem}"
    );
    assert!(
        !chinese.contains("active") && !chinese.contains("Submit"),
        "{problem}"
    );
}

/// A flow's page lists its lines by product and batch number with each code
/// linked to its life (issue 15.8), not as stored JSON with batch IDs; its
/// kind is "购销类型", not the enterprise's "单位类型".
#[tokio::test]
async fn a_flow_page_lists_its_lines_by_product_and_batch() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (seller_id, _) = app.enterprise(&admin, "seller", "440106").await;
    let (_, _, codes) = crate::scan::active_item_batch(&app, &maker, "WORDS-2", 952).await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (status, flow) = app
        .post(
            &maker,
            "/api/v1/flows",
            &json!({"kind": "sale", "at": today, "counterparty_id": seller_id,
                "lines": crate::support::flow_lines(&codes[..2])}),
        )
        .await;
    assert_eq!(status, 201, "{flow}");
    let (client, _) = crate::pages::person(
        &app,
        "words-clerk",
        "周会计",
        zhisu_domain::Role::ManufacturerAdmin,
        maker_id,
    )
    .await;
    let get = |path: String| {
        let client = client.clone();
        async move { client.get(path).send().await.unwrap().text().await.unwrap() }
    };
    let html = get(app.url(&format!("/flows/{}", flow["id"]))).await;
    assert!(html.contains("追溯码明细"), "{html}");
    assert!(
        html.contains("家用燃气灶") && html.contains("WORDS-2-L1"),
        "{html}"
    );
    assert!(
        html.contains("购销类型") && !html.contains("单位类型"),
        "{html}"
    );
    assert!(
        !html.contains("batch_id") && !html.contains("批次："),
        "no stored JSON: {html}"
    );
    let serial = codes[0].rsplit('/').next().unwrap();
    assert!(
        html.contains(&format!("%2821%29{serial}\"")),
        "linked to its life: {html}"
    );
    let html = get(app.url("/flows")).await;
    assert!(html.contains("购销类型: "), "{html}");
}

/// A regulator's freeze on a batch's page and in its history (issue 15.8):
/// who froze it by name, not `key:3`; when, in Asia/Shanghai time, not UTC.
#[tokio::test]
async fn a_disposal_names_who_and_says_when_in_local_time() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let gd = app
        .key(zhisu_domain::Role::Regulator, None, &["440000"])
        .await;
    let (batch, _, _) = crate::scan::active_item_batch(&app, &maker, "WORDS-3", 953).await;
    let (status, frozen) = app
        .post(
            &gd,
            &format!("/api/v1/batches/{batch}/dispose"),
            &json!({"action": "freeze", "reason": "抽检复核"}),
        )
        .await;
    assert_eq!(status, 200, "{frozen}");
    let (client, _) = crate::pages::person(
        &app,
        "words-viewer",
        "钱质检",
        zhisu_domain::Role::ManufacturerAdmin,
        maker_id,
    )
    .await;
    let raw_actor = regex_like_actor();
    for path in [
        format!("/batches/{batch}"),
        format!("/batches/{batch}/history"),
    ] {
        let html = client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("抽检复核"), "{path}: {html}");
        assert!(!raw_actor(&html), "{path}: an actor shown as an ID: {html}");
        let utc = html.match_indices('T').any(|(i, _)| {
            let b = html.as_bytes();
            i >= 10
                && i + 9 < b.len()
                && b[i - 1].is_ascii_digit()
                && b[i + 1].is_ascii_digit()
                && b[i + 3] == b':'
                && b[i - 3] == b'-'
        });
        assert!(!utc, "{path}: a UTC timestamp on the page: {html}");
    }
}

/// Whether `html` shows `user:N` or `key:N`.
fn regex_like_actor() -> impl Fn(&str) -> bool {
    |html: &str| {
        ["user:", "key:"].iter().any(|p| {
            html.match_indices(p).any(|(i, _)| {
                html.as_bytes()
                    .get(i + p.len())
                    .is_some_and(|b| b.is_ascii_digit())
            })
        })
    }
}
