//! A stored file's bytes where its engine keeps them, read and changed
//! behind the platform's back (tamper tests): SQLite's blob folder, or
//! PostgreSQL's `file_contents`, where every server reads them (issue
//! 20.2).

use crate::support::{EngineKind, TestApp};

/// The bytes kept for `sha`, if any.
pub async fn kept(app: &TestApp, sha: &str) -> Option<Vec<u8>> {
    match app.engine_kind {
        EngineKind::Sqlite => std::fs::read(app.data.join("blobs").join(&sha[..2]).join(sha)).ok(),
        EngineKind::Postgres => {
            let hex = app
                .strings(&format!(
                    "select encode(bytes, 'hex') from file_contents where sha256 = '{sha}'"
                ))
                .await;
            hex.first().map(|h| hex::decode(h).unwrap())
        }
    }
}

/// Replaces the bytes kept for `sha` (None: removes them).
pub async fn replace(app: &TestApp, sha: &str, bytes: Option<&[u8]>) {
    match app.engine_kind {
        EngineKind::Sqlite => {
            let path = app.data.join("blobs").join(&sha[..2]).join(sha);
            match bytes {
                Some(b) => std::fs::write(path, b).unwrap(),
                None => std::fs::remove_file(path).unwrap(),
            }
        }
        EngineKind::Postgres => {
            app.execute_raw(&format!("delete from file_contents where sha256 = '{sha}'"))
                .await
                .unwrap();
            if let Some(b) = bytes {
                app.execute_raw(&format!(
                    "insert into file_contents (sha256, bytes, stored_at) values ('{sha}', '\\x{}'::bytea, 'by hand')",
                    hex::encode(b)
                ))
                .await
                .unwrap();
            }
        }
    }
}
