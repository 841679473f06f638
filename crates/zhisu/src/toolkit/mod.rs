//! `zhisu toolkit push` (issue 19.4, 工具包): for an enterprise that keeps
//! its production records in its own database — rows read by its own SQL
//! from SQLite, PostgreSQL or MySQL and pushed through the platform's
//! import API (`POST /api/v1/imports`) a chunk at a time, each row's
//! outcome one JSON line on stdout as `zhisu import` prints it (`row` the
//! row's number in the query's result). Resumable: where it stands is kept
//! in a state file after each chunk, and a push interrupted goes on from
//! there; idempotent: a row pushed twice is `unchanged`, so a nightly cron
//! job is safe to run twice.
//!
//! Exit status: 0 when every row was filed or was there already; 1 when
//! some rows are wrong (the others filed); 2 when the push stopped (the
//! source, the platform or the key refused; the state kept for the next
//! run).

mod platform;
mod source;
mod state;

use std::path::PathBuf;

use futures_util::StreamExt;
use serde_json::json;

use platform::{Platform, PlatformError};
use source::{redacted, Source};
use state::{InFlight, PushState};

#[derive(clap::Subcommand)]
pub enum ToolkitCommand {
    /// Push rows from the enterprise's own database to a platform's
    /// import API: `--query`'s columns named as the kind's template keys.
    Push(PushArgs),
}

#[derive(clap::Args)]
pub struct PushArgs {
    /// The enterprise's database: `sqlite:PATH` (opened read-only),
    /// `postgres://USER:PASSWORD@HOST/DB` or `mysql://USER:PASSWORD@HOST/DB`.
    #[arg(long, env = "ZHISU_TOOLKIT_SOURCE")]
    source: String,
    /// The SQL whose rows are pushed, run in a read-only transaction; its
    /// columns named as the template's keys (`SELECT model_no AS model …`).
    #[arg(long)]
    query: String,
    /// `products`, `batches`, `sales`, `purchases` or `quantities`.
    #[arg(long)]
    kind: String,
    /// The platform's address, e.g. `https://zhisu.example.gov.cn`.
    #[arg(long)]
    to: String,
    /// An API key of the enterprise (or of an operator acting for it).
    #[arg(long, env = "ZHISU_API_KEY", hide_env_values = true)]
    key: String,
    /// The enterprise the rows are for: the key's own by default.
    #[arg(long)]
    enterprise: Option<i64>,
    /// Rows sent in one import (1–50,000).
    #[arg(long, default_value_t = 1000)]
    chunk: u64,
    /// Where the push keeps its progress; by default
    /// `zhisu-push-FINGERPRINT.json` in the working folder.
    #[arg(long)]
    state: Option<PathBuf>,
    /// How often a request the network or a busy platform failed is tried
    /// again (after 1 s, 2 s, 4 s …).
    #[arg(long, default_value_t = 3)]
    retries: u32,
}

pub async fn run(command: ToolkitCommand) -> anyhow::Result<i32> {
    match command {
        ToolkitCommand::Push(args) => push(args).await,
    }
}

/// What the pushed rows came to.
#[derive(Default)]
struct Tally {
    created: u64,
    unchanged: u64,
    errors: u64,
}

struct Push {
    args: PushArgs,
    platform: Platform,
    path: PathBuf,
    state: PushState,
    tally: Tally,
}

async fn push(args: PushArgs) -> anyhow::Result<i32> {
    if zhisu_domain::imports::kind(&args.kind).is_none() {
        anyhow::bail!(
            "--kind 应为 products、batches、sales、purchases 或 quantities (--kind must be products, batches, sales, purchases or quantities, not {:?})",
            args.kind
        );
    }
    if !(1..=50_000).contains(&args.chunk) {
        anyhow::bail!("--chunk 应在 1 到 50000 之间 (--chunk must be 1–50,000)");
    }
    let source = redacted(&args.source);
    let fingerprint =
        state::fingerprint(&source, &args.query, &args.kind, args.enterprise, &args.to);
    let path = args
        .state
        .clone()
        .unwrap_or_else(|| state::default_path(&fingerprint));
    let state = state::load(&path, &fingerprint)?.unwrap_or(PushState {
        fingerprint,
        source,
        kind: args.kind.clone(),
        to: args.to.trim_end_matches('/').to_string(),
        rows_done: 0,
        in_flight: None,
        updated_at: String::new(),
    });
    let platform = Platform::new(&args.to, &args.key, args.retries).map_err(anyhow::Error::msg)?;
    let mut push = Push {
        args,
        platform,
        path,
        state,
        tally: Tally::default(),
    };
    match push.run().await {
        Ok(()) => {
            let t = &push.tally;
            eprintln!(
                "推送完成：新建 {}，未变化 {}，有误 {} (pushed: {} created, {} unchanged, {} wrong)",
                t.created, t.unchanged, t.errors, t.created, t.unchanged, t.errors
            );
            Ok(if t.errors > 0 { 1 } else { 0 })
        }
        Err(e) => {
            eprintln!("{e}");
            if push.state.rows_done == 0 && push.state.in_flight.is_none() {
                eprintln!("推送中止，未推送任何行 (the push stopped before any row was filed)");
                return Ok(2);
            }
            eprintln!(
                "推送中止：已推送 {} 行，进度记在 {}，再次运行同一命令即从此继续 (the push stopped after {} rows; run the same command again to go on)",
                push.state.rows_done,
                push.path.display(),
                push.state.rows_done
            );
            Ok(2)
        }
    }
}

impl Push {
    async fn run(&mut self) -> anyhow::Result<()> {
        // A chunk sent before an interruption: followed up by its job.
        if let Some(flight) = self.state.in_flight.clone() {
            eprintln!(
                "继续此前的推送：跟进已发送的导入 {} (resuming: following import {} sent before)",
                flight.job, flight.job
            );
            match self.follow(&flight).await {
                // The platform no longer knows it: send the rows again.
                Err(PlatformError(_, Some(404))) => self.state.in_flight = None,
                other => {
                    other.map_err(anyhow::Error::msg)?;
                }
            }
            state::save(&self.path, &self.state)?;
        }
        let skip = self.state.rows_done;
        if skip > 0 {
            eprintln!("继续此前的推送：跳过已推送的前 {skip} 行 (resuming after row {skip})");
        }
        let mut source = Source::connect(&self.args.source)
            .await
            .map_err(anyhow::Error::msg)?;
        source.begin_read_only().await.map_err(anyhow::Error::msg)?;
        let query = self.args.query.clone();
        let mut rows = source.rows(&query);
        let mut read: u64 = 0;
        let mut chunk = String::new();
        let mut in_chunk: u64 = 0;
        while let Some(row) = rows.next().await {
            let row = row.map_err(anyhow::Error::msg)?;
            read += 1;
            if read <= skip {
                continue;
            }
            // serde_json escapes line breaks: one row, one line.
            chunk.push_str(&serde_json::to_string(&row)?);
            chunk.push('\n');
            in_chunk += 1;
            if in_chunk == self.args.chunk {
                self.send(&chunk, read + 1 - in_chunk, in_chunk).await?;
                chunk.clear();
                in_chunk = 0;
            }
        }
        if in_chunk > 0 {
            self.send(&chunk, read + 1 - in_chunk, in_chunk).await?;
        }
        drop(rows);
        drop(source);
        state::clear(&self.path)
    }

    /// Sends one chunk and follows its job to the end.
    async fn send(&mut self, chunk: &str, first_row: u64, rows: u64) -> anyhow::Result<()> {
        let job = self
            .platform
            .push(
                &self.args.kind,
                self.args.enterprise,
                // As the imports page lists it.
                &format!("工具包推送：第 {first_row}–{} 行", first_row + rows - 1),
                chunk,
            )
            .await
            .map_err(anyhow::Error::msg)?;
        let flight = InFlight {
            job: job.id,
            first_row,
            rows,
        };
        self.state.in_flight = Some(flight.clone());
        state::save(&self.path, &self.state)?;
        self.follow(&flight).await.map_err(anyhow::Error::msg)?;
        state::save(&self.path, &self.state)?;
        eprintln!(
            "已推送 {} 行（新建 {}，未变化 {}，有误 {}） (pushed {} rows)",
            self.state.rows_done,
            self.tally.created,
            self.tally.unchanged,
            self.tally.errors,
            self.state.rows_done
        );
        Ok(())
    }

    /// Waits for a sent chunk's job, prints its rows numbered as the
    /// query's and counts the chunk done.
    async fn follow(&mut self, flight: &InFlight) -> Result<(), PlatformError> {
        self.platform.finished(flight.job).await?;
        for row in self.platform.rows(flight.job).await? {
            match row.status.as_str() {
                "created" => self.tally.created += 1,
                "unchanged" => self.tally.unchanged += 1,
                _ => self.tally.errors += 1,
            }
            println!(
                "{}",
                json!({
                    "row": flight.first_row - 1 + row.row as u64,
                    "status": row.status,
                    "id": row.id,
                    "errors": row.errors,
                })
            );
        }
        self.state.rows_done = flight.first_row - 1 + flight.rows;
        self.state.in_flight = None;
        Ok(())
    }
}
