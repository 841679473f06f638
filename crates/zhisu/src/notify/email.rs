//! Reminders by email (issue 19.5): one message a reminder through the
//! deployment's SMTP server, by lettre (plain, STARTTLS or TLS as the
//! `smtp_url` says), to the enterprise's contact email.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use zhisu_service::{Notice, Notifier};

pub struct SmtpNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpNotifier {
    pub fn new(url: &str, from: &str) -> anyhow::Result<SmtpNotifier> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("reminders.smtp_url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(SmtpNotifier {
            transport,
            from: from
                .parse()
                .map_err(|e| anyhow::anyhow!("reminders.smtp_from: {e}"))?,
        })
    }
}

#[async_trait::async_trait]
impl Notifier for SmtpNotifier {
    fn channel(&self) -> &'static str {
        "email"
    }

    fn address(&self, enterprise: &serde_json::Value) -> Option<String> {
        enterprise["contact_email"]
            .as_str()
            .filter(|e| zhisu_domain::enterprise::is_email(e))
            .map(str::to_string)
    }

    async fn send(&self, to: &str, notice: &Notice) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("{to}: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(notice.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(notice.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
