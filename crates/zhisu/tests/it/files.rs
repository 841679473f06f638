//! Who may read an uploaded file (issue 16.8), on both engines: whoever
//! may read a record that references it, its uploader and the platform's
//! admins; nobody gains a file by knowing its hash, not even by attaching
//! it to a record of its own; and each upload keeps its own file name.

use serde_json::json;
use zhisu_domain::Role;

use crate::scan::active_item_batch;
use crate::support::{gas_stove_json, TestApp};

/// A stored file downloaded with `key`: its status and bytes (a refusal
/// checked to be problem JSON).
pub(crate) async fn download(app: &TestApp, key: &str, sha: &str) -> (u16, Vec<u8>) {
    let r = app
        .client
        .get(app.url(&format!("/api/v1/blobs/{sha}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    if status >= 400 {
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "a refusal is a problem document"
        );
    }
    (status, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_file_is_read_by_those_who_may_read_a_record_that_references_it() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (other_id, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let (_, seller) = app.enterprise(&admin, "seller", "440106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        // The batch's inspection report is not public (the helper files it
        // without inspection_report_public).
        let (batch, report, _) = active_item_batch(&app, &maker, "FILE-1", 961).await;

        let (status, bytes) = download(&app, &maker, &report).await;
        assert_eq!(status, 200, "{engine}: the maker reads its report");
        assert!(bytes.starts_with(b"%PDF-"));
        for (who, key) in [("the regulator of its region", &gd), ("the admin", &admin)] {
            let (status, _) = download(&app, key, &report).await;
            assert_eq!(status, 200, "{engine}: {who}");
        }
        for (who, key) in [
            ("another manufacturer", &other),
            ("a seller", &seller),
            ("another province's regulator", &zj),
        ] {
            let (status, _) = download(&app, key, &report).await;
            assert_eq!(status, 404, "{engine}: {who} may not read the report");
        }

        // Knowing the hash, another manufacturer cannot attach the file to
        // a batch of its own to read it through its record.
        let (status, product) = app
            .post(&other, "/api/v1/products", &gas_stove_json("FILE-OTHER"))
            .await;
        assert_eq!(status, 201, "{product}");
        let records = app.scalar("select count(*) from records").await;
        let (status, problem) = app
            .post(
                &other,
                "/api/v1/batches",
                &json!({"product_id": product["id"], "batch_no": "FO-1",
                "production_date": "2026-10-01", "quantity": 5, "inspection_report": report}),
            )
            .await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "inspection_report");
        assert_eq!(problem["errors"][0]["code"], "unknown-file");
        assert_eq!(app.scalar("select count(*) from records").await, records);
        let (status, _) = download(&app, &other, &report).await;
        assert_eq!(status, 404, "{engine}: still not readable");

        // The same bytes uploaded by the other manufacturer: its own name,
        // and from then on it may read what it uploaded; the maker's batch
        // keeps the maker's name.
        let (status, mine) = app.upload(&other, "本厂的检验报告.pdf", bytes).await;
        assert_eq!(status, 201, "{mine}");
        assert_eq!(mine["sha256"], report.as_str());
        assert_eq!(mine["name"], "本厂的检验报告.pdf", "{engine}: its own name");
        let (status, _) = download(&app, &other, &report).await;
        assert_eq!(status, 200, "{engine}: the uploader reads its upload");
        let (_, stored) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        assert_eq!(stored["inspection_report"]["name"], "report.pdf");
        let (status, filed) = app
            .post(
                &other,
                "/api/v1/batches",
                &json!({"product_id": product["id"], "batch_no": "FO-2",
                "production_date": "2026-10-01", "quantity": 5, "inspection_report": report}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {filed}");
        assert_eq!(filed["inspection_report"]["name"], "本厂的检验报告.pdf");
        assert!(maker_id != other_id);

        // The page route answers the same way, with each reader's name.
        let (maker_clerk, _) = crate::pages::person(
            &app,
            "file-maker-clerk",
            "质量部王工",
            Role::ManufacturerAdmin,
            maker_id,
        )
        .await;
        let r = maker_clerk
            .get(app.url(&format!("/files/{report}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{engine}");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(disposition.contains("report.pdf"), "{disposition}");
        let (seller_id, _) = app.enterprise(&admin, "seller", "330106").await;
        let (seller_clerk, _) = crate::pages::person(
            &app,
            "file-seller-clerk",
            "门店李姐",
            Role::Seller,
            seller_id,
        )
        .await;
        let r = seller_clerk
            .get(app.url(&format!("/files/{report}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{engine}: another tenant's page");
    }
}
