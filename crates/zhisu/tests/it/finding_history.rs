//! A finding's history (issue 17.2) on both engines: opened by a sweep,
//! claimed and released, claimed again and decided non-compliant (which
//! opens a case), seen again by the next sweep, each a step in time
//! order with who did it; the enterprise reads its own, another region's
//! regulator gets 404, like any record it cannot see.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::support::{gas_stove_json, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_findings_history_shows_each_step_in_order() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        app.post(&maker, "/api/v1/products", &gas_stove_json("HIS-1"))
            .await;
        let mut twice = gas_stove_json("his-1");
        twice["product_name"] = json!("燃气灶（另一名称）");
        app.post(&maker, "/api/v1/products", &twice).await;
        let (_, first) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        let (_, found) = app
            .get(&gd, "/api/v1/verification/findings?rule=ZV-R-003")
            .await;
        let id = found["items"][0]["id"].as_i64().unwrap();
        let act = |action: &'static str, body: Value| {
            let (app, gd) = (&app, &gd);
            async move {
                let (status, row) = app
                    .post(
                        gd,
                        &format!("/api/v1/verification/findings/{id}/{action}"),
                        &body,
                    )
                    .await;
                assert_eq!(status, 200, "{action}: {row}");
            }
        };
        act("claim", json!({})).await;
        act("release", json!({})).await;
        act("claim", json!({})).await;
        act(
            "decide",
            json!({"class": "non-compliant", "reason": "同一型号两个名称，须更正"}),
        )
        .await;
        let (_, second) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;

        let (status, detail) = app
            .get(&gd, &format!("/api/v1/verification/findings/{id}"))
            .await;
        assert_eq!(status, 200, "{engine}: {detail}");
        assert_eq!(detail["finding"]["id"], id);
        let steps = detail["steps"].as_array().unwrap();
        let actions: Vec<&str> = steps
            .iter()
            .map(|s| s["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["opened", "claimed", "released", "claimed", "decided", "case", "seen"],
            "{engine}: {detail}"
        );
        assert_eq!(steps[0]["sweep"], first["id"], "{engine}");
        assert_eq!(steps[6]["sweep"], second["id"], "{engine}");
        assert!(steps[1]["by"].as_str().unwrap().starts_with("key:"));
        assert!(
            steps[4]["detail"]
                .as_str()
                .unwrap()
                .contains("同一型号两个名称，须更正"),
            "{engine}: {detail}"
        );
        let (_, cases) = app.get(&gd, "/api/v1/cases").await;
        assert_eq!(steps[5]["case_id"], cases["items"][0]["id"], "{engine}");
        let mut times: Vec<&str> = steps.iter().map(|s| s["at"].as_str().unwrap()).collect();
        let in_order = times.clone();
        times.sort();
        assert_eq!(times, in_order, "{engine}: in time order");

        // The enterprise reads its own; another region's regulator cannot.
        let (status, _) = app
            .get(&maker, &format!("/api/v1/verification/findings/{id}"))
            .await;
        assert_eq!(status, 200, "{engine}");
        let (status, body) = app
            .get(&zj, &format!("/api/v1/verification/findings/{id}"))
            .await;
        assert_eq!(status, 404, "{engine}: {body}");
        let (status, _) = app.get(&gd, "/api/v1/verification/findings/99999999").await;
        assert_eq!(status, 404, "{engine}");
    }
}
