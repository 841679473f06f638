//! Writes a sample label sheet: `cargo run -p zhisu-print --example sheet -- out.pdf`.
fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sheet.pdf".into());
    let labels: Vec<zhisu_print::Label> = (0..std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(30))
        .map(|i| zhisu_print::Label {
            code: format!("https://trace.example.gov.cn/01/09520123456788/21/0ABC{i:05}"),
            lines: vec![
                "聚氯乙烯绝缘电线 BV-2.5mm²".into(),
                "型号 JZT-2B01".into(),
                format!("批次 B20261101 · {i}"),
            ],
        })
        .collect();
    let pdf =
        zhisu_print::label_sheet_pdf(&zhisu_print::LabelTemplate::default(), &labels).unwrap();
    std::fs::write(out, pdf).unwrap();
}
