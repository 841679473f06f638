//! The password policy through the API (issue 16.5): the passwords a
//! review got accepted are refused naming the rule, and no account is made.

use serde_json::json;
use zhisu_domain::Role;

use crate::support::{EngineKind, TestApp};

#[tokio::test]
async fn weak_passwords_are_refused_and_make_no_account() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let long = "aA1!".repeat(25_000);
    for (password, code) in [
        ("aaaaaaaaaa", "too-simple"),
        ("1234567890", "too-simple"),
        ("op-clerk-2026X", "contains-login"),
        ("          ", "too-short"),
        (long.as_str(), "too-long"),
        ("P@ssw0rd123", "common"),
    ] {
        let (status, problem) = app
            .post(
                &maker,
                "/api/v1/users",
                &json!({"login": "op-clerk", "password": password, "role": "manufacturer-operator"}),
            )
            .await;
        assert_eq!(
            status,
            422,
            "{}: {problem}",
            &password[..password.len().min(20)]
        );
        assert_eq!(problem["errors"][0]["field"], "password");
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    let (status, _) = app
        .post(
            &maker,
            "/api/v1/users",
            &json!({"login": "op-clerk", "password": "Gx7-wq2Lm9", "role": "manufacturer-operator"}),
        )
        .await;
    assert_eq!(
        status, 201,
        "a good one is taken, and the login was still free"
    );
}
