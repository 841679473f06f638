//! The reminders' email and SMS channels (issue 19.5) as a deployment sets
//! them in its settings file's `[reminders]` table: an SMTP server
//! (`email.rs`, by lettre) and an HTTP SMS gateway (`sms.rs`), each
//! optional; the in-app inbox needs no setting.

mod email;
mod sms;

use std::sync::Arc;

use anyhow::bail;
use serde::Deserialize;

pub use email::SmtpNotifier;
pub use sms::SmsGateway;

/// `[reminders]` in the settings file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderChannels {
    /// `smtp://host:25`, `smtp://user:password@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:password@host` (TLS).
    pub smtp_url: Option<String>,
    /// The sender: `质溯平台 <noreply@example.gov.cn>`.
    pub smtp_from: Option<String>,
    /// The SMS gateway's address: each message is one POST of `sms_body`.
    pub sms_url: Option<String>,
    /// A bearer token the gateway wants, if any.
    pub sms_token: Option<String>,
    /// The JSON the gateway takes, `{to}` and `{text}` standing for the
    /// mobile number and the message wherever they appear in its strings,
    /// e.g. `{ phone = "{to}", content = "【质溯】{text}" }`.
    pub sms_body: Option<toml::Value>,
}

impl ReminderChannels {
    /// Checks the table at start: an address of the right scheme, a
    /// sender with the SMTP server, a body with the gateway.
    pub fn check(&self) -> anyhow::Result<()> {
        if let Some(url) = &self.smtp_url {
            match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "smtp" | "smtps") && u.host_str().is_some() => {}
                _ => {
                    bail!("reminders.smtp_url must be an smtp:// or smtps:// address, got {url:?}")
                }
            }
            let Some(from) = &self.smtp_from else {
                bail!("reminders.smtp_from is needed with smtp_url (the sender's address)");
            };
            if from.parse::<lettre::message::Mailbox>().is_err() {
                bail!("reminders.smtp_from is not an address: {from:?}");
            }
        }
        if let Some(url) = &self.sms_url {
            match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
                _ => bail!("reminders.sms_url must be an http or https address, got {url:?}"),
            }
            let Some(body) = &self.sms_body else {
                bail!("reminders.sms_body is needed with sms_url (the JSON the gateway takes)");
            };
            let text = body.to_string();
            if !text.contains("{to}") || !text.contains("{text}") {
                bail!("reminders.sms_body must hold {{to}} and {{text}}");
            }
        }
        Ok(())
    }

    /// The channels set, to hand the service.
    pub fn notifiers(&self) -> anyhow::Result<Vec<Arc<dyn zhisu_service::Notifier>>> {
        let mut out: Vec<Arc<dyn zhisu_service::Notifier>> = Vec::new();
        if let (Some(url), Some(from)) = (&self.smtp_url, &self.smtp_from) {
            out.push(Arc::new(SmtpNotifier::new(url, from)?));
        }
        if let (Some(url), Some(body)) = (&self.sms_url, &self.sms_body) {
            let body = serde_json::to_value(body)?;
            out.push(Arc::new(SmsGateway::new(
                url,
                self.sms_token.clone(),
                body,
            )?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channels(text: &str) -> anyhow::Result<ReminderChannels> {
        let channels: ReminderChannels = toml::from_str(text)?;
        channels.check()?;
        Ok(channels)
    }

    #[test]
    fn the_reminders_table_is_checked_at_start() {
        let set = channels(
            "smtp_url = \"smtps://u:p@smtp.example.gov.cn\"\nsmtp_from = \"质溯平台 <noreply@example.gov.cn>\"\n\
             sms_url = \"https://sms.example.gov.cn/send\"\nsms_body = { phone = \"{to}\", content = \"【质溯】{text}\" }\n",
        )
        .unwrap();
        assert_eq!(set.notifiers().unwrap().len(), 2);
        assert!(channels("").unwrap().notifiers().unwrap().is_empty());
        for (text, words) in [
            ("smtp_url = \"mail.example\"", "smtp_url must be"),
            ("smtp_url = \"smtp://mail.example\"", "smtp_from is needed"),
            (
                "smtp_url = \"smtp://mail.example\"\nsmtp_from = \"nobody\"",
                "not an address",
            ),
            ("sms_url = \"ftp://sms\"", "sms_url must be"),
            ("sms_url = \"https://sms.example\"", "sms_body is needed"),
            (
                "sms_url = \"https://sms.example\"\nsms_body = { phone = \"{to}\" }",
                "{to} and {text}",
            ),
            ("smtp_port = 25", "unknown field"),
        ] {
            let refused = channels(text).unwrap_err().to_string();
            assert!(refused.contains(words), "{text}: {refused}");
        }
    }
}
