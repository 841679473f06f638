//! The HTTP client of a live register lookup (issue 17.3): when the
//! settings name `register_lookup_url`, sweeps ask the issuing authority
//! (or the gateway a province runs in front of it) instead of the imported
//! snapshot. The authorities publish no common interface, so this is the
//! one the platform speaks, small enough for a gateway to adapt to:
//!
//! ```text
//! POST {register_lookup_url}
//! Authorization: Bearer {register_lookup_token}        (when set)
//! {"kind": "production-licence" | "ccc", "numbers": ["XK16-…", …]}
//!
//! 200 {"entries": [{"number", "holder_name", "uscc", "scope",
//!                   "valid_from", "valid_to", "status"}, …]}
//! ```
//!
//! `status` is `valid`, `suspended`, `revoked` or `expired`; a number the
//! authority does not know is left out. At most
//! [`zhisu_service::LOOKUP_CHUNK`] numbers a request, thirty seconds each.
//! The address is the operator's, not a user's, so it may be private.

use std::time::Duration;

use zhisu_domain::register::{RegisterEntry, RegisterKind};
use zhisu_service::RegisterLookup;

pub struct HttpRegisterLookup {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

#[derive(serde::Deserialize)]
struct Answer {
    entries: Vec<RegisterEntry>,
}

impl HttpRegisterLookup {
    pub fn new(url: String, token: Option<String>) -> reqwest::Result<Self> {
        Ok(HttpRegisterLookup {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("zhisu/", env!("CARGO_PKG_VERSION")))
                .build()?,
            url,
            token,
        })
    }
}

#[async_trait::async_trait]
impl RegisterLookup for HttpRegisterLookup {
    async fn look_up(
        &self,
        kind: RegisterKind,
        numbers: &[String],
    ) -> Result<Vec<RegisterEntry>, String> {
        let mut request = self.client.post(&self.url).json(&serde_json::json!({
            "kind": kind.as_str(),
            "numbers": numbers,
        }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{} answered {status}", self.url));
        }
        let answer: Answer = response
            .json()
            .await
            .map_err(|e| format!("{} answered what is not a register answer: {e}", self.url))?;
        Ok(answer.entries)
    }

    fn source(&self) -> String {
        let host = reqwest::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.url.clone());
        format!("发证机关在线查询 {host}")
    }
}
