//! Log-in failure handling (issue 16.4, 等保 登录失败处理): the lock of a
//! log-in after repeated failures and the limit of one address across
//! log-ins, both kept in the database — a restart does not lift them, and
//! every server of a deployment counts the same failures (issue 20: kept
//! in each server's memory, an address got a try per server) — and the
//! password check an unknown log-in pays for too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use zhisu_domain::login_guard::{Failures, LoginPolicy};
use zhisu_store::{format_time, AuditEntry, LoginFailures};

use crate::{Service, ServiceError, ServiceResult};

/// The turn a server's failed log-ins are counted in (so failures sent
/// at once are all counted); across servers each log-in's count is read
/// and written under a cluster lock too.
#[derive(Default)]
pub(crate) struct AddressFailures(tokio::sync::Mutex<()>);

/// Checks `password` against `hash`, or, for a log-in that does not exist,
/// against a hash made once of nothing, so that both take one Argon2 run.
/// `checks` counts the runs: an unknown log-in must cost one too.
pub(crate) fn password_matches(hash: Option<&str>, password: &str, checks: &AtomicU64) -> bool {
    static NOBODY: OnceLock<String> = OnceLock::new();
    let nobody = NOBODY.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(b"no such log-in", &salt)
            .expect("argon2 hashes")
            .to_string()
    });
    // A stored hash that does not parse is checked as nobody's, so it too
    // costs one run and never matches.
    let (stored, real) = match hash.and_then(|h| PasswordHash::new(h).ok()) {
        Some(h) => (h, true),
        None => (
            PasswordHash::new(nobody).expect("nobody's hash parses"),
            false,
        ),
    };
    checks.fetch_add(1, Ordering::Relaxed);
    let checked = Argon2::default()
        .verify_password(password.as_bytes(), &stored)
        .is_ok();
    checked && real
}

fn parse(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn to_domain(row: &LoginFailures) -> Option<Failures> {
    Some(Failures {
        count: u32::try_from(row.failures).unwrap_or(u32::MAX),
        first_at: parse(&row.first_at)?,
        locked_until: row.locked_until.as_deref().and_then(parse),
    })
}

/// The locked log-in's answer: when it opens again, in Beijing time.
fn locked_message(policy: &LoginPolicy, until: DateTime<Utc>) -> String {
    let local = until.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
    format!(
        "登录失败次数过多，账户已锁定 {} 分钟，{} 后可再试；如需提前解锁请联系管理员 \
         (too many failed log-ins: locked until {} Beijing time)",
        policy.lock_minutes,
        local.format("%H:%M"),
        local.format("%Y-%m-%d %H:%M"),
    )
}

impl Service {
    /// How many passwords this service has checked with Argon2 (issue
    /// 16.4: a test shows an unknown log-in costs a check, as a known one
    /// does, so timing tells nobody which log-ins exist).
    pub fn password_checks(&self) -> u64 {
        self.password_checks.load(Ordering::Relaxed)
    }

    fn login_policy(&self) -> &LoginPolicy {
        &self.settings.login_policy
    }

    /// Refuses an attempt before its password is looked at: the address
    /// made too many failures lately, or the log-in is locked.
    pub(crate) async fn login_allowed(&self, login: &str, ip: Option<&str>) -> ServiceResult<()> {
        let policy = *self.login_policy();
        if let Some(ip) = ip {
            let since = Utc::now() - chrono::Duration::minutes(policy.window_minutes.max(1));
            let recent = self
                .store
                .address_failures_since(ip, &format_time(since))
                .await?;
            if policy.address_held(usize::try_from(recent).unwrap_or(usize::MAX)) {
                self.store
                    .append_audit(AuditEntry {
                        actor: format!("login:{login}"),
                        action: "session.address-limit".into(),
                        target: Some(format!("login/{login}")),
                        ip: Some(ip.to_string()),
                        outcome: "refused".into(),
                        ..Default::default()
                    })
                    .await?;
                return Err(ServiceError::TooManyAttempts(format!(
                    "此地址登录尝试过于频繁，请 {} 分钟后再试 (too many failed log-ins from this address; try again in {} minutes)",
                    policy.window_minutes, policy.window_minutes
                )));
            }
        }
        let row = self.store.login_failures(login).await?;
        let failures = row.as_ref().and_then(to_domain);
        if let Some(until) = policy.locked_until(failures.as_ref(), Utc::now()) {
            return Err(ServiceError::TooManyAttempts(locked_message(
                &policy, until,
            )));
        }
        Ok(())
    }

    /// Counts a failed attempt and says what to answer: the attempt that
    /// reaches the limit locks the log-in, is audited as `session.lock`,
    /// and answers as locked.
    pub(crate) async fn login_failed(
        &self,
        login: &str,
        ip: Option<&str>,
        enterprise_id: Option<i64>,
    ) -> ServiceError {
        match self.count_failure(login, ip, enterprise_id).await {
            Ok(Some(until)) => {
                ServiceError::TooManyAttempts(locked_message(self.login_policy(), until))
            }
            Ok(None) => ServiceError::Unauthenticated,
            Err(e) => e,
        }
    }

    /// Stores one more failure; `Some(until)` when it locked the log-in.
    async fn count_failure(
        &self,
        login: &str,
        ip: Option<&str>,
        enterprise_id: Option<i64>,
    ) -> ServiceResult<Option<DateTime<Utc>>> {
        let policy = *self.login_policy();
        let now = Utc::now();
        let stale_before =
            now - chrono::Duration::minutes(policy.window_minutes.max(policy.lock_minutes));
        if let Some(ip) = ip {
            self.store
                .add_address_failure(ip, &format_time(now), &format_time(stale_before))
                .await?;
        }
        let _turn = self.address_failures.0.lock().await;
        // Another server counting a failure of the same log-in at once
        // would read the same count and both write one more.
        self.under_cluster_lock(
            &format!("failed log-ins of {login}"),
            self.count_login_failure(login, ip, enterprise_id, now, stale_before),
        )
        .await
    }

    /// The log-in's count read and written again, one failure more.
    async fn count_login_failure(
        &self,
        login: &str,
        ip: Option<&str>,
        enterprise_id: Option<i64>,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> ServiceResult<Option<DateTime<Utc>>> {
        let policy = *self.login_policy();
        let row = self.store.login_failures(login).await?;
        let next = policy.after_failure(row.as_ref().and_then(to_domain).as_ref(), now);
        let lock = next.locked_until.map(|until| AuditEntry {
            actor: "system".into(),
            action: "session.lock".into(),
            target: Some(format!("login/{login}")),
            enterprise_id,
            ip: ip.map(str::to_string),
            outcome: "locked".into(),
            detail: Some(format!(
                "{} 次登录失败，锁定至 {} ({} failures; locked until {})",
                next.count,
                format_time(until),
                next.count,
                format_time(until)
            )),
        });
        self.store
            .put_login_failures(
                LoginFailures {
                    login: login.to_string(),
                    failures: i64::from(next.count),
                    first_at: format_time(next.first_at),
                    locked_until: next.locked_until.map(format_time),
                },
                &format_time(stale_before),
                lock,
            )
            .await?;
        Ok(next.locked_until)
    }
}
