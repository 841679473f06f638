//! A label sheet as a printer sees it (issue 15.9): the PDF the labels page
//! serves is rendered by poppler (`pdftoppm`, `pdftotext`, `pdffonts`);
//! its font is embedded, its Chinese text and model numbers read back
//! whole, and every QR symbol on the rendered page decodes (rqrr) to the
//! code it was printed for.

use std::process::Command;

use crate::support::{gas_stove_json, EngineKind, TestApp};

/// The poppler tool, or None off CI when it is not installed.
fn poppler(tool: &str) -> Option<String> {
    let found = Command::new(tool).arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {tool} is missing: apt-get install poppler-utils (.ci/run does)"
        );
        return None;
    }
    Some(tool.to_string())
}

/// A binary PGM (P5) as width, height and grey bytes.
fn read_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).to_string());
    }
    assert_eq!(fields[0], "P5", "a binary greyscale PGM");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = bytes[at + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

#[tokio::test]
async fn a_sheet_rendered_by_poppler_reads_back_and_every_symbol_decodes() {
    let (Some(pdftoppm), Some(pdftotext), Some(pdffonts)) = (
        poppler("pdftoppm"),
        poppler("pdftotext"),
        poppler("pdffonts"),
    ) else {
        return;
    };
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.public_url = Some("https://trace.example.gov.cn".into());
    })
    .await;
    let admin = app.key(zhisu_domain::Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let mut product = gas_stove_json("BV-2.5mm²");
    product["product_name"] = "聚氯乙烯绝缘电线".into();
    let (batch, _, codes) = crate::scan::active_batch_of(&app, &maker, product, 981).await;

    let url = format!("/api/v1/batches/{batch}/labels?from=0&to=5");
    let r = app
        .client
        .get(app.url(&url))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labels.pdf");
    std::fs::write(&file, &pdf).unwrap();

    // The font travels with the sheet: embedded, a subset.
    let fonts = Command::new(&pdffonts).arg(&file).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    let row = fonts
        .lines()
        .find(|l| l.contains("WenQuanYi"))
        .unwrap_or_else(|| panic!("{fonts}"));
    assert!(
        row.contains("yes yes yes"),
        "embedded, subset, unicode: {row}"
    );

    // The text reads back, the model number and its unit whole.
    let text = Command::new(&pdftotext)
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("聚氯乙烯绝缘电线"), "{text}");
    assert!(text.contains("BV-2.5mm²"), "mm² whole, not mm⊠: {text}");
    assert!(text.contains("No. 5"), "{text}");

    // Every symbol on the rendered page decodes to its code.
    let out = Command::new(&pdftoppm)
        .args(["-r", "200", "-gray", "-f", "1", "-l", "1"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pgm"))
        .expect("a rendered page");
    let (w, h, pixels) = read_pgm(&std::fs::read(page).unwrap());
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let mut decoded: Vec<String> = image
        .detect_grids()
        .iter()
        .map(|g| g.decode().expect("every symbol decodes").1)
        .collect();
    decoded.sort();
    let mut printed = codes[..5].to_vec();
    printed.sort();
    assert_eq!(decoded, printed);
}
