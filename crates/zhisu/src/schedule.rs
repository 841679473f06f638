//! The server's timed jobs. The nightly verification sweep (V5-auto, issue
//! 17): at `verification_at` (Asia/Shanghai, default 02:00) every day the
//! server runs every rule over all stored records, as `zhisu verify run`
//! does, then escalates the cases past their deadline (V6-dispose). The
//! scheduled statistics reports (issue 18.5): when the server starts and
//! every day at 03:30, open recalls' figures are counted afresh and what
//! is missing of last month's and last quarter's reports is made for the
//! platform and each regulator jurisdiction; the scan log's months past
//! retention are dropped then too (issue 20.4).

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// The next moment after `now` that is `at` o'clock in Asia/Shanghai.
pub fn next_run(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let local = now.with_timezone(&china());
    let today = china()
        .from_local_datetime(&local.date_naive().and_time(at))
        .single()
        .expect("UTC+8 has no gaps");
    let next = if today > local {
        today
    } else {
        today + Duration::days(1)
    };
    next.with_timezone(&Utc)
}

/// Reads `HH:MM`.
pub fn parse_at(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

/// Sweeps every day at `at` for as long as the server runs.
pub fn nightly_verification(service: zhisu_service::Service, at: NaiveTime) {
    tokio::spawn(async move {
        loop {
            let next = next_run(Utc::now(), at);
            let wait = (next - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait).await;
            // Every server wakes; one runs it (issue 20.1).
            let ran = service
                .on_one_server("nightly verification", nightly(&service))
                .await;
            if let Err(e) = ran {
                tracing::error!(error = %e, "the nightly verification could not be started");
            }
        }
    });
}

/// The nightly sweep, then the escalation of overdue cases.
async fn nightly(service: &zhisu_service::Service) {
    match service.run_verification(None, |_| {}).await {
        Ok(sweep) => tracing::info!(
            sweep = sweep.id,
            findings = sweep.findings,
            "nightly verification sweep"
        ),
        Err(e) => tracing::error!(error = %e, "the nightly verification sweep failed"),
    }
    // Cases past their deadline move to the next measures (V6-dispose).
    match service
        .escalate_overdue_cases(zhisu_service::today_in_shanghai())
        .await
    {
        Ok(n) => tracing::info!(escalated = n, "overdue cases escalated"),
        Err(e) => tracing::error!(error = %e, "escalating overdue cases failed"),
    }
}

/// When the scheduled reports are made each day (after the sweep).
pub const REPORTS_AT: &str = "03:30";

/// Makes the scheduled reports and sends the reminders of quantity
/// reports missed now (catching up after a stop) and every day at
/// [`REPORTS_AT`] for as long as the server runs.
pub fn scheduled_reports(service: zhisu_service::Service) {
    let at = parse_at(REPORTS_AT).expect("a fixed time");
    tokio::spawn(async move {
        loop {
            // Every server wakes; one runs it (issue 20.1).
            let ran = service
                .on_one_server("daily reports and reminders", daily(&service))
                .await;
            if let Err(e) = ran {
                tracing::error!(error = %e, "the daily reports could not be started");
            }
            let wait = (next_run(Utc::now(), at) - Utc::now())
                .to_std()
                .unwrap_or_default();
            tokio::time::sleep(wait).await;
        }
    });
}

/// Open recalls' figures, the scheduled reports and the reminders of
/// quantity reports missed.
async fn daily(service: &zhisu_service::Service) {
    // Open recalls' figures counted afresh first (issue 18.1).
    match service.keep_every_recall_figures().await {
        Ok(n) => tracing::info!(recalls = n, "recalls' figures counted"),
        Err(e) => tracing::error!(error = %e, "counting recalls' figures failed"),
    }
    match service
        .make_scheduled_reports(zhisu_service::today_in_shanghai())
        .await
    {
        Ok(made) => tracing::info!(made, "scheduled statistics reports"),
        Err(e) => tracing::error!(error = %e, "making the scheduled reports failed"),
    }
    // The scan log's months past retention (issue 20.4).
    match service
        .drop_expired_scan_months(zhisu_service::today_in_shanghai())
        .await
    {
        Ok(months) if months.is_empty() => {}
        Ok(months) => tracing::info!(?months, "the scan log's months past retention dropped"),
        Err(e) => tracing::error!(error = %e, "dropping the scan log's old months failed"),
    }
    // Reports missed (P5.3.3.3): each reminded of once.
    match service
        .send_reporting_reminders(zhisu_service::today_in_shanghai())
        .await
    {
        Ok(run) => tracing::info!(
            reminded = run.reminded,
            escalated = run.escalated,
            "reporting reminders"
        ),
        Err(e) => tracing::error!(error = %e, "sending the reporting reminders failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_the_next_two_oclock_in_beijing() {
        let at = parse_at("02:00").unwrap();
        // 2026-12-06 01:00 in Beijing (17:00 UTC the day before): tonight.
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 17, 0, 0).unwrap();
        assert_eq!(
            next_run(now, at),
            Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap()
        );
        // 03:00 in Beijing: tomorrow night.
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 19, 0, 0).unwrap();
        assert_eq!(
            next_run(now, at),
            Utc.with_ymd_and_hms(2026, 12, 6, 18, 0, 0).unwrap()
        );
        // Exactly at the hour: the next day's.
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap();
        assert_eq!(
            next_run(now, at),
            Utc.with_ymd_and_hms(2026, 12, 6, 18, 0, 0).unwrap()
        );
        assert_eq!(parse_at("25:00"), None);
        assert_eq!(parse_at("two"), None);
    }
}
