//! `zhisu backup` and `zhisu restore` as an operator runs them: a backup
//! restores into a copy that verifies, a tampered one is refused, and a
//! folder a server has served backs up too.

use std::time::Duration;

use crate::cli::{start_server, zhisu};

/// Backup and restore (G8.3, P7.1.3): an online copy that verifies, a
/// restore that brings the platform back (codes still verify), and a
/// tampered backup that is refused without touching the target.
#[tokio::test]
async fn backup_restores_and_a_tampered_backup_is_refused() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let seeded = zhisu()
        .args(["demo", "--no-serve", "--data", data_arg])
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    // Without private keys: only the public ledger key travels.
    let plain = dir.path().join("plain");
    let out = zhisu()
        .args(["backup", "--data", data_arg])
        .arg(&plain)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ledger leaves:"));
    assert!(plain.join("zhisu.db").exists() && plain.join("keys/ledger.pub").exists());
    assert!(
        !plain.join("keys/serial-keys").exists(),
        "private keys stay home"
    );
    let refused = zhisu()
        .args(["backup", "--data", data_arg])
        .arg(&plain)
        .output()
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a non-empty destination is refused"
    );
    let out = zhisu()
        .arg("restore")
        .arg(&plain)
        .args(["--data"])
        .arg(dir.path().join("nokeys"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("private keys"));
    assert!(!dir.path().join("nokeys/zhisu.db").exists());

    // With them: restored, verified, and the codes still verify.
    let full = dir.path().join("full");
    let out = zhisu()
        .args(["backup", "--with-private-keys", "--data", data_arg])
        .arg(&full)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = dir.path().join("restored");
    let out = zhisu()
        .arg("restore")
        .arg(&full)
        .arg("--data")
        .arg(&restored)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verify = zhisu()
        .args(["ledger", "verify", "--data"])
        .arg(&restored)
        .output()
        .unwrap();
    assert!(verify.status.success());
    let db = |path: &std::path::Path| format!("sqlite://{}", path.join("zhisu.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&db(&restored))
        .await
        .unwrap();
    let active: i64 = sqlx::query_scalar(
        "select r.id from records r join records p on p.id = r.parent_id \
         where r.kind = 'batch' and r.tag = 'active' and p.code_key is not null order by r.id limit 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let code = zhisu()
        .args([
            "codes", "export", "--count", "1", "--data", data_arg, "--batch",
        ])
        .arg(active.to_string())
        .output()
        .unwrap();
    let code = String::from_utf8_lossy(&code.stdout).trim().to_string();
    assert!(code.contains("/01/"), "{code}");
    let out = zhisu()
        .args(["codes", "verify", "--data"])
        .arg(&restored)
        .arg(&code)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{code}: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A backup edited behind the platform's back is refused; nothing restored.
    let mut conn = sqlx::SqliteConnection::connect(&db(&full)).await.unwrap();
    let changed = sqlx::query(
        "update record_versions set body = replace(body, '有限公司', '冒名公司') where kind = 'enterprise'",
    )
    .execute(&mut conn)
    .await
    .unwrap()
    .rows_affected();
    conn.close().await.unwrap();
    assert!(changed > 0);
    let target = dir.path().join("tampered");
    let out = zhisu()
        .arg("restore")
        .arg(&full)
        .arg("--data")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("ledger"));
    assert!(!target.join("zhisu.db").exists());
}

/// Backup of a folder a server has served (issue 15.2): the server signed
/// checkpoints and folded scans; the online backup taken while it runs, and
/// another after it stopped, verify; the restored copy verifies and serves.
#[tokio::test]
async fn a_folder_a_server_has_served_is_backed_up_and_restored() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap().to_string();
    let seeded = zhisu()
        .args(["demo", "--no-serve", "--data", &data_arg])
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let db = format!("sqlite://{}", data.join("zhisu.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    let active: i64 = sqlx::query_scalar(
        "select r.id from records r join records p on p.id = r.parent_id \
         where r.kind = 'batch' and r.tag = 'active' and p.code_key like '0%' order by r.id limit 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let code = zhisu()
        .args([
            "codes", "export", "--count", "1", "--data", &data_arg, "--batch",
        ])
        .arg(active.to_string())
        .output()
        .unwrap();
    let code = String::from_utf8_lossy(&code.stdout).trim().to_string();
    let path = &code[code.find("/01/").expect("a GS1 code")..];

    let port = crate::support::port_for_a_child();
    let mut server = start_server(&data_arg, port).await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let r = client
            .get(format!("http://127.0.0.1:{port}{path}"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    // Wait until the server has signed a checkpoint and folded the scans.
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    let mut ready = false;
    for _ in 0..100 {
        let checkpoints: i64 = sqlx::query_scalar("select count(*) from ledger_checkpoints")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let folded: i64 = sqlx::query_scalar("select coalesce(sum(count), 0) from scan_counts")
            .fetch_one(&mut conn)
            .await
            .unwrap_or(0);
        if checkpoints > 0 && folded >= 3 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    conn.close().await.unwrap();
    assert!(ready, "the server signed no checkpoint or folded no scan");

    let online = dir.path().join("online");
    let out = zhisu()
        .args(["backup", "--data", &data_arg])
        .arg(&online)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "online backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.kill().unwrap();
    server.wait().unwrap();

    let full = dir.path().join("full");
    let out = zhisu()
        .args(["backup", "--with-private-keys", "--data", &data_arg])
        .arg(&full)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "backup after the server: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The backup without private keys restores beside the operator's keys.
    for (backup, target) in [(&full, "restored"), (&online, "restored-online")] {
        let restored = dir.path().join(target);
        if backup == &online {
            std::fs::create_dir_all(restored.join("keys")).unwrap();
            for name in ["serial-keys", "contact-aes256", "ledger-ed25519"] {
                std::fs::copy(
                    data.join("keys").join(name),
                    restored.join("keys").join(name),
                )
                .unwrap();
            }
        }
        let out = zhisu()
            .arg("restore")
            .arg(backup)
            .arg("--data")
            .arg(&restored)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "restore {target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verify = zhisu()
            .args(["ledger", "verify", "--data"])
            .arg(&restored)
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&verify.stdout)
        );
        let out = zhisu()
            .args(["codes", "verify", "--data"])
            .arg(&restored)
            .arg(&code)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{target} {code}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
