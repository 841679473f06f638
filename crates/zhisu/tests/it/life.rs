//! A code's life cycle (P6.2 full-life-cycle display and risk warning,
//! P6.3 shared across the chain), through the API and the page, on both
//! engines: every step in the order it happened, risks on top, and only
//! for those who may see it.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::scan::{active_item_batch, scan_json};
use crate::support::{flow_lines, TestApp};

async fn life(app: &TestApp, key: &str, code: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url("/api/v1/codes/life"))
        .query(&[("code", code)])
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    crate::support::decode(r).await
}

fn steps(life: &Value) -> Vec<&str> {
    life["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_codes_life_shows_every_step_in_order_to_those_who_may_see_it() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (dist_id, dist) = app.enterprise(&admin, "seller", "440106").await;
        let (_, stranger) = app.enterprise(&admin, "seller", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (batch, _, codes) = active_item_batch(&app, &maker, "LIFE-1", 951).await;

        // Down the chain: the maker sells two to the distributor, which
        // sells one to a consumer; the code is scanned; the regulator
        // freezes and unfreezes the batch, then recalls it.
        let sale = json!({"kind": "sale", "at": "2026-11-01", "counterparty_id": dist_id, "lines": flow_lines(&codes[..2])});
        let (status, sold) = app.post(&maker, "/api/v1/flows", &sale).await;
        assert_eq!(status, 201, "{sold}");
        let on = json!({"kind": "sale", "at": "2026-11-03T10:00:00+08:00", "counterparty_name": "消费者李四", "counterparty_address": "广州市天河区",
            "counterparty_contact": "13900000000", "lines": flow_lines(&codes[..1])});
        let (status, resold) = app.post(&dist, "/api/v1/flows", &on).await;
        assert_eq!(status, 201, "{resold}");
        scan_json(&app, &codes[0], "").await;
        scan_json(&app, &codes[0], "").await;
        let url = format!("/api/v1/batches/{batch}/dispose");
        for action in ["freeze", "unfreeze"] {
            let (status, body) = app
                .post(&gd, &url, &json!({"action": action, "reason": "抽检复核"}))
                .await;
            assert_eq!(status, 200, "{action}: {body}");
        }
        let (_, product) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let recall = json!({"product_id": product["product_id"], "batch_ids": [batch], "reason": "抽检不合格"});
        let (status, recall) = app.post(&gd, "/api/v1/recalls", &recall).await;
        assert_eq!(status, 201, "{recall}");

        // The producer sees every step, in the order it happened.
        let (status, seen) = life(&app, &maker, &codes[0]).await;
        assert_eq!(status, 200, "{engine}: {seen}");
        assert_eq!(seen["code"], codes[0].as_str());
        assert_eq!(
            seen["status"], "genuine",
            "a recall does not change what the code is"
        );
        assert_eq!(seen["scans"]["count"], 2);
        assert_eq!(
            steps(&seen),
            [
                "product-filed",
                "batch-filed",
                "approved",
                "activated",
                "sold",
                "sold",
                "first-scan",
                "frozen",
                "unfrozen",
                "recalled"
            ],
            "{engine}: {seen}"
        );
        let text = seen.to_string();
        assert!(
            !text.contains("消费者"),
            "an off-platform buyer is not named: {text}"
        );
        assert!(
            !text.contains("13900000000"),
            "no contact in a life: {text}"
        );
        let risks: Vec<&str> = seen["risks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert_eq!(risks.len(), 2, "{risks:?}");
        assert!(
            risks[0].contains("抽检不合格") && risks[1].contains("frozen"),
            "newest first: {risks:?}"
        );
        let record = seen["steps"][4]["record"].as_str().unwrap();
        assert_eq!(record, format!("flow/{}", sold["id"]));
        // Who made each step, by name (issue 15.8), never `key:3`.
        for s in seen["steps"].as_array().unwrap() {
            let detail = s["detail"].as_str().unwrap();
            assert!(
                !detail.contains("key:") && !detail.contains("user:"),
                "{engine}: {detail}"
            );
        }

        // A key names the same code (alerts and flow lines list keys).
        let key = seen["key"].as_str().unwrap().to_string();
        assert!(key.starts_with("(01)"), "{key}");
        let (status, by_key) = life(&app, &maker, &key).await;
        assert_eq!(
            (status, by_key["code"].as_str()),
            (200, Some(codes[0].as_str()))
        );

        // The chain shares it: the distributor it reached sees the steps,
        // and opens only its own flows. The competent regulator sees it.
        let (status, theirs) = life(&app, &dist, &codes[0]).await;
        assert_eq!(status, 200, "{theirs}");
        assert_eq!(steps(&theirs), steps(&seen));
        assert!(
            theirs["steps"][0]["record"].is_null(),
            "not the producer's records: {theirs}"
        );
        assert_eq!(theirs["steps"][4]["record"], format!("flow/{}", sold["id"]));
        let (status, _) = life(&app, &gd, &codes[0]).await;
        assert_eq!(status, 200);
        // Others: the same 404 as a code that does not exist.
        for key in [&stranger, &zj] {
            let (status, problem) = life(&app, key, &codes[0]).await;
            assert_eq!(status, 404, "{problem}");
        }
        let (status, _) = life(&app, &dist, &codes[3]).await;
        assert_eq!(status, 404, "a code the distributor never received");
        let (status, problem) = life(&app, &maker, &crate::support::forge(&codes[0])).await;
        assert_eq!(status, 404, "{problem}");
        let (status, problem) = life(&app, &maker, "https://x.cn/01/123").await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(problem["type"], "/problems/bad-request", "{problem}");
        let (status, _) = life(&app, "not-a-key", &codes[0]).await;
        assert_eq!(status, 401);

        // An alert is a risk too: a code scanned far too often.
        for _ in 0..51 {
            scan_json(&app, &codes[2], "").await;
        }
        app.service.flush_scans().await;
        let (_, copied) = life(&app, &maker, &codes[2]).await;
        assert_eq!(
            steps(&copied).iter().filter(|s| **s == "alert").count(),
            1,
            "{copied}"
        );
        assert!(
            copied["risks"][0]
                .as_str()
                .unwrap()
                .contains("may have been copied"),
            "the newest risk is the alert: {copied}"
        );
    }
}
