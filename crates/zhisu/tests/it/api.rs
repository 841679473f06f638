//! The JSON API on both engines: the filing story, tenants, versions,
//! and bad input that must be refused without changing anything.

use serde_json::json;
use zhisu_domain::Role;

use crate::support::{enterprise_json, fresh_uscc, gas_stove_json, pdf, TestApp};

async fn batch_json(
    app: &TestApp,
    key: &str,
    product_id: i64,
    batch_no: &str,
) -> serde_json::Value {
    let (status, report) = app.upload(key, "report.pdf", pdf()).await;
    assert_eq!(status, 201, "{report}");
    json!({
        "product_id": product_id,
        "batch_no": batch_no,
        "production_date": "2026-10-01",
        "quantity": 1000,
        "inspection_report": report["sha256"],
        "inspection_report_public": true,
    })
}

#[tokio::test]
async fn filing_story_with_versions_and_tenants() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (a_id, a_key) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (b_id, b_key) = app.enterprise(&admin, "manufacturer", "330106").await;
        let (_, seller_key) = app.enterprise(&admin, "seller", "440104").await;

        // A files a product and a batch.
        let (status, product) = app
            .post(&a_key, "/api/v1/products", &gas_stove_json("JZT-2B01"))
            .await;
        assert_eq!(status, 201, "{engine}: {product}");
        assert_eq!(product["enterprise_id"], a_id);
        assert_eq!(product["version"], 1);
        let product_id = product["id"].as_i64().unwrap();
        let body = batch_json(&app, &a_key, product_id, "B20261001").await;
        let (status, batch) = app.post(&a_key, "/api/v1/batches", &body).await;
        assert_eq!(status, 201, "{engine}: {batch}");
        assert_eq!(batch["status"], "draft");
        assert_eq!(
            batch["inspection_report"]["content_type"],
            "application/pdf"
        );

        // Amending makes a new version; the old one stays in the history.
        let response = app
            .client
            .patch(app.url(&format!("/api/v1/products/{product_id}")))
            .bearer_auth(&a_key)
            .header("If-Match", "\"v1\"")
            .json(&json!({"warranty_months": 48, "honours": ["浙江制造"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["etag"], "\"v2\"");
        let (status, amended) = crate::support::decode(response).await;
        assert_eq!(status, 200, "{engine}: {amended}");
        assert_eq!(amended["version"], 2);
        let (_, history) = app
            .get(&a_key, &format!("/api/v1/products/{product_id}/history"))
            .await;
        let versions: Vec<_> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_i64().unwrap(),
                    v["warranty_months"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(versions, [(1, 36), (2, 48)], "{engine}");
        assert_ne!(history[0]["leaf_index"], history[1]["leaf_index"]);

        // A stale If-Match is refused and changes nothing.
        let before = app.counts().await;
        let response = app
            .client
            .patch(app.url(&format!("/api/v1/products/{product_id}")))
            .bearer_auth(&a_key)
            .header("If-Match", "\"v1\"")
            .json(&json!({"warranty_months": 60}))
            .send()
            .await
            .unwrap();
        let (status, problem) = crate::support::decode(response).await;
        assert_eq!(status, 409, "{engine}: {problem}");
        assert_eq!(problem["type"], "/problems/conflict");
        assert_eq!(app.counts().await, before);

        // B files its own product; tenants see only their own.
        let (status, b_product) = app
            .post(&b_key, "/api/v1/products", &gas_stove_json("JSQ25"))
            .await;
        assert_eq!(status, 201, "{b_product}");
        let b_product_id = b_product["id"].as_i64().unwrap();
        let (_, a_list) = app.get(&a_key, "/api/v1/products").await;
        assert_eq!(a_list["total"], 1, "{engine}: {a_list}");
        assert_eq!(a_list["items"][0]["id"], product_id);
        let before = app.counts().await;
        let (status, _) = app
            .get(&b_key, &format!("/api/v1/products/{product_id}"))
            .await;
        assert_eq!(
            status, 404,
            "{engine}: another tenant's product must not be readable"
        );
        let (status, _) = app
            .get(&b_key, &format!("/api/v1/enterprises/{a_id}/history"))
            .await;
        assert_eq!(status, 404);
        let (status, _) = app
            .patch(
                &b_key,
                &format!("/api/v1/products/{product_id}"),
                &json!({"model": "stolen"}),
            )
            .await;
        assert_eq!(status, 404);
        let body = batch_json(&app, &b_key, product_id, "B-EVIL").await;
        let (status, _) = app.post(&b_key, "/api/v1/batches", &body).await;
        assert_eq!(status, 404);
        let (status, _) = app
            .post(
                &b_key,
                "/api/v1/products",
                &json!({"enterprise_id": a_id, "product_name": "x"}),
            )
            .await;
        assert_eq!(status, 404);
        let (status, _) = app
            .patch(
                &b_key,
                &format!("/api/v1/enterprises/{a_id}"),
                &json!({"name": "x"}),
            )
            .await;
        assert_eq!(status, 404);
        let (status, problem) = app
            .post(&seller_key, "/api/v1/products", &gas_stove_json("S-1"))
            .await;
        assert_eq!(status, 403, "{problem}");
        assert_eq!(
            app.counts().await,
            before,
            "{engine}: refused writes changed the store"
        );

        // Regulators see their jurisdiction, and nothing outside it.
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        assert_eq!(
            app.get(&gd, &format!("/api/v1/products/{product_id}"))
                .await
                .0,
            200
        );
        assert_eq!(
            app.get(&gd, &format!("/api/v1/products/{b_product_id}"))
                .await
                .0,
            404
        );
        assert_eq!(
            app.get(&zj, &format!("/api/v1/products/{b_product_id}"))
                .await
                .0,
            200
        );
        let (_, gd_enterprises) = app.get(&gd, "/api/v1/enterprises").await;
        assert_eq!(
            gd_enterprises["total"], 2,
            "{engine}: A and the seller are in Guangdong"
        );
        let (status, _) = app
            .patch(
                &gd,
                &format!("/api/v1/products/{product_id}"),
                &json!({"model": "x"}),
            )
            .await;
        assert_eq!(status, 403);

        // Filters and pages.
        let (_, sellers) = app.get(&admin, "/api/v1/enterprises?kind=seller").await;
        assert_eq!(sellers["total"], 1);
        let (_, zhejiang) = app.get(&admin, "/api/v1/enterprises?region_code=33").await;
        assert_eq!(zhejiang["total"], 1);
        assert_eq!(zhejiang["items"][0]["id"], b_id);
        let (_, page2) = app
            .get(&admin, "/api/v1/enterprises?limit=1&offset=1")
            .await;
        assert_eq!(page2["items"].as_array().unwrap().len(), 1);
        assert_eq!(page2["total"], 3);
        let (_, found) = app.get(&admin, "/api/v1/products?q=jsq").await;
        assert_eq!(found["total"], 1, "{engine}: q is case-insensitive");
        let (_, batches) = app
            .get(
                &a_key,
                &format!("/api/v1/batches?product_id={product_id}&status=draft"),
            )
            .await;
        assert_eq!(batches["total"], 1);
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (a_id, key) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, product) = app
            .post(&key, "/api/v1/products", &gas_stove_json("M-1"))
            .await;
        let product_id = product["id"].as_i64().unwrap();
        let body = batch_json(&app, &key, product_id, "B1").await;
        assert_eq!(app.post(&key, "/api/v1/batches", &body).await.0, 201);
        let before = app.counts().await;

        // Malformed JSON, wrong content type.
        let r = app
            .client
            .post(app.url("/api/v1/products"))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body("{\"product_name\": ")
            .send()
            .await
            .unwrap();
        let (status, problem) = crate::support::decode(r).await;
        assert_eq!(
            (status, problem["type"].as_str().unwrap()),
            (400, "/problems/bad-request"),
            "{problem}"
        );
        let r = app
            .client
            .post(app.url("/api/v1/products"))
            .bearer_auth(&key)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(crate::support::decode(r).await.0, 415);

        // Unknown fields and wrong types name the field.
        let mut unknown = gas_stove_json("M-2");
        unknown["colour"] = json!("red");
        let (status, problem) = app.post(&key, "/api/v1/products", &unknown).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "colour");
        let mut wrong = gas_stove_json("M-2");
        wrong["warranty_months"] = json!("three");
        let (status, problem) = app.post(&key, "/api/v1/products", &wrong).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["code"], "type");

        // Missing fields: every one reported, with its clause.
        let (status, problem) = app
            .post(
                &key,
                "/api/v1/products",
                &json!({"category": "gas-appliance"}),
            )
            .await;
        assert_eq!(status, 422);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        for f in [
            "product_name",
            "product_type",
            "model",
            "mandatory_standards",
            "ccc_cert_no",
            "warranty_months",
            "instructions",
            "code_scheme",
            "trace_level",
        ] {
            assert!(fields.contains(&f), "{engine}: {f} missing from {fields:?}");
        }
        assert_eq!(problem["errors"][0]["clause"], "G5.1-product");

        // USCC: wrong check character, named with the right one; duplicates.
        let (_, licence) = app.upload(&admin, "l.pdf", pdf()).await;
        let sha = licence["sha256"].as_str().unwrap();
        let mut bad_uscc = enterprise_json("manufacturer", "91350100M000100Y44", "350100", sha);
        let (status, problem) = app.post(&admin, "/api/v1/enterprises", &bad_uscc).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "uscc");
        assert_eq!(problem["errors"][0]["code"], "check-character");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("should be '3'"),
            "{problem}"
        );
        let (_, a) = app
            .get(&admin, &format!("/api/v1/enterprises/{a_id}"))
            .await;
        bad_uscc["uscc"] = a["uscc"].clone();
        let (status, problem) = app.post(&admin, "/api/v1/enterprises", &bad_uscc).await;
        assert_eq!(status, 409, "{problem}");
        assert!(problem["detail"]
            .as_str()
            .unwrap()
            .contains(a["uscc"].as_str().unwrap()));
        let (status, problem) = app
            .patch(
                &key,
                &format!("/api/v1/enterprises/{a_id}"),
                &json!({"uscc": fresh_uscc("440305")}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["code"].as_str()),
            (422, Some("immutable")),
            "{problem}"
        );
        let (status, problem) = app
            .patch(
                &key,
                &format!("/api/v1/enterprises/{a_id}"),
                &json!({"region_code": "99999"}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some("region_code"))
        );

        // Duplicates of model and batch number.
        assert_eq!(
            app.post(&key, "/api/v1/products", &gas_stove_json("M-1"))
                .await
                .0,
            409
        );
        let dup = batch_json(&app, &key, product_id, "B1").await;
        let (status, problem) = app.post(&key, "/api/v1/batches", &dup).await;
        assert_eq!(status, 409, "{problem}");

        // Batch rules: impossible or future dates, silly quantities, unknown files.
        for (field, value, code) in [
            ("production_date", json!("2025-02-31"), "format"),
            ("production_date", json!("2999-01-01"), "future"),
            ("quantity", json!(0), "range"),
            ("quantity", json!(1_000_000_000_000u64), "range"),
            ("inspection_report", json!("f".repeat(64)), "unknown-file"),
        ] {
            let mut b = batch_json(&app, &key, product_id, "B2").await;
            b[field] = value;
            let (status, problem) = app.post(&key, "/api/v1/batches", &b).await;
            assert_eq!(status, 422, "{engine} {field}: {problem}");
            assert_eq!(problem["errors"][0]["code"], code, "{problem}");
        }
        let mut status_field = batch_json(&app, &key, product_id, "B3").await;
        status_field["status"] = json!("active");
        assert_eq!(
            app.post(&key, "/api/v1/batches", &status_field).await.0,
            422,
            "status is not the client's to set"
        );

        // Uploads: too large, not a PDF or image, not multipart.
        let (status, problem) = app
            .upload(
                &key,
                "big.pdf",
                [b"%PDF-1.4\n".to_vec(), vec![b' '; 11 * 1024 * 1024]].concat(),
            )
            .await;
        assert_eq!(status, 413, "{problem}");
        let (status, _) = app
            .upload(&key, "evil.exe", b"MZ\x90\x00 not a document".to_vec())
            .await;
        assert_eq!(status, 415);

        // Query strings.
        assert_eq!(app.get(&key, "/api/v1/products?limit=1000").await.0, 400);
        assert_eq!(app.get(&key, "/api/v1/products?limit=abc").await.0, 400);
        assert_eq!(app.get(&key, "/api/v1/products?colour=red").await.0, 400);

        // If-Match that is not a version.
        let r = app
            .client
            .patch(app.url(&format!("/api/v1/products/{product_id}")))
            .bearer_auth(&key)
            .header("If-Match", "banana")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(crate::support::decode(r).await.0, 400);

        let after = app.counts().await;
        assert_eq!(
            after, before,
            "{engine}: refused requests changed the store"
        );
        let (_, history) = app
            .get(&key, &format!("/api/v1/products/{product_id}/history"))
            .await;
        assert_eq!(history.as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn keys_audit_and_errors() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (a_id, a_key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, b_key) = app.enterprise(&admin, "manufacturer", "330106").await;

    // No key, a wrong key: 401 with a Bearer challenge.
    let r = app
        .client
        .get(app.url("/api/v1/products"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"zhisu\"");
    assert_eq!(crate::support::decode(r).await.0, 401);
    assert_eq!(app.get("zk_wrong", "/api/v1/products").await.0, 401);

    // An enterprise admin makes an operator key for its own enterprise only.
    let (status, created) = app
        .post(
            &a_key,
            "/api/v1/api-keys",
            &json!({"label": "MES", "role": "manufacturer-operator"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let operator = created["key"].as_str().unwrap().to_string();
    assert_eq!(created["enterprise_id"], a_id);
    let (_, me) = app.get(&operator, "/api/v1/me").await;
    assert_eq!(me["role"], "manufacturer-operator");
    let (status, _) = app
        .post(
            &a_key,
            "/api/v1/api-keys",
            &json!({"role": "platform-admin"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post(
            &operator,
            "/api/v1/api-keys",
            &json!({"role": "manufacturer-operator"}),
        )
        .await;
    assert_eq!(status, 403, "operators do not manage keys");
    assert_eq!(
        app.post(&operator, "/api/v1/products", &gas_stove_json("OP-1"))
            .await
            .0,
        201
    );

    // Keys are listed per enterprise; revoked keys stop working at once.
    let (_, keys) = app.get(&a_key, "/api/v1/api-keys").await;
    assert!(keys
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["enterprise_id"] == a_id));
    assert!(keys
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k.get("key").is_none() && k.get("key_hash").is_none()));
    let key_id = created["id"].as_i64().unwrap();
    let revoke = format!("/api/v1/api-keys/{key_id}");
    assert_eq!(
        app.delete(&b_key, &revoke).await,
        404,
        "another tenant cannot revoke it"
    );
    assert_eq!(app.delete(&a_key, &revoke).await, 204);
    assert_eq!(app.get(&operator, "/api/v1/me").await.0, 401);

    // The audit log has the write and the accesses, per tenant.
    let (status, audit) = app.get(&a_key, "/api/v1/audit?action=product.").await;
    assert_eq!(status, 200, "{audit}");
    assert_eq!(audit["items"][0]["action"], "product.create");
    assert!(audit["items"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("leaf"));
    let (_, access) = app.get(&a_key, "/api/v1/audit?action=api%20GET").await;
    assert!(access["total"].as_i64().unwrap() >= 1, "{access}");
    let (_, b_audit) = app.get(&b_key, "/api/v1/audit?action=product.").await;
    assert_eq!(b_audit["total"], 0, "B sees none of A's entries");
    let auditor = app.key(Role::AuditAdmin, None, &[]).await;
    let (_, denied) = app.get(&auditor, "/api/v1/audit?outcome=x").await;
    assert_eq!(denied["status"], 400);
    let (_, failures) = app
        .get(
            &auditor,
            "/api/v1/audit?action=api%20GET%20/api/v1/products",
        )
        .await;
    assert!(
        failures["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["outcome"] == "http 401"),
        "failed attempts are logged"
    );

    // Users: enterprise admins create operators; others are refused.
    let (status, user) = app
        .post(
            &a_key,
            "/api/v1/users",
            &json!({"login": "op1", "password": "long-enough-pw-2026", "role": "manufacturer-operator"}),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["enterprise_id"], a_id);
    assert_eq!(
        app.post(
            &a_key,
            "/api/v1/users",
            &json!({"login": "op1", "password": "long-enough-pw-2026", "role": "manufacturer-operator"})
        )
        .await
        .0,
        409
    );
    assert_eq!(app.post(&a_key, "/api/v1/users", &json!({"login": "r1", "password": "long-enough-pw-2026", "role": "regulator", "jurisdiction": ["440000"]})).await.0, 403);
    let security = app.key(Role::SecurityAdmin, None, &[]).await;
    let (status, problem) = app
        .post(
            &security,
            "/api/v1/users",
            &json!({"login": "reg1", "password": "long-enough-pw-2026", "role": "regulator"}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("jurisdiction"))
    );

    // Unknown endpoints, health, identifiers.
    let (status, problem) = app.get(&admin, "/api/v1/nothing-here").await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (404, Some("/problems/not-found"))
    );
    // Liveness for anyone; the counts only for a platform admin (issue 16.15).
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    let (status, health) = crate::support::decode(r).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    assert!(health.get("store").is_none(), "{health}");
    let operator = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, seller) = app.enterprise(&operator, "seller", "440106").await;
    assert!(app.get(&seller, "/healthz").await.1.get("store").is_none());
    let (status, health) = app.get(&operator, "/healthz").await;
    assert_eq!(
        (status, health["store"]["engine"].as_str()),
        (200, Some("sqlite"))
    );
    let (_, check) = app.get("", "/api/v1/identifiers/91350100M000100Y44").await;
    assert_eq!(
        (check["kind"].as_str(), check["valid"].as_bool()),
        (Some("uscc"), Some(false))
    );
    assert!(check["error"].as_str().unwrap().contains("'3'"));
    let encoded = urlencoding::encode("(粤)XK06-014-00123");
    let (_, check) = app.get("", &format!("/api/v1/identifiers/{encoded}")).await;
    assert_eq!(
        (check["kind"].as_str(), check["valid"].as_bool()),
        (Some("production-licence"), Some(true)),
        "{check}"
    );
    let r = app
        .client
        .get(app.url("/problems/validation"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
