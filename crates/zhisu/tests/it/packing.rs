//! Packing from the page (G6.1.2, P5.2.2, issue 15.4): `/packages/new` is
//! a form, not an error; a clerk packs codes pasted in any printed form
//! into an SSCC or under a parent code, and bad input is named by field
//! and line without storing anything.

use reqwest::multipart::Form;

use crate::pages::person;
use crate::support::{EngineKind, TestApp};

#[tokio::test]
async fn a_clerk_packs_codes_into_an_sscc_and_a_bundle_in_pages() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker_key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, _, codes) = crate::scan::active_item_batch(&app, &maker_key, "PACK-P", 981).await;
    let (client, csrf) = person(
        &app,
        "pack-clerk",
        "仓库小王",
        zhisu_domain::Role::ManufacturerOperator,
        maker_id,
    )
    .await;

    let r = client.get(app.url("/packages/new")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"package-form\""), "{html}");
    let list = client
        .get(app.url("/packages"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("&#x2f;packages&#x2f;new") || list.contains("/packages/new"),
        "{list}"
    );

    let key = |code: &str| {
        let p = &code[code.find("/01/").unwrap() + 1..];
        let parts: Vec<&str> = p.split('/').collect();
        format!("({}){}({}){}", parts[0], parts[1], parts[2], parts[3])
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = app.url("/packages/new");
        let csrf = csrf.clone();
        async move {
            let mut form = Form::new().text("csrf", csrf);
            for (k, v) in fields {
                form = form.text(k, v);
            }
            let r = client.post(url).multipart(form).send().await.unwrap();
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            (status, location, r.text().await.unwrap())
        }
    };
    let before = app
        .scalar("select count(*) from records where kind = 'package'")
        .await;

    // Bad input: named by field and line, in Chinese; nothing stored.
    let (status, _, html) = post(vec![
        ("kind", "sscc".into()),
        ("sscc", "123".into()),
        ("children", format!("{}\n{}", codes[0], codes[0])),
    ])
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("物流包装码 SSCC"), "{html}");
    assert!(html.contains("包含的码 第 2 行"), "{html}");
    assert!(!html.contains("children[1]"), "{html}");
    assert_eq!(
        app.scalar("select count(*) from records where kind = 'package'")
            .await,
        before
    );

    // An SSCC holding two items, one pasted as its key.
    let (status, location, html) = post(vec![
        ("kind", "sscc".into()),
        ("sscc", crate::support::sscc(981)),
        ("children", format!("{}\n{}\n", codes[0], key(&codes[1]))),
    ])
    .await;
    assert_eq!(status, 303, "{html}");
    let location = location.unwrap();
    assert!(location.starts_with("/packages/"), "{location}");
    let detail = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains(&crate::support::sscc(981)), "{detail}");

    // A bundle under a parent code; a code packed already is refused.
    let (status, _, html) = post(vec![
        ("kind", "bundle".into()),
        ("parent_code", codes[2].clone()),
        ("children", format!("{}\n{}", codes[3], codes[0])),
    ])
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("已装入包装"), "{html}");
    let (status, _, html) = post(vec![
        ("kind", "bundle".into()),
        ("parent_code", codes[2].clone()),
        ("children", codes[3].clone()),
    ])
    .await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(
        app.scalar("select count(*) from records where kind = 'package'")
            .await,
        before + 2
    );
}
