//! Recalls' figures in the statistics (issue 18.1, P6.4) on both engines:
//! the holders reached and the share returned of the recalls open at a
//! period's end are the recall traces' own figures — after the recall
//! opens, after a return, after goods move on — for the province, the
//! city, the producer and a reader of another province; none the day
//! before it opened and none once it is closed. Counting every open recall
//! again (the daily schedule) changes nothing that was kept.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::scan::active_item_batch;
use crate::support::{flow_lines, TestApp};

fn today() -> String {
    zhisu_service::today_in_shanghai().to_string()
}

/// (holders reached, share returned) as a reader's summary gives them for
/// the period ending `to`.
async fn figures(app: &TestApp, key: &str, to: &str, filter: &str) -> (Option<f64>, Option<f64>) {
    let (status, s) = app
        .get(
            key,
            &format!("/api/v1/statistics/summary?from={to}&to={to}{filter}"),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    let of = |id: &str| {
        s["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["indicator"] == id)
            .unwrap_or_else(|| panic!("{id} missing: {s}"))["value"]
            .as_f64()
    };
    (of("recall_holders_reached"), of("recall_returned_share"))
}

/// What the recall's trace counts: (holders told, returned, delivered).
async fn traced(app: &TestApp, key: &str, id: i64) -> (u64, u64, u64) {
    let (status, t) = app.get(key, &format!("/api/v1/recalls/{id}/trace")).await;
    assert_eq!(status, 200, "{t}");
    (
        t["notified"].as_u64().unwrap(),
        t["returned"].as_u64().unwrap(),
        t["delivered"].as_u64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recalls_holders_reached_and_share_returned_are_their_traces() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (dist_id, dist) = app.enterprise(&admin, "seller", "330106").await;
        let (retail_id, retail) = app.enterprise(&admin, "seller", "330108").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (batch, _, codes) = active_item_batch(&app, &maker, "FIG-1", 961).await;
        let post = |key: &str, body: Value| {
            let key = key.to_string();
            let app = &app;
            async move {
                let (status, flow) = app.post(&key, "/api/v1/flows", &body).await;
                assert_eq!(status, 201, "{flow}");
            }
        };
        // Three items to a distributor, two to a buyer off the platform; the
        // distributor sells one on to a retailer.
        post(&maker, json!({"kind": "sale", "at": today(), "counterparty_id": dist_id, "lines": flow_lines(&codes[..3])})).await;
        post(&maker, json!({"kind": "sale", "at": today(), "counterparty_name": "五金店", "counterparty_address": "深圳市",
            "counterparty_contact": "13600000000", "lines": flow_lines(&codes[3..5])}))
        .await;
        post(&dist, json!({"kind": "sale", "at": today(), "counterparty_id": retail_id, "lines": flow_lines(&codes[..1])})).await;
        // Before any recall: no holder reached, nothing to divide by.
        assert_eq!(
            figures(&app, &gd, &today(), "").await,
            (Some(0.0), None),
            "{engine}"
        );

        let (_, batch_view) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let (status, opened) = app
            .post(&gd, "/api/v1/recalls", &json!({"product_id": batch_view["product_id"], "batch_ids": [batch], "reason": "绝缘层厚度不合格"}))
            .await;
        assert_eq!(status, 201, "{engine}: {opened}");
        let id = opened["id"].as_i64().unwrap();
        assert_eq!(traced(&app, &gd, id).await, (2, 0, 5), "{engine}");
        for (who, key, filter) in [
            ("gd", &gd, ""),
            ("gd/shenzhen", &gd, "&region=440300"),
            ("maker", &maker, ""),
        ] {
            assert_eq!(
                figures(&app, key, &today(), filter).await,
                (Some(2.0), Some(0.0)),
                "{engine} {who}: the distributor and the retailer told, nothing back"
            );
        }
        // Counted where the producer is: Zhejiang's goods are not its own.
        assert_eq!(
            figures(&app, &zj, &today(), "").await,
            (Some(0.0), None),
            "{engine}"
        );

        // Returns to the producer: one from the distributor, one from the
        // retailer; the share is the trace's.
        post(&dist, json!({"kind": "return", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[1..2])})).await;
        post(&retail, json!({"kind": "return", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[..1])})).await;
        let (holders, returned, delivered) = traced(&app, &gd, id).await;
        assert_eq!((returned, delivered), (2, 5), "{engine}");
        let want = (
            Some(holders as f64),
            Some(returned as f64 / delivered as f64),
        );
        assert_eq!(figures(&app, &gd, &today(), "").await, want, "{engine}");
        assert_eq!(figures(&app, &maker, &today(), "").await, want, "{engine}");
        // The daily count finds what was kept.
        assert!(app.service.keep_every_recall_figures().await.unwrap() >= 1);
        assert_eq!(figures(&app, &gd, &today(), "").await, want, "{engine}");

        // The day before it opened: nothing.
        let yesterday =
            (zhisu_service::today_in_shanghai() - chrono::Duration::days(1)).to_string();
        assert_eq!(
            figures(&app, &gd, &yesterday, "").await,
            (Some(0.0), None),
            "{engine}"
        );

        // Closed: no recall open, no figures — today, and after a daily count.
        let (status, closed) = app
            .post(
                &gd,
                &format!("/api/v1/recalls/{id}/progress"),
                &json!({"close": true}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {closed}");
        assert_eq!(
            figures(&app, &gd, &today(), "").await,
            (Some(0.0), None),
            "{engine}"
        );
        app.service.keep_every_recall_figures().await.unwrap();
        assert_eq!(
            figures(&app, &gd, &today(), "").await,
            (Some(0.0), None),
            "{engine}"
        );
        // By category and region as any kept stock.
        let (status, c) = app
            .get(
                &gd,
                "/api/v1/statistics/composition?indicator=recall_holders_reached&by=category",
            )
            .await;
        assert_eq!(status, 200, "{engine}: {c}");
    }
}
