//! Issue 20.2: on PostgreSQL every server of a deployment reads uploaded
//! files from the database. A file uploaded through one server is read
//! through another; uploaded through two at once, it is kept once; and a
//! file an older version kept in a server's folder is copied in when that
//! server starts.

use crate::files::download;
use crate::kept_files::kept;
use crate::support::{pdf, postgres_base_url, EngineKind, TestApp};
use zhisu_domain::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_uploaded_through_one_server_is_read_through_another_and_kept_once() {
    if postgres_base_url().is_none() {
        return;
    }
    let one = TestApp::spawn(EngineKind::Postgres).await;
    let two = one.spawn_beside(|_| {}).await;
    let admin = one.key(Role::PlatformAdmin, None, &[]).await;

    // The same licence through both servers at once: kept once.
    let bytes = pdf();
    let ((s1, a), (s2, b)) = tokio::join!(
        one.upload(&admin, "licence.pdf", bytes.clone()),
        two.upload(&admin, "licence.pdf", bytes.clone())
    );
    assert_eq!((s1, s2), (201, 201), "{a} {b}");
    let sha = a["sha256"].as_str().unwrap().to_string();
    assert_eq!(b["sha256"], sha.as_str());
    assert_eq!(
        one.scalar(&format!(
            "select count(*) from file_contents where sha256 = '{sha}'"
        ))
        .await,
        1
    );
    // Read through either; neither server's folder holds it.
    for app in [&one, &two] {
        assert_eq!(download(app, &admin, &sha).await, (200, bytes.clone()));
        assert!(!app.data.join("blobs").join(&sha[..2]).exists());
    }

    // A file an older version kept in a server's folder only: copied in
    // when that server starts, then read through any.
    let older = b"%PDF-1.4\n% a licence kept by an older version in its folder\n".to_vec();
    let (status, uploaded) = one.upload(&admin, "older.pdf", older.clone()).await;
    assert_eq!(status, 201, "{uploaded}");
    let older_sha = uploaded["sha256"].as_str().unwrap().to_string();
    crate::kept_files::replace(&one, &older_sha, None).await;
    assert_eq!(kept(&one, &older_sha).await, None);
    let three = one
        .spawn_beside(|data| {
            let dir = data.join("blobs").join(&older_sha[..2]);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(&older_sha), &older).unwrap();
        })
        .await;
    assert_eq!(kept(&three, &older_sha).await.as_deref(), Some(&older[..]));
    assert_eq!(download(&two, &admin, &older_sha).await, (200, older));
    let out = one.ledger_verify().await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
