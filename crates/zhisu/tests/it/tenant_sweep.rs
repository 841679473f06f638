//! The cross-tenant sweep (issue 16, engineering): every API route with a
//! path parameter, read from the served OpenAPI document so that a new
//! route is swept without anyone remembering to add it, is called with
//! one Guangdong manufacturer's records by outsiders (a Zhejiang
//! manufacturer, a Zhejiang seller, Zhejiang's regulator) with each of its
//! methods. None gets 2xx, and nothing is written.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::scan::active_item_batch;
use crate::support::{flow_lines, sscc, EngineKind, TestApp};

/// Routes anyone may call, or that answer a filtered list rather than one
/// tenant's record: swept elsewhere.
fn public_or_filtered(path: &str) -> bool {
    [
        "/00/",
        "/01/",
        "/c/",
        "/api/v1/identifiers/",
        "/epcis/epcs/",
        // A sweep is the deployment's, its counts by rule filtered to the
        // asker's jurisdiction (sweeps::each_sweep_is_recorded_…).
        "/api/v1/verification/sweeps/",
        // The same import templates for everyone (imports::…).
        "/api/v1/imports/templates/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// A body a write route would take from its owner: a refusal must then be
/// about who asks, not about the body.
fn body_for(path: &str) -> Value {
    let ends = |s: &str| path.ends_with(s);
    if ends("/dispose") {
        json!({"action": "freeze", "reason": "抽检"})
    } else if ends("/review") {
        json!({"approve": true})
    } else if ends("/decision") {
        json!({"approve": true, "note": "同意"})
    } else if ends("/identity-check") {
        json!({"verified": true})
    } else if ends("/answer") && path.contains("/cases/") {
        json!({"note": "已整改"})
    } else if ends("/close") || ends("/recheck") {
        json!({"note": "结案"})
    } else if ends("/reveal") {
        json!({"reason": "想看看"})
    } else if ends("/decide") {
        json!({"class": "compliant", "reason": "别人的核查结论"})
    } else if ends("/assign") {
        json!({"to": "someone"})
    } else if ends("/answer") {
        json!({"answer": "已处理"})
    } else if ends("/progress") {
        json!({"close": true})
    } else if ends("/change-requests") {
        json!({"changes": {"product_name": "冒名产品"}, "reason": "改名"})
    } else if ends("/days") {
        json!({"day": "2026-01-02", "quantity": 5})
    } else if ends("/reports") {
        json!({"period": "2026-01-02", "quantity": 5})
    } else if ends("/subscriptions") {
        json!({"dest": "https://receiver.example.com/hook", "stream": true})
    } else {
        json!({"instructions": "别人改的说明"})
    }
}

#[tokio::test]
async fn outsiders_reach_no_record_of_another_tenant_by_any_route() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (gd_seller_id, _) = app.enterprise(&admin, "seller", "440106").await;
    let gd = app.key(Role::Regulator, None, &["440000"]).await;
    let (batch, report, codes) = active_item_batch(&app, &maker, "SWEEP-1", 995).await;
    let product = app
        .scalar(&format!("select parent_id from records where id = {batch}"))
        .await;

    // One record of every kind, all the Guangdong maker's.
    let created = |(status, body): (u16, Value)| {
        assert!(status == 201 || status == 202, "{body}");
        body
    };
    let flow = created(
        app.post(&maker, "/api/v1/flows", &json!({"kind": "sale", "at": "2026-11-20", "counterparty_id": gd_seller_id, "lines": flow_lines(&codes[..1])}))
            .await,
    )["id"]
        .clone();
    let package = created(
        app.post(
            &maker,
            "/api/v1/packages",
            &json!({"sscc": sscc(995), "children": codes[1..3]}),
        )
        .await,
    )["id"]
        .clone();
    let request = created(
        app.post(
            &maker,
            &format!("/api/v1/products/{product}/change-requests"),
            &json!({"changes": {"warranty_months": 48}, "reason": "延长质保"}),
        )
        .await,
    )["id"]
        .clone();
    let recall = created(
        app.post(
            &gd,
            "/api/v1/recalls",
            &json!({"product_id": product, "batch_ids": [batch], "reason": "阀门可能泄漏"}),
        )
        .await,
    )["id"]
        .clone();
    let feedback = crate::support::decode(
        app.client
            .post(app.url("/api/v1/feedback"))
            .json(&json!({"code": codes[3], "message": "点火困难"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let feedback = created(feedback)["id"].clone();
    let mut doc = crate::epcis::many_events(1);
    doc["epcisBody"]["eventList"][0]["eventID"] =
        "urn:uuid:5c0e1d2a-1607-4000-8000-000000000001".into();
    let capture = created(crate::epcis::capture(&app, &maker, &doc.to_string(), None).await)
        ["captureID"]
        .clone();
    created(
        app.post(
            &maker,
            "/epcis/queries",
            &json!({"name": "gd-shipping", "query": {"EQ_bizStep": "shipping"}}),
        )
        .await,
    );
    // A case on the maker's findings (a model filed twice under two names).
    let mut twice = crate::support::gas_stove_json("sweep-1");
    twice["product_name"] = json!("燃气灶（重复）");
    created(app.post(&maker, "/api/v1/products", &twice).await);
    created(
        app.post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await,
    );
    let (_, findings) = app
        .get(&gd, "/api/v1/verification/findings?rule=ZV-R-003")
        .await;
    let case = created(
        app.post(
            &gd,
            "/api/v1/cases",
            &json!({"findings": [findings["items"][0]["id"]]}),
        )
        .await,
    )["id"]
        .clone();
    // The other finding decided: a review record.
    let finding = findings["items"][1]["id"].clone();
    let (status, decided) = app
        .post(
            &gd,
            &format!("/api/v1/verification/findings/{finding}/decide"),
            &json!({"class": "compliant", "reason": "内外销版本"}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    let review = decided["review_id"].clone();
    let key_id = app
        .scalar(&format!(
            "select min(id) from api_keys where enterprise_id = {maker_id}"
        ))
        .await;
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    // A report made on the schedule for Guangdong's jurisdiction.
    app.service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "ts-gd",
                crate::support::PASSWORD,
                "广东省局",
                Role::Regulator,
            )
            .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    app.service
        .make_scheduled_reports(zhisu_service::today_in_shanghai())
        .await
        .unwrap();
    let (_, kept) = app.get(&gd, "/api/v1/statistics/reports").await;
    let gd_report = kept[0]["id"].as_i64().expect("Guangdong's reports");
    // An import of the maker's, previewed (issue 19.3).
    let (status, import, _) = crate::import_jobs::post_import(
        &app,
        &maker,
        "kind=products&commit=none",
        "application/x-ndjson",
        crate::support::gas_stove_json("sweep-2")
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{import}");
    // A reminder in the maker's inbox (issue 19.5): its product filed
    // long enough ago to owe reports.
    app.execute_raw(&format!(
        "update records set created_at = '2026-01-05T00:00:00Z' where id = {product}"
    ))
    .await
    .unwrap();
    app.service
        .send_reporting_reminders(zhisu_service::today_in_shanghai())
        .await
        .unwrap();
    let (_, inbox) = app.get(&maker, "/api/v1/inbox").await;
    let message = inbox[0]["id"]
        .as_i64()
        .expect("a reminder in the maker's inbox");
    let ids: Vec<(&str, String)> = vec![
        ("/api/v1/inbox/", message.to_string()),
        ("/api/v1/imports/", import["id"].to_string()),
        ("/api/v1/statistics/reports/", gd_report.to_string()),
        ("/api/v1/enterprises/", maker_id.to_string()),
        ("/api/v1/products/", product.to_string()),
        ("/api/v1/batches/", batch.to_string()),
        ("/api/v1/flows/", text(&flow)),
        ("/api/v1/packages/", text(&package)),
        ("/api/v1/change-requests/", text(&request)),
        ("/api/v1/recalls/", text(&recall)),
        ("/api/v1/feedback/", text(&feedback)),
        ("/api/v1/cases/", text(&case)),
        ("/api/v1/verification/findings/", text(&finding)),
        ("/api/v1/reviews/", text(&review)),
        ("/api/v1/api-keys/", key_id.to_string()),
    ];

    let (_, other_maker) = app.enterprise(&admin, "manufacturer", "330106").await;
    let (_, other_seller) = app.enterprise(&admin, "seller", "330106").await;
    let zj = app.key(Role::Regulator, None, &["330000"]).await;
    let outsiders = [
        ("a Zhejiang maker", &other_maker),
        ("a Zhejiang seller", &other_seller),
        ("Zhejiang's regulator", &zj),
    ];

    let (_, document) = app.get(&admin, "/openapi.json").await;
    let versions = "select count(*) from record_versions";
    let before = app.scalar(versions).await;
    let mut swept = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.contains('{') || public_or_filtered(path) {
            continue;
        }
        let concrete = {
            let mut p = path.clone();
            for (prefix, id) in &ids {
                if p.starts_with(prefix) {
                    p = p.replacen("{id}", id, 1);
                }
            }
            p.replace("{index}", "0")
                .replace("{sha256}", &report)
                .replace("{captureID}", &text(&capture))
                .replace("{eventID}", "urn:uuid:5c0e1d2a-1607-4000-8000-000000000001")
                .replace("{queryName}", "gd-shipping")
                .replace("{subscriptionID}", "not-theirs")
        };
        assert!(
            !concrete.contains('{'),
            "no value for a parameter of {path}"
        );
        for method in item.as_object().unwrap().keys() {
            for (who, key) in &outsiders {
                let request = match method.as_str() {
                    "get" => app.client.get(app.url(&concrete)),
                    "delete" => app.client.delete(app.url(&concrete)),
                    "patch" => app
                        .client
                        .patch(app.url(&concrete))
                        .json(&body_for(&concrete)),
                    "post" => app
                        .client
                        .post(app.url(&concrete))
                        .json(&body_for(&concrete)),
                    other => panic!("{other} {path}"),
                };
                let r = request.bearer_auth(key).send().await.unwrap();
                let status = r.status().as_u16();
                assert!(
                    status == 403 || status == 404,
                    "{who}: {} {concrete} answered {status}: {}",
                    method.to_uppercase(),
                    r.text().await.unwrap()
                );
                swept += 1;
            }
        }
    }
    assert!(swept >= 75, "swept only {swept} calls");
    assert_eq!(app.scalar(versions).await, before, "nothing was written");
}
