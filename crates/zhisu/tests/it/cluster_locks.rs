//! Issue 20.1: what one server kept from happening twice with a lock of
//! its own, several servers on one PostgreSQL database keep from happening
//! twice with a lock of the database's: an item sold through two servers
//! at once is sold once, and a scheduled job every server wakes for runs
//! on one of them.

use serde_json::{json, Value};

use crate::scan::active_item_batch;
use crate::servers::{post_at_once, two_servers_and_a_maker};
use crate::support::{flow_lines, EngineKind, TestApp};

fn consumer(lines: Value) -> Value {
    json!({"kind": "sale", "at": chrono::Utc::now().format("%Y-%m-%d").to_string(),
        "counterparty_name": "消费者赵六", "counterparty_address": "广州市天河区",
        "counterparty_contact": "13700000000", "lines": lines})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_sold_through_two_servers_at_once_is_sold_once() {
    let Some((one, two, _, maker)) = two_servers_and_a_maker().await else {
        return;
    };
    let (_, _, codes) = active_item_batch(&one, &maker, "TWO-TILLS", 917).await;
    for code in &codes[..3] {
        let sale = consumer(flow_lines(std::slice::from_ref(code)));
        // Ten sends, every other one through the second server.
        let statuses = post_at_once(&[&one, &two], "/api/v1/flows", &maker, &sale, 10).await;
        assert_eq!(
            statuses,
            [201, 422, 422, 422, 422, 422, 422, 422, 422, 422],
            "{code}"
        );
    }
    assert_eq!(
        one.scalar("select count(*) from records where kind = 'flow'")
            .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_every_server_wakes_for_runs_on_one() {
    for one in TestApp::each_engine().await {
        let engine = one.engine_kind;
        let two = one.spawn_beside(|_| {}).await;
        // While the first server runs the job, the second passes.
        let inside = one
            .service
            .on_one_server("nightly verification", async {
                two.service
                    .on_one_server("nightly verification", async { "ran twice" })
                    .await
                    .unwrap()
            })
            .await
            .unwrap();
        match engine {
            EngineKind::Postgres => assert_eq!(inside, Some(None), "{engine:?}"),
            // SQLite is served by one server: its lock is always free.
            EngineKind::Sqlite => assert_eq!(inside, Some(Some("ran twice")), "{engine:?}"),
        }
        // Done, the job is free again, for either.
        let after = two
            .service
            .on_one_server("nightly verification", async { "ran" })
            .await
            .unwrap();
        assert_eq!(after, Some("ran"), "{engine:?}");
    }
}
