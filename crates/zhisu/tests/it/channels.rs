//! Sales channels from the page (防窜, P6.5, issue 15.4): a manufacturer's
//! admin assigns regions to distributors by name; bad rows are named by
//! row and field, and nothing changes.

use reqwest::multipart::Form;

use crate::pages::person;
use crate::support::{EngineKind, TestApp};

#[tokio::test]
async fn a_manufacturer_sets_its_channels_in_pages() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, _) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (dist_id, _) = app.enterprise(&admin, "seller", "440106").await;
    let (client, csrf) = person(
        &app,
        "channel-admin",
        "销售部刘经理",
        zhisu_domain::Role::ManufacturerAdmin,
        maker_id,
    )
    .await;
    let page = app.url(&format!("/enterprises/{maker_id}/channels"));

    let detail = client
        .get(app.url(&format!("/enterprises/{maker_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("销售渠道"),
        "the enterprise page links the channels"
    );
    let html = client
        .get(&page)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"channels-form\"") && html.contains(&format!("value=\"{dist_id}\"")),
        "{html}"
    );

    let post = |rows: Vec<(&'static str, String)>| {
        let client = client.clone();
        let page = page.clone();
        let csrf = csrf.clone();
        async move {
            let mut form = Form::new().text("csrf", csrf);
            for (k, v) in rows {
                form = form.text(k.to_string(), v);
            }
            let r = client.post(page).multipart(form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let versions = || async {
        app.scalar(&format!(
            "select count(*) from record_versions where record_id = {maker_id}"
        ))
        .await
    };
    let before = versions().await;
    let (status, html) = post(vec![
        ("distributor_0", String::new()),
        ("regions_0", "440000".into()),
    ])
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("第 1 行：请选择经销商"), "{html}");
    let (status, html) = post(vec![
        ("distributor_0", dist_id.to_string()),
        ("regions_0", "99".into()),
    ])
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("第 1 行销售区域"), "{html}");
    assert_eq!(versions().await, before, "refused rows change nothing");

    let (status, _) = post(vec![
        ("distributor_0", dist_id.to_string()),
        ("regions_0", "440000，330100".into()),
        ("distributor_1", String::new()),
        ("regions_1", String::new()),
    ])
    .await;
    assert_eq!(status, 303);
    let (_, record) = app
        .get(&admin, &format!("/api/v1/enterprises/{maker_id}"))
        .await;
    assert_eq!(
        record["channels"],
        serde_json::json!([{"distributor_id": dist_id, "regions": ["440000", "330100"]}]),
        "{record}"
    );
}
