//! `zhisu verify run`: a data verification sweep from the command line
//! (V5-auto, issue 17), with its progress on stderr and, with `--json`,
//! every open finding as one JSON object per line on stdout.

use std::io::Write;

use crate::settings::{CommonArgs, Settings};

#[derive(clap::Subcommand)]
pub enum VerifyCommand {
    /// Run every rule of the catalogue over all stored records and keep
    /// the findings (open until a sweep no longer sees them).
    Run {
        #[command(flatten)]
        common: CommonArgs,
        /// Print each open finding as a JSON object on its own line.
        #[arg(long)]
        json: bool,
        /// Read every record, even when only the changes since the last
        /// sweep need reading (a sweep is incremental when a full one ran
        /// today under the same rules and settings).
        #[arg(long)]
        full: bool,
    },
}

pub async fn run(command: VerifyCommand) -> anyhow::Result<()> {
    let VerifyCommand::Run { common, json, full } = command;
    let mode = if full {
        zhisu_service::SweepMode::Full
    } else {
        zhisu_service::SweepMode::Auto
    };
    let settings = Settings::for_data(&common)?;
    let (engine, service) = crate::open(&settings).await?;
    let sweep = service
        .run_sweep(None, mode, |read| {
            eprint!("\r核查 verifying: {read} 条记录 records read")
        })
        .await;
    eprintln!();
    let result = match sweep {
        Ok(sweep) => {
            let (mode_zh, mode) = if sweep.mode == "incremental" {
                ("增量核查", "incremental")
            } else {
                ("全面核查", "full")
            };
            eprintln!(
                "{mode_zh}完成 sweep {} ({mode}): {} 条记录，{} 个问题（新 {}，已解决 {}） ({} records, {} findings, {} new, {} resolved)",
                sweep.id,
                sweep.records,
                sweep.findings,
                sweep.opened,
                sweep.resolved,
                sweep.records,
                sweep.findings,
                sweep.opened,
                sweep.resolved
            );
            // Overdue cases escalate with every sweep, as at night (V6-dispose).
            let escalated = service
                .escalate_overdue_cases(zhisu_service::today_in_shanghai())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if escalated > 0 {
                eprintln!("逾期案件升级 {escalated} 件 ({escalated} overdue case(s) escalated)");
            }
            if json {
                print_open(&service).await
            } else {
                Ok(())
            }
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    };
    engine.close().await;
    result
}

/// Every open finding, one JSON object a line.
async fn print_open(service: &zhisu_service::Service) -> anyhow::Result<()> {
    let everyone = zhisu_domain::Principal {
        actor: "cli".into(),
        display_name: "cli".into(),
        role: zhisu_domain::Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: Vec::new(),
    };
    let mut stdout = std::io::stdout().lock();
    let mut offset = 0;
    loop {
        let page = service
            .list_findings(
                &everyone,
                zhisu_service::FindingFilter {
                    status: Some("open".into()),
                    limit: 500,
                    offset,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for f in &page.items {
            let line = serde_json::json!({
                "rule": f.rule, "axis": f.axis, "severity": f.severity, "class": f.class,
                "kind": f.kind.as_str(), "id": f.record_id, "version": f.version,
                "enterprise_id": f.enterprise_id, "region_code": f.region_code,
                "field": f.field, "status": f.status, "evidence": f.evidence,
            });
            writeln!(stdout, "{line}")?;
        }
        offset += page.items.len() as i64;
        if page.items.is_empty() || offset >= page.total {
            return Ok(());
        }
    }
}
