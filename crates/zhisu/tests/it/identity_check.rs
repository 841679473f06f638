//! An enterprise's codes scan as genuine only once a regulator has checked
//! who it is (issue 16.11), on both engines: anyone can register a
//! manufacturer under a check-valid USCC and file another company's brand,
//! so until its region's regulator verifies it, a scan says its producer is
//! not yet verified; a new name, address, region or licence lets the check
//! lapse; and bad decisions change nothing.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::scan::{active_item_batch, scan_json, scan_page};
use crate::support::{enterprise_json, fresh_uscc, pdf, TestApp, PASSWORD};

/// Registers a manufacturer in Shenzhen as anyone can; its id and an API
/// key of its admin.
pub(crate) async fn registered_maker(app: &TestApp, login: &str) -> (i64, String) {
    let licence = app
        .service
        .upload_blob(None, "执照.pdf", &pdf())
        .await
        .unwrap();
    let enterprise = enterprise_json(
        "manufacturer",
        &fresh_uscc("440305"),
        "440305",
        &licence.sha256,
    );
    let registration: zhisu_service::Registration = serde_json::from_value(json!({
        "login": login, "password": PASSWORD, "display_name": "王经理", "enterprise": enterprise,
    }))
    .unwrap();
    let (_, record) = app.service.register(registration, None).await.unwrap();
    (
        record.id,
        app.key(Role::ManufacturerAdmin, Some(record.id), &[]).await,
    )
}

async fn decide(app: &TestApp, key: &str, id: i64, body: Value) -> (u16, Value) {
    app.post(
        key,
        &format!("/api/v1/enterprises/{id}/identity-check"),
        &body,
    )
    .await
}

#[tokio::test]
async fn codes_scan_as_genuine_only_once_a_regulator_has_checked_the_producer() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let (id, maker) = registered_maker(&app, "self-registered").await;
        let (_, _, codes) = active_item_batch(&app, &maker, "IDC-1", 971).await;

        let (status, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(status, 200, "{engine}");
        assert_eq!(view["status"], "unverified", "{engine}: {view}");
        assert!(
            view["message"]
                .as_str()
                .unwrap()
                .contains("尚未经监管部门核验"),
            "{engine}: {view}"
        );
        let (_, html) = scan_page(&app, &codes[0]).await;
        assert!(html.contains("生产企业尚未核验"), "{engine}");
        assert!(
            !html.contains("正品 · 验证通过"),
            "{engine}: never 'genuine'"
        );

        // Who may not decide, and what is refused: nothing changes.
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let version = || async {
            app.scalar(&format!("select version from records where id = {id}"))
                .await
        };
        let before = version().await;
        let (status, _) = decide(&app, &zj, id, json!({"verified": true})).await;
        assert_eq!(status, 404, "{engine}: another province's regulator");
        let (status, _) = decide(&app, &maker, id, json!({"verified": true})).await;
        assert_eq!(status, 403, "{engine}: the enterprise itself");
        for (bad, field) in [
            (json!({"verified": false, "note": " "}), "note"),
            (json!({"note": "看过了"}), "verified"),
            (json!({"verified": true, "note": "核".repeat(501)}), "note"),
        ] {
            let (status, problem) = decide(&app, &gd, id, bad.clone()).await;
            assert_eq!(status, 422, "{engine}: {bad}");
            assert_eq!(problem["errors"][0]["field"], field, "{engine}: {problem}");
        }
        let (status, _) = decide(&app, &gd, id, json!({"verified": "yes"})).await;
        assert_eq!(status, 422, "{engine}");
        let (status, _) = app
            .patch(
                &maker,
                &format!("/api/v1/enterprises/{id}"),
                &json!({"identity_check": {"status": "verified", "by": "me", "at": "2026-01-01T00:00:00Z", "note": ""}}),
            )
            .await;
        assert_eq!(status, 422, "{engine}: no one checks itself");
        assert_eq!(version().await, before, "{engine}: nothing changed");

        // Its regulator checks it: genuine from now on.
        let (status, checked) = decide(
            &app,
            &gd,
            id,
            json!({"verified": true, "note": "营业执照与公示系统一致"}),
        )
        .await;
        assert_eq!(status, 200, "{engine}: {checked}");
        assert_eq!(checked["identity_check"]["status"], "verified");
        let (_, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(view["status"], "genuine", "{engine}: {view}");
        assert!(
            app.scalar("select count(*) from audit_log where action = 'enterprise.verify'")
                .await
                == 1,
            "{engine}"
        );

        // A new phone keeps the check; a new name lets it lapse.
        let url = format!("/api/v1/enterprises/{id}");
        let (status, _) = app
            .patch(&maker, &url, &json!({"contact_phone": "0755-2222 3333"}))
            .await;
        assert_eq!(status, 200, "{engine}");
        assert_eq!(scan_json(&app, &codes[0], "").await.1["status"], "genuine");
        let (status, renamed) = app
            .patch(&maker, &url, &json!({"name": "另一个名字有限公司"}))
            .await;
        assert_eq!(status, 200, "{engine}: {renamed}");
        assert!(
            renamed.get("identity_check").is_none_or(Value::is_null),
            "{renamed}"
        );
        assert_eq!(
            scan_json(&app, &codes[0], "").await.1["status"],
            "unverified",
            "{engine}: a renamed producer waits for a new check"
        );

        // A refusal keeps the codes from scanning genuine, and says why.
        let (status, refused) = decide(
            &app,
            &gd,
            id,
            json!({"verified": false, "note": "营业执照与登记名称不符"}),
        )
        .await;
        assert_eq!(status, 200, "{engine}: {refused}");
        assert_eq!(refused["identity_check"]["status"], "rejected");
        assert_eq!(
            scan_json(&app, &codes[0], "").await.1["status"],
            "unverified"
        );

        // Enterprises the platform admin files itself are vouched for.
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, vouched) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, _, codes) = active_item_batch(&app, &vouched, "IDC-2", 972).await;
        assert_eq!(scan_json(&app, &codes[0], "").await.1["status"], "genuine");
    }
}

/// The same from the pages: the enterprise page says it waits for a check,
/// the regulator checks it there, and a refusal without a reason is told
/// in a sentence naming the field.
#[tokio::test]
async fn a_regulator_checks_an_enterprise_from_its_page() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let (id, _) = registered_maker(&app, "page-registered").await;
    let account = zhisu_service::NewAccount::new(
        "gd-reviewer",
        PASSWORD,
        "广东省市场监管局 李科长",
        Role::Regulator,
    )
    .jurisdiction(&["440000".into()]);
    app.service.create_user(None, account).await.unwrap();
    let (client, csrf) = crate::pages::signed_in(&app, "gd-reviewer").await;
    let url = app.url(&format!("/enterprises/{id}"));
    let html = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("身份核验"), "{html}");
    assert!(html.contains("待核验"), "{html}");
    assert!(html.contains("id=\"verify-identity\""), "{html}");

    let post = |verified: &'static str, note: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("verified", verified)
            .text("note", note);
        client
            .post(app.url(&format!("/enterprises/{id}/identity-check")))
            .multipart(form)
            .send()
    };
    let refused = post("no", "").await.unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    let text = refused.text().await.unwrap();
    assert!(text.contains("请写明原因"), "{text}");
    let done = post("yes", "营业执照核对无误").await.unwrap();
    assert_eq!(done.status().as_u16(), 303);
    let html = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("已核验 · 广东省市场监管局 李科长"), "{html}");
    assert!(html.contains("营业执照核对无误"), "{html}");
    assert!(!html.contains("id=\"verify-identity\""), "checked once");
    // Its history shows the check in words, never the stored enum or actor.
    let history = client
        .get(app.url(&format!("/enterprises/{id}/history")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        history.contains("身份核验") && history.contains("已核验"),
        "{history}"
    );
    assert!(
        !history.contains("verified") && !history.contains("user:"),
        "{history}"
    );
}
