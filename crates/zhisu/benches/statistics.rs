//! Statistics benchmark (issue 18, "Speed"), run by
//! `bash scripts/bench-statistics.sh`: on the SQLite default with
//! 10,000,000 scans over a year, 1,000,000 flow lines and 100,000
//! products (10,000 enterprises, 200,000 batches, feedback and recalls),
//! written straight into a real file, a summary answers from the rollups in
//! under 100 ms at the 95th percentile, against the same figures computed
//! by a direct `group by` over the raw tables in the same run (and checked
//! equal to them).
//!
//! The rollups of records and alerts are seeded by migration 0028's own
//! statements (as an upgraded deployment's are); the scans are added by the
//! fold of the scans into their codes' summaries through the service (as
//! a server folds what a stopped one left), timed (scans per second).
//!
//! Each view's 销售去向 (P6.7: sales by the buyer's province and buyer)
//! is timed beside it, its total checked against the summary's sales.
//!
//! Then the monthly report (issue 18.5): last month's PDF and XLSX for the
//! platform and for a province, each under 5 s, beside the month's summary
//! figures by the direct `group by` in the same run.
//!
//! Usage: statistics [SCANS] [PRODUCTS]

mod common;
use common::open;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone};
use sqlx::Connection;
use zhisu_codes::RegionCode;
use zhisu_domain::{Principal, Role};
use zhisu_service::{ReportRequest, StatRequest};

const CATEGORIES: [&str; 5] = [
    "gas-appliance",
    "wire-cable",
    "e-bike",
    "children-product",
    "pressure-cooker",
];

/// Districts: most in Guangdong (four cities), the rest in Zhejiang and
/// Beijing.
const REGIONS: [&str; 10] = [
    "440305", "440306", "440303", "440106", "440104", "440604", "441302", "330106", "330203",
    "110101",
];

/// A view measured: its name, who reads it, the region asked for, and the
/// raw query's filter (a region prefix, an enterprise).
type View<'a> = (
    &'a str,
    Principal,
    Option<&'a str>,
    Option<&'a str>,
    Option<i64>,
);

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Everything written straight into the file with SQL (generated rows),
/// records filed 400 days ago so the stocks stand all year.
async fn seed(url: &str, scans: i64, products: i64) {
    let enterprises = products / 10;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    for pragma in ["pragma synchronous = off", "pragma foreign_keys = off"] {
        sqlx::query(pragma).execute(&mut c).await.unwrap();
    }
    let regions = REGIONS
        .iter()
        .enumerate()
        .map(|(i, r)| format!("select {i} as i, '{r}' as r"))
        .collect::<Vec<_>>()
        .join(" union all ");
    let categories = CATEGORIES
        .iter()
        .enumerate()
        .map(|(i, c)| format!("select {i} as i, '{c}' as c"))
        .collect::<Vec<_>>()
        .join(" union all ");
    let filed = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-400 days')";
    let uniform = "(((i * 2654435761) % 1000003) / 1000003.0)";
    let skew = if std::env::var("SKEW").as_deref() == Ok("0") {
        uniform.to_string()
    } else {
        format!("{uniform} * {uniform} * {uniform}")
    };
    // Record ids: enterprises 1..E, products E+1..E+P, batches after them
    // (two per product), then feedback and recalls.
    let statements = vec![
        format!(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < {enterprises}) \
             insert into records (id, kind, enterprise_id, name, region_code, tag, version, created_at, updated_at, updated_by) \
             select i, 'enterprise', i, 'E' || i, (select r from ({regions}) where i = n.i % 10), 'manufacturer', 1, {filed}, {filed}, 'bench' from n"
        ),
        format!(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < {products}) \
             insert into records (id, kind, enterprise_id, name, region_code, tag, version, created_at, updated_at, updated_by) \
             select {enterprises} + i, 'product', 1 + (i - 1) / 10, 'P' || i, \
             (select region_code from records where id = 1 + (n.i - 1) / 10), (select c from ({categories}) where i = n.i % 5), 1, {filed}, {filed}, 'bench' from n"
        ),
        format!(
            "insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) \
             select id, 1, 'product', '{{\"code_scheme\":\"gs1\",\"trace_level\":\"per-item\"}}', created_at, 'bench', -id from records where kind = 'product'"
        ),
        format!(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < {products} * 2) \
             insert into records (id, kind, enterprise_id, parent_id, name, region_code, tag, version, created_at, updated_at, updated_by) \
             select {enterprises} + {products} + i, 'batch', p.enterprise_id, p.id, 'B' || i, p.region_code, \
             case when i % 20 = 0 then 'frozen' when i % 20 = 1 then 'approved' else 'active' end, 1, {filed}, {filed}, 'bench' \
             from n join records p on p.id = {enterprises} + 1 + (n.i - 1) / 2"
        ),
        "insert into record_versions (record_id, version, kind, body, created_at, created_by, leaf_index) \
         select id, 1, 'batch', '{\"quantity\":100,\"status\":\"' || tag || '\"}', created_at, 'bench', -id from records where kind = 'batch'"
            .to_string(),
        format!(
            "insert into records (kind, enterprise_id, parent_id, name, region_code, tag, version, created_at, updated_at, updated_by) \
             select 'feedback', enterprise_id, id, 'F', region_code, case when id % 3 = 0 then 'answered' else 'open' end, 1, {filed}, {filed}, 'bench' \
             from records where kind = 'product' and id % 5 = 0"
        ),
        format!(
            "insert into records (kind, enterprise_id, parent_id, name, region_code, tag, version, created_at, updated_at, updated_by) \
             select 'recall', enterprise_id, id, 'R', region_code, case when id % 2 = 0 then 'closed' else 'open' end, 1, {filed}, {filed}, 'bench' \
             from records where kind = 'product' and id % 500 = 0"
        ),
        // Scans in time order over the year to now, 50 codes per product;
        // popular products scanned more (u³ of a uniform u: an eighth of
        // the products takes half the scans), or all alike with SKEW=0.
        format!(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < {scans}) \
             insert into scans (id, code, product_id, batch_id, at, client) \
             select i, '/01/' || printf('%014d', p) || '/21/S' || ((i * 31) % 50), p, {enterprises} + {products} + 2 * (p - {enterprises}), \
             strftime('%Y-%m-%dT%H:%M:%fZ', julianday('now', '-365 days') + i * 365.0 / {scans}), 'api' \
             from (select i, {enterprises} + 1 + cast({products} * {skew} as integer) as p from n)"
        ),
        "insert or ignore into alerts (kind, code, product_id, batch_id, enterprise_id, region_code, at, detail) \
         select case when s.id % 1000 = 0 then 'diversion' else 'too-many-scans' end, s.code, s.product_id, s.batch_id, \
         p.enterprise_id, p.region_code, s.at, 'bench' from scans s join records p on p.id = s.product_id where s.id % 500 = 0"
            .to_string(),
        format!(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000000) \
             insert into flow_lines (flow_id, kind, from_id, to_id, code, batch_id, quantity, at) \
             select {enterprises} + 1 + i % {products}, 'sale', 1 + (i % {products}) / 10, 1 + (i + 1) % {enterprises}, \
             '/01/' || printf('%014d', {enterprises} + 1 + i % {products}) || '/21/S' || (i % 50), \
             {enterprises} + {products} + 1 + 2 * (i % {products}), 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i % 365) || ' days') from n"
        ),
    ];
    for sql in statements {
        let t = Instant::now();
        let done = sqlx::query(&sql).execute(&mut c).await.unwrap();
        println!(
            "seed | {:>9} rows in {:>5.1} s | {}",
            done.rows_affected(),
            t.elapsed().as_secs_f64(),
            sql.split_whitespace().take(8).collect::<Vec<_>>().join(" ")
        );
    }
    // The rollups of the records and alerts: migration 0028's seeding, as
    // an upgraded deployment gets them.
    let migration = include_str!("../../zhisu-store-sql/migrations/sqlite/0028_statistics.sql");
    let seeding = &migration[migration
        .find("create temporary table stat_code_days")
        .unwrap()..];
    let t = Instant::now();
    sqlx::raw_sql(seeding).execute(&mut c).await.unwrap();
    println!(
        "seed | rollups of records and alerts (migration 0028's statements) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // Sales: migration 0031's seeding, then 0034's rewriting of it (by
    // the buyer's province; by buyer per enterprise only), as an upgraded
    // deployment gets them.
    let migration = include_str!("../../zhisu-store-sql/migrations/sqlite/0031_market.sql");
    let mut seeding =
        migration[migration.find("create temporary table stat_seed").unwrap()..].to_string();
    seeding.push_str(include_str!(
        "../../zhisu-store-sql/migrations/sqlite/0034_sales_by_province.sql"
    ));
    let t = Instant::now();
    sqlx::raw_sql(&seeding).execute(&mut c).await.unwrap();
    println!(
        "seed | rollups of sales (migrations 0031's and 0034's statements) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // Products: migration 0036's seeding.
    let t = Instant::now();
    sqlx::raw_sql(include_str!(
        "../../zhisu-store-sql/migrations/sqlite/0036_products.sql"
    ))
    .execute(&mut c)
    .await
    .unwrap();
    println!(
        "seed | rollups of products (migration 0036's statements) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    sqlx::query("pragma wal_checkpoint(truncate)")
        .execute(&mut c)
        .await
        .unwrap();
}

/// The UTC bounds of Beijing days `from..=to`, as stored times compare.
fn utc_bounds(from: NaiveDate, to: NaiveDate) -> (String, String) {
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let at = |d: NaiveDate| {
        china
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    };
    (at(from), at(to + chrono::Duration::days(1)))
}

/// The summary's figures by a direct `group by` over the raw tables (the
/// records were all filed before the year, so a stock is today's count).
async fn direct(
    c: &mut sqlx::SqliteConnection,
    region: Option<&str>,
    enterprise: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(String, i64)> {
    let (lo, hi) = utc_bounds(from, to);
    let place = match (region, enterprise) {
        (_, Some(e)) => format!("p.enterprise_id = {e}"),
        (Some(r), None) => format!("p.region_code like '{r}%'"),
        (None, None) => "1 = 1".into(),
    };
    let (scans, codes): (i64, i64) = sqlx::query_as(&format!(
        "select count(*), count(distinct s.code) from scans s join records p on p.id = s.product_id \
         where s.at >= $1 and s.at < $2 and {place}"
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    let (counterfeit, diversion): (Option<i64>, Option<i64>) = sqlx::query_as(&format!(
        "select sum(a.kind in ('too-many-scans', 'impossible-travel')), sum(a.kind = 'diversion') \
         from alerts a join records p on p.id = a.product_id where a.at >= $1 and a.at < $2 and {place}"
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    // A sale line's flow is its product here (the seed's stand-in for a
    // flow record: the seller's region), its seller the product's maker.
    let sold: Option<i64> = sqlx::query_scalar(&format!(
        "select sum(f.quantity) from flow_lines f join records p on p.id = f.flow_id \
         where f.kind = 'sale' and f.at >= $1 and f.at < $2 and {place}"
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    let stock = |kind: &str, tag: &str| {
        format!("select count(*) from records p where p.kind = '{kind}' and p.tag = '{tag}' and {place}")
    };
    let mut out = vec![
        ("codes_issued".to_string(), 0),
        ("scans".to_string(), scans),
        ("codes_scanned".to_string(), codes),
    ];
    for (id, kind, tag) in [
        ("batches_active", "batch", "active"),
        ("recalls_open", "recall", "open"),
        ("feedback_open", "feedback", "open"),
    ] {
        let n: i64 = sqlx::query_scalar(&stock(kind, tag))
            .fetch_one(&mut *c)
            .await
            .unwrap();
        out.push((id.to_string(), n));
    }
    out.push(("alerts_counterfeit".into(), counterfeit.unwrap_or(0)));
    out.push(("alerts_diversion".into(), diversion.unwrap_or(0)));
    out.push(("sales".into(), sold.unwrap_or(0)));
    out.sort();
    out
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let scans = args.first().copied().unwrap_or(10_000_000);
    let products = args.get(1).copied().unwrap_or(100_000);
    // BENCH_KEEP=DIR keeps the seeded file in DIR and, when it is there
    // already, reads it again without seeding and folding (to try a change
    // of the read path on the same data; its migrations run on open).
    let kept = std::env::var("BENCH_KEEP")
        .ok()
        .map(std::path::PathBuf::from);
    let temp = match kept {
        Some(_) => None,
        None => Some(
            tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into()))
                .unwrap(),
        ),
    };
    let path = kept
        .clone()
        .unwrap_or_else(|| temp.as_ref().unwrap().path().to_path_buf());
    std::fs::create_dir_all(&path).unwrap();
    let seeded = path.join("zhisu.db").exists();
    let (_engine, service, url) = open(&path).await;
    if !seeded {
        let t = Instant::now();
        seed(&url, scans, products).await;
        println!("seed | all in {:.1} s", t.elapsed().as_secs_f64());

        let t = Instant::now();
        let folded = service.fold_leftover_scans().await.unwrap();
        let fold = t.elapsed();
        println!(
            "fold | {folded} scans folded into their summaries and the statistics in {:.1} s ({:.0} scans/s)",
            fold.as_secs_f64(),
            folded as f64 / fold.as_secs_f64()
        );
    }
    let size = std::fs::metadata(path.join("zhisu.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("seed | database file {:.0} MB", size as f64 / 1e6);

    let regulator = |code: &str| Principal {
        actor: "user:2".into(),
        display_name: "监管".into(),
        role: Role::Regulator,
        enterprise_id: None,
        jurisdiction: vec![RegionCode::parse(code).unwrap()],
    };
    let admin = Principal {
        actor: "user:1".into(),
        display_name: "平台".into(),
        role: Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: vec![],
    };
    let maker = Principal {
        actor: "key:3".into(),
        display_name: "企业".into(),
        role: Role::ManufacturerAdmin,
        enterprise_id: Some(7),
        jurisdiction: vec![],
    };
    // (view, who, region asked, raw filter: region prefix, enterprise)
    let views: Vec<View> = vec![
        ("platform", admin.clone(), None, None, None),
        ("province 44", regulator("440000"), None, Some("44"), None),
        (
            "drill to city 4403",
            regulator("440000"),
            Some("440300"),
            Some("4403"),
            None,
        ),
        (
            "district 440305",
            regulator("440305"),
            None,
            Some("440305"),
            None,
        ),
        ("manufacturer", maker, None, None, Some(7)),
    ];
    let today = zhisu_service::today_in_shanghai();
    let mut raw = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let runs = 40;
    println!("view | summary from rollups p50 / p95 (n={runs}) | direct group by p50 / p95 (n=3) | ratio p95");
    for (name, who, region, raw_region, raw_enterprise) in &views {
        let mut rolled = Vec::new();
        let mut grouped = Vec::new();
        let mut markets = Vec::new();
        for run in 0..runs {
            // A month-long period somewhere in the year.
            let to = today - chrono::Duration::days((run * 37 % 330) as i64);
            let from = to - chrono::Duration::days(29);
            let req = StatRequest {
                from: Some(from.to_string()),
                to: Some(to.to_string()),
                region: region.map(str::to_string),
                ..Default::default()
            };
            let t = Instant::now();
            let summary = service.statistics_summary(who, &req).await.unwrap();
            rolled.push(t.elapsed());
            // 销售去向 (P6.7): where the period's sales went.
            let t = Instant::now();
            let market = service.statistics_market(who, &req).await.unwrap();
            markets.push(t.elapsed());
            let sold = summary
                .figure("sales")
                .and_then(|f| f.value)
                .unwrap_or(-1.0) as i64;
            assert_eq!(
                market.sold.value, sold,
                "{name} {from}..{to}: 销售去向 and the summary"
            );
            if run < 3 {
                let t = Instant::now();
                let want = direct(&mut raw, *raw_region, *raw_enterprise, from, to).await;
                grouped.push(t.elapsed());
                for (id, n) in want {
                    if id == "codes_issued" {
                        continue; // all issued before the year: 0 both ways
                    }
                    let got = summary.figure(&id).and_then(|f| f.value).unwrap_or(-1.0) as i64;
                    assert_eq!(
                        got, n,
                        "{name} {from}..{to} {id}: rollups {got}, group by {n}"
                    );
                }
            }
        }
        let (m50, m95) = (percentile(markets.clone(), 0.5), percentile(markets, 0.95));
        println!(
            "{name} | 销售去向 (market) p50 / p95 {:.1} / {:.1} ms{}",
            ms(m50),
            ms(m95),
            if ms(m95) < 100.0 {
                ""
            } else {
                " (target p95 < 100 ms NOT met)"
            }
        );
        let (r50, r95) = (percentile(rolled.clone(), 0.5), percentile(rolled, 0.95));
        let (g50, g95) = (percentile(grouped.clone(), 0.5), percentile(grouped, 0.95));
        println!(
            "{name} | {:.1} / {:.1} ms | {:.0} / {:.0} ms | {:.0}× faster{}",
            ms(r50),
            ms(r95),
            ms(g50),
            ms(g95),
            g95.as_secs_f64() / r95.as_secs_f64(),
            if ms(r95) < 100.0 {
                ""
            } else {
                " (target p95 < 100 ms NOT met)"
            }
        );
    }

    // The monthly report: last month, as PDF and as XLSX.
    let month = zhisu_domain::statistics::report_period::ReportPeriod::last_month(today);
    let period = month.period(today);
    println!(
        "report {} | PDF p50 / p95 (n=5) | XLSX p50 / p95 (n=5) | the month's summary by group by (n=1) | PDF ÷ group by",
        month.key()
    );
    for (name, who, _, raw_region, raw_enterprise) in views.iter().take(2) {
        let timed = |format: &'static str| {
            let service = service.clone();
            let who = who.clone();
            async move {
                let mut runs = Vec::new();
                let mut size = 0;
                for _ in 0..5 {
                    let req = ReportRequest {
                        period: month.key(),
                        format: Some(format.into()),
                        ..Default::default()
                    };
                    let t = Instant::now();
                    let file = service.statistics_report(&who, &req, |_| {}).await.unwrap();
                    runs.push(t.elapsed());
                    size = file.bytes.len();
                }
                (runs, size)
            }
        };
        let (pdf, pdf_size) = timed("pdf").await;
        let (xlsx, _) = timed("xlsx").await;
        let t = Instant::now();
        direct(
            &mut raw,
            *raw_region,
            *raw_enterprise,
            period.from,
            period.to,
        )
        .await;
        let grouped = t.elapsed();
        let p95 = percentile(pdf.clone(), 0.95);
        println!(
            "{name} | {:.0} / {:.0} ms ({} kB) | {:.0} / {:.0} ms | {:.0} ms | {:.2}{}",
            ms(percentile(pdf, 0.5)),
            ms(p95),
            pdf_size / 1000,
            ms(percentile(xlsx.clone(), 0.5)),
            ms(percentile(xlsx, 0.95)),
            ms(grouped),
            p95.as_secs_f64() / grouped.as_secs_f64(),
            if p95.as_secs_f64() < 5.0 {
                ""
            } else {
                " (target < 5 s NOT met)"
            }
        );
    }
}
