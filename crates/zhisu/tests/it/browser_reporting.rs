//! Quantity reporting in Chromium (issue 19.5, P5.3.3.3): a factory clerk
//! finds the platform's reminder in 消息, opens the product from it, is
//! refused a day to come at its field, reports the day missed, and sees it
//! leave the overdue list and join the reports; the reminder is marked
//! read.

use chrono::Duration;
use zhisu_domain::Role;
use zhisu_service::{today_in_shanghai, NewAccount};

use crate::browser::{log_in, Driver};
use crate::support::{gas_stove_json, EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_reports_a_missed_day_from_the_reminder_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    app.service
        .create_user(
            None,
            NewAccount::new(
                "chr-clerk",
                PASSWORD,
                "生产部 王文员",
                Role::ManufacturerAdmin,
            )
            .enterprise(Some(maker)),
        )
        .await
        .unwrap();
    let (_, product) = app
        .post(&key, "/api/v1/products", &gas_stove_json("RPT-CHR"))
        .await;
    let product = product["id"].as_i64().unwrap();
    let long_ago = format!("{}T00:00:00Z", today_in_shanghai() - Duration::days(30));
    app.execute_raw(&format!(
        "update records set created_at = '{long_ago}' where id = {product}"
    ))
    .await
    .unwrap();
    let run = app
        .service
        .send_reporting_reminders(today_in_shanghai())
        .await
        .unwrap();
    assert!(run.reminded > 0);
    let (_, reporting) = app
        .get(&key, &format!("/api/v1/products/{product}/reports"))
        .await;
    let latest = reporting["missed"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let label = zhisu_domain::reporting::Period::parse(&latest)
        .unwrap()
        .label_zh();

    log_in(&driver, &app, "chr-clerk").await;
    driver.click("#nav-inbox").await;
    let html = driver
        .wait_for("the inbox", |url, _| url.ends_with("/inbox"))
        .await;
    assert!(
        html.contains(&format!("请填报产量：家用燃气灶（RPT-CHR）{label}")),
        "{html}"
    );
    assert!(html.contains("未读"));
    driver.screenshot("reporting-inbox.png").await;
    driver.click("#inbox tbody tr:first-child a").await;
    let html = driver
        .wait_for("the product", |url, _| {
            url.contains(&format!("/products/{product}"))
        })
        .await;
    assert!(html.contains("id=\"reporting-missed\""), "{html}");
    assert!(
        html.contains(&label),
        "the latest day missed is listed: {html}"
    );

    // A day to come, past the picker's limit (taken off, as an old
    // browser would not keep it): refused at its field by the server.
    let tomorrow = (today_in_shanghai() + Duration::days(1)).to_string();
    driver
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            serde_json::json!({"script": "document.getElementById('report-period').removeAttribute('max');", "args": []}),
        )
        .await;
    driver.set_value("report-period", &tomorrow).await;
    driver.type_into("#report-quantity", "5").await;
    driver.click("#report-submit").await;
    let html = driver
        .wait_for("the refusal", |_, html| html.contains("尚未开始"))
        .await;
    assert!(html.contains("填报期间"), "the field named: {html}");

    driver
        .goto(&app.url(&format!("/products/{product}#reporting")))
        .await;
    driver.set_value("report-period", &latest).await;
    driver.type_into("#report-quantity", "0").await;
    driver
        .type_into("#report-note", "设备检修，当日未生产")
        .await;
    driver.click("#report-submit").await;
    let html = driver
        .wait_for("the report kept", |_, html| {
            html.contains("设备检修，当日未生产")
        })
        .await;
    assert!(html.contains("准确值"), "{html}");
    assert!(
        html.contains("生产部 王文员"),
        "the reporter by name: {html}"
    );
    let missed = html
        .split("id=\"reporting-missed\"")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_default()
        .to_string();
    assert!(!missed.contains(&label), "no longer overdue: {missed}");
    driver.screenshot("reporting-product.png").await;

    driver.goto(&app.url("/inbox")).await;
    driver.click("#inbox form button").await;
    let html = driver
        .wait_for("marked read", |_, html| html.contains("已读"))
        .await;
    assert!(html.contains("已读"), "{html}");
}
