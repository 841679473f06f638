//! A NUL byte in text (issue 16.10): PostgreSQL cannot store U+0000 in
//! text and answered 500; both engines now refuse it as a validation error
//! naming the field (API) or a sentence on the page, and store nothing.

use reqwest::multipart::Form;
use serde_json::json;
use zhisu_domain::Role;

use crate::support::{gas_stove_json, TestApp};

#[tokio::test]
async fn text_with_a_nul_is_refused_naming_the_field() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let before = app.counts().await;

        let mut product = gas_stove_json("NUL-1");
        product["product_name"] = json!("燃气灶\u{0}");
        let (status, problem) = app.post(&maker, "/api/v1/products", &product).await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "product_name", "{problem}");
        assert_eq!(problem["errors"][0]["code"], "nul", "{problem}");

        let mut product = gas_stove_json("NUL-2");
        product["mandatory_standards"] = json!(["GB 16410-2020", "GB\u{0}1"]);
        let (status, problem) = app.post(&maker, "/api/v1/products", &product).await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert_eq!(
            problem["errors"][0]["field"], "mandatory_standards[1]",
            "{problem}"
        );

        // Anonymous feedback, the public's one way in.
        let r = app
            .client
            .post(app.url("/api/v1/feedback"))
            .json(&json!({"code": "https://x.example/01/09520123456788", "message": "坏了\u{0}"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{engine}");
        let problem: serde_json::Value = r.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "message", "{problem}");

        // An escaped backslash before "u0000" is text, not a NUL.
        let mut product = gas_stove_json("NUL-3");
        product["instructions"] = json!("路径 C:\\u0000 不是空字符");
        let (status, created) = app.post(&maker, "/api/v1/products", &product).await;
        assert_eq!(status, 201, "{engine}: {created}");
        assert_eq!(
            app.counts().await.0,
            before.0 + 1,
            "only the good one stored"
        );

        // A search or an ID with %00: 400, not 500.
        for path in [
            "/api/v1/products?q=%00",
            "/api/v1/identifiers/6901234567892%00",
        ] {
            let (status, problem) = app.get(&maker, path).await;
            assert_eq!(status, 400, "{engine}: {path}: {problem}");
            assert!(
                problem["detail"].as_str().unwrap().contains("%00"),
                "{problem}"
            );
        }

        // The log-in form: a sentence, not a 500.
        let html = app
            .client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let form = Form::new()
            .text("csrf", crate::pages::csrf_of(&html))
            .text("login", "cable\u{0}")
            .text("password", "x");
        let r = app
            .client
            .post(app.url("/login"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        assert_eq!(status, 400, "{engine}: {html}");
        assert!(
            html.contains("不能包含空字符"),
            "a sentence naming it: {html}"
        );
        assert!(!html.contains("服务器内部错误"), "{html}");
    }
}
