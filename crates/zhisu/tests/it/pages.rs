//! The pages over real HTTP: registration, log-in, CSRF, filing,
//! amending, history, tenants, language.

use reqwest::multipart::{Form, Part};

use crate::support::{fresh_uscc, pdf, EngineKind, TestApp};

/// The CSRF token a page's forms carry.
pub(crate) fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post_form(app: &TestApp, path: &str, form: Form) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn registration_form(csrf: &str, login: &str, uscc: &str) -> Form {
    Form::new()
        .text("csrf", csrf.to_string())
        .text("login", login.to_string())
        .text("password", crate::support::PASSWORD)
        .text("display_name", "陈工")
        .text("kind", "manufacturer")
        .text("name", "粤海电线电缆有限公司")
        .text("uscc", uscc.to_string())
        .text("address", "广东省深圳市宝安区福海街道8号")
        .text("region_code", "440306")
        .text("contact_phone", "0755-2788 6612")
        .text("management_certifications", "ISO 9001:2015\nISO 14001:2015")
        .part(
            "business_licence",
            Part::bytes(pdf()).file_name("营业执照.pdf"),
        )
}

#[tokio::test]
async fn register_file_amend_and_read_history() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;

    // Anonymous visitors are sent to the log-in page.
    let r = app.client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fdashboard");

    let (status, html) = page(&app, "/register").await;
    assert_eq!(status, 200);
    assert!(html.contains("统一社会信用代码"), "Chinese by default");
    let csrf = csrf_of(&html);

    // A form without the CSRF token is refused and stores nothing.
    let before = app.counts().await;
    let r = post_form(
        &app,
        "/register",
        registration_form("forged", "cable", &fresh_uscc("440306")),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.counts().await, before);

    // A wrong check character is explained beside the field; typed values stay.
    let r = post_form(
        &app,
        "/register",
        registration_form(&csrf, "cable", "91440300MA5G2K7C00"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("校验"), "the USCC finding is shown");
    assert!(
        html.contains("粤海电线电缆有限公司"),
        "what was typed is kept"
    );
    assert_eq!(app.counts().await, before);

    // A good registration logs the person in.
    let uscc = fresh_uscc("440306");
    let r = post_form(&app, "/register", registration_form(&csrf, "cable", &uscc)).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()["location"], "/dashboard");
    let set_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        set_cookie.contains("zhisu_session=")
            && set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let (status, html) = page(&app, "/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("生产企业管理员"));
    let csrf = csrf_of(&html);

    // Filing a product: findings first, then success.
    let r = post_form(
        &app,
        "/products/new",
        Form::new()
            .text("csrf", csrf.clone())
            .text("category", "gas-appliance")
            .text("product_name", "家用燃气灶"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("CCC"),
        "the CCC requirement of the category is explained"
    );
    assert!(html.contains("value=\"家用燃气灶\""));
    let product_form = |model: &str| {
        Form::new()
            .text("csrf", csrf.clone())
            .text("product_name", "家用燃气灶")
            .text("product_type", "嵌入式燃气灶")
            .text("model", model.to_string())
            .text("category", "gas-appliance")
            .text("mandatory_standards", "GB 16410-2020")
            .text("ccc_cert_no", "2021010101123456")
            .text("warranty_months", "36")
            .text("instructions", "使用前检查燃气软管")
            .text("code_scheme", "gs1")
            .text("trace_level", "per-item")
    };
    let r = post_form(&app, "/products/new", product_form("JZT-2B01")).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (status, html) = page(&app, &location).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("JZT-2B01") && html.contains("一物一码") && html.contains("家用燃气器具")
    );

    // An Ecode product files its Ecode in the same form: a bad one is
    // explained and kept in the field, a good one is shown on its page.
    let ecode_form = |code: &str| {
        product_form("JSQ-E1")
            .text("code_scheme", "ecode")
            .text("scheme_code", code.to_string())
    };
    let r = post_form(&app, "/products/new", ecode_form("E 1")).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("only letters, digits"),
        "the rule is explained: {html}"
    );
    assert!(html.contains("value=\"E 1\""), "the input is kept: {html}");
    let r = post_form(&app, "/products/new", ecode_form("PAGE-ECODE-1")).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, r.headers()["location"].to_str().unwrap()).await;
    assert!(
        html.contains("PAGE-ECODE-1") && html.contains("本方案码"),
        "{html}"
    );

    // Amending keeps history; a stale form is refused.
    let r = post_form(
        &app,
        &format!("{location}/edit"),
        product_form("JZT-2B01")
            .text("version", "1")
            .text("warranty_months", "48"),
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post_form(
        &app,
        &format!("{location}/edit"),
        product_form("JZT-2B01")
            .text("version", "1")
            .text("warranty_months", "60"),
    )
    .await;
    assert_eq!(
        r.status(),
        422,
        "a form based on version 1 cannot overwrite version 2"
    );
    let (_, html) = page(&app, &format!("{location}/history")).await;
    assert!(html.contains("v2") && html.contains("v1"));
    assert!(
        html.contains("质保期限（月）: 36 → 48"),
        "the change is shown: {html}"
    );

    // The record page shows how long it is kept and links its ledger
    // receipt, which checks offline with nothing but the public key.
    let product_id = location.rsplit('/').next().unwrap().to_string();
    let (_, html) = page(&app, &location).await;
    assert!(html.contains("保存至"), "retention shown: {html}");
    let receipt_url = format!("/receipt/product/{product_id}");
    assert!(html.contains(&receipt_url.replace('/', "&#x2f;")), "{html}");
    let r = app.client.get(app.url(&receipt_url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("receipt-product-"));
    let receipt: serde_json::Value = r.json().await.unwrap();
    let key = app
        .client
        .get(app.url("/ledger/key"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let proof: Vec<String> = serde_json::from_value(receipt["proof"].clone()).unwrap();
    zhisu_ledger::receipt::verify_receipt(
        key.trim(),
        receipt["checkpoint"].as_str().unwrap(),
        zhisu_ledger::receipt::RecordLeaf {
            kind: "product",
            record_id: product_id.parse().unwrap(),
            version: 2,
            canonical_body: receipt["canonical_body"].as_str().unwrap(),
        },
        receipt["leaf_index"].as_u64().unwrap(),
        &proof,
    )
    .expect("the receipt verifies");
    let (status, _) = page(&app, "/receipt/bananas/1").await;
    assert_eq!(status, 404);

    // A batch with its report, then the product page lists it.
    let r = post_form(
        &app,
        "/batches/new",
        Form::new()
            .text("csrf", csrf.clone())
            .text("product_id", product_id)
            .text("batch_no", "B20261101")
            .text("production_date", "2026-11-01")
            .text("quantity", "500")
            .part(
                "inspection_report",
                Part::bytes(pdf()).file_name("report.pdf"),
            ),
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &location).await;
    assert!(html.contains("B20261101"));

    // Someone else's record is not found; the language switch works.
    let (status, _) = page(&app, "/enterprises/999999").await;
    assert_eq!(status, 404);
    let r = app
        .client
        .get(app.url("/lang/en"))
        .header("referer", app.url("/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/dashboard");
    let (_, html) = page(&app, "/dashboard").await;
    assert!(html.contains("Log out") && html.contains("Products"));

    // Log out, then a wrong password is refused and audited.
    let r = post_form(&app, "/logout", Form::new().text("csrf", csrf.clone())).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.client
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let (_, html) = page(&app, "/login").await;
    let login_csrf = csrf_of(&html);
    let r = post_form(
        &app,
        "/login",
        Form::new()
            .text("csrf", login_csrf.clone())
            .text("login", "cable")
            .text("password", "wrong-password")
            .text("next", "/dashboard"),
    )
    .await;
    assert_eq!(r.status(), 401);
    let r = post_form(
        &app,
        "/login",
        Form::new()
            .text("csrf", login_csrf)
            .text("login", "cable")
            .text("password", crate::support::PASSWORD)
            .text("next", "//evil.example/"),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/dashboard",
        "open redirects are not followed"
    );
    let admin = app.key(zhisu_domain::Role::AuditAdmin, None, &[]).await;
    let (_, audit) = app.get(&admin, "/api/v1/audit?action=session.login").await;
    let outcomes: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert!(
        outcomes.contains(&"denied") && outcomes.contains(&"ok"),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn tenants_and_regulators_in_pages() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, a_key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, product) = app
        .post(
            &a_key,
            "/api/v1/products",
            &crate::support::gas_stove_json("GD-1"),
        )
        .await;
    let product_id = product["id"].as_i64().unwrap();
    app.service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "zj-reg",
                crate::support::PASSWORD,
                "浙江",
                zhisu_domain::Role::Regulator,
            )
            .jurisdiction(&["330000".into()]),
        )
        .await
        .unwrap();
    app.service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "gd-reg",
                crate::support::PASSWORD,
                "广东",
                zhisu_domain::Role::Regulator,
            )
            .jurisdiction(&["440000".into()]),
        )
        .await
        .unwrap();
    for (login, expected) in [("zj-reg", 404), ("gd-reg", 200)] {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let html = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let form = Form::new()
            .text("csrf", csrf_of(&html))
            .text("login", login)
            .text("password", crate::support::PASSWORD)
            .text("next", "/products");
        assert_eq!(
            client
                .post(app.url("/login"))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .status(),
            303
        );
        let r = client
            .get(app.url(&format!("/products/{product_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), expected, "{login}");
        let list = client
            .get(app.url("/products"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(list.contains("GD-1"), expected == 200, "{login} list");
    }
}

/// Makes a person of an enterprise and signs them in: the client and its
/// session's CSRF token.
pub(crate) async fn person(
    app: &TestApp,
    login: &str,
    name: &str,
    role: zhisu_domain::Role,
    enterprise_id: i64,
) -> (reqwest::Client, String) {
    let account = zhisu_service::NewAccount::new(login, crate::support::PASSWORD, name, role)
        .enterprise(Some(enterprise_id));
    app.service.create_user(None, account).await.unwrap();
    signed_in(app, login).await
}

/// Signs a new client in through the log-in page and returns it with the
/// CSRF token of its session.
/// A fresh client's log-in through the page, and the answer.
pub(crate) async fn log_in(
    app: &TestApp,
    login: &str,
    password: &str,
) -> (reqwest::Client, reqwest::Response) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = Form::new()
        .text("csrf", csrf_of(&html))
        .text("login", login.to_string())
        .text("password", password.to_string())
        .text("next", "/dashboard");
    let answer = client
        .post(app.url("/login"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (client, answer)
}

pub(crate) async fn signed_in(app: &TestApp, login: &str) -> (reqwest::Client, String) {
    let (client, answer) = log_in(app, login, crate::support::PASSWORD).await;
    assert_eq!(answer.status(), 303, "{login} logs in");
    // A person whose password an admin chose, or who owes a one-time
    // code, is sent there first: the CSRF token is read from that page.
    let dashboard = client.get(app.url("/dashboard")).send().await.unwrap();
    let page = match dashboard.headers().get("location") {
        Some(to) => to.to_str().unwrap().to_string(),
        None => "/dashboard".to_string(),
    };
    let html = client
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (client, csrf_of(&html))
}

#[tokio::test]
async fn batch_workflow_in_pages() {
    use serde_json::json;
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker_key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let mut product = crate::support::gas_stove_json("PAGE-1");
    product["gtin"] = json!("6970000000017");
    let (_, product) = app.post(&maker_key, "/api/v1/products", &product).await;
    let regulator = |login: &str| {
        zhisu_service::NewAccount::new(
            login,
            crate::support::PASSWORD,
            login,
            zhisu_domain::Role::Regulator,
        )
        .jurisdiction(&["440000".to_string()])
    };
    app.service
        .create_user(None, regulator("gd-reviewer"))
        .await
        .unwrap();
    let operator = zhisu_service::NewAccount::new(
        "operator",
        crate::support::PASSWORD,
        "操作员",
        zhisu_domain::Role::ManufacturerOperator,
    )
    .enterprise(Some(maker_id));
    app.service.create_user(None, operator).await.unwrap();
    let (maker, csrf) = signed_in(&app, "operator").await;

    // An old batch: the automatic check sends it to a reviewer.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("product_id", product["id"].to_string())
        .text("batch_no", "P-OLD")
        .text("production_date", "2024-01-15")
        .text("quantity", "300")
        .part("inspection_report", Part::bytes(pdf()).file_name("r.pdf"));
    let r = maker
        .post(app.url("/batches/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let batch_url = r.headers()["location"].to_str().unwrap().to_string();
    let html = maker
        .get(app.url(&batch_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"submit\"") && html.contains("提交审核"));
    let r = maker
        .post(app.url(&format!("{batch_url}/submit")))
        .multipart(Form::new().text("csrf", csrf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = maker
        .get(app.url(&batch_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("待审核") && html.contains("P4"),
        "the note is shown"
    );
    assert!(!html.contains("id=\"approve\""), "makers do not review");

    // The regulator finds it in the queue and must give a reason to reject.
    let (regulator, reg_csrf) = signed_in(&app, "gd-reviewer").await;
    let queue = regulator
        .get(app.url("/batches?status=submitted"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("P-OLD"));
    let r = regulator
        .post(app.url(&format!("{batch_url}/review")))
        .multipart(
            Form::new()
                .text("csrf", reg_csrf.clone())
                .text("decision", "reject"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("rejection needs a reason"));
    let form = Form::new()
        .text("csrf", reg_csrf.clone())
        .text("decision", "approve")
        .text("reason", "已核实");
    assert_eq!(
        regulator
            .post(app.url(&format!("{batch_url}/review")))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let forged = regulator
        .post(app.url(&format!("{batch_url}/activate")))
        .multipart(Form::new().text("csrf", reg_csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "regulators do not activate");

    // The maker activates and downloads the codes.
    let html = maker
        .get(app.url(&batch_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("已核实") && html.contains("id=\"activate\""));
    let r = maker
        .post(app.url(&format!("{batch_url}/activate")))
        .multipart(Form::new().text("csrf", csrf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = maker
        .get(app.url(&batch_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"codes-txt\"") && html.contains("已激活"));
    let r = maker
        .get(app.url(&format!("{batch_url}/codes.txt")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    let codes = r.text().await.unwrap();
    assert_eq!(codes.lines().count(), 300);
    assert!(codes
        .lines()
        .all(|c| c.starts_with(&format!("{}/01/06970000000017/21/", app.base))));
    let csv = maker
        .get(app.url(&format!("{batch_url}/codes.csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().next(), Some("index,code"));
    assert_eq!(
        regulator
            .get(app.url(&format!("{batch_url}/codes.txt")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // An active batch can no longer be edited.
    assert!(!html.contains(&format!("href=\"{batch_url}/edit\"")));
}

/// The life-cycle page (P6.2): reached from the batch page, every step in
/// order with risks marked, and a clear answer for bad or foreign codes.
#[tokio::test]
async fn a_codes_life_in_pages() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker_key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (batch, _, codes) = crate::scan::active_item_batch(&app, &maker_key, "LIFE-P", 961).await;
    let operator = zhisu_service::NewAccount::new(
        "life-operator",
        crate::support::PASSWORD,
        "操作员",
        zhisu_domain::Role::ManufacturerOperator,
    )
    .enterprise(Some(maker_id));
    app.service.create_user(None, operator).await.unwrap();
    let (maker, _) = signed_in(&app, "life-operator").await;
    let get = |path: String| {
        let maker = maker.clone();
        let url = app.url(&path);
        async move {
            let r = maker.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (_, html) = get(format!("/batches/{batch}")).await;
    let link = html
        .split("id=\"code-life\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .map(|href| href.trim_end_matches(['"', ' ']).to_string())
        .expect("the batch page links the life of its first code");
    assert!(link.contains("life?code="), "{link}");
    let (status, html) = get(link.replace("&#x2f;", "/")).await;
    assert_eq!(status, 200, "{html}");
    for step in ["product-filed", "batch-filed", "activated"] {
        assert!(
            html.contains(&format!("data-step=\"{step}\"")),
            "{step}: {html}"
        );
    }
    assert!(html.contains("激活赋码"), "steps are labelled: {html}");
    assert!(!html.contains("id=\"risks\""), "no risk yet");

    // The production and circulation view lists the product: one active
    // batch of five items, nothing shipped yet.
    let (status, html) = get("/supply".into()).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("生产与流通") && html.contains("data-product="),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"num\">1</td><td class=\"num\">5</td>"),
        "{html}"
    );

    // A frozen batch: the risk shows on top and its row is marked.
    let gd = app
        .key(zhisu_domain::Role::Regulator, None, &["440000"])
        .await;
    let (status, _) = app
        .post(
            &gd,
            &format!("/api/v1/batches/{batch}/dispose"),
            &serde_json::json!({"action": "freeze", "reason": "抽检复核"}),
        )
        .await;
    assert_eq!(status, 200);
    let path = format!("/codes/life?code={}", urlencoding::encode(&codes[1]));
    let (status, html) = get(path).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"risks\"") && html.contains("抽检复核"),
        "{html}"
    );
    assert!(
        html.contains("data-step=\"frozen\" class=\"risk\""),
        "{html}"
    );

    // Bad and foreign codes.
    let (status, html) = get("/codes/life?code=https%3A%2F%2Fx.cn%2F01%2F123".into()).await;
    assert_eq!(status, 400);
    assert!(html.contains("id=\"life-error\""), "{html}");
    let forged = urlencoding::encode(&crate::support::forge(&codes[0])).into_owned();
    let (status, html) = get(format!("/codes/life?code={forged}")).await;
    assert_eq!(status, 404);
    assert!(html.contains("no such code"), "{html}");
    let (status, html) = get("/codes/life".into()).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"life-lookup\""),
        "the empty form: {html}"
    );
    let r = app.client.get(app.url("/codes/life")).send().await.unwrap();
    assert_eq!(
        r.status().as_u16(),
        303,
        "signed-out visitors are sent to log in"
    );
}
