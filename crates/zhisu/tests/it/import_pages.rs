//! 批量导入 in the pages (issue 19.3): a clerk uploads a filled-in XLSX
//! products template (its Chinese names, keys and example row left as
//! downloaded), reads the preview — a wrong row's mistake in Chinese after
//! its column's name —, imports only the valid rows and finds them filed;
//! a file that is no spreadsheet gets a sentence naming the field.

use zhisu_domain::Role;
use zhisu_print::xlsx::{workbook, Cell, Sheet};

use crate::support::{EngineKind, TestApp};

/// A products workbook as a clerk fills the template: names, keys, the
/// example row, then `rows` (model, category).
fn products_xlsx(rows: &[(&str, &str)]) -> Vec<u8> {
    let kind = zhisu_domain::imports::kind("products").unwrap();
    let names: Vec<&str> = kind.columns.iter().map(|c| c.zh.as_str()).collect();
    let mut cells: Vec<Vec<Cell>> = vec![
        kind.columns
            .iter()
            .map(|c| Cell::from(c.key.as_str()))
            .collect(),
        kind.columns
            .iter()
            .map(|c| Cell::from(c.shown_example()))
            .collect(),
    ];
    for (model, category) in rows {
        cells.push(
            kind.columns
                .iter()
                .map(|c| match c.key.as_str() {
                    "model" => Cell::from(*model),
                    "category" => Cell::from(*category),
                    "warranty_months" => Cell::Number(36.0),
                    "service_life_months" | "gtin" | "scheme_code" => Cell::Empty,
                    _ => Cell::from(c.shown_example()),
                })
                .collect(),
        );
    }
    workbook(&[Sheet::new("产品", &names, cells)]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_previews_a_sheet_and_imports_its_valid_rows() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (client, csrf) = crate::pages::person(
        &app,
        "imp-clerk",
        "王录入",
        Role::ManufacturerAdmin,
        maker_id,
    )
    .await;
    let get = |path: String| {
        let request = client.get(app.url(&path));
        async move {
            request
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .replace("&#x2f;", "/")
        }
    };

    // The products list leads to the import page, products chosen.
    let list = get("/products".into()).await;
    assert!(list.contains("/imports?kind=products"), "{list}");
    let form = get("/imports?kind=products".into()).await;
    assert!(
        form.contains("<option value=\"products\" selected>产品</option>"),
        "{form}"
    );

    let xlsx = products_xlsx(&[
        ("XL-1", "家用燃气器具"),
        ("XL-2", "燃气炉具"),
        ("XL-3", "gas-appliance"),
    ]);
    let upload = |bytes: Vec<u8>, name: &str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("kind", "products")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        client.post(app.url("/imports")).multipart(form).send()
    };
    let r = upload(xlsx, "产品导入.xlsx").await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let preview_at = r.headers()["location"].to_str().unwrap().to_string();
    let preview = get(preview_at.clone()).await;
    // Rows 4 to 6: the example row (3) skipped; row 5's category is no
    // choice of the list, said after the column's Chinese name.
    assert!(preview.contains("已检查，待确认"), "{preview}");
    assert!(preview.contains("王录入"), "{preview}");
    assert!(preview.contains("产品导入.xlsx"), "{preview}");
    assert!(preview.contains("<td>5</td>"), "{preview}");
    assert!(
        preview.contains("规格型号：XL-2"),
        "a wrong row's content: {preview}"
    );
    assert!(
        preview.contains("产品类别：“燃气炉具”不在可选项中"),
        "{preview}"
    );
    assert!(
        !preview.contains("id=\"commit-all\""),
        "a wrong row: no 全部导入"
    );
    assert!(preview.contains("id=\"commit-valid\""), "{preview}");
    assert_eq!(
        app.scalar("select count(*) from records where kind = 'product'")
            .await,
        0,
        "a preview files nothing"
    );

    // Only the valid rows.
    let id = preview_at.rsplit('/').next().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("mode", "valid");
    let r = client
        .post(app.url(&format!("/imports/{id}/commit")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    crate::import_jobs::settled(&app, &maker, id.parse().unwrap()).await;
    let done = get(preview_at.clone()).await;
    assert!(done.contains("已完成（只导入无误的行）"), "{done}");
    assert!(done.contains("已导入"), "{done}");
    assert!(done.contains("规格型号：XL-1"), "{done}");
    let products = app
        .strings("select unique_key from records where kind = 'product' order by id")
        .await;
    assert_eq!(
        products,
        vec![format!("{maker_id}/XL-1"), format!("{maker_id}/XL-3")]
    );
    let link = format!(
        "/products/{}",
        app.scalar("select min(id) from records where kind = 'product'")
            .await
    );
    assert!(done.contains(&link), "{done}");
    let imports = get("/imports".into()).await;
    assert!(
        imports.contains("产品导入.xlsx") && imports.contains("已完成"),
        "{imports}"
    );

    // Not a spreadsheet: a sentence naming the field; nothing kept.
    let r = upload(b"\0\0\0".to_vec(), "x.xlsx").await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("这不是表格文件"), "{page}");
    let r = upload(Vec::new(), "").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("文件: 请选择要上传的文件"));
    assert_eq!(app.scalar("select count(*) from imports").await, 1);

    // In English, the page and the kinds are named in English.
    client.get(app.url("/lang/en")).send().await.unwrap();
    let english = get("/imports".into()).await;
    assert!(english.contains(">products</option>"), "{english}");
    assert!(english.contains("Imports so far"), "{english}");
    assert!(english.contains("<td>products</td>"), "{english}");
}
