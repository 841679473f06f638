//! Issue 16.12: a scan the server answered survives `kill -9`. Scans are
//! answered before the scan log's writer stores them; the journal they are
//! appended to first is replayed when the server starts again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zhisu_domain::Role;

use crate::scan::{active_item_batch, path_of};
use crate::support::TestApp;

/// `zhisu serve` as its own process on the app's database.
pub(crate) async fn serve(app: &TestApp, data: &std::path::Path, port: u16) -> std::process::Child {
    crate::cli::serve_on(
        port,
        &[
            "--data",
            data.to_str().unwrap(),
            "--database-url",
            &app.database_url,
            "--public-url",
            &app.base,
        ],
    )
    .await
}

/// Eight clients scanning `paths` through `base` until it stops
/// answering, counting the scans sent and those answered.
pub(crate) fn scanners(
    base: &str,
    paths: &Arc<Vec<String>>,
    sent: &Arc<AtomicU64>,
    acknowledged: &Arc<AtomicU64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..8u64)
        .map(|s| {
            let (base, paths, sent, acknowledged) = (
                base.to_string(),
                paths.clone(),
                sent.clone(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for n in s.. {
                    let path = &paths[n as usize % paths.len()];
                    sent.fetch_add(1, Ordering::SeqCst);
                    let Ok(r) = client
                        .get(format!("{base}{path}"))
                        .header("accept", "application/json")
                        .send()
                        .await
                    else {
                        break;
                    };
                    if r.status() != 200 || r.bytes().await.is_err() {
                        break;
                    }
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_scan_is_lost_to_kill_9() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (_, _, codes) = active_item_batch(&app, &maker, "JOURNAL-1", 811).await;
        let paths: Arc<Vec<String>> = Arc::new(codes.iter().map(|c| path_of(c)).collect());
        let port = crate::support::port_for_a_child();
        let base = format!("http://127.0.0.1:{port}");
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        crate::support::copy_keys(&app.data, &data);
        let sent = Arc::new(AtomicU64::new(0));
        let acknowledged = Arc::new(AtomicU64::new(0));

        for round in 0..3 {
            let mut server = serve(&app, &data, port).await;
            let scanners = scanners(&base, &paths, &sent, &acknowledged);
            // Scans go on for a while, then the server is killed mid-flight.
            tokio::time::sleep(Duration::from_millis(1200 + 300 * round)).await;
            server.kill().unwrap(); // SIGKILL
            server.wait().unwrap();
            for s in scanners {
                s.await.unwrap();
            }
        }
        // The next start stores what the killed ones had answered.
        let mut server = serve(&app, &data, port).await;
        server.kill().unwrap();
        server.wait().unwrap();

        let acknowledged = acknowledged.load(Ordering::SeqCst) as i64;
        let sent = sent.load(Ordering::SeqCst) as i64;
        let stored = app.scalar("select count(*) from scans").await;
        assert!(acknowledged > 100, "{engine}: only {acknowledged} scans");
        assert!(
            stored >= acknowledged,
            "{engine}: {} of {acknowledged} acknowledged scans lost",
            acknowledged - stored
        );
        assert!(
            stored <= sent,
            "{engine}: {stored} scans stored of {sent} sent: some stored twice"
        );
        // Each stored scan is counted in its code's summary exactly once.
        let counted = app
            .scalar("select cast(coalesce(sum(count), 0) as bigint) from scan_counts")
            .await;
        assert_eq!(counted, stored, "{engine}: summaries and log disagree");
    }
}
