//! Prints one sample ZPL label: `cargo run -p zhisu-print --example zpl`.
fn main() {
    let lines = [
        "聚氯乙烯绝缘电线 BV-2.5mm²".to_string(),
        "型号 JZT-2B01".to_string(),
        "批次 B20261101 · 7".to_string(),
    ];
    print!(
        "{}",
        zhisu_print::zpl_label(
            "https://trace.example.gov.cn/01/09520123456788/21/0ABC",
            &lines
        )
    );
}
