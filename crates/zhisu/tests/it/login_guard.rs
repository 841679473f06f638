//! Log-in failure handling (issue 16.4, 等保 level 3 登录失败处理): a log-in
//! locks for a while after repeated wrong passwords, one address is limited
//! across log-ins, an unknown log-in is treated and timed like a known
//! one, and every lock is in the audit log.

use crate::support::{EngineKind, TestApp, PASSWORD};

/// One log-in attempt from a fresh client: its status and page.
pub(crate) async fn attempt(app: &TestApp, login: &str, password: &str) -> (u16, String) {
    let (_, r) = crate::pages::log_in(app, login, password).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) async fn clerk(app: &TestApp, login: &str) {
    let account = zhisu_service::NewAccount::new(
        login,
        PASSWORD,
        "质量部王工",
        zhisu_domain::Role::PlatformAdmin,
    );
    app.service.create_user(None, account).await.unwrap();
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_log_in_for_a_while() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        clerk(&app, "guard-clerk").await;
        for n in 1..=4 {
            let (status, html) = attempt(&app, "guard-clerk", "wrong-password-9").await;
            assert_eq!(status, 401, "{engine}: attempt {n}");
            assert!(html.contains("登录名或密码错误"), "{engine}");
        }
        let (status, html) = attempt(&app, "guard-clerk", "wrong-password-9").await;
        assert_eq!(status, 429, "{engine}: the fifth failure locks");
        assert!(html.contains("已锁定"), "{engine}: {html}");
        assert!(html.contains("15 分钟"), "{engine}: says for how long");
        // The right password does not open a locked log-in.
        let (status, html) = attempt(&app, "guard-clerk", PASSWORD).await;
        assert_eq!(status, 429, "{engine}");
        assert!(html.contains("已锁定"), "{engine}");
        assert_eq!(
            app.scalar(
                "select count(*) from audit_log where action = 'session.lock' \
                 and target = 'login/guard-clerk'"
            )
            .await,
            1,
            "{engine}: one audit entry for the lock"
        );
        // Once the lock has run out, the right password works and the
        // count starts over.
        app.execute_raw(
            "update login_failures set locked_until = '2000-01-01T00:00:00.000000Z' \
             where login = 'guard-clerk'",
        )
        .await
        .unwrap();
        let (status, _) = attempt(&app, "guard-clerk", PASSWORD).await;
        assert_eq!(status, 303, "{engine}: opens after the lock");
        assert_eq!(
            app.scalar("select count(*) from login_failures where login = 'guard-clerk'")
                .await,
            0,
            "{engine}"
        );

        // An unknown log-in answers exactly as a known one: nobody learns
        // from the answers which log-ins exist.
        for _ in 1..=4 {
            let (status, html) = attempt(&app, "nobody-here", "wrong-password-9").await;
            assert_eq!(status, 401, "{engine}");
            assert!(html.contains("登录名或密码错误"), "{engine}");
        }
        let (status, html) = attempt(&app, "nobody-here", "wrong-password-9").await;
        assert_eq!(status, 429, "{engine}");
        assert!(html.contains("已锁定"), "{engine}");
    }
}

#[tokio::test]
async fn one_address_is_limited_across_log_ins() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    clerk(&app, "address-clerk").await;
    // Spraying: one wrong password each for many log-ins, none locked.
    for n in 0..30 {
        let (status, _) = attempt(&app, &format!("spray-{n}"), "wrong-password-9").await;
        assert_eq!(status, 401, "attempt {n}");
    }
    let (status, html) = attempt(&app, "address-clerk", PASSWORD).await;
    assert_eq!(status, 429, "the address is held back");
    assert!(html.contains("尝试过于频繁"), "{html}");
    assert!(
        app.scalar("select count(*) from audit_log where action = 'session.address-limit'")
            .await
            >= 1
    );
}

/// Equal work rather than equal measured time (a timed test is noise on a
/// loaded machine): checking a password with Argon2 is most of a log-in's
/// time, and an unknown log-in pays for exactly one check, as a known one
/// with a wrong password does.
#[tokio::test]
async fn unknown_log_ins_cost_a_password_check_like_wrong_passwords() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    clerk(&app, "timing-clerk").await;
    let before = app.service.password_checks();
    let (status, _) = attempt(&app, "timing-clerk", "wrong-password-9").await;
    assert_eq!(status, 401);
    assert_eq!(app.service.password_checks() - before, 1, "a known log-in");
    let (status, _) = attempt(&app, "timing-nobody", "wrong-password-9").await;
    assert_eq!(status, 401);
    assert_eq!(
        app.service.password_checks() - before,
        2,
        "an unknown log-in costs one check too"
    );
}
