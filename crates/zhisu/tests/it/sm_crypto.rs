//! 商用密码 (issue 16.17): a deployment created with `crypto = "sm"` hashes
//! its ledger with SM3, signs checkpoints with SM2 and seals contacts with
//! SM4, on both engines; its checkpoint origin says so; a receipt verifies
//! offline with its SM2 key, the witness follows it, `ledger verify` finds
//! an edit; and the suite cannot be changed afterwards.

use serde_json::json;
use zhisu_domain::Role;

use crate::cli::zhisu;
use crate::support::{EngineKind, TestApp};

async fn sm_app(kind: EngineKind) -> TestApp {
    TestApp::spawn_with(kind, |args| args.common.crypto = Some("sm".into())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sm_deployment_hashes_signs_and_seals_with_sm3_sm2_and_sm4() {
    let mut kinds = vec![EngineKind::Sqlite];
    if crate::support::postgres_base_url().is_some() {
        kinds.push(EngineKind::Postgres);
    }
    for kind in kinds {
        let app = sm_app(kind).await;
        let engine = format!("{kind:?}");
        let keys = app.data.join("keys");
        assert_eq!(
            std::fs::read_to_string(keys.join("crypto-suite"))
                .unwrap()
                .trim(),
            "sm"
        );
        assert!(keys.join("ledger-sm2").exists() && keys.join("contact-sm4").exists());
        assert!(!keys.join("ledger-ed25519").exists() && !keys.join("contact-aes256").exists());

        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, product) = app
            .post(
                &maker,
                "/api/v1/products",
                &crate::support::gas_stove_json("SM-1"),
            )
            .await;
        let id = product["id"].as_i64().unwrap();
        // A buyer's contact, sealed with SM4 and opened for its owner.
        let (_, _, codes) = crate::scan::active_item_batch(&app, &maker, "SM-B", 831).await;
        let sale = json!({"kind": "sale", "at": "2026-11-20", "counterparty_name": "个体户王五",
            "counterparty_address": "深圳市南山区", "counterparty_contact": "13800000000",
            "lines": crate::support::flow_lines(&codes[..1])});
        let (status, sold) = app.post(&maker, "/api/v1/flows", &sale).await;
        assert_eq!(status, 201, "{engine}: {sold}");
        assert_eq!(sold["counterparty_contact"], "13800000000");
        let sealed = app
            .strings("select body from record_versions where body like '%sealed:%'")
            .await;
        assert!(
            !sealed.is_empty()
                && sealed
                    .iter()
                    .all(|b| b.contains("sealed:sm4:") && !b.contains("sealed:v1:")),
            "{engine}: {sealed:?}"
        );

        // The checkpoint names the suite and is signed with SM2.
        let text = |path: &str| {
            let request = app.client.get(app.url(path));
            async move { request.send().await.unwrap().text().await.unwrap() }
        };
        let key = text("/ledger/key").await;
        let verifier = zhisu_ledger::note::NoteVerifier::parse(&key).unwrap();
        assert_eq!(verifier.suite(), zhisu_ledger::Suite::Sm, "{engine}");
        let checkpoint = text("/ledger/checkpoint").await;
        let body = verifier.open(&checkpoint).expect("signed with SM2");
        let (origin, size, root) = zhisu_ledger::note::parse_checkpoint(body).unwrap();
        assert!(origin.ends_with("/ledger/sm"), "{engine}: {origin}");
        // …over an SM3 tree of the stored leaves, which are SM3 leaf hashes.
        let leaves: Vec<zhisu_ledger::Hash> = app
            .strings(&format!(
                "select leaf_hash from ledger_leaves where leaf_index < {size} order by leaf_index"
            ))
            .await
            .iter()
            .map(|h| hex::decode(h).unwrap().try_into().unwrap())
            .collect();
        assert_eq!(
            zhisu_ledger::tree_hash(zhisu_ledger::Suite::Sm, &leaves),
            root,
            "{engine}"
        );
        assert_ne!(
            zhisu_ledger::tree_hash(zhisu_ledger::Suite::Standard, &leaves),
            root
        );

        // A receipt verifies offline with the SM2 key alone.
        let (status, receipt) = app
            .get(
                &maker,
                &format!("/api/v1/ledger/receipt?kind=product&id={id}"),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {receipt}");
        let dir = tempfile::tempdir().unwrap();
        let (key_file, receipt_file) = (dir.path().join("key"), dir.path().join("r.json"));
        std::fs::write(&key_file, &key).unwrap();
        let check = |receipt: &serde_json::Value| {
            std::fs::write(&receipt_file, receipt.to_string()).unwrap();
            zhisu()
                .args(["ledger", "verify-proof", "--key"])
                .arg(&key_file)
                .arg(&receipt_file)
                .output()
                .unwrap()
        };
        let out = check(&receipt);
        assert!(
            out.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut forged = receipt.clone();
        forged["canonical_body"] = json!(receipt["canonical_body"]
            .as_str()
            .unwrap()
            .replace("SM-1", "SM-2"));
        assert!(!check(&forged).status.success(), "{engine}: a changed body");

        // The witness follows the SM log as it grows.
        let state = dir.path().join("witness.json");
        let watch = || {
            zhisu()
                .args(["ledger", "watch", &app.base, "--once", "--state"])
                .arg(&state)
                .output()
                .unwrap()
        };
        let first = tokio::task::block_in_place(watch);
        assert!(
            first.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&first.stderr)
        );
        app.post(
            &maker,
            "/api/v1/products",
            &crate::support::gas_stove_json("SM-3"),
        )
        .await;
        let grown = tokio::task::block_in_place(watch);
        assert!(
            grown.status.success() && String::from_utf8_lossy(&grown.stdout).contains("consistent"),
            "{engine}: {}{}",
            String::from_utf8_lossy(&grown.stdout),
            String::from_utf8_lossy(&grown.stderr)
        );

        // A backup of the SQLite default verifies against the SM2 key, and
        // restores (the suite travels with the keys).
        if kind == EngineKind::Sqlite {
            let (copy, restored) = (dir.path().join("copy"), dir.path().join("restored"));
            let out = zhisu()
                .args(["backup", "--with-private-keys", "--data"])
                .arg(&app.data)
                .arg(&copy)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let out = zhisu()
                .args(["restore"])
                .arg(&copy)
                .arg("--data")
                .arg(&restored)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                zhisu::suite::recorded(&restored).unwrap(),
                Some(zhisu_ledger::Suite::Sm)
            );
        }

        // `ledger verify` passes, and names an edited record.
        let out = app.ledger_verify().await;
        assert!(
            out.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if kind == EngineKind::Postgres {
            // Someone with the database's owner rights, behind the platform's back.
            app.execute_raw(
                "alter table record_versions disable trigger record_versions_append_only",
            )
            .await
            .unwrap();
        }
        app.execute_raw(&format!(
            "update record_versions set body = replace(body, 'SM-1', 'SM-9') where record_id = {id}"
        ))
        .await
        .unwrap();
        let said = String::from_utf8_lossy(&app.ledger_verify().await.stderr).to_string();
        assert!(
            said.contains(&format!("product/{id}@1")),
            "{engine}: {said}"
        );

        // The suite is chosen once.
        let settings = zhisu::settings::Settings::for_data(&zhisu::settings::CommonArgs {
            data: Some(app.data.clone()),
            database_url: Some(app.database_url.clone()),
            config: None,
            crypto: Some("standard".into()),
        })
        .unwrap();
        let refused = zhisu::open(&settings).await.err().unwrap().to_string();
        assert!(refused.contains("created with the sm suite"), "{refused}");
    }
}

#[tokio::test]
async fn an_unknown_suite_is_refused_by_name() {
    let refused = zhisu::settings::Settings::for_data(&zhisu::settings::CommonArgs {
        crypto: Some("sm9".into()),
        ..Default::default()
    })
    .err()
    .unwrap()
    .to_string();
    assert!(
        refused.contains("crypto must be standard or sm"),
        "{refused}"
    );
}
