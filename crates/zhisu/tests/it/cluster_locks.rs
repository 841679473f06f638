//! Issue 20.1: what one server kept from happening twice with a lock of
//! its own, several servers on one PostgreSQL database keep from happening
//! twice with a lock of the database's: an item sold through two servers
//! at once is sold once, a scheduled job every server wakes for runs on
//! one of them, the ledger's checkpoints are signed by one server at a
//! time, another taking over when it stops, and failed log-ins are
//! counted alike by every server.

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

/// Sessions holding the checkpoint signer's advisory lock.
async fn signers(app: &TestApp) -> i64 {
    let key = zhisu_store::lock_key(zhisu_service::CHECKPOINT_SIGNER);
    app.scalar(&format!(
        "select count(*) from pg_locks where locktype = 'advisory' and granted \
         and classid = {} and objid = {} and objsubid = 1",
        (key >> 32) as u32,
        key as u32
    ))
    .await
}

/// Waits until a stored checkpoint covers every leaf.
async fn until_checkpointed(app: &TestApp) -> i64 {
    let started = std::time::Instant::now();
    loop {
        let leaves = app.scalar("select count(*) from ledger_leaves").await;
        let signed = app
            .scalar("select coalesce(max(tree_size), 0) from ledger_checkpoints")
            .await;
        if signed == leaves {
            return signed;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{leaves} leaves, the latest checkpoint covers {signed}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_signs_the_checkpoints_and_another_takes_over_when_it_stops() {
    let Some((one, two, _, maker)) = two_servers_and_a_maker().await else {
        return;
    };
    let every = std::time::Duration::from_millis(50);
    let first = tokio::spawn(one.service.clone().keep_signing_checkpoints(every));
    active_item_batch(&one, &maker, "SIGNER-1", 941).await;
    let size = until_checkpointed(&one).await;
    // The second server's signer starts: the first stays the one.
    let second = tokio::spawn(two.service.clone().keep_signing_checkpoints(every));
    active_item_batch(&two, &maker, "SIGNER-2", 942).await;
    assert!(until_checkpointed(&one).await > size);
    assert_eq!(signers(&one).await, 1, "one signer at a time");

    // The first stops (its lock goes with its connection): the second
    // signs what is written next.
    first.abort();
    let _ = first.await;
    let size = until_checkpointed(&one).await;
    active_item_batch(&one, &maker, "SIGNER-3", 943).await;
    assert!(until_checkpointed(&two).await > size, "taken over");
    assert_eq!(signers(&one).await, 1);
    second.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_log_ins_through_two_servers_are_counted_together() {
    use crate::login_guard::{attempt, clerk};
    use crate::support::PASSWORD;
    let Some((one, two, _, _)) = two_servers_and_a_maker().await else {
        return;
    };
    clerk(&one, "two-desks").await;
    // Spraying from one address, every other try through the other
    // server: the thirtieth holds the address back on both.
    for n in 0..30 {
        let through = if n % 2 == 0 { &one } else { &two };
        let (status, _) = attempt(through, &format!("spray-{n}"), "wrong-password-9").await;
        assert_eq!(status, 401, "attempt {n}");
    }
    for server in [&one, &two] {
        let (status, html) = attempt(server, "two-desks", PASSWORD).await;
        assert_eq!(status, 429, "{html}");
        assert!(html.contains("尝试过于频繁"), "{html}");
    }
    // A log-in's own failures, through both at once, are each counted:
    // five lock it.
    one.execute_raw("delete from address_failures")
        .await
        .unwrap();
    let tries = (0..5).map(|n| {
        let server = if n % 2 == 0 { &one } else { &two };
        attempt(server, "two-desks", "wrong-password-9")
    });
    futures_util::future::join_all(tries).await;
    assert_eq!(
        one.scalar("select failures from login_failures where login = 'two-desks'")
            .await,
        5
    );
    let (status, html) = attempt(&two, "two-desks", PASSWORD).await;
    assert_eq!(status, 429, "{html}");
    assert!(html.contains("已锁定"), "{html}");
}
