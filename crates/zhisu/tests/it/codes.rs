//! The P5.1/P5.5 workflow and the codes of active batches, on both
//! engines: submit, automatic approval or review, activation, export,
//! verification, and every refusal along the way.

use std::collections::HashSet;

use serde_json::json;
use zhisu_domain::Role;

use crate::support::{decode, gas_stove_json, pdf, TestApp};

pub(crate) fn valid_gtin(n: u32) -> String {
    let body = format!("6970{n:08}");
    let check = zhisu_codes::gs1::lint::mod10_check_digit(&body).unwrap();
    format!("{body}{check}")
}

pub(crate) async fn file_batch(
    app: &TestApp,
    key: &str,
    product_id: i64,
    batch_no: &str,
    date: &str,
    quantity: u64,
) -> i64 {
    let (_, report) = app.upload(key, "report.pdf", pdf()).await;
    let body = json!({"product_id": product_id, "batch_no": batch_no, "production_date": date, "quantity": quantity, "inspection_report": report["sha256"]});
    let (status, batch) = app.post(key, "/api/v1/batches", &body).await;
    assert_eq!(status, 201, "{batch}");
    batch["id"].as_i64().unwrap()
}

pub(crate) async fn export(app: &TestApp, key: &str, batch: i64, query: &str) -> (u16, String) {
    let r = app
        .client
        .get(app.url(&format!("/api/v1/batches/{batch}/codes{query}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn verify(app: &TestApp, key: &str, code: &str) -> serde_json::Value {
    let r = app
        .client
        .get(app.url("/api/v1/codes/verify"))
        .query(&[("code", code)])
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    decode(r).await.1
}

#[tokio::test]
async fn from_draft_to_verified_codes_on_every_engine() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, a) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, b) = app.enterprise(&admin, "manufacturer", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let gtin13 = valid_gtin(1);
        let gtin = format!("0{gtin13}");

        // 一物一码 under GS1: the GTIN is needed before submission.
        let mut stove = gas_stove_json("JZT-1");
        let (_, product) = app.post(&a, "/api/v1/products", &stove).await;
        let no_gtin = product["id"].as_i64().unwrap();
        let batch = file_batch(&app, &a, no_gtin, "B0", "2026-10-01", 10).await;
        let (status, problem) = app
            .post(&a, &format!("/api/v1/batches/{batch}/submit"), &json!({}))
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some("gtin")),
            "{engine}: {problem}"
        );

        stove["model"] = json!("JZT-2");
        stove["gtin"] = json!(gtin13);
        let (status, product) = app.post(&a, "/api/v1/products", &stove).await;
        assert_eq!(status, 201, "{product}");
        assert_eq!(product["gtin"], gtin, "kept as GTIN-14");
        let product_id = product["id"].as_i64().unwrap();
        // Another maker cannot claim the same GTIN.
        let mut copy = gas_stove_json("OTHER");
        copy["gtin"] = json!(gtin.clone());
        let (status, problem) = app.post(&b, "/api/v1/products", &copy).await;
        assert_eq!(status, 409, "{engine}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains("GTIN"));

        let batch = file_batch(&app, &a, product_id, "B1", "2026-10-01", 1000).await;
        let before = app.counts().await;
        // A draft has no codes and cannot be activated or reviewed.
        assert_eq!(export(&app, &a, batch, "").await.0, 409);
        assert_eq!(
            app.post(&a, &format!("/api/v1/batches/{batch}/activate"), &json!({}))
                .await
                .0,
            409
        );
        assert_eq!(
            app.post(
                &gd,
                &format!("/api/v1/batches/{batch}/review"),
                &json!({"approve": true})
            )
            .await
            .0,
            409
        );
        assert_eq!(
            app.counts().await,
            before,
            "{engine}: refused steps changed the store"
        );

        // A clean batch is approved by the automatic check at once.
        let (status, submitted) = app
            .post(&a, &format!("/api/v1/batches/{batch}/submit"), &json!({}))
            .await;
        assert_eq!(status, 200, "{submitted}");
        assert_eq!(submitted["status"], "approved");
        assert_eq!(submitted["review"]["by"], "system");
        assert_eq!(
            app.patch(
                &a,
                &format!("/api/v1/batches/{batch}"),
                &json!({"quantity": 5})
            )
            .await
            .0,
            409,
            "no change after filing"
        );
        assert_eq!(
            export(&app, &a, batch, "").await.0,
            409,
            "approved is not yet active"
        );
        assert_eq!(
            app.post(
                &gd,
                &format!("/api/v1/batches/{batch}/activate"),
                &json!({})
            )
            .await
            .0,
            403
        );
        assert_eq!(
            app.post(&b, &format!("/api/v1/batches/{batch}/activate"), &json!({}))
                .await
                .0,
            404
        );
        let (status, active) = app
            .post(&a, &format!("/api/v1/batches/{batch}/activate"), &json!({}))
            .await;
        assert_eq!(
            (status, active["status"].as_str()),
            (200, Some("active")),
            "{active}"
        );
        assert!(active["activated_at"].is_string());

        // Its codes exist at once: one per item, all different, all genuine.
        let r = app
            .client
            .get(app.url(&format!("/api/v1/batches/{batch}/codes")))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["x-total-codes"], "1000");
        let text = r.text().await.unwrap();
        let codes: Vec<&str> = text.lines().collect();
        assert_eq!(codes.len(), 1000, "{engine}");
        assert_eq!(
            codes.iter().collect::<HashSet<_>>().len(),
            1000,
            "a code is never issued twice"
        );
        let prefix = format!("{}/01/{gtin}/21/", app.base);
        assert!(
            codes
                .iter()
                .all(|c| c.starts_with(&prefix) && c.len() == prefix.len() + 17),
            "{}",
            codes[0]
        );
        let (_, csv) = export(&app, &a, batch, "?format=csv&from=990").await;
        let tail: Vec<&str> = csv.lines().collect();
        assert_eq!(tail.len(), 10, "resumed from 990, no header");
        assert_eq!(tail[0], format!("990,{}", codes[990]));
        let (_, csv) = export(&app, &a, batch, "?format=csv&to=2").await;
        assert_eq!(
            csv.lines().collect::<Vec<_>>(),
            [
                "index,code",
                &format!("0,{}", codes[0]),
                &format!("1,{}", codes[1])
            ]
        );
        assert_eq!(
            export(&app, &b, batch, "").await.0,
            404,
            "another maker's codes"
        );
        assert_eq!(
            export(&app, &gd, batch, "").await.0,
            403,
            "regulators verify codes; they do not print them"
        );
        assert_eq!(export(&app, &a, batch, "?format=pdf").await.0, 400);
        assert_eq!(export(&app, &a, batch, "?from=9&to=3").await.0, 400);

        // Printing: a QR per code, A4 label sheets, ZPL. The test server's
        // public URL is loopback: nothing prints until the user confirms
        // (issue 15.10), then everything does.
        for path in [
            format!("/api/v1/batches/{batch}/codes/7/qr"),
            format!("/api/v1/batches/{batch}/labels?from=0&to=30"),
            format!("/api/v1/batches/{batch}/codes?format=zpl&to=2"),
        ] {
            let (status, problem) = app.get(&a, &path).await;
            assert_eq!(status, 409, "{path}: {problem}");
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap()
                    .contains("allow_local_url"),
                "{problem}"
            );
        }
        assert_eq!(
            export(&app, &a, batch, "?format=txt&to=2").await.0,
            200,
            "plain code lists are data, not labels"
        );
        let r = app
            .client
            .get(app.url(&format!(
                "/api/v1/batches/{batch}/codes/7/qr?allow_local_url=true"
            )))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
        assert!(r.text().await.unwrap().starts_with("<svg"));
        let r = app
            .client
            .get(app.url(&format!(
                "/api/v1/batches/{batch}/codes/7/qr?format=png&scale=4&allow_local_url=true"
            )))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap();
        assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(
            app.get(
                &a,
                &format!("/api/v1/batches/{batch}/codes/1000/qr?allow_local_url=true")
            )
            .await
            .0,
            404
        );
        assert_eq!(
            app.get(
                &a,
                &format!("/api/v1/batches/{batch}/codes/7/qr?scale=0&allow_local_url=true")
            )
            .await
            .0,
            400
        );
        let r = app
            .client
            .get(app.url(&format!(
                "/api/v1/batches/{batch}/labels?from=0&to=30&allow_local_url=true"
            )))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        assert!(
            pdf.starts_with(b"%PDF-") && String::from_utf8_lossy(&pdf).contains("/Count 2"),
            "30 labels, two A4 pages"
        );
        assert_eq!(
            app.get(
                &a,
                &format!("/api/v1/batches/{batch}/labels?from=2000&allow_local_url=true")
            )
            .await
            .0,
            400
        );
        assert_eq!(
            app.get(
                &a,
                &format!("/api/v1/batches/{batch}/labels?columns=9&allow_local_url=true")
            )
            .await
            .0,
            400,
            "a grid that does not fit A4"
        );
        let (_, zpl) = export(&app, &a, batch, "?format=zpl&to=2&allow_local_url=true").await;
        assert_eq!(zpl.matches("^XA").count(), 2);
        assert!(zpl.contains(&format!("^FDMA,{}^FS", codes[1])), "{zpl}");

        let found = verify(&app, &b, codes[499]).await;
        assert_eq!(
            (
                found["status"].as_str(),
                found["batch_id"].as_i64(),
                found["index"].as_u64()
            ),
            (Some("genuine"), Some(batch), Some(499)),
            "{found}"
        );
        let mut forged = codes[499].to_string();
        let last = forged.pop().unwrap();
        forged.push(if last == '0' { '1' } else { '0' });
        assert_eq!(
            verify(&app, &a, &forged).await["status"],
            "suspect",
            "a changed serial is not genuine: a suspected counterfeit of the product"
        );
        assert_eq!(
            verify(&app, &a, &format!("https://x/01/{}/21/ABC", valid_gtin(99))).await["status"],
            "unknown"
        );
        assert_eq!(verify(&app, &a, "not a code").await["status"], "invalid");

        // 一批一码 with a note: a reviewer decides; a rejection needs a reason.
        let mut per_batch = gas_stove_json("JZT-3");
        per_batch["trace_level"] = json!("per-batch");
        per_batch["gtin"] = json!(valid_gtin(2));
        let (_, product) = app.post(&a, "/api/v1/products", &per_batch).await;
        let old = file_batch(
            &app,
            &a,
            product["id"].as_i64().unwrap(),
            "OLD-1",
            "2024-06-01",
            50,
        )
        .await;
        let (_, submitted) = app
            .post(&a, &format!("/api/v1/batches/{old}/submit"), &json!({}))
            .await;
        assert_eq!(submitted["status"], "submitted", "{engine}: {submitted}");
        assert!(submitted["review_notes"][0]
            .as_str()
            .unwrap()
            .contains("P4"));
        let (_, queue) = app.get(&gd, "/api/v1/batches?status=submitted").await;
        assert_eq!(queue["items"][0]["id"], old, "the regulator's review queue");
        let (status, problem) = app
            .post(
                &gd,
                &format!("/api/v1/batches/{old}/review"),
                &json!({"approve": false}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some("reason"))
        );
        assert_eq!(
            app.post(
                &a,
                &format!("/api/v1/batches/{old}/review"),
                &json!({"approve": true})
            )
            .await
            .0,
            403,
            "makers do not review themselves"
        );
        let (_, rejected) = app
            .post(
                &gd,
                &format!("/api/v1/batches/{old}/review"),
                &json!({"approve": false, "reason": "报告过期"}),
            )
            .await;
        assert_eq!(
            (
                rejected["status"].as_str(),
                rejected["review"]["reason"].as_str()
            ),
            (Some("rejected"), Some("报告过期"))
        );
        assert_eq!(
            app.patch(
                &a,
                &format!("/api/v1/batches/{old}"),
                &json!({"note": "已补充报告"})
            )
            .await
            .0,
            200,
            "a rejected batch can be corrected"
        );
        let (_, resubmitted) = app
            .post(&a, &format!("/api/v1/batches/{old}/submit"), &json!({}))
            .await;
        assert_eq!(resubmitted["status"], "submitted");
        let (_, approved) = app
            .post(
                &gd,
                &format!("/api/v1/batches/{old}/review"),
                &json!({"approve": true}),
            )
            .await;
        assert_eq!(approved["status"], "approved");
        assert!(
            approved["review"]["by"]
                .as_str()
                .unwrap()
                .starts_with("key:"),
            "the reviewer is recorded"
        );
        app.post(&a, &format!("/api/v1/batches/{old}/activate"), &json!({}))
            .await;
        let (_, lot_codes) = export(&app, &a, old, "").await;
        assert_eq!(
            lot_codes.trim(),
            format!("{}/01/0{}/10/OLD-1", app.base, valid_gtin(2))
        );
        assert_eq!(
            verify(&app, &b, lot_codes.trim()).await["status"],
            "genuine"
        );
        let (_, history) = app.get(&a, &format!("/api/v1/batches/{old}/history")).await;
        let states: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            states,
            [
                "draft",
                "submitted",
                "rejected",
                "rejected",
                "submitted",
                "approved",
                "active"
            ],
            "{engine}: every step is a version"
        );

        // Schemes other than GS1: see schemes.rs.
    }
}

/// An active batch of `quantity` codes of a fresh product; returns its codes.
pub(crate) async fn active_codes(
    app: &TestApp,
    key: &str,
    model: &str,
    gtin: &str,
    level: &str,
    quantity: u64,
) -> Vec<String> {
    let mut product = gas_stove_json(model);
    product["gtin"] = json!(gtin);
    product["trace_level"] = json!(level);
    let (status, product) = app.post(key, "/api/v1/products", &product).await;
    assert_eq!(status, 201, "{product}");
    let batch = file_batch(
        app,
        key,
        product["id"].as_i64().unwrap(),
        &format!("{model}-B"),
        "2026-10-01",
        quantity,
    )
    .await;
    app.post(key, &format!("/api/v1/batches/{batch}/submit"), &json!({}))
        .await;
    app.post(
        key,
        &format!("/api/v1/batches/{batch}/activate"),
        &json!({}),
    )
    .await;
    export(app, key, batch, "")
        .await
        .1
        .lines()
        .map(str::to_string)
        .collect()
}

fn sscc(n: u32) -> String {
    let body = format!("06970000{n:09}");
    format!(
        "{body}{}",
        zhisu_codes::gs1::lint::mod10_check_digit(&body).unwrap()
    )
}

async fn links(app: &TestApp, key: &str, code: &str) -> serde_json::Value {
    let r = app
        .client
        .get(app.url("/api/v1/codes/links"))
        .query(&[("code", code)])
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    decode(r).await.1
}

#[tokio::test]
async fn packing_codes_links_both_ways_on_every_engine() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, a) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, b) = app.enterprise(&admin, "manufacturer", "330106").await;
        let items = active_codes(&app, &a, "ITEM", &valid_gtin(11), "per-item", 100).await;
        let bundles = active_codes(&app, &a, "BUNDLE", &valid_gtin(12), "multi-code", 5).await;
        let others = active_codes(&app, &b, "OTHER", &valid_gtin(13), "per-item", 3).await;

        // Ten items into a transport package.
        let carton = sscc(1);
        let (status, package) = app
            .post(
                &a,
                "/api/v1/packages",
                &json!({"sscc": carton, "children": items[..10]}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {package}");
        assert_eq!(package["key"], format!("(00){carton}"));
        assert_eq!(package["children"].as_array().unwrap().len(), 10);
        assert!(
            package["leaf_index"].as_i64().is_some(),
            "the package is a ledgered record"
        );
        let package_id = package["id"].as_i64().unwrap();
        let up = links(&app, &a, &items[3]).await;
        assert_eq!(
            (up["packed_in"].as_i64(), up["packed_in_key"].as_str()),
            (Some(package_id), Some(format!("(00){carton}").as_str())),
            "{up}"
        );
        let down = links(&app, &a, &carton).await;
        assert_eq!(down["children"].as_array().unwrap().len(), 10, "{down}");
        assert!(down["children"][0].as_str().unwrap().starts_with("(01)"));
        assert_eq!(
            links(&app, &a, &items[50]).await["packed_in"],
            serde_json::Value::Null
        );

        // A bundle (组合多码): a parent code holding item codes.
        let (status, bundle) = app
            .post(
                &a,
                "/api/v1/packages",
                &json!({"parent_code": bundles[0], "children": items[20..23]}),
            )
            .await;
        assert_eq!(status, 201, "{bundle}");
        assert_eq!(
            links(&app, &a, &bundles[0]).await["children"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(links(&app, &a, &items[21]).await["packed_in"], bundle["id"]);

        // Refusals, none of which stores anything.
        let before = app.counts().await;
        let (status, problem) = app
            .post(
                &a,
                "/api/v1/packages",
                &json!({"sscc": sscc(2), "children": [items[5], items[60]]}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["code"].as_str()),
            (422, Some("packed")),
            "{engine}: a code is packed once: {problem}"
        );
        let mut forged = items[61].clone();
        let last = forged.pop().unwrap();
        forged.push(if last == '0' { '1' } else { '0' });
        let (status, problem) = app
            .post(
                &a,
                "/api/v1/packages",
                &json!({"sscc": sscc(3), "children": [forged]}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["code"].as_str()),
            (422, Some("not-genuine"))
        );
        let (status, problem) = app
            .post(
                &a,
                "/api/v1/packages",
                &json!({"sscc": sscc(4), "children": [others[0]]}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["code"].as_str()),
            (422, Some("not-genuine")),
            "another maker's code"
        );
        assert_eq!(
            app.post(
                &a,
                "/api/v1/packages",
                &json!({"sscc": carton, "children": [items[70]]})
            )
            .await
            .0,
            409,
            "the SSCC is taken"
        );
        let (status, problem) = app
            .post(
                &a,
                "/api/v1/packages",
                &json!({"sscc": "069700000000000010", "children": [items[71]]}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some("sscc")),
            "{problem}"
        );
        assert_eq!(
            app.post(&a, "/api/v1/packages", &json!({"children": [items[72]]}))
                .await
                .0,
            422,
            "no parent"
        );
        assert_eq!(
            app.counts().await,
            before,
            "{engine}: refused packings stored something"
        );

        // Tenants: B sees neither the package nor that A's code is packed.
        assert_eq!(
            app.get(&b, &format!("/api/v1/packages/{package_id}"))
                .await
                .0,
            404
        );
        assert_eq!(
            links(&app, &b, &items[3]).await["packed_in"],
            serde_json::Value::Null
        );
        assert_eq!(
            links(&app, &b, &carton).await["children"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            app.get(&b, "/api/v1/codes/links?code=nonsense").await.0,
            422
        );
    }
}

/// G6.2: a product's labels always come out in its own layout.
#[tokio::test]
async fn labels_follow_the_products_template() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, a) = app.enterprise(&admin, "manufacturer", "440305").await;
    let mut product = gas_stove_json("TPL-1");
    product["gtin"] = json!(valid_gtin(21));
    product["label_template"] =
        json!({"columns": 4, "rows": 8, "label_width_mm": 90, "label_height_mm": 30});
    let (status, problem) = app.post(&a, "/api/v1/products", &product).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("label_template")),
        "four 90 mm labels do not fit A4"
    );
    product["label_template"] =
        json!({"columns": 2, "rows": 5, "label_width_mm": 90, "label_height_mm": 50});
    let (status, product) = app.post(&a, "/api/v1/products", &product).await;
    assert_eq!(status, 201, "{product}");
    let batch = file_batch(
        &app,
        &a,
        product["id"].as_i64().unwrap(),
        "TPL",
        "2026-10-01",
        20,
    )
    .await;
    app.post(&a, &format!("/api/v1/batches/{batch}/submit"), &json!({}))
        .await;
    app.post(&a, &format!("/api/v1/batches/{batch}/activate"), &json!({}))
        .await;
    let pages = |query: &'static str| {
        let url = app.url(&format!(
            "/api/v1/batches/{batch}/labels{query}&allow_local_url=true"
        ));
        let client = app.client.clone();
        let key = a.clone();
        async move {
            let pdf = client
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let text = String::from_utf8_lossy(&pdf).to_string();
            assert!(text.starts_with("%PDF"), "{text}");
            // The page tree's count: the digits after "/Count ".
            text.split("/Count ")
                .nth(1)
                .map(|t| {
                    t.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap()
        }
    };
    assert_eq!(pages("?to=10").await, 1, "2 × 5 = 10 labels a page");
    assert_eq!(pages("?to=11").await, 2);
    assert_eq!(
        pages("?to=11&columns=3&rows=8&label_width_mm=60&label_height_mm=33").await,
        1,
        "a request may override it"
    );
}
