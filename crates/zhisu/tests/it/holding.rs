//! What a holder may sell, on both engines (issue 15.1, 15.3, 15.11): an
//! item that left a holder is not sold by it again; a recalled code goes
//! only back to its producer; and every form of a code the platform
//! prints (Digital Link, key, element string) is taken where a code is.

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

/// `https://…/01/{gtin}/21/{serial}` → `(01){gtin}(21){serial}`.
fn key_of(link: &str) -> String {
    let path = &link[link.find("/01/").unwrap() + 1..];
    let parts: Vec<&str> = path.split('/').collect();
    format!("({}){}({}){}", parts[0], parts[1], parts[2], parts[3])
}

fn consumer(lines: Value) -> Value {
    json!({"kind": "sale", "at": today(), "counterparty_name": "消费者赵六", "counterparty_address": "广州市天河区",
        "counterparty_contact": "13700000000", "lines": lines})
}

#[tokio::test]
async fn an_item_is_sold_once_by_each_holder_and_a_recalled_one_only_goes_back() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (dist_id, dist) = app.enterprise(&admin, "seller", "440106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (batch, _, codes) = active_item_batch(&app, &maker, "HOLD-1", 911).await;
        let flows = || async {
            app.scalar("select count(*) from records where kind = 'flow'")
                .await
        };

        // The producer sells item 0 to the distributor: then it no longer has it.
        let sale = json!({"kind": "sale", "at": today(), "counterparty_id": dist_id, "lines": flow_lines(&codes[..1])});
        let (status, first) = app.post(&maker, "/api/v1/flows", &sale).await;
        assert_eq!(status, 201, "{engine}: {first}");
        let before = flows().await;
        let (status, problem) = app
            .post(&maker, "/api/v1/flows", &consumer(flow_lines(&codes[..1])))
            .await;
        assert_eq!(status, 422, "{engine}: the producer sold item 0 twice");
        assert_eq!(problem["errors"][0]["code"], "not-held", "{problem}");
        assert_eq!(problem["errors"][0]["field"], "lines[0].code");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("不能再次销售"),
            "{problem}"
        );
        // The distributor records its purchase (a confirmation, not a second
        // delivery), sells the item to a consumer, and cannot sell it again.
        let (status, bought) = app
            .post(&dist, "/api/v1/flows", &json!({"kind": "purchase", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[..1])}))
            .await;
        assert_eq!(
            (status, &bought["matched"]),
            (201, &json!(true)),
            "{bought}"
        );
        let (status, sold) = app
            .post(&dist, "/api/v1/flows", &consumer(flow_lines(&codes[..1])))
            .await;
        assert_eq!(status, 201, "{engine}: {sold}");
        let before_twice = flows().await;
        let (status, problem) = app
            .post(&dist, "/api/v1/flows", &consumer(flow_lines(&codes[..1])))
            .await;
        assert_eq!(
            status, 422,
            "{engine}: the seller sold item 0 twice: {problem}"
        );
        assert_eq!(problem["errors"][0]["code"], "not-held");
        let (status, _) = app
            .post(&dist, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[..1])}))
            .await;
        assert_eq!(status, 422, "nor sent back what it sold on");
        assert_eq!(
            flows().await,
            before_twice,
            "{engine}: refusals store nothing"
        );
        assert_eq!(before + 2, before_twice);

        // Every printed form is taken: the key the API lists, the element
        // string a scanner sends; a non-code names the forms taken.
        let key = first["lines"][0]["code"].as_str().unwrap().to_string();
        assert_eq!(key, key_of(&codes[0]), "the API lists keys");
        let element = key_of(&codes[1]).replace(['(', ')'], "");
        let (status, by_forms) = app
            .post(&maker, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": dist_id,
                "lines": [{"code": key_of(&codes[1])}, {"code": format!("]Q3{}", key_of(&codes[2]).replace(['(', ')'], ""))}]}))
            .await;
        assert_eq!(
            status, 201,
            "{engine}: keys and element strings: {by_forms}"
        );
        let listed: Vec<&str> = by_forms["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["code"].as_str().unwrap())
            .collect();
        assert_eq!(listed, [key_of(&codes[1]), key_of(&codes[2])]);
        let (status, problem) = app
            .post(
                &dist,
                "/api/v1/flows",
                &consumer(json!([{"code": element}])),
            )
            .await;
        assert_eq!(status, 201, "{engine}: an element string sells: {problem}");
        let (status, problem) = app
            .post(
                &dist,
                "/api/v1/flows",
                &consumer(json!([{"code": "盒子上的编号"}])),
            )
            .await;
        assert_eq!(status, 422);
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("(01)") && message.contains("https://"),
            "the refusal says which forms are taken: {message}"
        );
        let (status, life) = app
            .get(
                &maker,
                &format!("/api/v1/codes/life?code={}", urlencoding::encode(&element)),
            )
            .await;
        assert_eq!(
            status, 200,
            "{engine}: the life of an element string: {life}"
        );
        let (status, verified) = app
            .get(
                &maker,
                &format!(
                    "/api/v1/codes/verify?code={}",
                    urlencoding::encode(&key_of(&codes[3]))
                ),
            )
            .await;
        assert_eq!(
            (status, verified["status"].as_str()),
            (200, Some("genuine")),
            "{verified}"
        );
        let (status, package) = app
            .post(
                &maker,
                "/api/v1/packages",
                &json!({"sscc": crate::support::sscc(911),
                "children": [key_of(&codes[3]), key_of(&codes[4]).replace(['(', ')'], "")]}),
            )
            .await;
        assert_eq!(
            status, 201,
            "{engine}: packing keys and element strings: {package}"
        );

        // A recall: the distributor's item 2 may not be sold on, only returned.
        let (_, batch_view) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let recall = json!({"product_id": batch_view["product_id"], "batch_ids": [batch], "reason": "燃气阀门可能泄漏"});
        let (status, opened) = app.post(&gd, "/api/v1/recalls", &recall).await;
        assert_eq!(status, 201, "{engine}: {opened}");
        let recall_id = opened["id"].as_i64().unwrap();
        let before = flows().await;
        let (status, problem) = app
            .post(&dist, "/api/v1/flows", &consumer(flow_lines(&codes[2..3])))
            .await;
        assert_eq!(status, 422, "{engine}: a recalled code was sold: {problem}");
        let (status, _) = app
            .post(&dist, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[2..3])}))
            .await;
        assert_eq!(status, 422, "not even sold to its producer: it is returned");
        assert_eq!(problem["errors"][0]["code"], "recalled");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("#{recall_id}")),
            "the refusal names the recall: {problem}"
        );
        assert_eq!(flows().await, before);
        let (status, back) = app
            .post(&dist, "/api/v1/flows", &json!({"kind": "return", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[2..3])}))
            .await;
        assert_eq!(status, 201, "{engine}: a return to the producer: {back}");
    }
}

/// Ten sales of one item sent at once (a counter's double click, two
/// tills): exactly one is recorded, on both engines (issue 15.3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_of_one_item_sent_at_once_record_it_once() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, _, codes) = active_item_batch(&app, &maker, "HOLD-RACE", 913).await;
        let sale = consumer(flow_lines(&codes[..1]));
        let statuses =
            crate::servers::post_at_once(&[&app], "/api/v1/flows", &maker, &sale, 10).await;
        assert_eq!(
            statuses,
            [201, 422, 422, 422, 422, 422, 422, 422, 422, 422],
            "{engine}"
        );
        assert_eq!(
            app.scalar("select count(*) from records where kind = 'flow'")
                .await,
            1,
            "{engine}"
        );
    }
}

/// Issue 16.6: a seller that records a purchase the producer never sold it
/// is not a holder: it cannot sell the code, read its trade chain, appear
/// as its seller on the scan page or raise a diversion alert against the
/// producer. Once the producer records the sale, it is.
#[tokio::test]
async fn an_unmatched_purchase_makes_no_holder() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (gd_dist_id, _) = app.enterprise(&admin, "seller", "440106").await;
        let (zj_shop_id, zj_shop) = app.enterprise(&admin, "seller", "330106").await;
        let (_, _, codes) = active_item_batch(&app, &maker, "CLAIM-1", 913).await;
        let (status, _) = app
            .patch(
                &maker,
                &format!("/api/v1/enterprises/{maker_id}"),
                &json!({"channels": [{"distributor_id": gd_dist_id, "regions": ["440000"]}]}),
            )
            .await;
        assert_eq!(status, 200);

        // The Zhejiang shop claims to have bought item 0 from the producer.
        let (status, claim) = app
            .post(&zj_shop, "/api/v1/flows", &json!({"kind": "purchase", "at": today(), "counterparty_id": maker_id, "lines": flow_lines(&codes[..1])}))
            .await;
        assert_eq!(status, 201, "{engine}: the claim is recorded: {claim}");
        assert_eq!(claim["matched"], json!(false), "{claim}");

        let (_, alerts) = app.get(&maker, "/api/v1/alerts").await;
        assert_eq!(alerts, json!([]), "{engine}: no alert against the producer");
        let life = app
            .client
            .get(app.url("/api/v1/codes/life"))
            .query(&[("code", codes[0].as_str())])
            .bearer_auth(&zj_shop)
            .send()
            .await
            .unwrap();
        assert_eq!(life.status().as_u16(), 404, "{engine}: no trade chain");
        let (_, view) = crate::scan::scan_json(&app, &codes[0], "").await;
        assert_eq!(
            view["public"]["sellers"],
            json!([]),
            "{engine}: not named as a seller: {view}"
        );
        let (status, problem) = app
            .post(
                &zj_shop,
                "/api/v1/flows",
                &consumer(flow_lines(&codes[..1])),
            )
            .await;
        assert_eq!(status, 422, "{engine}: cannot sell it: {problem}");
        assert_eq!(problem["errors"][0]["code"], "not-held", "{problem}");

        // The producer's real sale makes the shop the holder.
        let (status, sale) = app
            .post(&maker, "/api/v1/flows", &json!({"kind": "sale", "at": today(), "counterparty_id": zj_shop_id, "lines": flow_lines(&codes[..1])}))
            .await;
        assert_eq!(status, 201, "{engine}: {sale}");
        let (status, sold) = app
            .post(
                &zj_shop,
                "/api/v1/flows",
                &consumer(flow_lines(&codes[..1])),
            )
            .await;
        assert_eq!(status, 201, "{engine}: now it may: {sold}");
        let (_, view) = crate::scan::scan_json(&app, &codes[0], "").await;
        assert_eq!(
            view["public"]["sellers"].as_array().map(Vec::len),
            Some(1),
            "{view}"
        );
    }
}
