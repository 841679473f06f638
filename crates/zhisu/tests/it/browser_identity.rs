//! A regulator checks a self-registered enterprise in Chromium (issue
//! 16.11): the enterprise page says it waits for a check, a refusal without
//! a reason is told in a sentence, and once checked the page names who did
//! it and the enterprise's codes scan as genuine.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::Driver;
use crate::support::{EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulator_checks_a_registered_enterprise_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let (id, maker) = crate::identity_check::registered_maker(&app, "chromium-maker").await;
    let (_, _, codes) = crate::scan::active_item_batch(&app, &maker, "IDC-CHR", 975).await;
    let reviewer = NewAccount::new(
        "gd-checker",
        PASSWORD,
        "广东省市场监管局 李科长",
        Role::Regulator,
    )
    .jurisdiction(&["440000".into()]);
    app.service.create_user(None, reviewer).await.unwrap();

    driver.goto(&app.url("/login")).await;
    driver.type_into("#login", "gd-checker").await;
    driver.type_into("#password", PASSWORD).await;
    driver.click("button[type='submit']").await;
    driver
        .wait_for("the dashboard", |url, _| url.ends_with("/dashboard"))
        .await;
    driver.goto(&app.url(&format!("/enterprises/{id}"))).await;
    let html = driver
        .wait_for("the enterprise page", |_, html| {
            html.contains("id=\"identity-form\"")
        })
        .await;
    assert!(html.contains("待核验"), "{html}");
    assert!(
        html.contains("王经理（自助注册）") && !html.contains("register:"),
        "who registered it, by name: {html}"
    );
    driver.screenshot("enterprise-unchecked.png").await;

    // Refusing without a reason is told, and changes nothing.
    driver.click("#reject-identity").await;
    let html = driver
        .wait_for("the refusal", |_, html| html.contains("请写明原因"))
        .await;
    assert!(
        html.contains("备注: 核验不通过时请写明原因"),
        "the field named: {html}"
    );
    driver.goto(&app.url(&format!("/enterprises/{id}"))).await;
    driver
        .wait_for("the enterprise page", |_, html| {
            html.contains("id=\"identity-form\"")
        })
        .await;
    driver
        .type_into("#identity-note", "营业执照与国家企业信用信息公示系统一致")
        .await;
    driver.click("#verify-identity").await;
    let html = driver
        .wait_for("the check", |_, html| html.contains("已核验 ·"))
        .await;
    assert!(
        html.contains("李科长") && html.contains("公示系统一致"),
        "{html}"
    );
    driver.screenshot("enterprise-checked.png").await;
    let (_, view) = crate::scan::scan_json(&app, &codes[0], "").await;
    assert_eq!(view["status"], "genuine", "{view}");
}
