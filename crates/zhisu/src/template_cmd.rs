//! `zhisu template KIND --out FILE`: an import template (issue 19.3,
//! 工具包导入) written to a file, XLSX or CSV by the file's extension —
//! the same file the page and `GET /api/v1/imports/templates/{kind}` give.

use std::path::PathBuf;

use anyhow::{bail, Context};
use zhisu_service::TemplateFormat;

#[derive(clap::Args)]
pub struct TemplateArgs {
    /// `products`, `batches`, `sales`, `purchases` or `quantities`.
    kind: String,
    /// Where to write it: `….xlsx` or `….csv` (UTF-8 with a byte-order mark).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: TemplateArgs) -> anyhow::Result<()> {
    let extension = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let Some(format) = TemplateFormat::parse(&extension) else {
        bail!(
            "--out 须以 .xlsx 或 .csv 结尾 (--out must end in .xlsx or .csv: {})",
            args.out.display()
        );
    };
    let bytes = zhisu_service::import_template(&args.kind, format).map_err(|e| match e {
        zhisu_service::ServiceError::NotFound(m) => anyhow::anyhow!(m),
        other => anyhow::anyhow!(other.to_string()),
    })?;
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!("{}", args.out.display());
    Ok(())
}
