//! 异常列表 (issue 18.3): a day of copied labels — four codes each scanned
//! past the limit — is listed among the period's anomalies (its scans and
//! its counterfeit alerts), through the API and on the page, each with a
//! link to the records behind it, and stacked by kind on 统计概览; the
//! alerts listed by class and day are exactly those; bad input is refused
//! naming the field.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::pages::signed_in;
use crate::scan::{active_batch_of, scan_json};
use crate::support::{gas_stove_json, EngineKind, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_copied_labels_is_listed_with_the_alerts_behind_it() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, _, codes) = active_batch_of(&app, &maker, gas_stove_json("ANOM-1"), 961).await;
    // Four codes scanned 51 times each: past the limit of 50, an alert each.
    for code in codes.iter().take(4) {
        for _ in 0..51 {
            assert_eq!(scan_json(&app, code, "").await.0, 200);
        }
    }
    app.service.flush_scans().await;
    let gd = app.key(Role::Regulator, None, &["440000"]).await;
    let today = zhisu_service::today_in_shanghai();
    let yesterday = today - chrono::Duration::days(1);

    // The alerts by class and day.
    let (status, listed) = app
        .get(
            &gd,
            &format!("/api/v1/alerts?class=counterfeit&from={today}&to={today}"),
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert!(listed.iter().all(|a| a["kind"] == "too-many-scans"));
    let (_, none) = app
        .get(
            &gd,
            &format!("/api/v1/alerts?class=diversion&from={today}&to={today}"),
        )
        .await;
    assert_eq!(none.as_array().unwrap().len(), 0);
    let (_, before) = app
        .get(
            &gd,
            &format!("/api/v1/alerts?from={yesterday}&to={yesterday}"),
        )
        .await;
    assert_eq!(before.as_array().unwrap().len(), 0, "none yesterday");
    for (query, field) in [
        ("class=fake", "class"),
        (&*format!("from={today}"), "to"),
        ("from=2026-13-01&to=2026-12-01", "from"),
    ] {
        let (status, body) = app.get(&gd, &format!("/api/v1/alerts?{query}")).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }

    // The period's anomalies: today's scans and counterfeit alerts.
    let from = today - chrono::Duration::days(27);
    let (status, list) = app
        .get(
            &gd,
            &format!("/api/v1/statistics/anomalies?from={from}&to={today}"),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let anomalies = list["anomalies"].as_array().unwrap();
    let of = |id: &str| {
        anomalies
            .iter()
            .find(|a| a["indicator"] == id && a["from"] == today.to_string())
            .unwrap_or_else(|| panic!("no {id} anomaly today: {list}"))
    };
    assert_eq!(of("scans")["value"], 204);
    assert_eq!(of("alerts_counterfeit")["value"], 4);
    assert_eq!(of("alerts_counterfeit")["alert_class"], "counterfeit");
    assert!(of("scans")["alert_class"].is_null());
    assert!(
        anomalies
            .iter()
            .all(|a| a["indicator"] != "alerts_diversion"),
        "nothing else: {list}"
    );
    for (query, field) in [
        ("by=hour", "by"),
        (&*format!("from={today}&to={from}"), "from"),
        ("k=50", "k"),
    ] {
        let (status, body) = app
            .get(&gd, &format!("/api/v1/statistics/anomalies?{query}"))
            .await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }

    // On the page: the list, and the link to the alerts behind a count.
    app.service
        .create_user(
            None,
            NewAccount::new("an-gd", PASSWORD, "广东省局 吴科员", Role::Regulator)
                .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    let (page, _) = signed_in(&app, "an-gd").await;
    let get = |path: String| {
        let page = page.clone();
        let url = app.url(&path);
        async move { page.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let dashboard = get("/statistics".into()).await;
    assert!(
        dashboard.contains("id=\"anomalies-link\""),
        "the dashboard links the list"
    );
    // The alerts by kind, stacked, with today's four counterfeits in its table.
    let mix = &dashboard[dashboard
        .find("id=\"alert-mix\"")
        .expect("the stacked alerts")..];
    assert!(mix.starts_with("id=\"alert-mix\"><svg"), "{}", &mix[..200]);
    let table = &mix[mix.find("id=\"alert-mix-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let today_row = &table[table.rfind("<tr").unwrap()..];
    assert!(
        today_row.contains(">4<") && today_row.contains(">0<"),
        "four counterfeit, no diversion: {today_row}"
    );
    let html = get(format!("/statistics/anomalies?from={from}&to={today}")).await;
    let table = &html[html.find("id=\"anomalies\"").expect("the list")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(
        table.contains("扫码次数") && table.contains("仿冒预警数"),
        "{table}"
    );
    assert!(table.contains("偏高"), "{table}");
    let link = format!("/alerts?class=counterfeit&amp;from={today}&amp;to={today}");
    assert!(table.contains(&link), "{table}");
    let alerts = get(format!("/alerts?class=counterfeit&from={today}&to={today}")).await;
    assert!(alerts.contains("仅列出：仿冒预警"), "{alerts}");
    for code in codes.iter().take(4) {
        let key = code.rsplit("/21/").next().unwrap();
        assert!(alerts.contains(key), "the alert of {code}");
    }
    let empty = get(format!("/alerts?class=diversion&from={today}&to={today}")).await;
    assert!(
        !empty.contains("id=\"alerts\""),
        "no diversion alerts listed"
    );
    let wrong = get(format!("/statistics/anomalies?from={today}&to={from}")).await;
    assert!(wrong.contains("id=\"anomalies-error\""), "{wrong}");
}
