//! A busy database (issue 16.2): under concurrent writes no audit entry is
//! dropped and no write answers 500; past the writer's bound it is 503.

use serde_json::json;

use crate::support::{gas_stove_json, EngineKind, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_are_all_audited_and_none_fails() {
    for app in TestApp::each_engine().await {
        let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (status, product) = app
            .post(&maker, "/api/v1/products", &gas_stove_json("JZT-BUSY"))
            .await;
        assert_eq!(status, 201, "{product}");
        let id = product["id"].as_i64().unwrap();
        let before = app
            .scalar("select count(*) from audit_log where action like 'api PATCH%'")
            .await;
        let rounds = 12;
        let width = 24;
        let mut statuses = Vec::new();
        for round in 0..rounds {
            let sends: Vec<_> = (0..width)
                .map(|i| {
                    let (client, url, key) = (
                        app.client.clone(),
                        app.url(&format!("/api/v1/products/{id}")),
                        maker.clone(),
                    );
                    tokio::spawn(async move {
                        let request = if i % 3 == 0 {
                            client.get(url)
                        } else {
                            client.patch(url).json(
                                &json!({"instructions": format!("第 {round} 轮第 {i} 次说明")}),
                            )
                        };
                        let r = request.bearer_auth(key).send().await.unwrap();
                        (r.status().as_u16(), r.text().await.unwrap())
                    })
                })
                .collect();
            for send in sends {
                statuses.push(send.await.unwrap());
            }
        }
        let failed: Vec<_> = statuses.iter().filter(|(s, _)| *s != 200).collect();
        assert!(
            failed.is_empty(),
            "{:?}: {} of {} failed, first {:?}",
            app.engine_kind,
            failed.len(),
            statuses.len(),
            failed.first()
        );
        let patches = (rounds * width * 2 / 3) as i64;
        let after = app
            .scalar("select count(*) from audit_log where action like 'api PATCH%'")
            .await;
        assert_eq!(
            after - before,
            patches,
            "{:?}: audit entries",
            app.engine_kind
        );
    }
}

/// Another writer holds the database for a moment (a checkpoint emptying
/// the WAL, `zhisu backup`, a second process): requests wait their turn
/// and every one is done and audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_wait_for_a_moment_of_another_writer() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (status, product) = app
        .post(&maker, "/api/v1/products", &gas_stove_json("JZT-HOLD"))
        .await;
    assert_eq!(status, 201, "{product}");
    let id = product["id"].as_i64().unwrap();
    let before = app
        .scalar("select count(*) from audit_log where action like 'api PATCH%'")
        .await;
    let mut outcomes = Vec::new();
    for round in 0..4 {
        let sends: Vec<_> = (0..8)
            .map(|i| {
                let (client, url, key) = (
                    app.client.clone(),
                    app.url(&format!("/api/v1/products/{id}")),
                    maker.clone(),
                );
                tokio::spawn(async move {
                    // Spread over the hold: some start before it, some in it.
                    tokio::time::sleep(std::time::Duration::from_millis(i * 40)).await;
                    let r = client
                        .patch(url)
                        .json(&json!({"instructions": format!("第 {round} 轮第 {i} 次说明")}))
                        .bearer_auth(key)
                        .send()
                        .await
                        .unwrap();
                    (r.status().as_u16(), r.text().await.unwrap())
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        let hold = app.hold_writes("audit_log").await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        hold.release().await;
        for send in sends {
            outcomes.push(send.await.unwrap());
        }
    }
    let failed: Vec<_> = outcomes.iter().filter(|(s, _)| *s != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed, first {:?}",
        failed.len(),
        outcomes.len(),
        failed.first()
    );
    let after = app
        .scalar("select count(*) from audit_log where action like 'api PATCH%'")
        .await;
    assert_eq!(after - before, outcomes.len() as i64, "audit entries");
}

/// Past the bound (`write_wait_ms`) a write answers 503 with `Retry-After`
/// as problem+json, changes nothing, and goes through once sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_bound_a_write_is_busy_and_changes_nothing() {
    let settings = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(settings.path(), "write_wait_ms = 300\n").unwrap();
    let path = settings.path().to_path_buf();
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.common.config = Some(path);
    })
    .await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (clerk, _) = crate::pages::person(
        &app,
        "busy-clerk",
        "质量部王工",
        zhisu_domain::Role::ManufacturerAdmin,
        maker_id,
    )
    .await;
    let (status, product) = app
        .post(&maker, "/api/v1/products", &gas_stove_json("JZT-BOUND"))
        .await;
    assert_eq!(status, 201, "{product}");
    let url = format!("/api/v1/products/{}", product["id"]);
    let hold = app.hold_writes("records").await;
    let r = app
        .client
        .patch(app.url(&url))
        .bearer_auth(&maker)
        .json(&json!({"instructions": "改过的说明"}))
        .send()
        .await
        .unwrap();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let (status, problem) = crate::support::decode(r).await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(problem["type"], "/problems/busy");
    assert!(
        problem["detail"].as_str().unwrap().contains("系统繁忙"),
        "{problem}"
    );
    assert_eq!(retry_after.as_deref(), Some("5"));
    // A signed-in page is not served while its access cannot be logged.
    let page = clerk
        .get(app.url(&format!("/products/{}", product["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 503);
    let html = page.text().await.unwrap();
    assert!(html.contains("系统繁忙，本次操作未作任何更改"), "{html}");
    assert!(!html.contains("JZT-BOUND"), "the page's data is not served");
    hold.release().await;
    let (_, stored) = app.get(&maker, &url).await;
    assert_eq!(
        stored["instructions"], "使用前检查燃气软管",
        "nothing changed"
    );
    let (status, changed) = app
        .patch(&maker, &url, &json!({"instructions": "改过的说明"}))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["instructions"], "改过的说明");
}
