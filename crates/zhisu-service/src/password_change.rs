//! A person changes their own password (issue 16.5, 等保 身份鉴别): at
//! the first log-in when someone else chose it, or whenever they like. The
//! current password is asked for, the new one meets the policy and is not
//! the same, and the person's other sessions end.

use zhisu_domain::{FieldError, Invalid, Principal};
use zhisu_store::AuditEntry;

use crate::accounts::hash_password;
use crate::{sha256_hex, Service, ServiceResult};

impl Service {
    /// Replaces the signed-in person's password. `session_token` is the
    /// session it is changed from, which stays signed in.
    pub async fn change_password(
        &self,
        by: &Principal,
        session_token: &str,
        current: &str,
        new: &str,
        ip: Option<String>,
    ) -> ServiceResult<()> {
        let user = self.person(by).await?;
        let user_id = user.id;
        let mut findings = Vec::new();
        if !crate::login_guard::password_matches(
            Some(&user.password_hash),
            current,
            &self.password_checks,
        ) {
            findings.push(FieldError::new(
                "current_password",
                "mismatch",
                "当前密码不正确 (the current password is wrong)",
            ));
        }
        if let Err(mut finding) = zhisu_domain::password::check(&user.login, new) {
            finding.field = "new_password".into();
            findings.push(finding);
        }
        if new == current {
            findings.push(FieldError::new(
                "new_password",
                "unchanged",
                "新密码不能与当前密码相同 (the new password must differ from the current one)",
            ));
        }
        if !findings.is_empty() {
            return Err(Invalid(findings).into());
        }
        let audit = AuditEntry {
            actor: by.actor.clone(),
            action: "user.password-change".into(),
            target: Some(format!("user/{user_id}")),
            enterprise_id: user.enterprise_id,
            ip,
            outcome: "ok".into(),
            detail: None,
        };
        self.store
            .set_password(
                user_id,
                &hash_password(new)?,
                &sha256_hex(session_token.as_bytes()),
                audit,
            )
            .await?;
        Ok(())
    }
}
