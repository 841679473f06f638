//! A case in Chromium (V6-dispose, issue 17): a provincial regulator opens
//! one from a finding, is told in Chinese when the deadline is past, and
//! notifies the enterprise; the enterprise's clerk finds it in the 整改
//! inbox and answers; the regulator's close is refused while the finding
//! stands, and goes through once the clerk has corrected the record.

use serde_json::json;
use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::{log_in, Driver};
use crate::support::{gas_stove_json, EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_opened_answered_and_closed_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    app.post(&maker, "/api/v1/products", &gas_stove_json("CB-1"))
        .await;
    let mut again = gas_stove_json("cb-1");
    again["product_name"] = json!("燃气灶（旧款）");
    let (_, second) = app.post(&maker, "/api/v1/products", &again).await;
    let second = second["id"].as_i64().unwrap();
    let officer = NewAccount::new("case-gd", PASSWORD, "广东省局 冯科员", Role::Regulator)
        .jurisdiction(&["440000".into()]);
    app.service.create_user(None, officer).await.unwrap();
    let clerk = NewAccount::new("case-clerk", PASSWORD, "陈文员", Role::ManufacturerAdmin)
        .enterprise(Some(maker_id));
    app.service.create_user(None, clerk).await.unwrap();
    let gd = app.key(Role::Regulator, None, &["440000"]).await;
    app.post(&gd, "/api/v1/verification/sweeps", &json!({}))
        .await;

    // The regulator opens a case from the findings page.
    log_in(&driver, &app, "case-gd").await;
    driver.goto(&app.url("/verification")).await;
    driver.click("a[href^='/cases/new']").await;
    let html = driver
        .wait_for("the case form", |url, _| url.contains("/cases/new"))
        .await;
    assert!(
        html.contains("立案处置") && html.contains("燃气灶（旧款）"),
        "{html}"
    );
    // Tick the other finding too; a deadline in the past is refused in words.
    driver.click("input[type='checkbox']:not(:checked)").await;
    driver.set_value("deadline", "2020-01-01").await;
    driver.type_into("#note", "同一型号两个名称，请更正").await;
    driver.click("#open-case").await;
    let html = driver
        .wait_for("the refusal", |_, html| html.contains("id=\"errors\""))
        .await;
    assert!(html.contains("整改期限须晚于今天"), "{html}");
    driver.screenshot("case-refused-deadline.png").await;
    driver.set_value("deadline", "").await;
    driver.click("#open-case").await;
    let html = driver
        .wait_for("the case", |url, _| {
            url.rsplit('/')
                .next()
                .is_some_and(|l| l.parse::<i64>().is_ok())
        })
        .await;
    for shown in [
        "待整改",
        "基本合格",
        "书面提示",
        "立案并通知企业",
        "广东省局 冯科员",
        "燃气灶（旧款）",
    ] {
        assert!(html.contains(shown), "{shown} not shown: {html}");
    }
    let case_url = driver.url().await;
    driver.screenshot("case-opened.png").await;
    driver.click("#logout").await;
    driver
        .wait_for("signed out", |url, _| !url.contains("/cases"))
        .await;

    // The clerk answers from the 整改 inbox; the dashboard counts it.
    let html = log_in(&driver, &app, "case-clerk").await;
    let card = &html[html.find("id=\"awaiting-cases\"").expect("the card")..];
    let card = &card[..card.find("</a>").unwrap()];
    assert!(
        card.contains("<span>1</span>") && card.contains("待整改通知"),
        "{card}"
    );
    driver.click("nav a[href='/cases']").await;
    let html = driver
        .wait_for("the inbox", |url, _| url.ends_with("/cases"))
        .await;
    assert!(
        html.contains("整改通知") && html.contains("待整改"),
        "{html}"
    );
    driver.screenshot("case-inbox.png").await;
    driver.click("#cases a[href^='/cases/']").await;
    driver
        .wait_for("the case", |_, html| html.contains("id=\"answer-note\""))
        .await;
    driver.type_into("#answer-note", "已知悉，正在核对").await;
    driver.click("#send-answer").await;
    driver
        .wait_for("answered", |_, html| html.contains("待复核"))
        .await;
    driver.click("#logout").await;
    driver
        .wait_for("signed out", |url, _| !url.contains("/cases"))
        .await;

    // Not corrected: the close is refused, naming what still stands.
    log_in(&driver, &app, "case-gd").await;
    driver.goto(&case_url).await;
    driver.type_into("#close-note", "整改到位").await;
    driver.click("#close-case").await;
    let html = driver
        .wait_for("the refusal", |_, html| html.contains("id=\"errors\""))
        .await;
    assert!(
        html.contains("复核未通过") && html.contains("仍然存在"),
        "{html}"
    );
    assert!(html.contains("待复核"), "nothing changed: {html}");
    driver.screenshot("case-close-refused.png").await;

    // Corrected behind the page (the API), answered again by the API; the
    // close now goes through.
    app.patch(
        &maker,
        &format!("/api/v1/products/{second}"),
        &json!({"model": "CB-2"}),
    )
    .await;
    driver.click("#recheck").await;
    driver
        .wait_for("re-checked", |_, html| html.contains("复核通过"))
        .await;
    driver.type_into("#close-note", "整改到位").await;
    driver.click("#close-case").await;
    let html = driver
        .wait_for("closed", |_, html| html.contains("已结案"))
        .await;
    assert!(html.contains("已消除"), "{html}");
    assert!(
        !html.contains("id=\"close-case\""),
        "no action on a closed case"
    );
    driver.screenshot("case-closed.png").await;
}
