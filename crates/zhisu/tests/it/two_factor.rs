//! Two-factor log-in (issue 16.16, 等保 双因素鉴别), on both engines: with
//! `two_factor_roles` set, a regulator enrols at its first log-in (a QR code
//! and the secret, confirmed with a code) and every later log-in asks for a
//! code; a code is taken once; wrong codes lock like wrong passwords; other
//! roles log in as before.

use reqwest::multipart::Form;
use totp_rs::{Algorithm, Secret, TOTP};
use zhisu_domain::Role;

use crate::pages::{csrf_of, signed_in};
use crate::support::{EngineKind, TestApp, PASSWORD};

fn code_at(secret: &str, step: u64) -> String {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "t".into())
        .unwrap()
        .generate(step * 30)
}

fn step_now() -> u64 {
    chrono::Utc::now().timestamp() as u64 / 30
}

async fn send_code(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    code: &str,
) -> (u16, String, String) {
    let html = client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = Form::new()
        .text("csrf", csrf_of(&html))
        .text("code", code.to_string());
    let r = client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

async fn lands_on(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let r = client.get(app.url(path)).send().await.unwrap();
    r.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_else(|| path.to_string())
}

#[tokio::test]
async fn regulators_log_in_with_a_one_time_code() {
    for kind in [EngineKind::Sqlite, EngineKind::Postgres] {
        if kind == EngineKind::Postgres && std::env::var("ZHISU_TEST_DATABASE_URL").is_err() {
            continue;
        }
        let config = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            config.path(),
            "two_factor_roles = [\"platform-admin\", \"regulator\"]\n",
        )
        .unwrap();
        let path = config.path().to_path_buf();
        let app = TestApp::spawn_with(kind, |args| {
            args.common.config = Some(path);
            args.two_factor_roles = None;
        })
        .await;
        let engine = format!("{kind:?}");
        let account = zhisu_service::NewAccount::new(
            "tf-regulator",
            PASSWORD,
            "广东省局 孙科员",
            Role::Regulator,
        )
        .jurisdiction(&["440000".into()]);
        app.service.create_user(None, account).await.unwrap();

        // First log-in: every page sends the regulator to enrol.
        let (client, _) = signed_in(&app, "tf-regulator").await;
        assert_eq!(
            lands_on(&client, &app, "/dashboard").await,
            "/totp/setup",
            "{engine}"
        );
        let page = client
            .get(app.url("/totp/setup"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<svg"), "{engine}: a QR code");
        let secret = page
            .split("id=\"totp-secret\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_string();
        let (status, _, html) = send_code(&client, &app, "/totp/setup", "000000").await;
        assert_eq!(status, 422, "{engine}");
        assert!(
            html.contains("动态口令: 动态口令不正确"),
            "{engine}: {html}"
        );
        let now = step_now();
        let (status, location, _) =
            send_code(&client, &app, "/totp/setup", &code_at(&secret, now)).await;
        assert_eq!((status, location.as_str()), (303, "/dashboard"), "{engine}");
        assert_eq!(
            lands_on(&client, &app, "/dashboard").await,
            "/dashboard",
            "{engine}"
        );
        assert_eq!(
            app.scalar("select count(*) from audit_log where action = 'user.totp-enable'")
                .await,
            1,
            "{engine}"
        );

        // A later log-in asks for a code; the next step's code passes, and
        // is not taken twice.
        let (second, _) = signed_in(&app, "tf-regulator").await;
        assert_eq!(
            lands_on(&second, &app, "/dashboard").await,
            "/totp/verify",
            "{engine}"
        );
        let next = code_at(&secret, now + 1);
        let (status, location, _) = send_code(&second, &app, "/totp/verify", &next).await;
        assert_eq!((status, location.as_str()), (303, "/dashboard"), "{engine}");
        let (third, _) = signed_in(&app, "tf-regulator").await;
        let (status, _, html) = send_code(&third, &app, "/totp/verify", &next).await;
        assert_eq!(status, 422, "{engine}: a code is taken once: {html}");

        // Wrong codes lock the log-in, and the half-signed session ends.
        // (The replayed code above was the first of five failures.)
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(send_code(&third, &app, "/totp/verify", "123456").await.0);
        }
        assert_eq!(statuses, [422, 422, 422, 429], "{engine}");
        assert_eq!(
            lands_on(&third, &app, "/dashboard").await,
            "/login?next=%2Fdashboard",
            "{engine}: signed out"
        );
    }
}

#[tokio::test]
async fn roles_not_named_log_in_as_before() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "two_factor_roles = [\"regulator\"]\n").unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.common.config = Some(path);
        args.two_factor_roles = None;
    })
    .await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, _) = app.enterprise(&admin, "manufacturer", "440305").await;
    crate::pages::person(
        &app,
        "tf-clerk",
        "质量部王工",
        Role::ManufacturerAdmin,
        maker_id,
    )
    .await;
    let (client, _) = signed_in(&app, "tf-clerk").await;
    assert_eq!(lands_on(&client, &app, "/dashboard").await, "/dashboard");

    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "two_factor_roles = [\"inspector\"]\n").unwrap();
    let args = zhisu::settings::ServeArgs {
        common: zhisu::settings::CommonArgs {
            config: Some(bad.path().to_path_buf()),
            ..Default::default()
        },
        ..Default::default()
    };
    let refused = zhisu::settings::Settings::resolve(&args)
        .err()
        .unwrap()
        .to_string();
    assert!(refused.contains("unknown role \"inspector\""), "{refused}");
}

/// A regulator an admin made owes both a new password and enrolment: it
/// is sent to change the password first, then to enrol, never back and
/// forth between the two.
#[tokio::test]
async fn a_new_password_comes_before_enrolment() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "two_factor_roles = [\"regulator\"]\n").unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.common.config = Some(path);
        args.two_factor_roles = None;
    })
    .await;
    let admin = app
        .service
        .create_user(
            None,
            zhisu_service::NewAccount::new("tf-root", PASSWORD, "安全管理员", Role::SecurityAdmin),
        )
        .await
        .unwrap();
    let admin = zhisu_service::principal_of_user(&admin);
    let account = zhisu_service::NewAccount::new(
        "tf-new-regulator",
        PASSWORD,
        "广东省局 吴科员",
        Role::Regulator,
    )
    .jurisdiction(&["440000".into()]);
    app.service
        .create_user(Some(&admin), account)
        .await
        .unwrap();
    let (client, csrf) = signed_in(&app, "tf-new-regulator").await;
    assert_eq!(lands_on(&client, &app, "/dashboard").await, "/password");
    assert_eq!(
        lands_on(&client, &app, "/password").await,
        "/password",
        "the form opens"
    );
    let form = Form::new()
        .text("csrf", csrf)
        .text("current_password", PASSWORD)
        .text("new_password", "Guangdong-Own-2026!")
        .text("new_password_again", "Guangdong-Own-2026!");
    let r = client
        .post(app.url("/password"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(lands_on(&client, &app, "/dashboard").await, "/totp/setup");
    assert_eq!(lands_on(&client, &app, "/totp/setup").await, "/totp/setup");
}
