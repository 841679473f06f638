//! 审核队列 in Chromium (V5-manual, issue 17.4): a provincial regulator
//! opens the review queue from the header, finds an enterprise that
//! registered itself and a product it filed, claims the enterprise,
//! is told in Chinese that a decision needs a reason, and decides it: the
//! enterprise's identity is checked and the item leaves the queue.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::{log_in, Driver};
use crate::identity_check::registered_maker;
use crate::support::{gas_stove_json, EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulator_claims_and_decides_a_queue_item_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let (maker_id, maker) = registered_maker(&app, "rq-maker").await;
    app.post(&maker, "/api/v1/products", &gas_stove_json("RQ-1"))
        .await;
    app.service
        .create_user(
            None,
            NewAccount::new("rq-gd", PASSWORD, "广东省局 冯科员", Role::Regulator)
                .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    let gd = app.key(Role::Regulator, None, &["440000"]).await;
    let (_, queue) = app
        .get(&gd, "/api/v1/verification/queue?rule=ZV-A-006")
        .await;
    let item = queue["items"][0]["id"].as_i64().unwrap();

    log_in(&driver, &app, "rq-gd").await;
    driver.click("#nav-queue").await;
    let html = driver
        .wait_for("the queue", |_, html| html.contains("id=\"queue\""))
        .await;
    // What a person reads (the text, not the markup).
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.split("<main").nth(1).unwrap_or(&html).chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    for shown in [
        "审核队列",
        "企业自行注册，尚未经辖区监管人员核验身份",
        "产品备案后尚未经人工审核",
        "全部 2",
        "未分配",
        "已等待 0 天",
    ] {
        assert!(text.contains(shown), "{shown} not shown: {text}");
    }
    for english in ["identity_check", "major", "minor", "ZV-A-006 ZV"] {
        assert!(!text.contains(english), "{english} shown: {text}");
    }

    // Claimed: it is mine, and its decision form is open.
    driver.click(&format!("#claim-{item}")).await;
    let html = driver
        .wait_for("the claim", |_, html| {
            html.contains(&format!("id=\"release-{item}\""))
        })
        .await;
    assert!(html.contains("广东省局 冯科员"), "the assignee by name");
    assert!(html.contains("我的 <span class=\"count\">1</span>"));

    // No reason: refused in Chinese, naming the field; nothing changes.
    driver
        .set_value(&format!("class-{item}"), "compliant")
        .await;
    driver.click(&format!("#decide-{item}")).await;
    let html = driver
        .wait_for("the refusal", |_, html| html.contains("id=\"errors\""))
        .await;
    assert!(html.contains("决定理由"), "{html}");
    assert!(
        html.contains(&format!("id=\"item-{item}\"")),
        "still waiting"
    );
    driver.screenshot("review-queue-refused.png").await;

    // With a reason: decided, the enterprise checked, the item gone.
    driver
        .type_into(
            &format!("#reason-{item}"),
            "营业执照与国家企业信用信息公示系统一致",
        )
        .await;
    driver.click(&format!("#decide-{item}")).await;
    let html = driver
        .wait_for("the decision", |_, html| {
            html.contains("id=\"queue-tabs\"") && !html.contains(&format!("id=\"item-{item}\""))
        })
        .await;
    assert!(!html.contains("id=\"errors\""), "{html}");
    driver.screenshot("review-queue.png").await;
    let (_, enterprise) = app
        .get(&gd, &format!("/api/v1/enterprises/{maker_id}"))
        .await;
    assert_eq!(enterprise["identity_check"]["status"], "verified");
    assert_eq!(
        enterprise["identity_check"]["note"],
        "营业执照与国家企业信用信息公示系统一致"
    );
}

/// V7 in Chromium: on a sale's page a regulator reads the consumer's
/// contact masked, gives a reason, and reads it in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulator_reveals_a_masked_contact_with_a_reason_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, _, codes) = crate::scan::active_item_batch(&app, &maker, "V7-B", 942).await;
    let (_, sale) = app
        .post(
            &maker,
            "/api/v1/flows",
            &serde_json::json!({"kind": "sale", "at": "2026-12-01", "counterparty_name": "消费者王五",
                "counterparty_address": "深圳市", "counterparty_contact": "13812345678",
                "lines": crate::support::flow_lines(&codes[..1])}),
        )
        .await;
    let id = sale["id"].as_i64().unwrap();
    app.service
        .create_user(
            None,
            NewAccount::new("v7-gd", PASSWORD, "广东省局 冯科员", Role::Regulator)
                .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    log_in(&driver, &app, "v7-gd").await;
    driver.goto(&app.url(&format!("/flows/{id}"))).await;
    let html = driver
        .wait_for("the flow", |_, html| html.contains("id=\"reveal-form\""))
        .await;
    assert!(
        html.contains("138****5678") && !html.contains("13812345678"),
        "{html}"
    );
    driver
        .type_into("#reveal-reason", "核查销售去向，需联系消费者")
        .await;
    driver.click("#reveal-contact").await;
    let html = driver
        .wait_for("the contact", |_, html| html.contains("13812345678"))
        .await;
    assert!(!html.contains("id=\"reveal-form\""), "revealed: no form");
    driver.screenshot("flow-contact-revealed.png").await;
}
