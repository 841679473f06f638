//! Verification sweep benchmarks (issue 17), run by
//! `bash scripts/bench-sweep.sh`:
//!
//! - `full E`: E enterprises (default 10,000), each with 19 products, 40
//!   batches and 40 flows (100 records each: 1,000,000 for 10,000), written
//!   straight into a real SQLite file, and the files they reference into
//!   the data folder (the first full sweep looks at each: ZV-C-005); then a full sweep of every rule
//!   through the service, against the baseline the issue names: the
//!   `sqlite3` shell reading the same rows' bodies (`select body from
//!   record_versions`), in the same run.
//! - then `incremental`: 1,000 records changed through the service (real
//!   writes, each a ledger leaf), and a sweep after them, against the full
//!   sweep just measured.
//!
//! The data carries defects of several rules (a shared licence number, a
//! model filed twice, a sale above what a batch made), so the sweeps have
//! findings to keep, open and resolve.

mod common;
use common::open;

/// The allocator `zhisu verify run` runs with (`src/main.rs`): the sweep
/// allocates every parsed record's strings, and glibc's malloc and free
/// were a fifth of this bench's profile without it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::Connection;
use zhisu_domain::flow::{Flow, FlowKind, FlowLine};
use zhisu_domain::{
    Batch, BatchStatus, BlobRef, CodeScheme, Enterprise, EnterpriseKind, Product, TraceLevel,
};

const PRODUCTS: i64 = 19;
const BATCHES: i64 = 40;
const FLOWS: i64 = 40;
const PER_ENTERPRISE: i64 = 1 + PRODUCTS + BATCHES + FLOWS;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn blob(tag: &str) -> BlobRef {
    use sha2::Digest;
    BlobRef {
        sha256: hex::encode(sha2::Sha256::digest(tag.as_bytes())),
        content_type: "application/pdf".into(),
        size: 4096,
        name: format!("{tag}.pdf"),
    }
}

/// A valid USCC for enterprise `e`, registered in Guangdong.
fn uscc(e: i64) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = String::new();
    let mut n = e as usize;
    for _ in 0..8 {
        body.push(CHARS[n % CHARS.len()] as char);
        n /= CHARS.len();
    }
    zhisu_codes::Uscc::from_prefix16(&format!("91440300{body}"))
        .unwrap()
        .to_string()
}

/// A GTIN-13 with its check digit.
fn gtin(n: i64) -> String {
    let body = format!("69{n:010}");
    let check = zhisu_codes::gs1::lint::mod10_check_digit(&body).unwrap();
    format!("{body}{check}")
}

/// Record IDs of enterprise `e` (0-based): the enterprise, then its
/// products, batches and flows.
fn enterprise_id(e: i64) -> i64 {
    e * PER_ENTERPRISE + 1
}
fn product_id(e: i64, p: i64) -> i64 {
    enterprise_id(e) + 1 + p
}
fn batch_id(e: i64, b: i64) -> i64 {
    enterprise_id(e) + 1 + PRODUCTS + b
}
fn flow_id(e: i64, f: i64) -> i64 {
    enterprise_id(e) + 1 + PRODUCTS + BATCHES + f
}

struct Row {
    id: i64,
    kind: &'static str,
    enterprise_id: Option<i64>,
    parent_id: Option<i64>,
    unique_key: Option<String>,
    name: String,
    region: String,
    body: String,
    /// A file the record references (record_files); its bytes are its
    /// name without `.pdf` (`blob`).
    file: Option<BlobRef>,
    /// A flow's line: its batch (flow_lines).
    line: Option<(i64, String, i64)>,
}

/// Enterprise `e`'s 100 records.
fn records_of(e: i64, enterprises: i64) -> Vec<Row> {
    let region = format!("4403{:02}", e % 10 + 1);
    let ent = enterprise_id(e);
    let enterprise = Enterprise {
        kind: EnterpriseKind::Manufacturer,
        name: format!("基准燃气具厂{e:05}有限公司"),
        uscc: uscc(e),
        address: format!("广东省深圳市工业园{e}号"),
        region_code: region.clone(),
        contact_name: Some("王经理".into()),
        contact_phone: "0755-8888 0000".into(),
        contact_email: None,
        business_licence: blob(&format!("licence-{e}")),
        management_certifications: vec!["ISO 9001".into()],
        product_certifications: vec![],
        website: None,
        channels: vec![],
        signing_keys: vec![],
        identity_check: Some(zhisu_domain::identity_check::IdentityCheck {
            status: zhisu_domain::identity_check::IdentityStatus::Verified,
            by: "user:1".into(),
            at: "2026-10-01T02:00:00Z".into(),
            note: "营业执照核验通过".into(),
        }),
    };
    let mut rows = vec![Row {
        id: ent,
        kind: "enterprise",
        enterprise_id: Some(ent),
        parent_id: None,
        unique_key: Some(enterprise.uscc.clone()),
        name: enterprise.name.clone(),
        region: region.clone(),
        file: Some(enterprise.business_licence.clone()),
        body: serde_json::to_string(&enterprise).unwrap(),
        line: None,
    }];
    for p in 0..PRODUCTS {
        // Every 100th enterprise's first product shares a CCC number with
        // the enterprise before it (ZV-A-002); every 50th files a model
        // twice (ZV-R-003).
        let ccc = if e % 100 == 1 && p == 0 {
            format!("2026{:012}", (e - 1) * 100)
        } else {
            format!("2026{:012}", e * 100 + p)
        };
        let model = if e % 50 == 0 && p == 1 {
            "JZ-0".to_string()
        } else {
            format!("JZ-{p}")
        };
        let product = Product {
            enterprise_id: ent,
            product_name: format!("家用燃气灶{p}"),
            product_type: "嵌入式双眼灶".into(),
            model: model.clone(),
            category: "gas-appliance".into(),
            brand: Some("粤华".into()),
            honours: vec![],
            mandatory_standards: vec!["GB 16410-2020".into()],
            production_licence_no: None,
            ccc_cert_no: Some(ccc),
            warranty_months: Some(36),
            service_life_months: None,
            instructions: Some("使用前请阅读说明书，注意通风。".into()),
            instructions_file: None,
            materials: Some("不锈钢面板、铜火盖".into()),
            functions: None,
            performance: None,
            code_scheme: CodeScheme::Gs1,
            trace_level: TraceLevel::PerItem,
            gtin: Some(gtin(e * 100 + p)),
            scheme_code: None,
            label_template: None,
            paused: false,
            reporting_cadence: None,
            supplements: Vec::new(),
            registrations: Vec::new(),
            copied_from: None,
            amended: vec![],
            review: Some(zhisu_domain::review::Decision {
                class: zhisu_domain::verification::ResultClass::Compliant,
                reason: "备案信息齐全".into(),
                by: "user:1".into(),
                at: "2026-10-01T02:00:00Z".into(),
            }),
        };
        rows.push(Row {
            id: product_id(e, p),
            kind: "product",
            enterprise_id: Some(ent),
            parent_id: None,
            unique_key: Some(format!("{ent}/{model}/{p}")),
            name: product.product_name.clone(),
            region: region.clone(),
            body: serde_json::to_string(&product).unwrap(),
            file: None,
            line: None,
        });
    }
    for b in 0..BATCHES {
        let batch = Batch {
            product_id: product_id(e, b % PRODUCTS),
            enterprise_id: ent,
            batch_no: format!("B2026{b:04}"),
            production_date: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            quantity: Some(100),
            inspection_report: blob(&format!("report-{e}-{b}")),
            inspection_report_public: true,
            note: None,
            status: BatchStatus::Active,
            review_notes: vec![],
            review: None,
            activated_at: Some("2026-10-02T02:00:00Z".into()),
            disposal: None,
            inputs: vec![],
            copied_from: None,
            days: vec![],
        };
        rows.push(Row {
            id: batch_id(e, b),
            kind: "batch",
            enterprise_id: Some(ent),
            parent_id: Some(batch.product_id),
            unique_key: Some(format!("{}/{}", batch.product_id, batch.batch_no)),
            name: batch.batch_no.clone(),
            region: region.clone(),
            file: Some(batch.inspection_report.clone()),
            body: serde_json::to_string(&batch).unwrap(),
            line: None,
        });
    }
    let buyer = (e + 1) % enterprises;
    for f in 0..FLOWS {
        // Sales of each batch to the next enterprise, 30 items each (the
        // 7th enterprise's first batch 130, more than it made: ZV-R-002);
        // the buyer records the purchase of the last ten.
        let (kind, recorder, counterparty, batch) = if f < 30 {
            (FlowKind::Sale, e, buyer, batch_id(e, f))
        } else {
            let seller = (e + enterprises - 1) % enterprises;
            (FlowKind::Purchase, e, seller, batch_id(seller, f - 10))
        };
        let quantity = if e % 7 == 0 && f == 0 { 130 } else { 30 };
        let flow = Flow {
            enterprise_id: enterprise_id(recorder),
            kind,
            at: "2026-10-05T02:00:00Z".into(),
            counterparty_id: Some(enterprise_id(counterparty)),
            counterparty_name: format!("基准燃气具厂{counterparty:05}有限公司"),
            counterparty_address: None,
            counterparty_contact: None,
            lines: vec![FlowLine {
                code: format!("(01)0{:013}(10)B2026{:04}", batch, f % 30),
                batch_id: batch,
                quantity,
            }],
            matched: (kind == FlowKind::Purchase).then_some(true),
            unmatched: vec![],
        };
        rows.push(Row {
            id: flow_id(e, f),
            kind: "flow",
            enterprise_id: Some(ent),
            parent_id: None,
            unique_key: None,
            name: format!("{kind:?}"),
            region: region.clone(),
            line: Some((batch, flow.lines[0].code.clone(), quantity as i64)),
            body: serde_json::to_string(&flow).unwrap(),
            file: None,
        });
    }
    rows
}

/// Writes E enterprises' records straight into the file, as if filed long
/// ago (leaf indexes far below any the service appends).
async fn seed(url: &str, blobs: &std::path::Path, enterprises: i64) -> i64 {
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("pragma synchronous = off")
        .execute(&mut c)
        .await
        .unwrap();
    let mut tx = c.begin().await.unwrap();
    let mut written = 0;
    for chunk in (0..enterprises).collect::<Vec<_>>().chunks(10) {
        let rows: Vec<Row> = chunk
            .iter()
            .flat_map(|e| records_of(*e, enterprises))
            .collect();
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into records (id, kind, enterprise_id, parent_id, unique_key, name, region_code, version, created_at, updated_at, updated_by) ",
        );
        q.push_values(&rows, |mut b, r| {
            b.push_bind(r.id)
                .push_bind(r.kind)
                .push_bind(r.enterprise_id)
                .push_bind(r.parent_id)
                .push_bind(r.unique_key.clone())
                .push_bind(r.name.clone())
                .push_bind(r.region.clone())
                .push_bind(1i64)
                .push_bind("2026-10-05T02:00:00Z")
                .push_bind("2026-10-05T02:00:00Z")
                .push_bind("bench");
        });
        q.build().execute(&mut *tx).await.unwrap();
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) ",
        );
        q.push_values(&rows, |mut b, r| {
            b.push_bind(r.id)
                .push_bind(1i64)
                .push_bind(r.kind)
                .push_bind(r.body.clone())
                .push_bind("2026-10-05T02:00:00Z")
                .push_bind("bench")
                .push_bind(-r.id);
        });
        q.build().execute(&mut *tx).await.unwrap();
        let files: Vec<&Row> = rows.iter().filter(|r| r.file.is_some()).collect();
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into record_files (sha256, record_id) ",
        );
        q.push_values(&files, |mut b, r| {
            b.push_bind(r.file.as_ref().map(|f| f.sha256.clone()))
                .push_bind(r.id);
        });
        q.build().execute(&mut *tx).await.unwrap();
        // Each a file to look at, as the store's writes add them.
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert or ignore into file_checks (sha256, checked_at) ",
        );
        q.push_values(&files, |mut b, r| {
            b.push_bind(r.file.as_ref().map(|f| f.sha256.clone()))
                .push_bind("");
        });
        q.build().execute(&mut *tx).await.unwrap();
        // The files on disk, as uploads leave them (ZV-C-005 looks at them).
        for file in files.iter().filter_map(|r| r.file.as_ref()) {
            let path = blobs.join(&file.sha256[..2]).join(&file.sha256);
            if !path.exists() {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, file.name.trim_end_matches(".pdf")).unwrap();
            }
        }
        // The files themselves, as if uploaded (an amendment checks they are).
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert or ignore into blobs (sha256, content_type, size, name, created_at) ",
        );
        q.push_values(&files, |mut b, r| {
            b.push_bind(r.file.as_ref().map(|f| f.sha256.clone()))
                .push_bind("application/pdf")
                .push_bind(4096)
                .push_bind("licence.pdf")
                .push_bind("2026-10-05T02:00:00Z");
        });
        q.build().execute(&mut *tx).await.unwrap();
        let lines: Vec<&Row> = rows.iter().filter(|r| r.line.is_some()).collect();
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into flow_lines (flow_id, kind, code, batch_id, quantity, at) ",
        );
        q.push_values(&lines, |mut b, r| {
            let (batch, code, quantity) = r.line.clone().unwrap();
            b.push_bind(r.id)
                .push_bind("sale")
                .push_bind(code)
                .push_bind(batch)
                .push_bind(quantity)
                .push_bind("2026-10-05T02:00:00Z");
        });
        q.build().execute(&mut *tx).await.unwrap();
        written += rows.len() as i64;
    }
    tx.commit().await.unwrap();
    sqlx::query("pragma wal_checkpoint(truncate)")
        .execute(&mut c)
        .await
        .unwrap();
    written
}

/// The baseline: the `sqlite3` shell reading every body.
fn sqlite3_read(file: &std::path::Path) -> Duration {
    let t = Instant::now();
    let out = Command::new("sqlite3")
        .arg(file)
        .arg("select body from record_versions")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the sqlite3 shell (apt-get install sqlite3)");
    assert!(out.success());
    t.elapsed()
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let enterprises: i64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10_000);
    // BENCH_REUSE=DIR sweeps a folder an earlier run kept (BENCH_KEEP)
    // without seeding it again: for profiling, not for the figures.
    let reused = std::env::var_os("BENCH_REUSE").map(std::path::PathBuf::from);
    let dir =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let data = reused.clone().unwrap_or_else(|| dir.path().to_path_buf());
    let (engine, service, url) = open(&data).await;
    let n = if reused.is_some() {
        enterprises * PER_ENTERPRISE
    } else {
        let t = Instant::now();
        let n = seed(&url, &data.join("blobs"), enterprises).await;
        println!(
            "seed | {n} records of {enterprises} enterprises written in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        n
    };
    let file = data.join("zhisu.db");
    if std::env::var_os("BENCH_KEEP").is_some() && reused.is_none() {
        let kept = dir.path().to_path_buf();
        std::mem::forget(dir);
        println!("seed | kept in {}", kept.display());
    }

    let baseline = median((0..5).map(|_| sqlite3_read(&file)).collect());
    // The first sweep of a day also looks at every file the records
    // reference (ZV-C-005): it is shown, and the median is of the sweeps
    // after it, as a sweep runs every few minutes.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(4)
        .max(2);
    let mut full = Vec::new();
    for run in 0..runs {
        let t = Instant::now();
        let sweep = service
            .run_sweep(None, zhisu_service::SweepMode::Full, |_| ())
            .await
            .unwrap();
        let elapsed = t.elapsed();
        assert_eq!(sweep.records, n, "every record read");
        println!(
            "full | run {} | {:.2} s | {} records, {} findings ({} opened, {} resolved)",
            run + 1,
            elapsed.as_secs_f64(),
            sweep.records,
            sweep.findings,
            sweep.opened,
            sweep.resolved
        );
        if run > 0 {
            full.push(elapsed);
        }
    }
    let full = median(full);
    println!(
        "full | median of runs 2–{runs} {:.2} s | baseline sqlite3 `select body from record_versions` {:.2} s | ratio {:.1}× (target ≤ 5×)",
        full.as_secs_f64(),
        baseline.as_secs_f64(),
        full.as_secs_f64() / baseline.as_secs_f64()
    );

    // 1,000 changes through the service, as users make them: 500 products
    // renamed and 500 enterprises given a new phone number; each a new
    // version with its ledger leaf.
    let admin = zhisu_domain::Principal {
        actor: "user:1".into(),
        display_name: "基准".into(),
        role: zhisu_domain::Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: vec![],
    };
    let t = Instant::now();
    let step = (enterprises / 500).max(1);
    let mut changes = 0;
    for i in 0..500 {
        let e = (i * step) % enterprises;
        service
            .update_product(
                &admin,
                product_id(e, 3),
                &serde_json::json!({"product_name": "家用燃气灶（升级款）"}),
                None,
                None,
            )
            .await
            .unwrap();
        service
            .update_enterprise(
                &admin,
                enterprise_id(e),
                &serde_json::json!({"contact_phone": "0755-8888 0001"}),
                None,
                None,
            )
            .await
            .unwrap();
        changes += 2;
    }
    println!(
        "incremental | {changes} records changed through the service in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let sweep = service.run_verification(None, |_| ()).await.unwrap();
    let incremental = t.elapsed();
    assert_eq!(sweep.mode, "incremental");
    println!(
        "incremental | {:.3} s | {} records read, {} findings in scope ({} opened, {} resolved) | against the full sweep {:.2} s: {:.3}× (target under 1 s)",
        incremental.as_secs_f64(),
        sweep.records,
        sweep.findings,
        sweep.opened,
        sweep.resolved,
        full.as_secs_f64(),
        incremental.as_secs_f64() / full.as_secs_f64()
    );
    engine.close().await;
}
