//! Anomalies in an indicator's series (issue 18.3): a point is flagged
//! when it falls outside a robust band of the trailing window — the
//! window's median ± k·MAD, the median absolute deviation scaled by 1.4826
//! so that it estimates the standard deviation of normal data (Rousseeuw
//! & Croux 1993). A median and a MAD are not moved by the outliers they
//! are meant to find, as a mean and a standard deviation are. For counts σ
//! is never taken below the Poisson noise of the median (√median, at least
//! 1), so the odd scan on quiet days is not flagged. The weekly rhythm of
//! a daily series is taken out before it comes here (`seasonal.rs`);
//! holidays are not. Written here because it is a few lines over sorted
//! slices; no crate is needed.

use serde::Serialize;

/// Scales the MAD to estimate σ for normally distributed data.
const MAD_TO_SIGMA: f64 = 1.4826;

/// The band a point was judged against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Band {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    /// Whether the point lies outside `low..=high`.
    pub anomaly: bool,
}

/// The median of a sorted, non-empty slice.
pub(crate) fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// For each point of `series`, its band from the `window` points before
/// it, or None while fewer than `window` came before (or `window` is 0).
/// With a MAD of 0 (a flat window) the band is the median itself: a flat
/// series that moves is an anomaly.
pub fn bands(series: &[f64], window: usize, k: f64) -> Vec<Option<Band>> {
    bands_with_floor(series, window, k, |_| 0.0)
}

/// As [`bands`], with the estimated σ never below `floor(median)`. For
/// counts the floor is the Poisson noise of the median, √median and at
/// least 1: a window of quiet days (MAD 0) does not flag the first scan of
/// a week, while a day of ten times the usual still stands out.
pub fn counts_floor(median: f64) -> f64 {
    median.max(1.0).sqrt()
}

/// [`bands`] with a floor under σ (see [`counts_floor`]).
pub fn bands_with_floor(
    series: &[f64],
    window: usize,
    k: f64,
    floor: impl Fn(f64) -> f64,
) -> Vec<Option<Band>> {
    series
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if window == 0 || i < window {
                return None;
            }
            let mut past: Vec<f64> = series[i - window..i].to_vec();
            past.sort_by(f64::total_cmp);
            let m = median(&past);
            let mut deviations: Vec<f64> = past.iter().map(|v| (v - m).abs()).collect();
            deviations.sort_by(f64::total_cmp);
            let spread = k * (MAD_TO_SIGMA * median(&deviations)).max(floor(m));
            let (low, high) = (m - spread, m + spread);
            Some(Band {
                median: m,
                low,
                high,
                anomaly: x < low || x > high,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts on quiet days: the odd scan is noise, not an anomaly; a burst
    /// still is.
    #[test]
    fn a_quiet_count_series_flags_a_burst_not_a_single_scan() {
        let mut quiet = vec![0.0; 28];
        quiet.extend([1.0, 2.0, 0.0, 40.0]);
        let judged = bands_with_floor(&quiet, 28, 3.0, counts_floor);
        let flagged: Vec<usize> = judged
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_some_and(|b| b.anomaly))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(flagged, vec![31]);
        // Without the floor, every scan on a quiet day was flagged.
        assert_eq!(
            bands(&quiet, 28, 3.0)
                .iter()
                .filter(|b| b.is_some_and(|b| b.anomaly))
                .count(),
            3
        );
    }

    fn flagged(series: &[f64], window: usize, k: f64) -> Vec<usize> {
        bands(series, window, k)
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_some_and(|b| b.anomaly))
            .map(|(i, _)| i)
            .collect()
    }

    /// Scans by day scattered over 100–120, and one day of ten times the
    /// usual: only that day is flagged, and the spike does not hide the
    /// next days' return to normal (it moves the window's median by little).
    #[test]
    fn a_spike_is_flagged_and_the_ordinary_scatter_is_not() {
        let mut series: Vec<f64> = (0..60).map(|d| 100.0 + ((d * 37) % 21) as f64).collect();
        series[40] = 1000.0;
        assert_eq!(flagged(&series, 28, 3.0), [40]);
        let b = bands(&series, 28, 3.0)[41].unwrap();
        assert!(b.median > 100.0 && b.median < 120.0, "{b:?}");
    }

    /// A weekly swing (weekends a third higher) is itself flagged on a
    /// daily series: seasonality is the caller's to remove, by reading
    /// the series by week or comparing like days.
    #[test]
    fn a_weekly_swing_on_a_daily_series_is_flagged() {
        let series: Vec<f64> = (0..60)
            .map(|d| if d % 7 >= 5 { 130.0 } else { 100.0 })
            .collect();
        assert!(!flagged(&series, 28, 3.0).is_empty());
        let weekly: Vec<f64> = series.chunks(7).map(|w| w.iter().sum()).collect();
        assert_eq!(flagged(&weekly[..8], 4, 3.0), Vec::<usize>::new());
    }

    /// A drop is an anomaly too; a larger k flags less.
    #[test]
    fn a_drop_is_flagged_and_k_sets_how_far() {
        let mut series: Vec<f64> = (0..30).map(|d| 50.0 + (d % 5) as f64 * 2.0).collect();
        series[25] = 38.0;
        assert_eq!(flagged(&series, 14, 3.0), [25]);
        assert_eq!(flagged(&series, 14, 10.0), Vec::<usize>::new());
    }

    /// No band while the window is not yet full, or with no window; a
    /// flat window flags any change.
    #[test]
    fn short_and_flat_windows() {
        let series = [5.0, 5.0, 5.0, 5.0, 6.0];
        let b = bands(&series, 4, 3.0);
        assert!(b[..4].iter().all(Option::is_none));
        assert!(b[4].unwrap().anomaly);
        assert!(bands(&series, 0, 3.0).iter().all(Option::is_none));
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), 2.5);
    }
}
