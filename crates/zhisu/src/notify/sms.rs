//! Reminders by SMS (issue 19.5) through the deployment's HTTP gateway:
//! SMS providers each have their own API, so the request is the
//! deployment's template (`sms_body`), its strings' `{to}` and `{text}`
//! filled in (as JSON values, so a message cannot break out of its
//! string), POSTed with the gateway's bearer token; any 2xx is taken.
//! The number is the mobile among the enterprise's contact phone.

use std::time::Duration;

use serde_json::Value;
use zhisu_service::{Notice, Notifier};

pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    body: Value,
}

impl SmsGateway {
    pub fn new(url: &str, token: Option<String>, body: Value) -> anyhow::Result<SmsGateway> {
        Ok(SmsGateway {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("zhisu/", env!("CARGO_PKG_VERSION")))
                .build()?,
            url: url.to_string(),
            token,
            body,
        })
    }
}

/// The template with `{to}` and `{text}` filled in wherever a string
/// holds them.
fn filled(template: &Value, to: &str, text: &str) -> Value {
    match template {
        Value::String(s) => Value::String(s.replace("{to}", to).replace("{text}", text)),
        Value::Array(items) => Value::Array(items.iter().map(|v| filled(v, to, text)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), filled(v, to, text)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[async_trait::async_trait]
impl Notifier for SmsGateway {
    fn channel(&self) -> &'static str {
        "sms"
    }

    fn address(&self, enterprise: &Value) -> Option<String> {
        zhisu_domain::enterprise::mobile_of(enterprise["contact_phone"].as_str()?)
    }

    async fn send(&self, to: &str, notice: &Notice) -> Result<(), String> {
        // A text message carries the title: the page says the rest.
        let mut request =
            self.client
                .post(&self.url)
                .json(&filled(&self.body, to, &notice.subject));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the SMS gateway answered {}", response.status()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_filled_inside_its_strings_only() {
        let template = serde_json::json!({"phone": "{to}", "content": "【质溯】{text}", "n": 1, "tags": ["{to}"]});
        let body = filled(&template, "13800138000", "请填报\"产量\"");
        assert_eq!(body["phone"], "13800138000");
        assert_eq!(body["content"], "【质溯】请填报\"产量\"");
        assert_eq!(body["n"], 1);
        assert_eq!(body["tags"][0], "13800138000");
    }
}
