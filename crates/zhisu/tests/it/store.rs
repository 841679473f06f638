//! The store contract, on both engines: versions are appended, each with
//! a ledger leaf that recomputes from the stored body, writes are atomic,
//! and the append-only tables refuse edits where the engine can enforce it.

use serde_json::json;
use zhisu_domain::RecordKind;
use zhisu_store::{canonical_json, AuditEntry, AuditQuery, NewRecord, RecordIndex, StoreError};

use crate::support::{EngineKind, TestApp};

fn index(key: &str, name: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: None,
        parent_id: None,
        unique_key: Some(key.into()),
        name: name.into(),
        region_code: "440305".into(),
        tag: Some("manufacturer".into()),
        code_key: None,
    }
}

fn audit(action: &str) -> AuditEntry {
    AuditEntry {
        actor: "test".into(),
        action: action.into(),
        outcome: "ok".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn versions_leaves_and_atomic_writes() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let store = match app.engine_kind {
            EngineKind::Sqlite => zhisu::Engine::Sqlite(
                zhisu_store_sql::SqliteStore::connect(&app.database_url)
                    .await
                    .unwrap(),
            ),
            EngineKind::Postgres => zhisu::Engine::Postgres(
                zhisu_store_sql::PgStore::connect(&app.database_url)
                    .await
                    .unwrap(),
            ),
        }
        .store();

        let body = json!({"name": "甲", "b": [1, 2], "a": {"z": true, "y": null}});
        let created = store
            .create_record(
                NewRecord {
                    kind: RecordKind::Enterprise,
                    index: index("K1", "甲"),
                    body: body.clone(),
                    links: vec![],
                },
                audit("t.create"),
            )
            .await
            .unwrap();
        assert_eq!(
            (created.version, created.enterprise_id),
            (1, created.id),
            "{engine}: an enterprise owns itself"
        );
        let updated = store
            .update_record(
                RecordKind::Enterprise,
                created.id,
                Some(1),
                index("K1", "乙"),
                json!({"name": "乙"}),
                audit("t.update"),
            )
            .await
            .unwrap();
        assert_eq!(updated.version, 2);
        assert_eq!(updated.created_at, created.created_at);

        // Stale versions and duplicates: refused, and nothing is written.
        let before = (
            app.ledger_rows().await.len(),
            store
                .list_audit(&AuditQuery {
                    limit: 1000,
                    ..Default::default()
                })
                .await
                .unwrap()
                .total,
        );
        let stale = store
            .update_record(
                RecordKind::Enterprise,
                created.id,
                Some(1),
                index("K1", "丙"),
                json!({"name": "丙"}),
                audit("t.stale"),
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict(_))),
            "{engine}: {stale:?}"
        );
        let duplicate = store
            .create_record(
                NewRecord {
                    kind: RecordKind::Enterprise,
                    index: index("K1", "丁"),
                    body: json!({}),
                    links: vec![],
                },
                audit("t.dup"),
            )
            .await;
        assert!(
            matches!(duplicate, Err(StoreError::Conflict(_))),
            "{engine}: {duplicate:?}"
        );
        let missing = store
            .update_record(
                RecordKind::Enterprise,
                999_999,
                None,
                index("K9", "x"),
                json!({}),
                audit("t.missing"),
            )
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)));
        let after = (
            app.ledger_rows().await.len(),
            store
                .list_audit(&AuditQuery {
                    limit: 1000,
                    ..Default::default()
                })
                .await
                .unwrap()
                .total,
        );
        assert_eq!(
            before, after,
            "{engine}: a refused write left a leaf or an audit entry"
        );

        // History, oldest first; each version's leaf recomputes from its body.
        let history = store
            .record_history(RecordKind::Enterprise, created.id)
            .await
            .unwrap();
        assert_eq!(
            history.iter().map(|v| v.version).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(history[0].body, body);
        let leaves = app.ledger_rows().await;
        assert_eq!(
            leaves.iter().map(|l| l.0).collect::<Vec<_>>(),
            (0..leaves.len() as i64).collect::<Vec<_>>(),
            "{engine}: leaf indexes are dense"
        );
        for version in &history {
            let leaf = zhisu_ledger::leaf_bytes(
                "enterprise",
                version.id,
                version.version,
                &canonical_json(&version.body),
            );
            let (_, hash, entry_ref) = &leaves[version.leaf_index as usize];
            assert_eq!(
                hash,
                &zhisu_ledger::to_hex(&zhisu_ledger::leaf_hash(&leaf)),
                "{engine}"
            );
            assert_eq!(
                entry_ref,
                &format!("enterprise/{}@{}", version.id, version.version)
            );
        }
        assert_eq!(
            canonical_json(&history[0].body),
            r#"{"a":{"y":null,"z":true},"b":[1,2],"name":"甲"}"#
        );

        // The audit entries of the writes name the record and its leaf.
        let entries = store
            .list_audit(&AuditQuery {
                action: Some("t.".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = entries
            .items
            .iter()
            .map(|e| e.entry.action.as_str())
            .collect();
        assert_eq!(actions, ["t.update", "t.create"], "{engine}");
        assert!(entries.items[0]
            .entry
            .detail
            .as_deref()
            .unwrap()
            .contains(&format!("leaf {}", updated.leaf_index)));

        // PostgreSQL refuses edits of the append-only tables outright.
        if app.engine_kind == EngineKind::Postgres {
            let edit = app
                .execute_raw("update record_versions set body = '{}'")
                .await;
            assert!(edit.unwrap_err().to_string().contains("append-only"));
            assert!(app.execute_raw("delete from ledger_leaves").await.is_err());
        }
    }
}

/// `zhisu ledger verify` finds an edited row, a deleted leaf and a version
/// added behind the platform's back, and names the record, on both engines.
#[tokio::test]
async fn ledger_verify_names_what_was_tampered_with() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, product) = app
            .post(
                &maker,
                "/api/v1/products",
                &crate::support::gas_stove_json("LEDGER-1"),
            )
            .await;
        let id = product["id"].as_i64().unwrap();
        app.patch(
            &maker,
            &format!("/api/v1/products/{id}"),
            &json!({"warranty_months": 48}),
        )
        .await;
        let verify = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_zhisu"))
                .args([
                    "ledger",
                    "verify",
                    "--data",
                    app.data.to_str().unwrap(),
                    "--database-url",
                    &app.database_url,
                ])
                .env("RUST_LOG", "warn")
                .output()
                .unwrap()
        };
        let intact = verify();
        assert!(
            intact.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&intact.stderr)
        );
        assert!(String::from_utf8_lossy(&intact.stdout).contains("ledger intact"));

        // Someone edits the product's name with SQL, behind the platform's back.
        if app.engine_kind == EngineKind::Postgres {
            app.execute_raw(
                "alter table record_versions disable trigger record_versions_append_only",
            )
            .await
            .unwrap();
        }
        let edited = app
            .execute_raw(&format!("update record_versions set body = replace(body, '家用燃气灶', '假冒燃气灶') where record_id = {id} and version = 1"))
            .await
            .unwrap();
        assert_eq!(edited, 1);
        let caught = verify();
        assert_eq!(caught.status.code(), Some(2), "{engine}");
        let said = String::from_utf8_lossy(&caught.stderr);
        assert!(
            said.contains(&format!("product/{id}@1")),
            "{engine}: names the record: {said}"
        );
        app.execute_raw(&format!("update record_versions set body = replace(body, '假冒燃气灶', '家用燃气灶') where record_id = {id} and version = 1")).await.unwrap();
        assert!(
            verify().status.success(),
            "{engine}: restoring the bytes restores the ledger"
        );

        // A version slipped in without a leaf.
        app.execute_raw(&format!("insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) values ({id}, 99, 'product', '{{}}', 'x', 'x', 999999)")).await.unwrap();
        let said = String::from_utf8_lossy(&verify().stderr).to_string();
        assert!(said.contains("no leaf"), "{engine}: {said}");
        app.execute_raw(&format!(
            "delete from record_versions where record_id = {id} and version = 99"
        ))
        .await
        .unwrap();

        // The log truncated: a leaf deleted.
        if app.engine_kind == EngineKind::Postgres {
            app.execute_raw("alter table ledger_leaves disable trigger ledger_leaves_append_only")
                .await
                .unwrap();
        }
        app.execute_raw("delete from ledger_leaves where leaf_index = 1")
            .await
            .unwrap();
        let truncated = verify();
        assert_eq!(truncated.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&truncated.stderr).contains("leaf 1 is missing"),
            "{engine}"
        );
    }
}
