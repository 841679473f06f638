//! Changing what issued codes show (P4, issue 15.7), on both engines: once
//! a batch is active, a direct edit of a shown field is refused and leaves
//! every code showing what was filed; a change request with a reason goes
//! to the product's regional regulator; on approval the codes show the new
//! value and say which field changed and when; fields the codes do not
//! show stay free to edit.

use serde_json::json;
use zhisu_domain::Role;

use crate::scan::{active_item_batch, scan_json, scan_page};
use crate::support::{gas_stove_json, TestApp};

#[tokio::test]
async fn shown_fields_change_only_by_an_approved_request() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (batch, _, codes) = active_item_batch(&app, &maker, "CR-1", 931).await;
        let (_, b) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let product = b["product_id"].as_i64().unwrap();
        let path = format!("/api/v1/products/{product}");

        // The issue's case: a direct rename after activation is refused,
        // naming the field, and no code shows the new name.
        let (status, problem) = app
            .patch(&maker, &path, &json!({"product_name": "悄悄改的名字"}))
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
        let finding = &problem["errors"][0];
        assert_eq!(
            (finding["field"].as_str(), finding["code"].as_str()),
            (Some("product_name"), Some("change-request")),
            "{problem}"
        );
        assert!(
            finding["message"].as_str().unwrap().contains("变更申请"),
            "{problem}"
        );
        let (_, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(view["public"]["product"]["product_name"], "家用燃气灶");
        // What the codes do not show stays free to edit.
        let (status, edited) = app
            .patch(
                &maker,
                &path,
                &json!({"materials": "铜阀芯", "brand": "新品牌"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {edited}");
        // The approved-change log is not an input.
        let (status, problem) = app.patch(&maker, &path, &json!({"amended": []})).await;
        assert_eq!(status, 422, "{problem}");

        // Bad requests: no reason, a field codes do not show, nothing new.
        let requests = format!("{path}/change-requests");
        let (status, problem) = app
            .post(
                &maker,
                &requests,
                &json!({"changes": {"product_name": "燃气灶"}}),
            )
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");
        let (status, problem) = app
            .post(
                &maker,
                &requests,
                &json!({"changes": {"materials": "铁"}, "reason": "换料"}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["code"].as_str()),
            (422, Some("not-shown")),
            "{problem}"
        );
        let (status, problem) = app
            .post(
                &maker,
                &requests,
                &json!({"changes": {"product_name": "家用燃气灶"}, "reason": "同名"}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["code"].as_str()),
            (422, Some("unchanged")),
            "{problem}"
        );
        let (status, problem) = app
            .post(
                &maker,
                &requests,
                &json!({"changes": {"warranty_months": "三年"}, "reason": "延保"}),
            )
            .await;
        assert_eq!(status, 422, "a value of the wrong type: {problem}");
        let (status, problem) = app
            .post(
                &maker,
                &requests,
                &json!({"changes": {"product_name": "燃气灶"}, "reason": "x", "extra": 1}),
            )
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(
            app.get(&gd, "/api/v1/change-requests").await.1["total"],
            0,
            "no bad request was stored"
        );

        // A good one: pending, one at a time, shown to the region's regulator.
        let (status, request) = app
            .post(
                &maker,
                &requests,
                &json!({"changes": {"product_name": "家用嵌入式燃气灶", "warranty_months": 48},
                "reason": "产品更名并延长质保"}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {request}");
        assert_eq!(request["status"], "pending");
        let id = request["id"].as_i64().unwrap();
        let fields: Vec<_> = request["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["field"].as_str().unwrap(),
                    c["before"].clone(),
                    c["after"].clone(),
                )
            })
            .collect();
        assert_eq!(
            fields,
            [
                (
                    "product_name",
                    json!("家用燃气灶"),
                    json!("家用嵌入式燃气灶")
                ),
                ("warranty_months", json!(36), json!(48)),
            ]
        );
        let (status, _) = app
            .post(
                &maker,
                &requests,
                &json!({"changes": {"model": "CR-2"}, "reason": "再改"}),
            )
            .await;
        assert_eq!(status, 409, "one pending request at a time");
        let (_, pending) = app.get(&gd, "/api/v1/change-requests?status=pending").await;
        assert_eq!(pending["total"], 1, "{pending}");
        assert_eq!(app.get(&zj, "/api/v1/change-requests").await.1["total"], 0);
        let (_, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(
            view["public"]["product"]["product_name"], "家用燃气灶",
            "nothing changes before approval"
        );

        // Only the product's regional regulator decides; a rejection says why.
        let decide = format!("/api/v1/change-requests/{id}/decision");
        let (status, _) = app.post(&maker, &decide, &json!({"approve": true})).await;
        assert_eq!(
            status, 403,
            "{engine}: the manufacturer does not approve itself"
        );
        let (status, _) = app.post(&zj, &decide, &json!({"approve": true})).await;
        assert_eq!(status, 404, "another province does not see it");
        let (status, problem) = app.post(&gd, &decide, &json!({"approve": false})).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some("note")),
            "{problem}"
        );

        let (status, decided) = app
            .post(&gd, &decide, &json!({"approve": true, "note": "同意"}))
            .await;
        assert_eq!(status, 200, "{engine}: {decided}");
        assert_eq!(decided["status"], "approved");
        assert!(decided["decided_at"].is_string(), "{decided}");
        let (status, _) = app
            .post(&gd, &decide, &json!({"approve": false, "note": "撤回"}))
            .await;
        assert_eq!(status, 409, "a decided request stays decided");

        // Every issued code shows the new values and says what changed when.
        let (_, view) = scan_json(&app, &codes[1], "").await;
        let shown = &view["public"]["product"];
        assert_eq!(shown["product_name"], "家用嵌入式燃气灶", "{view}");
        assert_eq!(shown["warranty_months"], 48);
        assert_eq!(
            shown["changes"][0]["fields"],
            json!(["product_name", "warranty_months"])
        );
        assert_eq!(
            shown["changes"][0]["labels"],
            json!(["产品名称", "质保期限"])
        );
        let (_, html) = scan_page(&app, &codes[1]).await;
        assert!(html.contains(r#"id="changes""#), "{html}");
        assert!(html.contains("产品名称、质保期限"), "{html}");
        assert!(html.contains("经监管部门批准变更"), "{html}");
        // The product keeps what it was edited to meanwhile, and its log.
        let (_, p) = app.get(&maker, &path).await;
        assert_eq!(p["materials"], "铜阀芯");
        assert_eq!(p["amended"][0]["request_id"], id);

        // A rejected request changes nothing.
        let (status, request) = app
            .post(
                &maker,
                &requests,
                &json!({"changes": {"model": "CR-1X"}, "reason": "型号笔误"}),
            )
            .await;
        assert_eq!(status, 201, "{request}");
        let decide = format!("/api/v1/change-requests/{}/decision", request["id"]);
        let (status, rejected) = app
            .post(
                &gd,
                &decide,
                &json!({"approve": false, "note": "型号与证书不符"}),
            )
            .await;
        assert_eq!(
            (status, rejected["status"].as_str()),
            (200, Some("rejected"))
        );
        let (_, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(view["public"]["product"]["model"], "CR-1");

        // Before any code is issued, the product is edited directly.
        let (status, draft) = app
            .post(&maker, "/api/v1/products", &gas_stove_json("CR-DRAFT"))
            .await;
        assert_eq!(status, 201, "{draft}");
        let draft_path = format!("/api/v1/products/{}", draft["id"]);
        let (status, _) = app
            .patch(&maker, &draft_path, &json!({"product_name": "改名"}))
            .await;
        assert_eq!(status, 200);
        let (status, _) = app
            .post(
                &maker,
                &format!("{draft_path}/change-requests"),
                &json!({"changes": {"product_name": "再改名"}, "reason": "x"}),
            )
            .await;
        assert_eq!(status, 409);
        let _ = maker_id;
    }
}
