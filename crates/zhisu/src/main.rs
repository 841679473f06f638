//! `zhisu`: the quality-safety traceability platform in one binary.

use std::io::{BufRead, Write};

use anyhow::Context;
use clap::{Parser, Subcommand};
use zhisu::settings::{CommonArgs, ServeArgs, Settings, EXAMPLE};
use zhisu_domain::Role;

/// mimalloc: the scan path allocates small objects on two threads at tens
/// of thousands of requests per second, where glibc malloc was 15% of the
/// profile (docs/benchmarks.md). With its `override` feature it is also
/// what SQLite's `malloc` calls reach: glibc's free-list upkeep was a
/// fifth of the SQLite thread's time in a large EPCIS capture.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "zhisu",
    version,
    about = "质溯 zhisu: quality-safety traceability of important industrial products"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform: pages, JSON API, OpenAPI (SQLite in ./zhisu-data unless told otherwise).
    Serve(ServeArgs),
    /// Fill a data folder (default ./zhisu-demo) with a realistic demo province, then serve it.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Seed and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Administration: bootstrap accounts and API keys.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Identifiers: check what a value is and whether it is valid.
    Id {
        #[command(subcommand)]
        command: IdCommand,
    },
    /// Trace codes: export an active batch's codes, verify a code, rotate the serial key.
    Codes {
        #[command(subcommand)]
        command: CodesCommand,
    },
    /// The tamper-evident ledger.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Data verification (数据核查): sweeps of every rule over the stored records.
    Verify {
        #[command(subcommand)]
        command: zhisu::verify_cmd::VerifyCommand,
    },
    /// Statistics reports (统计报表): a month's or a quarter's, as PDF or XLSX.
    Report(zhisu::report_cmd::ReportArgs),
    /// Import templates (工具包导入): products, batches, sales, purchases or
    /// daily quantities, as XLSX or CSV.
    Template(zhisu::template_cmd::TemplateArgs),
    /// Import a filled-in template or NDJSON (工具包导入): each row checked
    /// and filed as the API would; one JSON line a row on stdout.
    Import(zhisu::import_cmd::ImportArgs),
    /// The toolkit (工具包) for an enterprise's own database: `push` reads
    /// rows by SQL and sends them to a platform's import API, resumably.
    Toolkit {
        #[command(subcommand)]
        command: zhisu::toolkit::ToolkitCommand,
    },
    /// A consistent online copy of a SQLite deployment (database, files,
    /// public ledger key; private keys only with --with-private-keys),
    /// verified against the ledger. PostgreSQL: use pg_basebackup.
    Backup {
        #[command(flatten)]
        serve: ServeArgs,
        /// An empty or new folder.
        dest: std::path::PathBuf,
        /// Also copy the private keys (serial, contact, ledger signing).
        #[arg(long)]
        with_private_keys: bool,
    },
    /// Restore a backup into an empty data folder, verifying its ledger first.
    Restore {
        /// The backup folder.
        src: std::path::PathBuf,
        /// The data folder to restore into.
        #[arg(long)]
        data: std::path::PathBuf,
    },
    /// Settings files.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Print a new API key (shown once) for automation.
    CreateApiKey {
        #[command(flatten)]
        common: CommonArgs,
        /// manufacturer-admin, manufacturer-operator, seller, regulator, platform-admin,
        /// security-admin or audit-admin.
        #[arg(long)]
        role: String,
        /// The enterprise the key acts for (enterprise roles).
        #[arg(long)]
        enterprise: Option<i64>,
        /// Region codes a regulator key oversees, comma-separated (e.g. 440000,330100).
        #[arg(long)]
        jurisdiction: Option<String>,
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Create an account (e.g. the first platform admin, or a regulator).
    CreateUser {
        #[command(flatten)]
        common: CommonArgs,
        #[arg(long)]
        login: String,
        /// At least 10 characters. Read from ZHISU_PASSWORD when not given.
        #[arg(long, env = "ZHISU_PASSWORD")]
        password: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        enterprise: Option<i64>,
        #[arg(long)]
        jurisdiction: Option<String>,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Purge the private data of records whose retention (G8.5) is over:
    /// counterparty names, addresses and contacts of sales and purchases,
    /// senders' contacts of feedback. Leaf hashes stay; the purge is itself
    /// a ledger leaf, so `ledger verify` still passes. Prints a JSON report.
    Purge {
        #[command(flatten)]
        common: CommonArgs,
        /// Judge retention as of this day (YYYY-MM-DD). Default: today.
        #[arg(long)]
        as_of: Option<String>,
        /// Only report what would be purged.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum IdCommand {
    /// Print one JSON object per value: {"input","kind","valid","normalized","error"}.
    Check {
        #[arg(required = true)]
        values: Vec<String>,
    },
}

#[derive(Subcommand)]
enum CodesCommand {
    /// Write an active batch's codes (GS1 Digital Link URIs) to a file or stdout.
    Export {
        #[command(flatten)]
        serve: ServeArgs,
        #[arg(long)]
        batch: i64,
        /// txt (one code per line, for inkjet coders), csv (index,code, for MES) or zpl (label printers).
        #[arg(long, default_value = "txt")]
        format: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// First index to write.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Write at most this many codes (default: to the end of the batch).
        #[arg(long)]
        count: Option<u64>,
        /// Continue an interrupted export: append after the codes already in --out.
        #[arg(long)]
        resume: bool,
    },
    /// Check a scanned code against this deployment.
    Verify {
        #[command(flatten)]
        serve: ServeArgs,
        code: String,
    },
    /// Add a new serial key; codes issued under older keys stay valid.
    RotateKey {
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Recompute every leaf from the stored records and the tree from the
    /// leaves; exit 2 naming the first record changed behind the platform's back.
    Verify {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Check a record's receipt (`GET /api/v1/ledger/receipt`) offline with
    /// only the deployment's public key: exit 0 when the record is in the
    /// signed ledger, 2 (with the reason) when not. Needs no database.
    VerifyProof {
        /// The verifier key (`GET /ledger/key`), or a file holding it.
        #[arg(long)]
        key: String,
        /// The receipt: a JSON file.
        receipt: std::path::PathBuf,
    },
    /// Witness another deployment's ledger: poll its signed checkpoint and
    /// demand consistency proofs; exit 3 with an alarm when the log shrank,
    /// forked or was rewritten.
    Watch {
        /// The deployment's URL, e.g. https://trace.example.gov.cn
        url: String,
        /// Its verifier key (pinned; default: fetched at the first poll).
        #[arg(long)]
        key: Option<String>,
        /// Where the last checkpoint seen is kept.
        #[arg(long, default_value = "zhisu-witness.json")]
        state: std::path::PathBuf,
        /// Seconds between polls.
        #[arg(long, default_value_t = 60)]
        interval: u64,
        /// Poll once and exit.
        #[arg(long)]
        once: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented settings file.
    Example,
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::parse(role).with_context(|| {
        format!(
            "unknown role '{role}'; use one of: {}",
            Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn split_codes(codes: Option<String>) -> Vec<String> {
    codes
        .map(|c| {
            c.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

async fn serve(settings: Settings, banner: impl FnOnce(&str)) -> anyhow::Result<()> {
    let (engine, service) = zhisu::open(&settings).await?;
    if service.count_users().await? == 0 {
        eprintln!(
            "No accounts yet: register an enterprise in the page, or create the three administrators (三员: system, security, audit) with"
        );
        eprintln!("  zhisu admin create-user --login admin --role platform-admin --password '…'");
        eprintln!(
            "  zhisu admin create-user --login security --role security-admin --password '…'"
        );
        eprintln!("  zhisu admin create-user --login auditor --role audit-admin --password '…'");
    }
    // Issue 19.3: an import the last run was filing is stopped, not left
    // "running" for good.
    match service.stop_interrupted_imports().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(imports = n, "imports interrupted by the last stop"),
        Err(e) => tracing::error!(error = %e, "marking interrupted imports failed"),
    }
    let (addr, server) = zhisu::bind(service.clone(), &settings, zhisu::shutdown_signal()).await?;
    // Sign and store a checkpoint every few seconds while writes happen:
    // one server of the deployment at a time (issue 20.1).
    tokio::spawn(
        service
            .clone()
            .keep_signing_checkpoints(std::time::Duration::from_secs(5)),
    );
    if let Some(at) = settings.verification_at {
        zhisu::schedule::nightly_verification(service.clone(), at);
    }
    zhisu::schedule::scheduled_reports(service.clone());
    let url = format!(
        "{}://{addr}",
        if settings.tls.is_some() {
            "https"
        } else {
            "http"
        }
    );
    banner(&url);
    if settings.two_factor_roles.is_empty() {
        // Issue 16.16: 等保 level 3 asks administrators and regulators for a
        // second factor: asked for unless the settings turn it off.
        eprintln!("提示 NOTE: 动态口令已关闭，管理员和监管人员只凭密码登录（等保三级要求双因素鉴别）。去掉设置中的 two_factor_roles = [] 或 --two-factor-roles \"\" 即恢复默认。");
        eprintln!("  one-time codes are off: administrators and regulators log in with a password alone. Remove two_factor_roles = [] (or --two-factor-roles \"\") to ask for them again (the default).");
    }
    if let Some(public) = service.unscannable_public_url() {
        // Issue 15.10: labels printed now would carry an address no phone
        // can open.
        eprintln!("警告 WARNING: 追溯码签发在 {public} 之下，这是本机或内网地址，手机扫不开，印出的标签将无法使用。请用 --public-url https://你的域名 设置对外网址。");
        eprintln!("  codes are issued under {public}, a loopback or private address no phone can open: set --public-url https://your.domain before printing labels.");
        tracing::warn!(public_url = %public, "public_url is not reachable from phones");
    }
    tracing::info!(%url, database = %settings.database_url.redacted(), "zhisu is serving");
    server.await.context("server failed")?;
    // Every scan answered is stored before the process ends.
    service.flush_scans().await;
    engine.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(args) => {
            let settings = Settings::resolve(&args)?;
            serve(settings, |url| {
                println!("zhisu 质溯 is running at {url}  (Ctrl-C to stop)")
            })
            .await
        }
        Command::Demo {
            serve: mut args,
            no_serve,
        } => {
            if args.common.data.is_none()
                && args.common.database_url.is_none()
                && args.common.config.is_none()
            {
                args.common.data = Some("zhisu-demo".into());
            }
            // The demo's accounts share a published password: one-time
            // codes would protect nothing, and a visitor would need an
            // authenticator app to look around. `serve` asks for them.
            if args.two_factor_roles.is_none() && args.common.config.is_none() {
                args.two_factor_roles = Some(String::new());
            }
            let settings = Settings::resolve(&args)?;
            let (engine, service) = zhisu::open(&settings).await?;
            eprintln!(
                "Seeding the demo province into {} …",
                settings.data.display()
            );
            if zhisu::demo::seed(&service, Some(engine.store())).await? {
                eprintln!("Demo data created.");
            } else {
                eprintln!("The data folder already has accounts; keeping what is there.");
            }
            engine.close().await;
            if no_serve {
                return Ok(());
            }
            serve(settings, |url| {
                println!("zhisu 质溯 demo is running at {url}  (Ctrl-C to stop)");
                println!(
                    "Log in with any of these (password: {}):",
                    zhisu::demo::DEMO_PASSWORD
                );
                for (login, role, what) in zhisu::demo::DEMO_LOGINS {
                    println!("  {login:<16} {role:<22} {what}");
                }
            })
            .await
        }
        Command::Admin { command } => match command {
            AdminCommand::CreateApiKey {
                common,
                role,
                enterprise,
                jurisdiction,
                label,
            } => {
                let role = parse_role(&role)?;
                let settings = Settings::for_data(&common)?;
                let (engine, service) = zhisu::open(&settings).await?;
                let created = service
                    .create_api_key(None, &label, role, enterprise, &split_codes(jurisdiction))
                    .await;
                engine.close().await;
                let created = created.map_err(|e| anyhow::anyhow!("{e}"))?;
                println!("{}", created.key);
                Ok(())
            }
            AdminCommand::CreateUser {
                common,
                login,
                password,
                role,
                enterprise,
                jurisdiction,
                name,
            } => {
                let role = parse_role(&role)?;
                let settings = Settings::for_data(&common)?;
                let (engine, service) = zhisu::open(&settings).await?;
                let created = service
                    .create_user(
                        None,
                        zhisu_service::NewAccount::new(&login, &password, &name, role)
                            .enterprise(enterprise)
                            .jurisdiction(&split_codes(jurisdiction)),
                    )
                    .await;
                engine.close().await;
                let user = created.map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "created user {} ({}) with id {}",
                    user.login,
                    user.role.as_str(),
                    user.id
                );
                Ok(())
            }
            AdminCommand::Purge {
                common,
                as_of,
                dry_run,
            } => {
                let today = chrono::Utc::now().date_naive();
                let as_of = match as_of {
                    None => today,
                    Some(day) => chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                        .map_err(|_| {
                            anyhow::anyhow!("--as-of must be a day like 2030-01-31, got {day:?}")
                        })?,
                };
                if as_of > today {
                    anyhow::bail!("--as-of {as_of} is in the future: retention is judged on days that have come");
                }
                let settings = Settings::for_data(&common)?;
                let (engine, service) = zhisu::open(&settings).await?;
                let report = service.purge_expired(&cli_operator(), as_of, dry_run).await;
                engine.close().await;
                let report = report.map_err(|e| anyhow::anyhow!("{e}"))?;
                println!("{}", serde_json::to_string_pretty(&report)?);
                eprintln!(
                    "{} of {} records expired as of {as_of}; {} versions {}",
                    report.expired.len(),
                    report.examined,
                    report.versions,
                    if dry_run {
                        "would be purged (dry run)"
                    } else {
                        "purged"
                    }
                );
                Ok(())
            }
        },
        Command::Id {
            command: IdCommand::Check { values },
        } => {
            let mut out = std::io::stdout().lock();
            let mut all_valid = true;
            for value in &values {
                let check = zhisu_codes::identify(value);
                all_valid &= check.valid;
                writeln!(out, "{}", serde_json::to_string(&check)?)?;
            }
            if !all_valid {
                out.flush()?;
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Codes { command } => codes(command).await,
        Command::Backup {
            serve,
            dest,
            with_private_keys,
        } => {
            let settings = Settings::resolve(&serve)?;
            match zhisu::backup::backup(&settings, &dest, with_private_keys).await {
                Ok(manifest) => {
                    print!("{manifest}");
                    Ok(())
                }
                Err(e) => {
                    eprintln!("备份失败 backup failed: {e:#}");
                    std::process::exit(2);
                }
            }
        }
        Command::Restore { src, data } => match zhisu::backup::restore(&src, &data).await {
            Ok(summary) => {
                println!("{summary}");
                Ok(())
            }
            Err(e) => {
                eprintln!("恢复失败 restore failed: {e:#}");
                std::process::exit(2);
            }
        },
        Command::Ledger {
            command: LedgerCommand::Verify { common },
        } => ledger_verify(common).await,
        Command::Verify { command } => zhisu::verify_cmd::run(command).await,
        Command::Report(args) => zhisu::report_cmd::run(args).await,
        Command::Template(args) => zhisu::template_cmd::run(args),
        Command::Import(args) => match zhisu::import_cmd::run(args).await? {
            0 => Ok(()),
            status => std::process::exit(status),
        },
        Command::Toolkit { command } => match zhisu::toolkit::run(command).await? {
            0 => Ok(()),
            status => std::process::exit(status),
        },
        Command::Ledger {
            command:
                LedgerCommand::Watch {
                    url,
                    key,
                    state,
                    interval,
                    once,
                },
        } => {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()?;
            let key = key.map(|k| std::fs::read_to_string(&k).unwrap_or(k));
            loop {
                let seen = zhisu::witness::load(&state)?;
                match zhisu::witness::poll(&client, &url, seen, key.clone()).await {
                    Ok((zhisu::witness::Poll::Consistent { size }, new)) => {
                        zhisu::witness::save(&state, &new)?;
                        println!("{} ok: {url} ledger of {size} leaves, consistent with what was seen before", chrono::Utc::now().to_rfc3339());
                    }
                    Ok((zhisu::witness::Poll::Alarm(why), _)) => {
                        eprintln!("ALARM {url}: {why}");
                        std::process::exit(3);
                    }
                    Err(e) => eprintln!(
                        "{} cannot check {url}: {e:#}",
                        chrono::Utc::now().to_rfc3339()
                    ),
                }
                if once {
                    return Ok(());
                }
                tokio::time::sleep(std::time::Duration::from_secs(interval.max(1))).await;
            }
        }
        Command::Ledger {
            command: LedgerCommand::VerifyProof { key, receipt },
        } => {
            let key = match std::fs::read_to_string(&key) {
                Ok(text) => text,
                Err(_) => key,
            };
            let text = std::fs::read_to_string(&receipt)
                .with_context(|| format!("reading {}", receipt.display()))?;
            let r: zhisu_service::LedgerReceipt = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a ledger receipt", receipt.display()))?;
            match zhisu_ledger::receipt::verify_receipt(
                &key,
                &r.checkpoint,
                zhisu_ledger::receipt::RecordLeaf {
                    kind: &r.kind,
                    record_id: r.record_id,
                    version: r.version,
                    canonical_body: &r.canonical_body,
                },
                r.leaf_index,
                &r.proof,
            ) {
                Ok(v) => {
                    println!(
                        "ok: {}/{} version {} is leaf {} of the {}-leaf ledger of {}, signed by this key",
                        r.kind, r.record_id, r.version, v.leaf_index, v.tree_size, v.origin
                    );
                    Ok(())
                }
                Err(why) => {
                    eprintln!("NOT VERIFIED: {why}");
                    std::process::exit(2);
                }
            }
        }
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{EXAMPLE}");
            Ok(())
        }
    }
}

/// The CLI acts as the platform operator on the data it is pointed at.
fn cli_operator() -> zhisu_domain::Principal {
    zhisu_domain::Principal {
        actor: "cli".into(),
        display_name: "command line".into(),
        role: Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: vec![],
    }
}

async fn codes(command: CodesCommand) -> anyhow::Result<()> {
    match command {
        CodesCommand::Export {
            serve,
            batch,
            format,
            out,
            from,
            count,
            resume,
        } => {
            let Some(format) = zhisu_service::CodeFormat::parse(&format) else {
                anyhow::bail!("unknown format '{format}': use txt, csv or zpl");
            };
            let settings = Settings::resolve(&serve)?;
            let (engine, service) = zhisu::open(&settings).await?;
            let plan = service.code_plan(&cli_operator(), batch).await;
            engine.close().await;
            let plan = plan.map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut from = from;
            let mut writer: Box<dyn Write> = match &out {
                Some(path) if resume && path.exists() => {
                    let lines: Vec<String> = std::io::BufReader::new(std::fs::File::open(path)?)
                        .lines()
                        .collect::<Result<_, _>>()?;
                    // Whole codes only: a ZPL label ends with ^XZ; a half-written last line is rewritten.
                    let existing = match format {
                        zhisu_service::CodeFormat::Zpl => {
                            lines.iter().filter(|l| l.as_str() == "^XZ").count() as u64
                        }
                        _ => lines.len() as u64,
                    };
                    from = match format {
                        zhisu_service::CodeFormat::Csv => existing.saturating_sub(1),
                        zhisu_service::CodeFormat::Txt | zhisu_service::CodeFormat::Zpl => existing,
                    };
                    eprintln!("resuming after {from} codes already in {}", path.display());
                    Box::new(std::fs::OpenOptions::new().append(true).open(path)?)
                }
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let total = match count {
                Some(n) => plan.count.min(from.saturating_add(n)),
                None => plan.count,
            };
            const CHUNK: u64 = 65_536;
            let mut buffer = String::with_capacity(CHUNK as usize * 80);
            let mut reported = u64::MAX;
            let mut start = from.min(total);
            while start < total {
                let end = (start + CHUNK).min(total);
                buffer.clear();
                plan.write(start, end, format, &mut buffer);
                writer.write_all(buffer.as_bytes())?;
                start = end;
                let percent = start * 100 / total.max(1);
                if out.is_some() && percent != reported {
                    reported = percent;
                    eprint!("\r导出 exporting {percent:>3}%  {start}/{total}");
                }
            }
            writer.flush()?;
            if out.is_some() {
                eprintln!(
                    "\r导出完成 exported {total} codes of batch {} ({})",
                    plan.batch_no, plan.product_name
                );
            }
            Ok(())
        }
        CodesCommand::Verify { serve, code } => {
            let settings = Settings::resolve(&serve)?;
            let (engine, service) = zhisu::open(&settings).await?;
            let result = service.verify_code(&code).await;
            engine.close().await;
            let result = result.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string(&result)?);
            if result.status != zhisu_service::VerifyStatus::Genuine {
                std::process::exit(1);
            }
            Ok(())
        }
        CodesCommand::RotateKey { common } => {
            let settings = Settings::for_data(&common)?;
            let version = zhisu::keys::rotate(&settings.data)?;
            println!("serial key version {version} now issues new codes; older codes stay valid");
            Ok(())
        }
    }
}

async fn ledger_verify(common: CommonArgs) -> anyhow::Result<()> {
    let settings = Settings::for_data(&common)?;
    // Verification never creates keys (issue 16.13): with fresh ones every
    // checkpoint would look forged. Say which folder it needs instead.
    let suite = zhisu::suite::recorded(&settings.data)?
        .or(settings.crypto)
        .unwrap_or_default();
    let missing = zhisu::keys::missing_for_verify(&settings.data, suite);
    if !missing.is_empty() {
        anyhow::bail!(
            "核对账本需要部署的密钥，未在 {} 找到 {}：请用 --data 指定服务器的数据目录 (verification needs the deployment's keys and found no {} under {}: give --data DIR, the folder the server runs with; verification never creates keys)",
            settings.data.display(),
            missing.join("、"),
            missing.join(", "),
            settings.data.display()
        );
    }
    let (engine, service) = zhisu::open(&settings).await?;
    let report = service
        .verify_ledger(|done| eprint!("\r核对账本 verifying the ledger: {done} leaves"))
        .await;
    engine.close().await;
    let report = report.map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!();
    match report.problem {
        None => {
            println!(
                "账本完好 ledger intact: {} leaves, root {}",
                report.leaves, report.root
            );
            Ok(())
        }
        Some(problem) => {
            eprintln!("账本被篡改 THE LEDGER DOES NOT MATCH THE RECORDS: {problem}");
            std::process::exit(2);
        }
    }
}
