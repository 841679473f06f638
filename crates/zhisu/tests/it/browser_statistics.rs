//! 统计概览 (issue 18.2–18.4): a regulator opens the dashboard from the
//! header and reads its jurisdiction's figures beside the previous
//! period's, an indicator's trend drawn on the server as SVG with its table
//! and a CSV download, the regions as bars (the platform's provinces as a
//! tile map of China), drills to a city, and is told
//! which field of a wrong period (of the dashboard or of a report) to fix,
//! and opens the list of the period's anomalies;
//! a region outside its jurisdiction is not found; a manufacturer sees its
//! own products only, and where its goods went (销售去向: the buyers'
//! provinces on a map, its distributor with the diversion alert against
//! it, a CSV). In Chromium, in Chinese.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::browser::{log_in, Driver};
use crate::pages::{person, signed_in};
use crate::scan::{active_batch_of, scan_json};
use crate::support::{gas_stove_json, EngineKind, TestApp, PASSWORD};

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The text of the summary row of an indicator.
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"figure-{id}\""))
        .unwrap_or_else(|| panic!("no row {id}: {html}"));
    &html[start..start + html[start..].find("</tr>").unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_each_reader_its_figures_trend_and_table() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, beijing) = app.enterprise(&admin, "manufacturer", "110101").await;
    let (_, _, ours) = active_batch_of(&app, &maker, gas_stove_json("DASH-1"), 941).await;
    let (_, _, theirs) = active_batch_of(&app, &beijing, gas_stove_json("DASH-2"), 942).await;
    // Three of them from a page that says it is in Guangzhou.
    let scanned = ours.iter().chain(ours.iter()).chain(theirs.iter().take(2));
    for (i, code) in scanned.enumerate() {
        let query = if i < 3 { "?region=440106" } else { "" };
        assert_eq!(scan_json(&app, code, query).await.0, 200);
    }
    app.service.flush_scans().await;
    app.service
        .create_user(
            None,
            NewAccount::new("st-gd", PASSWORD, "广东省局 吴科员", Role::Regulator)
                .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    let (gd, _) = signed_in(&app, "st-gd").await;

    // Guangdong's figures: its maker's ten scans, not Beijing's two.
    let (status, html) = page(&gd, &app, "/statistics").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("统计概览") && html.contains("监管辖区：广东省 440000"),
        "{html}"
    );
    let scans = row(&html, "scans");
    assert!(
        scans.contains("扫码次数") && scans.contains(">10<"),
        "{scans}"
    );
    assert!(row(&html, "codes_scanned").contains(">5<"));
    assert!(
        row(&html, "codes_issued").contains(">5<"),
        "five codes activated today"
    );
    assert!(row(&html, "batches_active").contains(">1<"));
    let chart = &html[html.find("id=\"chart\"").expect("the chart")..];
    assert!(
        chart.contains("<svg") && chart.contains("扫码次数"),
        "{chart}"
    );
    assert!(html.contains("id=\"series\""), "the chart's table");
    for english in [">scans<", ">count<", ">day<", "codes_scanned<"] {
        assert!(!html.contains(english), "{english} shown in English");
    }

    // The trend as CSV, for Excel.
    let r = gd
        .get(app.url("/statistics/series.csv?indicator=scans&by=week"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}开始日期,结束日期,数值"), "{csv}");
    let total: f64 = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap_or(0.0))
        .sum();
    assert_eq!(total, 10.0, "{csv}");

    // Where: by city, Shenzhen with its ten, a link to drill into it.
    let table = &html[html
        .find("id=\"breakdown\"")
        .expect("the breakdown by city")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(
        table.contains("广东省 440300") && table.contains(">10<"),
        "{table}"
    );
    assert!(table.contains("region=440300"), "{table}");
    assert!(!table.contains("110000"), "{table}");

    // Drilled to Shenzhen, and to Guangzhou where nothing was scanned.
    let (_, html) = page(&gd, &app, "/statistics?region=440300").await;
    assert!(row(&html, "scans").contains(">10<"));
    let (_, html) = page(&gd, &app, "/statistics?region=440100").await;
    assert!(row(&html, "scans").contains(">0<"));
    // Today's count so far is not judged low: the day is under way.
    let trend = &html[html.find("id=\"series\"").expect("the trend's table")..];
    let last = &trend[trend[..trend.find("</tbody>").unwrap()]
        .rfind("<tr")
        .unwrap()..];
    let last = &last[..last.find("</tr>").unwrap()];
    assert!(last.contains("进行中") && !last.contains("异常"), "{last}");
    // Beijing is not Guangdong's to read.
    assert_eq!(page(&gd, &app, "/statistics?region=110000").await.0, 404);
    // A period typed wrong: the form again, naming the field.
    let (status, html) = page(&gd, &app, "/statistics?from=2026-12-01&to=2026-11-01").await;
    assert_eq!(status, 200);
    let error = &html[html.find("id=\"stat-error\"").expect("the error")..];
    assert!(error.contains("开始日期"), "{error}");

    // The platform's administrator: the provinces on a tile map of China,
    // Guangdong's ten scans and Beijing's two on their tiles.
    app.service
        .create_user(
            None,
            NewAccount::new("st-admin", PASSWORD, "平台 王管理员", Role::PlatformAdmin),
        )
        .await
        .unwrap();
    let (platform, _) = signed_in(&app, "st-admin").await;
    let (_, html) = page(&platform, &app, "/statistics").await;
    let map = &html[html.find("id=\"region-chart\"").expect("the map")..];
    let tile = |code: &str| {
        let at = map
            .find(&format!("data-province=\"{code}\""))
            .unwrap_or_else(|| panic!("no tile {code}"));
        map[at..at + map[at..].find("</g>").unwrap()].to_string()
    };
    assert!(
        tile("44").contains(">广东<") && tile("44").contains(">10<"),
        "{}",
        tile("44")
    );
    assert!(
        tile("11").contains(">北京<") && tile("11").contains(">2<"),
        "{}",
        tile("11")
    );
    assert!(
        tile("33").contains(">0<"),
        "a province with none is drawn empty"
    );

    // Where the maker's goods went (P6.7): two to its Guangdong
    // distributor, one to a Zhejiang shop; the distributor sells one on
    // into Zhejiang, outside its region.
    let (dist_id, dist) = app.enterprise(&admin, "seller", "440106").await;
    let (shop_id, _) = app.enterprise(&admin, "seller", "330106").await;
    let (status, _) = app
        .patch(
            &maker,
            &format!("/api/v1/enterprises/{maker_id}"),
            &serde_json::json!({"channels": [{"distributor_id": dist_id, "regions": ["440000"]}]}),
        )
        .await;
    assert_eq!(status, 200);
    let today = zhisu_service::today_in_shanghai().to_string();
    for (key, to, codes) in [
        (&maker, dist_id, &ours[..2]),
        (&maker, shop_id, &ours[2..3]),
        (&dist, shop_id, &ours[..1]),
    ] {
        let (status, flow) = app
            .post(
                key,
                "/api/v1/flows",
                &serde_json::json!({"kind": "sale", "at": today,
                "counterparty_id": to, "lines": crate::support::flow_lines(codes)}),
            )
            .await;
        assert_eq!(status, 201, "{flow}");
    }
    let (_, dist_record) = app
        .get(&admin, &format!("/api/v1/enterprises/{dist_id}"))
        .await;
    let dist_name = dist_record["name"].as_str().unwrap().to_string();

    // The manufacturer: its own products only, no region to choose.
    let (own, _) = person(
        &app,
        "st-maker",
        "张厂长",
        Role::ManufacturerAdmin,
        maker_id,
    )
    .await;
    let (_, html) = page(&own, &app, "/statistics").await;
    assert!(html.contains("本企业的产品"), "{html}");
    assert!(row(&html, "scans").contains(">10<"));
    assert!(!html.contains("name=\"region\""));
    assert!(
        !html.contains("id=\"breakdown\""),
        "no regions for a manufacturer"
    );
    // 销售去向: the provinces on the map and in the table, the distributor
    // with its region and the diversion alert against it.
    assert!(
        row(&html, "sales").contains(">3<"),
        "{}",
        row(&html, "sales")
    );
    let market = &html[html.find("id=\"market\"").expect("销售去向")..];
    let map = &market[market.find("id=\"market-map\"").expect("the map")..];
    let at = map.find("data-province=\"44\"").expect("Guangdong's tile");
    assert!(map[at..at + map[at..].find("</g>").unwrap()].contains(">2<"));
    let provinces = &market[market.find("id=\"market-provinces\"").unwrap()..];
    let provinces = &provinces[..provinces.find("</table>").unwrap()];
    assert!(
        provinces.contains("广东省") && provinces.contains("浙江省"),
        "{provinces}"
    );
    let buyers = &market[market.find("id=\"market-buyers\"").unwrap()..];
    let first = &buyers[buyers.find("<tbody><tr>").unwrap()..];
    let first = &first[..first.find("</tr>").unwrap()];
    assert!(
        first.contains(&dist_name)
            && first.contains("广东省 440000")
            && first.contains(">2<")
            && first.contains(">1<"),
        "the distributor, its region, two sold, one alert: {first}"
    );
    let r = own
        .get(app.url("/statistics/market.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}类型,名称,本期,上期"), "{csv}");
    assert!(
        csv.contains(&format!("购货方,{dist_name},2,0,广东省 440000,1")),
        "{csv}"
    );
    assert!(csv.contains("省份,广东省,2,0"), "{csv}");
    // 扫码地域 (P6.7): three scans in Guangdong, seven that named nowhere.
    let scans = &market[market.find("id=\"market-scans\"").expect("扫码地域")..];
    let scans = &scans[..scans.find("</table>").unwrap()];
    assert!(
        scans.contains("广东省")
            && scans.contains(">3<")
            && scans.contains("未提供地域")
            && scans.contains(">7<"),
        "{scans}"
    );
    assert!(market.contains("id=\"market-scan-map\""), "the scans' map");
    assert!(csv.contains("扫码地域,广东省,3,0"), "{csv}");

    // 构成 (18.1): the maker's batches by status and codes issued by trace
    // level, each as bars with its table; no enterprises by kind for one
    // enterprise; the CSV holds every split.
    let comp = &html[html.find("id=\"composition\"").expect("构成")..];
    let part = |id: &str| {
        let at = comp
            .find(&format!("id=\"composition-{id}\""))
            .unwrap_or_else(|| panic!("no {id}"));
        comp[at..at + comp[at..].find("</section>").unwrap()].to_string()
    };
    let status = part("batches_by_status-status");
    assert!(
        status.contains("<svg")
            && status.contains("批次数（按状态） · 按状态")
            && status.contains(">已激活<"),
        "{status}"
    );
    assert!(part("codes_issued-level").contains(">一物一码<"));
    assert!(!comp.contains("composition-enterprises-enterprise_kind"));
    let r = own
        .get(app.url("/statistics/composition.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}指标,细分,项目,数值\r\n"), "{csv}");
    assert!(csv.contains("批次数（按状态）,按状态,已激活,"), "{csv}");
    assert!(csv.contains("赋码数,按追溯层级,一物一码,"), "{csv}");

    let Some(driver) = Driver::start().await else {
        return;
    };
    log_in(&driver, &app, "st-gd").await;
    driver.click("#nav-statistics").await;
    let html = driver
        .wait_for("the dashboard", |url, html| {
            url.contains("/statistics") && html.contains("id=\"chart\"")
        })
        .await;
    assert!(html.contains("<svg"), "the chart is drawn");
    let bars = &html[html.find("id=\"region-chart\"").expect("the bars by city")..];
    assert!(
        bars.contains("<svg") && bars.contains("440300"),
        "the bars name Shenzhen"
    );
    driver.screenshot("statistics-dashboard.png").await;
    // The province's 构成: enterprises by kind among the splits, drawn.
    driver.goto(&app.url("/statistics#composition")).await;
    let html = driver
        .wait_for("构成", |_, html| html.contains("id=\"composition\""))
        .await;
    let kinds = &html[html
        .find("id=\"composition-enterprises-enterprise_kind\"")
        .expect("enterprises by kind")..];
    assert!(
        kinds.contains("<svg") && kinds.contains(">生产单位<"),
        "{kinds}"
    );
    driver.screenshot("statistics-composition.png").await;

    // A report for a month that does not exist: said on the page, by name.
    driver
        .type_into("#report-form input[name=period]", "2026-13")
        .await;
    driver.click("#report-download").await;
    let html = driver
        .wait_for("the report's error", |_, html| {
            html.contains("id=\"report-error\"")
        })
        .await;
    let error = &html[html.find("id=\"report-error\"").unwrap()..];
    assert!(error.contains("报表期间须为月份"), "{error}");
    assert!(
        html.contains("name=\"period\" value=\"2026-13\""),
        "what was typed stays in the field to be fixed"
    );
    driver.screenshot("statistics-report-error.png").await;

    // The period's anomalies: today's ten scans, with where they were.
    driver.click("#anomalies-link").await;
    let html = driver
        .wait_for("the anomalies", |url, html| {
            url.contains("/statistics/anomalies") && html.contains("id=\"anomalies\"")
        })
        .await;
    let table = &html[html.find("id=\"anomalies\"").unwrap()..];
    assert!(
        table.contains("扫码次数") && table.contains("偏高"),
        "{table}"
    );
    driver.screenshot("statistics-anomalies.png").await;

    // The manufacturer's 销售去向 in Chromium: the map is drawn.
    driver.click("#logout").await;
    driver
        .wait_for("signed out", |url, _| !url.contains("/statistics"))
        .await;
    log_in(&driver, &app, "st-maker").await;
    driver.goto(&app.url("/statistics#market")).await;
    let html = driver
        .wait_for("销售去向", |_, html| html.contains("id=\"market-map\""))
        .await;
    let map = &html[html.find("id=\"market-map\"").unwrap()..];
    assert!(map.contains("<svg"), "the map is drawn");
    driver.screenshot("statistics-market.png").await;
}
