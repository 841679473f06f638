//! EPCIS 2.0 capture and query over HTTP on both engines: every one of the
//! 47 official examples is captured, each of its events queried back and
//! compared by its CBV 2.0 event hash (equal in meaning); invalid documents,
//! bad digests and duplicates change nothing.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;
use zhisu_domain::Role;
use zhisu_epcis::{event_hash, Namespaces};

use crate::support::{decode, TestApp};

fn examples() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/epcis/examples");
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

pub(crate) fn events(doc: &Value) -> Vec<Value> {
    doc["epcisBody"]["eventList"]
        .as_array()
        .or_else(|| doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"].as_array())
        .cloned()
        .unwrap_or_default()
}

pub(crate) async fn capture(
    app: &TestApp,
    key: &str,
    body: &str,
    digest: Option<&str>,
) -> (u16, Value) {
    let mut r = app
        .client
        .post(app.url("/epcis/capture"))
        .bearer_auth(key)
        .header("Content-Type", "application/ld+json")
        .body(body.to_string());
    if let Some(d) = digest {
        r = r.header("Digest", d);
    }
    decode(r.send().await.unwrap()).await
}

async fn get(app: &TestApp, key: &str, path: &str) -> (u16, Value, Option<String>) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let link = r
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_string());
    (status, r.json().await.unwrap_or(Value::Null), link)
}

/// The target of a `Link: <…>; rel="next"` header.
fn link_target(link: &str) -> String {
    link.trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_string()
}

/// Every page from `first` on, following each next-page Link: the page's
/// events and the Link it carried.
async fn pages(app: &TestApp, key: &str, first: &str) -> Vec<(Vec<Value>, Option<String>)> {
    let mut out = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next {
        let (status, page, link) = get(app, key, &path).await;
        assert_eq!(status, 200, "{path}: {page}");
        next = link.as_deref().map(link_target);
        out.push((query_events(&page), link));
    }
    out
}

fn query_events(doc: &Value) -> Vec<Value> {
    doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn every_official_example_is_captured_and_queried_back_equal_in_meaning() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;

        // Capture all 47; remember each event's meaning under its identity.
        let mut expected: HashMap<String, String> = HashMap::new();
        let (mut total, mut duplicates) = (0, 0);
        for (name, text) in examples() {
            let doc: Value = serde_json::from_str(&text).unwrap();
            let (status, answer) = capture(&app, &maker, &text, None).await;
            assert_eq!(status, 202, "{engine}: {name}: {answer}");
            let mut fresh = 0;
            for event in events(&doc) {
                let ns = Namespaces::from_context(event.get("@context").or(doc.get("@context")));
                let hash = event_hash(&event, &ns);
                let id = event["eventID"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| hash.clone());
                if let std::collections::hash_map::Entry::Vacant(slot) = expected.entry(id) {
                    slot.insert(hash);
                    fresh += 1;
                } else {
                    duplicates += 1;
                }
                total += 1;
            }
            assert_eq!(answer["events"], fresh, "{name}: {answer}");
        }
        assert_eq!(examples().len(), 47);
        assert!(
            total >= 56 && duplicates > 0,
            "{total} events, {duplicates} repeated IDs"
        );

        // Each event back, by its ID: the same event hash.
        for (id, hash) in &expected {
            let (status, event, _) = get(
                &app,
                &maker,
                &format!("/epcis/events/{}", urlencoding::encode(id)),
            )
            .await;
            assert_eq!(status, 200, "{engine}: {id}");
            assert_eq!(event["eventID"], id.as_str());
            assert!(event["recordTime"].is_string());
            let ns = Namespaces::from_context(event.get("@context"));
            assert_eq!(
                &event_hash(&event, &ns),
                hash,
                "{engine}: {id} changed meaning"
            );
        }

        // The same document again: every event a duplicate, nothing new.
        let (name, text) = &examples()[0];
        let (status, again) = capture(&app, &maker, text, None).await;
        assert_eq!(status, 202);
        assert_eq!(again["events"], 0, "{name}: {again}");
        assert_eq!(
            again["duplicates"].as_u64().unwrap() as usize,
            events(&serde_json::from_str(text).unwrap()).len()
        );
        let location = format!("/epcis/capture/{}", again["captureID"].as_str().unwrap());
        let (status, capture_status, _) = get(&app, &maker, &location).await;
        assert_eq!(
            (status, capture_status["success"].as_bool()),
            (200, Some(true))
        );
        let (status, _, _) = get(&app, &other, &location).await;
        assert_eq!(status, 404, "another enterprise's capture");

        // Queries: by EPC (URN or Digital Link), time, bizStep; paging.
        let all = expected.len();
        let (_, doc, _) = get(&app, &maker, "/epcis/events?perPage=1000").await;
        assert_eq!(query_events(&doc).len(), all);
        assert_eq!(doc["type"], "EPCISQueryDocument");
        let (_, by_urn, _) = get(
            &app,
            &maker,
            "/epcis/epcs/urn:epc:id:sgtin:0614141.107346.2018/events",
        )
        .await;
        let (_, by_dl, _) = get(
            &app,
            &maker,
            &format!(
                "/epcis/epcs/{}/events",
                urlencoding::encode("https://id.gs1.org/01/10614141073464/21/2018")
            ),
        )
        .await;
        assert!(!query_events(&by_urn).is_empty(), "{by_urn}");
        assert_eq!(query_events(&by_urn), query_events(&by_dl));
        let (_, shipping, _) = get(
            &app,
            &maker,
            "/epcis/events?EQ_bizStep=shipping&perPage=1000",
        )
        .await;
        let shipping = query_events(&shipping);
        assert!(!shipping.is_empty());
        assert!(shipping
            .iter()
            .all(|e| e["bizStep"].as_str().unwrap().ends_with("shipping")));
        let (_, early, _) = get(
            &app,
            &maker,
            "/epcis/events?LT_eventTime=2005-01-01T00:00:00Z&perPage=1000",
        )
        .await;
        let (_, late, _) = get(
            &app,
            &maker,
            "/epcis/events?GE_eventTime=2005-01-01T00:00:00Z&perPage=1000",
        )
        .await;
        assert_eq!(query_events(&early).len() + query_events(&late).len(), all);
        let (_, page1, link) = get(&app, &maker, "/epcis/events?perPage=5").await;
        assert_eq!(query_events(&page1).len(), 5);
        let next = link_target(&link.expect("a Link to the next page"));
        let (_, page2, _) = get(&app, &maker, &next).await;
        assert_eq!(query_events(&page2).len(), 5);
        assert_ne!(
            query_events(&page1)[0]["eventID"],
            query_events(&page2)[0]["eventID"]
        );

        // Who sees them: the capturer and regulators, not other enterprises.
        let (_, theirs, _) = get(&app, &other, "/epcis/events").await;
        assert!(query_events(&theirs).is_empty());
        let (_, regulator, _) = get(&app, &gd, "/epcis/events?perPage=1000").await;
        assert_eq!(query_events(&regulator).len(), all);
        let (status, _) = decode(
            app.client
                .get(app.url("/epcis/events"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 401, "G9.3: an API key is needed");

        // Every capture is a ledger leaf: an event edited afterwards, or
        // one slipped into a capture, is named by `ledger verify`.
        let out = app.ledger_verify().await;
        assert!(
            out.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            app.scalar("select count(*) from ledger_leaves where entry_kind = 'capture'")
                .await,
            app.scalar("select count(*) from epcis_captures").await
        );
        let (row, capture_id) = (
            app.scalar("select min(id) from epcis_events").await,
            app.text("select capture_id from epcis_events order by id limit 1")
                .await,
        );
        let body = app
            .text(&format!("select body from epcis_events where id = {row}"))
            .await;
        app.execute_raw(&format!(
            "update epcis_events set body = replace(body, 'urn', 'urx') where id = {row}"
        ))
        .await
        .unwrap();
        let said = String::from_utf8_lossy(&app.ledger_verify().await.stderr).to_string();
        assert!(
            said.contains(&format!("capture/{capture_id}")),
            "{engine}: {said}"
        );
        app.execute_raw(&format!(
            "update epcis_events set body = '{}' where id = {row}",
            body.replace('\'', "''")
        ))
        .await
        .unwrap();
        assert!(
            app.ledger_verify().await.status.success(),
            "{engine}: restored"
        );
    }
}

/// The fields a validation problem names, in its order.
pub(crate) fn problem_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

async fn stored(app: &TestApp) -> i64 {
    app.scalar("select count(*) from epcis_events").await
}

#[tokio::test]
async fn bad_documents_and_digests_change_nothing() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, text) = examples()
        .into_iter()
        .find(|(n, _)| n == "Example_9.6.1-ObjectEvent.jsonld")
        .unwrap();

    // Schema and CBV violations: named, nothing stored.
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["epcisBody"]["eventList"][0]["action"] = "SHOUT".into();
    doc["epcisBody"]["eventList"][1]["bizStep"] = "dancing".into();
    let (status, problem) = capture(&app, &maker, &doc.to_string(), None).await;
    assert_eq!(status, 422, "{problem}");
    let fields = problem_fields(&problem);
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("/epcisBody/eventList/0")),
        "{problem}"
    );
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("/epcisBody/eventList/1")),
        "{problem}"
    );
    assert_eq!(stored(&app).await, 0);
    for bad in ["{", "[]", r#"{"type": "EPCISMasterDataDocument"}"#] {
        let (status, problem) = capture(&app, &maker, bad, None).await;
        assert!(status == 400 || status == 422, "{bad}: {problem}");
    }
    assert_eq!(stored(&app).await, 0);

    // G9.2: a Digest is checked when sent.
    use base64::Engine as _;
    use sha2::Digest as _;
    let good =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()));
    let (status, problem) = capture(&app, &maker, &text, Some("SHA-256=AAAA")).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(stored(&app).await, 0);
    let (status, _) = capture(&app, &maker, &text, Some(&format!("SHA-256={good}"))).await;
    assert_eq!(status, 202);
    assert!(stored(&app).await > 0);
    let (status, _, _) = get(&app, &maker, "/epcis/events?EQ_colour=red").await;
    assert_eq!(status, 400, "unknown query parameters are refused");
    let (status, _, _) = get(&app, &maker, "/epcis/events?GE_eventTime=yesterday").await;
    assert_eq!(status, 400);
    let (status, _, _) = get(&app, &maker, "/epcis/events/urn:uuid:nothing").await;
    assert_eq!(status, 404);
}

/// A document of `n` ObjectEvents, event `i` observed at its own serial.
pub(crate) fn many_events(n: usize) -> Value {
    let events: Vec<Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "type": "ObjectEvent", "eventTime": format!("2026-11-{:02}T08:{:02}:00.000+08:00", 1 + i % 28, i % 60),
                "eventTimeZoneOffset": "+08:00",
                "epcList": [format!("https://id.gs1.org/01/06970000000017/21/{i:010}")],
                "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
                "readPoint": {"id": "https://id.gs1.org/414/6970000000000"},
            })
        })
        .collect();
    serde_json::json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-23T00:00:00Z",
        "epcisBody": {"eventList": events},
    })
}

/// A document larger than one piece of work is checked on every core and
/// stored while it is checked: a bad event near its end still leaves
/// nothing behind and is named first; a good one is stored whole, in
/// document order, repeats counted once, its ledger leaf as if written at
/// once.
#[tokio::test]
async fn a_large_document_is_stored_whole_in_order_or_not_at_all() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let capture_leaves = "select count(*) from ledger_leaves where entry_kind = 'capture'";

        // Two bad events in different pieces: the first in document order
        // is named first, the second too, and nothing is stored.
        let mut doc = many_events(5_000);
        doc["epcisBody"]["eventList"][4_321]["action"] = "SHOUT".into();
        doc["epcisBody"]["eventList"][4_999]["bizStep"] = "dancing".into();
        doc["epcisBody"]["eventList"][1_500]["eventTime"] = "yesterday".into();
        let (status, problem) = capture(&app, &maker, &doc.to_string(), None).await;
        assert_eq!(status, 422, "{engine}: {problem}");
        let fields = problem_fields(&problem);
        assert!(
            fields[0].starts_with("/epcisBody/eventList/1500"),
            "{engine}: {fields:?}"
        );
        assert!(
            fields
                .iter()
                .any(|f| f.starts_with("/epcisBody/eventList/4321")),
            "{engine}: {fields:?}"
        );
        assert_eq!(stored(&app).await, 0, "{engine}");
        assert_eq!(app.scalar("select count(*) from epcis_captures").await, 0);
        assert_eq!(app.scalar(capture_leaves).await, 0, "{engine}");

        // Good, with two repeats of event 0 in later pieces.
        let mut doc = many_events(5_000);
        let first = doc["epcisBody"]["eventList"][0].clone();
        doc["epcisBody"]["eventList"][2_000] = first.clone();
        doc["epcisBody"]["eventList"][4_500] = first;
        let (status, answer) = capture(&app, &maker, &doc.to_string(), None).await;
        assert_eq!(status, 202, "{engine}: {answer}");
        assert_eq!(answer["events"], 4_998, "{engine}: {answer}");
        assert_eq!(answer["duplicates"], 2, "{engine}: {answer}");
        let ns = Namespaces::from_context(doc.get("@context"));
        let mut expected: Vec<String> = Vec::new();
        for event in events(&doc) {
            let id = event_hash(&event, &ns);
            if !expected.contains(&id) {
                expected.push(id);
            }
        }
        let in_row_order = app
            .strings("select event_id from epcis_events order by id")
            .await;
        assert_eq!(in_row_order, expected, "{engine}: stored in document order");
        let serials = app
            .scalar("select count(distinct epc) from epcis_event_epcs")
            .await;
        assert_eq!(serials, 4_998, "{engine}");
        assert!(app.ledger_verify().await.status.success(), "{engine}");
    }
}

/// A detached JWS (RFC 7515 appendix F) of `body` by `key`, under `header`.
fn detached_jws(header: &Value, body: &[u8], key: &ed25519_dalek::SigningKey) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine as _;
    use ed25519_dalek::Signer as _;
    let protected = B64.encode(header.to_string());
    let mut input = format!("{protected}.").into_bytes();
    if header["b64"] == false {
        input.extend_from_slice(body);
    } else {
        input.extend_from_slice(B64.encode(body).as_bytes());
    }
    format!("{protected}..{}", B64.encode(key.sign(&input).to_bytes()))
}

async fn signed_capture(app: &TestApp, key: &str, body: &str, jws: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/epcis/capture"))
        .bearer_auth(key)
        .header("Content-Type", "application/ld+json")
        .header("X-JWS-Signature", jws)
        .body(body.to_string());
    decode(r.send().await.unwrap()).await
}

/// G9.2: an enterprise registers the public keys its systems sign with; a
/// capture with a detached signature is stored only when the signature
/// holds for the document as received, and says which key signed it.
#[tokio::test]
async fn signed_captures_are_verified_with_the_enterprises_key() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine as _;
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let line = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let stranger = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let me = format!("/api/v1/enterprises/{maker_id}");
        let x = B64.encode(line.verifying_key().to_bytes());

        // Keys are checked when registered.
        for (bad, field) in [
            (
                serde_json::json!({"signing_keys": [{"kid": "line-1", "x": "abc"}]}),
                "signing_keys[0].x",
            ),
            (
                serde_json::json!({"signing_keys": [{"kid": "line 1!", "x": x}]}),
                "signing_keys[0].kid",
            ),
            (
                serde_json::json!({"signing_keys": [{"kid": "a", "x": x}, {"kid": "a", "x": x}]}),
                "signing_keys[1].kid",
            ),
        ] {
            let (status, problem) = app.patch(&maker, &me, &bad).await;
            assert_eq!(status, 422, "{engine}: {bad} → {problem}");
            assert!(problem.to_string().contains(field), "{engine}: {problem}");
        }
        let (status, patched) = app
            .patch(
                &maker,
                &me,
                &serde_json::json!({"signing_keys": [{"kid": "line-1", "x": x}]}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {patched}");

        let (_, text) = examples()
            .into_iter()
            .find(|(n, _)| n == "Example_9.6.1-ObjectEvent.jsonld")
            .unwrap();
        let header = serde_json::json!({"alg": "EdDSA", "kid": "line-1"});
        let good = detached_jws(&header, text.as_bytes(), &line);

        // What does not hold is refused, and nothing is stored.
        let tampered = text.replacen("OBSERVE", "DELETE", 1);
        assert_ne!(tampered, text);
        let unencoded = serde_json::json!({"alg": "EdDSA", "kid": "line-1", "b64": false});
        for (body, key, jws, why) in [
            (&tampered, &maker, good.clone(), "the document changed"),
            (
                &text,
                &maker,
                detached_jws(&header, text.as_bytes(), &stranger),
                "another key signed",
            ),
            (
                &text,
                &maker,
                detached_jws(
                    &serde_json::json!({"alg": "EdDSA", "kid": "line-2"}),
                    text.as_bytes(),
                    &line,
                ),
                "an unknown kid",
            ),
            (
                &text,
                &maker,
                detached_jws(
                    &serde_json::json!({"alg": "HS256", "kid": "line-1"}),
                    text.as_bytes(),
                    &line,
                ),
                "another algorithm",
            ),
            (
                &text,
                &maker,
                detached_jws(&unencoded, text.as_bytes(), &line),
                "b64 false without crit",
            ),
            (&text, &maker, "abc".to_string(), "not a JWS"),
            (
                &text,
                &other,
                good.clone(),
                "the key is another enterprise's",
            ),
            (&text, &admin, good.clone(), "a key of no enterprise"),
        ] {
            let (status, problem) = signed_capture(&app, key, body, &jws).await;
            assert_eq!(status, 400, "{engine}: {why}: {problem}");
            assert_eq!(stored(&app).await, 0, "{engine}: {why}");
        }

        // What holds is stored, and says which key signed it.
        let (status, answer) = signed_capture(&app, &maker, &text, &good).await;
        assert_eq!(status, 202, "{engine}: {answer}");
        assert_eq!(answer["signedWith"], "line-1", "{engine}: {answer}");
        let id = answer["captureID"].as_str().unwrap();
        let (_, status_doc, _) = get(&app, &maker, &format!("/epcis/capture/{id}")).await;
        assert_eq!(status_doc["signedWith"], "line-1", "{engine}");
        assert!(stored(&app).await > 0);
        // RFC 7797: the payload signed as it is.
        let raw =
            serde_json::json!({"alg": "EdDSA", "kid": "line-1", "b64": false, "crit": ["b64"]});
        let (status, answer) = signed_capture(
            &app,
            &maker,
            &text,
            &detached_jws(&raw, text.as_bytes(), &line),
        )
        .await;
        assert_eq!(status, 202, "{engine}: {answer}");
        // Unsigned captures still work, and say so.
        let (status, answer) = capture(&app, &maker, &text, None).await;
        assert_eq!(status, 202, "{engine}: {answer}");
        assert_eq!(answer["signedWith"], Value::Null, "{engine}");
    }
}

/// EPCIS 2.0 named queries: a definition kept under a name in the caller's
/// namespace, listed, read, run with paging (the same events as the same
/// parameters on `/epcis/events`), and deleted; bad definitions and taken
/// names are refused; another enterprise neither sees nor runs it.
#[tokio::test]
async fn named_queries_are_kept_run_and_deleted_per_namespace() {
    use serde_json::json;
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let doc = many_events(30);
        let (status, _) = capture(&app, &maker, &doc.to_string(), None).await;
        assert_eq!(status, 202, "{engine}");

        // Refused: bad names, bad definitions, paging inside a definition.
        for bad in [
            json!({"name": "two words", "query": {}}),
            json!({"query": {"eventType": ["ObjectEvent"]}}),
            json!({"name": "q", "query": {"EQ_colour": ["red"]}}),
            json!({"name": "q", "query": {"GE_eventTime": "yesterday"}}),
            json!({"name": "q", "query": {"EQ_bizStep": [7]}}),
            json!({"name": "q", "query": {"perPage": "5"}}),
            json!({"name": "q", "query": ["EQ_bizStep"]}),
        ] {
            let (status, problem) = app.post(&maker, "/epcis/queries", &bad).await;
            assert!(
                status == 400 || status == 422,
                "{engine}: {bad} → {status} {problem}"
            );
        }
        let (_, listed) = app.get(&maker, "/epcis/queries").await;
        assert_eq!(listed, json!([]), "{engine}: nothing kept");

        let definition = json!({"eventType": ["ObjectEvent"], "EQ_bizStep": ["shipping"],
            "GE_eventTime": "2026-11-05T00:00:00Z", "LT_eventTime": "2026-11-20T00:00:00+08:00"});
        let (status, created) = app
            .post(
                &maker,
                "/epcis/queries",
                &json!({"name": "shipped-mid-month", "query": definition}),
            )
            .await;
        assert_eq!(status, 201, "{engine}: {created}");
        let (status, _) = app
            .post(
                &maker,
                "/epcis/queries",
                &json!({"name": "shipped-mid-month", "query": {}}),
            )
            .await;
        assert_eq!(status, 409, "{engine}: a taken name");
        let (_, listed) = app.get(&maker, "/epcis/queries").await;
        assert_eq!(
            listed,
            json!([{"name": "shipped-mid-month", "query": definition}]),
            "{engine}"
        );
        let (status, one) = app.get(&maker, "/epcis/queries/shipped-mid-month").await;
        assert_eq!((status, &one["query"]), (200, &definition), "{engine}");

        // Run in pages of 4: the same events as the same parameters.
        let named: Vec<Value> = pages(
            &app,
            &maker,
            "/epcis/queries/shipped-mid-month/events?perPage=4",
        )
        .await
        .into_iter()
        .flat_map(|(events, _)| events)
        .collect();
        let (_, direct, _) = get(
            &app,
            &maker,
            "/epcis/events?eventType=ObjectEvent&EQ_bizStep=shipping&GE_eventTime=2026-11-05T00:00:00Z&LT_eventTime=2026-11-20T00:00:00%2B08:00&perPage=1000",
        )
        .await;
        let direct = query_events(&direct);
        assert!(
            !direct.is_empty() && direct.len() < 30,
            "{engine}: {}",
            direct.len()
        );
        assert_eq!(named, direct, "{engine}");
        let (status, _, _) = get(
            &app,
            &maker,
            "/epcis/queries/shipped-mid-month/events?EQ_action=ADD",
        )
        .await;
        assert_eq!(status, 400, "{engine}: a named query takes only paging");

        // Another enterprise's namespace is its own.
        for path in [
            "/epcis/queries/shipped-mid-month",
            "/epcis/queries/shipped-mid-month/events",
        ] {
            let (status, _, _) = get(&app, &other, path).await;
            assert_eq!(status, 404, "{engine}: {path}");
        }
        let (_, theirs) = app.get(&other, "/epcis/queries").await;
        assert_eq!(theirs, json!([]), "{engine}");

        // Pages of one EPC's events keep the request's other parameters.
        let mut again = many_events(1);
        again["epcisBody"]["eventList"][0]["action"] = "ADD".into();
        let (status, _) = capture(&app, &maker, &again.to_string(), None).await;
        assert_eq!(status, 202, "{engine}");
        let epc = urlencoding::encode("https://id.gs1.org/01/06970000000017/21/0000000000");
        let paged = pages(
            &app,
            &maker,
            &format!("/epcis/epcs/{epc}/events?eventType=ObjectEvent&perPage=1"),
        )
        .await;
        for l in paged.iter().filter_map(|(_, link)| link.as_deref()) {
            assert!(
                l.contains("eventType=ObjectEvent") && l.contains("perPage=1"),
                "{engine}: {l}"
            );
        }
        assert_eq!(paged.len(), 2, "{engine}: one event a page");
        assert_eq!(
            paged.iter().map(|(events, _)| events.len()).sum::<usize>(),
            2,
            "{engine}"
        );

        assert_eq!(
            app.delete(&maker, "/epcis/queries/shipped-mid-month").await,
            204,
            "{engine}"
        );
        let (status, _) = app.get(&maker, "/epcis/queries/shipped-mid-month").await;
        assert_eq!(status, 404, "{engine}");
    }
}
