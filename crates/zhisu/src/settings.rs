//! One typed settings struct, layered: defaults → TOML file → `ZHISU_…`
//! environment → command-line flags (clap reads the environment and the
//! flags; the file fills what they leave unset).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

/// The options `serve`, `demo` and the data commands share.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CommonArgs {
    /// Data folder: the SQLite file and the blob folder live here.
    #[arg(long, env = "ZHISU_DATA")]
    pub data: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (default: the SQLite file in the data folder).
    #[arg(long, env = "ZHISU_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A TOML settings file (see `zhisu config example`).
    #[arg(long, env = "ZHISU_CONFIG")]
    pub config: Option<PathBuf>,
    /// Cryptography for a new deployment: standard (SHA-256, Ed25519,
    /// AES-256-GCM) or sm (商用密码 SM3, SM2, SM4); chosen once, at creation.
    #[arg(long, env = "ZHISU_CRYPTO")]
    pub crypto: Option<String>,
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Address to listen on.
    #[arg(long, env = "ZHISU_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Mark cookies Secure (set when the platform is served over HTTPS).
    #[arg(long, env = "ZHISU_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// The deployment's name, shown in pages and (later) ledger checkpoints.
    #[arg(long, env = "ZHISU_DEPLOYMENT_NAME")]
    pub deployment_name: Option<String>,
    /// Where the public reaches this deployment; every issued code starts
    /// with it (default: http://LISTEN).
    #[arg(long, env = "ZHISU_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Send every submitted batch to manual review, even clean ones.
    #[arg(long, env = "ZHISU_MANUAL_REVIEW")]
    pub manual_review: Option<bool>,
    /// Scans of one 一物一码 code after which a counterfeit alert is raised.
    #[arg(long, env = "ZHISU_SCAN_ALERT_COUNT")]
    pub scan_alert_count: Option<u64>,
    /// Let EPCIS subscriptions post to loopback, private and link-local
    /// addresses (off: a subscriber cannot make the server reach inside
    /// its own network).
    #[arg(long, env = "ZHISU_WEBHOOK_PRIVATE_NETWORKS")]
    pub webhook_private_networks: Option<bool>,
    /// Serve HTTPS: the certificate chain (PEM); read again on SIGHUP.
    #[arg(long, env = "ZHISU_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// Serve HTTPS: the certificate's private key (PEM).
    #[arg(long, env = "ZHISU_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Roles whose log-ins ask for a one-time code too, comma-separated;
    /// "" for none (default: the three administrators and regulators).
    #[arg(long, env = "ZHISU_TWO_FACTOR_ROLES")]
    pub two_factor_roles: Option<String>,
}

/// Who logs in with a one-time code unless the settings say otherwise
/// (等保 level 3: administrators and regulators, issue 16.16).
pub const TWO_FACTOR_DEFAULT: [&str; 4] = [
    "platform-admin",
    "security-admin",
    "audit-admin",
    "regulator",
];

/// The settings file's shape: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<SocketAddr>,
    secure_cookies: Option<bool>,
    deployment_name: Option<String>,
    session_hours: Option<i64>,
    session_idle_minutes: Option<i64>,
    public_url: Option<String>,
    manual_review: Option<bool>,
    scan_alert_count: Option<u64>,
    webhook_private_networks: Option<bool>,
    write_wait_ms: Option<u64>,
    login_lock_after: Option<u32>,
    login_lock_minutes: Option<i64>,
    login_address_limit: Option<u32>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    header_read_timeout_seconds: Option<u64>,
    capture_memory_mib: Option<u32>,
    two_factor_roles: Option<Vec<String>>,
    crypto: Option<String>,
    verification_at: Option<String>,
    verification_off: Option<Vec<String>>,
    verification_thresholds: Option<std::collections::BTreeMap<String, f64>>,
    register_lookup_url: Option<String>,
    register_lookup_token: Option<String>,
    /// Email and SMS for reminders (issue 19.5).
    reminders: Option<crate::notify::ReminderChannels>,
    /// Changes to the disposal measures of a result class (V6-dispose).
    disposal_measures:
        Option<std::collections::BTreeMap<String, zhisu_domain::cases::ClassOverride>>,
    /// Industry retention rules: years by product category code.
    #[serde(default)]
    retention_years: std::collections::BTreeMap<String, u32>,
}

/// The settings in force.
#[derive(Clone)]
pub struct Settings {
    pub data: PathBuf,
    pub database_url: DatabaseUrl,
    pub listen: SocketAddr,
    pub secure_cookies: bool,
    pub deployment_name: String,
    pub session_hours: i64,
    /// A signed-in session unused this long ends (等保 会话超时).
    pub session_idle_minutes: i64,
    pub public_url: String,
    pub manual_review: bool,
    pub scan_alert_count: u64,
    pub retention_years: std::collections::BTreeMap<String, u32>,
    pub webhook_private_networks: bool,
    /// How long a write waits for a busy database before it answers 503.
    pub write_wait: std::time::Duration,
    /// Failed log-ins: lock after, lock for, per-address limit.
    pub login_policy: zhisu_domain::login_guard::LoginPolicy,
    /// Serve HTTPS with these files (issue 16.15); None: plain HTTP.
    pub tls: Option<crate::server::TlsFiles>,
    /// How long a client may take to send its headers, finish a TLS
    /// handshake, or start its next request on an idle connection.
    pub header_read_timeout: std::time::Duration,
    /// MiB the EPCIS captures in flight may take together (issue 16.9).
    pub capture_memory_mib: u32,
    /// Roles whose log-ins need a one-time code too (issue 16.16).
    pub two_factor_roles: Vec<zhisu_domain::Role>,
    /// The cryptography asked for (issue 16.17); a deployment keeps the
    /// one it was created with (`crate::suite`).
    pub crypto: Option<zhisu_ledger::Suite>,
    /// When the nightly verification sweep runs (Asia/Shanghai); None: never.
    pub verification_at: Option<chrono::NaiveTime>,
    /// Verification rules this deployment does not run, by ID.
    pub verification_off: Vec<String>,
    /// Rules' thresholds this deployment sets (`"ZV-T-002.days" = 10`).
    pub verification_thresholds: std::collections::BTreeMap<String, f64>,
    /// The disposal measures in force: the repository's table with the
    /// settings file's `disposal_measures`.
    pub disposal_measures: zhisu_domain::cases::MeasureTable,
    /// Where sweeps ask the issuing authority about licence and CCC
    /// numbers live (issue 17.3); None: the imported registers.
    pub register_lookup_url: Option<String>,
    /// The bearer token of that lookup, if it wants one.
    pub register_lookup_token: Option<String>,
    /// Email and SMS for reminders of reports missed (issue 19.5).
    pub reminders: crate::notify::ReminderChannels,
}

/// A database URL; its password never appears in `Debug` output or logs.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let userinfo = &self.0[scheme_end + 3..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => format!(
                        "{}://{user}:***@{}",
                        &self.0[..scheme_end],
                        &self.0[at + 1..]
                    ),
                    None => self.0.clone(),
                }
            }
            _ => self.0.clone(),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data", &self.data)
            .field("database_url", &self.database_url)
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .field("deployment_name", &self.deployment_name)
            .finish()
    }
}

fn read_file(path: Option<&Path>) -> anyhow::Result<FileSettings> {
    let Some(path) = path else {
        return Ok(FileSettings::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading settings file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("settings file {} is not valid", path.display()))
}

impl Settings {
    pub fn resolve(args: &ServeArgs) -> anyhow::Result<Settings> {
        let file = read_file(args.common.config.as_deref())?;
        let data = args
            .common
            .data
            .clone()
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from("zhisu-data"));
        let database_url = args
            .common
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data.join("zhisu.db").display()));
        let database_url = DatabaseUrl(database_url);
        if !database_url.is_postgres() && !database_url.expose().starts_with("sqlite:") {
            bail!(
                "database URL must start with sqlite:// or postgres://, got {}",
                database_url.redacted()
            );
        }
        let crypto = match args.common.crypto.clone().or(file.crypto.clone()) {
            None => None,
            Some(name) => Some(zhisu_ledger::Suite::parse(&name).with_context(|| {
                format!("crypto must be standard or sm (商用密码), got {name:?}")
            })?),
        };
        let verification_at = match file.verification_at.as_deref().unwrap_or("02:00").trim() {
            "" => None,
            at => Some(crate::schedule::parse_at(at).with_context(|| {
                format!(
                    "verification_at must be HH:MM (Asia/Shanghai) or \"\" for never, got {at:?}"
                )
            })?),
        };
        let verification_off = file.verification_off.clone().unwrap_or_default();
        let catalogue = zhisu_domain::verification::catalogue();
        let verification_thresholds = file.verification_thresholds.clone().unwrap_or_default();
        catalogue
            .check_thresholds(&verification_thresholds)
            .map_err(|e| anyhow::anyhow!(e))?;
        let disposal_measures = zhisu_domain::cases::measure_table()
            .with_overrides(&file.disposal_measures.clone().unwrap_or_default())
            .map_err(|e| anyhow::anyhow!(e))?;
        let register_lookup_url = match file.register_lookup_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                    Some(url.to_string())
                }
                _ => bail!("register_lookup_url must be an http or https address, got {url:?}"),
            },
        };
        let register_lookup_token = file
            .register_lookup_token
            .clone()
            .filter(|t| !t.trim().is_empty());
        let reminders = file.reminders.clone().unwrap_or_default();
        reminders.check()?;
        for id in &verification_off {
            if catalogue.rule(id).is_none() {
                bail!(
                    "verification_off: no rule {id:?} in the verification catalogue (rules: {})",
                    catalogue
                        .rules
                        .iter()
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        let session_hours = file.session_hours.unwrap_or(12);
        if !(1..=24 * 30).contains(&session_hours) {
            bail!("session_hours must be 1 to 720, got {session_hours}");
        }
        let session_idle_minutes = file.session_idle_minutes.unwrap_or(30);
        if !(1..=24 * 60).contains(&session_idle_minutes) {
            bail!("session_idle_minutes must be 1 to 1440, got {session_idle_minutes}");
        }
        let listen = args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".parse().expect("valid"));
        let public_url = args
            .public_url
            .clone()
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!("public_url must start with http:// or https://, got {public_url}");
        }
        let tls = match (
            args.tls_cert.clone().or(file.tls_cert),
            args.tls_key.clone().or(file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some(crate::server::TlsFiles { cert, key }),
            (None, None) => None,
            _ => bail!("tls_cert and tls_key go together: give both or neither"),
        };
        let named = match &args.two_factor_roles {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(String::from)
                .collect(),
            None => file
                .two_factor_roles
                .clone()
                .unwrap_or_else(|| TWO_FACTOR_DEFAULT.map(String::from).to_vec()),
        };
        let mut two_factor_roles = Vec::new();
        for name in named {
            match zhisu_domain::Role::parse(&name) {
                Some(role) => two_factor_roles.push(role),
                None => bail!(
                    "two_factor_roles: unknown role {name:?} (roles: {})",
                    zhisu_domain::Role::ALL.map(|r| r.as_str()).join(", ")
                ),
            }
        }
        let capture_memory_mib = file.capture_memory_mib.unwrap_or(1024);
        if !(16..=65_536).contains(&capture_memory_mib) {
            bail!("capture_memory_mib must be 16 to 65536, got {capture_memory_mib}");
        }
        let header_read_timeout_seconds = file.header_read_timeout_seconds.unwrap_or(10);
        if !(1..=120).contains(&header_read_timeout_seconds) {
            bail!(
                "header_read_timeout_seconds must be 1 to 120, got {header_read_timeout_seconds}"
            );
        }
        let scan_alert_count = args
            .scan_alert_count
            .or(file.scan_alert_count)
            .unwrap_or(50);
        if scan_alert_count < 2 {
            bail!("scan_alert_count must be at least 2, got {scan_alert_count}");
        }
        let write_wait_ms = file.write_wait_ms.unwrap_or(10_000);
        if !(100..=120_000).contains(&write_wait_ms) {
            bail!("write_wait_ms must be 100 to 120000, got {write_wait_ms}");
        }
        let defaults = zhisu_domain::login_guard::LoginPolicy::default();
        let login_policy = zhisu_domain::login_guard::LoginPolicy {
            lock_after: file.login_lock_after.unwrap_or(defaults.lock_after),
            lock_minutes: file.login_lock_minutes.unwrap_or(defaults.lock_minutes),
            window_minutes: file.login_lock_minutes.unwrap_or(defaults.window_minutes),
            per_address: file.login_address_limit.unwrap_or(defaults.per_address),
        };
        if !(3..=20).contains(&login_policy.lock_after) {
            bail!(
                "login_lock_after must be 3 to 20 failures, got {}",
                login_policy.lock_after
            );
        }
        if !(1..=24 * 60).contains(&login_policy.lock_minutes) {
            bail!(
                "login_lock_minutes must be 1 to 1440, got {}",
                login_policy.lock_minutes
            );
        }
        if login_policy.per_address < login_policy.lock_after {
            bail!(
                "login_address_limit ({}) must be at least login_lock_after ({})",
                login_policy.per_address,
                login_policy.lock_after
            );
        }
        for (category, years) in &file.retention_years {
            if zhisu_domain::ProductCategory::find(category).is_none() {
                bail!("retention_years: unknown product category {category:?}");
            }
            if !(1..=100).contains(years) {
                bail!("retention_years.{category} must be 1 to 100 years, got {years}");
            }
        }
        Ok(Settings {
            scan_alert_count,
            retention_years: file.retention_years,
            data,
            database_url,
            listen,
            public_url: public_url.trim_end_matches('/').to_string(),
            manual_review: args.manual_review.or(file.manual_review).unwrap_or(false),
            webhook_private_networks: args
                .webhook_private_networks
                .or(file.webhook_private_networks)
                .unwrap_or(false),
            // Cookies are Secure whenever people reach the platform over
            // HTTPS (issue 16.15), unless a deployment says otherwise.
            secure_cookies: args
                .secure_cookies
                .or(file.secure_cookies)
                .unwrap_or(public_url.starts_with("https://") || tls.is_some()),
            deployment_name: args
                .deployment_name
                .clone()
                .or(file.deployment_name)
                .unwrap_or_else(|| "zhisu".into()),
            session_hours,
            session_idle_minutes,
            write_wait: std::time::Duration::from_millis(write_wait_ms),
            login_policy,
            tls,
            header_read_timeout: std::time::Duration::from_secs(header_read_timeout_seconds),
            capture_memory_mib,
            two_factor_roles,
            crypto,
            verification_at,
            verification_off,
            verification_thresholds,
            disposal_measures,
            register_lookup_url,
            register_lookup_token,
            reminders,
        })
    }

    pub fn for_data(common: &CommonArgs) -> anyhow::Result<Settings> {
        Settings::resolve(&ServeArgs {
            common: common.clone(),
            ..Default::default()
        })
    }
}

/// `zhisu config example`: a commented settings file.
pub const EXAMPLE: &str = r#"# zhisu settings. Every key is optional; ZHISU_<KEY> environment variables
# and command-line flags override this file.

# Data folder: SQLite database and uploaded files.
data = "zhisu-data"

# Database. Default: sqlite://<data>/zhisu.db. For scale, PostgreSQL:
# database_url = "postgres://zhisu:secret@127.0.0.1/zhisu"

# Where the server listens.
listen = "127.0.0.1:8080"

# Cookies are marked Secure whenever public_url is https:// or the server
# speaks TLS itself; set this only to override that.
# secure_cookies = true

# Serve HTTPS directly (TLS 1.2/1.3 by rustls): the certificate chain and
# its private key as PEM files. Send the server SIGHUP after renewing them
# and it reads them again without dropping a connection.
# tls_cert = "/etc/zhisu/tls/fullchain.pem"
# tls_key = "/etc/zhisu/tls/privkey.pem"

# A client gets this long to send a request's headers, finish a TLS
# handshake, or start its next request on a kept-alive connection.
header_read_timeout_seconds = 10

# Memory (MiB) the EPCIS captures being checked may take together; a capture
# is reckoned at three times its size. Past it, a capture waits a moment and
# is then told the platform is busy (HTTP 503, Retry-After).
capture_memory_mib = 1024

# Roles whose log-ins also ask for a one-time code from an authenticator app
# (等保 level 3 asks it of administrators and regulators; this is the
# default). Each person of these roles enrols at their next log-in. Anyone
# else may enrol from the header's 动态口令 link. [] turns it off.
two_factor_roles = ["platform-admin", "security-admin", "audit-admin", "regulator"]

# When the nightly data-verification sweep runs (数据核查: every rule over
# all stored records), Asia/Shanghai time; "" for never.
verification_at = "02:00"
# Rules of the catalogue (GET /api/v1/verification/rules) this deployment
# does not run, by ID; an ID the catalogue lacks is refused at start.
# verification_off = ["ZV-R-004"]
# Rules' thresholds (the catalogue's `thresholds`, as RULE.name); an unknown
# one, or a negative number, is refused at start.
# verification_thresholds = { "ZV-T-002.days" = 10, "ZV-T-004.months" = 12 }
# Disposal measures of a result class (minor, non-compliant, serious), each
# field replacing the repository's (crates/zhisu-domain/data/disposal-measures.toml):
# measures (notice, correction-order, suspend-codes, freeze-codes,
# scan-notice, abnormal-list, case-file), deadline_days, escalates_to (a
# class, or "" for none). An unknown class or measure is refused at start.
# Ask the issuing authority about licence and CCC numbers live instead of
# the imported registers (the protocol: crates/zhisu/src/register_lookup.rs).
# register_lookup_url = "https://gateway.example.gov.cn/register-lookup"
# register_lookup_token = "…"

# Reminders of quantity reports missed go to each enterprise's inbox; by
# email and SMS too when these are set (crates/zhisu/src/notify/):
# [reminders]
# smtp_url = "smtps://user:password@smtp.example.gov.cn"
# smtp_from = "质溯平台 <noreply@example.gov.cn>"
# sms_url = "https://sms-gateway.example.gov.cn/send"
# sms_token = "…"
# sms_body = { phone = "{to}", content = "【质溯】{text}" }
# disposal_measures = { non-compliant = { deadline_days = 20, measures = ["correction-order"] } }

# Cryptography, chosen once when the deployment is created (its keys are
# made): "standard" (SHA-256, Ed25519, AES-256-GCM) or "sm" (商用密码: SM3
# hashes the ledger, SM2 signs its checkpoints, SM4 seals private contacts),
# as government deployments' 密评 asks. Recorded in DATA/keys/crypto-suite.
# crypto = "sm"

# Shown in pages and used as the ledger's origin.
deployment_name = "zhisu"

# How long a page log-in lasts.
session_hours = 12
# A signed-in page session unused this long ends (等保 会话超时); log in again.
session_idle_minutes = 30

# Where the public reaches this deployment; every issued code starts with it.
# public_url = "https://trace.example.gov.cn"

# Send every submitted batch to a reviewer, even when the automatic check is clean.
manual_review = false

# Failed log-ins (等保 登录失败处理): this many wrong passwords in a row lock a
# log-in for login_lock_minutes (the lock is audited); one address may fail
# login_address_limit times in that time, whatever log-ins it tries.
login_lock_after = 5
login_lock_minutes = 15
login_address_limit = 30

# How long a write waits for a busy database (another writer, a backup)
# before it answers "busy, send again" (HTTP 503 with Retry-After).
write_wait_ms = 10000

# Scans of one 一物一码 code after which the producer and the regulator get a
# counterfeit alert and the scan page warns.
scan_alert_count = 50

# Retention (G8.5): where an industry rule says how many years to keep the
# records of a product category, name it here. Otherwise records are kept
# for the product's shelf/service life + 1 year, else 2 years, and a
# manufacturer's records at least 3 years. `zhisu admin purge` removes the
# private data (counterparty and sender contacts) of expired records.
# EPCIS subscriptions post to their subscribers' webhooks. Loopback, private
# and link-local addresses are refused unless this is true (a test bench, or
# a platform whose subscribers are inside its own network).
webhook_private_networks = false

# [retention_years]
# wire-cable = 5
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings read from a file of the test's own (written by the test).
    fn with_file() -> (tempfile::TempDir, PathBuf, ServeArgs) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("zhisu.toml");
        let args = ServeArgs {
            common: CommonArgs {
                config: Some(file.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        (dir, file, args)
    }

    #[test]
    fn layers_file_under_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("zhisu.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndeployment_name = \"粤\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            common: CommonArgs {
                config: Some(file.clone()),
                ..Default::default()
            },
            deployment_name: Some("flag".into()),
            ..Default::default()
        };
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.deployment_name, "flag");
        assert!(s.database_url.expose().ends_with("zhisu-data/zhisu.db"));
        std::fs::write(&file, "colour = 1\n").unwrap();
        assert!(Settings::resolve(&args).is_err());
        let parsed: FileSettings = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(parsed.session_hours, Some(12));
    }

    #[test]
    fn industry_retention_rules_name_known_categories() {
        let (_dir, file, args) = with_file();
        std::fs::write(&file, "[retention_years]\nwire-cable = 5\n").unwrap();
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(s.retention_years.get("wire-cable"), Some(&5));
        std::fs::write(&file, "[retention_years]\nbananas = 5\n").unwrap();
        let e = Settings::resolve(&args).err().unwrap().to_string();
        assert!(e.contains("unknown product category \"bananas\""), "{e}");
        std::fs::write(&file, "[retention_years]\nwire-cable = 0\n").unwrap();
        assert!(Settings::resolve(&args).is_err());
    }

    #[test]
    fn administrators_and_regulators_log_in_with_a_one_time_code_unless_turned_off() {
        use zhisu_domain::Role;
        let (_dir, file, mut args) = with_file();
        std::fs::write(&file, "").unwrap();
        let roles = |args: &ServeArgs| Settings::resolve(args).map(|s| s.two_factor_roles);
        assert_eq!(
            roles(&args).unwrap(),
            [
                Role::PlatformAdmin,
                Role::SecurityAdmin,
                Role::AuditAdmin,
                Role::Regulator
            ]
        );
        std::fs::write(&file, "two_factor_roles = []\n").unwrap();
        assert!(roles(&args).unwrap().is_empty());
        std::fs::write(&file, "two_factor_roles = [\"regulator\"]\n").unwrap();
        assert_eq!(roles(&args).unwrap(), [Role::Regulator]);
        args.two_factor_roles = Some("".into());
        assert!(roles(&args).unwrap().is_empty(), "the flag over the file");
        args.two_factor_roles = Some("audit-admin, security-admin".into());
        assert_eq!(
            roles(&args).unwrap(),
            [Role::AuditAdmin, Role::SecurityAdmin]
        );
        args.two_factor_roles = Some("inspector".into());
        let e = roles(&args).err().unwrap().to_string();
        assert!(e.contains("unknown role \"inspector\""), "{e}");
    }

    #[test]
    fn the_nightly_sweep_is_at_two_unless_set() {
        let (_dir, file, args) = with_file();
        let at = |text: &str| {
            std::fs::write(&file, text).unwrap();
            Settings::resolve(&args).map(|s| s.verification_at)
        };
        assert_eq!(at("").unwrap(), crate::schedule::parse_at("02:00"));
        assert_eq!(
            at("verification_at = \"23:30\"\n").unwrap(),
            crate::schedule::parse_at("23:30")
        );
        assert_eq!(at("verification_at = \"\"\n").unwrap(), None);
        let e = at("verification_at = \"25:00\"\n").unwrap_err().to_string();
        assert!(e.contains("verification_at must be HH:MM"), "{e}");
    }

    #[test]
    fn rules_turned_off_must_be_in_the_catalogue() {
        let (_dir, file, args) = with_file();
        std::fs::write(&file, "verification_off = [\"ZV-R-004\"]\n").unwrap();
        assert_eq!(
            Settings::resolve(&args).unwrap().verification_off,
            ["ZV-R-004"]
        );
        std::fs::write(&file, "verification_off = [\"ZV-X-999\"]\n").unwrap();
        let e = Settings::resolve(&args).err().unwrap().to_string();
        assert!(e.contains("no rule \"ZV-X-999\""), "{e}");
    }

    #[test]
    fn thresholds_must_be_the_catalogues() {
        let (_dir, file, args) = with_file();
        std::fs::write(
            &file,
            "verification_thresholds = { \"ZV-T-002.days\" = 10 }\n",
        )
        .unwrap();
        assert_eq!(
            Settings::resolve(&args).unwrap().verification_thresholds["ZV-T-002.days"],
            10.0
        );
        std::fs::write(
            &file,
            "verification_thresholds = { \"ZV-T-002.weeks\" = 1 }\n",
        )
        .unwrap();
        let e = Settings::resolve(&args).err().unwrap().to_string();
        assert!(
            e.contains("ZV-T-002.weeks names no rule's threshold"),
            "{e}"
        );
    }

    /// A deployment's disposal measures (V6-dispose): a class it changes
    /// takes the change; an unknown class or measure stops the start,
    /// naming it.
    #[test]
    fn disposal_measures_are_the_tables_with_the_deployments_changes() {
        let (_dir, file, args) = with_file();
        std::fs::write(
            &file,
            "disposal_measures = { non-compliant = { deadline_days = 20 } }\n",
        )
        .unwrap();
        let s = Settings::resolve(&args).unwrap();
        let nc = zhisu_domain::verification::ResultClass::NonCompliant;
        assert_eq!(s.disposal_measures.of(nc).unwrap().deadline_days, 20);
        for (text, says) in [
            (
                "disposal_measures = { severe = { deadline_days = 3 } }\n",
                "no class \"severe\"",
            ),
            (
                "disposal_measures = { minor = { measures = [\"fine\"] } }\n",
                "unknown variant `fine`",
            ),
        ] {
            std::fs::write(&file, text).unwrap();
            let e = format!("{:#}", Settings::resolve(&args).err().unwrap());
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    /// The live register lookup's address must be one to post to.
    #[test]
    fn a_register_lookup_is_an_http_address() {
        let (_dir, file, args) = with_file();
        std::fs::write(
            &file,
            "register_lookup_url = \"https://gw.example/lookup\"\n",
        )
        .unwrap();
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(
            s.register_lookup_url.as_deref(),
            Some("https://gw.example/lookup")
        );
        std::fs::write(&file, "register_lookup_url = \"gw.example/lookup\"\n").unwrap();
        let e = Settings::resolve(&args).err().unwrap().to_string();
        assert!(
            e.contains("register_lookup_url must be an http or https address"),
            "{e}"
        );
    }

    #[test]
    fn database_passwords_are_redacted() {
        let url = DatabaseUrl("postgres://zhisu:hunter2@db/zhisu".into());
        assert_eq!(format!("{url:?}"), "postgres://zhisu:***@db/zhisu");
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
