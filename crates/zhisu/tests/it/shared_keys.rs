//! Issue 20's refusals at start: a second server on the same database with
//! other keys, or of an older schema than the database's, is refused with
//! a sentence saying what to do; with the same keys it starts.

use std::path::Path;

use zhisu::settings::{CommonArgs, ServeArgs, Settings};

use crate::support::{copy_keys, EngineKind, TestApp};

/// A server's store and service opened over `data` on `app`'s database,
/// as `zhisu serve --data DATA --database-url URL` opens them.
async fn open_on(app: &TestApp, data: &Path) -> anyhow::Result<()> {
    let args = ServeArgs {
        common: CommonArgs {
            data: Some(data.to_path_buf()),
            database_url: Some(app.database_url.clone()),
            config: None,
            crypto: None,
        },
        ..Default::default()
    };
    let (engine, _) = zhisu::open(&Settings::resolve(&args)?).await?;
    engine.close().await;
    Ok(())
}

#[tokio::test]
async fn a_server_with_other_keys_or_an_older_schema_is_refused() {
    for app in TestApp::each_engine().await {
        let engine = app.engine_kind;
        // Its own data folder: keys of its own, made at start.
        let other = tempfile::tempdir().unwrap();
        let refusal = format!("{:#}", open_on(&app, other.path()).await.unwrap_err());
        for says in [
            "serial-key-0 differs",
            "ledger-ed25519 differs",
            "contact-aes256 differs",
            "ZHISU_SERIAL_KEYS",
            "密钥与数据库登记的不一致",
        ] {
            assert!(refusal.contains(says), "{engine:?}: {says}: {refusal}");
        }
        // …and the same through the command a user runs.
        let out = crate::cli::zhisu()
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(other.path())
            .args(["--database-url", &app.database_url])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{engine:?}: {stderr}");
        assert!(
            stderr.contains("serial-key-0 differs"),
            "{engine:?}: {stderr}"
        );
        // The refused servers recorded nothing: the first server's three.
        assert_eq!(
            app.strings("select name from deployment_keys order by name")
                .await,
            ["contact-aes256", "ledger-ed25519", "serial-key-0"],
            "{engine:?}"
        );

        // The same keys in another folder: it starts.
        let same = tempfile::tempdir().unwrap();
        copy_keys(&app.data, same.path());
        open_on(&app, same.path())
            .await
            .unwrap_or_else(|e| panic!("{engine:?}: {e:#}"));

        // A database a newer zhisu migrated.
        let newer = match engine {
            EngineKind::Sqlite => "insert into _sqlx_migrations (version, description, success, checksum, execution_time) values (9999, 'from a newer zhisu', true, x'00', 0)",
            EngineKind::Postgres => "insert into _sqlx_migrations (version, description, success, checksum, execution_time) values (9999, 'from a newer zhisu', true, '\\x00'::bytea, 0)",
        };
        app.execute_raw(newer).await.unwrap();
        let refusal = format!("{:#}", open_on(&app, same.path()).await.unwrap_err());
        assert!(
            refusal.contains("newer zhisu — migration 9999")
                && refusal.contains("请先升级本服务器"),
            "{engine:?}: {refusal}"
        );
    }
}

/// A reading command (`zhisu ledger verify`) opens a database whose keys
/// are recorded without writing to it: while another connection holds
/// SQLite's write lock — a server in the middle of a transaction — it
/// reads on. (It once recorded the keys again at every open, and waited
/// out a running server's fold until the database was "locked".)
#[tokio::test]
async fn opening_a_set_up_database_writes_nothing() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let file = app.data.join("zhisu.db");
    let mut writer = tokio::process::Command::new("sqlite3")
        .arg(&file)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("sqlite3");
    let mut stdin = writer.stdin.take().unwrap();
    let mut said = tokio::io::BufReader::new(writer.stdout.take().unwrap()).lines();
    stdin
        .write_all(b"begin immediate;\nselect 'held';\n")
        .await
        .unwrap();
    assert_eq!(said.next_line().await.unwrap().as_deref(), Some("held"));

    let out = app.ledger_verify().await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdin.write_all(b"rollback;\n.quit\n").await.unwrap();
    writer.wait().await.unwrap();
}
