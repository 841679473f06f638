//! Change after filing (P5.7, P7.1.2, issue 19.7) on both engines: an
//! active batch's optional information (note, a public inspection report,
//! the lots it was made from) changes as a new version that the scan shows
//! at once; what it was filed and coded with stays fixed (409 naming the
//! fields, nothing stored), and a frozen batch the same.

use serde_json::json;
use zhisu_domain::Role;

use crate::production_days::{active_batch, codes};
use crate::scan::scan_json;
use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_batchs_optional_information_changes_and_the_rest_stays() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let id = active_batch(&app, &maker, "AMEND-1", "per-item").await;
        let first = codes(&app, &maker, &format!("/api/v1/batches/{id}/codes?to=1")).await;
        let (_, before) = app.get(&maker, &format!("/api/v1/batches/{id}")).await;
        let report = before["inspection_report"]["sha256"]
            .as_str()
            .unwrap()
            .to_string();
        let (status, scanned) = scan_json(&app, &first[0], "").await;
        assert_eq!(status, 200, "{engine}: {scanned}");
        assert!(
            !scanned.to_string().contains(&report),
            "{engine}: not public yet: {scanned}"
        );

        let (status, amended) = app
            .patch(
                &maker,
                &format!("/api/v1/batches/{id}"),
                &json!({"note": "第二班次", "inspection_report_public": true,
                    "inputs": [{"name": "铜火盖", "supplier": "宁波铜业", "lot": "TG-9"}]}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {amended}");
        assert_eq!(amended["version"], before["version"].as_i64().unwrap() + 1);
        assert_eq!(amended["note"], "第二班次");
        assert_eq!(amended["inputs"][0]["supplier"], "宁波铜业");
        assert_eq!(amended["status"], "active", "{engine}: still active");
        assert_eq!(amended["batch_no"], before["batch_no"]);
        let (_, scanned) = scan_json(&app, &first[0], "").await;
        assert!(
            scanned.to_string().contains(&report),
            "{engine}: the scan shows the report made public: {scanned}"
        );

        // What it was filed and coded with stays; nothing stored.
        for patch in [
            json!({"quantity": 999}),
            json!({"batch_no": "AMEND-X", "note": "改号"}),
            json!({"production_date": "2026-01-01"}),
        ] {
            let (status, problem) = app
                .patch(&maker, &format!("/api/v1/batches/{id}"), &patch)
                .await;
            assert_eq!(status, 409, "{engine}: {patch} {problem}");
            let field = patch
                .as_object()
                .unwrap()
                .keys()
                .find(|k| *k != "note")
                .unwrap();
            assert!(
                problem["detail"].as_str().unwrap().contains(field.as_str()),
                "{problem}"
            );
        }
        // A bad optional field is a 422 naming it.
        let (status, problem) = app
            .patch(
                &maker,
                &format!("/api/v1/batches/{id}"),
                &json!({"inputs": [{"name": " "}]}),
            )
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
        let (status, _) = app
            .patch(
                &other,
                &format!("/api/v1/batches/{id}"),
                &json!({"note": "别人的"}),
            )
            .await;
        assert_eq!(status, 404, "{engine}: another enterprise's batch");
        let (_, after) = app.get(&maker, &format!("/api/v1/batches/{id}")).await;
        assert_eq!(
            after["version"], amended["version"],
            "{engine}: nothing stored"
        );

        // Frozen by a regulator: its note may still be completed.
        let (status, frozen) = app
            .post(
                &admin,
                &format!("/api/v1/batches/{id}/dispose"),
                &json!({"action": "freeze", "reason": "抽检不合格"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {frozen}");
        let (status, noted) = app
            .patch(
                &maker,
                &format!("/api/v1/batches/{id}"),
                &json!({"note": "已停止发货"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {noted}");
        assert_eq!(noted["status"], "frozen");
    }
}

/// In the page: an active batch's 修改 opens its optional fields; what it
/// was filed with is shown read-only, and a save keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_batch_is_amended_in_its_page() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let id = active_batch(&app, &maker, "AMEND-P", "per-item").await;
    let (client, csrf) = crate::pages::person(
        &app,
        "amend-clerk",
        "李录入",
        Role::ManufacturerOperator,
        maker_id,
    )
    .await;
    let get = |path: String| {
        let request = client.get(app.url(&path));
        async move {
            request
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .replace("&#x2f;", "/")
        }
    };
    let page = get(format!("/batches/{id}")).await;
    assert!(page.contains(&format!("/batches/{id}/edit")), "{page}");
    let form = get(format!("/batches/{id}/edit")).await;
    assert!(
        form.contains("name=\"batch_no\" id=\"batch_no\" value=\"AMEND-P-1\" readonly"),
        "{form}"
    );
    assert!(
        !form.contains("type=\"file\""),
        "no report to upload: {form}"
    );
    let (_, before) = app.get(&maker, &format!("/api/v1/batches/{id}")).await;
    let post = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("product_id", before["product_id"].to_string())
        .text("batch_no", "AMEND-P-1")
        .text(
            "production_date",
            before["production_date"].as_str().unwrap().to_string(),
        )
        .text("quantity", "100")
        .text("note", "补记：二号线")
        .text("version", before["version"].to_string());
    let r = client
        .post(app.url(&format!("/batches/{id}/edit")))
        .multipart(post)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, after) = app.get(&maker, &format!("/api/v1/batches/{id}")).await;
    assert_eq!(after["note"], "补记：二号线");
    assert_eq!(after["status"], "active");
    assert_eq!(after["quantity"], 100);
}
