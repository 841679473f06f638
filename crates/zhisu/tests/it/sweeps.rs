//! Incremental verification sweeps (V5-auto, issue 17.2) on both engines:
//! after a full sweep, a sweep reads only what changed and what shares a
//! key with it, judges records it did not read as changed (a neighbour
//! holding the same CCC number, or one that held it before), and leaves
//! the findings exactly as a full sweep would.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::support::{gas_stove_json, TestApp};

async fn sweep(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, sweep) = app.post(key, "/api/v1/verification/sweeps", &body).await;
    assert_eq!(status, 201, "{sweep}");
    sweep
}

/// Every open finding: (rule, record, field), sorted.
async fn open_findings(app: &TestApp, key: &str) -> Vec<(String, i64, String)> {
    let (status, page) = app
        .get(key, "/api/v1/verification/findings?status=open&limit=500")
        .await;
    assert_eq!(status, 200, "{page}");
    let mut out: Vec<(String, i64, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["record_id"].as_i64().unwrap(),
                f["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn has(open: &[(String, i64, String)], rule: &str, id: i64) -> bool {
    open.iter().any(|(r, i, _)| r == rule && *i == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sweep_reads_what_changed_and_finds_what_a_full_sweep_finds() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "440106").await;
        // A province with some records to leave alone.
        let mut first = None;
        for i in 0..6 {
            let mut p = gas_stove_json(&format!("INC-{i}"));
            p["ccc_cert_no"] = json!(format!("20260101010000{i:02}"));
            let (status, p) = app.post(&maker, "/api/v1/products", &p).await;
            assert_eq!(status, 201, "{engine}: {p}");
            first.get_or_insert(p["id"].as_i64().unwrap());
        }
        let mine = first.unwrap();
        // A bystander whose records share no key with what changes below.
        let (_, bystander) = app.enterprise(&admin, "manufacturer", "440303").await;
        for i in 0..8 {
            let mut p = gas_stove_json(&format!("BY-{i}"));
            p["ccc_cert_no"] = json!(format!("20260202020000{i:02}"));
            let (status, p) = app.post(&bystander, "/api/v1/products", &p).await;
            assert_eq!(status, 201, "{engine}: {p}");
        }

        let full = sweep(&app, &gd, json!({"full": true})).await;
        assert_eq!(full["mode"], "full", "{engine}: {full}");
        // Nothing changed: an incremental sweep reads nothing, and changes nothing.
        let quiet = sweep(&app, &gd, json!({})).await;
        assert_eq!(quiet["mode"], "incremental", "{engine}: {quiet}");
        assert_eq!(quiet["records"], 0, "{engine}: {quiet}");
        assert_eq!(
            (quiet["opened"].as_i64(), quiet["resolved"].as_i64()),
            (Some(0), Some(0))
        );

        // Another enterprise files a product under the maker's CCC number:
        // the maker's product, unchanged, is judged too.
        let mut copy = gas_stove_json("COPY-1");
        copy["ccc_cert_no"] = json!("2026010101000000");
        let (status, copy) = app.post(&other, "/api/v1/products", &copy).await;
        assert_eq!(status, 201, "{engine}: {copy}");
        let copy = copy["id"].as_i64().unwrap();
        let seen = sweep(&app, &gd, json!({})).await;
        assert_eq!(seen["mode"], "incremental", "{engine}: {seen}");
        assert!(
            seen["records"].as_i64().unwrap() < full["records"].as_i64().unwrap(),
            "{engine}: read {seen} against {full}"
        );
        let open = open_findings(&app, &gd).await;
        assert!(has(&open, "ZV-A-002", copy), "{engine}: {open:?}");
        assert!(
            has(&open, "ZV-A-002", mine),
            "{engine}: the neighbour: {open:?}"
        );

        // Corrected: the number the copy held before finds the maker's
        // product again, and both findings are resolved.
        let (status, fixed) = app
            .patch(
                &other,
                &format!("/api/v1/products/{copy}"),
                &json!({"ccc_cert_no": "2026010101009999"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {fixed}");
        let mended = sweep(&app, &gd, json!({})).await;
        assert_eq!(mended["mode"], "incremental", "{engine}: {mended}");
        assert!(
            mended["resolved"].as_i64().unwrap() >= 2,
            "{engine}: {mended}"
        );
        let open = open_findings(&app, &gd).await;
        assert!(!has(&open, "ZV-A-002", mine), "{engine}: {open:?}");
        assert!(!has(&open, "ZV-A-002", copy), "{engine}: {open:?}");

        // A model filed twice, then a full sweep: it finds exactly what the
        // incremental sweeps left, opening and resolving nothing.
        let mut twice = gas_stove_json("inc-0");
        twice["product_name"] = json!("燃气灶");
        twice["ccc_cert_no"] = json!("2026010101008888");
        let (status, twice) = app.post(&maker, "/api/v1/products", &twice).await;
        assert_eq!(status, 201, "{engine}: {twice}");
        let twice = twice["id"].as_i64().unwrap();
        sweep(&app, &gd, json!({})).await;
        let after_incremental = open_findings(&app, &gd).await;
        assert!(has(&after_incremental, "ZV-R-003", twice), "{engine}");
        assert!(has(&after_incremental, "ZV-R-003", mine), "{engine}");
        let check = sweep(&app, &gd, json!({"full": true})).await;
        assert_eq!(check["mode"], "full");
        assert_eq!(
            (check["opened"].as_i64(), check["resolved"].as_i64()),
            (Some(0), Some(0)),
            "{engine}: {check}"
        );
        assert_eq!(
            open_findings(&app, &gd).await,
            after_incremental,
            "{engine}"
        );

        // No body is the same as {}; a wrong one is refused naming it.
        let res = app
            .client
            .post(format!("{}/api/v1/verification/sweeps", app.base))
            .bearer_auth(&gd)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{engine}");
        let (status, problem) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({"full": "yes"}))
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "full", "{engine}: {problem}");
        let (status, _) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({"fast": true}))
            .await;
        assert!(matches!(status, 400 | 422), "{engine}: {status}");
    }
}

/// Each run is recorded (issue 17.2) on both engines: the list names who
/// started it and how; one sweep gives its counts rule by rule (seen,
/// opened, resolved, open after it), and the sweep that no longer sees a
/// defect counts it resolved. Only regulators and the system
/// administrator read them; a sweep that does not exist is 404, a bad
/// page 400, and none of it changes anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sweep_is_recorded_with_its_counts_per_rule() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        app.post(&maker, "/api/v1/products", &gas_stove_json("CNT-1"))
            .await;
        let mut twice = gas_stove_json("cnt-1");
        twice["product_name"] = json!("燃气灶（另一名称）");
        let (_, dup) = app.post(&maker, "/api/v1/products", &twice).await;
        let first = sweep(&app, &gd, json!({})).await;
        let (status, detail) = app
            .get(&gd, &format!("/api/v1/verification/sweeps/{}", first["id"]))
            .await;
        assert_eq!(status, 200, "{engine}: {detail}");
        let rule = |d: &Value, id: &str| {
            d["rules"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["rule"] == id)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let twice_filed = rule(&detail, "ZV-R-003");
        assert_eq!(
            (
                &twice_filed["seen"],
                &twice_filed["opened"],
                &twice_filed["resolved"],
                &twice_filed["open"]
            ),
            (&json!(2), &json!(2), &json!(0), &json!(2)),
            "{engine}: {detail}"
        );
        assert_eq!(twice_filed["axis"], "accuracy");
        assert!(twice_filed["zh"].as_str().unwrap().contains("型号"));
        let total_seen: i64 = detail["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["seen"].as_i64().unwrap())
            .sum();
        assert_eq!(total_seen, first["findings"].as_i64().unwrap(), "{engine}");

        // The second name withdrawn: the next sweep resolves both.
        let (status, _) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{}", dup["id"]),
                &json!({"model": "CNT-2"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}");
        let second = sweep(&app, &gd, json!({})).await;
        let (_, detail) = app
            .get(
                &gd,
                &format!("/api/v1/verification/sweeps/{}", second["id"]),
            )
            .await;
        let gone = rule(&detail, "ZV-R-003");
        assert_eq!(
            (&gone["seen"], &gone["resolved"], &gone["open"]),
            (&json!(0), &json!(2), &json!(0)),
            "{engine}: {detail}"
        );

        let (status, list) = app.get(&gd, "/api/v1/verification/sweeps").await;
        assert_eq!(status, 200, "{engine}: {list}");
        assert_eq!(list["total"], 2);
        assert_eq!(list["items"][0]["id"], second["id"], "newest first");
        assert_eq!(list["items"][1]["mode"], "full");
        assert_eq!(list["items"][0]["mode"], "incremental");
        assert_ne!(
            list["items"][0]["started_by"], "cli",
            "{engine}: the regulator started it"
        );

        // Zhejiang's regulator reads the same sweep, counted in its own
        // jurisdiction only: none of Guangdong's findings (V7).
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (status, theirs) = app
            .get(&zj, &format!("/api/v1/verification/sweeps/{}", first["id"]))
            .await;
        assert_eq!(status, 200, "{engine}: {theirs}");
        assert_eq!(rule(&theirs, "ZV-R-003"), Value::Null, "{engine}: {theirs}");
        assert_eq!(theirs["rules"], json!([]), "{engine}: {theirs}");

        // Refusals, each changing nothing.
        let (status, body) = app.get(&maker, "/api/v1/verification/sweeps").await;
        assert_eq!(
            status, 403,
            "{engine}: an enterprise reads no sweeps: {body}"
        );
        let (status, _) = app.get(&gd, "/api/v1/verification/sweeps/999999").await;
        assert_eq!(status, 404, "{engine}");
        let (status, body) = app.get(&gd, "/api/v1/verification/sweeps?limit=0").await;
        assert!(status == 400 || status == 422, "{engine}: {status} {body}");
        let (_, after) = app.get(&gd, "/api/v1/verification/sweeps").await;
        assert_eq!(after["total"], 2, "{engine}");
    }
}

/// The full sweep's pages (`SweepStore::sweep_records`) on both engines:
/// with small pages, versions that are no longer current, and (on SQLite,
/// whose pages are ranges of rowids) a gap wider than a page where rows
/// were removed, every current record comes back exactly once, in its
/// current version, and the walk ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sweeps_pages_hold_every_current_record_once() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let mut products = Vec::new();
        for i in 0..7 {
            let (_, p) = app
                .post(
                    &maker,
                    "/api/v1/products",
                    &gas_stove_json(&format!("PG-{i}")),
                )
                .await;
            products.push(p["id"].as_i64().unwrap());
        }
        // Two renamed: their first versions are no longer current.
        for id in &products[..2] {
            let (status, _) = app
                .patch(
                    &maker,
                    &format!("/api/v1/products/{id}"),
                    &json!({"product_name": "燃气灶（新名）"}),
                )
                .await;
            assert_eq!(status, 200);
        }
        if app.engine_kind == crate::support::EngineKind::Sqlite {
            app.execute_raw(
                "update record_versions set rowid = rowid + 50 \
                 where rowid = (select max(rowid) from record_versions)",
            )
            .await
            .unwrap();
        }
        let store = crate::store::open_store(&app).await;
        let (mut seen, mut after, mut pages) = (Vec::new(), 0, 0);
        loop {
            let page = store.sweep_records(after, 3).await.unwrap();
            let Some(last) = page.last else { break };
            assert!(last > after, "{engine}: the cursor moves on");
            after = last;
            seen.extend(page.records.iter().map(|r| (r.id, r.version)));
            pages += 1;
            assert!(pages < 100, "{engine}: the walk ends");
        }
        seen.sort();
        // SQLite's pages read in place (what a full sweep reads there) hold
        // the same records, across the gap in the rowids too.
        let in_place = store.sweep_pages().await;
        assert_eq!(
            in_place.is_some(),
            app.engine_kind == crate::support::EngineKind::Sqlite,
            "{engine}"
        );
        if let Some(reader) = in_place {
            let mut visited = Vec::new();
            for page in 0..reader.pages(3).unwrap() {
                reader
                    .visit(page, 3, &mut |r| visited.push((r.id, r.version)))
                    .unwrap();
            }
            visited.sort();
            assert_eq!(visited, seen, "{engine}: the pages read in place");
        }
        let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(ids, unique, "{engine}: each record once: {seen:?}");
        for id in &products {
            let version = seen.iter().find(|(i, _)| i == id).map(|(_, v)| *v);
            let expected = if products[..2].contains(id) { 2 } else { 1 };
            assert_eq!(version, Some(expected), "{engine}: product {id}: {seen:?}");
        }
    }
}
