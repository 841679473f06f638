//! Scheduled reports (issue 18.5), on both engines: the day's run makes
//! last month's and last quarter's reports, PDF and XLSX, for the platform
//! and once for each jurisdiction regulators hold; a second run makes
//! nothing; each reader lists and downloads its scope's reports only (any
//! regulator of the jurisdiction, by key or page), others are not found,
//! an enterprise is refused.

use zhisu_domain::Role;
use zhisu_service::NewAccount;

use crate::pages::signed_in;
use crate::support::{xlsx_sheets, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_makes_each_scopes_reports_once_for_its_readers_only() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        for (login, name, region) in [
            ("sch-gd1", "广东省局 吴科员", "440000"),
            ("sch-gd2", "广东省局 陈科长", "440000"),
            ("sch-zj", "浙江省局 李科员", "330000"),
        ] {
            app.service
                .create_user(
                    None,
                    NewAccount::new(login, PASSWORD, name, Role::Regulator)
                        .jurisdiction(&[region.into()]),
                )
                .await
                .unwrap();
        }
        let today = zhisu_service::today_in_shanghai();
        let made = app.service.make_scheduled_reports(today).await.unwrap();
        // The platform, Guangdong (two regulators, one scope) and Zhejiang;
        // last month and last quarter; PDF and XLSX.
        assert_eq!(made, 3 * 2 * 2, "{engine}");
        assert_eq!(
            app.service.make_scheduled_reports(today).await.unwrap(),
            0,
            "{engine}: nothing made twice"
        );

        let periods = zhisu_service::scheduled_periods(today).map(|p| p.key());
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (status, list) = app.get(&gd, "/api/v1/statistics/reports").await;
        assert_eq!(status, 200, "{engine}: {list}");
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len(), 4, "{engine}: {list:?}");
        for p in &periods {
            for f in ["pdf", "xlsx"] {
                assert!(
                    list.iter().any(|r| r["period"] == *p && r["format"] == f),
                    "{engine}: {p} {f}"
                );
            }
        }
        let xlsx = list
            .iter()
            .find(|r| r["period"] == periods[0] && r["format"] == "xlsx")
            .unwrap();
        let id = xlsx["id"].as_i64().unwrap();
        let r = app
            .client
            .get(app.url(&format!("/api/v1/statistics/reports/{id}")))
            .bearer_auth(&gd)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{engine}");
        let sheets = xlsx_sheets(&r.bytes().await.unwrap());
        assert!(
            sheets[0].1[0][0].starts_with("广东省产品质量安全追溯统计月报"),
            "{engine}: {:?}",
            sheets[0]
        );
        assert!(sheets.iter().any(|(n, _)| n == "地区分布"), "{engine}");

        // Zhejiang does not see Guangdong's; the platform has its own.
        let zj = app.key(Role::Regulator, None, &["330000"]).await;
        let (status, _) = app
            .get(&zj, &format!("/api/v1/statistics/reports/{id}"))
            .await;
        assert_eq!(status, 404, "{engine}");
        let (_, theirs) = app.get(&zj, "/api/v1/statistics/reports").await;
        assert!(
            theirs.as_array().unwrap().iter().all(|r| r["id"] != id),
            "{engine}"
        );
        let (_, platform) = app.get(&admin, "/api/v1/statistics/reports").await;
        assert_eq!(platform.as_array().unwrap().len(), 4, "{engine}");
        assert!(platform
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["scope"] == "platform"));
        let (status, _) = app
            .get(&admin, &format!("/api/v1/statistics/reports/{id}"))
            .await;
        assert_eq!(status, 404, "{engine}: scopes are not shared");
        let (status, _) = app.get(&maker, "/api/v1/statistics/reports").await;
        assert_eq!(status, 403, "{engine}");
        let (status, _) = app.get(&gd, "/api/v1/statistics/reports/999999").await;
        assert_eq!(status, 404, "{engine}");

        // On the page, for the other Guangdong regulator.
        let (page, _) = signed_in(&app, "sch-gd2").await;
        let html = page
            .get(app.url("/statistics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let kept = &html[html.find("id=\"kept\"").expect("the kept reports")..];
        let kept = &kept[..kept.find("</table>").unwrap()];
        assert!(
            kept.contains("月报") && kept.contains("季报"),
            "{engine}: {kept}"
        );
        assert!(
            kept.contains(&format!("/statistics/reports/{id}")),
            "{engine}: {id} {kept}"
        );
        let r = page
            .get(app.url(&format!("/statistics/reports/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{engine}");
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx"));
    }
}
