//! EPCIS 2.0 query subscriptions over HTTP on both engines, reported to a
//! real webhook receiver on loopback: new events only, signed, in order,
//! again after the receiver fails, on a schedule, and never after
//! unsubscribing; bad requests keep nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::epcis::{capture, events, many_events, problem_fields};
use crate::support::{EngineKind, TestApp};

/// A report as taken: its `GS1-Signature` header and its body.
type Taken = (Option<String>, String);

/// A webhook receiver: keeps what it took (signature header and body) and
/// counts what it refused while `failing`.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    taken: Arc<Mutex<Vec<Taken>>>,
    refused: Arc<Mutex<usize>>,
    failing: Arc<AtomicBool>,
}

impl Receiver {
    pub(crate) async fn start(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: String| async move {
                    if me.failing.load(Ordering::SeqCst) {
                        *me.refused.lock().unwrap() += 1;
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let signature = headers
                        .get("gs1-signature")
                        .map(|v| v.to_str().unwrap().to_string());
                    me.taken.lock().unwrap().push((signature, body));
                    axum::http::StatusCode::OK
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/hook")
    }

    /// The reports taken for one subscription, as documents.
    pub(crate) fn reports(&self, subscription: &str) -> Vec<(Option<String>, String, Value)> {
        self.taken
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(sig, body)| {
                let doc: Value = serde_json::from_str(body).unwrap();
                (doc["epcisBody"]["queryResults"]["subscriptionID"] == subscription)
                    .then(|| (sig.clone(), body.clone(), doc))
            })
            .collect()
    }

    /// Waits (at most 15 s) until `done` holds.
    pub(crate) async fn until(&self, what: &str, done: impl Fn(&Receiver) -> bool) {
        for _ in 0..150 {
            if done(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("waited 15 s for {what}");
    }
}

/// The serials of a report's events, in order.
pub(crate) fn serials(doc: &Value) -> Vec<String> {
    events(doc)
        .iter()
        .map(|e| {
            let epc = e["epcList"][0].as_str().unwrap();
            epc.rsplit('/').next().unwrap().to_string()
        })
        .collect()
}

/// A document of ObjectEvents with these serials; `receiving` ones carry
/// another business step than the subscribed query's.
pub(crate) fn document(serials: &[usize], receiving: &[usize]) -> String {
    let mut doc = many_events(1);
    let template = doc["epcisBody"]["eventList"][0].clone();
    doc["epcisBody"]["eventList"] = serials
        .iter()
        .map(|i| {
            let mut e = template.clone();
            e["epcList"][0] = format!("https://id.gs1.org/01/06970000000017/21/{i:010}").into();
            if receiving.contains(i) {
                e["bizStep"] = "receiving".into();
            }
            e
        })
        .collect();
    doc.to_string()
}

fn expected(serials: &[usize]) -> Vec<String> {
    serials.iter().map(|i| format!("{i:010}")).collect()
}

/// A platform-admin key and a manufacturer's key whose namespace holds
/// the named query `shipping` (`EQ_bizStep=shipping`).
async fn maker_with_shipping_query(app: &TestApp) -> (String, String) {
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (status, _) = app
        .post(
            &maker,
            "/epcis/queries",
            &json!({"name": "shipping", "query": {"EQ_bizStep": "shipping"}}),
        )
        .await;
    assert_eq!(status, 201);
    (admin, maker)
}

#[tokio::test]
async fn subscriptions_report_new_matching_events_signed_until_taken() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let receiver = Receiver::default();
        let dest = receiver.start().await;
        let (admin, maker) = maker_with_shipping_query(&app).await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        // Stored before anyone subscribes: not news to a subscription
        // without initialRecordTime.
        let (status, _) = capture(&app, &maker, &document(&[1, 2, 3], &[]), None).await;
        assert_eq!(status, 202, "{engine}");

        // Refused, and nothing kept.
        let subscriptions = "/epcis/queries/shipping/subscriptions";
        for (bad, status, field) in [
            (json!({"dest": dest}), 422, Some("stream")),
            (
                json!({"dest": "ftp://x/y", "stream": true}),
                422,
                Some("dest"),
            ),
            (
                json!({"dest": dest, "schedule": {"minute": "61"}}),
                422,
                Some("schedule.minute"),
            ),
            (
                json!({"dest": dest, "stream": true, "schedule": {"hour": "1"}}),
                422,
                Some("schedule"),
            ),
            (json!(["dest"]), 422, None),
        ] {
            let (got, problem) = app.post(&maker, subscriptions, &bad).await;
            assert_eq!(got, status, "{engine}: {bad} → {problem}");
            if let Some(field) = field {
                assert!(
                    problem_fields(&problem).contains(&field),
                    "{engine}: {problem}"
                );
            }
        }
        for path in [subscriptions, "/epcis/queries"] {
            let r = app
                .client
                .post(app.url(path))
                .bearer_auth(&maker)
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 400, "{engine}: {path}");
            assert_eq!(
                r.headers()["content-type"],
                "application/problem+json",
                "{engine}: {path}"
            );
        }
        let (got, _) = app
            .post(
                &maker,
                "/epcis/queries/nope/subscriptions",
                &json!({"dest": dest, "stream": true}),
            )
            .await;
        assert_eq!(got, 404, "{engine}: no such query");
        let (got, _) = app
            .post(
                &other,
                subscriptions,
                &json!({"dest": dest, "stream": true}),
            )
            .await;
        assert_eq!(got, 404, "{engine}: another enterprise's query");
        let (_, listed) = app.get(&maker, subscriptions).await;
        assert_eq!(listed, json!([]), "{engine}");

        // A second server over the same database delivers too: each
        // subscription is leased to one of them, so nothing comes twice.
        let second = tokio::spawn(app.reopen().await.deliver_subscriptions());

        // A streaming subscription, signed.
        let token = "13df38d8275b13f05704629e5f1cf3d45d6132d5";
        let r = app
            .client
            .post(app.url(subscriptions))
            .bearer_auth(&maker)
            .json(&json!({"dest": dest, "signatureToken": token, "stream": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{engine}");
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let created: Value = r.json().await.unwrap();
        let id = created["subscriptionID"].as_str().unwrap().to_string();
        assert_eq!(location, format!("{subscriptions}/{id}"), "{engine}");
        assert_eq!(created["stream"], true, "{engine}");
        assert_eq!(created["signed"], true, "{engine}");
        assert!(
            !created.to_string().contains(token),
            "{engine}: the secret is not shown"
        );
        let sealed = app
            .strings("select signature_token from epcis_subscriptions")
            .await;
        assert!(
            !sealed[0].contains(token),
            "{engine}: the secret is sealed at rest"
        );

        // New events: only the shipping ones, in order, once, signed.
        let (status, _) = capture(&app, &maker, &document(&[4, 5, 6, 7, 8], &[6]), None).await;
        assert_eq!(status, 202, "{engine}");
        receiver
            .until("the first report", |r| !r.reports(&id).is_empty())
            .await;
        // Both servers have had a pass since (each wakes every second).
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let reports = receiver.reports(&id);
        assert_eq!(reports.len(), 1, "{engine}");
        let (signature, body, doc) = &reports[0];
        assert_eq!(serials(doc), expected(&[4, 5, 7, 8]), "{engine}");
        assert_eq!(doc["type"], "EPCISQueryDocument", "{engine}");
        assert_eq!(
            doc["epcisBody"]["queryResults"]["queryName"], "shipping",
            "{engine}"
        );
        zhisu_epcis::validate(doc).unwrap_or_else(|e| panic!("{engine}: {e:?}"));
        let mac = hmac_sha256(token, body.as_bytes());
        assert_eq!(signature.as_deref(), Some(mac.as_str()), "{engine}");

        // The receiver fails: the report is sent again until it is taken,
        // and the subscription says when it last was.
        let (_, before) = app.get(&maker, &location).await;
        let notified = before["lastNotifiedAt"].clone();
        assert!(notified.is_string(), "{engine}: {before}");
        receiver.failing.store(true, Ordering::SeqCst);
        let (status, _) = capture(&app, &maker, &document(&[9, 10], &[]), None).await;
        assert_eq!(status, 202, "{engine}");
        receiver
            .until("two refused reports", |r| *r.refused.lock().unwrap() >= 2)
            .await;
        let (_, during) = app.get(&maker, &location).await;
        assert_eq!(
            during["lastNotifiedAt"], notified,
            "{engine}: not taken yet"
        );
        receiver.failing.store(false, Ordering::SeqCst);
        receiver
            .until("the retried report", |r| r.reports(&id).len() == 2)
            .await;
        assert_eq!(
            serials(&receiver.reports(&id)[1].2),
            expected(&[9, 10]),
            "{engine}"
        );
        let (_, after) = app.get(&maker, &location).await;
        assert_ne!(after["lastNotifiedAt"], notified, "{engine}");

        // Leased by a server that is not this one: neither of these two
        // delivers it until that lease has ended, then one takes it over.
        let leases = app
            .strings("select distinct lease_holder from epcis_subscriptions")
            .await;
        assert_eq!(leases.len(), 1, "{engine}: one server holds it");
        app.execute_raw("update epcis_subscriptions set lease_holder = 'elsewhere', lease_until = '2999-01-01T00:00:00Z'")
            .await
            .unwrap();
        let (status, _) = capture(&app, &maker, &document(&[11], &[]), None).await;
        assert_eq!(status, 202, "{engine}");
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(receiver.reports(&id).len(), 2, "{engine}: held elsewhere");
        app.execute_raw("update epcis_subscriptions set lease_until = '2000-01-01T00:00:00Z'")
            .await
            .unwrap();
        receiver
            .until("the report after the takeover", |r| {
                r.reports(&id).len() == 3
            })
            .await;
        assert_eq!(
            serials(&receiver.reports(&id)[2].2),
            expected(&[11]),
            "{engine}"
        );

        // A schedule, every second, from the beginning of time, reporting
        // empty runs too: everything first, then empty reports.
        let (status, scheduled) = app
            .post(
                &maker,
                subscriptions,
                &json!({"dest": dest, "schedule": {"second": "0/1"}, "reportIfEmpty": true,
                    "initialRecordTime": "2000-01-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {scheduled}");
        let every_second = scheduled["subscriptionID"].as_str().unwrap().to_string();
        receiver
            .until("two scheduled reports", |r| {
                r.reports(&every_second).len() >= 2
            })
            .await;
        let runs = receiver.reports(&every_second);
        assert_eq!(
            serials(&runs[0].2),
            expected(&[1, 2, 3, 4, 5, 7, 8, 9, 10, 11]),
            "{engine}"
        );
        assert_eq!(runs[0].0, None, "{engine}: no token, no signature");
        assert!(
            serials(&runs[1].2).is_empty(),
            "{engine}: an empty run is reported"
        );

        // Listed, each once; another enterprise sees none of them.
        let (_, listed) = app.get(&maker, subscriptions).await;
        let ids: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscriptionID"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [id.as_str(), every_second.as_str()], "{engine}");
        let (got, _) = app.get(&other, &location).await;
        assert_eq!(got, 404, "{engine}");

        // Unsubscribed: no more reports.
        let gone = app
            .delete(&maker, &format!("{subscriptions}/{every_second}"))
            .await;
        assert_eq!(gone, 204, "{engine}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let count = receiver.reports(&every_second).len();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(receiver.reports(&every_second).len(), count, "{engine}");
        let (got, _) = app
            .get(&maker, &format!("{subscriptions}/{every_second}"))
            .await;
        assert_eq!(got, 404, "{engine}");

        // Deleting the query ends its subscriptions.
        let deleted = app.delete(&maker, "/epcis/queries/shipping").await;
        assert_eq!(deleted, 204, "{engine}");
        let left = app.strings("select id from epcis_subscriptions").await;
        assert!(left.is_empty(), "{engine}: {left:?}");
        second.abort();
    }
}

fn hmac_sha256(key: &str, body: &[u8]) -> String {
    // HMAC by its definition (RFC 2104), so the test does not lean on the
    // code it checks.
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key.as_bytes());
    let pad = |byte: u8| k.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(body)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    base64::engine::general_purpose::STANDARD.encode(outer)
}

/// Without `webhook_private_networks`, a subscription cannot point the
/// server inside its own network.
#[tokio::test]
async fn private_destinations_are_refused_by_default() {
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.webhook_private_networks = None;
    })
    .await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (status, _) = app
        .post(
            &admin,
            "/epcis/queries",
            &json!({"name": "all", "query": {}}),
        )
        .await;
    assert_eq!(status, 201);
    for dest in [
        "http://127.0.0.1:9/hook",
        "http://localhost:8080/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://192.168.1.10/x",
        // Issue 16.1: numeric forms of 127.0.0.1 the HTTP client accepts.
        "http://2130706433:9/hook",
        "http://0x7f000001:9/hook",
        "http://017700000001:9/hook",
        "http://127.1:9/hook",
        "http://[::ffff:7f00:1]:9/hook",
    ] {
        let (status, problem) = app
            .post(
                &admin,
                "/epcis/queries/all/subscriptions",
                &json!({"dest": dest, "stream": true}),
            )
            .await;
        assert_eq!(status, 422, "{dest}: {problem}");
        assert_eq!(problem_fields(&problem), ["dest"], "{dest}");
    }
    let (status, _) = app
        .post(
            &admin,
            "/epcis/queries/all/subscriptions",
            &json!({"dest": "https://client.example.com/cb", "stream": true}),
        )
        .await;
    assert_eq!(status, 201, "a public name is taken");
}

/// A WebSocket subscription with this API key.
pub(crate) async fn socket(
    app: &TestApp,
    key: &str,
    path_and_query: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = app.url(path_and_query).replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((stream, _)) => Ok(stream),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("{e}"),
    }
}

/// The next text message, as a document (at most 10 s).
pub(crate) async fn next_report(
    stream: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    use futures_util::StreamExt as _;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a report within 10 s")
            .expect("the socket is open")
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn websocket_subscriptions_stream_new_events_or_run_on_a_schedule() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let (_, maker) = maker_with_shipping_query(&app).await;
    let (status, _) = capture(&app, &maker, &document(&[1], &[]), None).await;
    assert_eq!(status, 202);

    // Bad parameters, unknown queries and missing keys: refused before the
    // upgrade, with the status a plain request would get.
    for (key, path, status) in [
        (&maker, "/epcis/queries/shipping/events?stream=maybe", 422),
        (
            &maker,
            "/epcis/queries/shipping/events?stream=true&hour=1",
            422,
        ),
        (&maker, "/epcis/queries/shipping/events", 422),
        (&maker, "/epcis/queries/nope/events?stream=true", 404),
        (
            &"zs_not_a_key".to_string(),
            "/epcis/queries/shipping/events?stream=true",
            401,
        ),
    ] {
        assert_eq!(socket(&app, key, path).await.err(), Some(status), "{path}");
    }

    // A stream: only what arrives after it opened, only what matches.
    let mut stream = socket(&app, &maker, "/epcis/queries/shipping/events?stream=true")
        .await
        .unwrap();
    let (status, _) = capture(&app, &maker, &document(&[2, 3, 4], &[3]), None).await;
    assert_eq!(status, 202);
    let report = next_report(&mut stream).await;
    assert_eq!(serials(&report), expected(&[2, 4]));
    assert_eq!(report["epcisBody"]["queryResults"]["queryName"], "shipping");
    zhisu_epcis::validate(&report).unwrap();
    let (status, _) = capture(&app, &maker, &document(&[5], &[]), None).await;
    assert_eq!(status, 202);
    assert_eq!(serials(&next_report(&mut stream).await), expected(&[5]));

    // A schedule every second from the start: everything, then empty runs.
    let mut scheduled = socket(
        &app,
        &maker,
        "/epcis/queries/shipping/events?second=0/1&reportIfEmpty=true&initialRecordTime=2000-01-01T00:00:00Z",
    )
    .await
    .unwrap();
    assert_eq!(
        serials(&next_report(&mut scheduled).await),
        expected(&[1, 2, 4, 5])
    );
    assert!(serials(&next_report(&mut scheduled).await).is_empty());
    stream.close(None).await.unwrap();
    scheduled.close(None).await.unwrap();

    // A plain GET still pages the query's results.
    let (status, page) = app.get(&maker, "/epcis/queries/shipping/events").await;
    assert_eq!(status, 200);
    assert_eq!(serials(&page), expected(&[1, 2, 4, 5]));
}
