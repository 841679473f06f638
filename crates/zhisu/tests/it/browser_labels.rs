//! Printing a whole batch from the labels page in Chromium (issue 15.9):
//! "整批下载 PDF" makes each file in turn with a progress bar and says
//! when all are made; the whole batch as ZPL is one streamed link.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::Driver;
use crate::support::{EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_batch_prints_from_the_page_with_progress_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.public_url = Some("https://trace.example.gov.cn".into());
    })
    .await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let operator = NewAccount::new(
        "print-op",
        PASSWORD,
        "打码员小吴",
        Role::ManufacturerOperator,
    )
    .enterprise(Some(maker_id));
    app.service.create_user(None, operator).await.unwrap();
    let (batch, _, _) = crate::scan::active_item_batch(&app, &maker, "PRINT-ALL", 961).await;

    driver.goto(&app.url("/login")).await;
    driver.type_into("#login", "print-op").await;
    driver.type_into("#password", PASSWORD).await;
    driver.click("button[type='submit']").await;
    driver
        .wait_for("the dashboard", |url, _| url.ends_with("/dashboard"))
        .await;
    driver
        .goto(&app.url(&format!("/batches/{batch}/labels")))
        .await;
    let html = driver
        .wait_for("the labels page", |_, html| {
            html.contains("id=\"print-all\"")
        })
        .await;
    assert!(
        html.contains(&format!(
            "/batches/{batch}/labels?from=1&amp;to=5&amp;format=zpl"
        )),
        "the whole batch as one ZPL: {html}"
    );
    driver.click("#print-all").await;
    let html = driver
        .wait_for("every file made", |_, html| {
            html.contains("data-done=\"yes\"")
        })
        .await;
    assert!(html.contains("已生成全部 1 份"), "{html}");
    driver.screenshot("labels-print-all.png").await;
}
