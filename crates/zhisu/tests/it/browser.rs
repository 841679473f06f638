//! End to end in a real headless Chromium (Debian's), driven over the
//! W3C WebDriver protocol through chromedriver: registration and product
//! filing as a person does them.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{fresh_uscc, EngineKind, TestApp};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub(crate) struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    process: Child,
}

impl Drop for Driver {
    /// Kills chromedriver and the browsers it started: they share its
    /// process group, so nothing outlives a failed test.
    fn drop(&mut self) {
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn find_binary(name: &str) -> Option<String> {
    ["/usr/bin/", "/usr/local/bin/", "/usr/lib/chromium/"]
        .iter()
        .map(|d| format!("{d}{name}"))
        .find(|p| std::path::Path::new(p).exists())
}

impl Driver {
    pub(crate) async fn start() -> Option<Driver> {
        let (Some(chromedriver), Some(chromium)) =
            (find_binary("chromedriver"), find_binary("chromium"))
        else {
            assert!(std::env::var("CI").is_err(), "CI is set but chromium/chromedriver are missing: install Debian's chromium and chromium-driver");
            eprintln!("skipping the browser test: chromium or chromedriver is not installed");
            return None;
        };
        let port = crate::support::port_for_a_child();
        let process = Command::new(chromedriver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("chromium-profile-{port}"));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,1600", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_string();
        Some(Driver {
            http,
            base,
            session,
            process,
        })
    }

    pub(crate) async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let request = self.http.request(method, url);
        let request = if body.is_null() {
            request
        } else {
            request.json(&body)
        };
        let r = request.send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        assert!(v["value"].get("error").is_none(), "WebDriver {path}: {v}");
        v["value"].clone()
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    pub(crate) async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }

    /// Sets a form field's value as a date picker would (typing into a
    /// date input depends on the browser's locale).
    pub(crate) async fn set_value(&self, id: &str, value: &str) {
        let script = "document.getElementById(arguments[0]).value = arguments[1];";
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": [id, value]}),
        )
        .await;
    }

    pub(crate) async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    pub(crate) async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Waits (up to 10 s) until the page's source satisfies `ready`:
    /// a click that submits a form returns before the next page has loaded.
    pub(crate) async fn wait_for(&self, what: &str, ready: impl Fn(&str, &str) -> bool) -> String {
        for _ in 0..100 {
            let (url, html) = (self.url().await, self.source().await);
            if ready(&url, &html) {
                return html;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "timed out waiting for {what}; the page is {}:\n{}",
            self.url().await,
            self.source().await
        );
    }

    pub(crate) async fn screenshot(&self, name: &str) {
        use base64::Engine as _;
        let png = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .expect("WebDriver sends a screenshot in base64");
        std::fs::write(dir.join(name), png).unwrap();
    }
}

#[tokio::test]
async fn a_person_registers_and_files_a_product_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let licence = app.data.parent().unwrap().join("营业执照.pdf");
    std::fs::write(&licence, crate::support::pdf()).unwrap();

    driver.goto(&app.url("/")).await;
    driver.click("a.button[href='/register']").await;
    driver
        .wait_for("the registration form", |url, _| url.ends_with("/register"))
        .await;
    driver.type_into("#login", "gas-maker").await;
    driver
        .type_into("#password", crate::support::PASSWORD)
        .await;
    driver.type_into("#display_name", "王经理").await;
    driver.click("#kind option[value='manufacturer']").await;
    driver.type_into("#name", "浙江安燃燃气具有限公司").await;
    driver.type_into("#uscc", &fresh_uscc("330282")).await;
    driver
        .type_into("#address", "浙江省宁波市慈溪市周巷镇环城北路166号")
        .await;
    driver.type_into("#region_code", "330282").await;
    driver.type_into("#contact_phone", "0574-6359 1180").await;
    driver
        .type_into("#business_licence", licence.to_str().unwrap())
        .await;
    driver.screenshot("register.png").await;
    driver.click("#submit").await;
    let html = driver
        .wait_for("the dashboard after registering", |url, _| {
            url.ends_with("/dashboard")
        })
        .await;
    assert!(html.contains("王经理"));

    driver.click("#new-product").await;
    driver
        .wait_for("the product form", |url, _| url.ends_with("/products/new"))
        .await;
    driver.type_into("#product_name", "家用燃气灶").await;
    driver.type_into("#product_type", "嵌入式燃气灶").await;
    driver.type_into("#model", "JZT-2B01").await;
    driver
        .click("#category option[value='gas-appliance']")
        .await;
    driver
        .type_into("#mandatory_standards", "GB 16410-2020")
        .await;
    driver.click("#code_scheme option[value='gs1']").await;
    driver.type_into("#gtin", "6970000000017").await;
    driver.click("#trace_level option[value='per-item']").await;
    driver.click("#submit").await;
    // The category needs CCC, a warranty and instructions: the page says so.
    let html = driver
        .wait_for("the findings", |url, html| {
            url.ends_with("/products/new") && html.contains("class=\"error\"")
        })
        .await;
    assert!(
        html.contains("强制性产品认证目录"),
        "the CCC finding is shown beside its field"
    );
    driver.screenshot("product-findings.png").await;
    driver.type_into("#ccc_cert_no", "2021010101123456").await;
    driver.type_into("#warranty_months", "36").await;
    driver
        .type_into("#instructions", "使用前检查燃气软管是否老化")
        .await;
    driver.click("#submit").await;
    let html = driver
        .wait_for("the filed product's page", |url, _| {
            url.rsplit('/')
                .next()
                .is_some_and(|id| id.parse::<i64>().is_ok())
        })
        .await;
    assert!(
        html.contains("JZT-2B01") && html.contains("一物一码") && html.contains("GB 16410-2020")
    );
    driver.screenshot("product.png").await;

    // File a batch of it, submit it, activate it: the codes appear.
    let product_url = driver.url().await;
    driver.click("a.button[href^='/batches/new']").await;
    driver
        .wait_for("the batch form", |url, _| url.contains("/batches/new"))
        .await;
    driver.type_into("#batch_no", "B20261101").await;
    driver.set_value("production_date", "2026-11-01").await;
    driver.type_into("#quantity", "50").await;
    driver
        .type_into("#inspection_report", licence.to_str().unwrap())
        .await;
    driver.click("#submit").await;
    let html = driver
        .wait_for("the batch page", |url, html| {
            url.contains("/batches/") && html.contains("id=\"workflow\"")
        })
        .await;
    assert!(html.contains("id=\"submit\""), "a draft can be submitted");
    driver.click("#workflow button#submit").await;
    driver
        .wait_for("the batch, approved", |_, html| {
            html.contains("id=\"activate\"")
        })
        .await;
    driver.click("#activate").await;
    let html = driver
        .wait_for("the batch, active", |_, html| {
            html.contains("id=\"codes-txt\"")
        })
        .await;
    assert!(html.contains("id=\"labels\"") && html.contains("已激活"));
    driver.screenshot("batch-active.png").await;
    assert!(!product_url.is_empty());
    let batch_url = driver.url().await;

    // Printing: the labels page warns that the test server's address
    // cannot be scanned and asks first (issue 15.9, 15.10).
    driver.click("#labels").await;
    let html = driver
        .wait_for("the labels page", |url, _| url.ends_with("/labels"))
        .await;
    assert!(
        html.contains("id=\"labels-unscannable\"") && html.contains("id=\"public-url-warning\""),
        "{html}"
    );
    driver.screenshot("labels.png").await;
    driver.goto(&app.url("/packages/new")).await;
    driver
        .wait_for("the packing page", |_, html| {
            html.contains("id=\"package-form\"")
        })
        .await;
    driver.screenshot("packing.png").await;
    driver.goto(&batch_url).await;

    // What a phone sees when it scans the first code.
    driver.click("#preview-scan").await;
    let html = driver
        .wait_for("the public scan page", |url, _| url.contains("/01/"))
        .await;
    // A self-registered producer is not yet checked by its regulator
    // (issue 16.11): the code is valid but not called genuine.
    assert!(
        html.contains(r#"data-status="unverified""#)
            && html.contains("生产企业尚未核验")
            && html.contains("JZT-2B01"),
        "{html}"
    );
    assert!(
        !html.contains(r#"id="scans""#),
        "a signed-in preview is not counted as a scan"
    );
    let scan_url = driver.url().await;
    driver.screenshot("scan-unverified.png").await;
    // Zhejiang's regulator checks who it is; the same code is genuine.
    let enterprise = app
        .scalar("select max(id) from records where kind = 'enterprise'")
        .await;
    let regulator = zhisu_domain::Principal {
        actor: "key:0".into(),
        display_name: "浙江省市场监督管理局".into(),
        role: zhisu_domain::Role::Regulator,
        enterprise_id: None,
        jurisdiction: vec![zhisu_codes::RegionCode::parse("330000").unwrap()],
    };
    let checked = zhisu_domain::identity_check::IdentityDecision {
        verified: Some(true),
        note: "营业执照核对无误".into(),
    };
    app.service
        .check_identity(&regulator, enterprise, &checked, None)
        .await
        .unwrap();
    driver.goto(&scan_url).await;
    let html = driver
        .wait_for("the scan page, genuine", |_, html| {
            html.contains(r#"data-status="genuine""#)
        })
        .await;
    assert!(html.contains("JZT-2B01"), "{html}");
    driver.screenshot("scan-genuine.png").await;

    // The code's whole life, from the batch page.
    driver.goto(&batch_url).await;
    driver
        .wait_for("the batch page", |_, html| {
            html.contains("id=\"code-life\"")
        })
        .await;
    driver.click("#code-life").await;
    let html = driver
        .wait_for("the code's life", |url, html| {
            url.contains("/codes/life") && html.contains("id=\"life\"")
        })
        .await;
    assert!(
        html.contains(r#"data-step="activated""#) && !html.contains(r#"id="risks""#),
        "{html}"
    );
    let life_url = driver.url().await;

    // The producer voids the batch (a misprint): the same code now says so.
    driver.goto(&batch_url).await;
    driver
        .wait_for("the batch page", |_, html| {
            html.contains("id=\"dispose-form\"")
        })
        .await;
    driver
        .type_into("#dispose-reason", "标签印错，整批作废")
        .await;
    driver.click("#void").await;
    let html = driver
        .wait_for("the batch, voided", |_, html| html.contains("标签印错"))
        .await;
    assert!(
        !html.contains("id=\"codes-txt\""),
        "a voided batch has no codes to download"
    );
    driver.goto(&scan_url).await;
    let html = driver
        .wait_for("the scan page, voided", |_, html| {
            html.contains("data-status=")
        })
        .await;
    assert!(
        html.contains(r#"data-status="voided""#) && html.contains("标签印错"),
        "{html}"
    );
    driver.screenshot("scan-voided.png").await;
    // …and its life shows the voiding as a risk.
    driver.goto(&life_url).await;
    let html = driver
        .wait_for("the code's life, voided", |_, html| {
            html.contains("id=\"life\"")
        })
        .await;
    assert!(
        html.contains(r#"data-step="voided" class="risk""#) && html.contains(r#"id="risks""#),
        "{html}"
    );
    driver.screenshot("life-voided.png").await;

    // And the API sees exactly what the page filed.
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, products) = app.get(&admin, "/api/v1/products?q=JZT-2B01").await;
    assert_eq!(products["total"], 1);
    assert_eq!(products["items"][0]["warranty_months"], 36);
}

/// A seller holding recalled goods (issue 15.1), in Chromium: told on its
/// dashboard what it holds, it opens the recall, cannot sell the code on,
/// returns it to the producer, and the notice says nothing is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seller_is_told_of_a_recall_and_returns_the_goods_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (seller_id, _) = app.enterprise(&admin, "seller", "330106").await;
    let account = zhisu_service::NewAccount::new(
        "hz-counter",
        crate::support::PASSWORD,
        "柜台李姐",
        zhisu_domain::Role::Seller,
    )
    .enterprise(Some(seller_id));
    app.service.create_user(None, account).await.unwrap();
    let (batch, _, codes) = crate::scan::active_item_batch(&app, &maker, "RECALL-B", 941).await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (status, _) = app
        .post(
            &maker,
            "/api/v1/flows",
            &serde_json::json!({"kind": "sale", "at": today, "counterparty_id": seller_id,
            "lines": crate::support::flow_lines(&codes[..2])}),
        )
        .await;
    assert_eq!(status, 201);
    let gd = app
        .key(zhisu_domain::Role::Regulator, None, &["440000"])
        .await;
    let (_, b) = app.get(&maker, &format!("/api/v1/batches/{batch}")).await;
    let (status, recall) = app
        .post(&gd, "/api/v1/recalls", &serde_json::json!({"product_id": b["product_id"], "batch_ids": [batch], "reason": "燃气阀门可能泄漏"}))
        .await;
    assert_eq!(status, 201, "{recall}");
    let recall_id = recall["id"].as_i64().unwrap();

    driver.goto(&app.url("/login")).await;
    driver.type_into("#login", "hz-counter").await;
    driver
        .type_into("#password", crate::support::PASSWORD)
        .await;
    driver.click("button[type='submit']").await;
    let html = driver
        .wait_for("the seller's dashboard", |url, _| {
            url.ends_with("/dashboard")
        })
        .await;
    assert!(
        html.contains("id=\"recall-notices\"") && html.contains("燃气阀门可能泄漏"),
        "{html}"
    );
    assert!(
        html.contains("<strong>2</strong>"),
        "it holds both items: {html}"
    );
    driver.screenshot("recall-notice.png").await;
    driver
        .click(&format!("#recall-notices a[href='/recalls/{recall_id}']"))
        .await;
    let html = driver
        .wait_for("the recall", |url, _| {
            url.ends_with(&format!("/recalls/{recall_id}"))
        })
        .await;
    assert!(html.contains("燃气阀门可能泄漏"), "{html}");
    // Names, not IDs (issue 15.8): the product, the batch, who opened it.
    assert!(
        html.contains("家用燃气灶 RECALL-B") && html.contains("批次 RECALL-B-L1"),
        "{html}"
    );
    assert!(!html.contains("key:") && !html.contains("user:"), "{html}");
    assert!(
        !html.contains("id=\"close-recall\""),
        "a holder does not close the recall"
    );
    driver.screenshot("recall-seller.png").await;

    // A sale to a consumer is refused, naming the recall; a return goes through.
    driver.goto(&app.url("/flows/new")).await;
    driver
        .wait_for("the flow form", |_, html| html.contains("id=\"flow-form\""))
        .await;
    driver.type_into("#counterparty_name", "顾客").await;
    driver
        .type_into("#counterparty_address", "杭州市上城区")
        .await;
    driver
        .type_into("#counterparty_contact", "13500000000")
        .await;
    driver.type_into("#codes", &codes[0]).await;
    driver.click("#save").await;
    let html = driver
        .wait_for("the refusal", |_, html| html.contains("id=\"errors\""))
        .await;
    assert!(html.contains(&format!("召回 #{recall_id}")), "{html}");
    driver.goto(&app.url("/flows/new")).await;
    driver
        .wait_for("the flow form", |_, html| html.contains("id=\"flow-form\""))
        .await;
    driver.click("#kind option[value='return']").await;
    driver
        .click(&format!("#counterparty_id option[value='{maker_id}']"))
        .await;
    driver
        .type_into("#codes", &format!("{}\n{}", codes[0], codes[1]))
        .await;
    driver.screenshot("recall-return-form.png").await;
    driver.click("#save").await;
    driver
        .wait_for("the return, recorded", |url, _| {
            url.contains("/flows/") && !url.ends_with("/new")
        })
        .await;
    driver.goto(&app.url("/dashboard")).await;
    let html = driver
        .wait_for("the dashboard again", |_, html| {
            html.contains("id=\"recall-notices\"")
        })
        .await;
    assert!(
        html.contains("<strong>0</strong>"),
        "nothing left to return: {html}"
    );
    let (_, recall) = app.get(&gd, &format!("/api/v1/recalls/{recall_id}")).await;
    assert_eq!(recall["returned"], 2, "{recall}");
}

/// Signs `login` in with the tests' password; the dashboard's source.
pub(crate) async fn log_in(driver: &Driver, app: &TestApp, login: &str) -> String {
    driver.goto(&app.url("/login")).await;
    driver.type_into("#login", login).await;
    driver
        .type_into("#password", crate::support::PASSWORD)
        .await;
    driver.click("button[type='submit']").await;
    driver
        .wait_for("the dashboard", |url, _| url.ends_with("/dashboard"))
        .await
}
