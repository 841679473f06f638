//! The traceability platforms a product is registered on (P5.2.3, issue
//! 19.8) on both engines: filed and amended through the API with their
//! registration numbers, shown on the product's page by the platform's
//! Chinese name (never its ID), and a wrong platform, a missing name or
//! number, or a platform twice refused naming the row's field, with
//! nothing stored.

use serde_json::json;
use zhisu_domain::Role;

use crate::support::{gas_stove_json, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_records_the_platforms_it_is_registered_on() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let mut p = gas_stove_json("REG-1");
        p["registrations"] = json!([
            {"platform": "gas-appliance", "number": " GA-2026-0042 "},
            {"platform": "other", "platform_name": "深圳市产品质量追溯平台", "number": "SZ-7"}
        ]);
        let (status, product) = app.post(&maker, "/api/v1/products", &p).await;
        assert_eq!(status, 201, "{engine}: {product}");
        let id = product["id"].as_i64().unwrap();
        assert_eq!(
            product["registrations"],
            json!([
                {"platform": "gas-appliance", "number": "GA-2026-0042"},
                {"platform": "other", "platform_name": "深圳市产品质量追溯平台", "number": "SZ-7"}
            ]),
            "{engine}: trimmed, as filed"
        );

        // Refused, naming the row's field; nothing stored.
        let (_, before) = app.get(&maker, "/api/v1/products?limit=100").await;
        for (registrations, field) in [
            (
                json!([{"platform": "taobao", "number": "1"}]),
                "registrations[0].platform",
            ),
            (
                json!([{"platform": "other", "number": "1"}]),
                "registrations[0].platform_name",
            ),
            (
                json!([{"platform": "e-bike", "number": " "}]),
                "registrations[0].number",
            ),
            (
                json!([{"platform": "e-bike", "number": "1"}, {"platform": "e-bike", "number": "2"}]),
                "registrations[1].platform",
            ),
        ] {
            let mut bad = gas_stove_json("REG-BAD");
            bad["registrations"] = registrations;
            let (status, problem) = app.post(&maker, "/api/v1/products", &bad).await;
            assert_eq!(status, 422, "{engine}: {problem}");
            assert!(
                problem["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["field"] == field),
                "{engine}: {field} in {problem}"
            );
        }
        let (status, problem) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{id}"),
                &json!({"registrations": [{"platform": "nowhere", "number": "1"}]}),
            )
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
        let (_, after) = app.get(&maker, "/api/v1/products?limit=100").await;
        assert_eq!(before["total"], after["total"], "{engine}: nothing stored");

        // Registered with one more platform after filing.
        let (status, amended) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{id}"),
                &json!({"registrations": [
                    {"platform": "gas-appliance", "number": "GA-2026-0042"},
                    {"platform": "guangdong", "number": "GD-9"}
                ]}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {amended}");
        assert_eq!(amended["registrations"][1]["platform"], "guangdong");

        // The page names the platforms in Chinese, with their numbers.
        let (client, csrf) = crate::pages::person(
            &app,
            &format!("reg-{}", engine.to_lowercase()),
            "燃气具厂 李文员",
            Role::ManufacturerAdmin,
            maker_id,
        )
        .await;
        let html = client
            .get(app.url(&format!("/products/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("登记的追溯平台"), "{engine}");
        assert!(
            html.contains("燃气用具产品质量安全追溯平台（登记号：GA-2026-0042）")
                && html.contains("广东省重点工业产品质量安全追溯服务平台（登记号：GD-9）"),
            "{engine}: {html}"
        );
        assert!(
            !html.contains(">gas-appliance<") && !html.contains("guangdong"),
            "{engine}: no IDs"
        );

        // The edit form: each number beside its platform, named in Chinese.
        let form = client
            .get(app.url(&format!("/products/{id}/edit")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            form.contains("登记号 · 燃气用具产品质量安全追溯平台")
                && form.contains("id=\"registration:gas-appliance\" value=\"GA-2026-0042\"")
                && form.contains("id=\"registration:guangdong\" value=\"GD-9\""),
            "{engine}: {form}"
        );
        let post = |others: &str| {
            let mut form = reqwest::multipart::Form::new().text("csrf", csrf.clone());
            for (name, value) in [
                ("product_name", "家用燃气灶"),
                ("product_type", "嵌入式燃气灶"),
                ("model", "REG-1"),
                ("category", "gas-appliance"),
                ("mandatory_standards", "GB 16410-2020"),
                ("ccc_cert_no", "2021010101123456"),
                ("warranty_months", "36"),
                ("instructions", "使用前检查燃气软管"),
                ("code_scheme", "gs1"),
                ("trace_level", "per-item"),
                ("registration:gas-appliance", "GA-2026-0043"),
                ("registration:guangdong", ""),
                ("registration:e-bike", " EB-5 "),
                ("registrations_other", others),
            ] {
                form = form.text(name, value.to_string());
            }
            client
                .post(app.url(&format!("/products/{id}/edit")))
                .multipart(form)
        };
        // A line of the others without its number: said beside the field,
        // nothing changed.
        let r = post("深圳市产品质量追溯平台").send().await.unwrap();
        assert_eq!(r.status(), 422, "{engine}");
        let html = r.text().await.unwrap();
        let field = &html[html.find("id=\"field-registrations_other\"").unwrap()..];
        assert!(
            field[..field.find("</div>").unwrap()].contains("应为“平台名称 登记号”"),
            "{engine}: {html}"
        );
        let (_, unchanged) = app.get(&maker, &format!("/api/v1/products/{id}")).await;
        assert_eq!(unchanged["registrations"], amended["registrations"]);
        // Saved: a number changed, one platform emptied, one added, another
        // platform by its name.
        let r = post("深圳市 产品质量追溯平台 SZ-8\n").send().await.unwrap();
        assert_eq!(r.status(), 303, "{engine}: {}", r.text().await.unwrap());
        let (_, saved) = app.get(&maker, &format!("/api/v1/products/{id}")).await;
        assert_eq!(
            saved["registrations"],
            json!([
                {"platform": "e-bike", "number": "EB-5"},
                {"platform": "gas-appliance", "number": "GA-2026-0043"},
                {"platform": "other", "platform_name": "深圳市 产品质量追溯平台", "number": "SZ-8"}
            ]),
            "{engine}"
        );
    }
}
