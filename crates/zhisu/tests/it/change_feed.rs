//! Issue 20.1: two servers on one PostgreSQL database, each with its own
//! caches. A recall opened on one turns the other's scan page red within
//! a second (the records' trigger, LISTEN/NOTIFY), with no request to the
//! other in between that would have read around its cache.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::scan::{active_item_batch, scan_json};
use crate::servers::two_servers_and_a_maker;
use crate::support::TestApp;

/// Scans `code` on `app` until its status is `status`; how long that took.
async fn until_status(app: &TestApp, code: &str, status: &str) -> Duration {
    let started = Instant::now();
    loop {
        let (_, view) = scan_json(app, code, "").await;
        if view["status"] == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "still {} a second on, not {status}: {view}",
            view["status"]
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_server_reaches_the_other_servers_scan_page_within_a_second() {
    let Some((one, two, admin, maker)) = two_servers_and_a_maker().await else {
        return;
    };
    let (batch, _, codes) = active_item_batch(&one, &maker, "FEED-1", 41).await;

    // Scanned on the second server: genuine, and now in its cache.
    for _ in 0..2 {
        assert_eq!(scan_json(&two, &codes[0], "").await.1["status"], "genuine");
    }
    // A recall opened on the first.
    let (_, view) = one.get(&maker, &format!("/api/v1/batches/{batch}")).await;
    let recall = json!({"product_id": view["product_id"], "batch_ids": [batch], "reason": "燃气阀门可能泄漏"});
    let (status, opened) = one.post(&maker, "/api/v1/recalls", &recall).await;
    assert_eq!(status, 201, "{opened}");
    let took = until_status(&two, &codes[0], "recalled").await;
    eprintln!("the second server's scan page turned red {took:?} after the recall");

    // The other way: the producer's telephone changed on the second
    // server, read on the first server's scan page (cached there by the
    // first scan).
    let (_, before) = scan_json(&one, &codes[1], "").await;
    assert_eq!(before["status"], "recalled", "{before}");
    let enterprise = view["enterprise_id"].as_i64().unwrap();
    let (status, changed) = two
        .patch(
            &admin,
            &format!("/api/v1/enterprises/{enterprise}"),
            &json!({"contact_phone": "0755-2222 3333"}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let started = Instant::now();
    loop {
        let (_, after) = scan_json(&one, &codes[1], "").await;
        if after.to_string().contains("0755-2222 3333") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the first server still shows the old telephone: {after}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
