//! EPCIS events are scoped like records (issue 16.7), on both engines: a
//! regulator reads the events of the enterprises it oversees, and an
//! eventID is one enterprise's: another cannot take it first, so that the
//! first one's capture is dropped as a duplicate, nor learn that it exists.

use serde_json::Value;
use zhisu_domain::Role;

use crate::epcis::{capture, events, many_events};
use crate::support::TestApp;

/// Three events with fixed eventIDs, observed at serials from `first`.
fn with_ids(first: usize) -> Value {
    let mut doc = many_events(3);
    for (i, event) in doc["epcisBody"]["eventList"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        event["eventID"] = format!("urn:uuid:6f1c9e5a-1607-4000-8000-00000000000{i}").into();
        event["epcList"] = serde_json::json!([format!(
            "https://id.gs1.org/01/06970000000017/21/{:010}",
            first + i
        )]);
    }
    doc
}

async fn query(app: &TestApp, key: &str, path: &str) -> (u16, Vec<String>) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let doc: Value = r.json().await.unwrap_or(Value::Null);
    let mut epcs: Vec<String> = events(&doc)
        .iter()
        .chain(std::iter::once(&doc).filter(|d| d.get("epcList").is_some()))
        .flat_map(|e| e["epcList"].as_array().cloned().unwrap_or_default())
        .map(|epc| epc.as_str().unwrap().to_string())
        .collect();
    epcs.sort();
    (status, epcs)
}

fn serials_of(epcs: &[String]) -> Vec<String> {
    epcs.iter()
        .map(|e| {
            e.rsplit('/')
                .next()
                .unwrap()
                .trim_start_matches('0')
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn events_are_scoped_like_records_and_identity_is_per_enterprise() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, gd_maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, zj_maker) = app.enterprise(&admin, "manufacturer", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;

        // The Zhejiang maker takes the eventIDs first; the Guangdong maker's
        // capture of its own events with those IDs is stored whole.
        let (status, squat) = capture(&app, &zj_maker, &with_ids(100).to_string(), None).await;
        assert_eq!(status, 202, "{engine}: {squat}");
        let (status, mine) = capture(&app, &gd_maker, &with_ids(200).to_string(), None).await;
        assert_eq!(status, 202, "{engine}: {mine}");
        assert_eq!(
            (mine["events"].as_u64(), mine["duplicates"].as_u64()),
            (Some(3), Some(0)),
            "{engine}: nothing dropped, nothing told: {mine}"
        );
        // Within one enterprise an eventID is still captured once.
        let (_, again) = capture(&app, &gd_maker, &with_ids(200).to_string(), None).await;
        assert_eq!(again["duplicates"], 3, "{engine}: {again}");

        let (_, seen) = query(&app, &gd_maker, "/epcis/events").await;
        assert_eq!(serials_of(&seen), ["200", "201", "202"], "{engine}");
        let (_, seen) = query(&app, &zj_maker, "/epcis/events").await;
        assert_eq!(serials_of(&seen), ["100", "101", "102"], "{engine}");

        // Regulators read their own provinces' events only.
        let (status, seen) = query(&app, &gd, "/epcis/events").await;
        assert_eq!(status, 200);
        assert_eq!(
            serials_of(&seen),
            ["200", "201", "202"],
            "{engine}: Guangdong"
        );
        let (_, seen) = query(&app, &zj, "/epcis/events").await;
        assert_eq!(
            serials_of(&seen),
            ["100", "101", "102"],
            "{engine}: Zhejiang"
        );
        let (_, seen) = query(&app, &admin, "/epcis/events").await;
        assert_eq!(seen.len(), 6, "{engine}: the operator reads all");

        // One event by its ID: each reader gets its own, or nothing.
        let one = "/epcis/events/urn:uuid:6f1c9e5a-1607-4000-8000-000000000000";
        let (status, seen) = query(&app, &gd, one).await;
        assert_eq!(status, 200, "{engine}");
        assert_eq!(serials_of(&seen), ["200"], "{engine}");
        let js = app.key(Role::Regulator, None, &["320000"]).await;
        let (status, _) = query(&app, &js, one).await;
        assert_eq!(status, 404, "{engine}: Jiangsu oversees neither");

        // A capture's outcome too: Zhejiang's regulator reads the Zhejiang
        // maker's, Guangdong's does not.
        let outcome = format!("/epcis/capture/{}", squat["captureID"].as_str().unwrap());
        assert_eq!(app.get(&zj, &outcome).await.0, 200, "{engine}");
        assert_eq!(app.get(&gd, &outcome).await.0, 404, "{engine}");
    }
}

/// A regulator's subscriptions (kept ones posted to a webhook, and a
/// WebSocket stream) report the events of its own provinces only, though
/// its named query lives in the platform's namespace that every
/// regulator shares.
#[tokio::test]
async fn a_regulators_subscriptions_report_its_provinces_only() {
    use crate::subscriptions::{document, next_report, serials, socket, Receiver};
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, gd_maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, zj_maker) = app.enterprise(&admin, "manufacturer", "330106").await;
    let zj = app.key(Role::Regulator, None, &["330000"]).await;
    let (status, _) = app
        .post(
            &zj,
            "/epcis/queries",
            &serde_json::json!({"name": "shipping", "query": {"EQ_bizStep": "shipping"}}),
        )
        .await;
    assert_eq!(status, 201);
    let receiver = Receiver::default();
    let dest = receiver.start().await;
    let (status, created) = app
        .post(
            &zj,
            "/epcis/queries/shipping/subscriptions",
            &serde_json::json!({"dest": dest, "stream": true}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["subscriptionID"].as_str().unwrap().to_string();
    let mut stream = socket(&app, &zj, "/epcis/queries/shipping/events?stream=true")
        .await
        .unwrap();

    let (status, _) = capture(&app, &gd_maker, &document(&[1, 2], &[]), None).await;
    assert_eq!(status, 202);
    let (status, _) = capture(&app, &zj_maker, &document(&[3], &[]), None).await;
    assert_eq!(status, 202);
    assert_eq!(
        serials(&next_report(&mut stream).await),
        ["0000000003"],
        "the stream skips Guangdong's events"
    );
    receiver
        .until("a report", |r| !r.reports(&id).is_empty())
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let reported: Vec<String> = receiver
        .reports(&id)
        .iter()
        .flat_map(|(_, _, doc)| serials(doc))
        .collect();
    assert_eq!(reported, ["0000000003"], "the webhook gets Zhejiang's only");
}
