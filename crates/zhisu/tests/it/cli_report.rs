//! `zhisu report` (issue 18.5) as an operator runs it on the demo: the
//! platform's month as a PDF, a province's as an XLSX workbook naming the
//! demo's scan spike among its anomalies and where its goods were scanned,
//! and a wrong period or form
//! refused naming the option, with no file written.

use chrono::Datelike;

use crate::cli::zhisu;
use crate::support::xlsx_sheets;

#[test]
fn reports_are_written_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data_arg = data.to_str().unwrap();
    let seeded = zhisu()
        .args(["demo", "--no-serve", "--data", data_arg])
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    // The demo's spike of scans is nine days ago: that day's month.
    let spike = zhisu_service::today_in_shanghai() - chrono::Duration::days(9);
    let month = format!("{}-{:02}", spike.year(), spike.month());

    let pdf = dir.path().join("platform.pdf");
    let out = zhisu()
        .args(["report", "--data", data_arg, "--period", &month, "--out"])
        .arg(&pdf)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("5/5") && stderr.contains("已写入"),
        "the progress and the file: {stderr}"
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-") && String::from_utf8_lossy(&bytes).contains("/FontFile2"));

    let xlsx = dir.path().join("gd.xlsx");
    let out = zhisu()
        .args([
            "report", "--data", data_arg, "--period", &month, "--region", "440000", "--format",
            "xlsx", "--out",
        ])
        .arg(&xlsx)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sheets = xlsx_sheets(&std::fs::read(&xlsx).unwrap());
    let title = &sheets[0].1[0][0];
    assert!(
        title.starts_with("广东省产品质量安全追溯统计月报"),
        "{title}"
    );
    let anomalies = &sheets.iter().find(|(n, _)| n == "异常提示").unwrap().1;
    let day = format!("{}月{}日", spike.month(), spike.day());
    assert!(
        anomalies.iter().any(|r| r[0] == "扫码次数" && r[1] == day),
        "the spike on {day}: {anomalies:?}"
    );
    // 扫码地域 (P6.7): the demo's scans where their page said it was,
    // Guangdong first, those that said nowhere in a row of their own.
    let scans = &sheets
        .iter()
        .find(|(n, _)| n == "扫码地域")
        .expect("扫码地域")
        .1;
    assert_eq!(scans[0][0], "扫码所在省份", "{scans:?}");
    assert_eq!(scans[1][0], "广东省", "{scans:?}");
    assert!(scans.iter().any(|r| r[0] == "未提供地域"), "{scans:?}");

    for (args, option) in [
        (vec!["--period", "2026-13"], "--period"),
        (vec!["--period", &month, "--format", "doc"], "--format"),
    ] {
        let never = dir.path().join("never.pdf");
        let out = zhisu()
            .args(["report", "--data", data_arg])
            .args(&args)
            .arg("--out")
            .arg(&never)
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains(option), "{args:?}: {stderr}");
        assert!(!never.exists(), "nothing is written");
    }
}
