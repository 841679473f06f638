//! G6.1.3, P6.5: what a scan history says about a code. A code scanned far
//! more often than one product's life explains, or in two places no one
//! could travel between in the time, is probably copied.

use serde::{Deserialize, Serialize};

/// Where a scan came from, coarsely: the client sends it or not.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
}

impl Place {
    /// A place from client input, rounded to 0.1° (about 11 km): the
    /// platform never keeps a finer position than it needs.
    pub fn coarse(lat: f64, lon: f64) -> Result<Place, String> {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(format!(
                "位置超出范围 (lat {lat}, lon {lon} is not a place on Earth)"
            ));
        }
        let round = |v: f64| (v * 10.0).round() / 10.0;
        Ok(Place {
            lat: round(lat),
            lon: round(lon),
        })
    }

    /// Great-circle distance in kilometres (haversine, mean Earth radius).
    pub fn distance_km(&self, other: &Place) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().asin()
    }
}

/// A code's scans so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ScanSummary {
    pub count: u64,
    /// RFC 3339
    pub first_at: Option<String>,
    /// The last scan that carried a place: when (unix seconds) and where.
    pub last_placed: Option<(i64, Place)>,
    /// What the statistics take from scans on their way to the store
    /// (issue 18): the code's product and its scans per day in Beijing
    /// time, in day order. Not shown and not stored with the summary.
    #[serde(skip)]
    pub days: Vec<(chrono::NaiveDate, u32)>,
    #[serde(skip)]
    pub product_id: Option<i64>,
    /// Of those scans, the ones whose client named its region: per day
    /// and province (two digits), in the order first seen.
    #[serde(skip)]
    pub provinces: Vec<(chrono::NaiveDate, String, u32)>,
}

impl ScanSummary {
    /// Counts one more scan, at `at_unix` (`at` gives its RFC 3339 text,
    /// asked for only when it is the first).
    pub fn record(&mut self, at_unix: i64, at: impl FnOnce() -> String, place: Option<Place>) {
        self.count += 1;
        self.first_at.get_or_insert_with(at);
        if let Some(p) = place {
            self.last_placed = Some((at_unix, p));
        }
    }

    /// Counts one more scan of the code's product on its day (Beijing
    /// time) for the statistics, and in the province of `region` (the
    /// GB/T 2260 code its client named) when there is one.
    pub fn count_day(&mut self, product_id: Option<i64>, at_unix: i64, region: Option<&str>) {
        self.product_id = self.product_id.or(product_id);
        let day = china_day(at_unix);
        if let Some(province) = region.and_then(|r| r.get(..2)) {
            add_province(&mut self.provinces, day, province, 1);
        }
        match self.days.iter_mut().rev().find(|(d, _)| *d == day) {
            Some((_, n)) => *n += 1,
            None => {
                self.days.push((day, 1));
                self.days.sort_unstable();
            }
        }
    }

    /// The summary of these scans followed by `later` ones.
    pub fn then(&self, later: &ScanSummary) -> ScanSummary {
        let mut days = self.days.clone();
        for (day, n) in &later.days {
            match days.iter_mut().find(|(d, _)| d == day) {
                Some((_, m)) => *m += n,
                None => days.push((*day, *n)),
            }
        }
        days.sort_unstable();
        let mut provinces = self.provinces.clone();
        for (day, province, n) in &later.provinces {
            add_province(&mut provinces, *day, province, *n);
        }
        ScanSummary {
            count: self.count + later.count,
            first_at: self.first_at.clone().or_else(|| later.first_at.clone()),
            last_placed: later.last_placed.or(self.last_placed),
            days,
            product_id: self.product_id.or(later.product_id),
            provinces,
        }
    }
}

fn add_province(
    into: &mut Vec<(chrono::NaiveDate, String, u32)>,
    day: chrono::NaiveDate,
    province: &str,
    n: u32,
) {
    match into.iter_mut().find(|(d, p, _)| *d == day && p == province) {
        Some((_, _, m)) => *m += n,
        None => into.push((day, province.to_string(), n)),
    }
}

/// The day in Asia/Shanghai (UTC+8, no daylight saving) of a unix time.
pub fn china_day(at_unix: i64) -> chrono::NaiveDate {
    // 719,163 days from 0001-01-01 (CE day 1) to 1970-01-01.
    let days = (at_unix + 8 * 3600).div_euclid(86_400);
    chrono::NaiveDate::from_num_days_from_ce_opt(719_163 + days as i32).unwrap_or_default()
}

/// The limits a deployment sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanPolicy {
    /// Scans of one 一物一码 code beyond which it is suspect.
    pub max_scans: u64,
    /// Faster than this between two placed scans is impossible travel.
    pub max_speed_kmh: f64,
    /// Places closer than this never count as travel (coarse positions).
    pub min_distance_km: f64,
}

impl Default for ScanPolicy {
    fn default() -> Self {
        ScanPolicy {
            max_scans: 50,
            max_speed_kmh: 1000.0,
            min_distance_km: 50.0,
        }
    }
}

/// Why a code is suspect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// Scanned more often than one item's life explains.
    TooManyScans,
    /// Scanned in two places too far apart for the time between.
    ImpossibleTravel,
    /// Received, sold or scanned outside its distributor's region (防窜).
    Diversion,
    /// Serials never issued were scanned under a filed product: someone is
    /// printing made-up codes of it (issue 15.6; see [`crate::guessing`]).
    Guessing,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::TooManyScans => "too-many-scans",
            AlertKind::ImpossibleTravel => "impossible-travel",
            AlertKind::Diversion => "diversion",
            AlertKind::Guessing => "guessing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            AlertKind::TooManyScans,
            AlertKind::ImpossibleTravel,
            AlertKind::Diversion,
            AlertKind::Guessing,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// What the person scanning is told.
    pub fn warning(self) -> &'static str {
        match self {
            AlertKind::TooManyScans => {
                "此码被扫描的次数远超正常，可能被复制，请谨慎购买 (this code has been scanned far more often than one product explains; it may have been copied)"
            }
            AlertKind::ImpossibleTravel => {
                "此码在相距很远的两地几乎同时被扫描，可能被复制 (this code was scanned in two distant places within an impossible time; it may have been copied)"
            }
            AlertKind::Diversion => {
                "此码出现在其销售区域之外 (this code turned up outside its sales region)"
            }
            AlertKind::Guessing => {
                "此产品下有多个从未签发的序列号被扫描，可能有人在仿制此产品的追溯码 (several serials never issued were scanned under this product: its codes may be being counterfeited)"
            }
        }
    }
}

/// The alerts one more scan raises, given the code's history. Only codes
/// that name one item (`per_item`) can be over-scanned: a batch or product
/// code is printed on many items.
pub fn assess(
    before: &ScanSummary,
    at_unix: i64,
    place: Option<Place>,
    per_item: bool,
    policy: &ScanPolicy,
) -> Vec<AlertKind> {
    let mut alerts = Vec::new();
    if per_item && before.count + 1 > policy.max_scans {
        alerts.push(AlertKind::TooManyScans);
    }
    if let (true, Some(here), Some((then, there))) = (per_item, place, before.last_placed) {
        let km = here.distance_km(&there);
        let hours = ((at_unix - then).max(0) as f64 / 3600.0).max(1.0 / 3600.0);
        if km >= policy.min_distance_km && km / hours > policy.max_speed_kmh {
            alerts.push(AlertKind::ImpossibleTravel);
        }
    }
    alerts
}

#[cfg(test)]
mod tests {

    #[test]
    fn summaries_count_and_combine_in_order() {
        let here = Place {
            lat: 22.5,
            lon: 114.1,
        };
        let there = Place {
            lat: 30.3,
            lon: 120.2,
        };
        let mut stored = ScanSummary::default();
        stored.record(100, || "first".into(), Some(here));
        stored.record(200, || unreachable!("not the first scan"), None);
        assert_eq!(stored.count, 2);
        assert_eq!(stored.first_at.as_deref(), Some("first"));
        assert_eq!(stored.last_placed, Some((100, here)));
        let mut later = ScanSummary::default();
        later.record(300, || "later".into(), None);
        let both = stored.then(&later);
        assert_eq!((both.count, both.first_at.as_deref()), (3, Some("first")));
        assert_eq!(
            both.last_placed,
            Some((100, here)),
            "no place later: the stored one stays"
        );
        later.record(400, || unreachable!(), Some(there));
        assert_eq!(stored.then(&later).last_placed, Some((400, there)));
        assert_eq!(
            ScanSummary::default().then(&later).first_at.as_deref(),
            Some("later")
        );
    }

    use super::*;

    const BEIJING: Place = Place {
        lat: 39.9,
        lon: 116.4,
    };
    const GUANGZHOU: Place = Place {
        lat: 23.1,
        lon: 113.3,
    };

    #[test]
    fn distance_beijing_guangzhou_is_about_1890_km() {
        let d = BEIJING.distance_km(&GUANGZHOU);
        assert!((1850.0..1920.0).contains(&d), "{d}");
        assert_eq!(BEIJING.distance_km(&BEIJING), 0.0);
    }

    #[test]
    fn places_are_coarse_and_checked() {
        assert_eq!(
            Place::coarse(39.9042, 116.4074).unwrap(),
            Place {
                lat: 39.9,
                lon: 116.4
            }
        );
        assert!(Place::coarse(91.0, 0.0).is_err());
        assert!(Place::coarse(0.0, -181.0).is_err());
        assert!(Place::coarse(f64::NAN, 0.0).is_err());
    }

    #[test]
    fn too_many_scans_only_for_item_codes_and_only_past_the_limit() {
        let policy = ScanPolicy::default();
        let at_limit = ScanSummary {
            count: policy.max_scans - 1,
            ..Default::default()
        };
        assert!(assess(&at_limit, 0, None, true, &policy).is_empty());
        let over = ScanSummary {
            count: policy.max_scans,
            ..Default::default()
        };
        assert_eq!(
            assess(&over, 0, None, true, &policy),
            [AlertKind::TooManyScans]
        );
        assert!(assess(&over, 0, None, false, &policy).is_empty());
    }

    #[test]
    fn a_scans_day_is_its_day_in_beijing() {
        // 2026-11-01T15:59:59Z is 23:59:59 in Beijing; a second later, the 2nd.
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-01T15:59:59Z")
            .unwrap()
            .timestamp();
        assert_eq!(china_day(t).to_string(), "2026-11-01");
        assert_eq!(china_day(t + 1).to_string(), "2026-11-02");
        assert_eq!(china_day(-1).to_string(), "1970-01-01");
        let mut s = ScanSummary::default();
        s.count_day(Some(7), t + 1, Some("440305"));
        s.count_day(Some(7), t, None);
        s.count_day(None, t + 5, Some("330106"));
        assert_eq!(s.product_id, Some(7));
        let days: Vec<(String, u32)> = s.days.iter().map(|(d, n)| (d.to_string(), *n)).collect();
        assert_eq!(days, [("2026-11-01".into(), 1), ("2026-11-02".into(), 2)]);
        let both = s.then(&s);
        assert_eq!(both.days.iter().map(|(_, n)| n).sum::<u32>(), 6);
        // Where the client said it was, by province: the scan that said
        // nothing is in none.
        let named: Vec<(String, &str, u32)> = both
            .provinces
            .iter()
            .map(|(d, p, n)| (d.to_string(), p.as_str(), *n))
            .collect();
        assert_eq!(
            named,
            [
                ("2026-11-02".into(), "44", 2),
                ("2026-11-02".into(), "33", 2)
            ]
        );
    }

    #[test]
    fn impossible_travel_needs_distance_and_speed() {
        let policy = ScanPolicy::default();
        let before = ScanSummary {
            count: 1,
            first_at: None,
            last_placed: Some((0, BEIJING)),
            ..Default::default()
        };
        // Beijing → Guangzhou in ten minutes: impossible.
        assert_eq!(
            assess(&before, 600, Some(GUANGZHOU), true, &policy),
            [AlertKind::ImpossibleTravel]
        );
        // The same in a day: a plane or a train, fine.
        assert!(assess(&before, 86_400, Some(GUANGZHOU), true, &policy).is_empty());
        // Ten kilometres in a second: coarse positions, not travel.
        let near = Place::coarse(39.95, 116.45).unwrap();
        assert!(assess(&before, 1, Some(near), true, &policy).is_empty());
        // No place sent: nothing to compare.
        assert!(assess(&before, 600, None, true, &policy).is_empty());
    }
}
