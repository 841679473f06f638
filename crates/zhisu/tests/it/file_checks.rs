//! Stored files looked at where they lie (V4 completeness, rule ZV-C-005)
//! on both engines: a licence deleted from the file folder and one whose
//! bytes were replaced are found by a full sweep once they are due a look
//! (a day after the last), named on the enterprises that reference them;
//! an untouched one is not; put back, they are resolved by the next sweep.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::kept_files::{kept, replace};
use crate::support::TestApp;

async fn full_sweep(app: &TestApp, key: &str) -> Value {
    let (status, sweep) = app
        .post(key, "/api/v1/verification/sweeps", &json!({"full": true}))
        .await;
    assert_eq!(status, 201, "{sweep}");
    sweep
}

/// The open ZV-C-005 findings: (enterprise, field, evidence), by enterprise.
async fn file_findings(app: &TestApp, key: &str) -> Vec<(i64, String, String)> {
    let (status, page) = app
        .get(
            key,
            "/api/v1/verification/findings?rule=ZV-C-005&status=open&limit=100",
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let mut out: Vec<(i64, String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["kind"], "enterprise", "{f}");
            (
                f["record_id"].as_i64().unwrap(),
                f["field"].as_str().unwrap().to_string(),
                f["evidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn licence_sha(app: &TestApp, admin: &str, enterprise: i64) -> String {
    let (status, e) = app
        .get(admin, &format!("/api/v1/enterprises/{enterprise}"))
        .await;
    assert_eq!(status, 200, "{e}");
    e["business_licence"]["sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_altered_file_is_found_on_the_records_that_reference_it() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (gone, _) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (altered, _) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (control, _) = app.enterprise(&admin, "manufacturer", "440305").await;
        // Where the engine keeps them: SQLite's folder, PostgreSQL's table.
        let gone_sha = licence_sha(&app, &admin, gone).await;
        let altered_sha = licence_sha(&app, &admin, altered).await;
        let control_sha = licence_sha(&app, &admin, control).await;
        let (gone_bytes, altered_bytes) = (
            kept(&app, &gone_sha).await.unwrap(),
            kept(&app, &altered_sha).await.unwrap(),
        );

        full_sweep(&app, &admin).await;
        assert_eq!(file_findings(&app, &admin).await, vec![], "{engine}");
        let looked: i64 = app.scalar("select count(*) from file_checks").await;
        assert!(
            looked >= 3,
            "{engine}: every referenced file looked at: {looked}"
        );

        replace(&app, &gone_sha, None).await;
        replace(
            &app,
            &altered_sha,
            Some(b"%PDF-1.4 not the licence that was filed"),
        )
        .await;
        // Looked at today already: a sound file is looked at again a day on.
        full_sweep(&app, &admin).await;
        assert_eq!(file_findings(&app, &admin).await, vec![], "{engine}");

        // A day later (as far as the last looks know).
        app.execute_raw("update file_checks set checked_at = '2000-01-01T00:00:00Z'")
            .await
            .unwrap();
        full_sweep(&app, &admin).await;
        let found = file_findings(&app, &admin).await;
        let fields: Vec<(i64, &str)> = found.iter().map(|(id, f, _)| (*id, f.as_str())).collect();
        assert_eq!(
            fields,
            [(gone, "business_licence"), (altered, "business_licence")],
            "{engine}: the control {control} is sound: {found:?}"
        );
        assert!(found[0].2.contains("已不在文件库中"), "{engine}: {found:?}");
        assert!(found[1].2.contains("内容已被改动"), "{engine}: {found:?}");
        assert!(kept(&app, &control_sha).await.is_some());
        // The regulator sees them on the enterprise's region too.
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        assert_eq!(file_findings(&app, &gd).await.len(), 2, "{engine}");

        // Put back from a backup: a faulty file is looked at by every sweep.
        replace(&app, &gone_sha, Some(&gone_bytes)).await;
        replace(&app, &altered_sha, Some(&altered_bytes)).await;
        full_sweep(&app, &admin).await;
        assert_eq!(file_findings(&app, &admin).await, vec![], "{engine}");
        let faulty: i64 = app
            .scalar("select count(*) from file_checks where fault is not null")
            .await;
        assert_eq!(faulty, 0, "{engine}");
    }
}

/// A batch whose report is gone, as the regulator reads it on 数据核查 and
/// on the finding's page: the batch once by its number after the word 批次
/// (its name carries the word for places that show no kind), the field by
/// its label, the evidence in Chinese.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_missing_report_reads_on_the_regulators_pages() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let batch = crate::production_days::active_batch(&app, &maker, "FC-1", "per-batch").await;
    let (_, body) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
    let sha = body["inspection_report"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    full_sweep(&app, &admin).await;
    replace(&app, &sha, None).await;
    app.execute_raw("update file_checks set checked_at = ''")
        .await
        .unwrap();
    full_sweep(&app, &admin).await;

    app.service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "fc-gd",
                crate::support::PASSWORD,
                "广东省局 文科员",
                Role::Regulator,
            )
            .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    let (client, _) = crate::pages::signed_in(&app, "fc-gd").await;
    let page = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let html = page("/verification?rule=ZV-C-005".into()).await;
    assert!(html.contains(">FC-1-1</a>"), "{html}");
    assert!(!html.contains("批次 批次"), "{html}");
    assert!(html.contains("出厂检验报告或型式检验报告"), "{html}");
    assert!(html.contains("已不在文件库中"), "{html}");
    let (_, found) = app
        .get(&admin, "/api/v1/verification/findings?rule=ZV-C-005")
        .await;
    let id = found["items"][0]["id"].as_i64().unwrap();
    let html = page(format!("/verification/findings/{id}")).await;
    assert!(html.contains(">FC-1-1</a>"), "{html}");
    assert!(!html.contains("批次 批次"), "{html}");
}
