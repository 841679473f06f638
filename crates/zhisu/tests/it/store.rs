//! The store contract, on both engines: versions are appended, each with
//! a ledger leaf that recomputes from the stored body, writes are atomic,
//! and the append-only tables refuse edits where the engine can enforce it.

use serde_json::json;
use zhisu_domain::RecordKind;
use zhisu_store::{canonical_json, AuditEntry, AuditQuery, NewRecord, RecordIndex, StoreError};

use crate::support::{EngineKind, TestApp};

pub(crate) fn index(key: &str, name: &str) -> RecordIndex {
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

pub(crate) fn audit(action: &str) -> AuditEntry {
    AuditEntry {
        actor: "test".into(),
        action: action.into(),
        outcome: "ok".into(),
        ..Default::default()
    }
}

/// A second store over the app's database.
pub(crate) async fn open_store(app: &TestApp) -> std::sync::Arc<dyn zhisu_store::Store> {
    match app.engine_kind {
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
    .store()
}

#[tokio::test]
async fn versions_leaves_and_atomic_writes() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let store = open_store(&app).await;

        let body = json!({"name": "甲", "b": [1, 2], "a": {"z": true, "y": null}});
        let created = store
            .create_record(
                NewRecord {
                    kind: RecordKind::Enterprise,
                    index: index("K1", "甲"),
                    body: body.clone(),
                    links: vec![],
                    flow: vec![],
                    import_key: None,
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
                    flow: vec![],
                    import_key: None,
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
                &zhisu_ledger::to_hex(&zhisu_ledger::Suite::Standard.leaf_hash(&leaf)),
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
        // Enough leaves for the stored tree to hold nodes (16 leaves each).
        for n in 2..=6 {
            app.post(
                &maker,
                "/api/v1/products",
                &crate::support::gas_stove_json(&format!("LEDGER-{n}")),
            )
            .await;
        }
        let verify = async || app.ledger_verify().await;
        let intact = verify().await;
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
        let caught = verify().await;
        assert_eq!(caught.status.code(), Some(2), "{engine}");
        let said = String::from_utf8_lossy(&caught.stderr);
        assert!(
            said.contains(&format!("product/{id}@1")),
            "{engine}: names the record: {said}"
        );
        app.execute_raw(&format!("update record_versions set body = replace(body, '假冒燃气灶', '家用燃气灶') where record_id = {id} and version = 1")).await.unwrap();
        assert!(
            verify().await.status.success(),
            "{engine}: restoring the bytes restores the ledger"
        );

        // A consistent rewrite: the body edited AND its leaf hash recomputed.
        // Only the checkpoint signed earlier can tell.
        app.client
            .get(app.url("/ledger/checkpoint"))
            .send()
            .await
            .unwrap();
        if app.engine_kind == EngineKind::Postgres {
            app.execute_raw("alter table ledger_leaves disable trigger ledger_leaves_append_only")
                .await
                .unwrap();
        }
        let body = app
            .text(&format!(
                "select body from record_versions where record_id = {id} and version = 1"
            ))
            .await;
        let leaf = app
            .scalar(&format!(
                "select leaf_index from record_versions where record_id = {id} and version = 1"
            ))
            .await;
        let forged = body.replace("家用燃气灶", "假冒燃气灶");
        let forged_hash = zhisu_ledger::to_hex(
            &zhisu_ledger::Suite::Standard
                .leaf_hash(&zhisu_ledger::leaf_bytes("product", id, 1, &forged)),
        );
        app.execute_raw(&format!(
            "update record_versions set body = '{forged}' where record_id = {id} and version = 1"
        ))
        .await
        .unwrap();
        app.execute_raw(&format!(
            "update ledger_leaves set leaf_hash = '{forged_hash}' where leaf_index = {leaf}"
        ))
        .await
        .unwrap();
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(said.contains("the log was rewritten"), "{engine}: {said}");
        let original_hash = zhisu_ledger::to_hex(
            &zhisu_ledger::Suite::Standard
                .leaf_hash(&zhisu_ledger::leaf_bytes("product", id, 1, &body)),
        );
        app.execute_raw(&format!(
            "update record_versions set body = '{body}' where record_id = {id} and version = 1"
        ))
        .await
        .unwrap();
        app.execute_raw(&format!(
            "update ledger_leaves set leaf_hash = '{original_hash}' where leaf_index = {leaf}"
        ))
        .await
        .unwrap();
        assert!(verify().await.status.success(), "{engine}: restored");

        // The tail cut off cleanly (the last leaf, an audit entry, and its
        // row gone): the signed checkpoint still counts it.
        if app.engine_kind == EngineKind::Postgres {
            app.execute_raw("alter table audit_log disable trigger audit_log_append_only")
                .await
                .unwrap();
        }
        let last = app
            .scalar("select max(leaf_index) from ledger_leaves")
            .await;
        for sql in [
            format!(
                "create table saved_audit as select * from audit_log where leaf_index = {last}"
            ),
            format!(
                "create table saved_leaf as select * from ledger_leaves where leaf_index = {last}"
            ),
            format!("delete from audit_log where leaf_index = {last}"),
            format!("delete from ledger_leaves where leaf_index = {last}"),
        ] {
            let changed = app.execute_raw(&sql).await.unwrap();
            if sql.starts_with("delete") {
                assert_eq!(changed, 1, "{engine}: {sql}");
            }
        }
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(said.contains("it was truncated"), "{engine}: {said}");
        for sql in [
            "insert into audit_log select * from saved_audit",
            "insert into ledger_leaves select * from saved_leaf",
            "drop table saved_audit",
            "drop table saved_leaf",
        ] {
            app.execute_raw(sql).await.unwrap();
        }
        assert!(verify().await.status.success(), "{engine}: put back");

        // An audit entry edited: who did it, rewritten.
        let audit_id = app
            .scalar(
                "select min(id) from audit_log where actor like 'key:%' and leaf_index is not null",
            )
            .await;
        app.execute_raw(&format!(
            "update audit_log set actor = 'user:9999' where id = {audit_id}"
        ))
        .await
        .unwrap();
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(
            said.contains(&format!("audit entry audit/{audit_id} no longer matches")),
            "{engine}: {said}"
        );
        let actor = app
            .text(&format!(
                "select entry_ref from ledger_leaves where entry_ref = 'audit/{audit_id}'"
            ))
            .await;
        assert_eq!(actor, format!("audit/{audit_id}"));
        let original_actor = app
            .text("select actor from audit_log where actor like 'key:%' order by id limit 1")
            .await;
        app.execute_raw(&format!(
            "update audit_log set actor = '{original_actor}' where id = {audit_id}"
        ))
        .await
        .unwrap();
        assert!(verify().await.status.success(), "{engine}: audit restored");

        // An audit entry slipped in without a leaf.
        app.execute_raw("insert into audit_log (at, actor, action, outcome) values ('2026-01-01T00:00:00Z', 'user:1', 'nothing.happened', 'ok')")
            .await
            .unwrap();
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(
            said.contains("audit entries have no leaf"),
            "{engine}: {said}"
        );
        app.execute_raw("delete from audit_log where action = 'nothing.happened'")
            .await
            .unwrap();
        assert!(verify().await.status.success(), "{engine}: removed again");

        // A node of the stored tree edited: proofs would lie, verify says so.
        assert!(
            app.scalar("select count(*) from ledger_nodes").await > 0,
            "{engine}: the checkpoint stored tree nodes"
        );
        if app.engine_kind == EngineKind::Postgres {
            app.execute_raw("alter table ledger_nodes disable trigger ledger_nodes_append_only")
                .await
                .unwrap();
        }
        app.execute_raw(
            "create table saved_node as select * from ledger_nodes where level = 4 and idx = 0",
        )
        .await
        .unwrap();
        app.execute_raw("delete from ledger_nodes where level = 4 and idx = 0")
            .await
            .unwrap();
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(said.contains("over leaves 0..16"), "{engine}: {said}");
        app.execute_raw("insert into ledger_nodes select * from saved_node")
            .await
            .unwrap();
        app.execute_raw("drop table saved_node").await.unwrap();
        assert!(verify().await.status.success(), "{engine}: node restored");

        // Two leaves swapped (the log reordered).
        let h0 = app
            .text("select leaf_hash from ledger_leaves where leaf_index = 0")
            .await;
        let h1 = app
            .text("select leaf_hash from ledger_leaves where leaf_index = 1")
            .await;
        app.execute_raw(&format!(
            "update ledger_leaves set leaf_hash = '{h1}' where leaf_index = 0"
        ))
        .await
        .unwrap();
        app.execute_raw(&format!(
            "update ledger_leaves set leaf_hash = '{h0}' where leaf_index = 1"
        ))
        .await
        .unwrap();
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(
            said.contains("no longer matches leaf 0"),
            "{engine}: {said}"
        );
        app.execute_raw(&format!(
            "update ledger_leaves set leaf_hash = '{h0}' where leaf_index = 0"
        ))
        .await
        .unwrap();
        app.execute_raw(&format!(
            "update ledger_leaves set leaf_hash = '{h1}' where leaf_index = 1"
        ))
        .await
        .unwrap();
        assert!(verify().await.status.success(), "{engine}: order restored");

        // A licence file replaced on disk.
        let sha = app
            .text("select sha256 from blobs order by sha256 limit 1")
            .await;
        let original = crate::kept_files::kept(&app, &sha).await.unwrap();
        crate::kept_files::replace(&app, &sha, Some(b"%PDF-1.4 a different licence")).await;
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(
            said.contains(&format!("file {sha} was replaced")),
            "{engine}: {said}"
        );
        crate::kept_files::replace(&app, &sha, Some(&original)).await;
        assert!(verify().await.status.success(), "{engine}: file restored");

        // A checkpoint slipped in that this deployment never signed.
        let size = app.scalar("select count(*) from ledger_leaves").await;
        app.execute_raw(&format!("insert into ledger_checkpoints (tree_size, root, note, created_at) values ({size} + 1000, 'ab', 'evil/ledger\n{}\nAAAA\n\n— evil/ledger AAAA\n', 'x')", size + 1000))
            .await
            .unwrap();
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
        assert!(
            said.contains("truncated") || said.contains("not validly signed"),
            "{engine}: {said}"
        );
        app.execute_raw("delete from ledger_checkpoints where root = 'ab'")
            .await
            .unwrap();
        assert!(verify().await.status.success(), "{engine}: removed");

        // A version slipped in without a leaf.
        app.execute_raw(&format!("insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) values ({id}, 99, 'product', '{{}}', 'x', 'x', 999999)")).await.unwrap();
        let said = String::from_utf8_lossy(&verify().await.stderr).to_string();
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
        let truncated = verify().await;
        assert_eq!(truncated.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&truncated.stderr).contains("leaf 1 is missing"),
            "{engine}"
        );
    }
}

/// The stored tree: after a restart the checkpointer picks the tree up
/// from its stored nodes, and every root and proof it then serves equals
/// the one computed from all the leaves.
#[tokio::test]
async fn the_stored_tree_survives_a_restart_and_serves_exact_proofs() {
    use base64::Engine;
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let make = |n: usize| {
            let (app, maker) = (&app, maker.clone());
            async move {
                for i in 0..n {
                    let model = format!("TREE-{}-{i}", rand_suffix());
                    app.post(
                        &maker,
                        "/api/v1/products",
                        &crate::support::gas_stove_json(&model),
                    )
                    .await;
                }
            }
        };
        make(12).await;
        let first = app.service.checkpoint_with_size().await.unwrap().1;
        assert!(first > 32, "{engine}: {first} leaves");
        make(10).await;

        let restarted = app.reopen().await;
        let (note, size) = restarted.checkpoint_with_size().await.unwrap();
        let leaves: Vec<zhisu_ledger::Hash> = app
            .ledger_rows()
            .await
            .iter()
            .map(|r| hex_to_hash(&r.1))
            .collect();
        assert_eq!(size, leaves.len() as u64, "{engine}");
        let root = zhisu_ledger::tree_hash(zhisu_ledger::Suite::Standard, &leaves);
        assert!(
            note.contains(&base64::engine::general_purpose::STANDARD.encode(root)),
            "{engine}: {note}"
        );
        let decode = |hashes: Vec<String>| -> Vec<zhisu_ledger::Hash> {
            hashes
                .iter()
                .map(|h| {
                    base64::engine::general_purpose::STANDARD
                        .decode(h)
                        .unwrap()
                        .try_into()
                        .unwrap()
                })
                .collect()
        };
        for tree_size in [first, first + 1, size - 1, size] {
            let tree = &leaves[..tree_size as usize];
            for m in 0..tree_size {
                let proof = restarted.inclusion_proof(m, tree_size).await.unwrap();
                assert_eq!(
                    decode(proof.hashes),
                    zhisu_ledger::inclusion_proof(zhisu_ledger::Suite::Standard, m as usize, tree),
                    "{engine}: inclusion {m} in {tree_size}"
                );
                if m > 0 {
                    let proof = restarted.consistency_proof(m, tree_size).await.unwrap();
                    assert_eq!(
                        decode(proof.hashes),
                        zhisu_ledger::consistency_proof(
                            zhisu_ledger::Suite::Standard,
                            m as usize,
                            tree
                        ),
                        "{engine}: consistency {m} to {tree_size}"
                    );
                }
            }
        }
        // Sizes beyond the log are refused, not guessed.
        assert!(restarted.inclusion_proof(0, size + 1).await.is_err());
        assert!(restarted.consistency_proof(1, size + 1).await.is_err());
    }
}

fn rand_suffix() -> u64 {
    use rand::Rng;
    rand::thread_rng().gen()
}

fn decode_hashes(proof: &serde_json::Value) -> Vec<zhisu_ledger::Hash> {
    use base64::Engine;
    proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            base64::engine::general_purpose::STANDARD
                .decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect()
}

/// The public face of the ledger: a signed checkpoint that opens with the
/// published key, inclusion proofs for records, consistency between
/// checkpoints — checked with nothing but what the endpoints return.
#[tokio::test]
async fn checkpoints_and_proofs_verify_from_outside() {
    use zhisu_ledger::note::{parse_checkpoint, NoteVerifier};
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, product) = app
        .post(
            &maker,
            "/api/v1/products",
            &crate::support::gas_stove_json("PROOF-1"),
        )
        .await;
    let text = |path: &str| {
        let url = app.url(path);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let verifier = NoteVerifier::parse(&text("/ledger/key").await).unwrap();
    let first = text("/ledger/checkpoint").await;
    let (origin, size1, root1) = parse_checkpoint(verifier.open(&first).unwrap()).unwrap();
    assert_eq!(
        origin,
        format!("{}/ledger", app.base.trim_start_matches("http://"))
    );
    assert!(size1 >= 2);

    // The product's leaf is in the checkpointed tree.
    let leaf = product["leaf_index"].as_u64().unwrap();
    let (_, proof) = app
        .get(
            "",
            &format!("/ledger/proof/inclusion?index={leaf}&tree_size={size1}"),
        )
        .await;
    let rows = app.ledger_rows().await;
    let leaf_hash: zhisu_ledger::Hash = hex_to_hash(&rows[leaf as usize].1);
    assert!(zhisu_ledger::verify_inclusion(
        zhisu_ledger::Suite::Standard,
        leaf,
        size1,
        &leaf_hash,
        &decode_hashes(&proof),
        &root1
    ));
    assert!(!zhisu_ledger::verify_inclusion(
        zhisu_ledger::Suite::Standard,
        leaf,
        size1,
        &zhisu_ledger::Suite::Standard.leaf_hash(b"forged"),
        &decode_hashes(&proof),
        &root1
    ));

    // More writes; the new checkpoint provably extends the old one.
    app.patch(
        &maker,
        &format!("/api/v1/products/{}", product["id"]),
        &json!({"warranty_months": 60}),
    )
    .await;
    let (_, size2, root2) =
        parse_checkpoint(verifier.open(&text("/ledger/checkpoint").await).unwrap()).unwrap();
    assert!(size2 > size1);
    let (_, proof) = app
        .get(
            "",
            &format!("/ledger/proof/consistency?first={size1}&second={size2}"),
        )
        .await;
    assert!(zhisu_ledger::verify_consistency(
        zhisu_ledger::Suite::Standard,
        size1,
        size2,
        &root1,
        &root2,
        &decode_hashes(&proof)
    ));
    let mut forged = root1;
    forged[0] ^= 1;
    assert!(
        !zhisu_ledger::verify_consistency(
            zhisu_ledger::Suite::Standard,
            size1,
            size2,
            &forged,
            &root2,
            &decode_hashes(&proof)
        ),
        "a rewritten history is caught"
    );

    // A checkpoint edited in transit does not open.
    assert!(verifier
        .open(&first.replace(&size1.to_string(), &(size1 + 1).to_string()))
        .is_err());
    // Bad requests.
    assert_eq!(
        app.get(
            "",
            &format!("/ledger/proof/inclusion?index={size2}&tree_size={size2}")
        )
        .await
        .0,
        400
    );
    assert_eq!(
        app.get(
            "",
            &format!("/ledger/proof/consistency?first=1&second={}", size2 + 1)
        )
        .await
        .0,
        400
    );
    assert_eq!(
        app.get("", "/ledger/proof/consistency?first=0&second=1")
            .await
            .0,
        400
    );
    assert_eq!(app.get("", "/ledger/proof/inclusion?index=x").await.0, 400);
}

fn hex_to_hash(hex_text: &str) -> zhisu_ledger::Hash {
    let bytes: Vec<u8> = (0..hex_text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex_text[i..i + 2], 16).unwrap())
        .collect();
    bytes.try_into().unwrap()
}
