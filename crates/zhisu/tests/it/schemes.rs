//! The code schemes other than GS1 (P5.2.1, G6.1.4) end to end on both
//! engines: a product filed with its Ecode, digital identity code or CCC
//! certificate number gets codes under `/c/`, which the resolver answers
//! like any GS1 code (page and JSON), flows trade, and bad input is refused
//! without changing anything.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::codes::{export, file_batch};
use crate::scan::{scan_json, scan_page};
use crate::support::{flow_lines, forge, gas_stove_json, TestApp};

/// Submits and activates a batch; answers the activation's status.
async fn activate(app: &TestApp, key: &str, batch: i64) -> (u16, Value) {
    let (status, submitted) = app
        .post(key, &format!("/api/v1/batches/{batch}/submit"), &json!({}))
        .await;
    assert_eq!(status, 200, "{submitted}");
    app.post(
        key,
        &format!("/api/v1/batches/{batch}/activate"),
        &json!({}),
    )
    .await
}

#[tokio::test]
async fn ecode_digital_identity_and_ccc_codes_resolve_under_c_on_every_engine() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (seller_id, seller) = app.enterprise(&admin, "seller", "440106").await;
        let products = || async {
            app.scalar("select count(*) from records where kind = 'product'")
                .await
        };

        // An Ecode product filed without its Ecode: its batch cannot be
        // submitted, and stays a draft.
        let mut ecode = gas_stove_json("JSQ-E1");
        ecode["code_scheme"] = json!("ecode");
        let (status, product) = app.post(&maker, "/api/v1/products", &ecode).await;
        assert_eq!(status, 201, "{engine}: {product}");
        let product_id = product["id"].as_i64().unwrap();
        let batch = file_batch(&app, &maker, product_id, "E-1", "2026-10-01", 3).await;
        let (status, problem) = app
            .post(
                &maker,
                &format!("/api/v1/batches/{batch}/submit"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "scheme_code", "{problem}");
        let (_, draft) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        assert_eq!(draft["status"], "draft", "{draft}");
        let (status, _) = export(&app, &maker, batch, "").await;
        assert_eq!(status, 409, "a draft has no codes");

        // Bad scheme codes are refused and the product keeps its version.
        for (patch, code) in [
            (json!({"scheme_code": "<b>1"}), "format"),
            (json!({"scheme_code": "A//B"}), "format"),
            (json!({"scheme_code": "9".repeat(65)}), "format"),
            (json!({"scheme_code": "X", "code_scheme": "gs1"}), "scheme"),
            (json!({"scheme_code": "X", "code_scheme": "ccc"}), "scheme"),
        ] {
            let (status, problem) = app
                .patch(&maker, &format!("/api/v1/products/{product_id}"), &patch)
                .await;
            assert_eq!(status, 422, "{patch}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "scheme_code", "{problem}");
            assert_eq!(problem["errors"][0]["code"], code, "{problem}");
        }
        let (_, unchanged) = app
            .get(&maker, &format!("/api/v1/products/{product_id}"))
            .await;
        assert_eq!(unchanged["version"], 1, "{unchanged}");

        // With its Ecode (a `/` in it is carried as %2F) the batch is issued.
        let (status, patched) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{product_id}"),
                &json!({"scheme_code": " TEST.E:1/A "}),
            )
            .await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["scheme_code"], "TEST.E:1/A");
        let (status, active) = activate(&app, &maker, batch).await;
        assert_eq!(status, 200, "{active}");
        let (status, text) = export(&app, &maker, batch, "").await;
        assert_eq!(status, 200, "{text}");
        let codes: Vec<String> = text.lines().map(str::to_string).collect();
        assert_eq!(codes.len(), 3);
        let prefix = format!("{}/c/TEST.E%3A1%2FA/21/", app.base);
        assert!(codes.iter().all(|c| c.starts_with(&prefix)), "{codes:?}");
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 3);

        // Issued codes keep resolving: the code they are made of is fixed
        // from now on; other fields may still be amended (P5.7).
        for patch in [
            json!({"scheme_code": "TEST.E:2"}),
            json!({"code_scheme": "digital-id"}),
            json!({"trace_level": "per-batch"}),
        ] {
            let (status, problem) = app
                .patch(&maker, &format!("/api/v1/products/{product_id}"), &patch)
                .await;
            assert_eq!(status, 422, "{patch}: {problem}");
            assert_eq!(problem["errors"][0]["code"], "immutable", "{problem}");
        }
        let (status, amended) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{product_id}"),
                // What the codes do not show (P4: what they show changes
                // only by a change request, tests/it/change_requests.rs).
                &json!({"materials": "黄铜阀体"}),
            )
            .await;
        assert_eq!(status, 200, "{amended}");

        // The scan: genuine, table 3, counted; the page says the same.
        let (status, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(status, 200, "{engine}: {view}");
        assert_eq!(view["status"], "genuine", "{view}");
        assert_eq!(view["code"], codes[0].as_str());
        assert_eq!(view["public"]["product"]["product_name"], "家用燃气灶");
        assert_eq!(view["public"]["product"]["batch_no"], "E-1");
        assert_eq!(view["public"]["product"]["trace_code"], codes[0].as_str());
        assert_eq!(view["scans"]["count"], 1);
        assert_eq!(view["ledger"]["record"], format!("batch/{batch}"));
        let (status, html) = scan_page(&app, &codes[1]).await;
        assert_eq!(status, 200);
        assert!(html.contains(r#"data-status="genuine""#), "{html}");
        assert!(html.contains("E-1"), "{html}");
        // The product's own code; a made-up serial; a product not filed.
        let (status, view) = scan_json(&app, &format!("{}/c/TEST.E%3A1%2FA", app.base), "").await;
        assert_eq!(
            (status, view["status"].as_str()),
            (200, Some("genuine")),
            "{view}"
        );
        let (status, suspect) = scan_json(&app, &forge(&codes[0]), "").await;
        assert_eq!(
            (status, suspect["status"].as_str()),
            (200, Some("suspect")),
            "{suspect}"
        );
        let (status, problem) = scan_json(&app, &format!("{}/c/NOT-FILED-1", app.base), "").await;
        assert_eq!(
            (status, problem["type"].as_str()),
            (404, Some("/problems/unknown-code"))
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("NOT-FILED-1"),
            "{problem}"
        );

        // Flows trade these codes like GS1 ones; a seller cannot sell what
        // it never received; the scan names the seller.
        let sale = json!({"kind": "sale", "at": "2026-11-01", "counterparty_id": seller_id, "lines": flow_lines(&codes[..2])});
        let (status, sold) = app.post(&maker, "/api/v1/flows", &sale).await;
        assert_eq!(status, 201, "{engine}: {sold}");
        let sale_on = json!({"kind": "sale", "at": "2026-11-02", "counterparty_name": "消费者", "counterparty_address": "广州市", "counterparty_contact": "13800000000", "lines": flow_lines(&codes[2..3])});
        let (status, problem) = app.post(&seller, "/api/v1/flows", &sale_on).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["code"], "not-held", "{problem}");
        let (_, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(
            view["public"]["sellers"].as_array().map(Vec::len),
            Some(1),
            "{view}"
        );

        // 组合多码: a transport package holds `/c/` codes, linked both ways.
        let sscc = crate::support::sscc(906);
        let (status, package) = app
            .post(
                &maker,
                "/api/v1/packages",
                &json!({"sscc": sscc, "children": [codes[2]]}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {package}");
        let r = app
            .client
            .get(app.url("/api/v1/codes/links"))
            .query(&[("code", codes[2].as_str())])
            .bearer_auth(&maker)
            .send()
            .await
            .unwrap();
        let links: Value = r.json().await.unwrap();
        assert_eq!(links["packed_in_key"], format!("(00){sscc}"), "{links}");
        assert!(
            links["key"]
                .as_str()
                .unwrap()
                .starts_with("(c)TEST.E:1/A(21)"),
            "{links}"
        );
        let (_, view) = scan_json(&app, &format!("{}/00/{sscc}", app.base), "").await;
        assert_eq!(view["package_items"], 1, "{view}");

        // One code, one product: a digital identity product cannot take
        // the same code, and nothing is stored.
        let before = products().await;
        let mut twin = gas_stove_json("TDT-D1");
        twin["code_scheme"] = json!("digital-id");
        twin["scheme_code"] = json!("TEST.E:1/A");
        let (status, problem) = app.post(&maker, "/api/v1/products", &twin).await;
        assert_eq!(status, 409, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("TEST.E:1/A"),
            "{problem}"
        );
        assert_eq!(products().await, before);

        // CCC certificate code, 一批一码: `/c/{ccc}/10/{lot}`.
        let mut ccc = gas_stove_json("JZT-C1");
        ccc["code_scheme"] = json!("ccc");
        ccc["trace_level"] = json!("per-batch");
        let (status, product) = app.post(&maker, "/api/v1/products", &ccc).await;
        assert_eq!(status, 201, "{product}");
        let batch = file_batch(
            &app,
            &maker,
            product["id"].as_i64().unwrap(),
            "C 1",
            "2026-10-01",
            10,
        )
        .await;
        let (status, _) = activate(&app, &maker, batch).await;
        assert_eq!(status, 200);
        let (_, text) = export(&app, &maker, batch, "").await;
        assert_eq!(
            text.trim(),
            format!("{}/c/2021010101123456/10/C%201", app.base)
        );
        let (status, view) = scan_json(&app, text.trim(), "").await;
        assert_eq!(
            (status, view["status"].as_str()),
            (200, Some("genuine")),
            "{view}"
        );
        assert_eq!(view["public"]["product"]["batch_no"], "C 1");
        let (status, view) =
            scan_json(&app, &format!("{}/c/2021010101123456/10/C2", app.base), "").await;
        assert_eq!(
            (status, view["status"].as_str()),
            (200, Some("suspect")),
            "a batch number the product never filed: {view}"
        );
        let mut ccc_twin = gas_stove_json("JZT-C2");
        ccc_twin["code_scheme"] = json!("ccc");
        let (status, problem) = app.post(&maker, "/api/v1/products", &ccc_twin).await;
        assert_eq!(
            status, 409,
            "the certificate is already another product's code: {problem}"
        );

        // The platform's own EPCIS events name these batches by their `/c/`
        // classes; a 一批一码 batch's class is its one code.
        let r = app
            .client
            .get(app.url("/epcis/events?EQ_bizStep=commissioning"))
            .bearer_auth(&maker)
            .send()
            .await
            .unwrap();
        let doc: Value = r.json().await.unwrap();
        let mut classes: Vec<String> = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["quantityList"][0]["epcClass"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        classes.sort();
        assert_eq!(
            classes,
            [
                text.trim().to_string(),
                format!("{}/c/TEST.E%3A1%2FA/10/E-1", app.base)
            ],
            "{engine}: {doc}"
        );

        // Malformed `/c/` paths: 400 with a reason, in JSON and in the page.
        for (path, says) in [
            ("/c/A/17/261231", "/21/"),
            ("/c/A%ZZ", "%"),
            ("/c/%3Cscript%3E", "'<'"),
            ("/c/A/21/", "serial"),
        ] {
            let (status, problem) = scan_json(&app, &format!("{}{path}", app.base), "").await;
            assert_eq!(status, 400, "{path}: {problem}");
            assert_eq!(problem["type"], "/problems/bad-request", "{problem}");
            assert!(
                problem["detail"].as_str().unwrap().contains(says),
                "{path}: {problem}"
            );
        }
        let long = format!("{}/c/{}", app.base, "9".repeat(65));
        let (status, html) = scan_page(&app, &long).await;
        assert_eq!(status, 400);
        assert!(html.contains("64"), "the page says why: {html}");
        // Genuine scans are logged under the code's key; unknown and bad
        // ones are not.
        app.service.flush_scans().await;
        let logged = |pattern: &'static str| {
            let app = &app;
            async move {
                app.scalar(&format!(
                    "select count(*) from scans where code like '{pattern}'"
                ))
                .await
            }
        };
        assert_eq!(logged("(c)TEST.E:1/A(21)%").await, 3, "{engine}");
        assert_eq!(
            logged("(c)%").await,
            5,
            "{engine}: item, product and lot scans"
        );
    }
}
