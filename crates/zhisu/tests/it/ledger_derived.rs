//! `zhisu ledger verify` covers every stored row (issue 16.18), on both
//! engines: a record's index columns (its enterprise, region, name, tag,
//! the version they point at), a flow's lines and a package's links are
//! derived again from the ledgered bodies, and an edit of any of them
//! behind the platform's back is named; put back, the ledger is intact.

use serde_json::json;
use zhisu_domain::Role;

use crate::scan::active_item_batch;
use crate::support::{flow_lines, sscc, TestApp};

#[tokio::test]
async fn an_edited_column_line_or_link_is_named() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (other_id, _) = app.enterprise(&admin, "manufacturer", "330106").await;
        let (seller_id, _) = app.enterprise(&admin, "seller", "440106").await;
        let (batch, _, codes) = active_item_batch(&app, &maker, "DERIVED-1", 991).await;
        let product = app
            .scalar(&format!("select parent_id from records where id = {batch}"))
            .await;
        app.patch(
            &maker,
            &format!("/api/v1/products/{product}"),
            &json!({"materials": "改过一次"}),
        )
        .await;
        let (status, flow) = app
            .post(&maker, "/api/v1/flows", &json!({"kind": "sale", "at": "2026-11-20", "counterparty_id": seller_id, "lines": flow_lines(&codes[..2])}))
            .await;
        assert_eq!(status, 201, "{flow}");
        let flow = flow["id"].as_i64().unwrap();
        let (status, package) = app
            .post(
                &maker,
                "/api/v1/packages",
                &json!({"sscc": sscc(991), "children": codes[2..4]}),
            )
            .await;
        assert_eq!(status, 201, "{package}");
        let package = package["id"].as_i64().unwrap();

        let verify = async || {
            let out = app.ledger_verify().await;
            (
                out.status.code(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            )
        };
        let (code, said) = verify().await;
        assert_eq!(code, Some(0), "{engine}: {said}");

        // Each edit, what verify names, and the edit that puts it back.
        let edits = [
            (
                format!("update records set enterprise_id = {other_id} where id = {product}"),
                format!("product/{product}"),
                "enterprise_id",
                format!("update records set enterprise_id = {maker_id} where id = {product}"),
            ),
            (
                format!("update records set region_code = '330106' where id = {batch}"),
                format!("batch/{batch}"),
                "region_code",
                format!("update records set region_code = '440305' where id = {batch}"),
            ),
            (
                format!("update records set version = 1 where id = {product}"),
                format!("product/{product}"),
                "current version",
                format!("update records set version = 2 where id = {product}"),
            ),
            (
                format!("update records set tag = 'active' where id = {batch} and tag = 'active'"),
                String::new(),
                "",
                String::new(),
            ),
            (
                format!("update flow_lines set to_id = {other_id} where flow_id = {flow}"),
                format!("flow/{flow}"),
                "flow lines",
                format!("update flow_lines set to_id = {seller_id} where flow_id = {flow}"),
            ),
            (
                format!("update records set name = '别人的批次' where id = {batch}"),
                format!("batch/{batch}"),
                "name",
                format!("update records set name = 'DERIVED-1-L1' where id = {batch}"),
            ),
        ];
        for (edit, record, field, undo) in edits {
            app.execute_raw(&edit).await.unwrap();
            let (code, said) = verify().await;
            if record.is_empty() {
                assert_eq!(code, Some(0), "{engine}: a no-op edit: {said}");
                continue;
            }
            assert_eq!(code, Some(2), "{engine}: {edit}: {said}");
            assert!(
                said.contains(&record) && said.contains(field),
                "{engine}: {edit}: {said}"
            );
            app.execute_raw(&undo).await.unwrap();
            let (code, said) = verify().await;
            assert_eq!(code, Some(0), "{engine}: put back: {said}");
        }
        // A package link removed: named, and restored.
        let child: String = app
            .strings(&format!(
                "select code from code_links where package_id = {package} order by code limit 1"
            ))
            .await
            .remove(0);
        app.execute_raw(&format!(
            "delete from code_links where package_id = {package} and code = '{child}'"
        ))
        .await
        .unwrap();
        let (code, said) = verify().await;
        assert_eq!(code, Some(2), "{engine}: {said}");
        assert!(
            said.contains(&format!("package/{package}")) && said.contains("package links"),
            "{engine}: {said}"
        );
    }
}
