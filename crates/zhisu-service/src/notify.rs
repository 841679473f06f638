//! The notification port (issue 19.5): how a reminder leaves the platform
//! besides the in-app inbox, which always has it. Each adapter — email
//! over SMTP, SMS through a deployment's HTTP gateway, both in the `zhisu`
//! crate — says where it reaches an enterprise and sends; a send that
//! fails is logged as failed and tried again the next time reminders run,
//! so a mail server that is down delays a reminder but never loses it.

use std::sync::Arc;

use async_trait::async_trait;

/// A reminder as an email or a text message carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
}

#[async_trait]
pub trait Notifier: Send + Sync {
    /// `email` or `sms`: the reminders' log names the channel so.
    fn channel(&self) -> &'static str;

    /// Where this channel reaches the enterprise (its stored body): its
    /// contact email, or the mobile number among its contact phone; None
    /// when it has none.
    fn address(&self, enterprise: &serde_json::Value) -> Option<String>;

    /// Sends; Err says why it was not taken (kept in the log).
    async fn send(&self, to: &str, notice: &Notice) -> Result<(), String>;
}

/// The adapters a deployment has set, in order.
#[derive(Clone, Default)]
pub struct Notifiers(pub Vec<Arc<dyn Notifier>>);

impl Notifiers {
    pub fn by_channel(&self, channel: &str) -> Option<&Arc<dyn Notifier>> {
        self.0.iter().find(|n| n.channel() == channel)
    }
}
