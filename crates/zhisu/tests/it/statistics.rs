//! Statistics (issue 18.1): the indicators' glossary, each indicator
//! defined once, through the API (to any signed-in caller, refused without
//! a key) and on the page 统计指标 in Chromium, in Chinese.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::{log_in, Driver};
use crate::support::{EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_indicator_is_defined_once_in_the_api_and_the_page() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    for key in [&admin, &maker] {
        let (status, g) = app.get(key, "/api/v1/statistics/indicators").await;
        assert_eq!(status, 200, "{g}");
        let list = g["indicators"].as_array().unwrap();
        assert_eq!(list.len(), zhisu_domain::statistics::Indicator::ALL.len());
        let issued = list.iter().find(|i| i["id"] == "codes_issued").unwrap();
        assert_eq!(
            (&issued["unit"], &issued["kind"]),
            (&"count".into(), &"flow".into())
        );
        assert!(
            issued["definition_zh"]
                .as_str()
                .unwrap()
                .contains("北京时间"),
            "{issued}"
        );
        for id in [
            "scans",
            "codes_scanned",
            "batches_active",
            "alerts_counterfeit",
            "alerts_diversion",
            "recalls_open",
            "feedback_open",
        ] {
            assert!(list.iter().any(|i| i["id"] == id), "{id} is not defined");
        }
    }
    let r = app
        .client
        .get(app.url("/api/v1/statistics/indicators"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );

    let Some(driver) = Driver::start().await else {
        return;
    };
    app.service
        .create_user(
            None,
            NewAccount::new("chr-st", PASSWORD, "广东省局 吴科员", Role::Regulator)
                .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    log_in(&driver, &app, "chr-st").await;
    driver.click("#nav-indicators").await;
    let html = driver
        .wait_for("the glossary", |url, _| {
            url.ends_with("/statistics/indicators")
        })
        .await;
    let table = &html[html.find("id=\"indicators\"").expect("the table")..];
    for shown in [
        "赋码数",
        "窜货率（每万次扫码）",
        "期内发生",
        "期末时点",
        "地区（省、市、区县）",
        "北京时间",
    ] {
        assert!(table.contains(shown), "{shown} is not shown: {table}");
    }
    for english in [">count<", ">flow<", ">stock<", ">region<"] {
        assert!(
            !table.contains(english),
            "{english} shown in English: {table}"
        );
    }
    driver.screenshot("statistics-indicators.png").await;
}
