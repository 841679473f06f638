//! Statistics reports (issue 18.5): the month's report through the API as
//! a PDF (embedded font subset) and as an XLSX workbook whose figures are
//! the summary's, scoped like the dashboard — a regulator its province
//! with its cities, a manufacturer its own products and no regions — and
//! downloaded from 统计概览; a wrong period, form, region or parameter is
//! refused naming it, and nothing is stored.

use chrono::Datelike;
use serde_json::Value;
use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::pages::signed_in;
use crate::scan::{active_batch_of, scan_json};
use crate::support::{gas_stove_json, xlsx_sheets, EngineKind, TestApp, PASSWORD};

async fn fetch(app: &TestApp, key: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

/// A sheet's rows by its name.
fn sheet<'a>(sheets: &'a [(String, Vec<Vec<String>>)], name: &str) -> &'a [Vec<String>] {
    &sheets
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}: {sheets:?}"))
        .1
}

/// The figure of the row named `name` in the 主要指标 sheet (column 1:
/// this period).
fn main_figure(sheets: &[(String, Vec<Vec<String>>)], name: &str) -> String {
    sheet(sheets, "主要指标")
        .iter()
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row {name}"))[1]
        .clone()
}

fn summary_figure(summary: &Value, id: &str) -> String {
    summary["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == id)
        .unwrap()["value"]
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_months_report_holds_the_readers_figures_as_pdf_and_xlsx() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, beijing) = app.enterprise(&admin, "manufacturer", "110101").await;
    let (_, _, ours) = active_batch_of(&app, &maker, gas_stove_json("REP-1"), 951).await;
    let (_, _, theirs) = active_batch_of(&app, &beijing, gas_stove_json("REP-2"), 952).await;
    for code in ours.iter().chain(ours.iter()).chain(theirs.iter().take(3)) {
        assert_eq!(scan_json(&app, code, "").await.0, 200);
    }
    app.service.flush_scans().await;
    let gd = app.key(Role::Regulator, None, &["440000"]).await;
    // Two sold today to a shop in Zhejiang (销售去向, P6.7).
    let (shop_id, _) = app.enterprise(&admin, "seller", "330106").await;
    let (status, flow) = app
        .post(
            &maker,
            "/api/v1/flows",
            &serde_json::json!({"kind": "sale",
            "at": zhisu_service::today_in_shanghai().to_string(), "counterparty_id": shop_id,
            "lines": crate::support::flow_lines(&ours[..2])}),
        )
        .await;
    assert_eq!(status, 201, "{flow}");

    let today = zhisu_service::today_in_shanghai();
    let month = format!("{}-{:02}", today.year(), today.month());
    let first = today.with_day(1).unwrap();

    // The regulator's workbook: the summary's figures, Shenzhen by city.
    let (status, kind, bytes) = fetch(
        &app,
        &gd,
        &format!("/api/v1/statistics/report?period={month}&format=xlsx"),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let sheets = xlsx_sheets(&bytes);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "说明",
            "主要指标",
            "扫码趋势",
            "地区分布",
            "销售去向",
            "构成",
            "异常提示",
            "指标说明"
        ]
    );
    assert!(
        sheet(&sheets, "说明")
            .iter()
            .flatten()
            .any(|c| c.contains("见第七部分")),
        "the definitions are the seventh section: {:?}",
        sheet(&sheets, "说明")
    );
    // 构成: each split's parts as the composition API counts them.
    let parts = sheet(&sheets, "构成");
    assert_eq!(parts[0], ["指标", "细分", "项目", "数值", "占比"]);
    for (indicator, by, name, by_zh) in [
        ("batches_by_status", "status", "批次数（按状态）", "按状态"),
        ("codes_issued", "level", "赋码数", "按追溯层级"),
        ("enterprises", "enterprise_kind", "企业数", "按企业类型"),
    ] {
        let (status, c) = app
            .get(
                &gd,
                &format!("/api/v1/statistics/composition?indicator={indicator}&by={by}&from={first}&to={today}"),
            )
            .await;
        assert_eq!(status, 200, "{c}");
        let want: Vec<(String, String)> = c["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["label_zh"].as_str().unwrap().to_string(),
                    p["value"].to_string(),
                )
            })
            .collect();
        let got: Vec<(String, String)> = parts
            .iter()
            .filter(|r| r[0] == name && r[1] == by_zh)
            .map(|r| (r[2].clone(), r[3].clone()))
            .collect();
        assert!(!want.is_empty(), "{indicator}: {c}");
        assert_eq!(got, want, "{indicator} by {by}");
    }
    let went = sheet(&sheets, "销售去向");
    assert_eq!(went[0][0], "购货方所在省份");
    assert_eq!(went[1][..3], ["浙江省".to_string(), "2".into(), "0".into()]);
    assert!(
        sheet(&sheets, "说明")[0][0].starts_with("广东省产品质量安全追溯统计月报"),
        "{sheets:?}"
    );
    let (_, summary) = app
        .get(
            &gd,
            &format!("/api/v1/statistics/summary?from={first}&to={today}"),
        )
        .await;
    assert_eq!(
        main_figure(&sheets, "扫码次数"),
        summary_figure(&summary, "scans")
    );
    assert_eq!(
        main_figure(&sheets, "扫码次数"),
        (ours.len() * 2).to_string()
    );
    assert_eq!(
        main_figure(&sheets, "赋码数"),
        summary_figure(&summary, "codes_issued")
    );
    let regions = sheet(&sheets, "地区分布");
    assert_eq!(regions[0][0], "地区（市）");
    assert_eq!(regions.len(), 2, "one city: {regions:?}");
    assert!(regions[1][0].contains("440300"), "{regions:?}");
    assert_eq!(regions[1][1], (ours.len() * 2).to_string());
    let trend = sheet(&sheets, "扫码趋势");
    assert_eq!(
        trend.len() as i64 - 1,
        (today - first).num_days() + 1,
        "a row a day"
    );
    let definitions = sheet(&sheets, "指标说明");
    assert!(definitions
        .iter()
        .any(|r| r[0] == "扫码次数" && r[1].contains("北京时间")));

    // The same as a PDF: the font subset embedded.
    let (status, kind, pdf) = fetch(
        &app,
        &gd,
        &format!("/api/v1/statistics/report?period={month}"),
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&pdf).contains("/FontFile2"));

    // The manufacturer: its own figures, no regions.
    let (status, _, bytes) = fetch(
        &app,
        &maker,
        &format!("/api/v1/statistics/report?period={month}&format=xlsx"),
    )
    .await;
    assert_eq!(status, 200);
    let own = xlsx_sheets(&bytes);
    assert!(own.iter().all(|(n, _)| n != "地区分布"));
    assert!(
        sheet(&own, "构成").iter().all(|r| r[0] != "企业数"),
        "one enterprise: no enterprises by kind"
    );
    let buyers = sheet(&own, "购货方");
    assert_eq!(buyers.len(), 2, "one buyer: {buyers:?}");
    assert!(
        buyers[1][0].contains("测试") && buyers[1][1] == "2",
        "{buyers:?}"
    );
    assert_eq!(main_figure(&own, "扫码次数"), (ours.len() * 2).to_string());
    assert!(
        sheet(&own, "说明")[0][0].contains("测试"),
        "named after the enterprise: {own:?}"
    );
    let (status, _, _) = fetch(
        &app,
        &gd,
        &format!("/api/v1/statistics/report?period={month}&format=xlsx&enterprise_id={maker_id}"),
    )
    .await;
    assert_eq!(status, 200, "a regulator reads one of its enterprises");

    // Bad input: a clear problem naming the field.
    let problems = [
        ("period=2026-13", 422, "period"),
        ("period=2026/11", 422, "period"),
        ("period=2999-01", 422, "period"),
        (&*format!("period={month}&format=doc"), 422, "format"),
        (&*format!("period={month}&region=110000"), 404, ""),
        (&*format!("period={month}&colour=red"), 400, ""),
        ("format=pdf", 400, ""),
    ];
    for (query, want, field) in problems {
        let (status, body) = app
            .get(&gd, &format!("/api/v1/statistics/report?{query}"))
            .await;
        assert_eq!(status, want, "{query}: {body}");
        if !field.is_empty() {
            assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
        }
    }
    let r = app
        .client
        .get(app.url(&format!("/api/v1/statistics/report?period={month}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // From the page: the links download; a wrong period is said on the form.
    app.service
        .create_user(
            None,
            NewAccount::new("rep-gd", PASSWORD, "广东省局 吴科员", Role::Regulator)
                .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    let (page, _) = signed_in(&app, "rep-gd").await;
    let html = page
        .get(app.url("/statistics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"report-form\"") && html.contains("统计报表"),
        "{html}"
    );
    let last_month = zhisu_domain::statistics::report_period::ReportPeriod::last_month(today).key();
    assert!(
        html.contains(&format!(
            "/statistics/report?period={last_month}&amp;format=pdf"
        )),
        "a link to last month's report"
    );
    let r = page
        .get(app.url(&format!("/statistics/report?period={month}&format=xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("zhisu-report-{month}.xlsx")));
    let from_page = xlsx_sheets(&r.bytes().await.unwrap());
    assert_eq!(
        main_figure(&from_page, "扫码次数"),
        (ours.len() * 2).to_string()
    );
    let r = page
        .get(app.url("/statistics/report?period=2026-13&format=pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let error = &html[html
        .find("id=\"report-error\"")
        .expect("the error on the page")..];
    assert!(error.contains("报表期间须为月份"), "{error}");
}
