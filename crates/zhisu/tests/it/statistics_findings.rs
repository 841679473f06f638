//! Open verification findings as a figure (issue 18.1, V5) on both
//! engines: after records are filed (each checked on its own), swept in
//! full, mended and swept again, and broken again, the summary's
//! `findings_open` and its composition by axis and by class equal the
//! open findings counted in the findings table, for the platform, a
//! province, a city and one manufacturer — also after products are filed
//! while sweeps run —; the day before counts none.

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::support::{gas_stove_json, TestApp};

/// The open findings the table holds where `scope` admits, by `column`
/// (or all under "").
async fn counted(app: &TestApp, scope: &str, column: &str) -> BTreeMap<String, i64> {
    // (PostgreSQL refuses a constant in `group by`.)
    let (key, group) = match column {
        "" => ("''".to_string(), String::new()),
        c => (c.to_string(), format!(" group by {c}")),
    };
    app.strings(&format!(
        "select {key} || '|' || cast(count(*) as text) from verification_findings \
         where status = 'open' and {scope}{group}"
    ))
    .await
    .iter()
    .map(|l| {
        let (k, n) = l.split_once('|').unwrap();
        (k.to_string(), n.parse().unwrap())
    })
    .collect()
}

/// The figure and its composition by axis and by class, as the API gives
/// them for today, against the table.
async fn check(app: &TestApp, who: &str, key: &str, filter: &str, scope: &str) -> i64 {
    let engine = format!("{:?}", app.engine_kind);
    let today = zhisu_service::today_in_shanghai();
    let (status, summary) = app
        .get(
            key,
            &format!("/api/v1/statistics/summary?from={today}&to={today}{filter}"),
        )
        .await;
    assert_eq!(status, 200, "{engine} {who}: {summary}");
    let figure = summary["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == "findings_open")
        .cloned()
        .unwrap_or_else(|| panic!("{engine} {who}: no findings_open in {summary}"));
    let want = counted(app, scope, "").await.values().sum::<i64>();
    assert_eq!(
        figure["value"].as_i64(),
        Some(want),
        "{engine} {who}: {figure}"
    );
    assert_eq!(
        figure["previous"].as_i64(),
        Some(0),
        "{engine} {who}: nothing was open yesterday: {figure}"
    );
    for (by, column) in [("axis", "axis"), ("class", "class")] {
        let (status, c) = app
            .get(
                key,
                &format!("/api/v1/statistics/composition?indicator=findings_open&by={by}&from={today}&to={today}{filter}"),
            )
            .await;
        assert_eq!(status, 200, "{engine} {who} {by}: {c}");
        let got: BTreeMap<String, i64> = c["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert!(
                    !p["label_zh"].as_str().unwrap().is_ascii(),
                    "{engine} {who}: a part named in Chinese: {p}"
                );
                (
                    p["key"].as_str().unwrap().to_string(),
                    p["value"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            counted(app, scope, column).await,
            "{engine} {who} by {by}"
        );
    }
    want
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_findings_by_axis_and_class_equal_the_findings_table() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (a, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "440106").await;
        let (_, far) = app.enterprise(&admin, "manufacturer", "110101").await;
        for i in 0..3 {
            let mut p = gas_stove_json(&format!("FO-{i}"));
            p["ccc_cert_no"] = json!(format!("20260303030000{i:02}"));
            let (status, p) = app.post(&maker, "/api/v1/products", &p).await;
            assert_eq!(status, 201, "{engine}: {p}");
        }
        // A model filed twice (accuracy), another maker's product under
        // the first one's CCC number (authenticity), one far away.
        let mut twice = gas_stove_json("fo-0");
        twice["product_name"] = json!("燃气灶（另一名称）");
        twice["ccc_cert_no"] = json!("2026030303009999");
        app.post(&maker, "/api/v1/products", &twice).await;
        let mut copy = gas_stove_json("COPY-FO");
        copy["ccc_cert_no"] = json!("2026030303000000");
        let (status, copy) = app.post(&other, "/api/v1/products", &copy).await;
        assert_eq!(status, 201, "{engine}: {copy}");
        let copy = copy["id"].as_i64().unwrap();
        let mut away = gas_stove_json("FAR-1");
        away["ccc_cert_no"] = json!("2026040404000000");
        app.post(&far, "/api/v1/products", &away).await;

        let readers = [
            ("admin", admin.as_str(), String::new(), "1 = 1".to_string()),
            (
                "gd",
                gd.as_str(),
                String::new(),
                "region_code like '44%'".into(),
            ),
            (
                "gd/shenzhen",
                gd.as_str(),
                "&region=440300".into(),
                "region_code like '4403%'".into(),
            ),
            (
                "maker",
                maker.as_str(),
                String::new(),
                format!("enterprise_id = {a}"),
            ),
        ];
        // Filed and checked one by one (the review queue's rules).
        for (who, key, filter, scope) in &readers {
            check(&app, who, key, filter, scope).await;
        }
        let (status, full) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({"full": true}))
            .await;
        assert_eq!(status, 201, "{engine}: {full}");
        let mut opened = BTreeMap::new();
        for (who, key, filter, scope) in &readers {
            opened.insert(*who, check(&app, who, key, filter, scope).await);
        }
        let axes = counted(&app, "1 = 1", "axis").await;
        assert!(
            axes.contains_key("authenticity") && axes.contains_key("accuracy"),
            "{engine}: findings of two axes, or the splits prove little: {axes:?}"
        );

        // Mended: the copy takes a number of its own; the sweep resolves.
        let (status, fixed) = app
            .patch(
                &other,
                &format!("/api/v1/products/{copy}"),
                &json!({"ccc_cert_no": "2026030303008888"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {fixed}");
        let (status, mended) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        assert_eq!(status, 201, "{engine}: {mended}");
        assert!(
            mended["resolved"].as_i64().unwrap() >= 2,
            "{engine}: {mended}"
        );
        for (who, key, filter, scope) in &readers {
            let now = check(&app, who, key, filter, scope).await;
            if *who == "admin" {
                assert!(now < opened["admin"], "{engine}: {now} after {opened:?}");
            }
        }
        // Broken again: the same findings open anew, counted once each.
        app.patch(
            &other,
            &format!("/api/v1/products/{copy}"),
            &json!({"ccc_cert_no": "2026030303000000"}),
        )
        .await;
        app.post(&gd, "/api/v1/verification/sweeps", &json!({"full": true}))
            .await;
        for (who, key, filter, scope) in &readers {
            check(&app, who, key, filter, scope).await;
        }

        // Products filed while sweeps run (PostgreSQL's writers overlap):
        // each write and each sweep count what they touched once.
        tokio::join!(
            async {
                for _ in 0..4 {
                    let (status, s) = app
                        .post(&gd, "/api/v1/verification/sweeps", &json!({"full": true}))
                        .await;
                    assert_eq!(status, 201, "{s}");
                }
            },
            async {
                for i in 0..16 {
                    let mut p = gas_stove_json(&format!("RACE-{i}"));
                    p["ccc_cert_no"] = json!(format!("20260505050000{:02}", i % 8));
                    let (status, p) = app.post(&maker, "/api/v1/products", &p).await;
                    assert_eq!(status, 201, "{p}");
                }
            }
        );
        for (who, key, filter, scope) in &readers {
            check(&app, who, key, filter, scope).await;
        }

        // Yesterday's figure is none: every finding opened today.
        let yesterday = zhisu_service::today_in_shanghai() - Duration::days(1);
        let (status, s) = app
            .get(
                &gd,
                &format!("/api/v1/statistics/summary?from={yesterday}&to={yesterday}"),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {s}");
        let before: Vec<&Value> = s["figures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["indicator"] == "findings_open")
            .collect();
        assert_eq!(before[0]["value"], 0, "{engine}: {s}");
        // A split findings do not have is refused naming it.
        let (status, problem) = app
            .get(
                &gd,
                "/api/v1/statistics/composition?indicator=findings_open&by=level",
            )
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
    }
}
