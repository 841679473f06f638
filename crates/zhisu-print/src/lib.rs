//! Printable forms of trace codes (P5.6, G6.2): QR symbols as SVG and PNG,
//! A4 label sheets as PDF (with an embedded subset of the shipped CJK
//! font), and ZPL for industrial label printers (text as a graphic).
//!
//! Pure: bytes in, bytes out. One [`LabelTemplate`] per product keeps the
//! marking consistent (G6.2); the text under each symbol is its
//! human-readable form.

pub mod chart;
mod font;
mod pdf;
mod png;
pub mod report;
pub mod template;
pub mod tile_map;
mod wrap;
pub mod xlsx;
mod zpl;

pub use font::has_glyph;
pub use pdf::{label_sheet_pdf, Label, LabelTemplate};
pub use zpl::{zpl_label, ZplJob};

use qrcode::{Color, EcLevel, QrCode};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("内容过长，无法编码为二维码 (the data is too long for a QR code)")]
    TooLong,
    #[error("标签模板无效：{0} (invalid label template: {0})")]
    Template(String),
    #[error("无法生成 PDF：{0} (the PDF could not be written: {0})")]
    Pdf(String),
    #[error("无法生成 XLSX：{0} (the workbook could not be written: {0})")]
    Xlsx(String),
    #[error("无法绘制图表：{0} (the chart could not be drawn: {0})")]
    Chart(String),
}

/// A QR symbol (error correction level M), as a module matrix.
#[derive(Debug, Clone)]
pub struct Qr {
    width: usize,
    dark: Vec<bool>,
}

/// The quiet zone around a symbol, in modules (ISO/IEC 18004 asks for 4).
pub const QUIET_ZONE: usize = 4;

impl Qr {
    pub fn new(data: &str) -> Result<Self, PrintError> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
            .map_err(|_| PrintError::TooLong)?;
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(Qr { width, dark })
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// An SVG of `module_px` pixels per module, quiet zone included, one path.
    pub fn svg(&self, module_px: u32) -> String {
        let side = (self.width + 2 * QUIET_ZONE) as u32 * module_px;
        let mut path = String::with_capacity(self.dark.len() * 8);
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    path.push_str(&format!("M{} {}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE));
                }
            }
        }
        let total = self.width + 2 * QUIET_ZONE;
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{side}\" height=\"{side}\" viewBox=\"0 0 {total} {total}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{total}\" height=\"{total}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
        )
    }

    /// A greyscale PNG of `scale` pixels per module, quiet zone included.
    pub fn png(&self, scale: u32) -> Vec<u8> {
        let scale = scale.max(1) as usize;
        let side = (self.width + 2 * QUIET_ZONE) * scale;
        let mut pixels = vec![255u8; side * side];
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    for dy in 0..scale {
                        let row = ((y + QUIET_ZONE) * scale + dy) * side;
                        let start = row + (x + QUIET_ZONE) * scale;
                        pixels[start..start + scale].fill(0);
                    }
                }
            }
        }
        png::greyscale(side as u32, side as u32, &pixels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_symbols() {
        let qr =
            Qr::new("https://trace.example.cn/01/09520123456788/21/0ABCDEFGHJKMNPQRS").unwrap();
        assert!(
            qr.width() >= 21 && (qr.width() - 17).is_multiple_of(4),
            "a QR version's width"
        );
        // Finder patterns: the three corners are dark.
        assert!(qr.is_dark(0, 0) && qr.is_dark(qr.width() - 1, 0) && qr.is_dark(0, qr.width() - 1));
        let svg = qr.svg(4);
        assert!(svg.starts_with("<svg") && svg.contains("M4 4h1v1h-1z"));
        let png = qr.png(3);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(Qr::new(&"x".repeat(5000)).is_err());
    }
}
