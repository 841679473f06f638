//! Statistics rollups (issue 18, "Speed"; 18.6): on both engines, every
//! summary indicator and a series the API answers from the rollups equal
//! the same figures recounted here from the raw rows (scans, alerts, every
//! version of batches, recalls and feedback, sale lines), for readers of every kind
//! and for periods before, across and at the end of generated data; and
//! bad periods, indicators and places are refused naming the field.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use zhisu_domain::scan::AlertKind;
use zhisu_domain::verification::china_date;
use zhisu_domain::Role;
use zhisu_store::{Alert, NewScan};

use crate::scan::active_batch_of;
use crate::store::open_store;
use crate::support::{gas_stove_json, EngineKind, TestApp};

/// Where a raw row belongs: enterprise, region, category.
#[derive(Clone, Debug, Default)]
struct At {
    enterprise: i64,
    region: String,
    category: String,
}

/// A record's statuses, in order: (day written, status).
type Steps = Vec<(NaiveDate, String)>;
/// A record's kind, place and bodies in version order.
type Versions = (String, At, Vec<(NaiveDate, Value)>);

/// A reader's view of the raw rows: which places it sees.
type Sees = Box<dyn Fn(&At) -> bool>;

struct Raw {
    /// (code, day, place)
    scans: Vec<(String, NaiveDate, At)>,
    /// (measure, day, place)
    alerts: Vec<(&'static str, NaiveDate, At)>,
    /// Per record of a stock kind: (kind, place, [(day, status)] in order).
    histories: Vec<(String, At, Steps)>,
    /// (day activated, codes, place)
    issued: Vec<(NaiveDate, i64, At)>,
    /// (day registered, place)
    enterprises: Vec<(NaiveDate, At)>,
    /// Sale lines: (day of sale, quantity, the seller's place)
    sales: Vec<(NaiveDate, i64, At)>,
    /// Feedback's first answers: (day answered, whole hours waited, place)
    answers: Vec<(NaiveDate, i64, At)>,
}

fn today_in_china() -> NaiveDate {
    zhisu_service::today_in_shanghai()
}

fn split(line: &str, n: usize) -> Vec<String> {
    line.splitn(n, '|').map(str::to_string).collect()
}

async fn raw(app: &TestApp) -> Raw {
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
             || '|' || coalesce(p.tag, '') || '|' || cast(v.version as text) || '|' || v.created_at || '|' || v.body \
             from records r join record_versions v on v.record_id = r.id left join records p on p.id = r.parent_id \
             where r.kind in ('batch', 'recall', 'feedback') order by r.id, v.version",
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
    for (id, (kind, at, list)) in versions {
        let mut last: Option<String> = None;
        let mut steps = Vec::new();
        for (day, body) in list {
            let status = body["status"].as_str().unwrap().to_string();
            if kind == "batch"
                && status == "active"
                && !matches!(last.as_deref(), Some("active" | "frozen"))
            {
                let product = &products[&body["product_id"].as_i64().unwrap()];
                let n = match product["trace_level"].as_str().unwrap() {
                    "per-item" | "multi-code" => body["quantity"].as_i64().unwrap(),
                    _ => 1,
                };
                issued.push((day, n, at.clone()));
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
            "select cast(id as text) || '|' || region_code || '|' || created_at from records where kind = 'enterprise'",
        )
        .await
    {
        let f = split(&line, 3);
        enterprises.push((china_date(&f[2]).unwrap(), place(&f[0], &f[1], "")));
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
    }
}

/// The summary's figures recounted from the raw rows over `from..=to`.
fn recount(raw: &Raw, sees: &Sees, from: NaiveDate, to: NaiveDate) -> HashMap<&'static str, i64> {
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
        .filter(|(d, _, at)| inside(d) && sees(at))
        .map(|(_, n, _)| n)
        .sum();
    out.insert("codes_issued", issued);
    let sold: i64 = raw
        .sales
        .iter()
        .filter(|(d, _, at)| inside(d) && sees(at))
        .map(|(_, n, _)| n)
        .sum();
    out.insert("sales", sold);
    let enterprises = raw
        .enterprises
        .iter()
        .filter(|(d, at)| *d <= to && sees(at))
        .count();
    out.insert("enterprises", enterprises as i64);
    for (id, kind, status) in [
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
fn recount_rates(
    raw: &Raw,
    sees: &Sees,
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
        .filter(|(d, _, at)| *d <= to && sees(at))
        .map(|(_, n, _)| n)
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
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn figure(summary: &Value, id: &str, which: &str) -> i64 {
    let f = summary["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == id)
        .unwrap_or_else(|| panic!("{id} missing: {summary}"));
    f[which]
        .as_f64()
        .unwrap_or_else(|| panic!("{id}.{which}: {f}")) as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_summary_indicator_equals_its_recount_from_the_raw_rows() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let sz = app.key(Role::Regulator, None, &["440300"]).await;
        let (m1, k1) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (m2, k2) = app.enterprise(&admin, "manufacturer", "440106").await;
        let (_m3, k3) = app.enterprise(&admin, "manufacturer", "110101").await;

        let mut codes = Vec::new();
        let mut batches = Vec::new();
        for (i, key) in [&k1, &k1, &k2, &k3].into_iter().enumerate() {
            let mut product = gas_stove_json(&format!("ST-{i}"));
            if i == 1 {
                product["trace_level"] = json!("per-batch");
            }
            let (batch, _, mine) = active_batch_of(&app, key, product, 910 + i as u32).await;
            batches.push(batch);
            codes.extend(mine);
        }
        // A batch filed and submitted, never activated.
        let (_, product) = app.get(&k2, "/api/v1/products?limit=1").await;
        let product_id = product["items"][0]["id"].as_i64().unwrap();
        let (_, report) = app.upload(&k2, "report.pdf", crate::support::pdf()).await;
        let (status, waiting) = app
            .post(&k2, "/api/v1/batches", &json!({"product_id": product_id, "batch_no": "ST-WAIT", "production_date": "2026-11-01",
                "quantity": 3, "inspection_report": report["sha256"]}))
            .await;
        assert_eq!(status, 201, "{engine}: {waiting}");
        let waiting = waiting["id"].as_i64().unwrap();
        app.post(
            &k2,
            &format!("/api/v1/batches/{waiting}/submit"),
            &json!({}),
        )
        .await;
        // A recall by the province, and a consumer's feedback.
        let (_, batch_view) = app
            .get(&k1, &format!("/api/v1/batches/{}", batches[0]))
            .await;
        let (status, recall) = app
            .post(&gd, "/api/v1/recalls", &json!({"product_id": batch_view["product_id"], "batch_ids": [batches[0]], "reason": "绝缘层厚度不合格"}))
            .await;
        assert_eq!(status, 201, "{engine}: {recall}");
        let r = app
            .client
            .post(app.url("/api/v1/feedback"))
            .json(&json!({"code": codes[10], "message": "点火后火焰发黄"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{engine}");

        // Feedback answered 0, 5 and 30 hours after it was sent (its
        // record's time set back, as if sent then), one left open.
        for (i, hours) in [(6, 0i64), (7, 5), (8, 30)] {
            let r = app
                .client
                .post(app.url("/api/v1/feedback"))
                .json(&json!({"code": codes[i], "message": "包装破损"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{engine}");
            let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            if hours > 0 {
                let sent = (Utc::now() - Duration::hours(hours) - Duration::minutes(10))
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                app.execute_raw(&format!(
                    "update records set created_at = '{sent}' where id = {id}"
                ))
                .await
                .unwrap();
            }
            let (status, answered) = app
                .post(
                    &k2,
                    &format!("/api/v1/feedback/{id}/answer"),
                    &json!({"answer": "已安排更换"}),
                )
                .await;
            assert_eq!(status, 200, "{engine}: {answered}");
        }

        // Sales over two months: the maker of 440106 sells to a seller on
        // the platform and to a buyer off it, on days of the periods read.
        let (shop, _) = app.enterprise(&admin, "seller", "110101").await;
        for (i, days_ago) in [(6, 0), (7, 9), (8, 30), (9, 45)] {
            let at = (today_in_china() - Duration::days(days_ago)).to_string();
            let body = if i % 2 == 0 {
                json!({"kind": "sale", "at": at, "counterparty_id": shop, "lines": crate::support::flow_lines(&codes[i..i + 1])})
            } else {
                json!({"kind": "sale", "at": at, "counterparty_name": "个体户王五", "counterparty_address": "广州市天河区",
                    "counterparty_contact": "13800000000", "lines": crate::support::flow_lines(&codes[i..i + 1])})
            };
            let (status, flow) = app.post(&k2, "/api/v1/flows", &body).await;
            assert_eq!(status, 201, "{engine}: {flow}");
        }

        // Scans over six weeks, in time order as a server logs them, of
        // known and unknown codes; alerts among them.
        let store = open_store(&app).await;
        let now = Utc::now();
        let mut dice = Dice(7);
        let mut times: Vec<_> = (0..600)
            .map(|_| now - Duration::minutes(dice.next(42 * 24 * 60) as i64))
            .collect();
        times.sort();
        let mut scans = Vec::new();
        let mut alerts = Vec::new();
        let known = app
            .strings("select cast(id as text) || '|' || cast(parent_id as text) || '|' || cast(enterprise_id as text) || '|' || region_code from records where kind = 'batch' order by id")
            .await;
        let batch_place: HashMap<i64, (i64, i64, String)> = known
            .iter()
            .map(|l| {
                let f = split(l, 4);
                (
                    f[0].parse().unwrap(),
                    (f[1].parse().unwrap(), f[2].parse().unwrap(), f[3].clone()),
                )
            })
            .collect();
        for at in times {
            let unknown = dice.next(10) == 0;
            let (code, product_id, batch_id) = if unknown {
                (
                    format!("/01/06970000000000/21/X{}", dice.next(30)),
                    None,
                    None,
                )
            } else {
                let i = dice.next(codes.len() as u64) as usize;
                let batch = batches[i / 5];
                (codes[i].clone(), Some(batch_place[&batch].0), Some(batch))
            };
            if let (Some(batch), 0) = (batch_id, dice.next(25)) {
                let (product, enterprise, region) = batch_place[&batch].clone();
                let kind = [
                    AlertKind::TooManyScans,
                    AlertKind::Diversion,
                    AlertKind::Guessing,
                ][dice.next(3) as usize];
                alerts.push(Alert {
                    id: 0,
                    kind,
                    code: code.clone(),
                    product_id: Some(product),
                    batch_id: Some(batch),
                    enterprise_id: enterprise,
                    region_code: region,
                    at: at.to_rfc3339(),
                    detail: "generated".into(),
                    reached_region: None,
                    distributor_id: None,
                });
            }
            scans.push(NewScan {
                code,
                product_id,
                batch_id,
                at,
                place: None,
                client: "api".into(),
            });
        }
        for (chunk, raised) in scans
            .chunks(150)
            .zip(alerts.chunks(alerts.len().div_ceil(4)))
        {
            store.record_scans(chunk, raised, None).await.unwrap();
        }
        assert!(
            app.service.fold_leftover_scans().await.unwrap() >= 600,
            "{engine}"
        );

        let raw = raw(&app).await;
        let today = zhisu_service::today_in_shanghai();
        let readers: Vec<(&str, &str, String, Sees)> = vec![
            ("admin", &admin, String::new(), Box::new(|_: &At| true)),
            (
                "gd",
                &gd,
                String::new(),
                Box::new(|a: &At| a.region.starts_with("44")),
            ),
            (
                "gd/shenzhen",
                &gd,
                "&region=440300".into(),
                Box::new(|a: &At| a.region.starts_with("4403")),
            ),
            (
                "sz/province",
                &sz,
                "&region=440000".into(),
                Box::new(|a: &At| a.region.starts_with("4403")),
            ),
            (
                "admin/category",
                &admin,
                "&category=gas-appliance".into(),
                Box::new(|a: &At| a.category == "gas-appliance"),
            ),
            (
                "maker",
                &k1,
                String::new(),
                Box::new(move |a: &At| a.enterprise == m1),
            ),
            (
                "gd/enterprise",
                &gd,
                format!("&enterprise_id={m2}"),
                Box::new(move |a: &At| a.enterprise == m2),
            ),
        ];
        let periods = [
            (today - Duration::days(41), today),
            (today - Duration::days(10), today - Duration::days(3)),
            (today, today),
            (today - Duration::days(90), today - Duration::days(50)),
        ];
        for (who, key, filter, sees) in &readers {
            for (from, to) in periods {
                let (status, summary) = app
                    .get(
                        key,
                        &format!("/api/v1/statistics/summary?from={from}&to={to}{filter}"),
                    )
                    .await;
                assert_eq!(status, 200, "{engine} {who}: {summary}");
                let prev_to = from - Duration::days(1);
                let prev_from = prev_to - (to - from);
                let now_counts = recount(&raw, sees, from, to);
                let before = recount(&raw, sees, prev_from, prev_to);
                for (id, want) in recount_rates(&raw, sees, from, to) {
                    let got = summary["figures"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|f| f["indicator"] == id)
                        .unwrap_or_else(|| panic!("{id} missing: {summary}"))["value"]
                        .as_f64();
                    match (got, want) {
                        (Some(g), Some(w)) => assert!(
                            (g - w).abs() < 1e-9,
                            "{engine} {who} {from}..{to} {id}: {g} against {w}"
                        ),
                        (g, w) => assert_eq!(g, w, "{engine} {who} {from}..{to} {id}"),
                    }
                }
                for (id, want) in &now_counts {
                    assert_eq!(
                        figure(&summary, id, "value"),
                        *want,
                        "{engine} {who} {from}..{to} {id}"
                    );
                    assert_eq!(
                        figure(&summary, id, "previous"),
                        before[id],
                        "{engine} {who} {prev_from}..{prev_to} {id} (previous)"
                    );
                }
            }
        }
        // Something was counted, or the equalities above prove little.
        let all = recount(&raw, &readers[0].3, today - Duration::days(41), today);
        for id in [
            "scans",
            "codes_scanned",
            "alerts_counterfeit",
            "alerts_diversion",
            "codes_issued",
            "batches_active",
            "recalls_open",
            "feedback_open",
            "enterprises",
            "sales",
        ] {
            assert!(all[id] > 0, "{engine}: nothing generated for {id}");
        }
        assert_eq!(
            recount_rates(&raw, &readers[0].3, today - Duration::days(41), today)[2],
            ("feedback_answer_hours", Some(5.0)),
            "{engine}: answers after 0, 5 and 30 hours"
        );
        let activation = recount_rates(&raw, &readers[0].3, today - Duration::days(41), today)[3].1;
        assert!(
            activation.is_some_and(|r| 0.0 < r && r < 1.0),
            "{engine}: a batch approved and not yet activated: {activation:?}"
        );

        // Where: each region one level down recounted, and none left out.
        let (from, to) = (today - Duration::days(41), today);
        // (Scans of codes no product holds are in no region.)
        let placed: Sees = Box::new(|a: &At| !a.region.is_empty());
        for (who, key, filter, digits, whole) in [
            ("admin", &admin, "", 2, &placed),
            ("gd", &gd, "", 4, &readers[1].3),
            ("gd/shenzhen", &gd, "&region=440300", 6, &readers[2].3),
        ] {
            for id in ["scans", "codes_scanned", "batches_active", "sales"] {
                let (status, b) = app
                    .get(key, &format!("/api/v1/statistics/breakdown?indicator={id}&from={from}&to={to}{filter}"))
                    .await;
                assert_eq!(status, 200, "{engine} {who}: {b}");
                let mut total = 0;
                for r in b["regions"].as_array().unwrap() {
                    let code = r["region_code"].as_str().unwrap().to_string();
                    let prefix = code[..digits].to_string();
                    let sees: Sees = Box::new(move |a: &At| a.region.starts_with(&prefix));
                    let want = recount(&raw, &sees, from, to)[id];
                    let got = r["value"].as_f64().unwrap() as i64;
                    assert_eq!(got, want, "{engine} {who} {id} {code}");
                    total += got;
                }
                assert_eq!(
                    total,
                    recount(&raw, whole, from, to)[id],
                    "{engine} {who} {id}: every region listed"
                );
            }
        }
        let (status, _) = app
            .get(&k1, "/api/v1/statistics/breakdown?indicator=scans")
            .await;
        assert_eq!(
            status, 403,
            "{engine}: a manufacturer's figures have no regions"
        );

        // A series by week: each point recounted over its own days.
        let (from, to) = (today - Duration::days(41), today);
        let (status, series) = app
            .get(
                &gd,
                &format!(
                    "/api/v1/statistics/series?indicator=codes_scanned&by=week&from={from}&to={to}"
                ),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {series}");
        let points = series["points"].as_array().unwrap();
        assert!(points.len() >= 6, "{series}");
        for p in points {
            let (f, t) = (
                p["from"].as_str().unwrap().parse().unwrap(),
                p["to"].as_str().unwrap().parse().unwrap(),
            );
            let want = recount(&raw, &readers[1].3, f, t)["codes_scanned"];
            assert_eq!(
                p["value"].as_f64().unwrap() as i64,
                want,
                "{engine} week {f}..{t}"
            );
        }
        assert_eq!(points[0]["from"], from.to_string());
        assert_eq!(points.last().unwrap()["to"], to.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_periods_indicators_and_places_are_refused_naming_the_field() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let sz = app.key(Role::Regulator, None, &["440300"]).await;
    let (other, _) = app.enterprise(&admin, "manufacturer", "110101").await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let before = app.counts().await;
    let summary = "/api/v1/statistics/summary";
    let series = "/api/v1/statistics/series?indicator=scans";
    for (key, path, status, field) in [
        (
            &sz,
            format!("{summary}?from=2026-12-01&to=2026-11-01"),
            422,
            "from",
        ),
        (
            &sz,
            format!("{summary}?from=2026-11-31&to=2026-12-01"),
            422,
            "from",
        ),
        (
            &sz,
            format!("{summary}?from=2026-11-01&to=12/01/2026"),
            422,
            "to",
        ),
        (
            &sz,
            format!("{summary}?from=2010-01-01&to=2026-01-01"),
            422,
            "to",
        ),
        (&sz, format!("{summary}?from=2026-11-01"), 422, "to"),
        (&sz, format!("{summary}?region=44"), 422, "region"),
        (
            &sz,
            "/api/v1/statistics/series?indicator=nope".to_string(),
            422,
            "indicator",
        ),
        (
            &sz,
            "/api/v1/statistics/series?indicator=products".to_string(),
            422,
            "indicator",
        ),
        (&sz, format!("{series}&by=year"), 422, "by"),
        (&sz, format!("{series}&k=0"), 422, "k"),
    ] {
        let (got, problem) = app.get(key, &path).await;
        assert_eq!(got, status, "{path}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{problem}"
        );
    }
    // Places one may not read are not found, as any record one cannot see.
    for (key, path) in [
        (&sz, format!("{summary}?region=110000")),
        (&sz, format!("{summary}?region=440100")),
        (&sz, format!("{summary}?enterprise_id={other}")),
        (&maker, format!("{summary}?enterprise_id={other}")),
        (&sz, format!("{summary}?enterprise_id=999999")),
    ] {
        let (got, problem) = app.get(key, &path).await;
        assert_eq!(got, 404, "{path}: {problem}");
    }
    // An unknown parameter is a malformed request; without a key, 401.
    let (got, problem) = app.get(&sz, &format!("{summary}?form=2026-11-01")).await;
    assert_eq!(got, 400, "{problem}");
    let r = app.client.get(app.url(summary)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        app.counts().await,
        before,
        "reading statistics changes nothing"
    );
    // The default period: the 30 days to today, compared with the 30 before.
    let (got, s) = app.get(&sz, summary).await;
    assert_eq!(got, 200, "{s}");
    assert_eq!(
        s["period"]["to"],
        zhisu_service::today_in_shanghai().to_string()
    );
    assert_eq!(
        s["figures"].as_array().unwrap().len(),
        zhisu_domain::statistics::Indicator::SUMMARY.len(),
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_takes_the_stock_along_and_leaves_the_flows_where_they_happened() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let (batch, _, codes) = active_batch_of(&app, &maker, gas_stove_json("MOVE-1"), 930).await;
        let (_, view) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
        let product_id = view["product_id"].as_i64().unwrap();
        // Scanned by the public, through the server's scan log and its fold.
        for code in &codes {
            let (status, view) = crate::scan::scan_json(&app, code, "").await;
            assert_eq!(status, 200, "{engine}: {view}");
        }
        app.service.flush_scans().await;
        let figures = |query: String| {
            let (app, gd) = (&app, &gd);
            async move {
                let (status, s) = app
                    .get(gd, &format!("/api/v1/statistics/summary?{query}"))
                    .await;
                assert_eq!(status, 200, "{s}");
                (
                    figure(&s, "batches_active", "value"),
                    figure(&s, "scans", "value"),
                )
            }
        };
        assert_eq!(figures("region=440300".into()).await, (1, 5), "{engine}");
        assert_eq!(figures("region=440100".into()).await, (0, 0), "{engine}");

        // The maker moves to Guangzhou: its active batch is overseen there
        // from now on; the scans stay where they happened.
        let (status, moved) = app
            .patch(
                &admin,
                &format!("/api/v1/enterprises/{maker_id}"),
                &json!({"region_code": "440106"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {moved}");
        assert_eq!(figures("region=440300".into()).await, (0, 5), "{engine}");
        assert_eq!(figures("region=440100".into()).await, (1, 0), "{engine}");
        assert_eq!(
            figures(String::new()).await,
            (1, 5),
            "{engine}: the province's totals keep"
        );

        // The product changes category: its batch goes along.
        let (status, changed) = app
            .patch(
                &maker,
                &format!("/api/v1/products/{product_id}"),
                &json!({"category": "e-bike"}),
            )
            .await;
        assert_eq!(status, 200, "{engine}: {changed}");
        assert_eq!(
            figures("category=gas-appliance".into()).await,
            (0, 5),
            "{engine}"
        );
        assert_eq!(figures("category=e-bike".into()).await, (1, 0), "{engine}");
    }
}
