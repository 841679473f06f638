//! Issue 20.1: scans through several servers on one PostgreSQL database
//! are each counted once — while the servers run, when another starts,
//! and when one stops with scans unfolded (another folds them, once).

use crate::scan::{active_item_batch, scan_json};
use crate::servers::two_servers_and_a_maker;

const FOLDED: &str = "select cast(coalesce(sum(count), 0) as bigint) from scan_counts";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_through_two_servers_are_counted_once_when_a_third_starts() {
    let Some((one, two, _, maker)) = two_servers_and_a_maker().await else {
        return;
    };
    let (_, _, codes) = active_item_batch(&one, &maker, "FOLDS-1", 931).await;
    // Ten scans through each; they fold every two seconds, so a server
    // starting now finds them logged and not yet folded.
    for _ in 0..10 {
        scan_json(&one, &codes[0], "").await;
        scan_json(&two, &codes[0], "").await;
    }
    let three = one.spawn_beside(|_| {}).await;
    one.service.flush_scans().await;
    two.service.flush_scans().await;
    three.service.flush_scans().await;
    assert_eq!(one.scalar(FOLDED).await, 20, "each scan once");
    let (_, view) = scan_json(&three, &codes[0], "").await;
    assert_eq!(view["scans"]["count"], 21, "{view}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_servers_scans_are_folded_once_by_another_but_a_running_ones_are_not() {
    let Some((one, two, _, maker)) = two_servers_and_a_maker().await else {
        return;
    };
    let (_, _, codes) = active_item_batch(&one, &maker, "FOLDS-2", 932).await;
    scan_json(&one, &codes[0], "").await;
    one.service.flush_scans().await;

    // A server that stopped after logging three scans it never folded: its
    // journal's lock is free.
    let store = crate::store::open_store(&one).await;
    let key = one.text("select code from scans order by id limit 1").await;
    let scan = zhisu_store::NewScan {
        code: key.clone(),
        product_id: None,
        batch_id: None,
        at: chrono::Utc::now(),
        place: None,
        client: "api".into(),
        region: None,
    };
    let mark = zhisu_store::JournalMark {
        journal: "a-stopped-server".into(),
        seq: 3,
    };
    store
        .record_scans(&[scan.clone(), scan.clone(), scan], &[], Some(&mark))
        .await
        .unwrap();
    let before = one.scalar(FOLDED).await;
    // Two running servers look at once: one of them folds them.
    let (a, b) = tokio::join!(
        one.service.fold_stopped_servers(),
        two.service.fold_stopped_servers()
    );
    assert_eq!(a.unwrap() + b.unwrap(), 3);
    assert_eq!(two.service.fold_stopped_servers().await.unwrap(), 0, "once");
    assert_eq!(one.scalar(FOLDED).await, before + 3);

    // A running server's scans, not yet folded, are its own to fold.
    scan_json(&two, &codes[1], "").await;
    scan_json(&two, &codes[1], "").await;
    assert_eq!(one.service.fold_stopped_servers().await.unwrap(), 0);
    two.service.flush_scans().await;
    assert_eq!(one.scalar(FOLDED).await, before + 5);
}
