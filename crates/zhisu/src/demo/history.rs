//! The demo's past months of scans (issue 18): half a year of the public
//! scanning the demo's active codes — fewer on weekends, a steady rise, and
//! one day of many (a promotion, or copied labels) that the statistics
//! flag — written straight into the scan log with their times and folded
//! as a server folds what it finds, so 统计概览 has a trend to show on
//! the first visit. The scan path itself stamps a scan with the time it is
//! answered; only a seed can place scans in the past.

use std::sync::Arc;

use chrono::Duration;
use zhisu_domain::{Principal, RecordKind};
use zhisu_service::{ListFilter, Service};
use zhisu_store::{NewScan, Store};

/// Days of history (half a year: a quarter's weekly trend is judged
/// against the 13 weeks before it), and the day (counted back from today)
/// of the spike.
const DAYS: i64 = 182;
const SPIKE_DAY: i64 = 9;

/// Where the public scans from, as the scan page in WeChat says (a quarter
/// say nothing): mostly Guangdong, then the Yangtze delta and Beijing.
const WHERE: [Option<&str>; 12] = [
    Some("440305"),
    Some("440106"),
    Some("440303"),
    Some("441900"),
    Some("440604"),
    Some("330106"),
    Some("330203"),
    Some("320102"),
    Some("110101"),
    None,
    None,
    None,
];

/// A deterministic stream of numbers: the same demo every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Writes the history; how many scans it stored.
pub async fn scan_history(
    store: Arc<dyn Store>,
    service: &Service,
    admin: &Principal,
) -> anyhow::Result<u64> {
    let filter = ListFilter {
        status: Some("active".into()),
        limit: Some(100),
        ..Default::default()
    };
    let batches = service.list(admin, RecordKind::Batch, &filter).await?;
    // Each active batch's first codes, with its product: a scan picks a
    // batch, then one of its codes, so every maker has its share.
    let mut lots = Vec::new();
    for batch in &batches.items {
        let product = batch.body["product_id"].as_i64();
        let plan = service.code_plan(admin, batch.id).await?;
        let codes: Vec<String> = (0..plan.count.min(40)).map(|i| plan.code(i)).collect();
        if !codes.is_empty() {
            lots.push((codes, product, batch.id));
        }
    }
    if lots.is_empty() {
        return Ok(0);
    }
    let mut dice = Dice(2026);
    // Its own stream, so the scans' times and codes stay as they were.
    let mut place = Dice(7);
    let today = zhisu_service::today_in_shanghai();
    let mut scans = Vec::new();
    for back in (1..=DAYS).rev() {
        // The day's midnight in Beijing, as a UTC time.
        let date = today - Duration::days(back);
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(8);
        let weekend = matches!(
            chrono::Datelike::weekday(&date),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        );
        // A slow rise over the weeks, fewer on weekends, a spike.
        let mut n = 60 + (DAYS - back) as u64 / 3 + dice.next(20);
        if weekend {
            n = n * 3 / 5;
        }
        if back == SPIKE_DAY {
            n *= 5;
        }
        let mut times: Vec<i64> = (0..n).map(|_| dice.next(86_400) as i64).collect();
        times.sort_unstable();
        for t in times {
            let (codes, product, batch) = &lots[dice.next(lots.len() as u64) as usize];
            scans.push(NewScan {
                code: codes[dice.next(codes.len() as u64) as usize].clone(),
                product_id: *product,
                batch_id: Some(*batch),
                at: midnight + Duration::seconds(t),
                place: None,
                client: ["wechat", "browser", "alipay"][dice.next(3) as usize].into(),
                region: WHERE[place.next(WHERE.len() as u64) as usize].map(str::to_string),
            });
        }
    }
    for chunk in scans.chunks(1_000) {
        store.record_scans(chunk, &[], None).await?;
    }
    Ok(service.fold_leftover_scans().await?)
}
