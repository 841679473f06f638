//! 补充信息 (issue 19.6, P5.3.4.1–5) through a real server on both
//! engines: after its codes are active a product takes each kind of item
//! with its evidence; wrong items are refused at their fields and change
//! nothing; the scan shows the public items only, item by item, a masked
//! supplier as 'A 厂家' and its files downloadable, a private item's not;
//! the regulator reads the true name; a change is a new version and the
//! scan shows the latest. And a clerk adds one on the product's page.

use reqwest::multipart::{Form, Part};
use serde_json::json;
use zhisu_domain::Role;

use crate::epcis::problem_fields;
use crate::scan::{active_item_batch, scan_json, scan_page};
use crate::support::{pdf, EngineKind, TestApp};

/// An uploaded PDF of its own (its bytes differ by `tag`): its sha256.
async fn file(app: &TestApp, key: &str, tag: &str) -> String {
    let mut bytes = pdf();
    bytes.extend_from_slice(format!("% {tag}\n").as_bytes());
    let (status, blob) = app.upload(key, &format!("{tag}.pdf"), bytes).await;
    assert_eq!(status, 201, "{blob}");
    blob["sha256"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn each_item_is_filed_with_its_evidence_and_the_scan_shows_the_public_ones() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, key) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (batch, _, codes) = active_item_batch(&app, &key, "SUP-1", 961).await;
        let product = app
            .scalar(&format!("select parent_id from records where id = {batch}"))
            .await;
        let report = file(&app, &key, "test-report").await;
        let signed = file(&app, &key, "commitment").await;
        let plan = file(&app, &key, "promotion-plan").await;
        let award = file(&app, &key, "award").await;
        let items = json!([
            {"kind": "indicator", "name": "额定热负荷", "value": "4.2 kW", "evidence": [report], "public": true},
            {"kind": "material", "name": "不锈钢面板", "supplier": "江西某钢业", "supplier_masked": true, "commitment": signed, "public": true},
            {"kind": "licensed-component", "name": "燃气阀", "supplier": "宁波某阀门有限公司", "ccc_cert_no": "2021010101123456", "commitment": signed, "public": true},
            {"kind": "honour", "name": "省名牌产品", "value": "某省质量协会", "evidence": [award], "public": false},
            {"kind": "promotion", "name": "以旧换新", "value": "2026年12月", "evidence": [plan], "commitment": signed, "public": true},
        ]);
        let path = format!("/api/v1/products/{product}");
        let (_, before) = app.get(&key, &path).await;

        // Wrong items: each at its place; nothing stored.
        for (bad, field) in [
            (
                json!({"kind": "indicator", "name": "额定热负荷", "value": "4.2 kW", "commitment": signed}),
                "supplements[0].evidence",
            ),
            (
                json!({"kind": "licensed-component", "name": "燃气阀", "supplier": "宁波某阀门", "commitment": signed}),
                "supplements[0].production_licence_no",
            ),
            (
                json!({"kind": "licensed-component", "name": "燃气阀", "supplier": "宁波某阀门", "production_licence_no": "XK-1", "commitment": signed}),
                "supplements[0].production_licence_no",
            ),
            (json!({"kind": "award", "name": "x"}), "supplements[0].kind"),
            (
                json!({"kind": "honour", "name": "x", "evidence": ["f".repeat(64)]}),
                "supplements[0].evidence[0]",
            ),
            (
                json!({"kind": "website", "name": "官网", "value": "example.com", "commitment": signed}),
                "supplements[0].value",
            ),
            (
                json!({"kind": "promotion", "name": "x", "evidence": [plan]}),
                "supplements[0].commitment",
            ),
        ] {
            let (status, problem) = app.patch(&key, &path, &json!({"supplements": [bad]})).await;
            assert_eq!(status, 422, "{engine}: {problem}");
            assert!(
                problem_fields(&problem).contains(&field),
                "{engine}: {field} in {problem}"
            );
        }
        let (_, unchanged) = app.get(&key, &path).await;
        assert_eq!(unchanged["version"], before["version"], "{engine}");

        // After activation, as a new version.
        let (status, patched) = app.patch(&key, &path, &json!({"supplements": items})).await;
        assert_eq!(status, 200, "{engine}: {patched}");
        assert_eq!(patched["version"], before["version"].as_i64().unwrap() + 1);

        // The scan: the public items, a masked supplier lettered.
        let (status, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(status, 200, "{engine}: {view}");
        let shown = view["public"]["product"]["supplements"]
            .as_array()
            .unwrap_or_else(|| panic!("{engine}: {view}"))
            .clone();
        let names: Vec<&str> = shown.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["额定热负荷", "不锈钢面板", "燃气阀", "以旧换新"],
            "{engine}"
        );
        assert_eq!(shown[0]["kind_zh"], "质量指标");
        assert_eq!(shown[0]["value"], "4.2 kW");
        assert_eq!(shown[1]["supplier"], "A 厂家", "{engine}: P5.3.4.4");
        assert_eq!(shown[2]["supplier"], "宁波某阀门有限公司");
        assert_eq!(shown[2]["ccc_cert_no"], "2021010101123456");
        assert_eq!(
            shown[3]["files"].as_array().unwrap().len(),
            2,
            "the plan and the commitment"
        );
        let text = view.to_string();
        assert!(
            !text.contains("江西某钢业"),
            "{engine}: the masked name stays private"
        );
        assert!(
            !text.contains("省名牌产品"),
            "{engine}: a private item stays private"
        );
        let code_path = crate::scan::path_of(&codes[0]);
        let get = |sha: String| {
            let url = app.url(&format!("{code_path}?file={sha}"));
            let client = app.client.clone();
            async move { client.get(url).send().await.unwrap().status().as_u16() }
        };
        assert_eq!(
            get(report.clone()).await,
            200,
            "{engine}: a public item's report"
        );
        assert_eq!(
            get(award.clone()).await,
            404,
            "{engine}: a private item's file"
        );
        let (_, html) = scan_page(&app, &codes[0]).await;
        assert!(html.contains("id=\"supplements\""), "{engine}");
        assert!(
            html.contains("A 厂家") && !html.contains("江西某钢业"),
            "{engine}"
        );
        assert!(!html.contains("省名牌产品"), "{engine}");

        // The regulator reads the true name and the private item.
        let (_, read) = app.get(&gd, &path).await;
        assert_eq!(read["supplements"][1]["supplier"], "江西某钢业", "{engine}");
        assert_eq!(read["supplements"][3]["name"], "省名牌产品", "{engine}");

        // Changed again (the promotion over): the scan shows the latest.
        let mut fewer = items.as_array().unwrap().clone();
        fewer.pop();
        let (status, _) = app.patch(&key, &path, &json!({"supplements": fewer})).await;
        assert_eq!(status, 200, "{engine}");
        let (_, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(
            view["public"]["product"]["supplements"]
                .as_array()
                .unwrap()
                .len(),
            3,
            "{engine}"
        );
        assert!(app.ledger_verify().await.status.success(), "{engine}");
    }
}

#[tokio::test]
async fn a_clerk_adds_and_removes_an_item_on_the_products_page() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (batch, _, _) = active_item_batch(&app, &key, "SUP-2", 962).await;
    let product = app
        .scalar(&format!("select parent_id from records where id = {batch}"))
        .await;
    let (client, csrf) = crate::pages::person(
        &app,
        "sup-clerk",
        "质量部 李工",
        Role::ManufacturerAdmin,
        maker,
    )
    .await;
    let page = format!("/products/{product}");
    let html = client
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"supplement-add\""), "{html}");
    let post = |form: Form| {
        let client = client.clone();
        let url = app.url(&format!("{page}/supplements"));
        async move { client.post(url).multipart(form).send().await.unwrap() }
    };

    // An indicator without its test report: said at the field, in Chinese.
    let bare = Form::new()
        .text("csrf", csrf.clone())
        .text("kind", "indicator")
        .text("name", "额定热负荷")
        .text("value", "4.2 kW");
    let refused = post(bare).await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(text.contains("证明文件: 须附证明文件"), "{text}");

    let with_report = Form::new()
        .text("csrf", csrf.clone())
        .text("kind", "indicator")
        .text("name", "额定热负荷")
        .text("value", "4.2 kW")
        .text("public", "on")
        .part(
            "evidence",
            Part::bytes(pdf())
                .file_name("热负荷检验报告.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let added = post(with_report).await;
    assert_eq!(added.status(), 303);
    let html = client
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("热负荷检验报告.pdf"),
        "the evidence by its name: {html}"
    );
    assert!(html.contains("质量指标") && html.contains("公开"), "{html}");
    let (_, body) = app.get(&key, &format!("/api/v1/products/{product}")).await;
    assert_eq!(body["supplements"][0]["name"], "额定热负荷");

    let remove = Form::new().text("csrf", csrf.clone()).text("remove", "0");
    assert_eq!(post(remove).await.status(), 303);
    let (_, body) = app.get(&key, &format!("/api/v1/products/{product}")).await;
    assert!(body.get("supplements").is_none(), "{body}");
}
