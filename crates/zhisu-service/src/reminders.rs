//! Reminders of reports missed (P5.3.3.3, issue 19.5): once a day every
//! product not paused (P5.3.3.2) is held against its reporting calendar;
//! each period it missed (within the calendar's lookback) reminds its
//! enterprise once — in its inbox, and by email and SMS where the
//! deployment set them and the enterprise can be reached so —, and a run
//! of misses as long as the calendar's escalation tells the regulators of
//! its region. Every reminder is logged (`reminders`: once a period,
//! audience and channel) before it is sent, and settled sent or failed; a
//! failed email or SMS is tried again the next time reminders run.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use zhisu_domain::product::Product;
use zhisu_domain::reporting::{self, Cadence, Period};
use zhisu_domain::RecordKind;
use zhisu_store::{NewInboxMessage, NewReminder, StoredRecord};

use crate::notify::{Notice, Notifier};
use crate::reporting::filed_day;
use crate::{Service, ServiceResult};

/// What one day's reminding did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderRun {
    /// Reminders sent to enterprises (in their inbox).
    pub reminded: usize,
    /// Runs of misses told to regulators.
    pub escalated: usize,
    /// Emails and text messages taken by their server or gateway.
    pub delivered: usize,
    /// Emails and text messages not taken: tried again next time.
    pub failed: usize,
}

/// How often a failed email or text message is tried before it is left
/// in the log as failed.
const MOST_ATTEMPTS: i64 = 10;

/// A product the reminders are about.
struct Owed<'a> {
    record: &'a StoredRecord,
    product: Product,
    cadence: Cadence,
}

fn quantity_word(product: &Product) -> &'static str {
    if product.trace_level.exact_quantity() {
        "产量"
    } else {
        "预估产量"
    }
}

/// A reminder's title and text (the inbox's, an email's, an SMS's).
fn reminder_text(o: &Owed<'_>, period: Period) -> (String, String) {
    let p = &o.product;
    (
        format!(
            "请填报{}：{}（{}）{}",
            quantity_word(p),
            p.product_name,
            p.model,
            period.label_zh()
        ),
        format!(
            "{}（{}，{}）应{}填报{}，{}的{}尚未填报。请在产品页的“产量填报”中补报；如已暂停生产，请将产品设为暂停，暂停期间不需填报。",
            p.product_name,
            p.model,
            p.trace_level.label_zh(),
            o.cadence.label_zh(),
            quantity_word(p),
            period.label_zh(),
            quantity_word(p),
        ),
    )
}

impl Service {
    /// Reminds of every report missed by `today`; safe to run again the
    /// same day (each period is reminded of once; only what failed is
    /// tried again).
    pub async fn send_reporting_reminders(&self, today: NaiveDate) -> ServiceResult<ReminderRun> {
        let mut run = ReminderRun::default();
        self.retry_failed_notices(&mut run).await?;
        let records = self.store.current_products().await?;
        let owed: Vec<Owed> = records
            .iter()
            .filter_map(|record| {
                let product: Product = serde_json::from_value(record.body.clone()).ok()?;
                // P5.3.3.2: a paused product owes nothing while paused.
                (!product.paused).then(|| Owed {
                    record,
                    cadence: reporting::product_cadence(&product),
                    product,
                })
            })
            .collect();
        let keys: Vec<(i64, Cadence)> = owed.iter().map(|o| (o.record.id, o.cadence)).collect();
        let reported = self
            .reported_periods(&keys, today - Duration::days(40))
            .await?;
        let mut enterprise_ids: Vec<i64> = owed.iter().map(|o| o.record.enterprise_id).collect();
        enterprise_ids.sort_unstable();
        enterprise_ids.dedup();
        let enterprises: HashMap<i64, StoredRecord> = self
            .store
            .get_records(RecordKind::Enterprise, &enterprise_ids)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let none = HashSet::new();
        for o in &owed {
            let missed = reporting::missed(
                o.cadence,
                filed_day(&o.record.created_at),
                today,
                reported.get(&o.record.id).unwrap_or(&none),
            );
            let enterprise = enterprises.get(&o.record.enterprise_id);
            for period in &missed.periods {
                if self
                    .remind_enterprise(o, *period, enterprise, &mut run)
                    .await?
                {
                    run.reminded += 1;
                }
            }
            if missed.escalate {
                let latest = *missed.periods.last().expect("a run of misses has a latest");
                let name = enterprise
                    .and_then(|e| e.body["name"].as_str())
                    .unwrap_or_default()
                    .to_string();
                if self.escalate(o, latest, missed.streak, &name).await? {
                    run.escalated += 1;
                }
            }
        }
        Ok(run)
    }

    /// The enterprise's reminder of one period in its inbox and on every
    /// channel that reaches it; false when it was sent before.
    async fn remind_enterprise(
        &self,
        o: &Owed<'_>,
        period: Period,
        enterprise: Option<&StoredRecord>,
        run: &mut ReminderRun,
    ) -> ServiceResult<bool> {
        let log = NewReminder {
            enterprise_id: o.record.enterprise_id,
            product_id: o.record.id,
            period: period.to_string(),
            audience: "enterprise".into(),
            channel: "inbox".into(),
            recipient: o.record.enterprise_id.to_string(),
        };
        let Some(id) = self.store.start_reminder(&log).await? else {
            return Ok(false);
        };
        let (title, body) = reminder_text(o, period);
        let link = format!("/products/{}#reporting", o.record.id);
        let message = NewInboxMessage {
            enterprise_id: Some(o.record.enterprise_id),
            region_code: None,
            kind: "reporting-reminder".into(),
            title: title.clone(),
            body: body.clone(),
            link: Some(link.clone()),
        };
        self.post_logged(id, &message).await?;
        let notice = Notice {
            subject: title,
            body: format!("{body}\n{}{link}", self.settings.public_url),
        };
        for notifier in &self.notifiers.0 {
            let Some(to) = enterprise.and_then(|e| notifier.address(&e.body)) else {
                continue;
            };
            let log = NewReminder {
                channel: notifier.channel().into(),
                recipient: to.clone(),
                ..log.clone()
            };
            if let Some(id) = self.store.start_reminder(&log).await? {
                self.deliver(notifier.as_ref(), id, &to, &notice, run)
                    .await?;
            }
        }
        Ok(true)
    }

    /// An inbox message posted and its reminder `id` settled.
    async fn post_logged(&self, id: i64, message: &NewInboxMessage) -> ServiceResult<()> {
        let sent = self.store.post_inbox(message).await;
        self.store
            .settle_reminder(id, sent.as_ref().err().map(|e| e.to_string()).as_deref())
            .await?;
        sent?;
        Ok(())
    }

    /// One email or text message sent and its outcome logged.
    async fn deliver(
        &self,
        notifier: &dyn Notifier,
        id: i64,
        to: &str,
        notice: &Notice,
        run: &mut ReminderRun,
    ) -> ServiceResult<()> {
        let outcome = notifier.send(to, notice).await;
        match &outcome {
            Ok(()) => run.delivered += 1,
            Err(e) => {
                tracing::warn!(channel = notifier.channel(), reminder = id, "not sent: {e}");
                run.failed += 1;
            }
        }
        self.store
            .settle_reminder(id, outcome.err().as_deref())
            .await?;
        Ok(())
    }

    /// The emails and text messages that failed before, tried again
    /// (their product and period make the same text).
    async fn retry_failed_notices(&self, run: &mut ReminderRun) -> ServiceResult<()> {
        for notifier in &self.notifiers.0 {
            for reminder in self.store.reminders_to_retry(notifier.channel()).await? {
                if reminder.attempts >= MOST_ATTEMPTS || reminder.audience != "enterprise" {
                    continue;
                }
                let (Some(record), Some(period)) = (
                    self.store
                        .get_record(RecordKind::Product, reminder.product_id)
                        .await?,
                    Period::parse(&reminder.period),
                ) else {
                    continue;
                };
                let Ok(product) = serde_json::from_value::<Product>(record.body.clone()) else {
                    continue;
                };
                let o = Owed {
                    record: &record,
                    cadence: reporting::product_cadence(&product),
                    product,
                };
                let (subject, body) = reminder_text(&o, period);
                let notice = Notice {
                    subject,
                    body: format!(
                        "{body}\n{}/products/{}#reporting",
                        self.settings.public_url, record.id
                    ),
                };
                self.deliver(
                    notifier.as_ref(),
                    reminder.id,
                    &reminder.recipient,
                    &notice,
                    run,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The regulators of the product's region told of a run of misses;
    /// false when told of this one before.
    async fn escalate(
        &self,
        o: &Owed<'_>,
        latest: Period,
        streak: usize,
        enterprise: &str,
    ) -> ServiceResult<bool> {
        let log = NewReminder {
            enterprise_id: o.record.enterprise_id,
            product_id: o.record.id,
            period: latest.to_string(),
            audience: "regulator".into(),
            channel: "inbox".into(),
            recipient: o.record.region_code.clone(),
        };
        let Some(id) = self.store.start_reminder(&log).await? else {
            return Ok(false);
        };
        let p = &o.product;
        let message = NewInboxMessage {
            enterprise_id: None,
            region_code: Some(o.record.region_code.clone()),
            kind: "reporting-escalation".into(),
            title: format!("连续未填报：{enterprise} {}（{}）", p.product_name, p.model),
            body: format!(
                "{enterprise}的{}（{}，{}）已连续 {streak} 期未按{}填报{}，最近一期为{}。企业已收到站内提醒。",
                p.product_name,
                p.model,
                p.trace_level.label_zh(),
                o.cadence.label_zh(),
                quantity_word(p),
                latest.label_zh(),
            ),
            link: Some(format!("/products/{}#reporting", o.record.id)),
        };
        self.post_logged(id, &message).await?;
        Ok(true)
    }
}
