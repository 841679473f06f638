//! Market research (P6.7, issue 18.2) on both engines: a manufacturer
//! sells to its distributors and to a buyer off the platform, in this
//! period and the one before; a distributor sells on outside its region.
//! `/api/v1/statistics/market` then tells the manufacturer what went to
//! which province and to which distributor, with the diversion alert
//! against that distributor; a regulator sees its jurisdiction's sellers;
//! another enterprise, another province and bad periods are refused.

use chrono::{Duration, FixedOffset, Utc};
use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::scan::active_item_batch;
use crate::support::{flow_lines, TestApp};

fn day(days_ago: i64) -> String {
    (Utc::now().with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()) - Duration::days(days_ago))
        .format("%Y-%m-%d")
        .to_string()
}

fn pair(v: &Value) -> (i64, i64) {
    (
        v["value"].as_i64().unwrap_or(-1),
        v["previous"].as_i64().unwrap_or(-1),
    )
}

fn province<'a>(market: &'a Value, code: &str) -> &'a Value {
    market["by_province"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["province_code"] == code)
        .unwrap_or_else(|| panic!("no {code:?} in {market}"))
}

#[tokio::test]
async fn a_maker_sees_where_its_goods_went_and_each_distributors_diversion() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (gd_dist_id, gd_dist) = app.enterprise(&admin, "seller", "440106").await;
        let (zj_dist_id, _) = app.enterprise(&admin, "seller", "330106").await;
        let (zj_shop_id, _) = app.enterprise(&admin, "seller", "330108").await;
        let (_, _, a) = active_item_batch(&app, &maker, "MKT-A", 931).await;
        let (_, _, b) = active_item_batch(&app, &maker, "MKT-B", 932).await;
        let (status, _) = app
            .patch(
                &maker,
                &format!("/api/v1/enterprises/{maker_id}"),
                &json!({"channels": [
                    {"distributor_id": gd_dist_id, "regions": ["440000"]},
                    {"distributor_id": zj_dist_id, "regions": ["330000"]}
                ]}),
            )
            .await;
        assert_eq!(status, 200, "{engine}");
        let sell = |key: &str, at: String, to: Option<i64>, codes: &[String]| {
            let body = match to {
                Some(id) => {
                    json!({"kind": "sale", "at": at, "counterparty_id": id, "lines": flow_lines(codes)})
                }
                None => json!({"kind": "sale", "at": at, "counterparty_name": "个体户王五",
                    "counterparty_address": "深圳市南山区", "counterparty_contact": "13800000000", "lines": flow_lines(codes)}),
            };
            let key = key.to_string();
            let app = &app;
            async move {
                let (status, flow) = app.post(&key, "/api/v1/flows", &body).await;
                assert_eq!(status, 201, "{flow}");
            }
        };
        // This period (the 30 days to today): 3 to the Guangdong
        // distributor, 1 to the Zhejiang one, 1 off the platform; the
        // period before: 2 to the Guangdong distributor.
        sell(&maker, day(0), Some(gd_dist_id), &a[..3]).await;
        sell(&maker, day(20), Some(zj_dist_id), &a[3..4]).await;
        sell(&maker, day(20), None, &a[4..5]).await;
        sell(&maker, day(40), Some(gd_dist_id), &b[..2]).await;
        // The Guangdong distributor sells one on into Zhejiang: diverted.
        sell(&gd_dist, day(0), Some(zj_shop_id), &a[..1]).await;
        // The public scans: twice in Guangzhou, once in Hangzhou (each
        // inside its distributor's region), once saying nowhere; a region
        // that is no code is refused and not logged.
        for (code, query) in [
            (&a[0], "?region=440106"),
            (&a[0], "?region=440106"),
            (&a[3], "?region=330102"),
            (&b[0], ""),
        ] {
            let (status, view) = crate::scan::scan_json(&app, code, query).await;
            assert_eq!(status, 200, "{engine}: {view}");
        }
        let (status, _) = crate::scan::scan_json(&app, &a[2], "?region=99").await;
        assert_eq!(status, 400, "{engine}");
        app.service.flush_scans().await;

        let (status, m) = app.get(&maker, "/api/v1/statistics/market").await;
        assert_eq!(status, 200, "{engine}: {m}");
        assert_eq!(pair(&m["sold"]), (5, 2), "{engine}: {m}");
        assert_eq!(pair(province(&m, "440000")), (3, 2), "{engine}");
        assert_eq!(province(&m, "440000")["name_zh"], "广东省");
        assert_eq!(pair(province(&m, "330000")), (1, 0), "{engine}");
        assert_eq!(pair(province(&m, "")), (1, 0), "{engine}");
        assert_eq!(province(&m, "")["name_zh"], "平台外购货方");
        let buyers = m["buyers"].as_array().unwrap();
        assert_eq!(buyers.len(), 3, "{engine}: {m}");
        // The distributors first, in the channels' order, with their alerts.
        assert_eq!(buyers[0]["enterprise_id"], gd_dist_id);
        assert_eq!(pair(&buyers[0]), (3, 2));
        assert_eq!(buyers[0]["channel_regions"], json!(["440000"]));
        assert_eq!(
            pair(&buyers[0]["diversion_alerts"]),
            (1, 0),
            "{engine}: {m}"
        );
        assert_eq!(buyers[1]["enterprise_id"], zj_dist_id);
        assert_eq!(pair(&buyers[1]["diversion_alerts"]), (0, 0));
        assert_eq!(buyers[2]["enterprise_id"], Value::Null);
        assert_eq!(buyers[2]["name"], "平台外购货方");
        assert_eq!(buyers[2]["off_platform"], true);
        assert_eq!(buyers[0]["off_platform"], false);
        let (_, dist) = app
            .get(&admin, &format!("/api/v1/enterprises/{gd_dist_id}"))
            .await;
        assert_eq!(buyers[0]["name"], dist["name"]);
        // Where the goods were scanned (P6.7), by the province named.
        let scans: Vec<(String, String, i64)> = m["scans_by_province"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["province_code"].as_str().unwrap().to_string(),
                    p["name_zh"].as_str().unwrap().to_string(),
                    p["value"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            scans,
            [
                ("440000".into(), "广东省".into(), 2),
                ("".into(), "未提供地域".into(), 1),
                ("330000".into(), "浙江省".into(), 1),
            ],
            "{engine}: {m}"
        );

        // The summary's sales are the same figure.
        let (_, summary) = app.get(&maker, "/api/v1/statistics/summary").await;
        let sales = summary["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["indicator"] == "sales")
            .unwrap();
        assert_eq!(pair(sales), (5, 2), "{engine}: {summary}");

        // Guangdong's regulator: its sellers' sales (the maker's and the
        // distributor's) by province; buyers one enterprise at a time.
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (status, g) = app.get(&gd, "/api/v1/statistics/market").await;
        assert_eq!(status, 200, "{engine}: {g}");
        assert_eq!(pair(&g["sold"]), (6, 2), "{engine}: {g}");
        assert_eq!(pair(province(&g, "330000")), (2, 0), "{engine}");
        assert_eq!(g["buyers"], json!([]), "{engine}: {g}");
        // Drilled to one enterprise, the regulator sees the maker's own,
        // buyers and distributors too.
        let (_, one) = app
            .get(
                &gd,
                &format!("/api/v1/statistics/market?enterprise_id={maker_id}"),
            )
            .await;
        assert_eq!(pair(&one["sold"]), (5, 2), "{engine}: {one}");
        assert_eq!(one["buyers"], m["buyers"], "{engine}");
        // The distributor's own: one sold on, no channels of its own.
        let (_, d) = app
            .get(
                &gd,
                &format!("/api/v1/statistics/market?enterprise_id={gd_dist_id}"),
            )
            .await;
        assert_eq!(d["buyers"][0]["enterprise_id"], zj_shop_id, "{engine}: {d}");
        assert!(d["buyers"][0].get("diversion_alerts").is_none());
        // Zhejiang's sellers recorded no sales.
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (_, z) = app.get(&zj, "/api/v1/statistics/market").await;
        assert_eq!(pair(&z["sold"]), (0, 0), "{engine}: {z}");
        assert_eq!(z["by_province"], json!([]));
        // Scans count where the products' maker is overseen, wherever made.
        assert_eq!(z["scans_by_province"], json!([]), "{engine}: {z}");
        assert_eq!(g["scans_by_province"], m["scans_by_province"], "{engine}");

        // What one may not read is not found; bad periods name the field.
        let (status, _) = app
            .get(
                &maker,
                &format!("/api/v1/statistics/market?enterprise_id={gd_dist_id}"),
            )
            .await;
        assert_eq!(status, 404, "{engine}: another enterprise");
        let (status, _) = app
            .get(&gd, "/api/v1/statistics/market?region=330000")
            .await;
        assert_eq!(status, 404, "{engine}: another province");
        let (status, problem) = app
            .get(
                &maker,
                "/api/v1/statistics/market?from=2026-11-30&to=2026-11-01",
            )
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert!(
            problem.to_string().contains("\"from\"") || problem.to_string().contains("\"to\""),
            "{problem}"
        );
        let (status, _) = app
            .get(&maker, "/api/v1/statistics/market?since=2026-11-01")
            .await;
        assert_eq!(status, 400, "{engine}: an unknown parameter");
    }
}
