//! 数据核查 in Chromium (issue 17): a provincial regulator opens the
//! verification page from the header, starts a sweep, and reads the
//! findings of its province in Chinese — the rule, the axis, the record by
//! name, the evidence and the proposed class — and an enterprise of another
//! province sees none of them.

use serde_json::json;
use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::Driver;
use crate::support::{gas_stove_json, EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulator_runs_a_sweep_and_reads_its_findings_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    app.post(&maker, "/api/v1/products", &gas_stove_json("BV-1"))
        .await;
    let mut again = gas_stove_json("bv-1");
    again["product_name"] = json!("燃气灶（旧款）");
    let (status, second) = app.post(&maker, "/api/v1/products", &again).await;
    assert_eq!(status, 201, "{second}");
    app.service
        .create_user(
            None,
            NewAccount::new("chr-gd", PASSWORD, "广东省局 冯科员", Role::Regulator)
                .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();

    driver.goto(&app.url("/login")).await;
    driver.type_into("#login", "chr-gd").await;
    driver.type_into("#password", PASSWORD).await;
    driver.click("button[type='submit']").await;
    driver
        .wait_for("the dashboard", |url, _| url.ends_with("/dashboard"))
        .await;
    driver.click("nav a[href='/verification']").await;
    let html = driver
        .wait_for("the verification page", |url, _| {
            url.ends_with("/verification")
        })
        .await;
    assert!(html.contains("尚未核查过"), "{html}");
    driver.click("#run-sweep").await;
    let html = driver
        // Products awaiting review are findings before any sweep: wait for
        // the page the sweep leads to (it names the last sweep).
        .wait_for("the sweep's findings", |_, html| {
            html.contains("id=\"findings\"") && !html.contains("尚未核查过")
        })
        .await;
    for shown in [
        "ZV-R-003",
        "同一企业以不同名称重复登记同一型号",
        "准确性",
        "基本合格",
        "燃气灶（旧款）",
        "规格型号",
        "最近一次核查",
        "广东省局 冯科员",
    ] {
        assert!(html.contains(shown), "{shown} is not shown: {html}");
    }
    // What a person reads of the table (its text, not its markup).
    let table = &html[html.find("id=\"findings\"").unwrap()..];
    let mut text = String::new();
    let mut in_tag = false;
    for c in table.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    for english in ["accuracy", "minor", "non-compliant", " model ", "product "] {
        assert!(
            !text.contains(english),
            "{english} shown in English: {text}"
        );
    }
    driver.screenshot("verification-findings.png").await;
    // Each run is recorded (issue 17.2): 核查记录 lists it, by whom and how,
    // and one sweep counts its findings rule by rule, in Chinese.
    driver.click("#sweep-history").await;
    let html = driver
        .wait_for("the sweeps", |url, _| url.ends_with("/verification/sweeps"))
        .await;
    for shown in ["核查记录", "广东省局 冯科员", "全面核查"] {
        assert!(html.contains(shown), "{shown} is not shown: {html}");
    }
    driver.click("#sweeps tbody a").await;
    let html = driver
        .wait_for("one sweep", |url, _| url.contains("/verification/sweeps/"))
        .await;
    let table = &html[html.find("id=\"sweep-rules\"").expect("the rules' table")..];
    for shown in [
        "按规则统计",
        "ZV-R-003",
        "同一企业以不同名称重复登记同一型号",
        "准确性",
        "核查后待处理",
    ] {
        assert!(html.contains(shown), "{shown} is not shown: {table}");
    }
    assert!(!table.contains(">accuracy<"), "{table}");
    driver.screenshot("verification-sweep.png").await;
    // One finding's page: its evidence and its history, in Chinese.
    driver.goto(&app.url("/verification?rule=ZV-R-003")).await;
    driver
        .wait_for("the rule's findings", |_, html| {
            html.contains("id=\"findings\"")
        })
        .await;
    driver
        .click("#findings a[href^='/verification/findings/']")
        .await;
    let html = driver
        .wait_for("one finding", |url, _| {
            url.contains("/verification/findings/")
        })
        .await;
    for shown in [
        "处理经过",
        "发现",
        "系统核查",
        "同一企业以不同名称重复登记同一型号",
        "规格型号",
        "待处理",
    ] {
        assert!(html.contains(shown), "{shown} is not shown: {html}");
    }
    assert!(!html.contains(">opened<"), "{html}");
    driver.screenshot("verification-finding.png").await;
    // The dashboard counts them, and leads back here.
    driver.goto(&app.url("/dashboard")).await;
    let html = driver.source().await;
    let card = &html[html.find("id=\"open-findings\"").expect("the card")..];
    let card = &card[..card.find("</a>").unwrap()];
    // The model filed twice (2), and both products awaiting their review (2).
    assert!(
        card.contains("<span>4</span>") && card.contains("待处理核查问题"),
        "{card}"
    );
}

/// A regulator imports the CCC register as Excel in China saves a CSV
/// (GBK) from the verification page; a file lacking columns is refused in
/// words naming them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulator_imports_a_register_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    app.service
        .create_user(
            None,
            NewAccount::new("reg-gd", PASSWORD, "广东省局 冯科员", Role::Regulator)
                .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    let uscc = crate::support::fresh_uscc("440305");
    let csv = format!(
        "证书编号,持证人,统一社会信用代码,产品范围,发证日期,有效期至,证书状态\r\n\
         2021010101123456,粤海电线电缆有限公司,{uscc},电线,2021-01-01,2026-06-30,过期\r\n\
         2021010101123457,粤海电线电缆有限公司,{uscc},电缆,2021-01-01,2029-06-30,有效\r\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("CCC证书登记.csv");
    std::fs::write(&good, encoding_rs::GBK.encode(&csv).0).unwrap();
    let bad = dir.path().join("缺列.csv");
    std::fs::write(&bad, "证书编号,持证人\r\n1,甲\r\n").unwrap();

    crate::browser::log_in(&driver, &app, "reg-gd").await;
    driver.goto(&app.url("/verification")).await;
    driver
        .type_into("#register-file", good.to_str().unwrap())
        .await;
    driver.click("#import-register").await;
    let html = driver
        .wait_for("the register", |_, html| html.contains("CCC证书登记.csv"))
        .await;
    let section = &html[html.find("id=\"registers\"").unwrap()..];
    let section = &section[..section.find("</details>").unwrap()];
    for shown in ["CCC 认证证书", "<td>2</td>", "广东省局 冯科员"] {
        assert!(section.contains(shown), "{shown} not in {section}");
    }
    driver.screenshot("verification-register.png").await;
    driver
        .type_into("#register-file", bad.to_str().unwrap())
        .await;
    driver.click("#import-register").await;
    let html = driver
        .wait_for("the refusal", |_, html| html.contains("缺少列"))
        .await;
    assert!(html.contains("统一社会信用代码"), "{html}");
    driver.screenshot("verification-register-refused.png").await;
}
