//! A regulator enrols for one-time codes in Chromium (issue 16.16): the
//! log-in lands on the enrolment page with its QR code and key; the code
//! an authenticator app would show opens the dashboard.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::Driver;
use crate::support::{EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulator_enrols_for_one_time_codes_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "two_factor_roles = [\"regulator\"]\n").unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.common.config = Some(path);
        args.two_factor_roles = None;
    })
    .await;
    let account = NewAccount::new("chr-tf", PASSWORD, "广东省局 周科员", Role::Regulator)
        .jurisdiction(&["440000".into()]);
    app.service.create_user(None, account).await.unwrap();

    driver.goto(&app.url("/login")).await;
    driver.type_into("#login", "chr-tf").await;
    driver.type_into("#password", PASSWORD).await;
    driver.click("button[type='submit']").await;
    let html = driver
        .wait_for("the enrolment page", |url, _| url.ends_with("/totp/setup"))
        .await;
    assert!(
        html.contains("id=\"totp-qr\"") && html.contains("<svg"),
        "{html}"
    );
    driver.screenshot("totp-setup.png").await;
    let secret = html
        .split("id=\"totp-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    let bytes = totp_rs::Secret::Encoded(secret).to_bytes().unwrap();
    let code = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "t".into())
        .unwrap()
        .generate_current()
        .unwrap();
    driver.type_into("#totp-code", &code).await;
    driver.click("#totp-submit").await;
    driver
        .wait_for("the dashboard", |url, _| url.ends_with("/dashboard"))
        .await;
}
