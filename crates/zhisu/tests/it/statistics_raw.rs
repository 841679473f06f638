//! The statistics' raw rows, read back for recounting (issue 18.6): scans,
//! alerts, every version of batches, recalls and feedback, codes issued,
//! enterprises, sale lines and feedback's first answers, each with the
//! place it belongs to; and the summary's figures recounted from them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde_json::Value;
use zhisu_domain::verification::china_date;

use crate::support::TestApp;

/// Where a raw row belongs: enterprise, region, category.
#[derive(Clone, Debug, Default)]
pub(crate) struct At {
    pub(crate) enterprise: i64,
    pub(crate) region: String,
    pub(crate) category: String,
}

/// A record's statuses, in order: (day written, status).
pub(crate) type Steps = Vec<(NaiveDate, String)>;
/// A record's kind, place and bodies in version order.
pub(crate) type Versions = (String, At, Vec<(NaiveDate, Value)>);

/// A reader's view of the raw rows: which places it sees.
pub(crate) type Sees = Box<dyn Fn(&At) -> bool>;

pub(crate) struct Raw {
    /// (code, day, place)
    pub(crate) scans: Vec<(String, NaiveDate, At)>,
    /// (measure, day, place)
    pub(crate) alerts: Vec<(&'static str, NaiveDate, At)>,
    /// Per record of a stock kind: (kind, place, [(day, status)] in order).
    pub(crate) histories: Vec<(String, At, Steps)>,
    /// (day activated, codes, place, `level/scheme`)
    pub(crate) issued: Vec<(NaiveDate, i64, At, String)>,
    /// (day registered, place, kind)
    pub(crate) enterprises: Vec<(NaiveDate, At, String)>,
    /// Sale lines: (day of sale, quantity, the seller's place)
    pub(crate) sales: Vec<(NaiveDate, i64, At)>,
    /// Feedback's first answers: (day answered, whole hours waited, place)
    pub(crate) answers: Vec<(NaiveDate, i64, At)>,
    /// Feedback received: (day, its message's topic, place)
    pub(crate) received: Vec<(NaiveDate, String, At)>,
}

pub(crate) fn today_in_china() -> NaiveDate {
    zhisu_service::today_in_shanghai()
}

pub(crate) fn split(line: &str, n: usize) -> Vec<String> {
    line.splitn(n, '|').map(str::to_string).collect()
}

pub(crate) async fn raw(app: &TestApp) -> Raw {
    let place = |e: &str, r: &str, c: &str| At {
        enterprise: e.parse().unwrap_or(0),
        region: r.to_string(),
        category: c.to_string(),
    };
    let mut scans = Vec::new();
    for line in app
        .strings(
            "select s.code || '|' || s.at || '|' || coalesce(cast(p.enterprise_id as text), '') || '|' \
             || coalesce(p.region_code, '') || '|' || coalesce(p.tag, '') \
             from scans s left join records p on p.id = s.product_id",
        )
        .await
    {
        let f = split(&line, 5);
        scans.push((f[0].clone(), china_date(&f[1]).unwrap(), place(&f[2], &f[3], &f[4])));
    }
    let mut alerts = Vec::new();
    for line in app
        .strings(
            "select a.kind || '|' || a.at || '|' || cast(a.enterprise_id as text) || '|' || a.region_code || '|' \
             || coalesce(p.tag, '') from alerts a left join records p on p.id = a.product_id",
        )
        .await
    {
        let f = split(&line, 5);
        let measure = match f[0].as_str() {
            "diversion" => "alerts_diversion",
            "guessing" => continue,
            _ => "alerts_counterfeit",
        };
        alerts.push((measure, china_date(&f[1]).unwrap(), place(&f[2], &f[3], &f[4])));
    }
    // Products: level and category.
    let mut products: HashMap<i64, Value> = HashMap::new();
    for line in app
        .strings(
            "select cast(r.id as text) || '|' || v.body from records r \
             join record_versions v on v.record_id = r.id and v.version = r.version where r.kind = 'product'",
        )
        .await
    {
        let f = split(&line, 2);
        products.insert(f[0].parse().unwrap(), serde_json::from_str(&f[1]).unwrap());
    }
    let mut versions: HashMap<i64, Versions> = HashMap::new();
    for line in app
        .strings(
            "select cast(r.id as text) || '|' || r.kind || '|' || cast(r.enterprise_id as text) || '|' || r.region_code \
             || '|' || (case when r.kind = 'product' then coalesce(r.tag, '') else coalesce(p.tag, '') end) || '|' \
             || cast(v.version as text) || '|' || v.created_at || '|' || v.body \
             from records r join record_versions v on v.record_id = r.id left join records p on p.id = r.parent_id \
             where r.kind in ('batch', 'recall', 'feedback', 'product') order by r.id, v.version",
        )
        .await
    {
        let f = split(&line, 8);
        let entry = versions
            .entry(f[0].parse().unwrap())
            .or_insert_with(|| (f[1].clone(), place(&f[2], &f[3], &f[4]), Vec::new()));
        entry.2.push((china_date(&f[6]).unwrap(), serde_json::from_str(&f[7]).unwrap()));
    }
    let mut histories = Vec::new();
    let mut issued = Vec::new();
    // When each feedback was sent: its record's first time.
    let sent_at: HashMap<i64, String> = app
        .strings(
            "select cast(id as text) || '|' || created_at from records where kind = 'feedback'",
        )
        .await
        .iter()
        .map(|l| {
            let f = split(l, 2);
            (f[0].parse().unwrap(), f[1].clone())
        })
        .collect();
    let mut answers = Vec::new();
    let mut received = Vec::new();
    for (id, (kind, at, list)) in versions {
        if kind == "feedback" {
            let (day, first) = &list[0];
            let topic =
                zhisu_domain::statistics::topics::classify(first["message"].as_str().unwrap());
            received.push((*day, topic.to_string(), at.clone()));
        }
        let mut last: Option<String> = None;
        let mut steps = Vec::new();
        for (day, body) in list {
            // A product is filed or paused (P5.3.3.2), in its own category.
            let status = match kind.as_str() {
                "product" if body["paused"] == true => "paused".to_string(),
                "product" => "filed".to_string(),
                _ => body["status"].as_str().unwrap().to_string(),
            };
            if kind == "batch"
                && status == "active"
                && !matches!(last.as_deref(), Some("active" | "frozen"))
            {
                let product = &products[&body["product_id"].as_i64().unwrap()];
                let n = match product["trace_level"].as_str().unwrap() {
                    "per-item" | "multi-code" => body["quantity"].as_i64().unwrap(),
                    _ => 1,
                };
                let how = format!(
                    "{}/{}",
                    product["trace_level"].as_str().unwrap(),
                    product["code_scheme"].as_str().unwrap()
                );
                issued.push((day, n, at.clone(), how));
            }
            // Feedback's first answer: the hours it waited, on its day.
            if kind == "feedback" && last.as_deref() == Some("open") && status != "open" {
                let sent = chrono::DateTime::parse_from_rfc3339(&sent_at[&id]).unwrap();
                let answered =
                    chrono::DateTime::parse_from_rfc3339(body["answered_at"].as_str().unwrap())
                        .unwrap();
                answers.push((day, (answered - sent).num_hours(), at.clone()));
            }
            last = Some(status.clone());
            steps.push((day, status));
        }
        histories.push((kind, at, steps));
    }
    let mut enterprises = Vec::new();
    for line in app
        .strings(
            "select cast(id as text) || '|' || region_code || '|' || created_at || '|' || tag from records where kind = 'enterprise'",
        )
        .await
    {
        let f = split(&line, 4);
        enterprises.push((china_date(&f[2]).unwrap(), place(&f[0], &f[1], ""), f[3].clone()));
    }
    let mut sales = Vec::new();
    for line in app
        .strings(
            "select f.at || '|' || cast(f.quantity as text) || '|' || cast(f.from_id as text) || '|' || r.region_code \
             || '|' || coalesce(p.tag, '') from flow_lines f join records r on r.id = f.flow_id \
             join records b on b.id = f.batch_id left join records p on p.id = b.parent_id where f.kind = 'sale'",
        )
        .await
    {
        let f = split(&line, 5);
        sales.push((china_date(&f[0]).unwrap(), f[1].parse().unwrap(), place(&f[2], &f[3], &f[4])));
    }
    Raw {
        scans,
        alerts,
        histories,
        issued,
        enterprises,
        sales,
        answers,
        received,
    }
}

/// The summary's figures recounted from the raw rows over `from..=to`.
pub(crate) fn recount(
    raw: &Raw,
    sees: &dyn Fn(&At) -> bool,
    from: NaiveDate,
    to: NaiveDate,
) -> HashMap<&'static str, i64> {
    let inside = |d: &NaiveDate| from <= *d && *d <= to;
    let mut out = HashMap::new();
    let scans: Vec<_> = raw
        .scans
        .iter()
        .filter(|(_, d, at)| inside(d) && sees(at))
        .collect();
    out.insert("scans", scans.len() as i64);
    let codes: BTreeSet<&str> = scans.iter().map(|(c, _, _)| c.as_str()).collect();
    out.insert("codes_scanned", codes.len() as i64);
    for measure in ["alerts_counterfeit", "alerts_diversion"] {
        let n = raw
            .alerts
            .iter()
            .filter(|(m, d, at)| *m == measure && inside(d) && sees(at))
            .count();
        out.insert(measure, n as i64);
    }
    let issued: i64 = raw
        .issued
        .iter()
        .filter(|(d, _, at, _)| inside(d) && sees(at))
        .map(|(_, n, _, _)| n)
        .sum();
    out.insert("codes_issued", issued);
    let sold: i64 = raw
        .sales
        .iter()
        .filter(|(d, _, at)| inside(d) && sees(at))
        .map(|(_, n, _)| n)
        .sum();
    out.insert("sales", sold);
    let answered = raw
        .answers
        .iter()
        .filter(|(d, _, at)| inside(d) && sees(at))
        .count();
    out.insert("feedback_answered", answered as i64);
    let enterprises = raw
        .enterprises
        .iter()
        .filter(|(d, at, _)| *d <= to && sees(at))
        .count();
    out.insert("enterprises", enterprises as i64);
    for (id, kind, status) in [
        ("products", "product", "filed"),
        ("batches_active", "batch", "active"),
        ("recalls_open", "recall", "open"),
        ("feedback_open", "feedback", "open"),
    ] {
        let n = raw
            .histories
            .iter()
            .filter(|(k, at, _)| k == kind && sees(at))
            .filter(|(_, _, steps)| {
                steps
                    .iter()
                    .rfind(|(d, _)| *d <= to)
                    .map(|(_, s)| s.as_str())
                    == Some(status)
            })
            .count();
        out.insert(id, n as i64);
    }
    out
}

/// The summary's rates recounted: diversion alerts per 10,000 scans in the
/// period (the monthly 窜货率), and the share of the codes issued up to
/// its end that were scanned up to its end (None with nothing to divide
/// by).
pub(crate) fn recount_rates(
    raw: &Raw,
    sees: &dyn Fn(&At) -> bool,
    from: NaiveDate,
    to: NaiveDate,
) -> [(&'static str, Option<f64>); 4] {
    let counts = recount(raw, sees, from, to);
    let diversion = (counts["scans"] > 0)
        .then(|| counts["alerts_diversion"] as f64 * 10_000.0 / counts["scans"] as f64);
    let ever: BTreeSet<&str> = raw
        .scans
        .iter()
        .filter(|(_, d, at)| *d <= to && sees(at))
        .map(|(c, _, _)| c.as_str())
        .collect();
    let issued: i64 = raw
        .issued
        .iter()
        .filter(|(d, _, at, _)| *d <= to && sees(at))
        .map(|(_, n, _, _)| n)
        .sum();
    let first_scan = (issued > 0).then(|| ever.len() as f64 / issued as f64);
    // The median of the whole hours the period's first answers waited.
    let mut hours: Vec<i64> = raw
        .answers
        .iter()
        .filter(|(d, _, at)| from <= *d && *d <= to && sees(at))
        .map(|(_, h, _)| *h)
        .collect();
    hours.sort_unstable();
    let median = (!hours.is_empty()).then(|| {
        let n = hours.len();
        (hours[(n - 1) / 2] + hours[n / 2]) as f64 / 2.0
    });
    // Of the batches approved by the end, those put to use by then.
    let status_at_end = |k: &str| {
        raw.histories
            .iter()
            .filter(|(kind, at, _)| kind == "batch" && sees(at))
            .filter_map(|(_, _, steps)| steps.iter().rfind(|(d, _)| *d <= to))
            .filter(|(_, s)| s == k)
            .count() as i64
    };
    let used = status_at_end("active") + status_at_end("frozen");
    let approved = status_at_end("approved");
    let activation = (used + approved > 0).then(|| used as f64 / (used + approved) as f64);
    [
        ("diversion_rate", diversion),
        ("first_scan_rate", first_scan),
        ("feedback_answer_hours", median),
        ("activation_rate", activation),
    ]
}

/// A deterministic stream of numbers (no crate needed for a test's dice).
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// An indicator's composition recounted: by category, the recount over
/// each category's places; batches by status at the end; codes issued in
/// the period by level or scheme; enterprises by kind at the end. Parts
/// that are nothing left out, as the API leaves them.
pub(crate) fn recount_parts(
    raw: &Raw,
    sees: &dyn Fn(&At) -> bool,
    indicator: &str,
    by: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    match by {
        "category" => {
            let categories: BTreeSet<String> = raw
                .scans
                .iter()
                .map(|(_, _, at)| at.category.clone())
                .collect();
            for c in categories {
                let n = recount(raw, &|a: &At| sees(a) && a.category == c, from, to)[indicator];
                out.insert(c, n);
            }
        }
        "status" => {
            for (_, _, steps) in raw
                .histories
                .iter()
                .filter(|(k, at, _)| k == "batch" && sees(at))
            {
                if let Some((_, status)) = steps.iter().rfind(|(d, _)| *d <= to) {
                    *out.entry(status.clone()).or_default() += 1;
                }
            }
        }
        "level" | "scheme" => {
            for (_, n, _, how) in raw
                .issued
                .iter()
                .filter(|(d, _, at, _)| from <= *d && *d <= to && sees(at))
            {
                let (level, scheme) = how.split_once('/').unwrap();
                let part = if by == "level" { level } else { scheme };
                *out.entry(part.to_string()).or_default() += n;
            }
        }
        "topic" => {
            for (_, topic, _) in raw
                .received
                .iter()
                .filter(|(d, _, at)| from <= *d && *d <= to && sees(at))
            {
                *out.entry(topic.clone()).or_default() += 1;
            }
        }
        "enterprise_kind" => {
            for (_, _, kind) in raw
                .enterprises
                .iter()
                .filter(|(d, at, _)| *d <= to && sees(at))
            {
                *out.entry(kind.clone()).or_default() += 1;
            }
        }
        _ => panic!("no recount by {by}"),
    }
    out.retain(|_, n| *n != 0);
    out
}
