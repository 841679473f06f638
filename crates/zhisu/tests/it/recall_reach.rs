//! A recall reaches the goods, on both engines (P6.4, issue 15.1): every
//! holder on the platform is told what it should hold and what to do, the
//! regulators of every region the goods reached see the recall, returns to
//! the producer are flows of their own, and the recall's figures come from
//! those records.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::scan::active_item_batch;
use crate::support::{flow_lines, TestApp};

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%d")
        .to_string()
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_recall_reaches_every_holder_and_every_region_the_goods_reached() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (dist_id, dist) = app.enterprise(&admin, "seller", "330106").await;
        let (retail_id, retail) = app.enterprise(&admin, "seller", "330108").await;
        let (_, bystander) = app.enterprise(&admin, "seller", "440106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let js = app.key(Role::Regulator, None, &["320000"]).await;
        let (batch, _, codes) = active_item_batch(&app, &maker, "REACH-1", 931).await;

        // Three items to a Hangzhou distributor; one on to a retailer, one
        // to a consumer.
        let post = |key: &str, body: Value| {
            let key = key.to_string();
            let app = &app;
            async move { app.post(&key, "/api/v1/flows", &body).await }
        };
        let (status, _) = post(&maker, json!({"kind": "sale", "at": today(), "counterparty_id": dist_id, "lines": flow_lines(&codes[..3])})).await;
        assert_eq!(status, 201);
        let (status, _) = post(&dist, json!({"kind": "sale", "at": today(), "counterparty_id": retail_id, "lines": flow_lines(&codes[..1])})).await;
        assert_eq!(status, 201);
        let (status, _) = post(&dist, json!({"kind": "sale", "at": today(), "counterparty_name": "消费者", "counterparty_address": "杭州市",
            "counterparty_contact": "13600000000", "lines": flow_lines(&codes[1..2])})).await;
        assert_eq!(status, 201);
        assert_eq!(app.get(&dist, "/api/v1/recall-notices").await.1, json!([]));

        // Guangdong's regulator recalls the batch.
        let (_, batch_view) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let (status, opened) = app
            .post(&gd, "/api/v1/recalls", &json!({"product_id": batch_view["product_id"], "batch_ids": [batch], "reason": "绝缘层厚度不合格"}))
            .await;
        assert_eq!(status, 201, "{engine}: {opened}");
        let id = opened["id"].as_i64().unwrap();

        // Each holder is told what it should hold.
        let (status, notices) = app.get(&dist, "/api/v1/recall-notices").await;
        assert_eq!(status, 200, "{notices}");
        assert_eq!(notices.as_array().unwrap().len(), 1, "{engine}: {notices}");
        assert_eq!(notices[0]["recall_id"], id);
        assert_eq!(notices[0]["holding"], 1, "received 3, sold 2: {notices}");
        assert_eq!(notices[0]["reason"], "绝缘层厚度不合格");
        let (_, notices) = app.get(&retail, "/api/v1/recall-notices").await;
        assert_eq!(notices[0]["holding"], 1, "{engine}: {notices}");
        for key in [&dist, &retail] {
            let (_, list) = app.get(key, "/api/v1/recalls").await;
            assert_eq!(
                ids(&list),
                [id],
                "{engine}: the holder's recall list: {list}"
            );
            let (status, _) = app.get(key, &format!("/api/v1/recalls/{id}")).await;
            assert_eq!(status, 200);
            let (status, trace) = app.get(key, &format!("/api/v1/recalls/{id}/trace")).await;
            assert_eq!(status, 200, "{trace}");
        }
        // Zhejiang's regulator sees it (the goods are there); Jiangsu's and
        // a seller that got nothing do not.
        let (_, list) = app.get(&zj, "/api/v1/recalls").await;
        assert_eq!(ids(&list), [id], "{engine}: {list}");
        let (_, notices) = app.get(&zj, "/api/v1/recall-notices").await;
        assert_eq!(
            notices[0]["holders"].as_array().unwrap().len(),
            2,
            "{notices}"
        );
        for key in [&js, &bystander] {
            assert_eq!(app.get(key, &format!("/api/v1/recalls/{id}")).await.0, 404);
            assert_eq!(
                ids(&app.get(key, "/api/v1/recalls").await.1),
                Vec::<i64>::new()
            );
            assert_eq!(app.get(key, "/api/v1/recall-notices").await.1, json!([]));
        }

        // The figures come from the records: two holders on the platform told.
        let (_, recall) = app.get(&gd, &format!("/api/v1/recalls/{id}")).await;
        assert_eq!(
            (recall["notified"].as_u64(), recall["returned"].as_u64()),
            (Some(2), Some(0)),
            "{recall}"
        );
        let (status, problem) = app
            .post(
                &gd,
                &format!("/api/v1/recalls/{id}/progress"),
                &json!({"returned": 99}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some("returned")),
            "{problem}"
        );

        // Returns: only to the producer, only what is held; they count.
        let (status, problem) = post(&dist, json!({"kind": "return", "at": today(), "counterparty_id": retail_id, "lines": flow_lines(&codes[2..3])})).await;
        assert_eq!(
            (status, problem["errors"][0]["code"].as_str()),
            (422, Some("not-producer")),
            "{problem}"
        );
        let (status, problem) = post(&dist, json!({"kind": "return", "at": today(), "counterparty_name": "x", "lines": flow_lines(&codes[2..3])})).await;
        assert_eq!(status, 422, "{problem}");
        let (status, problem) = post(&dist, json!({"kind": "return", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[1..2])})).await;
        assert_eq!(
            (status, problem["errors"][0]["code"].as_str()),
            (422, Some("not-held")),
            "sold to a consumer: {problem}"
        );
        let (status, back) = post(&dist, json!({"kind": "return", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[2..3])})).await;
        assert_eq!(status, 201, "{engine}: {back}");
        let (status, _) = post(&retail, json!({"kind": "return", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[..1])})).await;
        assert_eq!(status, 201);
        let (_, recall) = app.get(&gd, &format!("/api/v1/recalls/{id}")).await;
        assert_eq!(recall["returned"], 2, "{engine}: {recall}");
        let (_, notices) = app.get(&dist, "/api/v1/recall-notices").await;
        assert_eq!(
            notices[0]["holding"], 0,
            "nothing left to return: {notices}"
        );

        // Closing keeps the figures the records gave.
        let (status, closed) = app
            .post(
                &gd,
                &format!("/api/v1/recalls/{id}/progress"),
                &json!({"close": true}),
            )
            .await;
        assert_eq!(status, 200, "{closed}");
        assert_eq!(
            (
                closed["notified"].as_u64(),
                closed["returned"].as_u64(),
                closed["status"].as_str()
            ),
            (Some(2), Some(2), Some("closed"))
        );
        assert_eq!(
            app.get(&dist, "/api/v1/recall-notices").await.1,
            json!([]),
            "closed: no notice"
        );
    }
}
