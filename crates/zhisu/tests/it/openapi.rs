//! The OpenAPI document is generated from the code, is 3.1, and covers
//! every `/api/v1` route the server answers.

use crate::support::{EngineKind, TestApp};

/// Every route of the API, as (method, path). Adding a route without
/// documenting it fails here; so does documenting one that is gone.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/api-keys"),
    ("post", "/api/v1/api-keys"),
    ("delete", "/api/v1/api-keys/{id}"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/batches"),
    ("post", "/api/v1/batches"),
    ("get", "/api/v1/batches/{id}"),
    ("patch", "/api/v1/batches/{id}"),
    ("get", "/api/v1/batches/{id}/history"),
    ("post", "/api/v1/batches/{id}/submit"),
    ("post", "/api/v1/batches/{id}/review"),
    ("post", "/api/v1/batches/{id}/activate"),
    ("post", "/api/v1/batches/{id}/dispose"),
    ("get", "/api/v1/batches/{id}/codes"),
    ("get", "/api/v1/codes/verify"),
    ("get", "/api/v1/codes/life"),
    ("get", "/api/v1/supply"),
    ("get", "/api/v1/batches/{id}/codes/{index}/qr"),
    ("get", "/api/v1/batches/{id}/labels"),
    ("post", "/api/v1/packages"),
    ("get", "/api/v1/packages/{id}"),
    ("get", "/api/v1/codes/links"),
    ("get", "/api/v1/alerts"),
    ("post", "/api/v1/flows"),
    ("get", "/api/v1/flows"),
    ("get", "/api/v1/flows/{id}"),
    ("post", "/api/v1/recalls"),
    ("get", "/api/v1/recalls"),
    ("get", "/api/v1/recalls/{id}"),
    ("post", "/api/v1/recalls/{id}/progress"),
    ("get", "/api/v1/recalls/{id}/trace"),
    ("post", "/api/v1/feedback"),
    ("get", "/api/v1/feedback"),
    ("get", "/api/v1/feedback/{id}"),
    ("post", "/api/v1/feedback/{id}/answer"),
    ("post", "/api/v1/blobs"),
    ("get", "/api/v1/blobs/{sha256}"),
    ("get", "/api/v1/enterprises"),
    ("post", "/api/v1/enterprises"),
    ("get", "/api/v1/enterprises/{id}"),
    ("patch", "/api/v1/enterprises/{id}"),
    ("get", "/api/v1/enterprises/{id}/history"),
    ("get", "/api/v1/identifiers/{value}"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/products"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products/{id}"),
    ("patch", "/api/v1/products/{id}"),
    ("get", "/api/v1/products/{id}/history"),
    ("post", "/api/v1/users"),
    ("get", "/healthz"),
    ("get", "/ledger/checkpoint"),
    ("get", "/ledger/key"),
    ("get", "/ledger/proof/inclusion"),
    ("get", "/ledger/proof/consistency"),
    ("get", "/api/v1/ledger/receipt"),
];

#[tokio::test]
async fn openapi_describes_every_route() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);

    // Each documented route answers (not the fallback 404) on a real server.
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    for (method, path) in ROUTES {
        let concrete = path
            .replace("{id}", "1")
            .replace("{sha256}", &"0".repeat(64))
            .replace("{index}", "0")
            .replace("{value}", "x");
        let concrete = if path.ends_with("verify") || path.ends_with("links") {
            format!("{concrete}?code=x")
        } else {
            concrete
        };
        let request = app
            .client
            .request(method.to_uppercase().parse().unwrap(), app.url(&concrete))
            .bearer_auth(&admin);
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!(
            !body.contains("no such endpoint"),
            "{method} {path} is documented but not served"
        );
        assert!(status != 405, "{method} {path}: {status}");
    }

    // Schemas come from the domain types, with the standard's fields.
    let product = &doc["components"]["schemas"]["ProductInput"]["properties"];
    for field in [
        "product_name",
        "product_type",
        "model",
        "mandatory_standards",
        "production_licence_no",
        "ccc_cert_no",
        "warranty_months",
        "code_scheme",
        "trace_level",
    ] {
        assert!(product.get(field).is_some(), "ProductInput lacks {field}");
    }
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());

    // The reference page is served by the binary and links no CDN.
    let html = app
        .client
        .get(app.url("/api/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("/api/v1/products/{id}/history") && html.contains("ProductInput"));
    assert!(
        !html.contains("https://"),
        "the reference page must work offline"
    );
}
