//! Import templates (issue 19.3, 工具包导入) through the API on a real
//! server and from the command line: each kind's XLSX reads back (with
//! calamine) with its Chinese names, the API's keys and an example; the
//! CSV is UTF-8 with a byte-order mark; an unknown kind, a bad format and
//! no key are refused with problem JSON.

use zhisu_domain::Role;

use crate::support::{xlsx_sheets, EngineKind, TestApp};

/// The sheets' names and the first three rows of the first sheet.
fn read_xlsx(bytes: Vec<u8>) -> (Vec<String>, Vec<Vec<String>>) {
    let sheets = xlsx_sheets(&bytes);
    let names = sheets.iter().map(|(name, _)| name.clone()).collect();
    let rows = sheets[0].1.iter().take(3).cloned().collect();
    (names, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_import_template_is_downloaded_and_reads_back() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;

    for (kind, sheet, first_zh, keys) in [
        (
            "products",
            "产品",
            "产品名称*",
            &["product_name", "product_type", "model", "category"][..],
        ),
        (
            "batches",
            "批次",
            "产品编号*",
            &["product_id", "batch_no", "production_date"][..],
        ),
        (
            "sales",
            "销售",
            "销售日期*",
            &["at", "counterparty_id", "counterparty_name"][..],
        ),
        (
            "purchases",
            "进货",
            "进货日期*",
            &["at", "counterparty_id", "counterparty_name"][..],
        ),
        (
            "quantities",
            "每日产量",
            "批次编号*",
            &["batch_id", "day", "quantity"][..],
        ),
    ] {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/imports/templates/{kind}")))
            .bearer_auth(&maker)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{kind}");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("zhisu-{kind}-template.xlsx")));
        let (names, rows) = read_xlsx(r.bytes().await.unwrap().to_vec());
        assert_eq!(names[0], sheet, "{kind}");
        assert_eq!(names.last().unwrap(), "填写说明", "{kind}");
        assert_eq!(rows[0][0], first_zh, "{kind}");
        assert_eq!(&rows[1][..keys.len()], keys, "{kind}");
        assert!(
            rows[2].iter().any(|c| !c.is_empty()),
            "{kind}: an example row"
        );
    }

    // The products' drop-downs offer the categories by their Chinese names,
    // and the example is one of them.
    let r = app
        .client
        .get(app.url("/api/v1/imports/templates/products?format=xlsx"))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap();
    let sheets = xlsx_sheets(&r.bytes().await.unwrap());
    let (_, lists) = sheets.iter().find(|(name, _)| name == "选项").unwrap();
    let offered: Vec<&String> = lists.iter().skip(1).map(|row| &row[0]).collect();
    assert!(offered.iter().any(|c| *c == "家用燃气器具"), "{offered:?}");
    let example = &sheets[0].1[2];
    assert!(offered.contains(&&example[3]), "{example:?}");

    // CSV: UTF-8 with a byte-order mark, the same three rows.
    let r = app
        .client
        .get(app.url("/api/v1/imports/templates/quantities?format=csv"))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let body = r.bytes().await.unwrap();
    assert!(body.starts_with("\u{feff}".as_bytes()));
    let text = std::str::from_utf8(&body[3..]).unwrap();
    assert_eq!(
        text.lines().take(2).collect::<Vec<_>>(),
        ["批次编号,生产日期,当日产量", "batch_id,day,quantity"]
    );

    // Refused, as problem JSON naming what was wrong.
    for (path, key, status, says) in [
        (
            "/api/v1/imports/templates/recipes",
            Some(&maker),
            404,
            "products",
        ),
        (
            "/api/v1/imports/templates/products?format=pdf",
            Some(&maker),
            400,
            "xlsx",
        ),
        (
            "/api/v1/imports/templates/products?sheet=1",
            Some(&maker),
            400,
            "sheet",
        ),
        ("/api/v1/imports/templates/products", None, 401, ""),
    ] {
        let mut request = app.client.get(app.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let problem: serde_json::Value = r.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{path}: {problem}"
        );
    }
}

#[test]
fn the_command_line_writes_a_template_by_its_extension() {
    let dir = tempfile::tempdir().unwrap();
    let zhisu = env!("CARGO_BIN_EXE_zhisu");
    let out = dir.path().join("批次模板.xlsx");
    let run = std::process::Command::new(zhisu)
        .args(["template", "batches", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (names, rows) = read_xlsx(std::fs::read(&out).unwrap());
    assert_eq!(names[0], "批次");
    assert_eq!(rows[1][1], "batch_no");

    let csv = dir.path().join("sales.csv");
    let run = std::process::Command::new(zhisu)
        .args(["template", "sales", "--out", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(std::fs::read(&csv)
        .unwrap()
        .starts_with("\u{feff}".as_bytes()));

    // A kind or an extension it does not know: a sentence, and no file.
    for (kind, file, says) in [
        ("recipes", "r.xlsx", "products"),
        ("sales", "sales.pdf", ".xlsx"),
    ] {
        let out = dir.path().join(file);
        let run = std::process::Command::new(zhisu)
            .args(["template", kind, "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!run.status.success(), "{kind} {file}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains(says), "{err}");
        assert!(!out.exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_downloads_the_templates_from_the_lists() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, _) = app.enterprise(&admin, "manufacturer", "440305").await;
    let clerk = zhisu_service::NewAccount::new(
        "clerk",
        crate::support::PASSWORD,
        "录入员",
        Role::ManufacturerOperator,
    )
    .enterprise(Some(maker_id));
    app.service.create_user(None, clerk).await.unwrap();
    let (client, _) = crate::pages::signed_in(&app, "clerk").await;
    let html = |path: &str| {
        let request = client.get(app.url(path));
        async move {
            let text = request.send().await.unwrap().text().await.unwrap();
            text.replace("&#x2f;", "/")
        }
    };
    for (list, offers) in [
        ("/products", &["产品（"][..]),
        ("/batches", &["批次（", "每日产量（"][..]),
        ("/flows", &["销售（", "进货（"][..]),
    ] {
        let page = html(list).await;
        assert!(page.contains("导入模板："), "{list}: {page}");
        for o in offers {
            assert!(page.contains(o), "{list} offers {o}");
        }
    }
    let page = html("/batches").await;
    assert!(
        page.contains("href=\"/imports/templates/quantities?format=csv\""),
        "{page}"
    );

    let r = client
        .get(app.url("/imports/templates/batches"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (names, rows) = read_xlsx(r.bytes().await.unwrap().to_vec());
    assert_eq!(names[0], "批次");
    assert_eq!(rows[1][0], "product_id");
    // A kind there is none of: the page says 未找到, in Chinese.
    let r = client
        .get(app.url("/imports/templates/recipes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let text = r.text().await.unwrap();
    assert!(text.contains("<title>未找到"), "{text}");
}
