//! The answer to a suspected counterfeit (G6.1.3, issue 15.6): a serial or
//! batch number never issued under a product filed here. The person
//! scanning gets the producer's card to call and report it; the scan is
//! not logged, but distinct made-up serials of one product raise a
//! guessing alert (`zhisu_domain::guessing`).

use chrono::{DateTime, Utc};
use zhisu_domain::public::PublicView;
use zhisu_domain::scan::AlertKind;

use crate::scan::{alert_of, Resolved};
use crate::{ScanContext, ScanView, Service, ServiceResult};

/// What a scan of a serial never issued under a filed product is told.
pub(crate) const SERIAL_NOT_ISSUED: &str = "疑似假冒：该产品的生产企业从未签发此序列号，请勿购买，并向生产企业或监管部门举报 (suspected counterfeit: the producer never issued this serial; do not buy it, and report it)";
/// …and of a batch number the product never filed.
pub(crate) const LOT_NOT_FILED: &str = "疑似假冒：该产品没有备案此批号，请勿购买，并向生产企业或监管部门举报 (suspected counterfeit: no batch of this product has this number; do not buy it, and report it)";

impl Service {
    /// A suspected counterfeit (issue 15.6): the producer's card, so the
    /// person scanning can call it and report the code. The scan is not
    /// logged (made-up serials must not grow the store), but distinct
    /// made-up serials of one product reaching the limit raise a guessing
    /// alert for its producer and their regulator.
    pub(crate) async fn suspect(
        &self,
        mut view: ScanView,
        resolved: &Resolved,
        ctx: &ScanContext,
        now: DateTime<Utc>,
    ) -> ServiceResult<ScanView> {
        let Some(product) = &resolved.product else {
            return Ok(view);
        };
        let base = self.public_base(product.enterprise_id, resolved).await?;
        view.public = Some(PublicView {
            producer: base.producer.clone(),
            product: None,
            sellers: Vec::new(),
        });
        let made_up = resolved
            .serial
            .as_deref()
            .or_else(|| resolved.key.split_once("(10)").map(|(_, lot)| lot));
        if let (true, Some(made_up)) = (ctx.log, made_up) {
            let policy = zhisu_domain::guessing::GuessPolicy::default();
            let reached = self.scan_cache.guesses.lock().expect("lock").note(
                product.id,
                made_up,
                now.timestamp(),
                &policy,
            );
            if let Some(n) = reached {
                // `(01){gtin}` or `(c){code}`: the product the guesses are of.
                let key = &resolved.key;
                let product_key =
                    key[..key[1..].find('(').map_or(key.len(), |i| i + 1)].to_string();
                let mut alert = alert_of(
                    resolved,
                    AlertKind::Guessing,
                    now,
                    format!(
                        "{n} 个从未签发的码在 {} 小时内被扫描，最近一个：{} (distinct made-up codes scanned within a day; the latest via {})",
                        policy.window_secs / 3600,
                        resolved.key,
                        ctx.client
                    ),
                );
                alert.code = product_key;
                // Off the scan's path: the answer never waits for the writer.
                let service = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = service.raise(alert).await {
                        tracing::error!(error = %e, "storing a guessing alert");
                    }
                });
            }
        }
        Ok(view)
    }
}
