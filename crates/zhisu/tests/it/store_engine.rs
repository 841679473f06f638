//! The store's paging, EPCIS capture pieces and the SQLite write-ahead log,
//! on both engines (split from `store.rs`, which keeps versions and the
//! ledger).

use serde_json::json;
use zhisu_domain::RecordKind;
use zhisu_store::NewRecord;

use crate::store::{audit, index, open_store};
use crate::support::{EngineKind, TestApp};

/// The codes that fill the scan path's filters come back in pages, in code
/// order, each exactly once: scanned codes, and codes delivered to an
/// enterprise on the platform (not those sold off it).
#[tokio::test]
async fn codes_with_state_come_back_page_by_page() {
    use zhisu_store::{CodeSet, FlowRow, NewScan};
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let store = open_store(&app).await;
        let scan = |code: &str| crate::scan_months::scan_at(code, chrono::Utc::now());
        // Twice for one code: still one code.
        let scanned = [
            "(01)1(21)C",
            "(01)1(21)A",
            "(01)1(21)E",
            "(01)1(21)B",
            "(01)1(21)D",
        ];
        let mut scans: Vec<NewScan> = scanned.iter().map(|c| scan(c)).collect();
        scans.push(scan("(01)1(21)A"));
        let last = store.record_scans(&scans, &[], None).await.unwrap();
        let mut deltas: Vec<(String, zhisu_domain::scan::ScanSummary)> = Vec::new();
        for code in scanned {
            let mut summary = zhisu_domain::scan::ScanSummary::default();
            summary.record(0, || "2026-11-01T00:00:00Z".into(), None);
            deltas.push((code.to_string(), summary));
        }
        let deltas: Vec<_> = deltas.iter().map(|(c, s)| (c.as_str(), s)).collect();
        let gate = tokio::sync::RwLock::new(());
        drop(store.fold_scans(&deltas, last, None, &gate).await.unwrap());
        let line = |code: &str, to_id: Option<i64>| FlowRow {
            flow_id: 0,
            kind: "sale".into(),
            from_id: None,
            to_id,
            code: code.into(),
            batch_id: 1,
            quantity: 1,
            at: "2026-11-01".into(),
        };
        store
            .create_record(
                NewRecord {
                    kind: RecordKind::Flow,
                    index: index("F1", "flow"),
                    body: json!({"lines": 4}),
                    links: vec![],
                    flow: vec![
                        line("(01)1(21)Y", Some(7)),
                        line("(01)1(21)X", Some(8)),
                        line("(01)1(21)Y", Some(8)),
                        line("(01)1(21)Z", None),
                    ],
                    import_key: None,
                },
                audit("t.flow"),
            )
            .await
            .unwrap();
        for (set, expected) in [
            (CodeSet::Scanned, scanned.to_vec()),
            (CodeSet::Traded, vec!["(01)1(21)X", "(01)1(21)Y"]),
        ] {
            let mut expected: Vec<String> = expected.iter().map(|c| c.to_string()).collect();
            expected.sort();
            let (mut all, mut after, mut pages) = (Vec::new(), String::new(), 0);
            loop {
                let page = store.codes_with_state(set, &after, 2).await.unwrap();
                if page.is_empty() {
                    break;
                }
                assert!(page.len() <= 2, "{engine}: {page:?}");
                after = page.last().unwrap().clone();
                all.extend(page);
                pages += 1;
            }
            assert_eq!(all, expected, "{engine}: {set:?}");
            assert_eq!(pages, expected.len().div_ceil(2), "{engine}: {set:?}");
        }
    }
}

fn event(id: &str, epc: &str) -> zhisu_store::NewEvent {
    zhisu_store::NewEvent {
        event_id: id.into(),
        event_type: "ObjectEvent".into(),
        event_time: "2026-11-23T00:00:00.000Z".into(),
        record_time: "2026-11-23T00:00:00.000Z".into(),
        biz_step: None,
        action: Some("OBSERVE".into()),
        disposition: None,
        read_point: None,
        biz_location: None,
        epcs: vec![epc.into()],
        body: format!(r#"{{"eventID":"{id}"}}"#),
    }
}

/// A capture's pieces are stored as they come, in one transaction: pieces
/// that stop without their end (a later event failed its check) leave
/// nothing; with the end, every piece is there, repeats counted once.
#[tokio::test]
async fn a_capture_keeps_its_pieces_only_when_they_end() {
    use zhisu_store::Piece;
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let store = open_store(&app).await;
        // No pieces at all, and a piece without its end.
        for (capture, sent) in [
            ("c0", vec![]),
            ("c1", vec![vec![event("a", "x"), event("b", "y")]]),
        ] {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            for events in sent {
                tx.send(Piece::Events(events)).await.unwrap();
            }
            drop(tx);
            let kept = store
                .capture_events(capture, "test", None, None, rx)
                .await
                .unwrap();
            assert!(kept.is_none(), "{engine}: {capture}");
        }
        assert_eq!(app.scalar("select count(*) from epcis_events").await, 0);
        assert_eq!(app.scalar("select count(*) from epcis_captures").await, 0);

        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let writer = tokio::spawn(async move {
            tx.send(Piece::Events(vec![event("a", "x"), event("b", "y")]))
                .await
                .unwrap();
            tx.send(Piece::Events(vec![event("a", "x"), event("c", "z")]))
                .await
                .unwrap();
            tx.send(Piece::End).await.unwrap();
        });
        let row = store
            .capture_events("c2", "test", None, Some("k1"), rx)
            .await
            .unwrap()
            .expect("ended");
        writer.await.unwrap();
        assert_eq!((row.events, row.duplicates), (3, 1), "{engine}");
        let again = store.capture("c2").await.unwrap().unwrap();
        assert_eq!(again.signed_with.as_deref(), Some("k1"), "{engine}");
        let ids = app
            .strings("select event_id from epcis_events order by id")
            .await;
        assert_eq!(ids, ["a", "b", "c"], "{engine}");
        assert_eq!(
            app.scalar("select count(*) from epcis_event_epcs").await,
            3,
            "{engine}"
        );
        assert!(app.ledger_verify().await.status.success(), "{engine}");
    }
}

/// SQLite: the WAL is copied back into the database file in the
/// background (the writer never does it inline), so the file alone, read
/// without its WAL, soon holds what was written.
#[tokio::test]
async fn the_wal_is_checkpointed_in_the_background() {
    use sqlx::Connection;
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let store = open_store(&app).await;
    let pieces = zhisu_store::pieces_of(vec![event("w", "x")]);
    store
        .capture_events("wal", "test", None, None, pieces)
        .await
        .unwrap();
    let file = app.database_url.trim_start_matches("sqlite://").to_string();
    let in_file = || async {
        // Immutable: the file as it is, its WAL ignored.
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&file)
            .read_only(true)
            .immutable(true);
        let mut c = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("select count(*) from epcis_events where event_id = 'w'")
            .fetch_one(&mut c)
            .await
            .unwrap_or(0);
        n
    };
    let mut seen = false;
    for _ in 0..50 {
        if in_file().await == 1 {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the event reached the database file within 5 s");
}

/// Under writes that never pause, a passive checkpoint can copy the WAL
/// back but never start it over; past its limit the WAL is emptied and
/// truncated, so it does not grow for as long as the load lasts. Two tasks
/// write back to back, so the writer always has a write waiting: the
/// emptying takes its turn for the writer, where from a connection of its
/// own it had to catch the write lock between two commits and, under large
/// writes, missed it for as long as they came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_emptied_under_writes_that_never_pause() {
    use zhisu_store::ScanStore as _;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wal.db");
    let store = std::sync::Arc::new(zhisu_store_sql::SqliteStore::open(&file).await.unwrap());
    let wal = format!("{}-wal", file.display());
    let limit = zhisu_store_sql::WAL_LIMIT_FRAMES as u64 * 4096;
    let scans: std::sync::Arc<Vec<zhisu_store::NewScan>> = std::sync::Arc::new(
        (0..20_000)
            .map(|i| zhisu_store::NewScan {
                code: format!("(01)06970000000017(21)WAL{i:012}"),
                product_id: None,
                batch_id: None,
                at: chrono::Utc::now(),
                place: None,
                client: "api".into(),
                region: None,
            })
            .collect(),
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let (store, scans, stop) = (store.clone(), scans.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    store.record_scans(&scans, &[], None).await.unwrap();
                }
            })
        })
        .collect();
    let (mut largest, mut emptied, mut last) = (0, 0, 0);
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(20) && emptied == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let now = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if now < last {
            emptied += 1;
        }
        largest = largest.max(now);
        last = now;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(
        largest > limit,
        "the writes took the WAL past its limit ({largest} bytes)"
    );
    assert!(
        emptied > 0,
        "the WAL was emptied while writes went on (largest {largest} bytes)"
    );
    // A checkpoint a second: emptied within a few seconds of passing the
    // limit, not whenever the writes happen to leave a gap.
    assert!(
        largest < 8 * limit,
        "the WAL was emptied soon after it passed its limit (largest {largest} bytes)"
    );
}
