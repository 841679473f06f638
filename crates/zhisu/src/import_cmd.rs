//! `zhisu import --kind KIND --enterprise ID FILE`: an import (issue 19.3,
//! 工具包导入) from the command line, against the deployment's database —
//! the same checks and jobs as `POST /api/v1/imports`, a progress bar on
//! stderr (a line a chunk when stderr is no terminal) and one JSON line a
//! row on stdout: `row`, `status` (`created`, `unchanged` or `error`),
//! `id` and the `errors`' `column` and `message`.
//!
//! Exit status: 0 when every row was filed or was there already; 1 when
//! some rows are wrong (with `--only-valid` the others were filed); 2 when
//! nothing was imported (the file refused, or a wrong row without
//! `--only-valid`).

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use zhisu_domain::{Principal, Role};
use zhisu_service::{CommitMode, ImportUpload, ServiceError};
use zhisu_store::ImportRow;

use crate::settings::{CommonArgs, Settings};

#[derive(clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// `products`, `batches`, `sales`, `purchases` or `quantities`.
    #[arg(long)]
    kind: String,
    /// The enterprise the rows are for (its ID).
    #[arg(long)]
    enterprise: i64,
    /// Import the rows without mistakes even when others have some.
    #[arg(long)]
    only_valid: bool,
    /// The filled-in template (`.xlsx`, `.csv`) or NDJSON (`.ndjson`,
    /// `.jsonl`: one object a line, the template's keys).
    file: PathBuf,
}

/// One row's outcome as the line printed for it.
fn row_line(row: &ImportRow) -> String {
    json!({
        "row": row.row,
        "status": row.status,
        "id": row.id,
        "errors": row.errors,
    })
    .to_string()
}

fn problem_text(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(invalid) => invalid
            .0
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

/// Runs the import; the process's exit status.
pub async fn run(args: ImportArgs) -> anyhow::Result<i32> {
    let bytes =
        std::fs::read(&args.file).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let ndjson = name.ends_with(".ndjson") || name.ends_with(".jsonl");
    // The operator at the console, acting for the platform.
    let by = Principal {
        actor: "cli".into(),
        display_name: "命令行 cli".into(),
        role: Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: Vec::new(),
    };
    let settings = Settings::for_data(&args.common)?;
    let (engine, service) = crate::open(&settings).await?;
    let outcome = import(&service, &by, &args, name, bytes, ndjson).await;
    engine.close().await;
    match outcome {
        Ok(status) => Ok(status),
        Err(e) => {
            eprintln!("{}", problem_text(&e));
            Ok(2)
        }
    }
}

async fn import(
    service: &zhisu_service::Service,
    by: &Principal,
    args: &ImportArgs,
    file_name: String,
    bytes: Vec<u8>,
    ndjson: bool,
) -> Result<i32, ServiceError> {
    let job = service
        .check_import(
            by,
            ImportUpload {
                kind: args.kind.clone(),
                enterprise_id: Some(args.enterprise),
                file_name,
                bytes,
                ndjson,
            },
        )
        .await?;
    // What the check settled: rows wrong, or imported before.
    let mut after = 0;
    loop {
        let rows = service.import_rows(by, job.id, after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.row;
        for row in rows.iter().filter(|r| r.status != "pending") {
            println!("{}", row_line(row));
        }
    }
    let mode = if args.only_valid {
        CommitMode::Valid
    } else {
        CommitMode::All
    };
    if job.pending == 0 || (mode == CommitMode::All && job.errors > 0) {
        eprintln!(
            "未导入：{} 行有误，{} 行此前已导入（导入 {}） (nothing imported: {} wrong, {} imported before; import {})",
            job.errors, job.unchanged, job.id, job.errors, job.unchanged, job.id
        );
        return Ok(if job.errors > 0 { 2 } else { 0 });
    }
    service.start_import(by, job.id, mode).await?;
    let bar = ProgressBar::new(job.pending as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .expect("a fixed template")
            .progress_chars("=> "),
    );
    bar.set_prefix("导入 import");
    let total = job.pending;
    let mut done = 0;
    let finished = service
        .run_import(by, job.id, |rows| {
            for row in rows {
                bar.suspend(|| println!("{}", row_line(row)));
            }
            done += rows.len() as i64;
            bar.inc(rows.len() as u64);
            if bar.is_hidden() {
                eprintln!("导入 import {done}/{total}");
            }
        })
        .await?;
    bar.finish_and_clear();
    eprintln!(
        "导入完成：新建 {}，未变化 {}，有误 {}（导入 {}） (imported: {} created, {} unchanged, {} wrong; import {})",
        finished.created,
        finished.unchanged,
        finished.errors,
        finished.id,
        finished.created,
        finished.unchanged,
        finished.errors,
        finished.id
    );
    Ok(if finished.errors > 0 { 1 } else { 0 })
}
