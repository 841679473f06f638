//! The public scan (P6.6, G5.3, G6.1.3) through the real resolver on
//! loopback: page, JSON, linkset; every state a code can be in; disposal;
//! scan logging and counterfeit alerts; and bad input.

use serde_json::{json, Value};
use zhisu_domain::Role;

use crate::codes::{export, valid_gtin};
use crate::support::{decode, gas_stove_json, pdf, TestApp};

/// A code path (`/01/…`) from a full code URI.
pub(crate) fn path_of(code: &str) -> String {
    let rest = code.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

pub(crate) async fn scan_json(app: &TestApp, code: &str, query: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url(&format!("{}{query}", path_of(code))))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    decode(r).await
}

pub(crate) async fn scan_page(app: &TestApp, code: &str) -> (u16, String) {
    let r = app
        .client
        .get(app.url(&path_of(code)))
        .header("Accept", "text/html")
        .header("User-Agent", "Mozilla/5.0 (iPhone) MicroMessenger/8.0")
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A product with a batch whose report is NOT public; returns (batch id,
/// report sha, the batch's codes once active).
pub(crate) async fn active_item_batch(
    app: &TestApp,
    key: &str,
    model: &str,
    n: u32,
) -> (i64, String, Vec<String>) {
    let mut product = gas_stove_json(model);
    product["materials"] = json!("secret alloy recipe");
    product["brand"] = json!("unlisted brand");
    active_batch_of(app, key, product, n).await
}

/// The same for the product `product` (its GTIN made from `n`): (batch
/// id, report sha, codes).
pub(crate) async fn active_batch_of(
    app: &TestApp,
    key: &str,
    mut product: Value,
    n: u32,
) -> (i64, String, Vec<String>) {
    let model = product["model"].as_str().unwrap().to_string();
    product["gtin"] = json!(format!("0{}", valid_gtin(n)));
    let (status, product) = app.post(key, "/api/v1/products", &product).await;
    assert_eq!(status, 201, "{product}");
    let mut report = pdf();
    report.extend_from_slice(format!("% report {model}\n").as_bytes());
    let (_, report) = app.upload(key, "report.pdf", report).await;
    let body = json!({"product_id": product["id"], "batch_no": format!("{model}-L1"), "production_date": "2026-10-01",
        "quantity": 5, "inspection_report": report["sha256"], "note": "internal note: line 3"});
    let (status, batch) = app.post(key, "/api/v1/batches", &body).await;
    assert_eq!(status, 201, "{batch}");
    let id = batch["id"].as_i64().unwrap();
    app.post(key, &format!("/api/v1/batches/{id}/submit"), &json!({}))
        .await;
    let (status, active) = app
        .post(key, &format!("/api/v1/batches/{id}/activate"), &json!({}))
        .await;
    assert_eq!(status, 200, "{active}");
    let codes = export(app, key, id, "")
        .await
        .1
        .lines()
        .map(str::to_string)
        .collect();
    (id, report["sha256"].as_str().unwrap().to_string(), codes)
}

#[tokio::test]
async fn a_scan_shows_table_3_and_each_state_on_every_engine() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (batch, report_sha, codes) = active_item_batch(&app, &maker, "SCAN-1", 801).await;
        assert_eq!(codes.len(), 5);
        let code = &codes[0];

        // JSON: genuine, table 3 only, counted.
        let (status, view) = scan_json(&app, code, "").await;
        assert_eq!(status, 200, "{engine}: {view}");
        assert_eq!(view["status"], "genuine");
        assert_eq!(view["code"], code.as_str());
        let product = &view["public"]["product"];
        assert_eq!(product["product_name"], "家用燃气灶");
        assert_eq!(product["batch_no"], "SCAN-1-L1");
        assert_eq!(product["production_date"], "2026-10-01");
        assert_eq!(product["trace_code"], code.as_str());
        assert!(product["serial"]
            .as_str()
            .is_some_and(|s| code.ends_with(s)));
        let text = view.to_string();
        for private in [
            "secret alloy",
            "unlisted brand",
            "internal note",
            "contact_name",
            &report_sha,
        ] {
            assert!(
                !text.contains(private),
                "{engine}: {private} leaked: {text}"
            );
        }
        assert_eq!(
            view["public"]["producer"]["uscc"].as_str().unwrap().len(),
            18
        );
        assert_eq!(view["scans"]["count"], 1);
        assert_eq!(view["ledger"]["record"], format!("batch/{batch}"));
        let (_, again) = scan_json(&app, code, "").await;
        assert_eq!(again["scans"]["count"], 2);
        assert_eq!(again["scans"]["first_at"], view["scans"]["first_at"]);

        // The page, as a phone in WeChat sees it.
        let (status, html) = scan_page(&app, code).await;
        assert_eq!(status, 200);
        assert!(html.contains(r#"data-status="genuine""#), "{html}");
        assert!(html.contains("家用燃气灶") && html.contains("SCAN-1-L1"));
        assert!(!html.contains("secret alloy"));
        // Anonymous scans skip the router; they carry the same security
        // headers as every other answer (a followed link is not counted).
        let r = app
            .client
            .get(app.url(&format!(
                "{}?linkType=gs1:verificationService",
                path_of(code)
            )))
            .send()
            .await
            .unwrap();
        for name in [
            "content-security-policy",
            "x-frame-options",
            "x-content-type-options",
            "referrer-policy",
        ] {
            assert!(r.headers().contains_key(name), "{engine}: {name} missing");
        }

        // Switching the page to English is not another scan.
        let r = app
            .client
            .get(app.url(&format!("{}?lang=en", path_of(code))))
            .send()
            .await
            .unwrap();
        assert!(r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("zhisu_lang=en"));
        let english = r.text().await.unwrap();
        assert!(english.contains("Genuine"), "{english}");
        assert!(
            english.contains(&format!("href=\"{}?lang=zh\"", path_of(code))),
            "{english}"
        );
        let (_, after) = scan_json(&app, code, "").await;
        assert_eq!(
            after["scans"]["count"], 4,
            "JSON ×2, the page, now this one: the switch was not counted"
        );

        // The linkset, and one link followed.
        let r = app
            .client
            .get(app.url(&format!("{}?linkType=all", path_of(code))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/linkset+json");
        let set: Value = r.json().await.unwrap();
        assert_eq!(set["linkset"][0]["anchor"], code.as_str());
        assert!(set["linkset"][0]["https://gs1.org/voc/pip"][0]["href"].is_string());
        let r = app
            .client
            .get(app.url(&format!("{}?linkType=gs1:pip", path_of(code))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 307);
        assert_eq!(r.headers()["location"], code.as_str());

        // Public files: the licence yes, the report (not chosen public) no.
        let licence = view["public"]["producer"]["business_licence"]["sha256"]
            .as_str()
            .unwrap();
        let r = app
            .client
            .get(app.url(&format!("{}?file={licence}", path_of(code))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let (status, problem) = scan_json(&app, code, &format!("?file={report_sha}")).await;
        assert_eq!(status, 404, "{problem}");
        // Unknown and invalid codes: their own answers, never counted.
        let forged = crate::support::forge(code);
        let (status, suspect) = scan_json(&app, &forged, "").await;
        assert_eq!(
            (status, suspect["status"].as_str()),
            (200, Some("suspect")),
            "a serial never issued under a filed product: {suspect}"
        );
        assert!(suspect["message"].as_str().unwrap().contains("serial"));
        let bad_check = code.replacen("/01/0", "/01/1", 1);
        let (status, problem) = scan_json(&app, &bad_check, "").await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(problem["type"], "/problems/bad-request");
        let (status, _) = scan_json(&app, code, "?lat=91&lon=0").await;
        assert_eq!(status, 400);
        let (status, _) = scan_json(&app, code, "?lat=39.9").await;
        assert_eq!(status, 400);
        let (status, html) = scan_page(&app, &format!("{}%FF", &code)).await;
        assert_eq!(status, 400, "{html}");

        // Disposal: the regulator freezes (not the maker), unfreezes; the maker voids.
        let dispose = |action: &'static str, reason: &'static str| json!({"action": action, "reason": reason});
        let url = format!("/api/v1/batches/{batch}/dispose");
        let (status, _) = app.post(&maker, &url, &dispose("freeze", "x")).await;
        assert_eq!(status, 403);
        let (status, problem) = app.post(&gd, &url, &dispose("freeze", "  ")).await;
        assert_eq!(status, 422, "{problem}");
        let (status, frozen) = app
            .post(&gd, &url, &dispose("freeze", "抽检不合格，暂停销售"))
            .await;
        assert_eq!(status, 200, "{frozen}");
        let (_, view) = scan_json(&app, code, "").await;
        assert_eq!(
            view["status"], "frozen",
            "{engine}: the cache must not hide a disposal"
        );
        assert_eq!(view["reason"], "抽检不合格，暂停销售");
        let (status, _) = export(&app, &maker, batch, "").await;
        assert_eq!(status, 409, "a frozen batch's codes are not exported");
        app.post(&gd, &url, &dispose("unfreeze", "复检合格")).await;
        assert_eq!(scan_json(&app, code, "").await.1["status"], "genuine");
        let (status, _) = app.post(&maker, &url, &dispose("void", "标签印错")).await;
        assert_eq!(status, 200);
        let (_, html) = scan_page(&app, code).await;
        assert!(html.contains(r#"data-status="voided""#), "{html}");
        let (status, _) = app.post(&gd, &url, &dispose("unfreeze", "no")).await;
        assert_eq!(status, 409, "a voided batch stays void");
        let (status, _) = app
            .post(&gd, &url, &json!({"action": "delete", "reason": "x"}))
            .await;
        assert_eq!(status, 422, "not a disposal");

        // A draft batch's lot code: not active, nothing shown.
        let mut per_batch = gas_stove_json("SCAN-LOT");
        per_batch["gtin"] = json!(format!("0{}", valid_gtin(802)));
        per_batch["trace_level"] = json!("per-batch");
        let (_, p) = app.post(&maker, "/api/v1/products", &per_batch).await;
        let (_, report) = app.upload(&maker, "r.pdf", pdf()).await;
        let (status, draft) = app.post(&maker, "/api/v1/batches", &json!({"product_id": p["id"], "batch_no": "L7-8", "production_date": "2026-10-02", "quantity": 100, "inspection_report": report["sha256"]})).await;
        assert_eq!(status, 201, "{draft}");
        let lot_code = format!("{}/01/0{}/10/L7%2D8", app.base, valid_gtin(802));
        let (status, view) = scan_json(&app, &lot_code, "").await;
        assert_eq!(
            (status, view["status"].as_str()),
            (200, Some("not-active")),
            "{view}"
        );
        assert!(view.get("public").is_none());

        // Every answered, logged scan is stored once the log is flushed.
        app.service.flush_scans().await;
        let stored = app.service.count_scans().await.unwrap();
        // JSON ×3 and the page while genuine, frozen, genuine again, the
        // voided page, the draft lot: 8. Links followed, files fetched,
        // unknown and invalid codes are not scans of an issued code.
        assert_eq!(stored, 8, "{engine}");
    }
}

#[tokio::test]
async fn copied_codes_raise_alerts_for_the_producer_and_its_regulator() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, other) = app.enterprise(&admin, "manufacturer", "330106").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (_, _, codes) = active_item_batch(&app, &maker, "ALERT-1", 803).await;

        // Beijing, then Guangzhou ten seconds later: impossible travel.
        let (_, first) = scan_json(&app, &codes[0], "?lat=39.9042&lon=116.4074").await;
        assert_eq!(first["warnings"], json!([]), "{engine}");
        let (_, second) = scan_json(&app, &codes[0], "?lat=23.13&lon=113.26").await;
        assert_eq!(
            second["warnings"][0]["kind"], "impossible-travel",
            "{engine}: {second}"
        );
        let (_, html) = scan_page(&app, &codes[0]).await;
        assert!(html.contains(r#"data-alert="impossible-travel""#));

        // Scanned beyond the limit (50 by default).
        for _ in 0..49 {
            let (_, v) = scan_json(&app, &codes[1], "").await;
            assert_eq!(v["warnings"], json!([]));
        }
        let (_, over) = scan_json(&app, &codes[1], "").await;
        assert_eq!(over["scans"]["count"], 50);
        assert_eq!(over["warnings"], json!([]));
        // The 51st raises the alert, even while the store's writer is kept
        // busy: the alert waits for the writer, the scan does not.
        let hold = app.hold_writes("alerts").await;
        let scan = scan_json(&app, &codes[1], "");
        let (_, over) = tokio::time::timeout(std::time::Duration::from_secs(5), scan)
            .await
            .expect("a scan raising an alert does not wait for the store's writer");
        assert_eq!(over["warnings"][0]["kind"], "too-many-scans", "{over}");
        hold.release().await;

        // Who sees them, once the log's writer stored them with their scans
        // (a scan never waits for the store: its writer may be in a fold).
        app.service.flush_scans().await;
        let alerted = "select count(*) from scans s join alerts a on a.code = s.code \
                       and a.at = s.at";
        assert_eq!(
            app.scalar(alerted).await,
            2,
            "{engine}: stored with the scans that raised them"
        );
        let kinds = |alerts: &Value| -> Vec<String> {
            let mut k: Vec<String> = alerts
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["kind"].as_str().unwrap().to_string())
                .collect();
            k.sort();
            k
        };
        let (status, mine) = app.get(&maker, "/api/v1/alerts").await;
        assert_eq!(status, 200, "{mine}");
        assert_eq!(
            kinds(&mine),
            ["impossible-travel", "too-many-scans"],
            "{engine}"
        );
        assert_eq!(kinds(&app.get(&gd, "/api/v1/alerts").await.1).len(), 2);
        assert!(kinds(&app.get(&zj, "/api/v1/alerts").await.1).is_empty());
        assert!(kinds(&app.get(&other, "/api/v1/alerts").await.1).is_empty());
        // Raised once per code and kind, however often it is scanned again.
        scan_json(&app, &codes[1], "").await;
        app.service.flush_scans().await;
        assert_eq!(kinds(&app.get(&admin, "/api/v1/alerts").await.1).len(), 2);
        let (status, _) = app.get(&maker, "/api/v1/alerts?limit=x").await;
        assert_eq!(status, 400);
    }
}

#[tokio::test]
async fn transport_packages_and_other_schemes_resolve() {
    let app = TestApp::spawn(crate::support::EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, _, codes) = active_item_batch(&app, &maker, "PKG-1", 804).await;
    let sscc = crate::support::sscc(804);
    let (status, package) = app
        .post(
            &maker,
            "/api/v1/packages",
            &json!({"sscc": sscc, "children": codes[..3]}),
        )
        .await;
    assert_eq!(status, 201, "{package}");
    let (status, view) = scan_json(&app, &format!("{}/00/{sscc}", app.base), "").await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "genuine");
    assert_eq!(view["package_items"], 3);
    assert!(view["public"]["producer"]["name"].is_string());
    // The packing is also an EPCIS AggregationEvent of the producer.
    let r = app
        .client
        .get(app.url("/epcis/events?EQ_bizStep=packing"))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    let event = &doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0];
    assert_eq!(event["type"], "AggregationEvent", "{doc}");
    assert!(event["parentID"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/00/{sscc}")));
    assert_eq!(event["childEPCs"].as_array().unwrap().len(), 3);
    let unregistered = crate::support::sscc(805);
    let (status, view) = scan_json(&app, &format!("{}/00/{unregistered}", app.base), "").await;
    assert_eq!(
        (status, view["type"].as_str()),
        (404, Some("/problems/unknown-code")),
        "{view}"
    );
    let wrong = (sscc.as_bytes()[17] - b'0' + 1) % 10;
    let (status, _) = scan_json(&app, &format!("{}/00/{}{wrong}", app.base, &sscc[..17]), "").await;
    assert_eq!(status, 400, "wrong SSCC check digit");

    // CCC and other schemes under /c/: recognised, not issued here.
    let (status, view) = scan_json(&app, &format!("{}/c/2021010101123456", app.base), "").await;
    assert_eq!(
        (status, view["type"].as_str()),
        (404, Some("/problems/unknown-code")),
        "{view}"
    );
    let (status, problem) = scan_json(&app, &format!("{}/c/%3Cscript%3E", app.base), "").await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        !problem.to_string().contains("<script>") || problem["type"] == "/problems/bad-request"
    );
}

/// The scan path knows which codes were delivered to a seller on the
/// platform without a read per code (a filter loaded at the first scan and
/// kept current by every flow): sellers show whether the sale came before
/// the filter was loaded, after it, or before a restart.
#[tokio::test]
async fn sellers_show_whenever_the_sale_was_recorded() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (dist_id, _) = app.enterprise(&admin, "seller", "440106").await;
        let (_, dist) = app
            .get(&admin, &format!("/api/v1/enterprises/{dist_id}"))
            .await;
        let dist_name = dist["name"].as_str().unwrap().to_string();
        let (_, _, codes) = active_item_batch(&app, &maker, "SELLERS-1", 911).await;
        let sell = |code: &String| {
            json!({"kind": "sale", "at": chrono::Utc::now().format("%Y-%m-%d").to_string(),
                "counterparty_id": dist_id, "lines": [{"code": code}]})
        };
        let sellers = |view: &Value| -> Vec<String> {
            view["public"]["sellers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_string())
                .collect()
        };
        // Sold before any scan: read from the store when the filter loads.
        let (status, _) = app.post(&maker, "/api/v1/flows", &sell(&codes[0])).await;
        assert_eq!(status, 201);
        let (_, first) = scan_json(&app, &codes[2], "").await;
        assert!(sellers(&first).is_empty(), "{engine}: {first}");
        let ready = || async {
            for _ in 0..200 {
                let (_, health) = app.get(&admin, "/healthz").await;
                if health["scan_filters_ready"] == true {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            panic!("the scan filters never loaded");
        };
        ready().await;
        let (_, view) = scan_json(&app, &codes[0], "").await;
        assert_eq!(sellers(&view), vec![dist_name.as_str()], "{engine}: {view}");
        // A code with no sale, once known to the filter, shows none …
        let (_, view) = scan_json(&app, &codes[1], "").await;
        assert!(sellers(&view).is_empty(), "{engine}: {view}");
        // … and shows its seller as soon as it is sold.
        let (status, _) = app.post(&maker, "/api/v1/flows", &sell(&codes[1])).await;
        assert_eq!(status, 201);
        let (_, view) = scan_json(&app, &codes[1], "").await;
        assert_eq!(sellers(&view), vec![dist_name.as_str()], "{engine}: {view}");

        // After a restart the filters are loaded from the store again.
        let service = app.reopen().await;
        let ctx = zhisu_service::ScanContext::default();
        service.scan(&codes[2], &ctx).await.unwrap();
        for _ in 0..200 {
            if service.scan_filters_ready() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(service.scan_filters_ready(), "{engine}");
        for (code, expected) in [(&codes[0], 1), (&codes[1], 1), (&codes[2], 0)] {
            let view = service.scan(code, &ctx).await.unwrap();
            let shown = view.public.unwrap().sellers;
            assert_eq!(shown.len(), expected, "{engine}: {code}");
        }
    }
}

/// Scans are logged at once and folded into their codes' summaries in
/// batches: a clean stop folds everything; scans a crashed server logged
/// but never folded are folded before the next server serves, once.
#[tokio::test]
async fn scan_counts_are_folded_and_survive_a_crash() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, _, codes) = active_item_batch(&app, &maker, "FOLD-1", 921).await;
        for expected in 1..=3 {
            let (_, view) = scan_json(&app, &codes[0], "").await;
            assert_eq!(view["scans"]["count"], expected, "{engine}: {view}");
        }
        scan_json(&app, &codes[1], "").await;
        app.service.flush_scans().await;
        let folded = "select cast(coalesce(sum(count), 0) as bigint) from scan_counts";
        assert_eq!(app.scalar(folded).await, 4, "{engine}: folded at the flush");
        // Marked folded in this server's journal (issue 20.1).
        assert_eq!(
            app.scalar("select max(folded_upto) from scan_journals")
                .await,
            app.scalar("select max(id) from scans").await,
            "{engine}"
        );

        // A server that crashed after logging two more scans of the code.
        let store = crate::store::open_store(&app).await;
        let key = app.text("select code from scans order by id limit 1").await;
        let crashed = zhisu_store::NewScan {
            code: key.clone(),
            product_id: None,
            batch_id: None,
            at: chrono::Utc::now(),
            place: Some(zhisu_domain::scan::Place {
                lat: 30.3,
                lon: 120.2,
            }),
            client: "api".into(),
            region: None,
        };
        // Logged through the journal of a server of its own, which stopped.
        let mark = zhisu_store::JournalMark {
            journal: "crashed-server".into(),
            seq: 2,
        };
        store
            .record_scans(&[crashed.clone(), crashed], &[], Some(&mark))
            .await
            .unwrap();
        assert_eq!(app.scalar(folded).await, 4, "{engine}: logged, not folded");

        let next = app.reopen().await;
        assert_eq!(next.fold_leftover_scans().await.unwrap(), 2, "{engine}");
        assert_eq!(
            next.fold_leftover_scans().await.unwrap(),
            0,
            "{engine}: once"
        );
        assert_eq!(app.scalar(folded).await, 6, "{engine}");
        let ctx = zhisu_service::ScanContext::default();
        let view = next.scan(&codes[0], &ctx).await.unwrap();
        assert_eq!(view.scans.count, 5, "{engine}: 3 + 2 after the crash");
        assert_eq!(
            app.text(&format!(
                "select cast(last_lat as text) from scan_counts where code = '{key}'"
            ))
            .await,
            "30.3",
            "{engine}: the last placed scan comes from the fold"
        );
    }
}
