//! Personal data in a regulator's view (V7, issue 17.7) on both engines: a
//! consumer's contact on a sale is opened for the enterprise that recorded
//! it and masked for the regulator of its region, in one flow and in the
//! list; the regulator reveals it with a reason (refused without one, and
//! the audit log keeps who, which and why); another region's regulator is
//! told it does not exist.

use serde_json::json;
use zhisu_domain::Role;

use crate::support::{flow_lines, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyers_contact_is_masked_for_regulators_until_revealed_with_a_reason() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (_, _, codes) = crate::scan::active_item_batch(&app, &maker, "V7-1", 941).await;
        let (status, sale) = app
            .post(
                &maker,
                "/api/v1/flows",
                &json!({"kind": "sale", "at": "2026-12-01", "counterparty_name": "消费者王五",
                    "counterparty_address": "广东省深圳市南山区", "counterparty_contact": "13812345678",
                    "lines": flow_lines(&codes[..1])}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {sale}");
        let id = sale["id"].as_i64().unwrap();
        let path = format!("/api/v1/flows/{id}");

        let (_, own) = app.get(&maker, &path).await;
        assert_eq!(own["counterparty_contact"], "13812345678", "{engine}");
        let (_, seen) = app.get(&gd, &path).await;
        assert_eq!(seen["counterparty_contact"], "138****5678", "{engine}");
        assert_eq!(seen["contact_masked"], true, "{engine}");
        let (_, listed) = app.get(&gd, "/api/v1/flows?limit=50").await;
        let text = listed.to_string();
        assert!(
            !text.contains("13812345678"),
            "{engine}: the list masks too"
        );
        assert!(text.contains("138****5678"), "{engine}: {text}");

        let reveal = format!("{path}/reveal");
        let (status, problem) = app.post(&gd, &reveal, &json!({"reason": "  "})).await;
        assert_eq!(status, 422, "{engine}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "reason", "{engine}");
        assert_eq!(
            app.post(&zj, &reveal, &json!({"reason": "核查"})).await.0,
            404,
            "{engine}: another region's flow does not exist for it"
        );
        let reveals = format!(
            "select count(*) from audit_log where action = 'contact.reveal' and target = 'flow/{id}'"
        );
        assert_eq!(
            app.scalar(&reveals).await,
            0,
            "{engine}: refusals reveal nothing"
        );
        let (status, revealed) = app
            .post(
                &gd,
                &reveal,
                &json!({"reason": "核查销售去向，需联系消费者"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {revealed}");
        assert_eq!(revealed["counterparty_contact"], "13812345678", "{engine}");
        assert_eq!(app.scalar(&reveals).await, 1, "{engine}");
        let why = app
            .text(&format!(
                "select detail from audit_log where action = 'contact.reveal' and target = 'flow/{id}'"
            ))
            .await;
        assert_eq!(why, "核查销售去向，需联系消费者", "{engine}");
        // Revealed once is not revealed for good.
        let (_, again) = app.get(&gd, &path).await;
        assert_eq!(again["counterparty_contact"], "138****5678", "{engine}");
    }
}
