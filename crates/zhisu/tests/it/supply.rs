//! The live view of production and circulation (P6.3) on both engines:
//! what each caller's products made and where they went, in the API and
//! the page, and nothing of other tenants.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::scan::active_item_batch;
use crate::support::{flow_lines, TestApp};

fn row<'a>(view: &'a Value, product: &Value) -> &'a Value {
    view["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product_id"] == *product)
        .unwrap_or_else(|| panic!("no row for product {product}: {view}"))
}

#[tokio::test]
async fn the_supply_view_counts_what_was_made_and_where_it_went() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other_maker) = app.enterprise(&admin, "manufacturer", "330106").await;
        let (dist_id, dist) = app.enterprise(&admin, "seller", "440106").await;
        let (retail_id, retail) = app.enterprise(&admin, "seller", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (batch, _, codes) = active_item_batch(&app, &maker, "SUP-1", 971).await;
        let (_, _, _) = active_item_batch(&app, &other_maker, "SUP-Z", 972).await;
        let (_, batch_view) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let product = batch_view["product_id"].clone();

        // Three to the Guangdong distributor, one to a consumer; two on to
        // the Zhejiang retailer, who sells one to a consumer.
        for (key, body) in [
            (
                &maker,
                json!({"kind": "sale", "at": "2026-11-01", "counterparty_id": dist_id, "lines": flow_lines(&codes[..3])}),
            ),
            (
                &maker,
                json!({"kind": "sale", "at": "2026-11-01", "counterparty_name": "个体户王五", "counterparty_address": "深圳市", "counterparty_contact": "13800000000", "lines": flow_lines(&codes[3..4])}),
            ),
            (
                &dist,
                json!({"kind": "sale", "at": "2026-11-02", "counterparty_id": retail_id, "lines": flow_lines(&codes[..2])}),
            ),
            (
                &retail,
                json!({"kind": "purchase", "at": "2026-11-02", "counterparty_id": dist_id, "lines": flow_lines(&codes[..2])}),
            ),
            (
                &retail,
                json!({"kind": "sale", "at": "2026-11-03", "counterparty_name": "消费者", "counterparty_address": "杭州市", "counterparty_contact": "13900000000", "lines": flow_lines(&codes[..1])}),
            ),
        ] {
            let (status, flow) = app.post(key, "/api/v1/flows", &body).await;
            assert_eq!(status, 201, "{engine}: {flow}");
        }

        let (status, view) = app.get(&maker, "/api/v1/supply").await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(
            view["products"].as_array().unwrap().len(),
            1,
            "only its own: {view}"
        );
        let mine = row(&view, &product);
        assert_eq!(mine["active_batches"], 1, "{mine}");
        assert_eq!(mine["items"], 5);
        assert_eq!(
            mine["shipped"], 4,
            "three to the distributor, one off the platform"
        );
        assert_eq!(
            mine["moved_on_platform"], 5,
            "3 + 2 hops; the retailer's purchase mirrors a sale"
        );
        assert_eq!(mine["sold_off_platform"], 2);
        assert_eq!(mine["alerts"], 0);
        assert_eq!(mine["open_recalls"], 0);
        let regions: Vec<(&str, i64)> = view["regions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["region"].as_str().unwrap(), r["items"].as_i64().unwrap()))
            .collect();
        assert_eq!(regions, [("440000", 3), ("330000", 2)], "{view}");

        // The regulators: Guangdong sees the product, Zhejiang only its own
        // maker's; a recall shows at once.
        let (_, seen) = app.get(&gd, "/api/v1/supply").await;
        assert_eq!(row(&seen, &product)["shipped"], 4);
        let (_, zhejiang) = app.get(&zj, "/api/v1/supply").await;
        assert!(
            zhejiang["products"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["product_id"] != product),
            "{zhejiang}"
        );
        let (status, _) = app
            .post(
                &gd,
                "/api/v1/recalls",
                &json!({"product_id": product, "batch_ids": [batch], "reason": "抽检不合格"}),
            )
            .await;
        assert_eq!(status, 201);
        let (_, after) = app.get(&maker, "/api/v1/supply").await;
        assert_eq!(row(&after, &product)["open_recalls"], 1);

        // A seller sees the products it traded, without the producer's own
        // figures.
        let (_, theirs) = app.get(&retail, "/api/v1/supply").await;
        let traded = row(&theirs, &product);
        assert!(
            traded["items"].is_null() && traded["alerts"].is_null(),
            "{traded}"
        );
        assert_eq!(traded["moved_on_platform"], 2, "what reached it");
        assert_eq!(traded["sold_off_platform"], 1);
        assert_eq!(traded["open_recalls"], 1, "a recall of goods it holds");
        assert_eq!(theirs["products"].as_array().unwrap().len(), 1, "{theirs}");

        let (status, _) = app.get("not-a-key", "/api/v1/supply").await;
        assert_eq!(status, 401);
    }
}
