//! 三员分立 in Chromium (issue 16.16): the security administrator makes a
//! regulator's account from the users page, offered no administrator role;
//! the audit administrator then finds that in the audit log, by name.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::{log_in, Driver};
use crate::support::{EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_admin_makes_an_account_and_the_auditor_sees_it_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    for (login, name, role) in [
        ("chr-security", "安全管理员 孙工", Role::SecurityAdmin),
        ("chr-auditor", "安全审计员 周工", Role::AuditAdmin),
    ] {
        app.service
            .create_user(None, NewAccount::new(login, PASSWORD, name, role))
            .await
            .unwrap();
    }

    log_in(&driver, &app, "chr-security").await;
    let html = driver.source().await;
    assert!(html.contains("id=\"duty\""), "{html}");
    driver.goto(&app.url("/users")).await;
    let html = driver.source().await;
    assert!(html.contains("value=\"regulator\""), "{html}");
    for administrator in ["platform-admin", "security-admin", "audit-admin"] {
        assert!(
            !html.contains(&format!("value=\"{administrator}\"")),
            "{administrator} is made at the server only"
        );
    }
    driver.type_into("#new-login", "chr-inspector").await;
    driver.type_into("#new-password", PASSWORD).await;
    driver
        .type_into("input[name='display_name']", "广东省局 郑科员")
        .await;
    driver.set_value("new-role", "regulator").await;
    driver
        .type_into("input[name='jurisdiction']", "440000")
        .await;
    driver.click("#create-user").await;
    let html = driver
        .wait_for("the notice", |_, html| html.contains("id=\"notice\""))
        .await;
    assert!(html.contains("chr-inspector"), "{html}");
    assert!(html.contains("监管人员"), "the role by its Chinese name");
    driver.screenshot("duties-security-users.png").await;
    driver.click("#logout").await;
    driver
        .wait_for("signed out", |url, _| !url.ends_with("/users"))
        .await;

    log_in(&driver, &app, "chr-auditor").await;
    driver.goto(&app.url("/audit?action=user.create")).await;
    let html = driver.source().await;
    assert!(html.contains("user.create"), "{html}");
    assert!(
        html.contains("安全管理员 孙工"),
        "who did it, by name: {html}"
    );
    assert!(
        html.contains("创建账号") && html.contains("成功"),
        "what was done, in words: {html}"
    );
    driver.screenshot("duties-auditor-audit.png").await;
    driver.goto(&app.url("/users")).await;
    let html = driver.source().await;
    assert!(
        !html.contains("chr-inspector"),
        "the auditor manages no account"
    );
}
