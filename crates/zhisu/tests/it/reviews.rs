//! The review queue (V5-manual, issue 17.4) on both engines: records
//! awaiting review enter it as they are stored (an enterprise that
//! registered, a product filed, a batch submitted), findings a person
//! settles after a sweep; a reviewer of the region claims, assigns,
//! releases and decides them with a class and a reason, each decision a
//! ledgered review record doing what its class says. Another region's
//! reviewer sees none of it; bad input changes nothing.

use serde_json::{json, Value};
use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::identity_check::registered_maker;
use crate::support::{gas_stove_json, pdf, TestApp};

const PASSWORD: &str = "Quality-Trace-2026!";

async fn queue(app: &TestApp, key: &str, query: &str) -> Value {
    let (status, page) = app
        .get(key, &format!("/api/v1/verification/queue?{query}"))
        .await;
    assert_eq!(status, 200, "{page}");
    page
}

/// The queue's item of `rule` on record `record_id`, if it waits.
async fn item(app: &TestApp, key: &str, rule: &str, record_id: i64) -> Option<Value> {
    queue(app, key, &format!("rule={rule}&limit=500")).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["record_id"] == record_id)
        .cloned()
}

async fn act(app: &TestApp, key: &str, id: i64, action: &str, body: Value) -> (u16, Value) {
    app.post(
        key,
        &format!("/api/v1/verification/findings/{id}/{action}"),
        &body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_queue_is_claimed_assigned_and_decided() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        for (login, region) in [("q-sz", "440300"), ("q-zj", "330000")] {
            let officer = NewAccount::new(login, PASSWORD, "审核员", Role::Regulator)
                .jurisdiction(&[region.into()]);
            app.service.create_user(None, officer).await.unwrap();
        }

        // Records awaiting review are in the queue at once, no sweep run.
        let (maker_id, maker) = registered_maker(&app, &format!("q-maker-{engine}")).await;
        let identity = item(&app, &gd, "ZV-A-006", maker_id)
            .await
            .unwrap_or_else(|| panic!("{engine}: the registered enterprise waits"));
        assert_eq!(identity["settle"], "person", "{engine}");
        let mut stove = gas_stove_json("REVIEW-1");
        stove["gtin"] = json!(format!("0{}", crate::codes::valid_gtin(4_713)));
        let (status, product) = app.post(&maker, "/api/v1/products", &stove).await;
        assert_eq!(status, 201, "{engine}: {product}");
        let product_id = product["id"].as_i64().unwrap();
        let filed = item(&app, &gd, "ZV-R-006", product_id)
            .await
            .unwrap_or_else(|| panic!("{engine}: the product waits"));
        // Produced more than a year ago: the automatic check asks a person.
        let (_, report) = app.upload(&maker, "report.pdf", pdf()).await;
        let (status, batch) = app
            .post(
                &maker,
                "/api/v1/batches",
                &json!({"product_id": product_id, "batch_no": "R-OLD-1", "production_date": "2025-06-01",
                    "quantity": 5, "inspection_report": report["sha256"]}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {batch}");
        let batch_id = batch["id"].as_i64().unwrap();
        let (_, submitted) = app
            .post(
                &maker,
                &format!("/api/v1/batches/{batch_id}/submit"),
                &json!({}),
            )
            .await;
        assert_eq!(submitted["status"], "submitted", "{engine}: {submitted}");
        let waiting = item(&app, &gd, "ZV-R-005", batch_id)
            .await
            .unwrap_or_else(|| panic!("{engine}: the submitted batch waits"));
        assert!(
            waiting["evidence"].as_str().unwrap().contains("R-OLD-1"),
            "{engine}: {waiting}"
        );

        // Another region's reviewer sees none of it, and may not touch it.
        assert_eq!(queue(&app, &zj, "").await["total"], 0, "{engine}");
        let id = filed["id"].as_i64().unwrap();
        assert_eq!(
            act(&app, &zj, id, "claim", json!({})).await.0,
            404,
            "{engine}"
        );
        // Nor may the enterprise.
        assert_eq!(app.get(&maker, "/api/v1/verification/queue").await.0, 403);
        assert_eq!(act(&app, &maker, id, "claim", json!({})).await.0, 403);

        // Claimed, it is the reviewer's; counts follow.
        let counts = queue(&app, &gd, "").await["counts"].clone();
        assert_eq!(counts["total"], 3, "{engine}: {counts}");
        assert_eq!(counts["unassigned"], 3, "{engine}: {counts}");
        let (status, claimed) = act(&app, &gd, id, "claim", json!({})).await;
        assert_eq!(status, 200, "{engine}: {claimed}");
        assert!(claimed["assignee"].as_str().unwrap().starts_with("key:"));
        let mine = queue(&app, &gd, "assignee=me").await;
        assert_eq!(mine["total"], 1, "{engine}");
        assert_eq!(mine["counts"]["mine"], 1, "{engine}");
        assert_eq!(queue(&app, &gd, "assignee=none").await["total"], 2);

        // Assigned: only to a regulator overseeing the region.
        for to in ["q-zj", "nobody"] {
            let (status, problem) = act(&app, &gd, id, "assign", json!({"to": to})).await;
            assert_eq!(status, 422, "{engine}: {to} → {problem}");
            assert_eq!(problem["errors"][0]["field"], "to", "{engine}");
        }
        let (status, assigned) = act(&app, &gd, id, "assign", json!({"to": "q-sz"})).await;
        assert_eq!(status, 200, "{engine}: {assigned}");
        let sz_actor = assigned["assignee"].as_str().unwrap().to_string();
        assert!(sz_actor.starts_with("user:"), "{engine}: {sz_actor}");
        // Someone has it: another claim is refused.
        let other_gd = app.key(Role::Regulator, None, &["440300"]).await;
        assert_eq!(act(&app, &other_gd, id, "claim", json!({})).await.0, 409);
        let (status, released) = act(&app, &gd, id, "release", json!({})).await;
        assert_eq!(status, 200, "{engine}: {released}");
        assert!(released["assignee"].is_null(), "{engine}");

        // Bad decisions: each names its field and changes nothing.
        for (body, field) in [
            (json!({"class": "fine", "reason": "看过了"}), "class"),
            (json!({"class": "compliant", "reason": "  "}), "reason"),
        ] {
            let (status, problem) = act(&app, &gd, id, "decide", body.clone()).await;
            assert_eq!(status, 422, "{engine}: {body} → {problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{engine}");
        }
        assert_eq!(
            act(&app, &gd, id, "decide", json!({"nope": 1})).await.0,
            422
        );
        assert!(item(&app, &gd, "ZV-R-006", product_id).await.is_some());

        // Decided: the product carries the decision in a new version; the
        // decision is a ledgered review record.
        let (status, decided) = act(
            &app,
            &gd,
            id,
            "decide",
            json!({"class": "compliant", "reason": "备案信息与检验报告一致"}),
        )
        .await;
        assert_eq!(status, 200, "{engine}: {decided}");
        assert_eq!(decided["decided_class"], "compliant", "{engine}");
        let review_id = decided["review_id"].as_i64().unwrap();
        let (_, product) = app
            .get(&gd, &format!("/api/v1/products/{product_id}"))
            .await;
        assert_eq!(product["review"]["class"], "compliant", "{engine}");
        assert!(item(&app, &gd, "ZV-R-006", product_id).await.is_none());
        assert_eq!(
            act(
                &app,
                &gd,
                id,
                "decide",
                json!({"class": "minor", "reason": "再看"})
            )
            .await
            .0,
            409
        );
        let ledgered = app
            .scalar(&format!(
                "select count(*) from ledger_leaves where entry_ref = 'review/{review_id}@1'"
            ))
            .await;
        assert_eq!(ledgered, 1, "{engine}: the decision is in the ledger");
        // A product's review is not the enterprise's to edit.
        let (status, _) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{product_id}"),
                &json!({"review": null}),
            )
            .await;
        assert_eq!(status, 422, "{engine}");

        // The batch: not compliant, so rejected with the reason.
        let waiting_id = waiting["id"].as_i64().unwrap();
        let (status, _) = act(
            &app,
            &gd,
            waiting_id,
            "decide",
            json!({"class": "non-compliant", "reason": "生产日期超过一年，检验报告已过期"}),
        )
        .await;
        assert_eq!(status, 200, "{engine}");
        let (_, batch) = app.get(&gd, &format!("/api/v1/batches/{batch_id}")).await;
        assert_eq!(batch["status"], "rejected", "{engine}");
        assert_eq!(
            batch["review"]["reason"], "生产日期超过一年，检验报告已过期",
            "{engine}"
        );

        // The enterprise: compliant, so its identity is checked.
        let identity_id = identity["id"].as_i64().unwrap();
        let (status, _) = act(
            &app,
            &gd,
            identity_id,
            "decide",
            json!({"class": "compliant", "reason": "营业执照与国家企业信用信息公示系统一致"}),
        )
        .await;
        assert_eq!(status, 200, "{engine}");
        let (_, enterprise) = app
            .get(&gd, &format!("/api/v1/enterprises/{maker_id}"))
            .await;
        assert_eq!(
            enterprise["identity_check"]["status"], "verified",
            "{engine}"
        );
        assert_eq!(queue(&app, &gd, "").await["total"], 0, "{engine}");

        // A sweep leaves decided items decided, and finds nothing new to
        // review here.
        let (status, _) = app
            .post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        assert_eq!(status, 201);
        assert_eq!(queue(&app, &gd, "").await["total"], 0, "{engine}");
        let verify = app.ledger_verify().await;
        assert!(
            verify.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
        let _ = admin;
    }
}

/// A defect a person settles: dismissed (compliant), it stays so through
/// later sweeps while they still see it; decided as a defect, it becomes a
/// case of the decided class, and leaves the queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_defect_is_dismissed_for_good_or_made_a_case() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        // One model filed twice under two names: ZV-R-003 (a person's) on both.
        app.post(&maker, "/api/v1/products", &gas_stove_json("DUP-1"))
            .await;
        let mut twice = gas_stove_json("dup-1");
        twice["product_name"] = json!("燃气灶（重复）");
        twice["gtin"] = json!(format!("0{}", crate::codes::valid_gtin(4_712)));
        app.post(&maker, "/api/v1/products", &twice).await;
        app.post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        let items = queue(&app, &gd, "rule=ZV-R-003").await;
        let ids: Vec<i64> = items["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 2, "{engine}: {items}");

        let (status, dismissed) = act(
            &app,
            &gd,
            ids[0],
            "decide",
            json!({"class": "compliant", "reason": "两个名称是同一型号的内销与外销版本"}),
        )
        .await;
        assert_eq!(status, 200, "{engine}: {dismissed}");
        let (status, cased) = act(
            &app,
            &gd,
            ids[1],
            "decide",
            json!({"class": "non-compliant", "reason": "同一型号两个名称，须更正"}),
        )
        .await;
        assert_eq!(status, 200, "{engine}: {cased}");
        let (_, cases) = app.get(&gd, "/api/v1/cases").await;
        assert_eq!(cases["total"], 1, "{engine}: {cases}");
        assert_eq!(cases["items"][0]["class"], "non-compliant");
        let (_, review) = app
            .get(
                &gd,
                &format!("/api/v1/reviews/{}", cased["review_id"].as_i64().unwrap()),
            )
            .await;
        assert_eq!(
            review["case_id"], cases["items"][0]["id"],
            "{engine}: {review}"
        );

        // The next sweep still sees both; neither comes back to the queue.
        app.post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        assert_eq!(
            queue(&app, &gd, "rule=ZV-R-003").await["total"],
            0,
            "{engine}"
        );
        let (_, open) = app
            .get(
                &gd,
                "/api/v1/verification/findings?rule=ZV-R-003&status=open",
            )
            .await;
        assert_eq!(open["total"], 2, "{engine}: still seen, and decided");
        let decided: Vec<&Value> = open["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["decided_class"])
            .collect();
        assert_eq!(
            decided,
            [&json!("compliant"), &json!("non-compliant")],
            "{engine}"
        );
    }
}
