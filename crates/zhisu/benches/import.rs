//! Import benchmarks (issue 19.3), run by `bash scripts/bench-import.sh
//! [ROWS]`: one XLSX file of ROWS batch rows (default 100,000) — the
//! batches template's keys, then a row a batch of one product — imported
//! through the service as `zhisu import` runs it (read, checked, filed,
//! each batch a record version and a ledger leaf) into a real SQLite
//! file, against the baseline the issue names: calamine alone reading the
//! same file, in the same run. Then the same file again (every row
//! unchanged, nothing created; known by its SHA-256) and the same rows in
//! another file (read and looked up row by row) against the same baseline.

mod common;
use common::open;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use calamine::Reader;
use serde_json::json;
use zhisu_domain::{Principal, Role};
use zhisu_print::xlsx::{workbook, Cell, Sheet};
use zhisu_service::{CommitMode, ImportUpload};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The batches template as a clerk fills it: Chinese names, keys, rows.
fn batches_xlsx(rows: usize, product_id: i64, report: &str, sheet: &str) -> Vec<u8> {
    let kind = zhisu_domain::imports::kind("batches").unwrap();
    let names: Vec<&str> = kind.columns.iter().map(|c| c.zh.as_str()).collect();
    let mut cells: Vec<Vec<Cell>> = vec![kind
        .columns
        .iter()
        .map(|c| Cell::from(c.key.as_str()))
        .collect()];
    for i in 0..rows {
        cells.push(vec![
            Cell::Number(product_id as f64),
            Cell::from(format!("B{i:07}")),
            Cell::from(format!("2026-{:02}-{:02}", 1 + i % 11, 1 + i % 28)),
            Cell::Number(100.0 + (i % 50) as f64),
            Cell::from(report),
            Cell::from(if i % 2 == 0 { "是" } else { "否" }),
            Cell::Empty,
        ]);
    }
    workbook(&[Sheet::new(sheet, &names, cells)]).unwrap()
}

/// calamine alone: the workbook opened and its first sheet's cells read.
fn calamine_read(bytes: &[u8]) -> usize {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range.rows().count()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::var("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::env::temp_dir().join(format!("zhisu-bench-import-{}", std::process::id()))
        });
    std::fs::create_dir_all(&dir).unwrap();
    let (engine, service, _) = open(&dir).await;
    let admin = Principal {
        actor: "bench".into(),
        display_name: "bench".into(),
        role: Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: Vec::new(),
    };
    let licence = service
        .upload_blob(
            Some(&admin),
            "licence.pdf",
            &zhisu::demo::demo_pdf("licence"),
        )
        .await
        .unwrap();
    let enterprise = service
        .create_enterprise(
            &admin,
            serde_json::from_value(json!({
                "kind": "manufacturer",
                "name": "基准电线电缆有限公司",
                "uscc": zhisu_codes::Uscc::from_prefix16("9144030012345678").unwrap().to_string(),
                "address": "广东省深圳市南山区科技园1号",
                "region_code": "440305",
                "contact_phone": "0755-8888 0000",
                "business_licence": licence.sha256,
            }))
            .unwrap(),
            None,
        )
        .await
        .unwrap();
    let product = service
        .create_product(
            &admin,
            serde_json::from_value(json!({
                "enterprise_id": enterprise.id,
                "product_name": "家用燃气灶",
                "product_type": "嵌入式燃气灶",
                "model": "BENCH-1",
                "category": "gas-appliance",
                "mandatory_standards": ["GB 16410-2020"],
                "ccc_cert_no": "2021010101123456",
                "warranty_months": 36,
                "instructions": "使用前检查燃气软管",
                "code_scheme": "gs1",
                "trace_level": "per-batch",
            }))
            .unwrap(),
            None,
        )
        .await
        .unwrap();
    let report = service
        .upload_blob(Some(&admin), "report.pdf", &zhisu::demo::demo_pdf("report"))
        .await
        .unwrap();
    let file = batches_xlsx(rows, product.id, &report.sha256, "批次");
    // The same rows in other bytes (another sheet name): not known by the
    // file's SHA-256, read and looked up row by row.
    let same_rows = batches_xlsx(rows, product.id, &report.sha256, "批次（重发）");
    println!(
        "import: {rows} batch rows, XLSX of {:.1} MB",
        file.len() as f64 / 1e6
    );

    let baseline = median(
        (0..3)
            .map(|_| {
                let t = Instant::now();
                assert_eq!(calamine_read(&file), rows + 2);
                t.elapsed()
            })
            .collect(),
    );
    println!("baseline: calamine reads the file in {baseline:.2?} (median of 3)");

    let import = |file: Vec<u8>| {
        let service = service.clone();
        let admin = admin.clone();
        async move {
            let t = Instant::now();
            let job = service
                .check_import(
                    &admin,
                    ImportUpload {
                        kind: "batches".into(),
                        enterprise_id: Some(enterprise.id),
                        file_name: "batches.xlsx".into(),
                        bytes: file,
                        ndjson: false,
                    },
                )
                .await
                .unwrap();
            let checked = t.elapsed();
            let job = if job.pending > 0 {
                service
                    .start_import(&admin, job.id, CommitMode::All)
                    .await
                    .unwrap();
                service.run_import(&admin, job.id, |_| {}).await.unwrap()
            } else {
                job
            };
            (t.elapsed(), checked, job)
        }
    };
    let (first, checked, job) = import(file.clone()).await;
    assert_eq!(job.created as usize, rows, "{job:?}");
    println!(
        "import: {first:.2?} ({:.1}× calamine; read and checked in {checked:.2?}), {} created",
        first.as_secs_f64() / baseline.as_secs_f64(),
        job.created
    );
    let (again, _, job) = import(file).await;
    assert_eq!((job.unchanged as usize, job.created), (rows, 0), "{job:?}");
    println!(
        "re-import, the same file: {again:.2?} ({:.1}× calamine), {} unchanged, none created",
        again.as_secs_f64() / baseline.as_secs_f64(),
        job.unchanged
    );
    let (again, _, job) = import(same_rows).await;
    assert_eq!((job.unchanged as usize, job.created), (rows, 0), "{job:?}");
    println!(
        "re-import, the same rows in another file (row by row): {again:.2?} ({:.1}× calamine), {} unchanged",
        again.as_secs_f64() / baseline.as_secs_f64(),
        job.unchanged
    );
    engine.close().await;
    if std::env::var("BENCH_DIR").is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
