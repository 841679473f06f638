//! Two-factor log-in (issue 16.16, 等保 level 3 双因素鉴别): a time-based
//! one-time code (RFC 6238: HMAC-SHA1, 30 s, six digits, what every
//! authenticator app speaks) after the password. A person enrols from
//! their own page (a secret shown once as a QR code and in base32,
//! confirmed with a code); from then on each log-in asks for a code, and
//! each code is taken once. The deployment names the roles that must
//! enrol (`two_factor_roles`): their log-ins go nowhere until they have.
//! Wrong codes count as failed log-ins and lock like wrong passwords.

use chrono::Utc;
use totp_rs::{Algorithm, Secret, TOTP};
use zhisu_domain::{FieldError, Invalid, Principal};
use zhisu_store::{format_time, AuditEntry, Session, User};

use crate::{sha256_hex, Service, ServiceError, ServiceResult};

/// Where a signed-in session stands with its second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// Passed, or not asked of this person.
    Done,
    /// The person has enrolled: this session must give a code.
    Needed,
    /// The person's role must use one and has not enrolled yet.
    Enroll,
}

/// A pending enrolment as shown to its person.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    /// The secret in base32, for typing into an app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, for the QR code.
    pub uri: String,
}

fn totp(secret: &str, issuer: &str, account: &str) -> ServiceResult<TOTP> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| ServiceError::Internal(format!("TOTP secret: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some(issuer.replace(':', " ")),
        account.replace(':', " "),
    )
    .map_err(|e| ServiceError::Internal(format!("TOTP: {e}")))
}

fn wrong_code() -> ServiceError {
    Invalid(vec![FieldError::new(
        "totp_code",
        "mismatch",
        "动态口令不正确或已使用过，请输入验证器上的最新六位数字 (the code is wrong or was used already: type the newest six digits your authenticator shows)",
    )])
    .into()
}

impl Service {
    /// Where `session` of `user` stands with its second factor.
    pub(crate) fn second_factor_of(&self, user: &User, session: &Session) -> SecondFactor {
        if session.second_factor_at.is_some() {
            SecondFactor::Done
        } else if user.totp_confirmed {
            SecondFactor::Needed
        } else if self.settings.two_factor_roles.contains(&user.role) {
            SecondFactor::Enroll
        } else {
            SecondFactor::Done
        }
    }

    /// The person's pending enrolment, made now if there is none.
    pub async fn totp_enrolment(&self, by: &Principal) -> ServiceResult<TotpEnrolment> {
        let user = self.person(by).await?;
        if user.totp_confirmed {
            return Err(ServiceError::Conflict(
                "已启用动态口令 (a one-time code is already in use for this account)".into(),
            ));
        }
        let secret = match user
            .totp_secret
            .as_deref()
            .and_then(|s| self.sealer.open(s))
        {
            Some(s) => s,
            None => {
                let secret = Secret::generate_secret().to_encoded().to_string();
                self.store
                    .set_totp(user.id, Some(&self.sealer.seal(&secret)), false, None)
                    .await?;
                secret
            }
        };
        let uri = totp(&secret, &self.settings.deployment_name, &user.login)?.get_url();
        Ok(TotpEnrolment { secret, uri })
    }

    /// Checks `code` against the person's secret, taking its time step.
    async fn code_matches(&self, user: &User, code: &str) -> ServiceResult<bool> {
        let Some(secret) = user
            .totp_secret
            .as_deref()
            .and_then(|s| self.sealer.open(s))
        else {
            return Ok(false);
        };
        let totp = totp(&secret, &self.settings.deployment_name, &user.login)?;
        let code = code.trim();
        let now = Utc::now().timestamp().max(0) as u64;
        // The step before and after too: a phone's clock drifts.
        for step in [now / 30, (now / 30).saturating_sub(1), now / 30 + 1] {
            if totp.generate(step * 30) == code {
                return Ok(self.store.take_totp_step(user.id, step as i64).await?);
            }
        }
        Ok(false)
    }

    /// Confirms the pending enrolment with a code from the app; the
    /// session it came from has passed its second factor.
    pub async fn confirm_totp(
        &self,
        by: &Principal,
        session_token: &str,
        code: &str,
        ip: Option<String>,
    ) -> ServiceResult<()> {
        let user = self.person(by).await?;
        if user.totp_confirmed {
            return Err(ServiceError::Conflict(
                "已启用动态口令 (a one-time code is already in use for this account)".into(),
            ));
        }
        if !self.code_matches(&user, code).await? {
            return Err(wrong_code());
        }
        let audit = AuditEntry {
            actor: by.actor.clone(),
            action: "user.totp-enable".into(),
            target: Some(format!("user/{}", user.id)),
            enterprise_id: user.enterprise_id,
            ip,
            outcome: "ok".into(),
            detail: None,
        };
        self.store
            .set_totp(user.id, user.totp_secret.as_deref(), true, Some(audit))
            .await?;
        self.store
            .pass_second_factor(
                &sha256_hex(session_token.as_bytes()),
                &format_time(Utc::now()),
            )
            .await?;
        Ok(())
    }

    /// A log-in's second step: the code from the person's app. A wrong
    /// one is a failed log-in (counted and locked like a wrong password).
    pub async fn verify_second_factor(
        &self,
        by: &Principal,
        session_token: &str,
        code: &str,
        ip: Option<String>,
    ) -> ServiceResult<()> {
        let user = self.person(by).await?;
        self.login_allowed(&user.login, ip.as_deref()).await?;
        let ok = self.code_matches(&user, code).await?;
        self.store
            .append_audit(AuditEntry {
                actor: by.actor.clone(),
                action: "session.second-factor".into(),
                enterprise_id: user.enterprise_id,
                ip: ip.clone(),
                outcome: if ok { "ok" } else { "denied" }.into(),
                ..Default::default()
            })
            .await?;
        if !ok {
            return Err(
                match self
                    .login_failed(&user.login, ip.as_deref(), user.enterprise_id)
                    .await
                {
                    ServiceError::Unauthenticated => wrong_code(),
                    locked => {
                        // Locked: this half-signed session ends too.
                        self.store
                            .delete_session(&sha256_hex(session_token.as_bytes()))
                            .await?;
                        locked
                    }
                },
            );
        }
        self.store
            .pass_second_factor(
                &sha256_hex(session_token.as_bytes()),
                &format_time(Utc::now()),
            )
            .await?;
        Ok(())
    }
}
