//! 等保 level 3 for accounts (issue 16.5), on both engines: an account
//! whose password an admin chose changes it at its first log-in before it
//! can do anything else; a change asks for the current password, keeps to
//! the policy and ends the person's other sessions; a session unused for
//! `session_idle_minutes` ends.

use reqwest::multipart::Form;
use zhisu_domain::Role;

use crate::pages::signed_in;
use crate::support::{TestApp, PASSWORD};

async fn status_of(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location)
}

async fn change(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    current: &str,
    new: &str,
    again: &str,
) -> (u16, String) {
    let form = Form::new()
        .text("csrf", csrf.to_string())
        .text("current_password", current.to_string())
        .text("new_password", new.to_string())
        .text("new_password_again", again.to_string());
    let r = client
        .post(app.url("/password"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_password_an_admin_chose_is_changed_at_the_first_log_in() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app
            .service
            .create_user(
                None,
                zhisu_service::NewAccount::new(
                    "pw-admin",
                    PASSWORD,
                    "安全管理员",
                    Role::SecurityAdmin,
                ),
            )
            .await
            .unwrap();
        let admin = zhisu_service::principal_of_user(&admin);
        let account = zhisu_service::NewAccount::new(
            "pw-regulator",
            PASSWORD,
            "广东省局 赵科员",
            Role::Regulator,
        )
        .jurisdiction(&["440000".into()]);
        app.service
            .create_user(Some(&admin), account)
            .await
            .unwrap();

        // Signed in, but every page sends the person to the change form.
        let (client, csrf) = signed_in(&app, "pw-regulator").await;
        let (other_client, _) = signed_in(&app, "pw-regulator").await;
        for path in ["/dashboard", "/enterprises", "/audit"] {
            assert_eq!(
                status_of(&client, &app, path).await,
                (303, "/password".to_string()),
                "{engine}: {path}"
            );
        }
        let html = client
            .get(app.url("/password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"password-forced\""), "{engine}: {html}");

        // Refused, each with a sentence naming the field; nothing changes.
        let strong = "Gd-Regulator-2026!";
        for (current, new, again, says) in [
            (
                "wrong-current-9",
                strong,
                strong,
                "当前密码: 当前密码不正确",
            ),
            (PASSWORD, "aaaaaaaaaa", "aaaaaaaaaa", "新密码:"),
            (
                PASSWORD,
                strong,
                "Gd-Regulator-2027!",
                "再次输入新密码: 两次输入的新密码不一致",
            ),
            (PASSWORD, PASSWORD, PASSWORD, "新密码不能与当前密码相同"),
        ] {
            let (status, html) = change(&client, &app, &csrf, current, new, again).await;
            assert_eq!(status, 422, "{engine}: {says}");
            assert!(html.contains(says), "{engine}: {says}: {html}");
        }
        assert_eq!(
            status_of(&client, &app, "/dashboard").await.0,
            303,
            "{engine}: still to change"
        );

        let (status, _) = change(&client, &app, &csrf, PASSWORD, strong, strong).await;
        assert_eq!(status, 303, "{engine}");
        assert_eq!(
            status_of(&client, &app, "/dashboard").await.0,
            200,
            "{engine}"
        );
        assert_eq!(
            status_of(&other_client, &app, "/dashboard").await,
            (303, "/login?next=%2Fdashboard".to_string()),
            "{engine}: the other session ended"
        );
        assert_eq!(
            app.scalar("select count(*) from audit_log where action = 'user.password-change'")
                .await,
            1,
            "{engine}"
        );
        // The new password opens the account; the admin's no longer does.
        let attempt = crate::login_guard::attempt;
        assert_eq!(
            attempt(&app, "pw-regulator", PASSWORD).await.0,
            401,
            "{engine}"
        );
        assert_eq!(
            attempt(&app, "pw-regulator", strong).await.0,
            303,
            "{engine}"
        );
    }
}

#[tokio::test]
async fn an_idle_session_ends() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    app.service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "idle-clerk",
                PASSWORD,
                "质量部王工",
                Role::PlatformAdmin,
            ),
        )
        .await
        .unwrap();
    let (client, _) = signed_in(&app, "idle-clerk").await;
    assert_eq!(status_of(&client, &app, "/dashboard").await.0, 200);
    // Thirty-one minutes without a request (the default allows thirty).
    let idle = (chrono::Utc::now() - chrono::Duration::minutes(31))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    app.execute_raw(&format!("update sessions set last_seen_at = '{idle}'"))
        .await
        .unwrap();
    assert_eq!(
        status_of(&client, &app, "/dashboard").await,
        (303, "/login?next=%2Fdashboard".to_string())
    );
    assert_eq!(
        app.scalar("select count(*) from sessions").await,
        0,
        "ended"
    );
}
