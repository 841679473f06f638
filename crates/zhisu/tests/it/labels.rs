//! Printing labels from the page (issue 15.9, 15.10): every range of a
//! batch, as PDF or ZPL; while the public URL is one no phone can open,
//! those who print are warned on every page and labels print only once
//! they confirm.

use crate::pages::person;
use crate::support::{EngineKind, TestApp};

async fn operator_of_a_batch(
    app: &TestApp,
    login: &str,
    model: &str,
    n: u32,
) -> (reqwest::Client, i64) {
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker_key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (batch, _, _) = crate::scan::active_item_batch(app, &maker_key, model, n).await;
    let (client, _) = person(
        app,
        login,
        "打码员",
        zhisu_domain::Role::ManufacturerOperator,
        maker_id,
    )
    .await;
    (client, batch)
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String, Vec<u8>) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn labels_print_by_range_and_ask_first_under_a_loopback_url() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let (op, batch) = operator_of_a_batch(&app, "label-op", "LABEL-1", 971).await;
    let page = |q: &str| app.url(&format!("/batches/{batch}/labels{q}"));

    // Warned on every page while codes carry a loopback address.
    let (_, _, html) = get(&op, app.url("/dashboard")).await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("id=\"public-url-warning\""), "{html}");
    let host = app.base.trim_start_matches("http://");
    assert!(html.contains(host), "the warning names the address");
    let (_, _, html) = get(&op, app.url(&format!("/batches/{batch}"))).await;
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains(&format!("&#x2f;batches&#x2f;{batch}&#x2f;labels\"")),
        "{html}"
    );

    // The labels page: the form, the ranges, the warning and the confirmation.
    let (status, _, html) = get(&op, page("")).await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"labels-unscannable\"") && html.contains("id=\"confirm\""),
        "{html}"
    );
    assert!(html.contains("1–5"), "the batch's one range: {html}");
    let (status, _, html) = get(&op, page("?from=1&to=5&format=pdf")).await;
    assert_eq!(status, 422, "not without the confirmation");
    assert!(String::from_utf8(html).unwrap().contains("勾选确认"));
    let (status, kind, pdf) = get(&op, page("?from=1&to=5&format=pdf&confirm=1")).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    let (status, _, zpl) = get(&op, page("?from=2&to=4&format=zpl&confirm=1")).await;
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(zpl).unwrap().matches("^XA").count(),
        3,
        "labels 2 to 4"
    );
    // One code's QR symbol: after the confirmation, as PNG or SVG.
    let (status, _, _) = get(&op, app.url(&format!("/batches/{batch}/qr?n=2&format=png"))).await;
    assert_eq!(status, 303, "back to the page that asks first");
    let (status, kind, png) = get(
        &op,
        app.url(&format!("/batches/{batch}/qr?n=2&format=png&confirm=1")),
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "image/png"));
    assert!(png.starts_with(b"\x89PNG"));
    let (status, kind, _) = get(
        &op,
        app.url(&format!("/batches/{batch}/qr?n=5&format=svg&confirm=1")),
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    let (status, _, html) = get(&op, app.url(&format!("/batches/{batch}/qr?n=6&confirm=1"))).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8(html).unwrap().contains("标签序号"));
    // The old direct ZPL link goes through the page.
    let r = op
        .get(app.url(&format!("/batches/{batch}/codes.zpl")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // Bad input: a sentence naming the field, in the page's language.
    for (q, says) in [
        ("?from=abc&to=5&confirm=1", "起始标签序号"),
        ("?from=1&to=99&confirm=1", "结束标签序号"),
        ("?from=4&to=2&confirm=1", "不能小于"),
        ("?from=1&to=5&format=gif&confirm=1", "格式"),
        ("?from=1&confirm=1", "请填写"),
    ] {
        let (status, _, html) = get(&op, page(q)).await;
        let html = String::from_utf8(html).unwrap();
        assert_eq!(status, 422, "{q}");
        assert!(
            html.contains("id=\"form-errors\"") && html.contains(says),
            "{q}: {html}"
        );
    }
}

#[tokio::test]
async fn a_public_url_phones_can_open_prints_without_asking() {
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.public_url = Some("https://trace.example.gov.cn".into());
    })
    .await;
    let (op, batch) = operator_of_a_batch(&app, "label-op2", "LABEL-2", 972).await;
    let (_, _, html) = get(&op, app.url("/dashboard")).await;
    assert!(!String::from_utf8(html)
        .unwrap()
        .contains("public-url-warning"));
    let (status, kind, _) = get(
        &op,
        app.url(&format!("/batches/{batch}/labels?from=1&to=5")),
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (status, _) = app
        .get(&admin, &format!("/api/v1/batches/{batch}/codes/0/qr"))
        .await;
    assert_ne!(status, 409, "no confirmation needed");
}
