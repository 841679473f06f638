//! Accounts, sessions, API keys (G9.3) and the audit log (G8.4).

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;
use chrono::{Duration, Utc};
use serde::Deserialize;
use zhisu_codes::RegionCode;
use zhisu_domain::enterprise::EnterpriseInput;
use zhisu_domain::{FieldError, Invalid, Principal, RecordKind, Role};
use zhisu_store::{
    format_time, ApiKey, AuditEntry, AuditQuery, AuditRecord, NewApiKey, NewUser, Page, StoreError,
    User,
};

use crate::records::{enterprise_index, RecordView};
use crate::{random_token, sha256_hex, Service, ServiceError, ServiceResult};

/// Self-registration of a manufacturer or seller: the account and its
/// enterprise together (G5.1-basic, G5.2-basic, P5.3.3.1).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    pub enterprise: EnterpriseInput,
}

/// An account made by someone else (or by the CLI).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub login: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    /// Regulators: region codes overseen.
    pub jurisdiction: Vec<String>,
}

impl NewAccount {
    pub fn new(login: &str, password: &str, display_name: &str, role: Role) -> Self {
        NewAccount {
            login: login.into(),
            password: password.into(),
            display_name: display_name.into(),
            role,
            enterprise_id: None,
            jurisdiction: vec![],
        }
    }

    pub fn enterprise(mut self, id: Option<i64>) -> Self {
        self.enterprise_id = id;
        self
    }

    pub fn jurisdiction(mut self, codes: &[String]) -> Self {
        self.jurisdiction = codes.to_vec();
        self
    }
}

/// An API key as created: the secret is shown once, never again.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewKey {
    pub key: String,
    #[serde(flatten)]
    pub info: ApiKey,
}

pub(crate) fn hash_password(password: &str) -> ServiceResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("hashing password: {e}")))
}

fn check_login(findings: &mut Vec<FieldError>, login: &str) {
    let ok = (3..=64).contains(&login.chars().count())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !ok {
        findings.push(FieldError::new(
            "login",
            "format",
            "登录名为3-64位字母、数字或 . _ - @ (login: 3-64 letters, digits or . _ - @)",
        ));
    }
}

/// The password policy (issue 16.5) lives in `zhisu_domain::password`.
fn check_password(findings: &mut Vec<FieldError>, login: &str, password: &str) {
    if let Err(finding) = zhisu_domain::password::check(login, password) {
        findings.push(finding);
    }
}

/// A live session: who, its CSRF token, and whether the password someone
/// else set must be changed before anything else.
#[derive(Debug, Clone)]
pub struct SignedSession {
    pub principal: Principal,
    pub csrf: String,
    pub must_change_password: bool,
    /// Whether the session still owes a one-time code (issue 16.16).
    pub second_factor: crate::two_factor::SecondFactor,
}

/// Turns a user into the principal its requests act as.
pub fn principal_of_user(user: &User) -> Principal {
    Principal {
        actor: format!("user:{}", user.id),
        display_name: user.display_name.clone(),
        role: user.role,
        enterprise_id: user.enterprise_id,
        jurisdiction: user
            .jurisdiction
            .iter()
            .filter_map(|j| RegionCode::parse(j).ok())
            .collect(),
    }
}

fn principal_of_key(key: &ApiKey) -> Principal {
    Principal {
        actor: format!("key:{}", key.id),
        display_name: format!("API key {} ({})", key.prefix, key.label),
        role: key.role,
        enterprise_id: key.enterprise_id,
        jurisdiction: key
            .jurisdiction
            .iter()
            .filter_map(|j| RegionCode::parse(j).ok())
            .collect(),
    }
}

impl Service {
    /// The signed-in person behind `by` (a person's own password and
    /// one-time codes: an API key has neither).
    pub(crate) async fn person(&self, by: &Principal) -> ServiceResult<User> {
        let id = by
            .actor
            .strip_prefix("user:")
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| {
                ServiceError::Forbidden(
                    "只有登录的用户可以这样做 (only a signed-in person can)".into(),
                )
            })?;
        self.store
            .user_by_id(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("user".into()))
    }

    /// The principal an audited actor (`user:N`, `key:N`) acts as now;
    /// None for one that is gone or a revoked key. What a subscription
    /// made by a person or key may read is decided by it (issue 16.7).
    pub(crate) async fn principal_of_actor(&self, actor: &str) -> ServiceResult<Option<Principal>> {
        let Some((kind, id)) = actor.split_once(':') else {
            return Ok(None);
        };
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        Ok(match kind {
            "user" => self
                .store
                .user_by_id(id)
                .await?
                .as_ref()
                .map(principal_of_user),
            "key" => self
                .store
                .api_key(id)
                .await?
                .filter(|k| k.revoked_at.is_none())
                .as_ref()
                .map(principal_of_key),
            _ => None,
        })
    }
}

fn parse_jurisdiction(role: Role, jurisdiction: &[String]) -> ServiceResult<Vec<String>> {
    let mut codes = Vec::new();
    for j in jurisdiction
        .iter()
        .flat_map(|j| j.split(','))
        .map(str::trim)
        .filter(|j| !j.is_empty())
    {
        match RegionCode::parse(j) {
            Ok(r) => codes.push(r.to_string()),
            Err(e) => {
                return Err(Invalid(vec![FieldError::new(
                    "jurisdiction",
                    "format",
                    e.to_string(),
                )])
                .into())
            }
        }
    }
    if role == Role::Regulator && codes.is_empty() {
        return Err(Invalid(vec![FieldError::new(
            "jurisdiction",
            "required",
            "监管人员须指定辖区行政区划代码 (a regulator needs at least one region code)",
        )])
        .into());
    }
    Ok(codes)
}

impl Service {
    /// Registers a manufacturer or seller and its first admin account.
    pub async fn register(
        &self,
        registration: Registration,
        ip: Option<String>,
    ) -> ServiceResult<(User, RecordView)> {
        let mut findings = Vec::new();
        let login = registration.login.trim().to_string();
        check_login(&mut findings, &login);
        check_password(&mut findings, &login, &registration.password);
        let blobs = self
            .resolver(None, registration.enterprise.business_licence.as_ref())
            .await?;
        let enterprise = match registration
            .enterprise
            .validate(|sha| blobs.get(sha).cloned())
        {
            Ok(e) => Some(e),
            Err(Invalid(errors)) => {
                findings.extend(errors.into_iter().map(|mut e| {
                    e.field = format!("enterprise.{}", e.field);
                    e
                }));
                None
            }
        };
        if !findings.is_empty() {
            return Err(Invalid(findings).into());
        }
        let enterprise = enterprise.expect("validated");
        if self.store.user_by_login(&login).await?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "登录名“{login}”已被使用 (login '{login}' is taken)"
            )));
        }
        self.ensure_uscc_free(&enterprise.uscc, None).await?;
        let role = match enterprise.kind {
            zhisu_domain::EnterpriseKind::Manufacturer => Role::ManufacturerAdmin,
            zhisu_domain::EnterpriseKind::Seller => Role::Seller,
        };
        let display_name = match registration.display_name.trim() {
            "" => login.clone(),
            name => name.to_string(),
        };
        let user = NewUser {
            login: login.clone(),
            display_name,
            password_hash: hash_password(&registration.password)?,
            role,
            enterprise_id: None,
            jurisdiction: vec![],
            must_change_password: false,
        };
        let record = zhisu_store::NewRecord {
            kind: RecordKind::Enterprise,
            index: enterprise_index(&enterprise),
            body: serde_json::to_value(&enterprise)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            links: vec![],
            flow: vec![],
            import_key: None,
        };
        let audit = AuditEntry {
            actor: format!("register:{login}"),
            action: "user.register".into(),
            ip,
            outcome: "ok".into(),
            ..Default::default()
        };
        let (user, stored) = self
            .store
            .register(user, Some(record), audit)
            .await
            .map_err(|e| match e {
                zhisu_store::StoreError::Conflict(_) => ServiceError::Conflict(
                    "登录名或统一社会信用代码已存在 (the login or the USCC is already registered)"
                        .into(),
                ),
                other => other.into(),
            })?;
        let stored = stored.expect("enterprise created");
        // It waits for its regulator's check in the review queue.
        self.note_queue(RecordKind::Enterprise, stored.id).await;
        Ok((user, RecordView::from(stored)))
    }

    /// Creates an account for someone else: operators for an enterprise
    /// admin's own enterprise; regulators and enterprise roles for the
    /// security administrator (三员分立: `Principal::may_grant`). Used by
    /// `zhisu admin create-user` (with `by` = None, any role) too.
    pub async fn create_user(
        &self,
        by: Option<&Principal>,
        account: NewAccount,
    ) -> ServiceResult<User> {
        let NewAccount {
            login,
            password,
            display_name,
            role,
            enterprise_id,
            jurisdiction,
        } = account;
        let (login, password, display_name) =
            (login.as_str(), password.as_str(), display_name.as_str());
        let jurisdiction = jurisdiction.as_slice();
        if let Some(p) = by {
            if !p.may_grant(role, enterprise_id, false) {
                return Err(ServiceError::Forbidden(
                    "不能创建该角色的账号 (you may not create accounts with this role)".into(),
                ));
            }
        }
        let mut findings = Vec::new();
        check_login(&mut findings, login.trim());
        check_password(&mut findings, login.trim(), password);
        if !findings.is_empty() {
            return Err(Invalid(findings).into());
        }
        self.check_role_tenant(role, enterprise_id).await?;
        let jurisdiction = parse_jurisdiction(role, jurisdiction)?;
        let user = NewUser {
            login: login.trim().to_string(),
            display_name: if display_name.trim().is_empty() {
                login.trim().to_string()
            } else {
                display_name.trim().to_string()
            },
            password_hash: hash_password(password)?,
            role,
            enterprise_id: if role.needs_enterprise() {
                enterprise_id
            } else {
                None
            },
            jurisdiction,
            // Someone else chose this password (issue 16.5, 等保): its
            // owner replaces it at the first log-in. The CLI's operator
            // sets up its own accounts.
            must_change_password: by.is_some(),
        };
        let actor = by.map(|p| p.actor.clone()).unwrap_or_else(|| "cli".into());
        let audit = AuditEntry {
            actor,
            action: "user.create".into(),
            outcome: "ok".into(),
            ..Default::default()
        };
        let (user, _) = self
            .store
            .register(user, None, audit)
            .await
            .map_err(|e| match e {
                zhisu_store::StoreError::Conflict(_) => ServiceError::Conflict(format!(
                    "登录名“{}”已被使用 (login '{}' is taken)",
                    login.trim(),
                    login.trim()
                )),
                other => other.into(),
            })?;
        Ok(user)
    }

    /// Roles that act for an enterprise need one of the matching kind.
    async fn check_role_tenant(&self, role: Role, enterprise_id: Option<i64>) -> ServiceResult<()> {
        let Some(kind) = role.enterprise_kind() else {
            return Ok(());
        };
        let Some(id) = enterprise_id else {
            return Err(Invalid(vec![FieldError::new(
                "enterprise_id",
                "required",
                format!(
                    "角色 {} 须指定企业 (role {} needs an enterprise)",
                    role.as_str(),
                    role.as_str()
                ),
            )])
            .into());
        };
        let record = self
            .store
            .get_record(RecordKind::Enterprise, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("enterprise {id}")))?;
        if record.body["kind"] != kind.as_str() {
            return Err(Invalid(vec![FieldError::new(
                "enterprise_id",
                "kind",
                format!(
                    "企业 {id} 不是{}类型 (enterprise {id} is not a {})",
                    kind.as_str(),
                    kind.as_str()
                ),
            )])
            .into());
        }
        Ok(())
    }

    /// Checks a password and opens a session. Returns the session token
    /// (for the cookie), its CSRF token and the user.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        ip: Option<String>,
    ) -> ServiceResult<(String, String, User)> {
        let login = login.trim();
        // Locked log-ins and held-back addresses are refused (and the
        // refusal audited) before any password is looked at (issue 16.4).
        let allowed = self.login_allowed(login, ip.as_deref()).await;
        let user = self.store.user_by_login(login).await?;
        let verified = allowed.is_ok()
            && crate::login_guard::password_matches(
                user.as_ref().map(|u| u.password_hash.as_str()),
                password,
                &self.password_checks,
            );
        let outcome = match (&allowed, verified) {
            (Err(_), _) => "refused",
            (Ok(()), true) => "ok",
            (Ok(()), false) => "denied",
        };
        self.store
            .append_audit(AuditEntry {
                actor: user
                    .as_ref()
                    .map(|u| format!("user:{}", u.id))
                    .unwrap_or_else(|| format!("login:{login}")),
                action: "session.login".into(),
                enterprise_id: user.as_ref().and_then(|u| u.enterprise_id),
                ip: ip.clone(),
                outcome: outcome.into(),
                ..Default::default()
            })
            .await?;
        allowed?;
        let user = match (user, verified) {
            (Some(u), true) => u,
            (user, _) => {
                return Err(self
                    .login_failed(login, ip.as_deref(), user.and_then(|u| u.enterprise_id))
                    .await)
            }
        };
        if self.store.login_failures(login).await?.is_some() {
            self.store.clear_login_failures(login).await?;
        }
        let token = random_token(32);
        let csrf = random_token(32);
        let expires = format_time(Utc::now() + Duration::hours(self.settings.session_hours));
        self.store
            .create_session(&sha256_hex(token.as_bytes()), user.id, &csrf, &expires)
            .await?;
        Ok((token, csrf, user))
    }

    pub async fn logout(&self, token: &str) -> ServiceResult<()> {
        Ok(self
            .store
            .delete_session(&sha256_hex(token.as_bytes()))
            .await?)
    }

    /// The principal behind a session cookie, with the session's CSRF token
    /// and whether its password must be changed first. A session unused
    /// for `session_idle_minutes` ends (issue 16.5, 等保 会话超时).
    pub async fn session_principal(&self, token: &str) -> ServiceResult<Option<SignedSession>> {
        let token_hash = sha256_hex(token.as_bytes());
        let Some(session) = self.store.session(&token_hash).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        if session.expires_at < format_time(now) {
            return Ok(None);
        }
        let last_seen = chrono::DateTime::parse_from_rfc3339(&session.last_seen_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        if now - last_seen > Duration::minutes(self.settings.session_idle_minutes) {
            self.store.delete_session(&token_hash).await?;
            return Ok(None);
        }
        // Noted at most once a minute: a page view is not a write.
        if now - last_seen > Duration::seconds(60) {
            self.store
                .touch_session(&token_hash, &format_time(now))
                .await?;
        }
        let Some(user) = self.store.user_by_id(session.user_id).await? else {
            return Ok(None);
        };
        Ok(Some(SignedSession {
            principal: principal_of_user(&user),
            second_factor: self.second_factor_of(&user, &session),
            csrf: session.csrf_token,
            must_change_password: user.must_change_password,
        }))
    }

    /// The principal behind a bearer API key; revoked keys give None.
    pub async fn key_principal(&self, key: &str) -> ServiceResult<Option<Principal>> {
        let found = self
            .store
            .api_key_by_hash(&sha256_hex(key.as_bytes()))
            .await?;
        Ok(found
            .filter(|k| k.revoked_at.is_none())
            .as_ref()
            .map(principal_of_key))
    }

    /// Creates an API key. `by` = None is the CLI's bootstrap (`zhisu admin
    /// create-api-key`); otherwise keys are for the caller's own tenant and
    /// role, or any for the platform admin.
    pub async fn create_api_key(
        &self,
        by: Option<&Principal>,
        label: &str,
        role: Role,
        enterprise_id: Option<i64>,
        jurisdiction: &[String],
    ) -> ServiceResult<NewKey> {
        if let Some(p) = by {
            if !p.can_manage_keys() {
                return Err(ServiceError::Forbidden(
                    "不能创建API密钥 (you may not create API keys)".into(),
                ));
            }
            if !p.may_grant(role, enterprise_id, true) {
                return Err(ServiceError::Forbidden(
                    "只能为本企业创建密钥 (keys can only be made for your own enterprise and role)"
                        .into(),
                ));
            }
        }
        self.check_role_tenant(role, enterprise_id).await?;
        let jurisdiction = parse_jurisdiction(role, jurisdiction)?;
        let key = format!("zk_{}", random_token(32));
        let label = match label.trim() {
            "" => "api".to_string(),
            l => l.chars().take(100).collect(),
        };
        let created_by = by.map(|p| p.actor.clone()).unwrap_or_else(|| "cli".into());
        let info = self
            .store
            .create_api_key(
                NewApiKey {
                    prefix: key[..10].to_string(),
                    key_hash: sha256_hex(key.as_bytes()),
                    label,
                    role,
                    enterprise_id: if role.needs_enterprise() {
                        enterprise_id
                    } else {
                        None
                    },
                    jurisdiction,
                    created_by: created_by.clone(),
                },
                AuditEntry {
                    actor: created_by,
                    action: "api-key.create".into(),
                    outcome: "ok".into(),
                    ..Default::default()
                },
            )
            .await?;
        Ok(NewKey { key, info })
    }

    pub async fn list_api_keys(&self, by: &Principal) -> ServiceResult<Vec<ApiKey>> {
        if !by.can_manage_keys() {
            return Err(ServiceError::Forbidden(
                "不能查看API密钥 (you may not manage API keys)".into(),
            ));
        }
        let scope = if by.manages_all_accounts() {
            None
        } else {
            Some(by.enterprise_id.unwrap_or(-1))
        };
        Ok(self.store.list_api_keys(scope).await?)
    }

    pub async fn revoke_api_key(
        &self,
        by: &Principal,
        id: i64,
        ip: Option<String>,
    ) -> ServiceResult<()> {
        let key = self
            .store
            .api_key(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("api key {id}")))?;
        // An administrator's key is revoked where it was made: at the server.
        let allowed = (by.manages_all_accounts() && !key.role.is_administrator())
            || (by.can_manage_keys()
                && key.enterprise_id.is_some()
                && key.enterprise_id == by.enterprise_id);
        if !allowed {
            return Err(ServiceError::NotFound(format!("api key {id}")));
        }
        if key.revoked_at.is_some() {
            return Err(ServiceError::Conflict(format!(
                "密钥 {id} 已被吊销 (key {id} is already revoked)"
            )));
        }
        let audit = AuditEntry {
            actor: by.actor.clone(),
            action: "api-key.revoke".into(),
            enterprise_id: key.enterprise_id,
            ip,
            outcome: "ok".into(),
            ..Default::default()
        };
        Ok(self.store.revoke_api_key(id, audit).await?)
    }

    /// Records an access (G8.4, G11 access logging). A busy database is
    /// waited for (the store's bound, then once more); an entry that still
    /// cannot be written is an error the caller answers for: a read is then
    /// not served (issue 16.2: audited or not done).
    pub async fn audit_access(
        &self,
        by: Option<&Principal>,
        action: String,
        target: Option<String>,
        ip: Option<String>,
        outcome: String,
    ) -> ServiceResult<()> {
        let entry = AuditEntry {
            actor: by
                .map(|p| p.actor.clone())
                .unwrap_or_else(|| "anonymous".into()),
            action,
            target,
            enterprise_id: by.and_then(|p| p.enterprise_id),
            ip,
            outcome,
            detail: None,
        };
        match self.store.append_audit(entry.clone()).await {
            Err(StoreError::Busy(_)) => Ok(self.store.append_audit(entry).await?),
            other => Ok(other?),
        }
    }

    /// The audit log: everything for the audit administrator (三员分立:
    /// the system and security administrators do not read it); an
    /// enterprise's own entries for its admins; regulators see entries of
    /// the enterprises they oversee only through those enterprises' filters.
    pub async fn list_audit(
        &self,
        by: &Principal,
        mut query: AuditQuery,
    ) -> ServiceResult<Page<AuditRecord>> {
        if !by.can_read_audit() {
            return Err(ServiceError::Forbidden(
                "无权查看审计日志 (you may not read the audit log)".into(),
            ));
        }
        match by.role {
            Role::AuditAdmin => {}
            Role::Regulator => {
                let Some(e) = query.enterprise_id else {
                    return Err(ServiceError::BadRequest("监管人员须按企业查询审计日志 (regulators filter the audit log by enterprise_id)".into()));
                };
                self.read_record(by, RecordKind::Enterprise, e).await?;
            }
            _ => query.enterprise_id = by.enterprise_id,
        }
        Ok(self.store.list_audit(&query).await?)
    }

    /// The accounts a principal manages: all for the security
    /// administrator, their own enterprise's for enterprise admins.
    pub async fn list_users(&self, by: &Principal) -> ServiceResult<Vec<User>> {
        match by.role {
            Role::SecurityAdmin => Ok(self.store.list_users(None).await?),
            Role::ManufacturerAdmin | Role::Seller => Ok(self
                .store
                .list_users(Some(by.enterprise_id.unwrap_or(-1)))
                .await?),
            _ => Err(ServiceError::Forbidden(
                "无权管理账号 (you may not manage accounts)".into(),
            )),
        }
    }

    /// Whether any account exists (first-run bootstrap).
    pub async fn count_users(&self) -> ServiceResult<i64> {
        Ok(self.store.count_users().await?)
    }
}
