//! Cases followed to closure (V6-dispose, issue 17) on both engines: a
//! regulator opens one on findings of an enterprise of its region; the
//! enterprise answers; a case cannot close while the rules still see a
//! finding of it (409 naming it); 暂停赋码 holds until it closes; a missed
//! deadline escalates it. Bad input changes nothing.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::support::{gas_stove_json, TestApp};

async fn findings_of(app: &TestApp, key: &str, rule: &str) -> Vec<Value> {
    let (status, page) = app
        .get(
            key,
            &format!("/api/v1/verification/findings?rule={rule}&status=open"),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// `zhisu ledger verify` finds every case step in the ledger and every
/// derived column as its body says.
async fn ledger_holds(app: &TestApp, engine: &str) {
    let verify = app.ledger_verify().await;
    assert!(
        verify.status.success(),
        "{engine}: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// Files `model` again under `name` (a duplicate ZV-R-003 finds) and
/// sweeps as `regulator`; the duplicate product.
async fn file_again_and_sweep(
    app: &TestApp,
    maker: &str,
    regulator: &str,
    model: &str,
    name: &str,
) -> Value {
    let mut twice = gas_stove_json(model);
    twice["product_name"] = json!(name);
    let (status, duplicate) = app.post(maker, "/api/v1/products", &twice).await;
    assert_eq!(status, 201, "{duplicate}");
    let (status, sweep) = app
        .post(regulator, "/api/v1/verification/sweeps", &json!({}))
        .await;
    assert_eq!(status, 201, "{sweep}");
    duplicate
}

/// A Guangdong maker that filed one model under two names, swept, and
/// the minor case its regulator opens on the two findings: (maker, the
/// regulator's key, the case).
async fn minor_case(app: &TestApp, model: &str) -> (String, String, Value) {
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let gd = app.key(Role::Regulator, None, &["440000"]).await;
    app.post(&maker, "/api/v1/products", &gas_stove_json(model))
        .await;
    file_again_and_sweep(app, &maker, &gd, &model.to_lowercase(), "燃气灶二").await;
    let ids: Vec<i64> = findings_of(app, &gd, "ZV-R-003")
        .await
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    let (status, case) = app
        .post(&gd, "/api/v1/cases", &json!({"findings": ids}))
        .await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["class"], "minor");
    (maker, gd, case)
}

/// The case file (移交执法案卷): a ZIP for the regulator of the region only,
/// with the note of who exported it, the case's steps, the findings, each
/// record's history and a ledger receipt that matches its current
/// version; the export is in the audit log.
async fn case_file_holds_the_case(
    app: &TestApp,
    gd: &str,
    zj: &str,
    maker: &str,
    id: i64,
    product: i64,
    engine: &str,
) {
    let get = |key: String| {
        let url = app.url(&format!("/api/v1/cases/{id}/file"));
        async move { app.client.get(url).bearer_auth(key).send().await.unwrap() }
    };
    assert_eq!(get(maker.to_string()).await.status(), 403, "{engine}");
    assert_eq!(get(zj.to_string()).await.status(), 404, "{engine}");
    let r = get(gd.to_string()).await;
    assert_eq!(r.status(), 200, "{engine}");
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("evidence/") && n.ends_with("整改说明.pdf")),
        "{engine}: the evidence is in the file: {names:?}"
    );
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut zip
                .by_name(name)
                .unwrap_or_else(|_| panic!("{engine}: no {name}")),
            &mut text,
        )
        .unwrap();
        text
    };
    let note = read("案卷说明.txt");
    assert!(
        note.contains("导出人") && note.contains("结案"),
        "{engine}: {note}"
    );
    assert!(read("findings.csv").contains("ZV-R-003"), "{engine}");
    let steps: Value = serde_json::from_str(&read("case-history.json")).unwrap();
    assert_eq!(
        steps.as_array().unwrap().len(),
        5,
        "{engine}: every version"
    );
    let versions: Value =
        serde_json::from_str(&read(&format!("records/product-{product}.json"))).unwrap();
    assert_eq!(
        versions.as_array().unwrap().len(),
        2,
        "{engine}: filed, then corrected"
    );
    let receipt: Value =
        serde_json::from_str(&read(&format!("receipts/product-{product}.json"))).unwrap();
    assert_eq!(receipt["version"], 2, "{engine}: {receipt}");
    assert!(
        receipt["checkpoint"].as_str().unwrap().contains("/ledger"),
        "{engine}"
    );
    let exports = app
        .scalar(&format!(
            "select count(*) from audit_log where action = 'case.export' and target = 'case/{id}'"
        ))
        .await;
    assert_eq!(exports, 1, "{engine}: the export is logged");
}

fn problem_mentions(body: &Value, words: &str) -> bool {
    body.to_string().contains(words)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_goes_from_notice_to_closure_only_once_the_rules_pass() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "440306").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;

        // One model filed twice under two names: ZV-R-003 on both.
        let (_, first) = app
            .post(&maker, "/api/v1/products", &gas_stove_json("CASE-1"))
            .await;
        let mut twice = gas_stove_json("case-1");
        twice["product_name"] = json!("燃气灶（重复）");
        twice["gtin"] = json!(format!("0{}", crate::codes::valid_gtin(4_711)));
        let (_, second) = app.post(&maker, "/api/v1/products", &twice).await;
        let second_id = second["id"].as_i64().unwrap();
        let (status, sweep) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        assert_eq!(status, 201, "{engine}: {sweep}");
        let found = findings_of(&app, &gd, "ZV-R-003").await;
        let ids: Vec<i64> = found
            .iter()
            .filter(|f| f["record_id"] == first["id"] || f["record_id"] == second["id"])
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 2, "{engine}: {found:?}");
        assert_eq!(found[0]["class"], "minor");

        // Bad openings: each refused, naming its field, storing nothing.
        let open = |body: Value| {
            let app = &app;
            let gd = gd.clone();
            async move { app.post(&gd, "/api/v1/cases", &body).await }
        };
        for (body, field) in [
            (
                json!({"findings": ids, "deadline": "2020-01-01"}),
                "deadline",
            ),
            (json!({"findings": ids, "class": "dreadful"}), "class"),
            (json!({"findings": ids, "class": "compliant"}), "class"),
            (
                json!({"findings": ids, "class": "non-compliant"}),
                "class_reason",
            ),
        ] {
            let (status, problem) = open(body.clone()).await;
            assert_eq!(status, 422, "{engine}: {body} → {problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{engine}: {problem}");
        }
        let (status, _) = app
            .post(&zj, "/api/v1/cases", &json!({"findings": ids}))
            .await;
        assert_eq!(
            status, 404,
            "{engine}: another region's regulator sees no such finding"
        );
        let (status, _) = app
            .post(&maker, "/api/v1/cases", &json!({"findings": ids}))
            .await;
        assert_eq!(status, 403, "{engine}");
        assert_eq!(
            app.get(&gd, "/api/v1/cases").await.1["total"],
            0,
            "{engine}"
        );

        // Opened as non-compliant, with the reason: notified, with
        // 暂停赋码 among its measures.
        let (status, case) = open(json!({"findings": ids, "class": "non-compliant",
            "class_reason": "同一型号以两个名称备案，误导消费者", "note": "请合并重复备案"}))
        .await;
        assert_eq!(status, 201, "{engine}: {case}");
        let id = case["id"].as_i64().unwrap();
        assert_eq!(case["status"], "notified", "{engine}");
        // In the statistics (issue 18.1): one case open, none closed yet.
        let figure = |summary: &Value, id: &str| {
            summary["figures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["indicator"] == id)
                .unwrap()["value"]
                .clone()
        };
        let (_, summary) = app.get(&gd, "/api/v1/statistics/summary").await;
        assert_eq!(
            figure(&summary, "cases_open"),
            json!(1),
            "{engine}: {summary}"
        );
        assert_eq!(figure(&summary, "case_days_to_close"), Value::Null);
        assert_eq!(case["proposed_class"], "minor");
        assert!(case["measures"]
            .as_array()
            .unwrap()
            .contains(&json!("suspend-codes")));
        let (status, again) = open(json!({"findings": [ids[0]]})).await;
        assert_eq!(status, 409, "{engine}: {again}");

        // 暂停赋码: a batch of the product is not activated while it is open.
        let (_, report) = app
            .upload(&maker, "report.pdf", crate::support::pdf())
            .await;
        let (status, batch) = app
            .post(&maker, "/api/v1/batches", &json!({"product_id": second_id, "batch_no": "C-L1",
                "production_date": "2026-10-01", "quantity": 5, "inspection_report": report["sha256"]}))
            .await;
        assert_eq!(status, 201, "{engine}: {batch}");
        let batch = batch["id"].as_i64().unwrap();
        let (status, submitted) = app
            .post(
                &maker,
                &format!("/api/v1/batches/{batch}/submit"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {submitted}");
        let activate = || {
            let app = &app;
            let maker = maker.clone();
            async move {
                app.post(
                    &maker,
                    &format!("/api/v1/batches/{batch}/activate"),
                    &json!({}),
                )
                .await
            }
        };
        let (status, refused) = activate().await;
        assert_eq!(status, 409, "{engine}: {refused}");
        assert!(
            problem_mentions(&refused, &format!("#{id}")),
            "{engine}: {refused}"
        );

        // Who sees it: the enterprise and its regulators; every view is in
        // the access log (V7).
        assert_eq!(app.get(&maker, &format!("/api/v1/cases/{id}")).await.0, 200);
        let views = app
            .scalar(&format!(
                "select count(*) from audit_log where action = 'api GET /api/v1/cases/{id}'"
            ))
            .await;
        assert!(views >= 1, "{engine}: the view is logged");
        assert_eq!(app.get(&other, &format!("/api/v1/cases/{id}")).await.0, 404);
        assert_eq!(app.get(&zj, &format!("/api/v1/cases/{id}")).await.0, 404);
        assert_eq!(
            app.get(&maker, "/api/v1/cases?status=notified").await.1["total"],
            1
        );
        assert_eq!(
            app.get(&other, "/api/v1/cases").await.1["total"],
            0,
            "{engine}"
        );

        // Not answered yet: no close. An empty answer, another enterprise's
        // answer: refused.
        let close = |note: &'static str| {
            let app = &app;
            let gd = gd.clone();
            async move {
                app.post(
                    &gd,
                    &format!("/api/v1/cases/{id}/close"),
                    &json!({"note": note}),
                )
                .await
            }
        };
        assert_eq!(close("").await.0, 409, "{engine}");
        let answer = |key: String, note: &'static str| {
            let app = &app;
            async move {
                app.post(
                    &key,
                    &format!("/api/v1/cases/{id}/answer"),
                    &json!({"note": note}),
                )
                .await
            }
        };
        let (status, problem) = answer(maker.clone(), "  ").await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "note");
        assert_eq!(answer(other.clone(), "我们改了").await.0, 404, "{engine}");
        assert_eq!(
            app.get(&gd, &format!("/api/v1/cases/{id}")).await.1["version"],
            1
        );

        // Answered without correcting: the close is refused, naming the
        // finding, and changes nothing; a re-check sends it back.
        // The first answer brings evidence: a file uploaded first; a file
        // never uploaded is refused.
        let (_, evidence) = app
            .upload(&maker, "整改说明.pdf", crate::support::pdf())
            .await;
        let with_files = |files: Value| {
            let app = &app;
            let maker = maker.clone();
            async move {
                app.post(
                    &maker,
                    &format!("/api/v1/cases/{id}/answer"),
                    &json!({"note": "已知悉", "files": files}),
                )
                .await
            }
        };
        let (status, problem) = with_files(json!(["ab".repeat(32)])).await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "files");
        let (status, answered) = with_files(json!([evidence["sha256"]])).await;
        assert_eq!(status, 200, "{engine}: {answered}");
        assert_eq!(answered["status"], "answered");
        let (status, refused) = close("整改到位").await;
        assert_eq!(status, 409, "{engine}: {refused}");
        // Named by rule and record, as a regulator reads it.
        assert!(
            problem_mentions(&refused, "ZV-R-003") && problem_mentions(&refused, "燃气灶（重复）"),
            "{engine}: {refused}"
        );
        // Accepting what still stands needs the regulator's reasons.
        let (status, problem) = app
            .post(
                &gd,
                &format!("/api/v1/cases/{id}/close"),
                &json!({"accept_standing": true}),
            )
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "note");
        let (_, now) = app.get(&gd, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(
            (now["version"].as_i64(), now["status"].as_str()),
            (Some(2), Some("answered"))
        );
        let (status, rechecked) = app
            .post(&gd, &format!("/api/v1/cases/{id}/recheck"), &json!({}))
            .await;
        assert_eq!(status, 200, "{engine}: {rechecked}");
        assert_eq!(rechecked["status"], "notified");
        let last = rechecked["steps"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["action"], "recheck-failed");
        assert_eq!(
            last["standing"].as_array().unwrap().len(),
            2,
            "{engine}: {last}"
        );

        // Corrected: the duplicate gets its own model. Answered, closed.
        let (status, patched) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{second_id}"),
                &json!({"model": "CASE-2"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {patched}");
        assert_eq!(
            answer(maker.clone(), "重复备案已改为新型号 CASE-2").await.0,
            200
        );
        let (status, closed) = close("整改到位").await;
        assert_eq!(status, 200, "{engine}: {closed}");
        assert_eq!(closed["status"], "closed");
        // Closed the day it was opened: none open, 0 days to close.
        let (_, summary) = app.get(&gd, "/api/v1/statistics/summary").await;
        assert_eq!(
            figure(&summary, "cases_open"),
            json!(0),
            "{engine}: {summary}"
        );
        assert_eq!(figure(&summary, "case_days_to_close"), json!(0), "{engine}");
        let actions: Vec<&str> = closed["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["open", "answer", "recheck-failed", "answer", "close"],
            "{engine}"
        );
        assert_eq!(closed["version"], 5, "every step a version");
        assert_eq!(
            activate().await.0,
            200,
            "{engine}: closed, codes are made again"
        );
        case_file_holds_the_case(&app, &gd, &zj, &maker, id, second_id, &engine).await;
        ledger_holds(&app, &engine).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_case_past_its_deadline_escalates() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let (maker, gd, case) = minor_case(&app, "ESC-1").await;
        assert_eq!(case["overdue"], false);
        let id = case["id"].as_i64().unwrap();
        let deadline =
            chrono::NaiveDate::parse_from_str(case["deadline"].as_str().unwrap(), "%Y-%m-%d")
                .unwrap();

        // On the deadline nothing happens; the day after, it escalates once.
        assert_eq!(
            app.service.escalate_overdue_cases(deadline).await.unwrap(),
            0
        );
        let after = deadline.succ_opt().unwrap();
        assert_eq!(
            app.service.escalate_overdue_cases(after).await.unwrap(),
            1,
            "{engine}"
        );
        assert_eq!(
            app.service.escalate_overdue_cases(after).await.unwrap(),
            0,
            "{engine}"
        );
        let (_, now) = app.get(&gd, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(now["class"], "non-compliant", "{engine}: {now}");
        assert_eq!(now["escalations"], 1);
        // In the statistics (issue 18.1): one deadline missed today, by a
        // case that was minor when it missed.
        let (_, summary) = app.get(&gd, "/api/v1/statistics/summary").await;
        let overdue = summary["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["indicator"] == "cases_overdue")
            .unwrap()["value"]
            .clone();
        assert_eq!(overdue, json!(1), "{engine}: {summary}");
        let (status, by_class) = app
            .get(
                &gd,
                "/api/v1/statistics/composition?indicator=cases_overdue&by=class",
            )
            .await;
        assert_eq!(status, 200, "{by_class}");
        assert_eq!(
            by_class["parts"],
            json!([{"key": "minor", "label_zh": "基本合格", "value": 1}]),
            "{engine}"
        );
        assert!(now["measures"]
            .as_array()
            .unwrap()
            .contains(&json!("correction-order")));
        let step = now["steps"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (step["action"].as_str(), step["by"].as_str()),
            (Some("escalate"), Some("system"))
        );

        // Answered without correcting; the regulator verifies the findings
        // (a person settles ZV-R-003) and closes, accepting them with its
        // reasons; the close lists them.
        let (status, _) = app
            .post(
                &maker,
                &format!("/api/v1/cases/{id}/answer"),
                &json!({"note": "两个名称均在销售，暂不合并"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}");
        let (status, closed) = app
            .post(&gd, &format!("/api/v1/cases/{id}/close"),
                &json!({"accept_standing": true, "note": "经核实为同型号不同销售渠道名称，予以认定"}))
            .await;
        assert_eq!(status, 200, "{engine}: {closed}");
        assert_eq!(closed["status"], "closed");
        let last = closed["steps"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            last["standing"].as_array().unwrap().len(),
            2,
            "{engine}: {last}"
        );
        ledger_holds(&app, &engine).await;
    }
}

/// A serious case's measures: while it is open, the product's active
/// batch is frozen (冻结追溯码), every scan of its codes says so in the JSON
/// and on the page (扫码页监管提示), and the enterprise is on the public
/// 经营异常名录; closed, the freeze is lifted, the notice goes (the scan
/// cache follows the case) and the enterprise leaves the list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serious_case_puts_a_notice_on_its_codes_until_closed() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (batch, _, codes) = crate::scan::active_item_batch(&app, &maker, "NOTE-1", 731).await;
        let product = app
            .scalar(&format!("select parent_id from records where id = {batch}"))
            .await;
        let duplicate = file_again_and_sweep(&app, &maker, &gd, "note-1", "燃气灶（另名）").await;
        // Scanned once before: the answer is cached, and must not stay.
        let (_, before) = crate::scan::scan_json(&app, &codes[0], "").await;
        assert!(before.get("notice").is_none(), "{engine}: {before}");
        let (_, found) = app
            .get(
                &gd,
                &format!(
                    "/api/v1/verification/findings?rule=ZV-R-003&record_id={product}&kind=product"
                ),
            )
            .await;
        let finding = found["items"][0]["id"].clone();
        let (status, case) = app
            .post(
                &gd,
                "/api/v1/cases",
                &json!({"findings": [finding], "class": "serious",
                "class_reason": "重复备案以规避抽检，涉嫌违法"}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {case}");
        let id = case["id"].as_i64().unwrap();
        let (_, during) = crate::scan::scan_json(&app, &codes[0], "").await;
        assert_eq!(during["status"], "frozen", "{engine}: {during}");
        assert_eq!(case["frozen_batches"], json!([batch]), "{engine}: {case}");
        let notice = during["notice"].as_str().unwrap_or_default().to_string();
        assert!(
            notice.contains("监管提示") && notice.contains(&format!("案件 {id}")),
            "{engine}: {during}"
        );
        let (_, page) = crate::scan::scan_page(&app, &codes[1]).await;
        assert!(page.contains("id=\"regulatory-notice\""), "{engine}");
        // 经营异常名录, public: no key, no session.
        let listed = |path: &'static str| {
            let app = &app;
            async move {
                let r = app.client.get(app.url(path)).send().await.unwrap();
                assert_eq!(r.status(), 200, "{path}");
                r.text().await.unwrap()
            }
        };
        let (_, me) = app.get(&maker, "/api/v1/me").await;
        let (_, enterprise) = app
            .get(
                &admin,
                &format!("/api/v1/enterprises/{}", me["enterprise_id"]),
            )
            .await;
        let name = enterprise["name"].as_str().unwrap().to_string();
        let list: Value = serde_json::from_str(&listed("/api/v1/abnormal").await).unwrap();
        assert_eq!(list[0]["case_id"], id, "{engine}: {list}");
        assert_eq!(list[0]["name"], name.as_str());
        assert!(listed("/abnormal").await.contains(&name), "{engine}");

        // Corrected, answered, closed: the notice goes.
        let (status, _) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{}", duplicate["id"]),
                &json!({"model": "NOTE-2"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}");
        app.post(
            &maker,
            &format!("/api/v1/cases/{id}/answer"),
            &json!({"note": "重复备案已改为新型号"}),
        )
        .await;
        let (status, closed) = app
            .post(
                &gd,
                &format!("/api/v1/cases/{id}/close"),
                &json!({"note": "整改到位"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {closed}");
        let (_, after) = crate::scan::scan_json(&app, &codes[0], "").await;
        assert!(after.get("notice").is_none(), "{engine}: {after}");
        assert_eq!(after["status"], "genuine", "{engine}: {after}");
        let (_, b) = app.get(&gd, &format!("/api/v1/batches/{batch}")).await;
        assert_eq!(b["status"], "active", "{engine}: unfrozen: {b}");
        assert_eq!(
            listed("/api/v1/abnormal").await,
            "[]",
            "{engine}: off the list"
        );
    }
}

/// A deployment's own measures (V6-dispose): its settings file gives a
/// minor case 3 days and makes it escalate straight to serious; a case
/// opened there follows them, through the API, while the repository's
/// table (15 days, then non-compliant) is what a deployment without the
/// setting keeps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployments_own_measures_set_the_deadline_and_escalation() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "disposal_measures = { minor = { deadline_days = 3, escalates_to = \"serious\" } }\n",
    )
    .unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(crate::support::EngineKind::Sqlite, |args| {
        args.common.config = Some(path)
    })
    .await;
    let (_, gd, case) = minor_case(&app, "OWN-1").await;
    let opened = chrono::NaiveDate::parse_from_str(
        case["steps"][0]["at"].as_str().unwrap().get(..10).unwrap(),
        "%Y-%m-%d",
    )
    .unwrap();
    let deadline =
        chrono::NaiveDate::parse_from_str(case["deadline"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    // The step's time is UTC and the deadline counts from the day in
    // Shanghai: 3 days, or 4 when the case opened after 16:00 UTC.
    let days = (deadline - opened).num_days();
    assert!(days == 3 || days == 4, "3 days, not the table's 15: {case}");
    let after = deadline.succ_opt().unwrap();
    assert_eq!(app.service.escalate_overdue_cases(after).await.unwrap(), 1);
    let (_, now) = app.get(&gd, &format!("/api/v1/cases/{}", case["id"])).await;
    assert_eq!(now["class"], "serious", "minor → serious here: {now}");
    assert!(now["measures"]
        .as_array()
        .unwrap()
        .contains(&json!("freeze-codes")));
}
