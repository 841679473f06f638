//! Issue 20.1: scans through several servers on one PostgreSQL database
//! are each counted once — while the servers run, when another starts,
//! when one stops with scans unfolded (another folds them, once), and
//! when one is killed (`kill -9`) at any moment, in a fold or not.

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
    let scan = crate::scan_months::scan_at(&key, chrono::Utc::now());
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_at_any_moment_leaves_its_scans_to_another_counted_once() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    let Some((one, _two, _, maker)) = two_servers_and_a_maker().await else {
        return;
    };
    let (_, _, codes) = active_item_batch(&one, &maker, "FOLDS-3", 933).await;
    let paths: Arc<Vec<String>> = Arc::new(codes.iter().map(|c| crate::scan::path_of(c)).collect());
    let port = crate::support::port_for_a_child();
    let base = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    crate::support::copy_keys(&one.data, &data);
    let sent = Arc::new(AtomicU64::new(0));
    let acknowledged = Arc::new(AtomicU64::new(0));
    let stored_and_counted = || async {
        (
            one.scalar("select count(*) from scans").await,
            one.scalar(FOLDED).await,
        )
    };

    // A third server, its own process, killed while it scans: about when
    // its first fold runs (every two seconds), and later.
    for after in [1_950, 2_050, 2_400, 4_100] {
        let mut server = crate::scan_journal::serve(&one, &data, port).await;
        let scanners = crate::scan_journal::scanners(&base, &paths, &sent, &acknowledged);
        tokio::time::sleep(Duration::from_millis(after)).await;
        server.kill().unwrap(); // SIGKILL: no clean fold
        server.wait().unwrap();
        for s in scanners {
            s.await.unwrap();
        }
        // A running server takes over what it stored and did not fold, once
        // the database has seen the killed server's session end.
        until_counted_once(&one, after).await;
    }
    // What the killed server had answered but not yet stored is in its
    // journal: its next start stores it, and it is counted once too.
    let mut server = crate::scan_journal::serve(&one, &data, port).await;
    server.kill().unwrap();
    server.wait().unwrap();
    until_counted_once(&one, 0).await;
    let (stored, counted) = stored_and_counted().await;
    let acknowledged = acknowledged.load(Ordering::SeqCst) as i64;
    assert!(acknowledged > 100, "only {acknowledged} scans");
    assert!(
        stored >= acknowledged,
        "{} acknowledged scans lost",
        acknowledged - stored
    );
    assert!(stored <= sent.load(Ordering::SeqCst) as i64, "stored twice");
    assert_eq!(counted, stored);
}

/// Folds stopped servers' scans on `app` until every stored scan is
/// counted; never more than once on the way.
async fn until_counted_once(app: &crate::support::TestApp, killed_after: u64) {
    let started = std::time::Instant::now();
    loop {
        app.service.fold_stopped_servers().await.unwrap();
        let stored = app.scalar("select count(*) from scans").await;
        let counted = app.scalar(FOLDED).await;
        assert!(
            counted <= stored,
            "killed after {killed_after} ms: {counted} counted of {stored}"
        );
        if counted == stored {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "killed after {killed_after} ms: {counted} counted of {stored} ten seconds on"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
