//! Indicators from rollup rows (issue 18.6): each indicator's figure over
//! a period, and its series by day, week or month with anomaly flags, from
//! the rows of the measures it reads (`rollup.rs`), already summed over
//! the places the reader may see. Flows sum the period's days; stocks sum
//! every change up to the period's end.

use chrono::NaiveDate;
use serde::Serialize;

use super::anomaly::{bands, bands_with_floor, counts_floor, Band};
use super::period::{buckets, Grain, Period};
use super::recall_figures;
use super::rollup::{gaps_suffice, Measure};
pub use super::rows::Rows;
use super::seasonal;
use super::Indicator;

/// A measure's value on a day with a detail, summed over places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRow {
    pub measure: Measure,
    pub day: NaiveDate,
    pub detail: String,
    pub value: i64,
}

/// What an indicator reads: the measures of the rollups that keep it
/// (every indicator of the glossary is kept).
pub fn measures_of(indicator: Indicator) -> &'static [Measure] {
    use Measure as M;
    match indicator {
        Indicator::Scans => &[M::Scans],
        Indicator::CodesScanned => &[M::CodeGaps, M::CodeDays],
        Indicator::AlertsCounterfeit => &[M::AlertsCounterfeit],
        Indicator::AlertsDiversion => &[M::AlertsDiversion],
        Indicator::DiversionRate => &[M::AlertsDiversion, M::Scans],
        Indicator::CodesIssued => &[M::CodesIssued],
        Indicator::FirstScanRate => &[M::FirstScans, M::CodesIssued],
        Indicator::BatchesActive | Indicator::BatchesByStatus => &[M::Batches],
        Indicator::RecallsOpen => &[M::Recalls],
        Indicator::FeedbackOpen => &[M::Feedback],
        Indicator::Enterprises => &[M::Enterprises],
        Indicator::Products => &[M::Products],
        Indicator::FeedbackReceived => &[M::FeedbackTopics],
        Indicator::CasesOverdue => &[M::CasesEscalated],
        Indicator::Sales => &[M::Sales],
        Indicator::FeedbackAnswerHours | Indicator::FeedbackAnswered => &[M::FeedbackAnswered],
        Indicator::ActivationRate => &[M::Batches],
        Indicator::CasesOpen => &[M::Cases],
        Indicator::CaseDaysToClose => &[M::CasesClosed],
        Indicator::FindingsOpen => &[M::Findings],
        Indicator::RecallReturnedShare | Indicator::RecallHoldersReached => &[M::RecallFigures],
    }
}

/// What `indicators` read when the longest period a figure is computed
/// over has `longest_days` days: the distinct codes scanned from the
/// capped gaps when they suffice (`rollup::gaps_suffice`), from the exact
/// previous days otherwise — never both (the gaps are the fast read).
pub fn measures_for(indicator: Indicator, longest_days: i64) -> Vec<Measure> {
    let skip = if gaps_suffice(longest_days) {
        Measure::CodeDays
    } else {
        Measure::CodeGaps
    };
    measures_of(indicator)
        .iter()
        .copied()
        .filter(|m| *m != skip)
        .collect()
}

/// Whether the indicator's flows are summed from the beginning, not from
/// the period's first day (its rows must be read from the beginning).
pub fn reads_all_time(indicator: Indicator) -> bool {
    matches!(indicator, Indicator::FirstScanRate)
}

pub(crate) fn rate(numerator: i64, denominator: i64, scale: f64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64 * scale)
}

/// The indicator's figure over the period; None when a rate or an
/// average has nothing to divide by.
pub fn value(indicator: Indicator, rows: &Rows, p: &Period) -> Option<f64> {
    use Measure as M;
    let count = |n: i64| Some(n as f64);
    match indicator {
        Indicator::Scans => count(rows.flow(M::Scans, p)),
        Indicator::CodesScanned => count(rows.codes_scanned(p)),
        Indicator::AlertsCounterfeit => count(rows.flow(M::AlertsCounterfeit, p)),
        Indicator::AlertsDiversion => count(rows.flow(M::AlertsDiversion, p)),
        Indicator::DiversionRate => rate(
            rows.flow(M::AlertsDiversion, p),
            rows.flow(M::Scans, p),
            10_000.0,
        ),
        Indicator::CodesIssued => count(rows.flow(M::CodesIssued, p)),
        // Of the codes issued up to the end, those ever scanned by then.
        Indicator::FirstScanRate => rate(
            rows.sum(M::FirstScans, None, p.to, |_| true),
            rows.sum(M::CodesIssued, None, p.to, |_| true),
            1.0,
        ),
        Indicator::BatchesActive => count(rows.stock(M::Batches, "active", p.to)),
        Indicator::BatchesByStatus => count(rows.sum(M::Batches, None, p.to, |_| true)),
        Indicator::RecallsOpen => count(rows.stock(M::Recalls, "open", p.to)),
        Indicator::FeedbackOpen => count(rows.stock(M::Feedback, "open", p.to)),
        Indicator::Enterprises => count(rows.sum(M::Enterprises, None, p.to, |_| true)),
        Indicator::Products => count(rows.stock(M::Products, "filed", p.to)),
        Indicator::FeedbackReceived => count(rows.flow(M::FeedbackTopics, p)),
        Indicator::CasesOverdue => count(rows.flow(M::CasesEscalated, p)),
        Indicator::Sales => count(rows.flow(M::Sales, p)),
        Indicator::FeedbackAnswerHours => rows.median_detail(M::FeedbackAnswered, p),
        Indicator::FeedbackAnswered => count(rows.flow(M::FeedbackAnswered, p)),
        // Of the batches approved, those activated (a frozen one was).
        Indicator::ActivationRate => {
            let used =
                rows.stock(M::Batches, "active", p.to) + rows.stock(M::Batches, "frozen", p.to);
            rate(used, used + rows.stock(M::Batches, "approved", p.to), 1.0)
        }
        Indicator::CasesOpen => {
            count(rows.stock(M::Cases, "notified", p.to) + rows.stock(M::Cases, "answered", p.to))
        }
        Indicator::CaseDaysToClose => rows.mean_detail(M::CasesClosed, p),
        Indicator::FindingsOpen => count(rows.sum(M::Findings, None, p.to, |_| true)),
        // Of the recalls open at the end (`recall_figures.rs`).
        Indicator::RecallReturnedShare => rate(
            rows.stock(M::RecallFigures, recall_figures::RETURNED, p.to),
            rows.stock(M::RecallFigures, recall_figures::DELIVERED, p.to),
            1.0,
        ),
        Indicator::RecallHoldersReached => {
            count(rows.stock(M::RecallFigures, recall_figures::HOLDERS, p.to))
        }
    }
}

/// Writes a figure as JSON: a whole number as an integer (515, not 515.0),
/// a share or rate as it is.
pub fn serialize_figure<S: serde::Serializer>(
    value: &Option<f64>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => s.serialize_i64(*v as i64),
        Some(v) => s.serialize_f64(*v),
        None => s.serialize_none(),
    }
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Point {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    #[serde(serialize_with = "serialize_figure")]
    pub value: Option<f64>,
    /// The band of the trailing window it was judged against (None while
    /// the window is not yet full).
    pub band: Option<Band>,
    pub anomaly: bool,
}

/// The indicator by day, week or month over the period, each point flagged
/// when it leaves the robust band of the window of points before it (`k`
/// MADs; see `anomaly.rs`), the window reaching back before the period
/// (`rows` must cover [`with_window`]). A point without a value is judged
/// as 0. A flow's cut that is partial — clipped by the period (a week
/// begun on a Thursday) or holding `today`, still under way — counts less
/// than the whole cuts its band is made of: it is flagged only above its
/// band (it can only grow), never below (at nine in the morning today's
/// scans are few, not an anomaly).
pub fn series(
    indicator: Indicator,
    rows: &Rows,
    period: &Period,
    grain: Grain,
    k: f64,
    today: NaiveDate,
) -> Vec<Point> {
    // The window is whole cuts before the one holding the period's first
    // day; the period's own cuts are clipped to it (a week from a Tuesday
    // is its Tuesday to Sunday).
    let own = buckets(period, grain);
    let first = grain.back(period.from, 0);
    let mut cuts = match with_window(period, grain).from {
        from if from < first => buckets(
            &Period {
                from,
                to: first - chrono::Duration::days(1),
            },
            grain,
        ),
        _ => Vec::new(),
    };
    let window = cuts.len();
    cuts.extend(own);
    let values: Vec<Option<f64>> = cuts.iter().map(|b| value(indicator, rows, b)).collect();
    let plain: Vec<f64> = values.iter().map(|v| v.unwrap_or(0.0)).collect();
    // A day is judged against like days: its value over its weekday's
    // factor, its band multiplied back (`seasonal.rs`).
    let factors: Vec<f64> = match grain {
        Grain::Day => {
            let days: Vec<_> = cuts
                .iter()
                .map(|b| b.from)
                .zip(plain.iter().copied())
                .collect();
            let weekly = seasonal::weekday_factors(&days);
            cuts.iter()
                .map(|b| seasonal::factor_of(&weekly, b.from))
                .collect()
        }
        _ => vec![1.0; cuts.len()],
    };
    let adjusted: Vec<f64> = plain.iter().zip(&factors).map(|(v, f)| v / f).collect();
    // Counts are judged with their Poisson noise as the least spread.
    let judged = match indicator.def().unit {
        super::Unit::Count => bands_with_floor(&adjusted, grain.window(), k, counts_floor),
        _ => bands(&adjusted, grain.window(), k),
    };
    let judged: Vec<Option<Band>> = judged
        .into_iter()
        .zip(&factors)
        .map(|(band, f)| {
            band.map(|b| Band {
                median: b.median * f,
                low: b.low * f,
                high: b.high * f,
                anomaly: b.anomaly,
            })
        })
        .collect();
    let flow = indicator.def().kind == super::Kind::Flow;
    cuts.into_iter()
        .zip(values)
        .zip(judged)
        .skip(window)
        .map(|((b, value), band)| {
            let partial = flow && (!grain.is_whole(&b) || b.to >= today);
            let band = band.map(|x| Band {
                anomaly: if partial {
                    value.unwrap_or(0.0) > x.high
                } else {
                    x.anomaly
                },
                ..x
            });
            Point {
                from: b.from,
                to: b.to,
                value,
                anomaly: band.is_some_and(|x| x.anomaly),
                band,
            }
        })
        .collect()
}

/// The period with the window of whole cuts before it that the first
/// point is judged against.
pub fn with_window(period: &Period, grain: Grain) -> Period {
    Period {
        from: grain.back(period.from, grain.window()),
        to: period.to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A today long after the data: every cut is over.
    const FAR: NaiveDate = NaiveDate::MAX;

    fn row(measure: Measure, day: &str, detail: &str, value: i64) -> MeasureRow {
        MeasureRow {
            measure,
            day: d(day),
            detail: detail.into(),
            value,
        }
    }

    #[test]
    fn flows_sum_the_period_and_stocks_everything_up_to_its_end() {
        let rows = Rows::new([
            row(Measure::Scans, "2026-10-31", "", 5),
            row(Measure::Scans, "2026-11-01", "", 7),
            row(Measure::Scans, "2026-11-30", "", 1),
            row(Measure::Batches, "2026-10-01", "active", 3),
            row(Measure::Batches, "2026-11-10", "active", -1),
            row(Measure::Batches, "2026-11-10", "frozen", 1),
            row(Measure::Batches, "2026-12-01", "active", 9),
            row(Measure::AlertsDiversion, "2026-11-02", "", 2),
        ]);
        let nov = Period::new(d("2026-11-01"), d("2026-11-30")).unwrap();
        assert_eq!(value(Indicator::Scans, &rows, &nov), Some(8.0));
        assert_eq!(value(Indicator::BatchesActive, &rows, &nov), Some(2.0));
        assert_eq!(value(Indicator::DiversionRate, &rows, &nov), Some(2500.0));
        let quiet = Period::new(d("2025-01-01"), d("2025-01-31")).unwrap();
        assert_eq!(value(Indicator::DiversionRate, &rows, &quiet), None);
        assert_eq!(value(Indicator::Sales, &rows, &nov), Some(0.0));
        assert_eq!(value(Indicator::Products, &rows, &nov), Some(0.0));
        assert_eq!(value(Indicator::RecallReturnedShare, &rows, &nov), None);
    }

    #[test]
    fn the_time_to_answer_is_the_median_of_the_periods_answers() {
        let rows = Rows::new([
            row(Measure::FeedbackAnswered, "2026-11-02", "3", 2),
            row(Measure::FeedbackAnswered, "2026-11-05", "10", 1),
            row(Measure::FeedbackAnswered, "2026-11-09", "40", 1),
            row(Measure::FeedbackAnswered, "2026-10-20", "500", 9),
        ]);
        let nov = Period::new(d("2026-11-01"), d("2026-11-30")).unwrap();
        // 3, 3, 10, 40: the middle two averaged.
        assert_eq!(
            value(Indicator::FeedbackAnswerHours, &rows, &nov),
            Some(6.5)
        );
        let early = Period::new(d("2026-11-01"), d("2026-11-05")).unwrap();
        assert_eq!(
            value(Indicator::FeedbackAnswerHours, &rows, &early),
            Some(3.0)
        );
        let quiet = Period::new(d("2026-12-01"), d("2026-12-31")).unwrap();
        assert_eq!(value(Indicator::FeedbackAnswerHours, &rows, &quiet), None);
    }

    #[test]
    fn the_activation_rate_is_the_share_of_approved_batches_put_to_use() {
        let rows = Rows::new([
            row(Measure::Batches, "2026-11-01", "approved", 4),
            row(Measure::Batches, "2026-11-05", "approved", -3),
            row(Measure::Batches, "2026-11-05", "active", 3),
            row(Measure::Batches, "2026-11-09", "active", -1),
            row(Measure::Batches, "2026-11-09", "frozen", 1),
            row(Measure::Batches, "2026-11-09", "draft", 7),
        ]);
        let on = |to: &str| Period::new(d("2026-11-01"), d(to)).unwrap();
        assert_eq!(
            value(Indicator::ActivationRate, &rows, &on("2026-11-02")),
            Some(0.0)
        );
        assert_eq!(
            value(Indicator::ActivationRate, &rows, &on("2026-11-30")),
            Some(0.75)
        );
        let before = Period::new(d("2026-10-01"), d("2026-10-31")).unwrap();
        assert_eq!(value(Indicator::ActivationRate, &rows, &before), None);
    }

    #[test]
    fn cases_open_are_those_not_closed_and_closing_takes_the_mean_days() {
        let rows = Rows::new([
            row(Measure::Cases, "2026-11-02", "notified", 3),
            row(Measure::Cases, "2026-11-10", "notified", -1),
            row(Measure::Cases, "2026-11-10", "answered", 1),
            row(Measure::Cases, "2026-11-20", "answered", -1),
            row(Measure::Cases, "2026-11-20", "closed", 1),
            row(Measure::CasesClosed, "2026-11-20", "18", 1),
            row(Measure::CasesClosed, "2026-11-25", "3", 2),
        ]);
        let nov = Period::new(d("2026-11-01"), d("2026-11-30")).unwrap();
        assert_eq!(value(Indicator::CasesOpen, &rows, &nov), Some(2.0));
        let early = Period::new(d("2026-11-01"), d("2026-11-15")).unwrap();
        assert_eq!(value(Indicator::CasesOpen, &rows, &early), Some(3.0));
        // (18 + 3 + 3) / 3
        assert_eq!(value(Indicator::CaseDaysToClose, &rows, &nov), Some(8.0));
        assert_eq!(value(Indicator::CaseDaysToClose, &rows, &early), None);
    }

    #[test]
    fn codes_scanned_counts_each_code_once_in_any_period() {
        // Code a: scanned 11-01, 11-03, 11-20; code b: 10-30, 11-03.
        let rows = Rows::new([
            row(Measure::CodeDays, "2026-11-01", "", 1),
            row(Measure::CodeDays, "2026-11-03", "2026-11-01", 1),
            row(Measure::CodeDays, "2026-11-20", "2026-11-03", 1),
            row(Measure::CodeDays, "2026-10-30", "", 1),
            row(Measure::CodeDays, "2026-11-03", "2026-10-30", 1),
        ]);
        let p = |f: &str, t: &str| Period::new(d(f), d(t)).unwrap();
        let v = |f: &str, t: &str| value(Indicator::CodesScanned, &rows, &p(f, t));
        assert_eq!(v("2026-11-01", "2026-11-30"), Some(2.0));
        assert_eq!(v("2026-11-02", "2026-11-30"), Some(2.0));
        assert_eq!(v("2026-11-04", "2026-11-30"), Some(1.0));
        assert_eq!(v("2026-10-01", "2026-10-31"), Some(1.0));
        assert_eq!(v("2026-10-01", "2026-11-02"), Some(2.0));
        assert_eq!(v("2026-11-21", "2026-11-30"), Some(0.0));
    }

    #[test]
    fn the_capped_gaps_count_what_the_exact_days_count_up_to_32_days() {
        use super::super::rollup::{code_deltas, Place};
        // 300 codes, each scanned on a pseudo-random handful of 120 days
        // with gaps short and long (a small LCG: the test is deterministic).
        let start = d("2026-08-01");
        let mut seed: u64 = 7;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut deltas = Vec::new();
        for _ in 0..300 {
            let mut days: Vec<i64> = (0..1 + next(6)).map(|_| next(120) as i64).collect();
            days.sort_unstable();
            days.dedup();
            let days: Vec<(NaiveDate, u32)> = days
                .into_iter()
                .map(|x| (start + chrono::Duration::days(x), 1))
                .collect();
            code_deltas(&Place::default(), &days, &[], None, &mut deltas);
        }
        let of = |measure: Measure| {
            Rows::new(
                deltas
                    .iter()
                    .filter(|x| x.measure == measure)
                    .map(|x| MeasureRow {
                        measure,
                        day: x.day,
                        detail: x.detail.clone(),
                        value: x.value,
                    }),
            )
        };
        let (exact, gaps) = (of(Measure::CodeDays), of(Measure::CodeGaps));
        let mut compared = 0;
        for from in 0..120 {
            for len in 1..=32 {
                let f = start + chrono::Duration::days(from);
                let p = Period::new(f, f + chrono::Duration::days(len - 1)).unwrap();
                let want = exact.codes_scanned(&p);
                assert_eq!(gaps.codes_scanned(&p), want, "{p:?}");
                compared += (want > 0) as i32;
            }
        }
        assert!(compared > 3000, "{compared}");
        // Over 32 days the gaps alone would count a code twice.
        assert_eq!(
            measures_for(Indicator::CodesScanned, 32),
            vec![Measure::CodeGaps]
        );
        assert_eq!(
            measures_for(Indicator::CodesScanned, 33),
            vec![Measure::CodeDays]
        );
    }

    #[test]
    fn a_weekly_series_from_a_tuesday_begins_with_that_tuesday() {
        let rows = Rows::new([
            row(Measure::Scans, "2026-10-27", "", 4),
            row(Measure::Scans, "2026-10-26", "", 9),
        ]);
        // 2026-10-27 is a Tuesday.
        let p = Period::new(d("2026-10-27"), d("2026-11-09")).unwrap();
        let points = series(Indicator::Scans, &rows, &p, Grain::Week, 3.0, FAR);
        let cuts: Vec<(NaiveDate, NaiveDate, Option<f64>)> =
            points.iter().map(|x| (x.from, x.to, x.value)).collect();
        assert_eq!(
            cuts,
            vec![
                (d("2026-10-27"), d("2026-11-01"), Some(4.0)),
                (d("2026-11-02"), d("2026-11-08"), Some(0.0)),
                (d("2026-11-09"), d("2026-11-09"), Some(0.0)),
            ]
        );
    }

    #[test]
    fn weekends_are_judged_as_weekends_and_a_quiet_weekday_is_not() {
        // Ten weeks: 100 scans a weekday, 60 a weekend day; the last week
        // holds a spike (Wednesday) and a quiet weekday (Thursday).
        let monday = d("2026-09-07");
        let mut rows = Vec::new();
        for i in 0..70 {
            let day = monday + chrono::Duration::days(i);
            let weekend = chrono::Datelike::weekday(&day).num_days_from_monday() >= 5;
            let n = match i {
                65 => 500,
                66 => 55,
                _ if weekend => 60,
                _ => 100,
            };
            rows.push(row(Measure::Scans, &day.to_string(), "", n));
        }
        let rows = Rows::new(rows);
        let p = Period::new(
            monday + chrono::Duration::days(35),
            monday + chrono::Duration::days(69),
        )
        .unwrap();
        let points = series(Indicator::Scans, &rows, &p, Grain::Day, 3.0, FAR);
        let flagged: Vec<NaiveDate> = points
            .iter()
            .filter(|x| x.anomaly)
            .map(|x| x.from)
            .collect();
        assert_eq!(
            flagged,
            vec![
                monday + chrono::Duration::days(65),
                monday + chrono::Duration::days(66)
            ]
        );
        // A Saturday's expected range is a Saturday's.
        let saturday = points.iter().find(|x| x.from == d("2026-10-17")).unwrap();
        let band = saturday.band.unwrap();
        assert!(
            band.low < 60.0 && 60.0 < band.high && band.high < 100.0,
            "{band:?}"
        );
    }

    #[test]
    fn a_holiday_is_judged_as_a_rest_day() {
        // Eight weeks to the end of 春节 2026: 100 scans a working day, 60
        // a rest day — the holiday's weekdays (2026-02-16 to 02-20) too —
        // and the Saturday worked before it (02-14) a working day's 100.
        let start = d("2026-01-05");
        let mut rows = Vec::new();
        for i in 0..50 {
            let day = start + chrono::Duration::days(i);
            let rest = super::super::holidays::day_class(day) >= 5;
            rows.push(row(
                Measure::Scans,
                &day.to_string(),
                "",
                if rest { 60 } else { 100 },
            ));
        }
        let rows = Rows::new(rows);
        let p = Period::new(d("2026-02-09"), d("2026-02-23")).unwrap();
        let points = series(Indicator::Scans, &rows, &p, Grain::Day, 3.0, FAR);
        let flagged: Vec<NaiveDate> = points
            .iter()
            .filter(|x| x.anomaly)
            .map(|x| x.from)
            .collect();
        assert_eq!(flagged, Vec::<NaiveDate>::new(), "{points:?}");
        // Judged by weekday alone, the holiday's Wednesday would be low.
        let wednesday = points.iter().find(|x| x.from == d("2026-02-18")).unwrap();
        let band = wednesday.band.unwrap();
        assert!(
            band.low < 60.0 && 60.0 < band.high && band.high < 100.0,
            "{band:?}"
        );
    }

    #[test]
    fn the_day_under_way_is_not_judged() {
        // Four weeks of 100 a day, then today with 5 so far.
        let start = d("2026-11-01");
        let mut rows = Vec::new();
        for i in 0..35 {
            let day = start + chrono::Duration::days(i);
            rows.push(row(
                Measure::Scans,
                &day.to_string(),
                "",
                if i == 34 { 5 } else { 100 },
            ));
        }
        let rows = Rows::new(rows);
        let today = start + chrono::Duration::days(34);
        let p = Period::new(today - chrono::Duration::days(6), today).unwrap();
        let points = series(Indicator::Scans, &rows, &p, Grain::Day, 3.0, today);
        let last = points.last().unwrap();
        assert_eq!((last.from, last.value), (today, Some(5.0)));
        assert!(!last.anomaly && last.band.is_some(), "{last:?}");
        // Judged low once the day is over.
        let tomorrow = series(
            Indicator::Scans,
            &rows,
            &p,
            Grain::Day,
            3.0,
            today + chrono::Duration::days(1),
        );
        assert!(tomorrow.last().unwrap().anomaly);
        // A day under way already past its band is flagged: it can only grow.
        let mut busy = Vec::new();
        for i in 0..35 {
            let day = start + chrono::Duration::days(i);
            busy.push(row(
                Measure::Scans,
                &day.to_string(),
                "",
                if i == 34 { 900 } else { 100 },
            ));
        }
        let points = series(
            Indicator::Scans,
            &Rows::new(busy),
            &p,
            Grain::Day,
            3.0,
            today,
        );
        assert!(points.last().unwrap().anomaly);
    }

    #[test]
    fn a_clipped_week_is_not_judged_against_whole_ones() {
        // Thirteen weeks of about 700 scans, then the period: from a
        // Thursday (4 days of that week) to a Monday (one day).
        let mut rows = Vec::new();
        let monday = d("2026-07-06");
        for w in 0..16 {
            for day in 0..7 {
                let date = monday + chrono::Duration::days(w * 7 + day);
                rows.push(row(Measure::Scans, &date.to_string(), "", 100));
            }
        }
        let rows = Rows::new(rows);
        // 2026-10-01 is a Thursday; 2026-10-19 a Monday.
        let p = Period::new(d("2026-10-01"), d("2026-10-19")).unwrap();
        let points = series(Indicator::Scans, &rows, &p, Grain::Week, 3.0, FAR);
        let judged: Vec<(NaiveDate, Option<f64>, bool)> = points
            .iter()
            .map(|x| (x.from, x.value, x.anomaly))
            .collect();
        // The clipped weeks (4 days, 1 day) are below the whole weeks' band
        // and not flagged for it.
        assert_eq!(
            judged,
            vec![
                (d("2026-10-01"), Some(400.0), false),
                (d("2026-10-05"), Some(700.0), false),
                (d("2026-10-12"), Some(700.0), false),
                (d("2026-10-19"), Some(100.0), false),
            ]
        );
        assert!(points[0].band.is_some_and(|b| b.low > 400.0));
    }

    #[test]
    fn a_series_flags_the_day_that_leaves_its_band() {
        let mut rows = Vec::new();
        // The rows begin before the period: its first days are judged
        // against the weeks before them.
        let start = d("2026-09-01");
        for i in 0..70 {
            let day = start + chrono::Duration::days(i);
            let n = if i == 65 { 400 } else { 100 + (i % 3) * 5 };
            rows.push(MeasureRow {
                measure: Measure::Scans,
                day,
                detail: String::new(),
                value: n,
            });
        }
        let rows = Rows::new(rows);
        let p = Period::new(d("2026-10-01"), d("2026-11-09")).unwrap();
        let points = series(Indicator::Scans, &rows, &p, Grain::Day, 3.0, FAR);
        assert_eq!(points.len(), 40);
        let flagged: Vec<usize> = points
            .iter()
            .enumerate()
            .filter(|(_, x)| x.anomaly)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(flagged, vec![35]);
    }
}
