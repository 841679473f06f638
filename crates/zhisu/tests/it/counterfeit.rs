//! The counterfeit answer, on both engines (G6.1.3, issue 15.6): a serial
//! never issued under a filed product is a suspected counterfeit, in red,
//! with the producer's card and the report button; several made-up
//! serials of one product raise a guessing alert for its producer and
//! regulator; a code scanned too often does not say "verified".

use serde_json::Value;
use zhisu_domain::Role;

use crate::scan::{active_item_batch, scan_json, scan_page};
use crate::support::TestApp;

/// `code` with its serial replaced by `serial`.
fn with_serial(code: &str, serial: &str) -> String {
    format!("{}/21/{serial}", &code[..code.rfind("/21/").unwrap()])
}

async fn alerts(app: &TestApp, key: &str) -> Vec<Value> {
    let (status, list) = app.get(key, "/api/v1/alerts").await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn made_up_serials_are_suspect_and_guessing_raises_an_alert() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (_, _, codes) = active_item_batch(&app, &maker, "FAKE-1", 921).await;
        let scans_before = app.scalar("select count(*) from scans").await;

        // A made-up serial: red, with the producer to call and a report link.
        let fake = with_serial(&codes[0], "FAKE0000000001");
        let (status, view) = scan_json(&app, &fake, "").await;
        assert_eq!(
            (status, view["status"].as_str()),
            (200, Some("suspect")),
            "{engine}: {view}"
        );
        assert!(
            view["message"].as_str().unwrap().contains("疑似假冒"),
            "{view}"
        );
        assert!(
            view["public"]["producer"]["contact_phone"].is_string(),
            "{view}"
        );
        assert!(
            view["public"]["product"].is_null(),
            "no product shown as if genuine: {view}"
        );
        let (status, html) = scan_page(&app, &fake).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(r#"data-status="suspect""#) && html.contains("verdict bad"),
            "{html}"
        );
        assert!(html.contains("疑似假冒"), "{html}");
        assert!(
            html.contains(r#"id="producer""#) && html.contains("tel:"),
            "the producer's card"
        );
        assert!(html.contains(r#"id="report""#), "the report button");
        assert!(!html.contains("正品"), "{html}");

        // Nine scans of three made-up serials (the issue's case): one alert
        // for the producer and its regulator, none for another province.
        for _ in 0..3 {
            for n in 1..=3 {
                let (_, v) = scan_json(
                    &app,
                    &with_serial(&codes[0], &format!("FAKE00000000{n}")),
                    "",
                )
                .await;
                assert_eq!(v["status"], "suspect");
            }
        }
        let mut guessing = Vec::new();
        for _ in 0..50 {
            guessing = alerts(&app, &maker)
                .await
                .into_iter()
                .filter(|a| a["kind"] == "guessing")
                .collect();
            if !guessing.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(guessing.len(), 1, "{engine}: {guessing:?}");
        let gtin = &codes[0][codes[0].find("/01/").unwrap() + 4..][..14];
        assert_eq!(guessing[0]["code"], format!("(01){gtin}"), "{guessing:?}");
        assert!(alerts(&app, &gd)
            .await
            .iter()
            .any(|a| a["kind"] == "guessing"));
        assert!(!alerts(&app, &zj)
            .await
            .iter()
            .any(|a| a["kind"] == "guessing"));
        app.service.flush_scans().await;
        assert_eq!(
            app.scalar("select count(*) from scans").await,
            scans_before,
            "{engine}: made-up serials do not grow the scan log"
        );

        // A code scanned past the limit: valid, but the headline says copied.
        for _ in 0..51 {
            scan_json(&app, &codes[1], "").await;
        }
        let (_, html) = scan_page(&app, &codes[1]).await;
        assert!(html.contains("码有效但疑似被复制"), "{html}");
        assert!(
            !html.contains("验证通过") && !html.contains("正品："),
            "{html}"
        );
        let (_, view) = scan_json(&app, &codes[1], "").await;
        assert!(
            view["message"].as_str().unwrap().contains("可能已被复制"),
            "{view}"
        );
        let (_, html) = scan_page(&app, &codes[2]).await;
        assert!(
            html.contains("正品 · 验证通过"),
            "an ordinary code still says so"
        );
    }
}
