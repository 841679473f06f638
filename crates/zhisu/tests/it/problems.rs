//! Every API error is a problem document (issue 16.14): a path parameter
//! that is not a number and a malformed upload answer 400 with
//! `application/problem+json`, not axum's plain text.

use zhisu_domain::Role;

use crate::support::{EngineKind, TestApp};

#[tokio::test]
async fn extractor_rejections_are_problem_documents() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    for path in [
        "/api/v1/products/abc",
        "/api/v1/batches/1.5",
        "/api/v1/recalls/-/trace",
        "/api/v1/change-requests/x",
    ] {
        let r = app
            .client
            .get(app.url(path))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let problem: serde_json::Value = r.json().await.unwrap();
        assert_eq!(problem["status"], 400, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("路径"),
            "{problem}"
        );
    }
    let r = app
        .client
        .post(app.url("/api/v1/blobs"))
        .bearer_auth(&admin)
        .header("content-type", "multipart/form-data")
        .body("not multipart")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}
