//! Statistics rollups (issue 18, "Speed"; 18.6): on both engines, every
//! summary indicator and a series the API answers from the rollups equal
//! the same figures recounted here from the raw rows (scans, alerts, every
//! version of batches, recalls and feedback, sale lines), for readers of every kind
//! and for periods before, across and at the end of generated data; and
//! bad periods, indicators and places are refused naming the field.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use zhisu_domain::scan::AlertKind;
use zhisu_domain::Role;
use zhisu_store::{Alert, NewScan};

use crate::scan::active_batch_of;
use crate::statistics_raw::{
    raw, recount, recount_parts, recount_rates, split, today_in_china, At, Dice, Sees,
};
use crate::store::open_store;
use crate::support::{gas_stove_json, EngineKind, TestApp};

fn figure(summary: &Value, id: &str, which: &str) -> i64 {
    let f = summary["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == id)
        .unwrap_or_else(|| panic!("{id} missing: {summary}"));
    f[which]
        .as_f64()
        .unwrap_or_else(|| panic!("{id}.{which}: {f}")) as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_summary_indicator_equals_its_recount_from_the_raw_rows() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let sz = app.key(Role::Regulator, None, &["440300"]).await;
        let (m1, k1) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (m2, k2) = app.enterprise(&admin, "manufacturer", "440106").await;
        let (_m3, k3) = app.enterprise(&admin, "manufacturer", "110101").await;

        let mut codes = Vec::new();
        let mut batches = Vec::new();
        for (i, key) in [&k1, &k1, &k2, &k3].into_iter().enumerate() {
            let mut product = gas_stove_json(&format!("ST-{i}"));
            if i == 1 {
                product["trace_level"] = json!("per-batch");
            }
            let (batch, _, mine) = active_batch_of(&app, key, product, 910 + i as u32).await;
            batches.push(batch);
            codes.extend(mine);
        }
        // A batch filed and submitted, never activated.
        let (_, product) = app.get(&k2, "/api/v1/products?limit=1").await;
        let product_id = product["items"][0]["id"].as_i64().unwrap();
        let (_, report) = app.upload(&k2, "report.pdf", crate::support::pdf()).await;
        let (status, waiting) = app
            .post(&k2, "/api/v1/batches", &json!({"product_id": product_id, "batch_no": "ST-WAIT", "production_date": "2026-11-01",
                "quantity": 3, "inspection_report": report["sha256"]}))
            .await;
        assert_eq!(status, 201, "{engine}: {waiting}");
        let waiting = waiting["id"].as_i64().unwrap();
        app.post(
            &k2,
            &format!("/api/v1/batches/{waiting}/submit"),
            &json!({}),
        )
        .await;
        // A product paused (P5.3.3.2): still filed, no longer counted.
        let (_, listed) = app.get(&k3, "/api/v1/products?limit=1").await;
        let paused = listed["items"][0]["id"].as_i64().unwrap();
        let (status, body) = app
            .patch(
                &k3,
                &format!("/api/v1/products/{paused}"),
                &json!({"paused": true}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {body}");
        // A recall by the province, and a consumer's feedback.
        let (_, batch_view) = app
            .get(&k1, &format!("/api/v1/batches/{}", batches[0]))
            .await;
        let (status, recall) = app
            .post(&gd, "/api/v1/recalls", &json!({"product_id": batch_view["product_id"], "batch_ids": [batches[0]], "reason": "绝缘层厚度不合格"}))
            .await;
        assert_eq!(status, 201, "{engine}: {recall}");
        let r = app
            .client
            .post(app.url("/api/v1/feedback"))
            .json(&json!({"code": codes[10], "message": "点火后火焰发黄"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{engine}");

        // Feedback answered 0, 5 and 30 hours after it was sent (its
        // record's time set back, as if sent then), one left open.
        for (i, hours) in [(6, 0i64), (7, 5), (8, 30)] {
            let r = app
                .client
                .post(app.url("/api/v1/feedback"))
                .json(&json!({"code": codes[i], "message": "包装破损"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{engine}");
            let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            if hours > 0 {
                let sent = (Utc::now() - Duration::hours(hours) - Duration::minutes(10))
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                app.execute_raw(&format!(
                    "update records set created_at = '{sent}' where id = {id}"
                ))
                .await
                .unwrap();
            }
            let (status, answered) = app
                .post(
                    &k2,
                    &format!("/api/v1/feedback/{id}/answer"),
                    &json!({"answer": "已安排更换"}),
                )
                .await;
            assert_eq!(status, 200, "{engine}: {answered}");
        }

        // Sales over two months: the maker of 440106 sells to a seller on
        // the platform and to a buyer off it, on days of the periods read.
        let (shop, _) = app.enterprise(&admin, "seller", "110101").await;
        for (i, days_ago) in [(6, 0), (7, 9), (8, 30), (9, 45)] {
            let at = (today_in_china() - Duration::days(days_ago)).to_string();
            let body = if i % 2 == 0 {
                json!({"kind": "sale", "at": at, "counterparty_id": shop, "lines": crate::support::flow_lines(&codes[i..i + 1])})
            } else {
                json!({"kind": "sale", "at": at, "counterparty_name": "个体户王五", "counterparty_address": "广州市天河区",
                    "counterparty_contact": "13800000000", "lines": crate::support::flow_lines(&codes[i..i + 1])})
            };
            let (status, flow) = app.post(&k2, "/api/v1/flows", &body).await;
            assert_eq!(status, 201, "{engine}: {flow}");
        }

        // Scans over six weeks, in time order as a server logs them, of
        // known and unknown codes; alerts among them.
        let store = open_store(&app).await;
        let now = Utc::now();
        let mut dice = Dice(7);
        let mut times: Vec<_> = (0..600)
            .map(|_| now - Duration::minutes(dice.next(42 * 24 * 60) as i64))
            .collect();
        times.sort();
        let mut scans = Vec::new();
        let mut alerts = Vec::new();
        let known = app
            .strings("select cast(id as text) || '|' || cast(parent_id as text) || '|' || cast(enterprise_id as text) || '|' || region_code from records where kind = 'batch' order by id")
            .await;
        let batch_place: HashMap<i64, (i64, i64, String)> = known
            .iter()
            .map(|l| {
                let f = split(l, 4);
                (
                    f[0].parse().unwrap(),
                    (f[1].parse().unwrap(), f[2].parse().unwrap(), f[3].clone()),
                )
            })
            .collect();
        for at in times {
            let unknown = dice.next(10) == 0;
            let (code, product_id, batch_id) = if unknown {
                (
                    format!("/01/06970000000000/21/X{}", dice.next(30)),
                    None,
                    None,
                )
            } else {
                let i = dice.next(codes.len() as u64) as usize;
                let batch = batches[i / 5];
                (codes[i].clone(), Some(batch_place[&batch].0), Some(batch))
            };
            if let (Some(batch), 0) = (batch_id, dice.next(25)) {
                let (product, enterprise, region) = batch_place[&batch].clone();
                let kind = [
                    AlertKind::TooManyScans,
                    AlertKind::Diversion,
                    AlertKind::Guessing,
                ][dice.next(3) as usize];
                alerts.push(Alert {
                    id: 0,
                    kind,
                    code: code.clone(),
                    product_id: Some(product),
                    batch_id: Some(batch),
                    enterprise_id: enterprise,
                    region_code: region,
                    at: at.to_rfc3339(),
                    detail: "generated".into(),
                    reached_region: None,
                    distributor_id: None,
                });
            }
            scans.push(NewScan {
                code,
                product_id,
                batch_id,
                at,
                place: None,
                client: "api".into(),
                region: None,
            });
        }
        for (chunk, raised) in scans
            .chunks(150)
            .zip(alerts.chunks(alerts.len().div_ceil(4)))
        {
            store.record_scans(chunk, raised, None).await.unwrap();
        }
        assert!(
            app.service.fold_leftover_scans().await.unwrap() >= 600,
            "{engine}"
        );

        let raw = raw(&app).await;
        let today = zhisu_service::today_in_shanghai();
        let readers: Vec<(&str, &str, String, Sees)> = vec![
            ("admin", &admin, String::new(), Box::new(|_: &At| true)),
            (
                "gd",
                &gd,
                String::new(),
                Box::new(|a: &At| a.region.starts_with("44")),
            ),
            (
                "gd/shenzhen",
                &gd,
                "&region=440300".into(),
                Box::new(|a: &At| a.region.starts_with("4403")),
            ),
            (
                "sz/province",
                &sz,
                "&region=440000".into(),
                Box::new(|a: &At| a.region.starts_with("4403")),
            ),
            (
                "admin/category",
                &admin,
                "&category=gas-appliance".into(),
                Box::new(|a: &At| a.category == "gas-appliance"),
            ),
            (
                "maker",
                &k1,
                String::new(),
                Box::new(move |a: &At| a.enterprise == m1),
            ),
            (
                "gd/enterprise",
                &gd,
                format!("&enterprise_id={m2}"),
                Box::new(move |a: &At| a.enterprise == m2),
            ),
        ];
        let periods = [
            (today - Duration::days(41), today),
            (today - Duration::days(10), today - Duration::days(3)),
            (today, today),
            (today - Duration::days(90), today - Duration::days(50)),
            // The longest period read from the capped gaps (32 days), and
            // the shortest read from the exact days.
            (today - Duration::days(31), today),
            (today - Duration::days(32), today),
        ];
        for (who, key, filter, sees) in &readers {
            for (from, to) in periods {
                let (status, summary) = app
                    .get(
                        key,
                        &format!("/api/v1/statistics/summary?from={from}&to={to}{filter}"),
                    )
                    .await;
                assert_eq!(status, 200, "{engine} {who}: {summary}");
                let prev_to = from - Duration::days(1);
                let prev_from = prev_to - (to - from);
                let now_counts = recount(&raw, sees, from, to);
                let before = recount(&raw, sees, prev_from, prev_to);
                for (id, want) in recount_rates(&raw, sees, from, to) {
                    let got = summary["figures"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|f| f["indicator"] == id)
                        .unwrap_or_else(|| panic!("{id} missing: {summary}"))["value"]
                        .as_f64();
                    match (got, want) {
                        (Some(g), Some(w)) => assert!(
                            (g - w).abs() < 1e-9,
                            "{engine} {who} {from}..{to} {id}: {g} against {w}"
                        ),
                        (g, w) => assert_eq!(g, w, "{engine} {who} {from}..{to} {id}"),
                    }
                }
                for (id, want) in &now_counts {
                    assert_eq!(
                        figure(&summary, id, "value"),
                        *want,
                        "{engine} {who} {from}..{to} {id}"
                    );
                    assert_eq!(
                        figure(&summary, id, "previous"),
                        before[id],
                        "{engine} {who} {prev_from}..{prev_to} {id} (previous)"
                    );
                }
            }
        }
        // Something was counted, or the equalities above prove little.
        let all = recount(&raw, &readers[0].3, today - Duration::days(41), today);
        for id in [
            "products",
            "scans",
            "codes_scanned",
            "alerts_counterfeit",
            "alerts_diversion",
            "codes_issued",
            "batches_active",
            "recalls_open",
            "feedback_open",
            "enterprises",
            "sales",
            "feedback_answered",
        ] {
            assert!(all[id] > 0, "{engine}: nothing generated for {id}");
        }
        assert_eq!(
            recount_rates(&raw, &readers[0].3, today - Duration::days(41), today)[2],
            ("feedback_answer_hours", Some(5.0)),
            "{engine}: answers after 0, 5 and 30 hours"
        );
        let activation = recount_rates(&raw, &readers[0].3, today - Duration::days(41), today)[3].1;
        assert!(
            activation.is_some_and(|r| 0.0 < r && r < 1.0),
            "{engine}: a batch approved and not yet activated: {activation:?}"
        );

        // Where: each region one level down recounted, and none left out.
        let (from, to) = (today - Duration::days(41), today);
        // (Scans of codes no product holds are in no region.)
        let placed: Sees = Box::new(|a: &At| !a.region.is_empty());
        for (who, key, filter, digits, whole) in [
            ("admin", &admin, "", 2, &placed),
            ("gd", &gd, "", 4, &readers[1].3),
            ("gd/shenzhen", &gd, "&region=440300", 6, &readers[2].3),
        ] {
            for id in ["scans", "codes_scanned", "batches_active", "sales"] {
                let (status, b) = app
                    .get(key, &format!("/api/v1/statistics/breakdown?indicator={id}&from={from}&to={to}{filter}"))
                    .await;
                assert_eq!(status, 200, "{engine} {who}: {b}");
                let mut total = 0;
                for r in b["regions"].as_array().unwrap() {
                    let code = r["region_code"].as_str().unwrap().to_string();
                    let prefix = code[..digits].to_string();
                    let sees: Sees = Box::new(move |a: &At| a.region.starts_with(&prefix));
                    let want = recount(&raw, &sees, from, to)[id];
                    let got = r["value"].as_f64().unwrap() as i64;
                    assert_eq!(got, want, "{engine} {who} {id} {code}");
                    total += got;
                }
                assert_eq!(
                    total,
                    recount(&raw, whole, from, to)[id],
                    "{engine} {who} {id}: every region listed"
                );
            }
        }
        // What the figures are made of (18.1): each part recounted, for
        // every reader.
        for (who, key, filter, sees) in &readers {
            for (id, by) in [
                ("scans", "category"),
                ("codes_scanned", "category"),
                ("batches_active", "category"),
                ("batches_by_status", "status"),
                ("codes_issued", "level"),
                ("codes_issued", "scheme"),
                ("enterprises", "enterprise_kind"),
            ] {
                let (status, c) = app
                    .get(key, &format!("/api/v1/statistics/composition?indicator={id}&by={by}&from={from}&to={to}{filter}"))
                    .await;
                assert_eq!(status, 200, "{engine} {who} {id} {by}: {c}");
                let got: BTreeMap<String, i64> = c["parts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p["key"].as_str().unwrap().to_string(),
                            p["value"].as_i64().unwrap(),
                        )
                    })
                    .collect();
                let want = recount_parts(&raw, &**sees, id, by, from, to);
                assert_eq!(got, want, "{engine} {who} {id} by {by}");
                assert!(
                    c["parts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|p| !p["label_zh"].as_str().unwrap().is_empty()),
                    "{engine} {who}: every part is named: {c}"
                );
                // The platform's view has parts in each, or the equality
                // above proves little (per-item and per-batch codes, scans
                // of known and unknown codes).
                if *who == "admin" {
                    let least = if matches!(by, "category" | "level") && id != "batches_active" {
                        2
                    } else {
                        1
                    };
                    assert!(got.len() >= least, "{engine} {id} by {by}: {got:?}");
                }
            }
        }
        let (status, _) = app
            .get(&k1, "/api/v1/statistics/breakdown?indicator=scans")
            .await;
        assert_eq!(
            status, 403,
            "{engine}: a manufacturer's figures have no regions"
        );

        // A series by week: each point recounted over its own days.
        let (from, to) = (today - Duration::days(41), today);
        let (status, series) = app
            .get(
                &gd,
                &format!(
                    "/api/v1/statistics/series?indicator=codes_scanned&by=week&from={from}&to={to}"
                ),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {series}");
        let points = series["points"].as_array().unwrap();
        assert!(points.len() >= 6, "{series}");
        for p in points {
            let (f, t) = (
                p["from"].as_str().unwrap().parse().unwrap(),
                p["to"].as_str().unwrap().parse().unwrap(),
            );
            let want = recount(&raw, &readers[1].3, f, t)["codes_scanned"];
            assert_eq!(
                p["value"].as_f64().unwrap() as i64,
                want,
                "{engine} week {f}..{t}"
            );
        }
        assert_eq!(points[0]["from"], from.to_string());
        assert_eq!(points.last().unwrap()["to"], to.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_periods_indicators_and_places_are_refused_naming_the_field() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let sz = app.key(Role::Regulator, None, &["440300"]).await;
    let (other, _) = app.enterprise(&admin, "manufacturer", "110101").await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let before = app.counts().await;
    let summary = "/api/v1/statistics/summary";
    let series = "/api/v1/statistics/series?indicator=scans";
    let composition = "/api/v1/statistics/composition";
    for (key, path, status, field) in [
        (
            &sz,
            format!("{summary}?from=2026-12-01&to=2026-11-01"),
            422,
            "from",
        ),
        (
            &sz,
            format!("{summary}?from=2026-11-31&to=2026-12-01"),
            422,
            "from",
        ),
        (
            &sz,
            format!("{summary}?from=2026-11-01&to=12/01/2026"),
            422,
            "to",
        ),
        (
            &sz,
            format!("{summary}?from=2010-01-01&to=2026-01-01"),
            422,
            "to",
        ),
        (&sz, format!("{summary}?from=2026-11-01"), 422, "to"),
        (&sz, format!("{summary}?region=44"), 422, "region"),
        (
            &sz,
            "/api/v1/statistics/series?indicator=nope".to_string(),
            422,
            "indicator",
        ),
        (
            &sz,
            "/api/v1/statistics/series?indicator=SCANS".to_string(),
            422,
            "indicator",
        ),
        (&sz, format!("{series}&by=year"), 422, "by"),
        (&sz, format!("{series}&k=0"), 422, "k"),
        // A split the indicator has not, or none at all.
        (
            &sz,
            format!("{composition}?indicator=scans&by=status"),
            422,
            "by",
        ),
        (
            &sz,
            format!("{composition}?indicator=scans&by=region"),
            422,
            "by",
        ),
        (
            &sz,
            format!("{composition}?indicator=codes_issued&by=levels"),
            422,
            "by",
        ),
        (
            &sz,
            format!("{composition}?indicator=nope&by=category"),
            422,
            "indicator",
        ),
        (
            &sz,
            format!("{composition}?indicator=scans&by=category&from=2026-11-02&to=2026-11-01"),
            422,
            "from",
        ),
    ] {
        let (got, problem) = app.get(key, &path).await;
        assert_eq!(got, status, "{path}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{problem}"
        );
    }
    // Places one may not read are not found, as any record one cannot see.
    for (key, path) in [
        (&sz, format!("{summary}?region=110000")),
        (&sz, format!("{summary}?region=440100")),
        (&sz, format!("{summary}?enterprise_id={other}")),
        (&maker, format!("{summary}?enterprise_id={other}")),
        (&sz, format!("{summary}?enterprise_id=999999")),
        (
            &sz,
            format!("{composition}?indicator=scans&by=category&region=110000"),
        ),
        (
            &maker,
            format!("{composition}?indicator=scans&by=category&enterprise_id={other}"),
        ),
    ] {
        let (got, problem) = app.get(key, &path).await;
        assert_eq!(got, 404, "{path}: {problem}");
    }
    // An unknown parameter is a malformed request; without a key, 401.
    let (got, problem) = app.get(&sz, &format!("{summary}?form=2026-11-01")).await;
    assert_eq!(got, 400, "{problem}");
    let (got, problem) = app
        .get(&sz, &format!("{composition}?indicator=scans"))
        .await;
    assert_eq!(
        got, 400,
        "a composition names what it is split by: {problem}"
    );
    let r = app.client.get(app.url(summary)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        app.counts().await,
        before,
        "reading statistics changes nothing"
    );
    // The default period: the 30 days to today, compared with the 30 before.
    let (got, s) = app.get(&sz, summary).await;
    assert_eq!(got, 200, "{s}");
    assert_eq!(
        s["period"]["to"],
        zhisu_service::today_in_shanghai().to_string()
    );
    assert_eq!(
        s["figures"].as_array().unwrap().len(),
        zhisu_domain::statistics::Indicator::SUMMARY.len(),
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_takes_the_stock_along_and_leaves_the_flows_where_they_happened() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (batch, _, codes) = active_batch_of(&app, &maker, gas_stove_json("MOVE-1"), 930).await;
        let (_, view) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let product_id = view["product_id"].as_i64().unwrap();
        // Scanned by the public, through the server's scan log and its fold.
        for code in &codes {
            let (status, view) = crate::scan::scan_json(&app, code, "").await;
            assert_eq!(status, 200, "{engine}: {view}");
        }
        app.service.flush_scans().await;
        // One item sold to a shop on the platform, then recalled: the
        // recall's holders reached are a stock at the producer's place.
        let (shop_id, _) = app.enterprise(&admin, "seller", "330106").await;
        let (status, sold) = app
            .post(
                &maker,
                "/api/v1/flows",
                &json!({"kind": "sale", "at": zhisu_service::today_in_shanghai().to_string(),
                "counterparty_id": shop_id, "lines": crate::support::flow_lines(&codes[..1])}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {sold}");
        let (status, recall) = app
            .post(
                &gd,
                "/api/v1/recalls",
                &json!({"product_id": product_id, "batch_ids": [batch], "reason": "点火装置失灵"}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {recall}");
        let figures = |query: String| {
            let (app, gd) = (&app, &gd);
            async move {
                let (status, s) = app
                    .get(gd, &format!("/api/v1/statistics/summary?{query}"))
                    .await;
                assert_eq!(status, 200, "{s}");
                (
                    figure(&s, "products", "value"),
                    figure(&s, "batches_active", "value"),
                    figure(&s, "scans", "value"),
                    figure(&s, "recall_holders_reached", "value"),
                )
            }
        };
        assert_eq!(
            figures("region=440300".into()).await,
            (1, 1, 5, 1),
            "{engine}"
        );
        assert_eq!(
            figures("region=440100".into()).await,
            (0, 0, 0, 0),
            "{engine}"
        );

        // The maker moves to Guangzhou: its product and active batch are overseen there
        // from now on; the scans stay where they happened.
        let (status, moved) = app
            .patch(
                &admin,
                &format!("/api/v1/enterprises/{maker_id}"),
                &json!({"region_code": "440106"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {moved}");
        assert_eq!(
            figures("region=440300".into()).await,
            (0, 0, 5, 0),
            "{engine}"
        );
        assert_eq!(
            figures("region=440100".into()).await,
            (1, 1, 0, 1),
            "{engine}"
        );
        assert_eq!(
            figures(String::new()).await,
            (1, 1, 5, 1),
            "{engine}: the province's totals keep"
        );

        // The product changes category: it and its batch go along.
        let (status, changed) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{product_id}"),
                &json!({"category": "e-bike"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {changed}");
        assert_eq!(
            figures("category=gas-appliance".into()).await,
            (0, 0, 5, 0),
            "{engine}"
        );
        assert_eq!(
            figures("category=e-bike".into()).await,
            (1, 1, 0, 1),
            "{engine}"
        );

        // Paused (P5.3.3.2): no longer among the products filed.
        let (status, paused) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{product_id}"),
                &json!({"paused": true}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {paused}");
        assert_eq!(
            figures("category=e-bike".into()).await,
            (0, 1, 0, 1),
            "{engine}"
        );
        let (status, c) = app
            .get(
                &gd,
                "/api/v1/statistics/composition?indicator=products&by=category",
            )
            .await;
        assert_eq!(status, 200, "{c}");
        assert_eq!(
            c["parts"],
            json!([]),
            "{engine}: a paused product is in no category's count"
        );
    }
}
