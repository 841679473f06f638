//! Retention (G8.5, P7.1.3) on both engines: every record read says how
//! long it is kept and why; `zhisu admin purge` removes the private data
//! of expired sales, purchases and feedback, keeps the trace, and leaves a
//! ledger that still verifies — and that still catches an edit of a
//! purged body.

use serde_json::json;
use zhisu_domain::Role;

use crate::scan::active_item_batch;
use crate::support::{EngineKind, TestApp};

fn admin_principal() -> zhisu_domain::Principal {
    zhisu_domain::Principal {
        actor: "user:1".into(),
        display_name: "admin".into(),
        role: Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: vec![],
    }
}

#[tokio::test]
async fn expired_private_data_is_purged_and_the_ledger_still_verifies() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, codes) = {
            let (batch, _, codes) = active_item_batch(&app, &maker, "RET-1", 903).await;
            (batch, codes)
        };
        let zhisu = async |args: &[&str]| {
            let mut command = crate::cli::zhisu();
            command.args(args).arg("--data").arg(&app.data);
            command.args(["--database-url", &app.database_url]);
            crate::cli::output_of(command).await
        };
        let verify = async || app.ledger_verify().await;

        // A sale off the platform in 2019, and one today.
        let old = json!({"kind": "sale", "at": "2019-03-01", "counterparty_name": "个体户王五",
            "counterparty_address": "深圳市南山区", "counterparty_contact": "13800000000",
            "lines": [{"code": codes[0]}]});
        let (status, old) = app.post(&maker, "/api/v1/flows", &old).await;
        assert_eq!(status, 201, "{engine}: {old}");
        let old_id = old["id"].as_i64().unwrap();
        let recent = json!({"kind": "sale", "at": "2026-01-05", "counterparty_name": "个体户赵六", "counterparty_address": "杭州市",
            "counterparty_contact": "13900000000", "lines": [{"code": codes[1]}]});
        let (status, recent) = app.post(&maker, "/api/v1/flows", &recent).await;
        assert_eq!(status, 201, "{engine}: {recent}");
        let recent_id = recent["id"].as_i64().unwrap();

        // Each read says how long: no product life is known, so 2 years,
        // raised to 3 for a manufacturer's record.
        let (_, seen) = app.get(&maker, &format!("/api/v1/flows/{old_id}")).await;
        assert_eq!(seen["retention_until"], "2022-03-01", "{engine}: {seen}");
        assert_eq!(seen["retention_rule"], "manufacturer-minimum");
        let (_, product) = app.get(&maker, "/api/v1/products").await;
        let product_id = product["items"][0]["id"].as_i64().unwrap();
        let (_, p) = app
            .get(&maker, &format!("/api/v1/products/{product_id}"))
            .await;
        assert_eq!(p["retention_rule"], "manufacturer-minimum", "{p}");

        // Only administrators purge.
        let maker_principal = zhisu_domain::Principal {
            actor: "key:x".into(),
            display_name: "maker".into(),
            role: Role::ManufacturerAdmin,
            enterprise_id: Some(maker_id),
            jurisdiction: vec![],
        };
        let today = chrono::Utc::now().date_naive();
        assert!(app
            .service
            .purge_expired(&maker_principal, today, false)
            .await
            .is_err());

        // A dry run reports and changes nothing.
        let leaves = app.scalar("select count(*) from ledger_leaves").await;
        let dry = zhisu(&["admin", "purge", "--dry-run"]).await;
        assert!(
            dry.status.success(),
            "{}",
            String::from_utf8_lossy(&dry.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
        let expired: Vec<i64> = report["expired"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(expired, [old_id], "{engine}: {report}");
        assert_eq!(report["purge_id"], serde_json::Value::Null);
        assert_eq!(
            app.scalar("select count(*) from ledger_leaves").await,
            leaves
        );
        let sealed_before = app
            .text(&format!(
                "select body from record_versions where record_id = {old_id}"
            ))
            .await;

        // Bad input: a day that is not a day, or one still to come.
        for bad in ["2030-13-01", "2999-01-01"] {
            let out = zhisu(&["admin", "purge", "--as-of", bad]).await;
            assert!(!out.status.success(), "{bad}");
            assert!(String::from_utf8_lossy(&out.stderr).contains("--as-of"));
        }

        // The purge: the old sale loses its buyer's name, address and
        // contact; what was sold, when and how many stay. The audit log is
        // kept whole whatever the purge does (issue 16.16: at least six
        // months, the Cybersecurity Law's minimum; here, for good).
        let audits = app.scalar("select count(*) from audit_log").await;
        let last_audit = app.scalar("select max(id) from audit_log").await;
        let first_audit = app
            .text("select action from audit_log order by id limit 1")
            .await;
        let done = zhisu(&["admin", "purge"]).await;
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
        assert!(report["purge_id"].as_i64().is_some(), "{report}");
        assert_eq!(report["versions"], 1);
        let (status, purged) = app.get(&maker, &format!("/api/v1/flows/{old_id}")).await;
        assert_eq!(status, 200);
        assert_eq!(
            purged["counterparty_name"], "（已清除）",
            "{engine}: {purged}"
        );
        assert!(purged["counterparty_contact"].is_null(), "{purged}");
        assert!(purged["counterparty_address"].is_null(), "{purged}");
        assert_eq!(purged["lines"][0]["code"], old["lines"][0]["code"]);
        assert_eq!(purged["at"], "2019-03-01");
        let body = app
            .text(&format!(
                "select body from record_versions where record_id = {old_id}"
            ))
            .await;
        assert_ne!(body, sealed_before);
        assert!(!body.contains("王五") && !body.contains("深圳市"), "{body}");
        assert_eq!(
            app.text(&format!("select name from records where id = {old_id}"))
                .await,
            "（已清除）"
        );
        let (_, kept) = app.get(&maker, &format!("/api/v1/flows/{recent_id}")).await;
        assert_eq!(kept["counterparty_contact"], "13900000000", "not expired");

        // The purge is a leaf of its own, with its audit entry; the old
        // leaf hashes stay and the ledger verifies.
        assert_eq!(
            app.scalar("select count(*) from ledger_leaves where entry_kind = 'purge'")
                .await,
            1
        );
        assert_eq!(
            app.scalar("select count(*) from audit_log where action = 'retention.purge'")
                .await,
            1
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from audit_log where id <= {last_audit}"
            ))
            .await,
            audits,
            "{engine}: every audit entry written before the purge is kept"
        );
        assert_eq!(
            app.text("select action from audit_log order by id limit 1")
                .await,
            first_audit
        );
        let out = verify().await;
        assert!(
            out.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        // Nothing more to purge today.
        let again: serde_json::Value =
            serde_json::from_slice(&zhisu(&["admin", "purge"]).await.stdout).unwrap();
        assert_eq!(again["versions"], 0, "{again}");
        assert_eq!(again["purge_id"], serde_json::Value::Null);

        // A purged body edited afterwards is an edit like any other. On
        // PostgreSQL the engine itself refuses it first.
        let forged = body.replace("（已清除）", "李四");
        let edit =
            format!("update record_versions set body = '{forged}' where record_id = {old_id}");
        if app.engine_kind == EngineKind::Postgres {
            let refused = app.execute_raw(&edit).await.unwrap_err().to_string();
            assert!(refused.contains("append-only"), "{refused}");
            app.execute_raw(
                "alter table record_versions disable trigger record_versions_append_only",
            )
            .await
            .unwrap();
        }
        app.execute_raw(&edit).await.unwrap();
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(
            said.contains(&format!("flow/{old_id}@1")),
            "{engine}: {said}"
        );
        app.execute_raw(&format!(
            "update record_versions set body = '{body}' where record_id = {old_id}"
        ))
        .await
        .unwrap();
        assert!(verify().await.status.success(), "{engine}: restored");

        // Years later everything expires: feedback loses its sender's contact.
        let (status, fb) = crate::support::decode(
            app.client
                .post(app.url("/api/v1/feedback"))
                .json(&json!({"code": codes[2], "message": "包装破损", "contact": "13700000000"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{fb}");
        let later = today + chrono::Months::new(12 * 10);
        let report = app
            .service
            .purge_expired(&admin_principal(), later, false)
            .await
            .unwrap();
        let kinds: Vec<&str> = report.expired.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["flow", "feedback"], "{engine}: {report:?}");
        let (_, fb) = app
            .get(&maker, &format!("/api/v1/feedback/{}", fb["id"]))
            .await;
        assert!(fb["contact"].is_null(), "{fb}");
        assert_eq!(fb["message"], "包装破损");
        let out = verify().await;
        assert!(
            out.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
