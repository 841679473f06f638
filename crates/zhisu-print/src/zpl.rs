//! ZPL for industrial label printers: the QR symbol in the printer's own
//! `^BQ`; ASCII text (serials, item numbers) in its resident font; any
//! other text drawn with the shipped CJK font as a graphic (issue 15.9):
//! Zebra's font 0 has no Chinese glyphs, and a downloaded TrueType font
//! would cost every printer megabytes of memory and a set-up step. A line
//! that many labels share (the product, the batch) is stored in the
//! printer once per job (`~DG`) and recalled on each label (`^XG`), so a
//! job of 10,000 labels carries each Chinese line's bitmap once.

use std::collections::HashMap;

use ab_glyph::{point, Font as _, ScaleFont as _};

/// Text height in dots (26 dots ≈ 3.3 mm at 203 dpi).
const TEXT_DOTS: f32 = 26.0;
/// Line pitch in dots.
const LINE_DOTS: usize = 34;
/// Width of the text block in dots, right of the symbol.
const TEXT_WIDTH: usize = 360;
const MAX_LINES: usize = 4;
/// Where the text block starts, right of the symbol.
const TEXT_X: usize = 240;

/// The lines rendered black-on-white, one bit a dot, rows of
/// `TEXT_WIDTH / 8` bytes: what `~DG` and `^GFA` take; and its height.
fn text_bitmap(lines: &[String]) -> (Vec<u8>, usize) {
    let font = crate::font::font();
    let scaled = font.as_scaled(TEXT_DOTS);
    let width = |c: char| crate::font::advance_em(c) * TEXT_DOTS;
    let wrapped: Vec<String> = lines
        .iter()
        .flat_map(|l| crate::wrap::wrap(l, TEXT_WIDTH as f32, width))
        .take(MAX_LINES)
        .collect();
    let row_bytes = TEXT_WIDTH / 8;
    let height = wrapped.len().max(1) * LINE_DOTS;
    let mut bits = vec![0u8; row_bytes * height];
    for (n, line) in wrapped.iter().enumerate() {
        let baseline = n as f32 * LINE_DOTS as f32 + scaled.ascent();
        let mut x = 0.0;
        for c in line.chars() {
            let id = font.glyph_id(c);
            let glyph = id.with_scale_and_position(TEXT_DOTS, point(x, baseline));
            x += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + gx as i64;
                let py = bounds.min.y as i64 + gy as i64;
                if coverage >= 0.5
                    && (0..TEXT_WIDTH as i64).contains(&px)
                    && (0..height as i64).contains(&py)
                {
                    let (px, py) = (px as usize, py as usize);
                    bits[py * row_bytes + px / 8] |= 0x80 >> (px % 8);
                }
            });
        }
    }
    (bits, height)
}

/// A print job: remembers which text graphics the printer already holds.
#[derive(Debug, Default)]
pub struct ZplJob {
    stored: HashMap<String, (String, usize)>,
}

impl ZplJob {
    pub fn new() -> Self {
        ZplJob::default()
    }

    /// Appends one label: the QR symbol and up to four lines of text, each
    /// wrapped at word and number boundaries. `^` and `~` would be ZPL
    /// commands, so they are dropped from what is sent as text.
    pub fn label(&mut self, code: &str, lines: &[String], out: &mut String) {
        let clean = |s: &str| -> String { s.chars().filter(|c| *c != '^' && *c != '~').collect() };
        let mut body = String::with_capacity(256);
        // Model 2 QR, magnification 4, error correction M, data after "MA,".
        body.push_str(&format!("^FO20,20^BQN,2,4^FDMA,{}^FS\n", clean(code)));
        let mut y = 30;
        let mut used = 0;
        for line in lines {
            if used >= MAX_LINES {
                break;
            }
            if line.is_ascii() {
                // Font 0, 26 dots; a field block wraps a long line in two.
                body.push_str(&format!(
                    "^FO{TEXT_X},{y}^A0N,26,26^FB{TEXT_WIDTH},2,0,L^FD{}^FS\n",
                    clean(line)
                ));
                let rows = if (line.len() as f32) * 14.0 > TEXT_WIDTH as f32 {
                    2
                } else {
                    1
                };
                y += rows * LINE_DOTS;
                used += rows;
                continue;
            }
            let (name, height) = match self.stored.get(line) {
                Some(stored) => stored.clone(),
                None => {
                    let (bits, height) = text_bitmap(std::slice::from_ref(line));
                    let name = format!("R:ZS{:04}.GRF", self.stored.len() + 1);
                    out.push_str(&format!("~DG{name},{},{},", bits.len(), TEXT_WIDTH / 8));
                    for byte in &bits {
                        out.push_str(&format!("{byte:02X}"));
                    }
                    out.push('\n');
                    self.stored.insert(line.clone(), (name.clone(), height));
                    (name, height)
                }
            };
            body.push_str(&format!("^FO{TEXT_X},{y}^XG{name},1,1^FS\n"));
            y += height;
            used += height / LINE_DOTS;
        }
        out.push_str("^XA^CI28\n");
        out.push_str(&body);
        out.push_str("^XZ\n");
    }
}

/// One label as a job of its own (its graphics stored with it).
pub fn zpl_label(code: &str, lines: &[String]) -> String {
    let mut out = String::new();
    ZplJob::new().label(code, lines, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dots of the `n`th stored graphic (`~DG`), as rows of booleans.
    fn dots(zpl: &str, n: usize) -> Vec<Vec<bool>> {
        let gf = zpl.split("~DG").nth(n + 1).unwrap();
        let parts: Vec<&str> = gf.splitn(4, ',').collect();
        let row_bytes: usize = parts[2].parse().unwrap();
        let hex = parts[3].lines().next().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(bytes.len(), parts[1].parse::<usize>().unwrap());
        bytes
            .chunks(row_bytes)
            .map(|row| {
                (0..row_bytes * 8)
                    .map(|x| row[x / 8] & (0x80 >> (x % 8)) != 0)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn chinese_text_prints_as_a_graphic_and_ascii_as_text() {
        let z = zpl_label(
            "https://t.cn/01/09520123456788/21/0AB",
            &["家用燃气灶 ^bad~".into(), "B1".into()],
        );
        assert!(z.contains("^XA^CI28") && z.trim_end().ends_with("^XZ"));
        assert!(z.contains("^FDMA,https://t.cn/01/09520123456788/21/0AB^FS"));
        assert!(
            !z.contains("家用"),
            "Chinese is drawn, not sent as characters"
        );
        assert!(z.contains("^FDB1^FS"), "ASCII in the resident font: {z}");
        assert!(z.contains("^XGR:ZS0001.GRF,1,1^FS"), "{z}");
        let rows = dots(&z, 0);
        assert_eq!(rows.len(), LINE_DOTS, "one line");
        assert!(
            rows.iter().flatten().filter(|d| **d).count() > 200,
            "the line is drawn"
        );
        assert_ne!(
            dots(&zpl_label("x", &["电线".into()]), 0),
            dots(&zpl_label("x", &["电缆".into()]), 0)
        );
    }

    #[test]
    fn a_job_stores_each_shared_line_once() {
        let mut job = ZplJob::new();
        let mut out = String::new();
        for i in 0..3 {
            let lines = [
                "家用燃气灶 JZT-2B01".into(),
                "批次 B20261101".into(),
                format!("No. {i}"),
            ];
            job.label(&format!("https://t.cn/01/1/21/{i}"), &lines, &mut out);
        }
        assert_eq!(out.matches("^XA").count(), 3);
        assert_eq!(
            out.matches("~DG").count(),
            2,
            "the product and the batch, once each"
        );
        assert_eq!(out.matches("^XGR:ZS0001.GRF").count(), 3);
        assert_eq!(out.matches("^XGR:ZS0002.GRF").count(), 3);
        assert!(out.contains("^FDNo. 2^FS"));
    }

    #[test]
    fn long_text_wraps_within_the_block() {
        let long = "聚氯乙烯绝缘电线电缆 BV-2.5mm² 450/750V 额定电压";
        let rows = dots(&zpl_label("x", &[long.into()]), 0);
        assert!(rows.len() >= 2 * LINE_DOTS, "wrapped to more than one line");
        assert!(rows.len() <= MAX_LINES * LINE_DOTS);
    }
}
