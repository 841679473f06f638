//! Flow and recall on both engines (G5.1-flow, G5.2-flow, P6.4): a producer
//! sells to a distributor and to a buyer off the platform, the distributor
//! sells on to a retailer, the retailer to a consumer; purchases are
//! matched; sellers cannot sell what they never received; contacts are
//! sealed; a recall turns scans red and traces every holder.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::scan::{active_item_batch, scan_json};
use crate::support::{flow_lines, xlsx_sheets, TestApp};

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn goods_flow_down_the_chain_and_a_recall_finds_every_holder() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (dist_id, dist) = app.enterprise(&admin, "seller", "440106").await;
        let (retail_id, retail) = app.enterprise(&admin, "seller", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (batch, _, codes) = active_item_batch(&app, &maker, "FLOW-1", 901).await;
        let flows = || async {
            app.scalar("select count(*) from records where kind = 'flow'")
                .await
        };

        // The producer sells three to the distributor and one off the platform.
        let sale = json!({"kind": "sale", "at": today(), "counterparty_id": dist_id, "lines": flow_lines(&codes[..3])});
        let (status, to_dist) = app.post(&maker, "/api/v1/flows", &sale).await;
        assert_eq!(status, 201, "{engine}: {to_dist}");
        assert_eq!(to_dist["lines"].as_array().unwrap().len(), 3);
        assert!(to_dist["counterparty_name"].as_str().unwrap().len() > 2);
        let off = json!({"kind": "sale", "at": today(), "counterparty_name": "个体户王五", "counterparty_address": "深圳市南山区",
            "counterparty_contact": "13800000000", "lines": flow_lines(&codes[3..4])});
        let (status, to_wang) = app.post(&maker, "/api/v1/flows", &off).await;
        assert_eq!(status, 201, "{to_wang}");
        assert_eq!(
            to_wang["counterparty_contact"], "13800000000",
            "opened for its owner"
        );
        let wang_id = to_wang["id"].as_i64().unwrap();
        assert_eq!(
            app.scalar("select count(*) from record_versions where body like '%13800000000%'")
                .await,
            0,
            "{engine}: the contact is sealed at rest"
        );
        // The region's regulator reads it masked until it gives a reason
        // (V7, issue 17.7).
        let (status, seen) = app.get(&gd, &format!("/api/v1/flows/{wang_id}")).await;
        assert_eq!(
            (status, seen["counterparty_contact"].as_str()),
            (200, Some("138****0000"))
        );
        let (status, _) = app.get(&zj, &format!("/api/v1/flows/{wang_id}")).await;
        assert_eq!(status, 404, "another province's regulator");
        let (status, _) = app.get(&dist, &format!("/api/v1/flows/{wang_id}")).await;
        assert_eq!(status, 404, "another enterprise");

        // Purchases: matched against the producer's sale, or not.
        let (status, bought) = app
            .post(&dist, "/api/v1/flows", &json!({"kind": "purchase", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[..3])}))
            .await;
        assert_eq!(status, 201, "{bought}");
        assert_eq!(bought["matched"], true, "{bought}");
        let (status, early) = app
            .post(&retail, "/api/v1/flows", &json!({"kind": "purchase", "at": today(), "counterparty_id": dist_id, "lines": flow_lines(&codes[..1])}))
            .await;
        assert_eq!(status, 201);
        assert_eq!(
            early["matched"], false,
            "the distributor has not recorded this sale yet"
        );
        assert_eq!(early["unmatched"].as_array().unwrap().len(), 1);

        // The distributor sells two on; it cannot sell what it never received.
        let before = flows().await;
        let (status, problem) = app
            .post(&dist, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": retail_id, "lines": flow_lines(&codes[3..5])}))
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["code"], "not-held");
        assert_eq!(flows().await, before, "a refused sale stores nothing");
        let (status, _) = app
            .post(&dist, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": retail_id, "lines": flow_lines(&codes[..2])}))
            .await;
        assert_eq!(status, 201);
        // …and the retailer sells one to a consumer.
        let (status, _) = app
            .post(&retail, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_name": "消费者李四", "counterparty_address": "杭州市西湖区", "counterparty_contact": "13900000000", "lines": flow_lines(&codes[..1])}))
            .await;
        assert_eq!(status, 201);

        // Bad input: each refused, nothing stored.
        let before = flows().await;
        let forged = crate::support::forge(&codes[0]);
        for (body, field) in [
            (
                json!({"kind": "sale", "at": "2999-01-01", "counterparty_id": dist_id, "lines": flow_lines(&codes[4..5])}),
                "at",
            ),
            (
                json!({"kind": "sale", "at": today(), "counterparty_name": "x", "lines": flow_lines(&codes[4..5])}),
                "counterparty_address",
            ),
            (
                json!({"kind": "sale", "at": today(), "counterparty_id": dist_id, "lines": flow_lines(std::slice::from_ref(&forged))}),
                "lines[0].code",
            ),
            (
                json!({"kind": "sale", "at": today(), "counterparty_id": dist_id, "lines": [{"code": codes[4]}, {"code": codes[4]}]}),
                "lines[1].code",
            ),
            (
                json!({"kind": "sale", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[4..5])}),
                "counterparty_id",
            ),
            (
                json!({"kind": "sale", "at": today(), "counterparty_id": 999_999, "lines": flow_lines(&codes[4..5])}),
                "counterparty_id",
            ),
            (
                json!({"kind": "sale", "at": today(), "counterparty_id": dist_id, "lines": [{"code": codes[4], "quantity": 0}]}),
                "lines[0].quantity",
            ),
        ] {
            let (status, problem) = app.post(&maker, "/api/v1/flows", &body).await;
            assert_eq!(status, 422, "{engine}: {body} → {problem}");
            assert!(
                problem["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["field"] == field),
                "{field}: {problem}"
            );
        }
        let (status, _) = app
            .post(
                &maker,
                "/api/v1/flows",
                &json!({"kind": "gift", "at": today(), "lines": []}),
            )
            .await;
        assert_eq!(status, 422);
        let (status, _) = app
            .post(&gd, "/api/v1/flows", &json!({"kind": "sale", "enterprise_id": maker_id, "at": today(), "counterparty_id": dist_id, "lines": flow_lines(&codes[4..5])}))
            .await;
        assert_eq!(status, 403, "regulators do not trade");
        assert_eq!(flows().await, before);

        // The scan names the sellers the code reached, latest first.
        let (_, view) = scan_json(&app, &codes[0], "").await;
        let sellers: Vec<&str> = view["public"]["sellers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(sellers.len(), 2, "{engine}: {view}");
        assert!(view["public"]["sellers"][0].get("contact_name").is_none());

        // A recall: refused without reason, scope, or rights.
        let (_, batch_view) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let product_id = batch_view["product_id"].as_i64().unwrap();
        let recall =
            json!({"product_id": product_id, "batch_ids": [batch], "reason": "燃气阀门可能泄漏"});
        let (status, _) = app
            .post(
                &maker,
                "/api/v1/recalls",
                &json!({"product_id": product_id, "batch_ids": [batch]}),
            )
            .await;
        assert_eq!(status, 422);
        let (status, problem) = app
            .post(
                &maker,
                "/api/v1/recalls",
                &json!({"product_id": product_id, "batch_ids": [batch + 1000], "reason": "x"}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some("batch_ids[0]")),
            "{problem}"
        );
        let (status, problem) = app.post(&maker, "/api/v1/recalls", &json!({"product_id": product_id, "produced_from": "2020-01-01", "produced_to": "2020-12-31", "reason": "x"})).await;
        assert_eq!(status, 422, "{problem}");
        let (status, _) = app.post(&zj, "/api/v1/recalls", &recall).await;
        assert_eq!(
            status, 404,
            "a product another province's regulator cannot see"
        );
        let (status, _) = app.post(&dist, "/api/v1/recalls", &recall).await;
        assert_eq!(status, 404);
        assert_eq!(scan_json(&app, &codes[2], "").await.1["status"], "genuine");

        // Opened by the producer: every code of the batch scans red at once.
        let (status, opened) = app.post(&maker, "/api/v1/recalls", &recall).await;
        assert_eq!(status, 201, "{opened}");
        let recall_id = opened["id"].as_i64().unwrap();
        let (_, view) = scan_json(&app, &codes[2], "").await;
        assert_eq!(view["status"], "recalled", "{engine}: {view}");
        assert_eq!(view["reason"], "燃气阀门可能泄漏");
        assert_eq!(view["recall_id"], recall_id);
        let (_, html) = crate::scan::scan_page(&app, &codes[4]).await;
        assert!(html.contains(r#"data-status="recalled""#) && html.contains("verdict bad"));

        // The trace: every holder, its level, what it should still hold.
        let (status, trace) = app
            .get(&gd, &format!("/api/v1/recalls/{recall_id}/trace"))
            .await;
        assert_eq!(status, 200, "{trace}");
        let find = |pred: &dyn Fn(&Value) -> bool| -> Value {
            trace["holders"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| pred(h))
                .cloned()
                .unwrap_or_else(|| panic!("{engine}: no such holder: {trace}"))
        };
        let by_id = |id: i64| find(&move |h: &Value| h["enterprise_id"] == id);
        let holder =
            |part: &'static str| find(&move |h: &Value| h["name"].as_str().unwrap().contains(part));
        let d = by_id(dist_id);
        assert_eq!(
            (
                d["level"].as_u64(),
                d["received"].as_u64(),
                d["sold"].as_u64(),
                d["holding"].as_i64()
            ),
            (Some(1), Some(3), Some(2), Some(1)),
            "{d}"
        );
        let w = holder("王五");
        assert_eq!(
            (w["level"].as_u64(), w["received"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(
            w["contact"], "13800000000",
            "the producer's region regulator sees it"
        );
        let r = by_id(retail_id);
        assert_eq!(
            (
                r["level"].as_u64(),
                r["received"].as_u64(),
                r["holding"].as_i64()
            ),
            (Some(2), Some(2), Some(1)),
            "{r}"
        );
        let c = holder("李四");
        assert_eq!(c["level"], 3);
        assert_eq!(
            c["contact"],
            Value::Null,
            "the retailer's customer contact is for Zhejiang's regulators"
        );
        assert_eq!(trace["holders"].as_array().unwrap().len(), 4, "{trace}");

        // As a spreadsheet.
        let r = app
            .client
            .get(app.url(&format!("/api/v1/recalls/{recall_id}/trace?format=xlsx")))
            .bearer_auth(&maker)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = r.bytes().await.unwrap();
        let sheets = xlsx_sheets(&bytes);
        assert_eq!(sheets.len(), 1);
        assert_eq!(sheets[0].0, format!("召回 {recall_id}"));
        let rows = &sheets[0].1;
        assert_eq!(rows[0][1], "持有者 holder");
        assert!(
            rows.iter()
                .any(|r| r[1] == "个体户王五" && r[3] == "13800000000"),
            "the consumer holder is listed: {rows:?}"
        );
        let (status, _) = app
            .get(
                &maker,
                &format!("/api/v1/recalls/{recall_id}/trace?format=pdf"),
            )
            .await;
        assert_eq!(status, 400);

        // The same story as EPCIS events, for another platform to mirror.
        let epcis = |query: &'static str| {
            let app = &app;
            let maker = maker.clone();
            async move {
                let r = app
                    .client
                    .get(app.url(&format!("/epcis/events?{query}")))
                    .bearer_auth(&maker)
                    .send()
                    .await
                    .unwrap();
                let doc: Value = r.json().await.unwrap();
                doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            }
        };
        let commissioned = epcis("EQ_bizStep=commissioning").await;
        assert_eq!(commissioned.len(), 1, "{engine}: {commissioned:?}");
        assert_eq!(commissioned[0]["quantityList"][0]["quantity"], 5);
        let shipped = epcis("EQ_bizStep=shipping").await;
        assert_eq!(shipped.len(), 2, "the producer's two sales: {shipped:?}");
        let listed: usize = shipped
            .iter()
            .map(|e| e["epcList"].as_array().unwrap().len())
            .sum();
        assert_eq!(listed, 4);
        assert!(shipped
            .iter()
            .any(|e| e["destinationList"][0]["destination"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/enterprises/{dist_id}"))));
        let recalled = epcis("EQ_disposition=recalled").await;
        assert_eq!(recalled.len(), 1);
        assert!(recalled[0]["quantityList"][0]["epcClass"]
            .as_str()
            .unwrap()
            .contains("/10/FLOW-1-L1"));
        let r = app
            .client
            .get(app.url("/epcis/events?EQ_bizStep=receiving"))
            .bearer_auth(&dist)
            .send()
            .await
            .unwrap();
        let doc: Value = r.json().await.unwrap();
        assert_eq!(
            doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "the distributor's receipt"
        );

        // Figures are counted, not typed (issue 15.1); closing: the scans
        // are green again.
        let progress = format!("/api/v1/recalls/{recall_id}/progress");
        let (status, p) = app
            .post(&maker, &progress, &json!({"notified": 4, "returned": 2}))
            .await;
        assert_eq!(status, 422, "{p}");
        let (status, _) = app.post(&gd, &progress, &json!({"close": true})).await;
        assert_eq!(status, 200);
        assert_eq!(scan_json(&app, &codes[2], "").await.1["status"], "genuine");
        let (status, _) = app.post(&maker, &progress, &json!({"returned": 3})).await;
        assert_eq!(status, 409, "a closed recall stays closed");
    }
}

#[tokio::test]
async fn feedback_reaches_the_producer_and_its_regulator() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (_, _, codes) = active_item_batch(&app, &maker, "FB-1", 902).await;

        // A consumer, from the API without a key.
        let send = |body: Value| {
            let app = &app;
            async move {
                crate::support::decode(
                    app.client
                        .post(app.url("/api/v1/feedback"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let (status, sent) =
            send(json!({"code": codes[0], "message": "点火后火焰发黄", "contact": "13700000000"}))
                .await;
        assert_eq!(status, 201, "{engine}: {sent}");
        let id = sent["id"].as_i64().unwrap();
        for (body, field) in [
            (json!({"code": codes[0], "message": "  "}), "message"),
            (
                json!({"code": "https://x/01/06970000000024/21/ABC", "message": "?"}),
                "code",
            ),
            (json!({"code": "not a code", "message": "?"}), "code"),
        ] {
            let (status, problem) = send(body).await;
            assert_eq!(status, 422, "{problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let (status, _) = send(json!({"code": codes[0], "message": "x", "extra": 1})).await;
        assert_eq!(status, 422, "unknown fields are refused");
        assert_eq!(
            app.scalar("select count(*) from record_versions where body like '%13700000000%'")
                .await,
            0,
            "the sender's contact is sealed at rest"
        );

        // Who sees it.
        let (_, mine) = app.get(&maker, "/api/v1/feedback").await;
        assert_eq!(mine["total"], 1, "{mine}");
        let (_, one) = app.get(&maker, &format!("/api/v1/feedback/{id}")).await;
        assert_eq!(
            (one["contact"].as_str(), one["from"].as_str()),
            (Some("13700000000"), Some("consumer"))
        );
        assert_eq!(
            app.get(&gd, "/api/v1/feedback?status=open").await.1["total"],
            1
        );
        assert_eq!(app.get(&zj, "/api/v1/feedback").await.1["total"], 0);
        assert_eq!(app.get(&other, "/api/v1/feedback").await.1["total"], 0);
        let (status, _) = app.get(&other, &format!("/api/v1/feedback/{id}")).await;
        assert_eq!(status, 404);

        // The producer answers, then closes; nobody else may.
        let answer = format!("/api/v1/feedback/{id}/answer");
        let (status, _) = app.post(&gd, &answer, &json!({"answer": "x"})).await;
        assert_eq!(status, 403, "regulators read, producers answer");
        let (status, _) = app.post(&maker, &answer, &json!({"answer": ""})).await;
        assert_eq!(status, 422);
        let (status, answered) = app
            .post(
                &maker,
                &answer,
                &json!({"answer": "请检查气源类型是否匹配"}),
            )
            .await;
        assert_eq!(
            (status, answered["status"].as_str()),
            (200, Some("answered")),
            "{answered}"
        );
        let (_, closed) = app
            .post(
                &maker,
                &answer,
                &json!({"answer": "已上门检修", "close": true}),
            )
            .await;
        assert_eq!(closed["status"], "closed");
        let (status, _) = app.post(&maker, &answer, &json!({"answer": "again"})).await;
        assert_eq!(status, 409);
        assert_eq!(
            app.get(&gd, "/api/v1/feedback?status=open").await.1["total"],
            0
        );

        // The public form behind the scan page's "report a problem".
        let form = app
            .client
            .get(app.url(&format!(
                "/feedback/new?code={}",
                urlencoding::encode(&codes[1])
            )))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = form
            .split(r#"name="csrf" value=""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let page = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("code", codes[1].clone())
            .text("message", "包装破损")
            .text("contact", "");
        let r = app
            .client
            .post(app.url("/feedback/new"))
            .multipart(page)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("已发送"));
        assert_eq!(app.get(&maker, "/api/v1/feedback").await.1["total"], 2);
        let forged = reqwest::multipart::Form::new()
            .text("csrf", "wrong")
            .text("code", codes[1].clone())
            .text("message", "x");
        let r = app
            .client
            .post(app.url("/feedback/new"))
            .multipart(forged)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "CSRF");
    }
}

#[tokio::test]
async fn codes_outside_their_distributors_region_raise_diversion_alerts() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (gd_dist_id, gd_dist) = app.enterprise(&admin, "seller", "440106").await;
        let (gd_shop_id, _) = app.enterprise(&admin, "seller", "440303").await;
        let (zj_shop_id, _) = app.enterprise(&admin, "seller", "330106").await;
        let (_, _, codes) = active_item_batch(&app, &maker, "DIV-1", 903).await;
        let me = format!("/api/v1/enterprises/{maker_id}");

        // The producer assigns Guangdong to its distributor; bad channels are refused.
        for bad in [
            json!({"channels": [{"distributor_id": gd_dist_id, "regions": ["99"]}]}),
            json!({"channels": [{"distributor_id": 0, "regions": ["440000"]}]}),
            json!({"channels": [{"distributor_id": gd_dist_id, "regions": []}]}),
        ] {
            let (status, problem) = app.patch(&maker, &me, &bad).await;
            assert_eq!(status, 422, "{engine}: {bad} → {problem}");
        }
        let (status, patched) = app
            .patch(
                &maker,
                &me,
                &json!({"channels": [{"distributor_id": gd_dist_id, "regions": ["440000"]}]}),
            )
            .await;
        assert_eq!(status, 200, "{patched}");
        let (status, _) = app
            .post(&maker, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": gd_dist_id, "lines": flow_lines(&codes[..3])}))
            .await;
        assert_eq!(status, 201);

        // Sold on inside Guangdong: fine. Into Zhejiang: diverted.
        let (status, _) = app
            .post(&gd_dist, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": gd_shop_id, "lines": flow_lines(&codes[1..2])}))
            .await;
        assert_eq!(status, 201);
        let (status, _) = app
            .post(&gd_dist, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": zj_shop_id, "lines": flow_lines(&codes[..1])}))
            .await;
        assert_eq!(
            status, 201,
            "the sale is recorded; the alert goes to the producer"
        );
        let (_, alerts) = app.get(&maker, "/api/v1/alerts").await;
        assert_eq!(alerts.as_array().unwrap().len(), 1, "{engine}: {alerts}");
        assert_eq!(alerts[0]["kind"], "diversion");
        // The regulator of the province the goods turned up in sees it too
        // (issue 15.1); another province's does not.
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (_, seen) = app.get(&zj, "/api/v1/alerts").await;
        assert_eq!(seen.as_array().unwrap().len(), 1, "{engine}: {seen}");
        assert_eq!(seen[0]["reached_region"], "330106");
        let js = app.key(Role::Regulator, None, &["320000"]).await;
        assert_eq!(app.get(&js, "/api/v1/alerts").await.1, json!([]));
        assert!(alerts[0]["code"]
            .as_str()
            .unwrap()
            .ends_with(codes[0].rsplit('/').next().unwrap()));
        let (_, dist) = app
            .get(&admin, &format!("/api/v1/enterprises/{gd_dist_id}"))
            .await;
        assert!(alerts[0]["detail"]
            .as_str()
            .unwrap()
            .contains(dist["name"].as_str().unwrap()));
        // What happened, in words (issue 15.8): no "sale" enum word, the
        // province named.
        let detail = alerts[0]["detail"].as_str().unwrap();
        assert!(
            detail.contains("销售给")
                && detail.contains("330106（浙江省）")
                && !detail.contains("sale "),
            "{detail}"
        );

        // Scanned in Zhejiang: the person scanning is warned too.
        let (_, view) = scan_json(&app, &codes[2], "?region=330106").await;
        assert_eq!(view["warnings"][0]["kind"], "diversion", "{view}");
        let (_, view) = scan_json(&app, &codes[1], "?region=440304").await;
        assert_eq!(view["warnings"], json!([]), "inside the channel");
        let (_, view) = scan_json(&app, &codes[3], "?region=330106").await;
        assert_eq!(
            view["warnings"],
            json!([]),
            "never shipped to a distributor"
        );
        let (status, _) = scan_json(&app, &codes[3], "?region=abc").await;
        assert_eq!(status, 400);
        // A scan's alert is stored with the scan, by the log's next write.
        app.service.flush_scans().await;
        assert_eq!(
            app.get(&maker, "/api/v1/alerts")
                .await
                .1
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}

#[tokio::test]
async fn a_recall_traces_back_to_the_input_lots() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, supplier) = app.enterprise(&admin, "manufacturer", "360100").await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        // The supplier's lot, filed and active on the platform.
        let (_, _, supplier_codes) = active_item_batch(&app, &supplier, "CU-ROD", 904).await;
        let (_, supplier_record) = app
            .get(
                &admin,
                "/api/v1/enterprises?kind=manufacturer&region_code=36",
            )
            .await;
        let supplier_name = supplier_record["items"][0]["name"]
            .as_str()
            .unwrap()
            .to_string();

        // The maker's batch names what it was made from; a bad code is refused.
        let mut product = crate::support::gas_stove_json("MADE-OF");
        product["gtin"] = json!(format!("0{}", crate::codes::valid_gtin(905)));
        let (_, product) = app.post(&maker, "/api/v1/products", &product).await;
        let (_, report) = app.upload(&maker, "r.pdf", crate::support::pdf()).await;
        let batch = |inputs: Value| {
            json!({"product_id": product["id"], "batch_no": "M-1", "production_date": "2026-10-03", "quantity": 3,
                "inspection_report": report["sha256"], "inputs": inputs})
        };
        let (status, problem) = app
            .post(
                &maker,
                "/api/v1/batches",
                &batch(json!([{"name": "铜杆", "code": "not-a-code"}])),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some("inputs[0].code")),
            "{problem}"
        );
        let (status, filed) = app
            .post(
                &maker,
                "/api/v1/batches",
                &batch(json!([
                    {"name": "铜杆", "supplier": supplier_name, "code": supplier_codes[0]},
                    {"name": "绝缘料", "supplier": "某化工厂", "lot": "PVC-7"},
                ])),
            )
            .await;
        assert_eq!(status, 201, "{filed}");
        let id = filed["id"].as_i64().unwrap();
        app.post(&maker, &format!("/api/v1/batches/{id}/submit"), &json!({}))
            .await;
        app.post(
            &maker,
            &format!("/api/v1/batches/{id}/activate"),
            &json!({}),
        )
        .await;
        let (status, recall) = app
            .post(
                &maker,
                "/api/v1/recalls",
                &json!({"product_id": product["id"], "batch_ids": [id], "reason": "铜杆含杂质"}),
            )
            .await;
        assert_eq!(status, 201, "{recall}");
        let (_, trace) = app
            .get(&maker, &format!("/api/v1/recalls/{}/trace", recall["id"]))
            .await;
        let inputs = trace["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 2, "{engine}: {trace}");
        let copper = inputs.iter().find(|i| i["name"] == "铜杆").unwrap();
        assert_eq!(
            copper["upstream_producer"],
            supplier_name.as_str(),
            "{trace}"
        );
        assert!(copper["upstream_batch_id"].is_number());
        let pvc = inputs.iter().find(|i| i["name"] == "绝缘料").unwrap();
        assert_eq!(
            (pvc["lot"].as_str(), pvc["upstream_batch_id"].is_null()),
            (Some("PVC-7"), true)
        );
    }
}
