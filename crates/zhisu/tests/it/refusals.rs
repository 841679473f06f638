//! A refused page action never answers 200 (issue 16.14): every POST route
//! of the page router, read from its source so a new route is swept
//! without anyone remembering to add it, is sent as each role that may not
//! (or with nothing filled in) and answers 403, 404, 422 or a redirect, and
//! changes nothing.

use reqwest::multipart::Form;
use zhisu_domain::Role;

use crate::support::{EngineKind, TestApp, PASSWORD};

/// The POST routes of the page router, as written in its source.
fn post_routes() -> Vec<String> {
    let source = include_str!("../../../zhisu-web/src/lib.rs");
    let mut routes = Vec::new();
    for piece in source.split(".route(").skip(1) {
        let Some(path) = piece
            .trim_start()
            .strip_prefix('"')
            .and_then(|p| p.split('"').next())
        else {
            continue;
        };
        let handlers = piece.split(".route(").next().unwrap_or_default();
        if handlers.contains("post(") {
            routes.push(path.to_string());
        }
    }
    routes
}

#[tokio::test]
async fn refused_page_actions_never_answer_200() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (seller_id, _) = app.enterprise(&admin, "seller", "330106").await;
    let (batch, _, _) = crate::scan::active_item_batch(&app, &maker, "REFUSE-1", 981).await;
    let people = [
        ("refuse-seller", "门店李姐", Role::Seller, Some(seller_id)),
        (
            "refuse-operator",
            "操作员小吴",
            Role::ManufacturerOperator,
            Some(maker_id),
        ),
    ];
    for (login, name, role, enterprise) in people {
        let account =
            zhisu_service::NewAccount::new(login, PASSWORD, name, role).enterprise(enterprise);
        app.service.create_user(None, account).await.unwrap();
    }
    let regulator =
        zhisu_service::NewAccount::new("refuse-zj", PASSWORD, "浙江省局 王科员", Role::Regulator)
            .jurisdiction(&["330000".into()]);
    app.service.create_user(None, regulator).await.unwrap();

    let routes = post_routes();
    assert!(routes.len() >= 20, "read only {routes:?}");
    let records = "select count(*) from record_versions";
    let before = app.scalar(records).await;
    let mut answered = Vec::new();
    for login in ["refuse-seller", "refuse-operator", "refuse-zj"] {
        let (client, csrf) = crate::pages::signed_in(&app, login).await;
        for route in &routes {
            if ["/login", "/logout", "/register"].contains(&route.as_str()) {
                continue;
            }
            let path = route
                .replace("{id}", &batch.to_string())
                .replace("{format}", "txt");
            let r = client
                .post(app.url(&path))
                .multipart(Form::new().text("csrf", csrf.clone()))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            answered.push(format!("{login} {path} {status}"));
            assert!(
                status != 200,
                "{login}: POST {path} answered 200: {}",
                r.text().await.unwrap()
            );
        }
    }
    assert_eq!(
        app.scalar(records).await,
        before,
        "nothing was written: {answered:#?}"
    );
}
