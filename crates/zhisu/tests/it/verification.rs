//! Data verification sweeps (V4, V5-auto, issue 17) on both engines: the
//! command line finds seeded defects and prints them as JSON lines; the
//! API lists them to the enterprise concerned and its regulators only; a
//! corrected record's finding is resolved by the next sweep.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::cli::zhisu;
use crate::support::{gas_stove_json, TestApp};

async fn verify_run(app: &TestApp) -> Vec<Value> {
    let mut run = zhisu();
    run.args(["verify", "run", "--json", "--data"])
        .arg(&app.data)
        .args(["--database-url", &app.database_url]);
    let out = crate::cli::output_of(run).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn has(findings: &[Value], rule: &str, kind: &str, id: i64) -> bool {
    findings
        .iter()
        .any(|f| f["rule"] == rule && f["kind"] == kind && f["id"] == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_finds_seeded_defects_shows_them_to_whom_they_concern_and_resolves_them() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;

        // One model filed twice under two names (accuracy).
        let (_, first) = app
            .post(&maker, "/api/v1/products", &gas_stove_json("VF-1"))
            .await;
        let mut twice = gas_stove_json("vf-1");
        twice["product_name"] = json!("燃气灶");
        let (status, second) = app.post(&maker, "/api/v1/products", &twice).await;
        assert_eq!(status, 201, "{engine}: {second}");
        let (first, second) = (
            first["id"].as_i64().unwrap(),
            second["id"].as_i64().unwrap(),
        );
        // A batch sold before it was activated (timeliness).
        let (batch, _, codes) = crate::scan::active_item_batch(&app, &maker, "VF-2", 841).await;
        let sale = json!({"kind": "sale", "at": "2026-10-01", "counterparty_name": "个体户王五",
            "counterparty_address": "深圳市南山区", "counterparty_contact": "13800000000",
            "lines": crate::support::flow_lines(&codes[..1])});
        let (status, sold) = app.post(&maker, "/api/v1/flows", &sale).await;
        assert_eq!(status, 201, "{engine}: {sold}");
        // Another enterprise's product under the same CCC number (authenticity).
        let (_, elsewhere) = app
            .post(&other, "/api/v1/products", &gas_stove_json("ZJ-1"))
            .await;
        let elsewhere = elsewhere["id"].as_i64().unwrap();

        let found = verify_run(&app).await;
        assert!(
            has(&found, "ZV-R-003", "product", first),
            "{engine}: {found:?}"
        );
        assert!(has(&found, "ZV-R-003", "product", second), "{engine}");
        assert!(
            has(&found, "ZV-T-001", "batch", batch),
            "{engine}: {found:?}"
        );
        assert!(has(&found, "ZV-A-002", "product", elsewhere), "{engine}");
        for f in &found {
            for key in [
                "rule", "axis", "severity", "kind", "id", "field", "status", "class",
            ] {
                assert!(f.get(key).is_some(), "{engine}: {key} missing in {f}");
            }
            assert_eq!(f["status"], "open");
        }
        let r003 = found.iter().find(|f| f["rule"] == "ZV-R-003").unwrap();
        assert_eq!(
            (r003["axis"].as_str(), r003["class"].as_str()),
            (Some("accuracy"), Some("minor"))
        );

        // The enterprise concerned and its region's regulators see a
        // finding; no one else does.
        let list = |key: String, query: &'static str| {
            let app = &app;
            async move {
                app.get(&key, &format!("/api/v1/verification/findings{query}"))
                    .await
            }
        };
        let (status, gd_sees) = list(gd.clone(), "?rule=ZV-T-001").await;
        assert_eq!(status, 200, "{engine}: {gd_sees}");
        assert_eq!(gd_sees["items"][0]["record_id"], batch);
        assert_eq!(
            list(zj.clone(), "?rule=ZV-T-001").await.1["total"],
            0,
            "{engine}"
        );
        assert_eq!(
            list(other.clone(), "?rule=ZV-T-001").await.1["total"],
            0,
            "{engine}"
        );
        assert_eq!(
            list(maker.clone(), "?rule=ZV-T-001").await.1["total"],
            1,
            "{engine}"
        );
        assert_eq!(
            list(zj.clone(), "?rule=ZV-A-002").await.1["items"][0]["record_id"],
            elsewhere
        );
        for bad in [
            "?axis=beauty",
            "?status=maybe",
            "?rule=ZV-X-999",
            "?kind=planet",
            "?limit=0",
        ] {
            let (status, problem) = list(gd.clone(), bad).await;
            assert_eq!(status, 400, "{engine}: {bad}: {problem}");
        }

        // Corrected: the next sweep (started by a regulator) resolves it.
        let (status, _) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{second}"),
                &json!({"product_name": "家用燃气灶"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}");
        let (status, sweep) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        assert_eq!(status, 201, "{engine}: {sweep}");
        assert!(
            sweep["resolved"].as_i64().unwrap() >= 2,
            "{engine}: {sweep}"
        );
        let (_, resolved) = list(maker.clone(), "?rule=ZV-R-003&status=resolved").await;
        assert_eq!(resolved["total"], 2, "{engine}: {resolved}");
        assert_eq!(list(maker.clone(), "?rule=ZV-R-003").await.1["total"], 0);
        // Still seen: still open, from the sweep that first saw it.
        let (_, still) = list(gd.clone(), "?rule=ZV-T-001").await;
        assert_eq!(
            still["items"][0]["opened_sweep"],
            gd_sees["items"][0]["opened_sweep"]
        );
        // Only regulators and the system administrator start sweeps.
        let (status, _) = app
            .post(&maker, "/api/v1/verification/sweeps", &json!({}))
            .await;
        assert_eq!(status, 403, "{engine}");
        let (status, rules) = app.get(&maker, "/api/v1/verification/rules").await;
        assert_eq!(status, 200);
        assert!(rules["rules"].as_array().unwrap().len() >= 12);
    }
}

/// A deployment turns a rule off in its settings: sweeps skip it and the
/// catalogue says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_the_settings_turn_off_is_not_run() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "verification_off = [\"ZV-R-003\"]\n").unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(crate::support::EngineKind::Sqlite, |args| {
        args.common.config = Some(path)
    })
    .await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    app.post(&maker, "/api/v1/products", &gas_stove_json("OFF-1"))
        .await;
    let mut twice = gas_stove_json("off-1");
    twice["product_name"] = json!("燃气灶");
    assert_eq!(app.post(&maker, "/api/v1/products", &twice).await.0, 201);
    let (status, sweep) = app
        .post(&admin, "/api/v1/verification/sweeps", &json!({}))
        .await;
    assert_eq!(status, 201, "{sweep}");
    let (_, found) = app
        .get(&admin, "/api/v1/verification/findings?rule=ZV-R-003")
        .await;
    assert_eq!(found["total"], 0, "{found}");
    let (_, rules) = app.get(&admin, "/api/v1/verification/rules").await;
    let rule = |id: &str| {
        rules["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["in_force"]
            .clone()
    };
    assert_eq!(
        (rule("ZV-R-003"), rule("ZV-R-001")),
        (json!(false), json!(true))
    );
}

/// The maker sells one code to the seller dated 30 days ago; the seller
/// records the purchase today. The seller's key and its purchase's ID.
async fn purchase_a_month_late(app: &TestApp) -> (String, i64) {
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (seller_id, seller) = app.enterprise(&admin, "seller", "440106").await;
    let (_, _, codes) = crate::scan::active_item_batch(app, &maker, "LATE-1", 933).await;
    let month_ago = (chrono::Utc::now() - chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let lines = crate::support::flow_lines(&codes[..1]);
    let (status, sale) = app
        .post(
            &maker,
            "/api/v1/flows",
            &json!({"kind": "sale", "at": month_ago, "counterparty_id": seller_id, "lines": lines}),
        )
        .await;
    assert_eq!(status, 201, "{sale}");
    let (status, purchase) = app
        .post(
            &seller,
            "/api/v1/flows",
            &json!({"kind": "purchase", "at": month_ago, "counterparty_id": maker_id, "lines": lines}),
        )
        .await;
    assert_eq!(status, 201, "{purchase}");
    (seller, purchase["id"].as_i64().unwrap())
}

/// ZV-T-002 on both engines: a purchase recorded a month after the sale
/// upstream is late by the catalogue's 7 days; a deployment that allows
/// 60 (`verification_thresholds`) finds nothing, and says so in the
/// rules it lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_purchase_is_found_by_the_deployments_threshold() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let (seller, purchase) = purchase_a_month_late(&app).await;
        let found = verify_run(&app).await;
        assert!(
            has(&found, "ZV-T-002", "flow", purchase),
            "{engine}: {found:?}"
        );
        let (_, mine) = app
            .get(&seller, "/api/v1/verification/findings?rule=ZV-T-002")
            .await;
        assert_eq!(mine["total"], 1, "{engine}: the seller sees its own");
        assert!(
            mine["items"][0]["evidence"]
                .as_str()
                .unwrap()
                .contains("限 7 天"),
            "{engine}: {mine}"
        );
    }
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "verification_thresholds = { \"ZV-T-002.days\" = 60 }\n",
    )
    .unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(crate::support::EngineKind::Sqlite, |args| {
        args.common.config = Some(path)
    })
    .await;
    let (_, purchase) = purchase_a_month_late(&app).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (status, _) = app
        .post(&admin, "/api/v1/verification/sweeps", &json!({}))
        .await;
    assert_eq!(status, 201);
    let (_, found) = app
        .get(&admin, "/api/v1/verification/findings?rule=ZV-T-002")
        .await;
    assert_eq!(
        found["total"], 0,
        "{found}: purchase {purchase} is on time by 60 days"
    );
    let (_, rules) = app.get(&admin, "/api/v1/verification/rules").await;
    let late = rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ZV-T-002")
        .unwrap()
        .clone();
    assert_eq!(late["thresholds"]["days"], 60.0, "{late}");
}

/// The findings as a CSV (V7): opening with who exported it and when, in
/// Chinese for Excel, the asker's findings only (the region's for its
/// regulator, its own for an enterprise), and each export in the audit
/// log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_export_as_csv_with_their_exporter() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        for (key, model) in [(&maker, "CSV-1"), (&other, "CSV-2")] {
            app.post(key, "/api/v1/products", &gas_stove_json(model))
                .await;
            let mut twice = gas_stove_json(&model.to_lowercase());
            twice["product_name"] = json!("燃气灶（另一名称）");
            app.post(key, "/api/v1/products", &twice).await;
        }
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        app.post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        let csv = |key: String| {
            let url = app.url("/api/v1/verification/findings/export?rule=ZV-R-003");
            let app = &app;
            async move {
                let r = app.client.get(url).bearer_auth(key).send().await.unwrap();
                assert_eq!(r.status(), 200);
                assert!(r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv"));
                let bytes = r.bytes().await.unwrap();
                assert!(
                    bytes.starts_with(b"\xEF\xBB\xBF"),
                    "a byte-order mark for Excel"
                );
                String::from_utf8(bytes[3..].to_vec()).unwrap()
            }
        };
        let text = csv(gd.clone()).await;
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("导出人,"), "{engine}: {text}");
        assert!(lines[1].starts_with("导出时间,"), "{engine}: {text}");
        assert!(
            lines[3].starts_with("编号,规则,规则说明,维度"),
            "{engine}: {text}"
        );
        let rows: Vec<&&str> = lines[4..]
            .iter()
            .filter(|l| l.contains("ZV-R-003"))
            .collect();
        assert_eq!(rows.len(), 2, "{engine}: Guangdong's two only: {text}");
        assert!(
            rows[0].contains("准确性") && rows[0].contains("产品"),
            "{engine}: {text}"
        );
        assert!(!text.contains("CSV-2"), "{engine}: not Zhejiang's");
        let own = csv(maker.clone()).await;
        assert_eq!(own.lines().filter(|l| l.contains("ZV-R-003")).count(), 2);
        assert_eq!(
            app.scalar("select count(*) from audit_log where action = 'findings.export'")
                .await,
            2,
            "{engine}: each export is logged"
        );
    }
}

/// ZV-A-007 on both engines: three of a batch's five codes drew
/// counterfeit alerts (as the scan path raises them), so the sweep finds
/// the batch's codes copied; another batch with one alert is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_codes_draw_counterfeit_alerts_is_found() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (copied, _, codes) = crate::scan::active_item_batch(&app, &maker, "COPY-1", 951).await;
        let (clean, _, other) = crate::scan::active_item_batch(&app, &maker, "COPY-2", 952).await;
        let mut alerts: Vec<(i64, &String, &str)> = codes[..3]
            .iter()
            .map(|c| (copied, c, "too-many-scans"))
            .collect();
        alerts.push((copied, &codes[0], "impossible-travel"));
        alerts.push((clean, &other[0], "too-many-scans"));
        for (batch, code, kind) in alerts {
            app.execute_raw(&format!(
                "insert into alerts (kind, code, batch_id, enterprise_id, region_code, at, detail) \
                 values ('{kind}', '{code}', {batch}, {maker_id}, '440305', '2026-12-06T01:00:00Z', '{{}}')"
            ))
            .await
            .unwrap();
        }
        let found = verify_run(&app).await;
        assert!(
            has(&found, "ZV-A-007", "batch", copied),
            "{engine}: {found:?}"
        );
        assert!(!has(&found, "ZV-A-007", "batch", clean), "{engine}");
        let f = found.iter().find(|f| f["rule"] == "ZV-A-007").unwrap();
        assert_eq!(f["class"], "serious", "{engine}: {f}");
    }
}
