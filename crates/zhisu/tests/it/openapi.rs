//! The OpenAPI document is generated from the code, is 3.1, and covers
//! every route the server answers (the API, EPCIS and the resolver); an
//! independent validator accepts it, and a client generated from it works.

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
    ("get", "/api/v1/batches/{id}/copy"),
    ("post", "/api/v1/batches/{id}/days"),
    ("get", "/api/v1/products/{id}/reports"),
    ("post", "/api/v1/products/{id}/reports"),
    ("get", "/api/v1/inbox"),
    ("post", "/api/v1/inbox/{id}/read"),
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
    ("get", "/api/v1/recall-notices"),
    ("post", "/api/v1/recalls/{id}/progress"),
    ("get", "/api/v1/recalls/{id}/trace"),
    ("post", "/api/v1/feedback"),
    ("get", "/api/v1/feedback"),
    ("get", "/api/v1/feedback/{id}"),
    ("post", "/api/v1/feedback/{id}/answer"),
    ("post", "/api/v1/products/{id}/change-requests"),
    ("get", "/api/v1/change-requests"),
    ("get", "/api/v1/change-requests/{id}"),
    ("post", "/api/v1/change-requests/{id}/decision"),
    ("post", "/api/v1/blobs"),
    ("get", "/api/v1/blobs/{sha256}"),
    ("get", "/api/v1/enterprises"),
    ("post", "/api/v1/enterprises"),
    ("post", "/api/v1/enterprises/{id}/identity-check"),
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
    ("get", "/api/v1/products/{id}/copy"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/verification/rules"),
    ("post", "/api/v1/verification/sweeps"),
    ("get", "/api/v1/verification/sweeps"),
    ("get", "/api/v1/verification/sweeps/{id}"),
    ("get", "/api/v1/verification/findings/{id}"),
    ("get", "/api/v1/statistics/indicators"),
    ("get", "/api/v1/statistics/summary"),
    ("get", "/api/v1/statistics/series"),
    ("get", "/api/v1/statistics/market"),
    ("get", "/api/v1/statistics/breakdown"),
    ("get", "/api/v1/statistics/composition"),
    ("get", "/api/v1/statistics/report"),
    ("get", "/api/v1/statistics/anomalies"),
    ("get", "/api/v1/statistics/reports"),
    ("get", "/api/v1/statistics/reports/{id}"),
    ("get", "/api/v1/verification/findings"),
    ("get", "/api/v1/verification/queue"),
    ("get", "/api/v1/verification/findings/export"),
    ("post", "/api/v1/verification/findings/{id}/claim"),
    ("post", "/api/v1/verification/findings/{id}/assign"),
    ("post", "/api/v1/verification/findings/{id}/release"),
    ("post", "/api/v1/verification/findings/{id}/decide"),
    ("get", "/api/v1/reviews/{id}"),
    ("post", "/api/v1/flows/{id}/reveal"),
    ("post", "/api/v1/feedback/{id}/reveal"),
    ("post", "/api/v1/verification/registers"),
    ("get", "/api/v1/verification/registers"),
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/{id}"),
    ("get", "/api/v1/abnormal"),
    ("get", "/api/v1/cases/{id}/file"),
    ("post", "/api/v1/cases/{id}/answer"),
    ("post", "/api/v1/cases/{id}/recheck"),
    ("post", "/api/v1/cases/{id}/close"),
    ("get", "/api/v1/imports/templates/{kind}"),
    ("post", "/api/v1/imports"),
    ("get", "/api/v1/imports"),
    ("get", "/api/v1/imports/{id}"),
    ("get", "/api/v1/imports/{id}/rows"),
    ("post", "/api/v1/imports/{id}/commit"),
    ("get", "/healthz"),
    ("get", "/ledger/checkpoint"),
    ("get", "/ledger/key"),
    ("get", "/ledger/proof/inclusion"),
    ("get", "/ledger/proof/consistency"),
    ("get", "/api/v1/ledger/receipt"),
    ("post", "/epcis/capture"),
    ("get", "/epcis/capture/{captureID}"),
    ("get", "/epcis/events"),
    ("get", "/epcis/events/{eventID}"),
    ("get", "/epcis/epcs/{epc}/events"),
    ("get", "/epcis/queries"),
    ("post", "/epcis/queries"),
    ("get", "/epcis/queries/{queryName}"),
    ("delete", "/epcis/queries/{queryName}"),
    ("get", "/epcis/queries/{queryName}/events"),
    ("get", "/epcis/queries/{queryName}/subscriptions"),
    ("post", "/epcis/queries/{queryName}/subscriptions"),
    (
        "get",
        "/epcis/queries/{queryName}/subscriptions/{subscriptionID}",
    ),
    (
        "delete",
        "/epcis/queries/{queryName}/subscriptions/{subscriptionID}",
    ),
    ("get", "/01/{gtin}"),
    ("get", "/01/{gtin}/10/{lot}"),
    ("get", "/01/{gtin}/21/{serial}"),
    ("get", "/00/{sscc}"),
    ("get", "/c/{code}"),
    ("get", "/c/{code}/10/{lot}"),
    ("get", "/c/{code}/21/{serial}"),
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
            .replace("{value}", "x")
            .replace("{captureID}", "1")
            .replace("{eventID}", "x")
            .replace("{epc}", "x")
            .replace("{queryName}", "q")
            .replace("{subscriptionID}", "1")
            .replace("{gtin}", "06970000000017")
            .replace("{lot}", "L1")
            .replace("{serial}", "S1")
            .replace("{sscc}", "106141411234567897")
            .replace("{code}", "X1");
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

/// Every parameter is where the route reads it (issue 15.5: query
/// parameters were declared `in: path, required`); a path parameter is in
/// the path's template and every template variable is declared.
#[tokio::test]
async fn parameters_are_declared_where_they_are_read() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let (_, doc) = app.get("", "/openapi.json").await;
    let mut query = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &params {
                let name = p["name"].as_str().unwrap();
                match p["in"].as_str().unwrap() {
                    "path" => assert!(
                        path.contains(&format!("{{{name}}}")) && p["required"] == true,
                        "{method} {path}: path parameter {name} is not in the template"
                    ),
                    "query" => query += 1,
                    other => panic!("{method} {path}: {name} in {other}"),
                }
            }
            for var in path
                .split('{')
                .skip(1)
                .map(|s| s.split('}').next().unwrap())
            {
                assert!(
                    params.iter().any(|p| p["name"] == var && p["in"] == "path"),
                    "{method} {path}: {{{var}}} is not declared"
                );
            }
        }
    }
    assert!(query > 80, "only {query} query parameters documented");
    // `limit` on the list routes is optional and in the query.
    let limit = doc["paths"]["/api/v1/products"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .cloned()
        .unwrap();
    assert_eq!(
        (limit["in"].as_str(), limit["required"].as_bool()),
        (Some("query"), Some(false))
    );
}

/// Every route the API's router has (read from its source, so a route added
/// by hand without documentation fails here) is in the document.
#[tokio::test]
async fn every_route_of_the_router_is_documented() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let (_, doc) = app.get("", "/openapi.json").await;
    let shape = |p: &str| {
        let mut out = String::new();
        let mut inside = false;
        for c in p.chars() {
            match c {
                '{' => {
                    inside = true;
                    out.push_str("{}");
                }
                '}' => inside = false,
                _ if inside => {}
                c => out.push(c),
            }
        }
        out
    };
    let documented: std::collections::HashSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|p| shape(p))
        .collect();
    let source = include_str!("../../../zhisu-api/src/lib.rs");
    let mut routed = 0;
    for piece in source
        .split(".route(\n")
        .chain(source.split(".route("))
        .skip(1)
    {
        let Some(path) = piece
            .trim_start()
            .strip_prefix('"')
            .and_then(|p| p.split('"').next())
        else {
            continue;
        };
        if ["/openapi.json", "/api/docs", "/problems/{slug}"].contains(&path) {
            continue; // the document itself, its page and the problem pages
        }
        routed += 1;
        assert!(
            documented.contains(&shape(path)),
            "{path} is routed but not documented"
        );
    }
    assert!(
        routed >= 11,
        "read only {routed} routes from the router's source"
    );
}

/// A route asked with a method it does not take answers 405 with a
/// problem, not an empty body.
#[tokio::test]
async fn a_wrong_method_is_a_problem() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    for (method, path) in [
        ("DELETE", "/api/v1/me"),
        ("PUT", "/api/v1/products"),
        ("POST", "/epcis/events"),
    ] {
        let r = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/problem+json",
            "{method} {path}"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["status"], 405);
        assert_eq!(body["type"], "/problems/method-not-allowed");
    }
}

fn have(module_or_command: &[&str]) -> bool {
    std::process::Command::new(module_or_command[0])
        .args(&module_or_command[1..])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The document passes an independent validator (openapi-spec-validator),
/// and a client generated from it (openapi-python-client) files a product
/// and reads it back, with path, query and body parameters, against a
/// real server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_independent_validator_accepts_the_document_and_a_generated_client_works() {
    let tools = have(&["python3", "-c", "import openapi_spec_validator"])
        && have(&["openapi-python-client", "--version"]);
    if !tools {
        assert!(
            std::env::var("CI").is_err(),
            "CI is set but openapi-spec-validator / openapi-python-client are missing: pip install them (.ci/run does)"
        );
        eprintln!("skipping: pip install openapi-spec-validator openapi-python-client");
        return;
    }
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, _) = app.enterprise(&admin, "manufacturer", "440305").await;
    let doc = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, &doc).unwrap();
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new("python3")
            .args(["-m", "openapi_spec_validator"])
            .arg(&path)
            .output()
            .unwrap()
    });
    assert!(
        out.status.success(),
        "the validator refuses the document: {}{}",
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .take(2000)
            .collect::<String>(),
        String::from_utf8_lossy(&out.stderr)
            .chars()
            .take(2000)
            .collect::<String>()
    );

    std::fs::write(
        dir.path().join("config.yaml"),
        "project_name_override: zhisu-client\npackage_name_override: zhisu_client\n",
    )
    .unwrap();
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new("openapi-python-client")
            .args(["generate", "--meta", "none", "--path"])
            .arg(&path)
            .arg("--config")
            .arg(dir.path().join("config.yaml"))
            .arg("--output-path")
            .arg(dir.path().join("zhisu_client"))
            .output()
            .unwrap()
    });
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(
        !said.contains("WARNING"),
        "parts of the document could not be generated: {said}"
    );

    let script = r#"
import sys, json
sys.path.insert(0, sys.argv[1])
from zhisu_client import AuthenticatedClient
from zhisu_client.api.products import create_product, get_product, list_products
from zhisu_client.api.identifiers import identifier
from zhisu_client.api.batches import verify
from zhisu_client.models import ProductInput
base, key, maker_id = sys.argv[2], sys.argv[3], int(sys.argv[4])
client = AuthenticatedClient(base_url=base, token=key)
product = json.loads(sys.argv[5])
product["enterprise_id"] = maker_id
created = create_product.sync_detailed(client=client, body=ProductInput.from_dict(product))
assert created.status_code == 201, (created.status_code, created.content)
pid = json.loads(created.content)["id"]
got = get_product.sync_detailed(client=client, id=pid)
assert got.status_code == 200 and json.loads(got.content)["model"] == product["model"], got.content
page = list_products.sync_detailed(client=client, q=product["model"], limit=5)
assert page.status_code == 200, page.content
items = json.loads(page.content)["items"]
assert [i["id"] for i in items] == [pid], items
checked = identifier.sync_detailed(client=client, value="91350100M000100Y43")
assert checked.status_code == 200, checked.content
unknown = verify.sync_detailed(client=client, code="(01)06970000000017(21)NOPE")
assert unknown.status_code == 200, (unknown.status_code, unknown.content)
assert json.loads(unknown.content)["status"] == "unknown", unknown.content
print("client ok")
"#;
    let product = crate::support::gas_stove_json("OPENAPI-CLIENT-1");
    let base = app.base.clone();
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(dir.path())
            .arg(&base)
            .arg(&admin)
            .arg(maker_id.to_string())
            .arg(product.to_string())
            .output()
            .unwrap()
    });
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("client ok"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
