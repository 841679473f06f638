//! `zhisu report`: the monthly or quarterly statistics report (issue 18.5)
//! written to a file from the command line, with a progress bar on
//! stderr (a line a step when stderr is no terminal) — the platform's, a jurisdiction's (`--region`, as that
//! regulator reads it) or one manufacturer's (`--enterprise`).

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use zhisu_domain::{Principal, Role};

use crate::settings::{CommonArgs, Settings};

#[derive(clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// A month `2026-11` (月报) or a quarter `2026-Q4` (季报).
    #[arg(long)]
    period: String,
    /// `pdf` or `xlsx`.
    #[arg(long, default_value = "pdf")]
    format: String,
    /// Where to write the report.
    #[arg(long)]
    out: PathBuf,
    /// A region's report as its regulator reads it (GB/T 2260: 440000).
    #[arg(long, conflicts_with = "enterprise")]
    region: Option<String>,
    /// One manufacturer's report as it reads it (its enterprise ID).
    #[arg(long)]
    enterprise: Option<i64>,
    /// Only one product category.
    #[arg(long)]
    category: Option<String>,
}

/// Who the report is read as.
fn reader(args: &ReportArgs) -> anyhow::Result<Principal> {
    let mut p = Principal {
        actor: "cli".into(),
        display_name: "命令行 cli".into(),
        role: Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: Vec::new(),
    };
    if let Some(r) = &args.region {
        let code = zhisu_codes::RegionCode::parse(r.trim())
            .map_err(|e| anyhow::anyhow!("--region: {e}"))?;
        p.role = Role::Regulator;
        p.jurisdiction = vec![code];
    } else if let Some(e) = args.enterprise {
        p.role = Role::ManufacturerAdmin;
        p.enterprise_id = Some(e);
    }
    Ok(p)
}

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let by = reader(&args)?;
    let settings = Settings::for_data(&args.common)?;
    let (engine, service) = crate::open(&settings).await?;
    if let Some(e) = args.enterprise {
        // An unknown enterprise is an error, not an empty report.
        let known = service
            .record_name(zhisu_domain::RecordKind::Enterprise, e)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if known.is_none() {
            engine.close().await;
            anyhow::bail!("--enterprise: 没有编号为 {e} 的企业 (no enterprise {e})");
        }
    }
    let bar = ProgressBar::new(zhisu_service::REPORT_STEPS as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .expect("a fixed template")
            .progress_chars("=> "),
    );
    bar.set_prefix("报表 report");
    const STEPS: [&str; 5] = [
        "主要指标 summary",
        "扫码趋势 trend",
        "地区分布 regions",
        "异常 anomalies",
        "排版 writing",
    ];
    bar.set_message(STEPS[0]);
    let req = zhisu_service::ReportRequest {
        period: args.period.clone(),
        format: Some(args.format.clone()),
        region: None,
        category: args.category.clone(),
        enterprise_id: None,
    };
    let made = service
        .statistics_report(&by, &req, |step| {
            bar.set_position(step as u64);
            if let Some(next) = STEPS.get(step) {
                bar.set_message(*next);
            }
            // No terminal (a scheduled job's log): a line a step instead.
            if bar.is_hidden() {
                eprintln!(
                    "报表 report {step}/{}: {} ✓",
                    zhisu_service::REPORT_STEPS,
                    STEPS[step - 1]
                );
            }
        })
        .await;
    engine.close().await;
    let file = match made {
        Ok(file) => file,
        Err(e) => {
            bar.abandon();
            anyhow::bail!("{}", problem_text(&e));
        }
    };
    bar.finish_with_message("完成 done");
    if !bar.is_hidden() {
        eprintln!();
    }
    std::fs::write(&args.out, &file.bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.out.display()))?;
    eprintln!(
        "已写入 {}（{} 字节） (wrote {}, {} bytes)",
        args.out.display(),
        file.bytes.len(),
        args.out.display(),
        file.bytes.len()
    );
    Ok(())
}

/// A service error as a sentence naming the option.
fn problem_text(e: &zhisu_service::ServiceError) -> String {
    match e {
        zhisu_service::ServiceError::Invalid(invalid) => invalid
            .0
            .iter()
            .map(|f| format!("--{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
