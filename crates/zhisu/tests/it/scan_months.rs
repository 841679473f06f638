//! Issue 20.4, the scan log at scale: on PostgreSQL `scans` is partitioned
//! by month, each month's partition made before its first scan is
//! written; retention drops whole months past the deployment's keeping
//! (three years, or the longest industry rule), on SQLite their rows;
//! the codes' counts stay. A database whose scans were logged before the
//! partitions is upgraded with every scan in its month and counted once.

use chrono::{DateTime, Utc};
use zhisu_store::NewScan;

use crate::statistics_upgrade::{database_before, execute};
use crate::support::{EngineKind, TestApp};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A scan of `code` at `when`, of no product, through the API: what the
/// store's tests log directly.
pub(crate) fn scan_at(code: &str, when: DateTime<Utc>) -> NewScan {
    NewScan {
        code: code.into(),
        product_id: None,
        batch_id: None,
        at: when,
        place: None,
        client: "api".into(),
        region: None,
    }
}

fn scan(code: &str, when: &str) -> NewScan {
    scan_at(code, at(when))
}

const PARTITIONS: &str =
    "select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid \
     where i.inhparent = 'scans'::regclass order by 1";

#[tokio::test]
async fn old_months_of_scans_go_whole_and_the_codes_counts_stay() {
    for app in TestApp::each_engine().await {
        let engine = app.engine_kind;
        let store = crate::store::open_store(&app).await;
        // Two years and a half, three years and a day, three years less a
        // day before 2026-12-07, and now.
        let now = Utc::now();
        let logged = [
            scan("/01/OLD", "2024-06-10T08:00:00Z"),
            scan("/01/EDGE", "2023-11-30T23:59:59Z"),
            scan("/01/EDGE", "2023-12-01T00:00:00Z"),
            scan("/01/NOW", &now.to_rfc3339()),
        ];
        store.record_scans(&logged, &[], None).await.unwrap();
        app.service.fold_leftover_scans().await.unwrap();
        if engine == EngineKind::Postgres {
            let month = |t: DateTime<Utc>| t.format("scans_%Y_%m").to_string();
            let partitions = app.strings(PARTITIONS).await;
            for expected in [
                "scans_2023_11".to_string(),
                "scans_2023_12".into(),
                "scans_2024_06".into(),
                month(now),
                month(now + chrono::Duration::days(31)),
            ] {
                assert!(
                    partitions.contains(&expected),
                    "{expected} in {partitions:?}"
                );
            }
            // Each scan in its own month's partition.
            assert_eq!(
                app.scalar("select count(*) from scans_2023_11").await,
                1,
                "the last second of November (UTC)"
            );
        }

        // 2026-12-07: three years back is 2023-12-07; November 2023 ended
        // before, so it goes; December 2023 does not.
        let today = "2026-12-07".parse().unwrap();
        let dropped = app.service.drop_expired_scan_months(today).await.unwrap();
        assert_eq!(dropped, ["2023-11"], "{engine:?}");
        assert_eq!(app.service.count_scans().await.unwrap(), 3, "{engine:?}");
        let left = app.strings("select code from scans order by at").await;
        assert_eq!(left, ["/01/EDGE", "/01/OLD", "/01/NOW"], "{engine:?}");
        if engine == EngineKind::Postgres {
            assert!(!app
                .strings(PARTITIONS)
                .await
                .contains(&"scans_2023_11".to_string()));
        }
        // The codes' counts stay, the dropped month's scan among them.
        assert_eq!(
            app.scalar("select count from scan_counts where code = '/01/EDGE'")
                .await,
            2,
            "{engine:?}"
        );
        // Once: nothing left to drop.
        assert!(app
            .service
            .drop_expired_scan_months(today)
            .await
            .unwrap()
            .is_empty());

        // An industry rule of five years keeps them all a year later.
        let kept = TestApp::spawn_with(engine, |args| {
            let config = args.common.data.clone().unwrap().with_extension("toml");
            std::fs::write(&config, "[retention_years]\nwire-cable = 5\n").unwrap();
            args.common.config = Some(config);
        })
        .await;
        let store = crate::store::open_store(&kept).await;
        store.record_scans(&logged, &[], None).await.unwrap();
        let dropped = kept
            .service
            .drop_expired_scan_months("2027-12-07".parse().unwrap())
            .await
            .unwrap();
        assert!(dropped.is_empty(), "{engine:?}: {dropped:?}");
        assert_eq!(kept.service.count_scans().await.unwrap(), 4);
    }
}

/// A PostgreSQL database of the migrations before 0049, with scans of
/// three months, some folded and one not: opened by this version, each
/// scan is in its month's partition, new scans take ids after the old
/// ones, and the unfolded one is counted once.
#[tokio::test]
async fn scans_logged_before_the_partitions_are_moved_into_their_months() {
    if crate::support::postgres_base_url().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = database_before(EngineKind::Postgres, dir.path(), "0049").await;
    execute(
        EngineKind::Postgres,
        &url,
        &[
            "insert into scans (id, code, at, client) values \
             (1, 'A', '2026-09-30T23:59:59.999999Z', 'api'), \
             (2, 'A', '2026-10-01T00:00:00.000000Z', 'api'), \
             (3, 'B', '2026-11-15T08:00:00.000000Z', 'api')"
                .into(),
            "select setval('scans_id_seq', 3)".into(),
            "insert into scan_counts (code, count, first_at) values ('A', 2, '2026-09-30T23:59:59.999999Z')"
                .into(),
            "update scan_fold set upto = 2".into(),
        ],
    )
    .await;
    let app = TestApp::spawn_at_url(EngineKind::Postgres, url).await;
    let placed = app
        .strings("select tableoid::regclass::text || ' ' || id from scans order by id")
        .await;
    assert_eq!(
        placed,
        ["scans_2026_09 1", "scans_2026_10 2", "scans_2026_11 3"]
    );
    let store = crate::store::open_store(&app).await;
    let last = store
        .record_scans(&[scan("C", "2026-12-07T01:00:00Z")], &[], None)
        .await
        .unwrap();
    assert_eq!(last, 4, "ids go on from the old ones");
    app.service.fold_leftover_scans().await.unwrap();
    assert_eq!(
        app.strings("select code || ' ' || count from scan_counts order by code")
            .await,
        ["A 2", "B 1", "C 1"]
    );
}
