//! Periodic quantity reporting (issue 19.5, P5.3.3.3) through a real
//! server on both engines: a 一物一码 product reports daily and exactly, a
//! 一批一码 one an estimate monthly (its enterprise's pick); wrong reports
//! are refused at their fields; the day's reminding tells the enterprise
//! of each period it missed once, tells its region's regulators of a run
//! of misses, leaves a paused product alone, and run again sends nothing.

use chrono::Duration;
use serde_json::{json, Value};
use zhisu_domain::Role;
use zhisu_service::today_in_shanghai;

use crate::epcis::problem_fields;
use crate::support::{gas_stove_json, TestApp};

#[tokio::test]
async fn missed_reports_remind_the_enterprise_once_and_a_run_reaches_the_regulator() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;

        let (status, daily) = app
            .post(&key, "/api/v1/products", &gas_stove_json("RPT-D"))
            .await;
        assert_eq!(status, 201, "{engine}: {daily}");
        let daily = daily["id"].as_i64().unwrap();
        let mut monthly = gas_stove_json("RPT-M");
        monthly["trace_level"] = json!("per-batch");
        monthly["reporting_cadence"] = json!("daily");
        let (status, refused) = app.post(&key, "/api/v1/products", &monthly).await;
        assert_eq!(
            status, 422,
            "{engine}: a 一批一码 product cannot report daily"
        );
        assert_eq!(problem_fields(&refused), ["reporting_cadence"], "{engine}");
        monthly["reporting_cadence"] = json!("monthly");
        let (_, monthly) = app.post(&key, "/api/v1/products", &monthly).await;
        let monthly = monthly["id"].as_i64().unwrap();
        let mut paused = gas_stove_json("RPT-P");
        paused["paused"] = json!(true);
        let (_, paused) = app.post(&key, "/api/v1/products", &paused).await;
        let paused = paused["id"].as_i64().unwrap();
        // Filed half a year ago: reports are owed.
        let long_ago = format!("{}T00:00:00Z", today_in_shanghai() - Duration::days(190));
        app.execute_raw(&format!(
            "update records set created_at = '{long_ago}' where id in ({daily}, {monthly}, {paused})"
        ))
        .await
        .unwrap();

        let (status, reporting) = app
            .get(&key, &format!("/api/v1/products/{daily}/reports"))
            .await;
        assert_eq!(status, 200, "{engine}: {reporting}");
        assert_eq!(reporting["cadence"], "daily");
        assert_eq!(reporting["exact"], true);
        let missed: Vec<String> = serde_json::from_value(reporting["missed"].clone()).unwrap();
        assert!(!missed.is_empty(), "{engine}: {reporting}");
        let (_, estimate) = app
            .get(&key, &format!("/api/v1/products/{monthly}/reports"))
            .await;
        assert_eq!(estimate["cadence"], "monthly", "{engine}");
        assert_eq!(estimate["exact"], false, "{engine}");
        let (_, quiet) = app
            .get(&key, &format!("/api/v1/products/{paused}/reports"))
            .await;
        assert_eq!(
            quiet["missed"],
            json!([]),
            "{engine}: a paused product owes nothing"
        );

        // Wrong reports, each named at its field; nothing kept.
        let post = |product: i64, body: Value| {
            let app = &app;
            let key = key.clone();
            async move {
                app.post(&key, &format!("/api/v1/products/{product}/reports"), &body)
                    .await
            }
        };
        let tomorrow = (today_in_shanghai() + Duration::days(1)).to_string();
        for (body, field) in [
            (json!({"period": missed[0]}), "quantity"),
            (json!({"period": "2026-Q3", "quantity": 3}), "period"),
            (json!({"period": tomorrow, "quantity": 3}), "period"),
            (json!({"period": missed[0], "quantity": -1}), "quantity"),
        ] {
            let (status, problem) = post(daily, body.clone()).await;
            assert_eq!(status, 422, "{engine}: {body} {problem}");
            assert_eq!(problem_fields(&problem), [field], "{engine}: {body}");
        }
        let (status, _) = post(daily, json!({"period": missed[0], "colour": 1})).await;
        assert_eq!(status, 422, "{engine}: an unknown field");
        let (status, _) = app
            .post(
                &other,
                &format!("/api/v1/products/{daily}/reports"),
                &json!({"period": missed[0], "quantity": 1}),
            )
            .await;
        assert!(status == 403 || status == 404, "{engine}: {status}");
        assert_eq!(
            app.scalar("select count(*) from quantity_reports").await,
            0,
            "{engine}"
        );

        // The latest day missed reported (nothing made that day), then
        // corrected: one report, the correction kept.
        let latest = missed.last().unwrap().clone();
        let (status, report) = post(daily, json!({"period": latest, "quantity": 0})).await;
        assert_eq!(status, 201, "{engine}: {report}");
        assert_eq!(report["estimate"], false);
        let (status, _) = post(
            daily,
            json!({"period": latest, "quantity": 12, "note": "补报"}),
        )
        .await;
        assert_eq!(status, 201, "{engine}");
        let (_, reporting) = app
            .get(&key, &format!("/api/v1/products/{daily}/reports"))
            .await;
        assert_eq!(
            reporting["reports"].as_array().unwrap().len(),
            1,
            "{engine}"
        );
        assert_eq!(reporting["reports"][0]["quantity"], 12, "{engine}");
        let still: Vec<String> = serde_json::from_value(reporting["missed"].clone()).unwrap();
        assert_eq!(still.len(), missed.len() - 1, "{engine}");
        assert!(!still.contains(&latest), "{engine}");

        // The day's reminding: each missed period once, to the enterprise.
        let run = app
            .service
            .send_reporting_reminders(today_in_shanghai())
            .await
            .unwrap();
        assert_eq!(
            run.reminded,
            still.len() + 1,
            "{engine}: the days and the month"
        );
        assert_eq!(run.escalated, 1, "{engine}: two months in a row");
        let (_, inbox) = app.get(&key, "/api/v1/inbox").await;
        let inbox = inbox.as_array().unwrap().clone();
        assert_eq!(inbox.len(), run.reminded, "{engine}");
        assert!(inbox
            .iter()
            .all(|m| !m["title"].as_str().unwrap().contains("RPT-P")));
        let month = inbox
            .iter()
            .find(|m| m["title"].as_str().unwrap().contains("RPT-M"))
            .expect("the month's reminder");
        assert!(
            month["title"].as_str().unwrap().contains("预估产量"),
            "{month}"
        );
        assert_eq!(month["link"], format!("/products/{monthly}#reporting"));
        // The regulators of the region, and only they, hear of the run.
        let (_, told) = app.get(&gd, "/api/v1/inbox").await;
        assert_eq!(told.as_array().unwrap().len(), 1, "{engine}: {told}");
        assert!(told[0]["body"]
            .as_str()
            .unwrap()
            .contains("测试manufacturer有限公司"));
        assert_eq!(told[0]["kind"], "reporting-escalation");
        let (_, elsewhere) = app.get(&zj, "/api/v1/inbox").await;
        assert_eq!(elsewhere, json!([]), "{engine}");
        // Read by its enterprise; not another's to read.
        let id = inbox[0]["id"].as_i64().unwrap();
        let (status, _) = app
            .post(&other, &format!("/api/v1/inbox/{id}/read"), &json!({}))
            .await;
        assert_eq!(status, 404, "{engine}");
        let (status, _) = app
            .post(&key, &format!("/api/v1/inbox/{id}/read"), &json!({}))
            .await;
        assert_eq!(status, 204, "{engine}");
        let (_, inbox) = app.get(&key, "/api/v1/inbox").await;
        assert!(inbox[0]["read_at"].is_string(), "{engine}");

        // Again the same day: nothing new; every reminder logged as sent.
        let again = app
            .service
            .send_reporting_reminders(today_in_shanghai())
            .await
            .unwrap();
        assert_eq!((again.reminded, again.escalated), (0, 0), "{engine}");
        assert_eq!(
            app.scalar("select count(*) from reminders where status = 'sent' and attempts = 1")
                .await,
            (run.reminded + run.escalated) as i64,
            "{engine}"
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from audit_log where action = 'product.report' and enterprise_id = {maker}"
            ))
            .await,
            2,
            "{engine}"
        );
        assert!(app.ledger_verify().await.status.success(), "{engine}");
    }
}
