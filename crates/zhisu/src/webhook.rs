//! The HTTP client EPCIS subscription reports are posted with.
//!
//! Unless private networks are allowed, a subscriber cannot make the server
//! reach inside its own network: hosts written as loopback, private or
//! link-local addresses are refused, names are resolved here and only their
//! public addresses used (so a name cannot be re-pointed between the check
//! and the connection), and redirects are not followed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use zhisu_service::{is_public_ip, Webhook, GS1_SIGNATURE};

/// Resolves names to their public addresses only.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public_ip(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!(
                    "{host} resolves to no public address (private networks are not allowed)"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Posts reports with reqwest: JSON, ten seconds at most, no redirects.
pub struct HttpWebhook {
    client: reqwest::Client,
    private_networks: bool,
}

impl HttpWebhook {
    pub fn new(private_networks: bool) -> reqwest::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("zhisu/", env!("CARGO_PKG_VERSION")));
        if !private_networks {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(HttpWebhook {
            client: builder.build()?,
            private_networks,
        })
    }
}

#[async_trait::async_trait]
impl Webhook for HttpWebhook {
    async fn post(
        &self,
        dest: &str,
        body: String,
        signature: Option<String>,
    ) -> Result<(), String> {
        if !self.private_networks && zhisu_service::names_private_host(dest) {
            return Err(format!("{dest}: private addresses are not allowed"));
        }
        let mut request = self
            .client
            .post(dest)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("GS1-EPCIS-Version", "2.0.0")
            .body(body);
        if let Some(signature) = signature {
            request = request.header(GS1_SIGNATURE, signature);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("{dest} answered {}", response.status()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use reqwest::dns::Resolve as _;

    use super::*;

    #[tokio::test]
    async fn names_that_resolve_only_to_private_addresses_are_refused() {
        let refused = PublicOnly
            .resolve(reqwest::dns::Name::from_str("localhost").unwrap())
            .await;
        let why = refused.err().expect("localhost is refused").to_string();
        assert!(why.contains("no public address"), "{why}");
    }

    #[tokio::test]
    async fn literal_private_hosts_are_refused_before_connecting() {
        let hook = HttpWebhook::new(false).unwrap();
        let why = hook
            .post("http://127.0.0.1:9/hook", "{}".into(), None)
            .await
            .unwrap_err();
        assert!(why.contains("private addresses are not allowed"), "{why}");
        // Allowed, the same post gets as far as connecting (and fails there).
        let why = HttpWebhook::new(true)
            .unwrap()
            .post("http://127.0.0.1:9/hook", "{}".into(), None)
            .await
            .unwrap_err();
        assert!(!why.contains("private addresses"), "{why}");
    }

    /// Issue 16.1: a listener on 127.0.0.1 receives nothing when the
    /// address is written the ways the HTTP client reads as 127.0.0.1.
    #[tokio::test]
    async fn numeric_forms_of_loopback_never_reach_a_loopback_listener() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let reached = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = reached.clone();
        tokio::spawn(async move {
            while let Ok((_socket, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        let hook = HttpWebhook::new(false).unwrap();
        for host in [
            "2130706433",
            "0x7f000001",
            "017700000001",
            "127.1",
            "[::ffff:7f00:1]",
        ] {
            let why = hook
                .post(&format!("http://{host}:{port}/hook"), "{}".into(), None)
                .await
                .unwrap_err();
            assert!(
                why.contains("private addresses are not allowed"),
                "{host}: {why}"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
}
