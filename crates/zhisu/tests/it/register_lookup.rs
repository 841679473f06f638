//! A live lookup at the issuing authority (issue 17.3): a deployment whose
//! settings name `register_lookup_url` asks a real HTTP server on
//! loopback (standing in for the authority's gateway) about the CCC
//! numbers its products carry, with its bearer token, and the sweep finds
//! a revoked certificate and an unknown one without any import. When the
//! authority fails, the findings stand as they were: none resolved, none
//! opened.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::support::{gas_stove_json, TestApp};

#[derive(Default)]
struct Authority {
    /// Entries by number; the test fills them once the USCC is known.
    entries: Vec<Value>,
    /// What each request asked: (authorization, kind, numbers).
    asked: Vec<(String, String, Vec<String>)>,
    /// Answer 503 to everything.
    down: bool,
}

async fn authority() -> (String, Arc<Mutex<Authority>>) {
    let state = Arc::new(Mutex::new(Authority::default()));
    let shared = state.clone();
    let app = axum::Router::new().route(
        "/lookup",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let state = shared.clone();
                async move {
                    let mut a = state.lock().unwrap();
                    let numbers: Vec<String> = body["numbers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n.as_str().unwrap().to_string())
                        .collect();
                    let auth = headers
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default();
                    a.asked
                        .push((auth, body["kind"].as_str().unwrap().into(), numbers.clone()));
                    if a.down {
                        return (
                            axum::http::StatusCode::SERVICE_UNAVAILABLE,
                            axum::Json(json!({})),
                        );
                    }
                    let entries: Vec<Value> = a
                        .entries
                        .iter()
                        .filter(|e| numbers.iter().any(|n| e["number"] == *n))
                        .cloned()
                        .collect();
                    (
                        axum::http::StatusCode::OK,
                        axum::Json(json!({"entries": entries})),
                    )
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/lookup", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

async fn ccc_findings(app: &TestApp, key: &str) -> Vec<(i64, String)> {
    let (_, found) = app
        .get(
            key,
            "/api/v1/verification/findings?rule=ZV-A-005&status=open",
        )
        .await;
    let mut out: Vec<(i64, String)> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["field"] == "ccc_cert_no")
        .map(|f| {
            (
                f["record_id"].as_i64().unwrap(),
                f["evidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_asks_the_authority_live_and_an_outage_settles_nothing() {
    let (url, authority) = authority().await;
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        format!("register_lookup_url = \"{url}\"\nregister_lookup_token = \"gateway-token\"\n"),
    )
    .unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(crate::support::EngineKind::Sqlite, |args| {
        args.common.config = Some(path)
    })
    .await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let gd = app.key(Role::Regulator, None, &["440000"]).await;
    let (_, me) = app
        .get(&admin, &format!("/api/v1/enterprises/{maker_id}"))
        .await;
    let uscc = me["uscc"].as_str().unwrap().to_string();
    // Revoked at the authority, valid there, and unknown to it.
    let mut ids = Vec::new();
    for (model, number) in [
        ("LIVE-1", "2021010101123456"),
        ("LIVE-2", "2021010101777777"),
        ("LIVE-3", "2021010101999999"),
    ] {
        let mut p = gas_stove_json(model);
        p["ccc_cert_no"] = json!(number);
        let (status, p) = app.post(&maker, "/api/v1/products", &p).await;
        assert_eq!(status, 201, "{p}");
        ids.push(p["id"].as_i64().unwrap());
    }
    authority.lock().unwrap().entries = vec![
        json!({"number": "2021010101123456", "holder_name": "测试制造有限公司", "uscc": uscc,
               "valid_from": "2021-01-01", "valid_to": "2030-12-31", "status": "revoked"}),
        json!({"number": "2021010101777777", "holder_name": "测试制造有限公司", "uscc": uscc,
               "valid_from": "2021-01-01", "valid_to": "2030-12-31", "status": "valid"}),
    ];

    let (status, _) = app
        .post(&gd, "/api/v1/verification/sweeps", &json!({"full": true}))
        .await;
    assert_eq!(status, 201);
    let found = ccc_findings(&app, &gd).await;
    assert_eq!(
        found.iter().map(|f| f.0).collect::<Vec<_>>(),
        [ids[0], ids[2]],
        "the revoked and the unknown: {found:?}"
    );
    assert!(found[0].1.contains("撤销"), "{found:?}");
    assert!(
        found[1].1.contains("没有编号 2021010101999999"),
        "{found:?}"
    );
    {
        let a = authority.lock().unwrap();
        let ccc: Vec<&(String, String, Vec<String>)> =
            a.asked.iter().filter(|q| q.1 == "ccc").collect();
        assert_eq!(ccc.len(), 1, "one request for three numbers");
        assert_eq!(ccc[0].0, "Bearer gateway-token");
        assert_eq!(
            ccc[0].2,
            ["2021010101123456", "2021010101777777", "2021010101999999"]
        );
    }

    // The authority goes down, and the revoked certificate is reinstated
    // there meanwhile: the sweep cannot know, so what it found stands.
    {
        let mut a = authority.lock().unwrap();
        a.down = true;
        a.entries[0]["status"] = json!("valid");
    }
    let (status, sweep) = app
        .post(&gd, "/api/v1/verification/sweeps", &json!({"full": true}))
        .await;
    assert_eq!(status, 201, "an outage does not fail the sweep: {sweep}");
    assert_eq!(
        ccc_findings(&app, &gd).await,
        found,
        "nothing settled by an outage"
    );

    // Back up: the reinstated certificate's finding is resolved.
    authority.lock().unwrap().down = false;
    app.post(&gd, "/api/v1/verification/sweeps", &json!({"full": true}))
        .await;
    let after = ccc_findings(&app, &gd).await;
    assert_eq!(
        after.iter().map(|f| f.0).collect::<Vec<_>>(),
        [ids[2]],
        "{after:?}"
    );
}
