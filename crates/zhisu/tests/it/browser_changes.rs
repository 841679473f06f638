//! A change request in Chromium (P4, issue 15.7): the factory clerk asks
//! from the product page to rename a product whose codes are out, is told
//! to give a reason, and sends it; the provincial regulator finds it on the
//! dashboard, reads what changes from what to what, and approves; the scan
//! page then says the name was changed and when.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::{log_in, Driver};
use crate::support::{EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_is_requested_and_approved_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let clerk = NewAccount::new("sz-clerk", PASSWORD, "陈文员", Role::ManufacturerAdmin)
        .enterprise(Some(maker_id));
    app.service.create_user(None, clerk).await.unwrap();
    let officer = NewAccount::new("gd-officer", PASSWORD, "广东省局刘科长", Role::Regulator)
        .jurisdiction(&["440000".to_string()]);
    app.service.create_user(None, officer).await.unwrap();
    let (batch, _, codes) = crate::scan::active_item_batch(&app, &maker, "CR-B", 951).await;
    let (_, b) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
    let product = b["product_id"].as_i64().unwrap();

    // The clerk: the product page offers a change request.
    log_in(&driver, &app, "sz-clerk").await;
    driver.goto(&app.url(&format!("/products/{product}"))).await;
    driver
        .click(&format!("a[href='/products/{product}/change-request']"))
        .await;
    let html = driver
        .wait_for("the change request form", |url, _| {
            url.ends_with("/change-request")
        })
        .await;
    assert!(
        html.contains("经产品所在地区的监管部门批准后生效"),
        "{html}"
    );
    assert!(
        html.contains("申请变更 · 家用燃气灶 CR-B"),
        "the product by name"
    );
    assert!(
        !html.contains("id=\"materials\""),
        "only the shown fields are on it"
    );
    driver.set_value("product_name", "家用嵌入式燃气灶").await;
    driver.click("#submit").await;
    let html = driver
        .wait_for("the missing reason", |_, html| {
            html.contains("class=\"error\"")
        })
        .await;
    assert!(
        html.contains("变更理由"),
        "the finding names the field: {html}"
    );
    assert!(
        html.contains("value=\"家用嵌入式燃气灶\""),
        "what was typed is kept"
    );
    driver.screenshot("change-request-findings.png").await;
    driver
        .type_into("#reason", "产品更名，已取得新的 CCC 证书附件")
        .await;
    driver.click("#submit").await;
    let html = driver
        .wait_for("the request's page", |url, _| {
            url.contains("/change-requests/")
        })
        .await;
    assert!(html.contains("待审核"), "{html}");
    assert!(html.contains("家用燃气灶") && html.contains("家用嵌入式燃气灶"));
    assert!(html.contains("陈文员"), "the requester by name: {html}");
    assert!(
        !html.contains("id=\"approve\""),
        "the clerk does not approve"
    );
    driver.screenshot("change-request.png").await;
    driver.click("form[action='/logout'] button").await;
    // The log-out lands before the next page is asked for.
    driver
        .wait_for("the signed-out page", |url, html| {
            !url.contains("/change-requests") && !html.contains("陈文员")
        })
        .await;

    // The regulator: the dashboard counts it; the page shows the change.
    let html = log_in(&driver, &app, "gd-officer").await;
    assert!(html.contains("待审核的变更申请（1）"), "{html}");
    driver.click("#change-queue").await;
    driver
        .wait_for("the pending requests", |url, _| {
            url.contains("/change-requests?status=pending")
        })
        .await;
    driver.click("table.data tbody a").await;
    let html = driver
        .wait_for("the request", |_, html| html.contains("id=\"approve\""))
        .await;
    assert!(html.contains("产品名称"), "{html}");
    driver.type_into("#reason", "核对证书无误，同意变更").await;
    driver.click("#approve").await;
    let html = driver
        .wait_for("the approved request", |_, html| html.contains("已通过"))
        .await;
    assert!(
        html.contains("广东省局刘科长"),
        "the approver by name: {html}"
    );
    driver.screenshot("change-request-approved.png").await;
    driver.goto(&app.url(&format!("/products/{product}"))).await;
    let html = driver
        .wait_for("the product's page", |_, html| {
            html.contains("已批准的变更")
        })
        .await;
    assert!(html.contains("产品名称（"), "{html}");
    driver.screenshot("product-amended.png").await;

    // The public: the scan page shows the new name and says it changed.
    let path = &codes[0][codes[0].find("/01/").unwrap()..];
    driver.goto(&app.url(path)).await;
    let html = driver
        .wait_for("the scan page", |_, html| html.contains("id=\"changes\""))
        .await;
    assert!(html.contains("家用嵌入式燃气灶"), "{html}");
    assert!(html.contains("产品名称 · "), "{html}");
    driver.screenshot("scan-changed.png").await;
}
