//! A client that leaves in the middle of a write (a phone losing signal,
//! a cron job killed, an impatient script) must not leave the server
//! unable to write: a request's handler runs to its end whether or not
//! anyone waits for the answer, so no store transaction is cut off halfway
//! (sqlx's BEGIN is not safe to cancel: a connection handed back inside a
//! transaction refuses every later write with "non-zero transaction
//! depth").

use std::time::Duration;

use zhisu_domain::Role;

use crate::support::{gas_stove_json, EngineKind, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_leave_mid_write_leave_the_store_writable() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    // Writes given up after a fraction of a millisecond to a few, ten
    // at a time, so that some are cut off inside the store.
    for round in 0..30u64 {
        let mut gone = Vec::new();
        for i in 0..10u64 {
            let n = round * 10 + i;
            let client = reqwest::Client::builder()
                .timeout(Duration::from_micros(300 + (n * 397) % 4000))
                .build()
                .unwrap();
            let url = app.url("/api/v1/products");
            let key = key.clone();
            gone.push(tokio::spawn(async move {
                let _ = client
                    .post(url)
                    .bearer_auth(key)
                    .json(&gas_stove_json(&format!("LEAVE-{n}")))
                    .send()
                    .await;
            }));
        }
        for g in gone {
            g.await.unwrap();
        }
    }
    // Whatever was cut off, the next writes go through.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for i in 0..10 {
        let (status, body) = app
            .post(
                &key,
                "/api/v1/products",
                &gas_stove_json(&format!("AFTER-{i}")),
            )
            .await;
        assert_eq!(status, 201, "write {i} after the clients left: {body}");
    }
    assert!(app.ledger_verify().await.status.success());
}
