//! Ledger benchmarks (issue #4), run by `bash scripts/bench-ledger.sh`:
//!
//! - `append`: the cost of appending leaves to the Merkle tree (leaf hash
//!   plus the tree's right edge, collecting the nodes the store keeps),
//!   as a ratio to hashing the same leaf bytes with SHA-256 alone.
//! - `proofs N`: N leaves in a real SQLite file; the stored tree is built
//!   once; then inclusion and consistency proofs through the service
//!   (what `/ledger/proof/*` serve), each checked, with their latency. The
//!   baseline is what every proof used to cost: reading all N leaves.
//! - `verify N`: `ledger verify` over N real record versions, against
//!   hashing the same leaf bytes alone.
//! - `commit N W`: N audited writes from W concurrent writers, then a
//!   checkpoint; with `per-leaf` a checkpoint (durable commit) after every
//!   write instead. Run under `strace -c` to count fsyncs.

mod common;
use common::open;

use std::time::{Duration, Instant};

use sha2::Digest;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn product_body(i: u64) -> String {
    format!(
        r#"{{"brand":"粤华","category":"gas-appliance","ccc_cert_no":"2020010105000001","code_scheme":"gs1","enterprise_id":3,"functions":null,"gtin":"0697000000{i:04}","honours":[],"instructions":"使用前请阅读说明书，注意通风。","instructions_file":null,"label_template":null,"mandatory_standards":["GB 16410-2020"],"materials":"不锈钢面板、铜火盖","model":"JZT-2-{i}","paused":false,"performance":null,"product_name":"家用燃气灶","product_type":"嵌入式双眼灶","production_licence_no":null,"trace_level":"per-item","warranty_months":36}}"#
    )
}

fn audit_body(i: u64) -> String {
    format!(
        r#"{{"action":"GET /api/v1/batches/{i}","actor":"key:17","at":"2026-11-23T10:00:00.000000Z","detail":null,"enterprise_id":3,"id":{i},"ip":"10.0.0.8","outcome":"200","target":"batch/{i}"}}"#
    )
}

fn append(n: u64) {
    for (name, make) in [
        (
            "record version",
            Box::new(|i| zhisu_ledger::leaf_bytes("product", i as i64, 1, &product_body(i)))
                as Box<dyn Fn(u64) -> Vec<u8>>,
        ),
        (
            "audit entry",
            Box::new(|i| format!("zhisu-audit/v1\n{}", audit_body(i)).into_bytes()),
        ),
    ] {
        let leaves: Vec<Vec<u8>> = (0..n).map(make).collect();
        let avg = leaves.iter().map(Vec::len).sum::<usize>() / leaves.len();
        let mut sha = Vec::new();
        let mut tree = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let mut x = 0u8;
            for leaf in &leaves {
                x ^= sha2::Sha256::digest(leaf)[0];
            }
            std::hint::black_box(x);
            sha.push(t.elapsed());

            let t = Instant::now();
            let mut frontier = zhisu_ledger::frontier::Frontier::new(zhisu_ledger::Suite::Standard);
            let mut stored = Vec::new();
            for leaf in &leaves {
                frontier.push_with(zhisu_ledger::Suite::Standard.leaf_hash(leaf), |id, hash| {
                    if id.is_stored() {
                        stored.push((id, hash));
                    }
                });
            }
            std::hint::black_box((frontier.root(), stored.len()));
            tree.push(t.elapsed());
        }
        let (sha, tree) = (median(sha), median(tree));
        println!(
            "append | {name}, {avg} B avg | {n} leaves | SHA-256 alone {:.1} ms | leaf hash + tree append {:.1} ms | ratio {:.2}×",
            sha.as_secs_f64() * 1e3,
            tree.as_secs_f64() * 1e3,
            tree.as_secs_f64() / sha.as_secs_f64()
        );
    }
}

fn decode(hashes: &[String]) -> Vec<zhisu_ledger::Hash> {
    use base64::Engine;
    hashes
        .iter()
        .map(|h| {
            base64::engine::general_purpose::STANDARD
                .decode(h)
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect()
}

async fn proofs(n: u64) {
    use sqlx::Connection;
    let dir =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let (engine, service, url) = open(dir.path()).await;
    let leaf = |i: u64| zhisu_ledger::Suite::Standard.leaf_hash(&i.to_be_bytes());

    // The leaves, written straight into the file (10M real writes would
    // take hours and measure something else).
    let t = Instant::now();
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("pragma synchronous = off")
        .execute(&mut c)
        .await
        .unwrap();
    let mut tx = c.begin().await.unwrap();
    for start in (0..n).step_by(1000) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into ledger_leaves (leaf_index, leaf_hash, entry_kind, entry_ref, created_at) ",
        );
        q.push_values(start..(start + 1000).min(n), |mut row, i| {
            row.push_bind(i as i64)
                .push_bind(zhisu_ledger::to_hex(&leaf(i)))
                .push_bind("record")
                .push_bind(format!("product/{i}@1"))
                .push_bind("2026-11-23T10:00:00Z");
        });
        q.build().execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    // As a running deployment's would be: the write-ahead log folded in.
    sqlx::query("pragma wal_checkpoint(truncate)")
        .execute(&mut c)
        .await
        .unwrap();
    drop(c);
    println!(
        "proofs | {n} leaves written in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Reference roots, computed in memory.
    let mut sizes: Vec<u64> = (1..=20).map(|k| n * k / 21).collect();
    sizes.push(n);
    let mut roots = std::collections::HashMap::new();
    let mut frontier = zhisu_ledger::frontier::Frontier::new(zhisu_ledger::Suite::Standard);
    for i in 0..n {
        frontier.push(leaf(i));
        if sizes.contains(&(i + 1)) {
            roots.insert(i + 1, frontier.root());
        }
    }

    // Baseline: what every proof used to cost, reading all leaves.
    let t = Instant::now();
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let all: Vec<String> =
        sqlx::query_scalar("select leaf_hash from ledger_leaves order by leaf_index")
            .fetch_all(&mut c)
            .await
            .unwrap();
    let read_all = t.elapsed();
    assert_eq!(all.len() as u64, n);
    drop(all);

    // The stored tree, built once by the checkpointer.
    let t = Instant::now();
    let (_, size) = service.checkpoint_with_size().await.unwrap();
    assert_eq!(size, n);
    let build = t.elapsed();
    let nodes: i64 = sqlx::query_scalar("select count(*) from ledger_nodes")
        .fetch_one(&mut c)
        .await
        .unwrap();
    println!(
        "proofs | stored tree built in {:.1} s: {nodes} node rows for {n} leaves",
        build.as_secs_f64()
    );

    let mut rng = 0x9e3779b97f4a7c15u64;
    let mut next = move |below: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % below
    };
    let rounds = 2000;
    let mut inclusion = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let size = sizes[next(sizes.len() as u64) as usize];
        let m = next(size);
        let t = Instant::now();
        let proof = service.inclusion_proof(m, size).await.unwrap();
        inclusion.push(t.elapsed());
        assert!(zhisu_ledger::verify_inclusion(
            zhisu_ledger::Suite::Standard,
            m,
            size,
            &leaf(m),
            &decode(&proof.hashes),
            &roots[&size]
        ));
    }
    let mut consistency = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let a = sizes[next(sizes.len() as u64) as usize];
        let b = sizes[next(sizes.len() as u64) as usize];
        let (first, second) = (a.min(b), a.max(b));
        let t = Instant::now();
        let proof = service.consistency_proof(first, second).await.unwrap();
        consistency.push(t.elapsed());
        assert!(zhisu_ledger::verify_consistency(
            zhisu_ledger::Suite::Standard,
            first,
            second,
            &roots[&first],
            &roots[&second],
            &decode(&proof.hashes)
        ));
    }
    for (name, v) in [
        ("inclusion", &mut inclusion),
        ("consistency", &mut consistency),
    ] {
        println!(
            "proofs | {name} | {rounds} proofs on {n} leaves, each verified | median {:.0} µs | p99 {:.0} µs | max {:.0} µs | baseline (read every leaf, as before) {:.0} ms",
            percentile(v, 0.5).as_secs_f64() * 1e6,
            percentile(v, 0.99).as_secs_f64() * 1e6,
            percentile(v, 1.0).as_secs_f64() * 1e6,
            read_all.as_secs_f64() * 1e3
        );
    }
    engine.close().await;
}

/// `ledger verify` over N record versions written straight into the file
/// (each with its real leaf), against the baseline of hashing the same leaf
/// bytes alone.
async fn verify(n: u64) {
    use sqlx::Connection;
    let dir =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let (engine, service, url) = open(dir.path()).await;
    let t = Instant::now();
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("pragma synchronous = off")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("pragma foreign_keys = off")
        .execute(&mut c)
        .await
        .unwrap();
    let mut tx = c.begin().await.unwrap();
    for start in (0..n).step_by(1000) {
        let rows: Vec<(u64, String)> = (start..(start + 1000).min(n))
            .map(|i| (i, product_body(i)))
            .collect();
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) ",
        );
        q.push_values(&rows, |mut row, (i, body)| {
            row.push_bind(*i as i64 + 1)
                .push_bind(1i64)
                .push_bind("product")
                .push_bind(body.clone())
                .push_bind("2026-11-23T10:00:00Z")
                .push_bind("bench")
                .push_bind(*i as i64);
        });
        q.build().execute(&mut *tx).await.unwrap();
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into ledger_leaves (leaf_index, leaf_hash, entry_kind, entry_ref, created_at) ",
        );
        q.push_values(&rows, |mut row, (i, body)| {
            let leaf = zhisu_ledger::leaf_bytes("product", *i as i64 + 1, 1, body);
            row.push_bind(*i as i64)
                .push_bind(zhisu_ledger::to_hex(
                    &zhisu_ledger::Suite::Standard.leaf_hash(&leaf),
                ))
                .push_bind("record")
                .push_bind(format!("product/{}@1", i + 1))
                .push_bind("2026-11-23T10:00:00Z");
        });
        q.build().execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("pragma wal_checkpoint(truncate)")
        .execute(&mut c)
        .await
        .unwrap();
    drop(c);
    println!(
        "verify | {n} record versions written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    service.checkpoint().await.unwrap();

    let t = Instant::now();
    let mut x = 0u8;
    for i in 0..n {
        x ^= sha2::Sha256::digest(zhisu_ledger::leaf_bytes(
            "product",
            i as i64 + 1,
            1,
            &product_body(i),
        ))[0];
    }
    std::hint::black_box(x);
    let baseline = t.elapsed();

    let t = Instant::now();
    let report = service.verify_ledger(|_| ()).await.unwrap();
    let elapsed = t.elapsed();
    assert_eq!(report.problem, None, "{report:?}");
    assert_eq!(report.leaves, n);
    println!(
        "verify | ledger verify of {n} leaves: {:.1} s ({:.0} leaves/s) | baseline (build + SHA-256 every leaf's bytes in memory) {:.1} s | ratio {:.1}×",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        baseline.as_secs_f64(),
        elapsed.as_secs_f64() / baseline.as_secs_f64()
    );
    engine.close().await;
}

async fn commit(n: usize, writers: usize, per_leaf: bool) {
    let dir =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let (engine, service, _) = open(dir.path()).await;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let service = service.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..n).step_by(writers) {
                service
                    .audit_access(None, format!("GET /bench/{i}"), None, None, "200".into())
                    .await
                    .expect("audited");
                if per_leaf {
                    service.checkpoint().await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (_, size) = service.checkpoint_with_size().await.unwrap();
    let elapsed = t.elapsed();
    assert_eq!(size as usize, n);
    println!(
        "commit | {} | {n} writes, {writers} writers | {:.0} writes/s",
        if per_leaf {
            "durable commit per leaf"
        } else {
            "group commit (durable at the checkpoint)"
        },
        n as f64 / elapsed.as_secs_f64()
    );
    engine.close().await;
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let num = |i: usize, default: u64| {
        args.get(i)
            .and_then(|a| a.replace('_', "").parse().ok())
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("append") => append(num(1, 1_000_000)),
        Some("proofs") => rt.block_on(proofs(num(1, 10_000_000))),
        Some("verify") => rt.block_on(verify(num(1, 1_000_000))),
        Some("commit") => rt.block_on(commit(
            num(1, 2000) as usize,
            num(2, 8) as usize,
            args.get(3).is_some_and(|a| a == "per-leaf"),
        )),
        _ => {
            eprintln!("usage: ledger append [N] | proofs [N] | verify [N] | commit [N] [WRITERS] [per-leaf]");
            std::process::exit(2);
        }
    }
}
