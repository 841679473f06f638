//! EPCIS 2.0 query subscriptions (G10.1): a named query's new results
//! posted to the subscriber's webhook, whenever events arrive (`stream`) or
//! on a schedule, signed with the subscriber's secret (`GS1-Signature`).
//!
//! Delivery is at least once and in order: a subscription's cursor (the last
//! event row reported) moves only when the subscriber answers 2xx, so a
//! report that fails is sent again, with back-off, until it is taken.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::Mac as _;
use serde::Serialize;
use zhisu_domain::auth::ListScope;
use zhisu_domain::subscription::{subscription_request, Schedule, Trigger};
use zhisu_domain::{FieldError, Invalid, Principal};
use zhisu_store::{format_time, SubscriptionRow};

use crate::epcis::{query_namespace, scope_events};
use crate::{definition_query, Service, ServiceError, ServiceResult};

/// The header a report's signature travels in.
pub const GS1_SIGNATURE: &str = "GS1-Signature";

/// Events per report: a subscriber that is far behind gets several.
const EVENTS_PER_REPORT: i64 = 500;

/// How long a server holds the subscriptions it delivers before another
/// may take them over (when it stopped), and how early it renews.
const LEASE_SECONDS: i64 = 30;
const LEASE_RENEW: i64 = 10;

/// Posts a report to a subscriber's webhook. The binary provides the HTTP
/// client (and decides which addresses may be reached).
#[async_trait::async_trait]
pub trait Webhook: Send + Sync {
    /// Ok when the subscriber answered 2xx; otherwise why not.
    async fn post(&self, dest: &str, body: String, signature: Option<String>)
        -> Result<(), String>;
}

/// The `GS1-Signature` of a report: base64 of HMAC-SHA256 over the body,
/// keyed with the subscriber's `signatureToken`.
pub fn gs1_signature(token: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A subscription as its subscriber sees it (never its secret).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    #[serde(rename = "subscriptionID")]
    pub subscription_id: String,
    pub query_name: String,
    pub dest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_if_empty: Option<bool>,
    /// Whether reports carry a `GS1-Signature`.
    pub signed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_record_time: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_notified_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_record_time: Option<String>,
}

impl Subscription {
    fn of(row: SubscriptionRow) -> Self {
        Subscription {
            subscription_id: row.id,
            query_name: row.query_name,
            dest: row.dest,
            stream: row.stream.then_some(true),
            schedule: row
                .schedule
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
            report_if_empty: (!row.stream).then_some(row.report_if_empty),
            signed: row.signature_token.is_some(),
            initial_record_time: row.initial_record_time,
            created_at: row.created_at,
            last_notified_at: row.last_notified_at,
            min_record_time: row.min_record_time,
        }
    }
}

/// Where a private destination is refused.
fn private_dest(dest: &str) -> FieldError {
    FieldError::new(
        "dest",
        "private-address",
        format!("dest 指向本机或内网地址，本平台不向其推送 ({dest}: this deployment does not post to loopback, private or link-local addresses)"),
    )
    .clause("G10.1")
}

/// Whether a URL's host is written as a loopback, private, link-local or
/// unspecified address (or `localhost`). Names are checked again, resolved,
/// when a report is posted.
pub fn names_private_host(dest: &str) -> bool {
    // Read the host as the HTTP client will (the WHATWG URL parser that
    // reqwest uses): "2130706433", "0x7f000001", "017700000001", "127.1"
    // and percent-encoded digits are all 127.0.0.1 to it (issue 16.1).
    let Ok(url) = url::Url::parse(dest) else {
        // Not a URL the client would post to: refused as private too.
        return true;
    };
    match url.host() {
        Some(url::Host::Ipv4(v4)) => !is_public_ip(std::net::IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => !is_public_ip(std::net::IpAddr::V6(v6)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => true,
    }
}

/// Whether an address is one a webhook may reach when private networks
/// are not allowed.
pub fn is_public_ip(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                // 100.64.0.0/10, carrier-grade NAT
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_ip(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80) // link-local
        }
    }
}

/// The EPCISQueryDocument a report carries.
fn report_document(
    events: Vec<serde_json::Value>,
    query_name: &str,
    subscription_id: &str,
) -> serde_json::Value {
    let mut doc = zhisu_epcis::query_document(events, &format_time(Utc::now()));
    let results = &mut doc["epcisBody"]["queryResults"];
    results["queryName"] = query_name.into();
    results["subscriptionID"] = subscription_id.into();
    doc
}

/// A subscription's named query, ready to run from its cursor.
struct Feed {
    q: zhisu_store::EventQuery,
    query_name: String,
    subscription_id: String,
}

/// One report: the EPCISQueryDocument, the last event row in it, and
/// whether it is full (more may follow at once).
struct Report {
    body: String,
    cursor: i64,
    full: bool,
}

/// A WebSocket subscription, alive while its connection is.
pub struct Watch {
    feed: Feed,
    /// The schedule, and whether empty runs are reported.
    schedule: Option<(Schedule, bool)>,
    next_run: Option<DateTime<Utc>>,
    /// A scheduled run's reports are still being sent.
    draining: bool,
    clock: tokio::sync::watch::Receiver<u64>,
}

impl Watch {
    /// The subscription ID its reports carry.
    pub fn id(&self) -> &str {
        &self.feed.subscription_id
    }
}

/// Where the deliverer is with one subscription.
#[derive(Debug, Default)]
struct Pending {
    /// A scheduled subscription's next run.
    next_run: Option<DateTime<Utc>>,
    /// After a failed report: not before then.
    retry_at: Option<DateTime<Utc>>,
    failures: u32,
}

/// Seconds to wait after `failures` failed reports in a row: 1, 2, 4, …
/// up to five minutes.
fn back_off(failures: u32) -> i64 {
    (1i64 << failures.saturating_sub(1).min(9)).min(300)
}

impl Service {
    /// The named query a subscription is on, which must be in the caller's
    /// namespace.
    async fn subscribed_query(&self, by: &Principal, name: &str) -> ServiceResult<()> {
        self.epcis_named_query(by, name).await.map(|_| ())
    }

    /// Subscribes to a named query (`POST /queries/{name}/subscriptions`).
    pub async fn epcis_subscribe(
        &self,
        by: &Principal,
        query_name: &str,
        body: &serde_json::Value,
    ) -> ServiceResult<Subscription> {
        self.subscribed_query(by, query_name).await?;
        let request = subscription_request(body)?;
        if !self.settings.webhook_private_networks && names_private_host(&request.dest) {
            return Err(Invalid(vec![private_dest(&request.dest)]).into());
        }
        // Without initialRecordTime, what is already stored is not news.
        let cursor = match request.initial_record_time {
            Some(_) => 0,
            None => self.store.last_event_row().await?,
        };
        let (stream, schedule, report_if_empty) = match &request.trigger {
            Trigger::Stream => (true, None, false),
            Trigger::Scheduled {
                report_if_empty, ..
            } => (false, Some(body["schedule"].to_string()), *report_if_empty),
        };
        let row = SubscriptionRow {
            id: crate::random_token(16),
            owner: query_namespace(by),
            query_name: query_name.to_string(),
            dest: request.dest,
            signature_token: request.signature_token.map(|t| self.sealer.seal(&t)),
            stream,
            schedule,
            report_if_empty,
            initial_record_time: request.initial_record_time.map(format_time),
            cursor,
            last_notified_at: None,
            min_record_time: None,
            created_by: by.actor.clone(),
            created_at: format_time(Utc::now()),
            lease_holder: None,
            lease_until: None,
        };
        if !self.store.create_subscription(&row).await? {
            return Err(ServiceError::NotFound(format!("query {query_name}")));
        }
        self.wake_deliverer();
        Ok(Subscription::of(row))
    }

    /// The subscriptions of a named query.
    pub async fn epcis_subscriptions(
        &self,
        by: &Principal,
        query_name: &str,
    ) -> ServiceResult<Vec<Subscription>> {
        self.subscribed_query(by, query_name).await?;
        Ok(self
            .store
            .subscriptions(Some((query_namespace(by), query_name)))
            .await?
            .into_iter()
            .map(Subscription::of)
            .collect())
    }

    /// One subscription of a named query.
    pub async fn epcis_subscription(
        &self,
        by: &Principal,
        query_name: &str,
        id: &str,
    ) -> ServiceResult<Subscription> {
        self.epcis_subscriptions(by, query_name)
            .await?
            .into_iter()
            .find(|s| s.subscription_id == id)
            .ok_or_else(|| ServiceError::NotFound(format!("subscription {id}")))
    }

    /// Ends a subscription.
    pub async fn epcis_unsubscribe(
        &self,
        by: &Principal,
        query_name: &str,
        id: &str,
    ) -> ServiceResult<()> {
        if self
            .store
            .delete_subscription(query_namespace(by), query_name, id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("subscription {id}")))
        }
    }

    /// Tells the deliverer (and WebSocket subscribers) that something
    /// changed: events were stored, or a subscription was made.
    pub(crate) fn wake_deliverer(&self) {
        self.event_clock.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that changes whenever events are stored.
    pub fn event_clock(&self) -> tokio::sync::watch::Receiver<u64> {
        self.event_clock.subscribe()
    }

    /// Delivers subscriptions' reports until dropped: at once when events
    /// arrive, and at least once a second for schedules and retries. Does
    /// nothing when the service has no webhook client.
    pub async fn deliver_subscriptions(self) {
        let Some(webhook) = self.webhook.clone() else {
            return;
        };
        let mut clock = self.event_clock();
        let mut pending: HashMap<String, Pending> = HashMap::new();
        // Servers sharing a database each lease what they deliver.
        let me = crate::random_token(8);
        loop {
            if let Err(e) = self.deliver_due(&me, webhook.as_ref(), &mut pending).await {
                tracing::warn!(error = %e, "reading subscriptions failed");
            }
            tokio::select! {
                _ = clock.changed() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }

    /// The subscriptions this server (`me`) delivers, leasing them first
    /// when a lease of its own is to end within [`LEASE_RENEW`] seconds or
    /// any is free. The store is written only then.
    async fn leased(&self, me: &str) -> ServiceResult<Vec<SubscriptionRow>> {
        let now = Utc::now();
        let at = format_time(now);
        let renew_before = format_time(now + chrono::Duration::seconds(LEASE_RENEW));
        let mut subscriptions = self.store.subscriptions(None).await?;
        let to_lease = subscriptions.iter().any(|s| {
            match (s.lease_holder.as_deref(), s.lease_until.as_deref()) {
                (Some(holder), Some(until)) if holder == me => until < renew_before.as_str(),
                (Some(_), Some(until)) => until < at.as_str(),
                _ => true,
            }
        });
        if to_lease {
            let until = format_time(now + chrono::Duration::seconds(LEASE_SECONDS));
            self.store.lease_subscriptions(me, &at, &until).await?;
            subscriptions = self.store.subscriptions(None).await?;
        }
        subscriptions.retain(|s| {
            s.lease_holder.as_deref() == Some(me)
                && s.lease_until.as_deref().is_some_and(|u| u > at.as_str())
        });
        Ok(subscriptions)
    }

    /// One pass over the subscriptions this server delivers: reports what
    /// is due.
    async fn deliver_due(
        &self,
        me: &str,
        webhook: &dyn Webhook,
        pending: &mut HashMap<String, Pending>,
    ) -> ServiceResult<()> {
        let subscriptions = self.leased(me).await?;
        pending.retain(|id, _| subscriptions.iter().any(|s| &s.id == id));
        for sub in subscriptions {
            let now = Utc::now();
            let schedule = match &sub.schedule {
                Some(text) => match serde_json::from_str(text)
                    .ok()
                    .and_then(|v| Schedule::parse(&v).ok())
                {
                    Some(s) => Some(s),
                    None => {
                        tracing::error!(subscription = %sub.id, "stored schedule unreadable");
                        continue;
                    }
                },
                None => None,
            };
            let state = pending.entry(sub.id.clone()).or_insert_with(|| Pending {
                next_run: schedule.as_ref().and_then(|s| s.next_after(now)),
                ..Default::default()
            });
            if state.retry_at.is_some_and(|t| t > now) {
                continue;
            }
            if schedule.is_some() && state.next_run.is_none_or(|t| t > now) {
                continue;
            }
            match self.report(webhook, &sub, schedule.is_some()).await {
                Ok(()) => {
                    state.failures = 0;
                    state.retry_at = None;
                    state.next_run = schedule.as_ref().and_then(|s| s.next_after(now));
                }
                Err(why) => {
                    state.failures += 1;
                    let wait = back_off(state.failures);
                    state.retry_at = Some(now + chrono::Duration::seconds(wait));
                    tracing::warn!(subscription = %sub.id, dest = %sub.dest, failures = state.failures,
                        retry_in_seconds = wait, error = %why, "subscription report not taken");
                }
            }
        }
        Ok(())
    }

    /// What a subscription runs: its named query in its namespace (`owner`)
    /// over the events `scope` may read, from `cursor` on, recorded from
    /// `initial` on. None when the query is gone.
    async fn feed(
        &self,
        owner: Option<i64>,
        scope: &ListScope,
        query_name: &str,
        subscription_id: &str,
        cursor: i64,
        initial: Option<String>,
    ) -> Result<Option<Feed>, String> {
        let Some(definition) = self
            .store
            .named_query(owner, query_name)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let definition: serde_json::Value =
            serde_json::from_str(&definition).map_err(|e| e.to_string())?;
        let mut q = definition_query(&definition).map_err(|e| e.to_string())?;
        // The events its maker may read, never more (issue 16.7): a
        // regulator's subscription in the platform's namespace reads its
        // regions only.
        scope_events(&mut q, scope);
        q.after = cursor;
        q.ge_record_time = initial;
        q.limit = EVENTS_PER_REPORT;
        Ok(Some(Feed {
            q,
            query_name: query_name.to_string(),
            subscription_id: subscription_id.to_string(),
        }))
    }

    /// The next report of a feed (at most [`EVENTS_PER_REPORT`] events);
    /// None when nothing is new, unless `even_empty`.
    async fn next_report(&self, feed: &Feed, even_empty: bool) -> Result<Option<Report>, String> {
        let rows = self
            .store
            .query_events(&feed.q)
            .await
            .map_err(|e| e.to_string())?;
        if rows.is_empty() && !even_empty {
            return Ok(None);
        }
        let full = rows.len() as i64 == EVENTS_PER_REPORT;
        let cursor = rows.last().map(|(row, _)| *row).unwrap_or(feed.q.after);
        let events = rows
            .into_iter()
            .map(|(_, body)| serde_json::from_str(&body))
            .collect::<Result<Vec<serde_json::Value>, _>>()
            .map_err(|e| e.to_string())?;
        let body = report_document(events, &feed.query_name, &feed.subscription_id).to_string();
        Ok(Some(Report { body, cursor, full }))
    }

    /// Posts what is new for one subscription, in reports of at most
    /// [`EVENTS_PER_REPORT`] events, moving its cursor after each report
    /// the subscriber takes. A scheduled run with `reportIfEmpty` posts an
    /// empty report when nothing is new.
    async fn report(
        &self,
        webhook: &dyn Webhook,
        sub: &SubscriptionRow,
        scheduled: bool,
    ) -> Result<(), String> {
        // Its maker's reach now: a key revoked or a person removed reads
        // nothing more.
        let scope = self
            .principal_of_actor(&sub.created_by)
            .await
            .map_err(|e| e.to_string())?
            .map(|p| p.list_scope())
            .unwrap_or(ListScope::Regions(Vec::new()));
        let feed = self
            .feed(
                sub.owner,
                &scope,
                &sub.query_name,
                &sub.id,
                sub.cursor,
                sub.initial_record_time.clone(),
            )
            .await?;
        let Some(mut feed) = feed else {
            return Ok(()); // its query is being deleted with it
        };
        let token = match &sub.signature_token {
            Some(sealed) => Some(
                self.sealer
                    .open(sealed)
                    .ok_or("the stored signature token cannot be opened")?,
            ),
            None => None,
        };
        let ran_at = format_time(Utc::now());
        let mut even_empty = scheduled && sub.report_if_empty;
        while let Some(report) = self.next_report(&feed, even_empty).await? {
            even_empty = false;
            let signature = token
                .as_deref()
                .map(|t| gs1_signature(t, report.body.as_bytes()));
            webhook.post(&sub.dest, report.body, signature).await?;
            self.store
                .subscription_reported(&sub.id, report.cursor, &format_time(Utc::now()), &ran_at)
                .await
                .map_err(|e| e.to_string())?;
            if !report.full {
                break;
            }
            feed.q.after = report.cursor;
        }
        Ok(())
    }

    /// Opens a WebSocket subscription to a named query (`GET
    /// /queries/{name}/events` with `Upgrade: websocket`): nothing is kept;
    /// it lasts as long as the connection.
    pub async fn epcis_watch(
        &self,
        by: &Principal,
        query_name: &str,
        initial: Option<DateTime<Utc>>,
        trigger: Trigger,
    ) -> ServiceResult<Watch> {
        self.subscribed_query(by, query_name).await?;
        let cursor = match initial {
            Some(_) => 0,
            None => self.store.last_event_row().await?,
        };
        let id = crate::random_token(16);
        let feed = self
            .feed(
                query_namespace(by),
                &by.list_scope(),
                query_name,
                &id,
                cursor,
                initial.map(format_time),
            )
            .await
            .map_err(ServiceError::Internal)?
            .ok_or_else(|| ServiceError::NotFound(format!("query {query_name}")))?;
        let now = Utc::now();
        let (schedule, next_run) = match trigger {
            Trigger::Stream => (None, None),
            Trigger::Scheduled {
                schedule,
                report_if_empty,
            } => {
                let next = schedule.next_after(now);
                (Some((schedule, report_if_empty)), next)
            }
        };
        Ok(Watch {
            feed,
            schedule,
            next_run,
            draining: false,
            clock: self.event_clock(),
        })
    }

    /// Waits for a WebSocket subscription's next report and returns it:
    /// new events for a stream; each scheduled run's results (in reports
    /// of at most [`EVENTS_PER_REPORT`], one after another).
    pub async fn watch_next(&self, watch: &mut Watch) -> ServiceResult<String> {
        loop {
            let even_empty = match &watch.schedule {
                None => {
                    // Seen before reading, so an arrival while reading
                    // wakes the next wait.
                    watch.clock.borrow_and_update();
                    false
                }
                Some(_) if watch.draining => false,
                Some((schedule, report_if_empty)) => {
                    let Some(at) = watch.next_run else {
                        std::future::pending::<()>().await;
                        continue;
                    };
                    let wait = (at - Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(wait).await;
                    watch.next_run = schedule.next_after(at);
                    *report_if_empty
                }
            };
            let report = self
                .next_report(&watch.feed, even_empty)
                .await
                .map_err(ServiceError::Internal)?;
            match report {
                Some(report) => {
                    watch.feed.q.after = report.cursor;
                    watch.draining = watch.schedule.is_some() && report.full;
                    return Ok(report.body);
                }
                None if watch.schedule.is_some() => watch.draining = false,
                // Woken by this server's captures, and once a second for
                // what other servers sharing the database stored.
                None => {
                    tokio::select! {
                        _ = watch.clock.changed() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_in_base64() {
        // RFC 4231 test case 2.
        let mac = gs1_signature("Jefe", b"what do ya want for nothing?");
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(
            hex::encode(
                base64::engine::general_purpose::STANDARD
                    .decode(mac)
                    .unwrap()
            ),
            expected
        );
    }

    #[test]
    fn private_hosts_are_named() {
        for private in [
            "http://127.0.0.1:9/x",
            "http://localhost/x",
            "https://LOCALHOST./x",
            "http://10.1.2.3/",
            "http://192.168.0.1:8080?x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:80/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            // Issue 16.1: every form a URL parser reads as 127.0.0.1.
            "http://2130706433/",
            "http://0x7f000001/",
            "http://017700000001/",
            "http://127.1/",
            "http://0x7f.1/",
            "http://[::ffff:7f00:1]/",
            "http://%31%32%37.0.0.1/",
            "not a url",
        ] {
            assert!(names_private_host(private), "{private}");
        }
        for public in [
            "https://client.example.com/cb",
            "http://8.8.8.8/",
            "https://[2001:db8::1]:443/",
            // Userinfo ends at the last "@": the host is evil.example.
            "http://user@127.0.0.1:8080@client.example/",
        ] {
            assert!(!names_private_host(public), "{public}");
        }
    }

    #[test]
    fn back_off_doubles_to_five_minutes() {
        let waits: Vec<i64> = (1..=11).map(back_off).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    }
}
