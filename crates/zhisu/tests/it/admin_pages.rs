//! The administrators in pages (三员分立, issue 16.16): the security
//! administrator makes accounts and keys, the audit administrator reads and
//! exports the audit log, and none does another's work (split from
//! `pages.rs`).

use reqwest::multipart::Form;

use crate::pages::signed_in;
use crate::support::{EngineKind, TestApp};

#[tokio::test]
async fn admins_manage_accounts_keys_and_read_the_audit_log_in_pages() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    // 三员分立 (issue 16.16): three administrators, made at the server.
    for (login, name, role) in [
        ("root", "系统", zhisu_domain::Role::PlatformAdmin),
        ("sec", "安全", zhisu_domain::Role::SecurityAdmin),
        ("audit", "审计", zhisu_domain::Role::AuditAdmin),
    ] {
        let account = zhisu_service::NewAccount::new(login, crate::support::PASSWORD, name, role);
        app.service.create_user(None, account).await.unwrap();
    }
    let (client, csrf) = signed_in(&app, "sec").await;
    let (auditor, _) = signed_in(&app, "audit").await;
    let (system, system_csrf) = signed_in(&app, "root").await;
    let status = |client: &reqwest::Client, path: &str| {
        let request = client.get(app.url(path));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // None does another's work, and the header offers each only its own.
    for path in ["/users", "/keys", "/audit", "/audit.csv"] {
        assert_eq!(status(&system, path).await, 403, "system admin: {path}");
    }
    assert_eq!(status(&client, "/audit").await, 403, "security admin");
    assert_eq!(status(&client, "/audit.csv").await, 403, "security admin");
    assert_eq!(status(&auditor, "/users").await, 403, "audit admin");
    assert_eq!(status(&auditor, "/keys").await, 403, "audit admin");
    let nav =
        |html: &str| html[html.find("<nav").unwrap()..html.find("</nav>").unwrap()].to_string();
    let page = |client: &reqwest::Client| {
        let request = client.get(app.url("/dashboard"));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let (security_home, audit_home, system_home) = (
        page(&client).await,
        page(&auditor).await,
        page(&system).await,
    );
    assert!(nav(&security_home).contains("/users") && !nav(&security_home).contains("/audit"));
    assert!(!nav(&security_home).contains("/products"));
    assert!(security_home.contains("安全管理员"), "{security_home}");
    assert!(nav(&audit_home).contains("/audit") && !nav(&audit_home).contains("/users"));
    assert!(audit_home.contains("安全审计员"));
    assert!(nav(&system_home).contains("/products") && !nav(&system_home).contains("/audit"));
    assert!(!nav(&system_home).contains("/users") && !nav(&system_home).contains("/keys"));
    assert!(system_home.contains("系统管理员"));
    // The security admin cannot make an administrator, nor can the system admin make anyone.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("login", "root2")
        .text("password", crate::support::PASSWORD)
        .text("role", "audit-admin");
    let r = client
        .post(app.url("/users"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let form = Form::new()
        .text("csrf", system_csrf)
        .text("login", "reg0")
        .text("password", crate::support::PASSWORD)
        .text("role", "regulator")
        .text("jurisdiction", "440000");
    let r = system
        .post(app.url("/users"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // A regulator account, made in the page; a bad one is explained.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("login", "gd-reg")
        .text("password", crate::support::PASSWORD)
        .text("role", "regulator")
        .text("jurisdiction", "440000");
    let html = client
        .post(app.url("/users"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"notice\"") && html.contains("gd-reg"),
        "{html}"
    );
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("login", "zj-reg")
        .text("password", "short")
        .text("role", "regulator")
        .text("jurisdiction", "330000");
    let r = client
        .post(app.url("/users"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text().await.unwrap().contains("10"),
        "the password rule is named"
    );
    // The admin chose gd-reg's password: it changes it first (issue 16.5).
    let (regulator, reg_csrf) = signed_in(&app, "gd-reg").await;
    let first = regulator.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(first.headers()["location"], "/password");
    let form = Form::new()
        .text("csrf", reg_csrf)
        .text("current_password", crate::support::PASSWORD)
        .text("new_password", "Guangdong-Own-2026!")
        .text("new_password_again", "Guangdong-Own-2026!");
    let changed = regulator
        .post(app.url("/password"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 303);
    assert!(regulator
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("440000 广东省"));

    // A key made in the page works on the API once, until revoked in the page.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("label", "ops")
        .text("role", "regulator")
        .text("jurisdiction", "440000");
    let html = client
        .post(app.url("/keys"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start =
        html.find("id=\"new-key\">").expect("the new key is shown") + "id=\"new-key\">".len();
    let key = html[start..].split('<').next().unwrap().to_string();
    assert!(key.starts_with("zk_"));
    assert_eq!(app.get(&key, "/api/v1/me").await.0, 200);
    let html = client
        .get(app.url("/keys"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&key), "a key is shown only once");
    let security_key = app.key(zhisu_domain::Role::SecurityAdmin, None, &[]).await;
    let (_, keys) = app.get(&security_key, "/api/v1/api-keys").await;
    let id = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["label"] == "ops")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = client
        .post(app.url(&format!("/keys/{id}/revoke")))
        .multipart(Form::new().text("csrf", csrf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&key, "/api/v1/me").await.0, 401);

    // The audit log page shows who did what.
    let client = auditor;
    let html = client
        .get(app.url("/audit?action=user."))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("user.create") && html.contains("user:2"),
        "{html}"
    );
    assert!(
        html.contains("安全 <small class=\"muted mono\">user:2</small>"),
        "the actor by name beside its ID: {html}"
    );
    let html = client
        .get(app.url("/audit?action=api-key.revoke"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("api-key.revoke"));
    // …and exports it, filtered, as CSV (formula characters defused).
    let r = client
        .get(app.url("/audit.csv?action=api-key."))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}id,at,actor,action,target,enterprise_id,ip,outcome,detail"
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter().any(|l| l.contains("\"api-key.revoke\"")),
        "{csv}"
    );
    assert!(
        rows.iter().all(|l| l.contains("\"api-key.")),
        "filtered: {csv}"
    );

    // A regulator may not read the whole log, or manage accounts.
    assert_eq!(
        regulator
            .get(app.url("/users"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        regulator
            .get(app.url("/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
}
