//! A person whose password an admin chose, in Chromium (issue 16.5): the
//! log-in lands on the change form, which explains why; a mismatch is told
//! beside the form; once changed, the dashboard opens.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::Driver;
use crate::support::{EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_log_in_changes_the_admins_password_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app
        .service
        .create_user(
            None,
            NewAccount::new("chr-admin", PASSWORD, "安全管理员", Role::SecurityAdmin),
        )
        .await
        .unwrap();
    let admin = zhisu_service::principal_of_user(&admin);
    let account = NewAccount::new(
        "chr-inspector",
        PASSWORD,
        "广东省局 钱科员",
        Role::Regulator,
    )
    .jurisdiction(&["440000".into()]);
    app.service
        .create_user(Some(&admin), account)
        .await
        .unwrap();

    driver.goto(&app.url("/login")).await;
    driver.type_into("#login", "chr-inspector").await;
    driver.type_into("#password", PASSWORD).await;
    driver.click("button[type='submit']").await;
    let html = driver
        .wait_for("the change form", |url, _| url.ends_with("/password"))
        .await;
    assert!(html.contains("id=\"password-forced\""), "{html}");
    driver.type_into("#current_password", PASSWORD).await;
    driver
        .type_into("#new_password", "Inspector-Own-2026!")
        .await;
    driver
        .type_into("#new_password_again", "Inspector-Own-2027!")
        .await;
    driver.click("#change-password").await;
    let html = driver
        .wait_for("the mismatch", |_, html| {
            html.contains("两次输入的新密码不一致")
        })
        .await;
    assert!(html.contains("再次输入新密码"), "{html}");
    driver.screenshot("password-forced.png").await;
    driver.type_into("#current_password", PASSWORD).await;
    driver
        .type_into("#new_password", "Inspector-Own-2026!")
        .await;
    driver
        .type_into("#new_password_again", "Inspector-Own-2026!")
        .await;
    driver.click("#change-password").await;
    driver
        .wait_for("the dashboard", |url, _| url.ends_with("/dashboard"))
        .await;
}
