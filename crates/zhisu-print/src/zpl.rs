//! ZPL for industrial label printers: the QR symbol in the printer's own
//! `^BQ`, and the text as a graphic field (`^GFA`) drawn with the shipped
//! CJK font (issue 15.9): Zebra's resident font 0 has no Chinese glyphs,
//! and a downloaded TrueType font would cost every printer megabytes of
//! memory and a set-up step; a bitmap prints on any ZPL II printer.

use ab_glyph::{point, Font as _, ScaleFont as _};

/// Text height in dots (26 dots ≈ 3.3 mm at 203 dpi).
const TEXT_DOTS: f32 = 26.0;
/// Line pitch in dots.
const LINE_DOTS: usize = 34;
/// Width of the text block in dots, right of the symbol.
const TEXT_WIDTH: usize = 360;
const MAX_LINES: usize = 4;

/// The lines rendered black-on-white, one bit a dot, rows of
/// `TEXT_WIDTH / 8` bytes: what `^GFA` takes.
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

/// One ZPL label: the QR symbol and up to four lines of text (wrapped at
/// word and number boundaries) as a graphic. `^` and `~` would be ZPL
/// commands: they cannot reach the output, since the text is a bitmap and
/// a code is a URI (percent-encoded; stripped all the same).
pub fn zpl_label(code: &str, lines: &[String]) -> String {
    let code: String = code.chars().filter(|c| *c != '^' && *c != '~').collect();
    let (bits, _height) = text_bitmap(lines);
    let row_bytes = TEXT_WIDTH / 8;
    let mut out = String::with_capacity(128 + bits.len() * 2);
    out.push_str("^XA^CI28\n");
    // Model 2 QR, magnification 4, error correction M, data after "MA,".
    out.push_str(&format!("^FO20,20^BQN,2,4^FDMA,{code}^FS\n"));
    out.push_str(&format!(
        "^FO240,30^GFA,{total},{total},{row_bytes},",
        total = bits.len()
    ));
    for byte in &bits {
        out.push_str(&format!("{byte:02X}"));
    }
    out.push_str("^FS\n^XZ\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dots of a `^GFA` field, as rows of booleans.
    fn dots(zpl: &str) -> Vec<Vec<bool>> {
        let gf = zpl.split("^GFA,").nth(1).unwrap();
        let parts: Vec<&str> = gf.splitn(4, ',').collect();
        let row_bytes: usize = parts[2].parse().unwrap();
        let hex = parts[3].split('^').next().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(bytes.len(), parts[0].parse::<usize>().unwrap());
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
    fn chinese_text_prints_as_a_graphic() {
        let z = zpl_label(
            "https://t.cn/01/09520123456788/21/0AB",
            &["家用燃气灶 ^bad~".into(), "B1".into()],
        );
        assert!(z.starts_with("^XA^CI28") && z.trim_end().ends_with("^XZ"));
        assert!(z.contains("^FDMA,https://t.cn/01/09520123456788/21/0AB^FS"));
        assert!(!z.contains("^A0"), "no resident font, which lacks Chinese");
        assert!(!z.contains("家用"), "text is drawn, not sent as characters");
        let rows = dots(&z);
        assert_eq!(rows.len(), 2 * LINE_DOTS, "two lines");
        let inked = |r: std::ops::Range<usize>| rows[r].iter().flatten().filter(|d| **d).count();
        assert!(inked(0..LINE_DOTS) > 200, "the Chinese line is drawn");
        assert!(inked(LINE_DOTS..2 * LINE_DOTS) > 30, "so is the batch");
        // Other text draws other dots.
        assert_ne!(
            dots(&zpl_label("x", &["电线".into()])),
            dots(&zpl_label("x", &["电缆".into()]))
        );
    }

    #[test]
    fn long_text_wraps_within_the_block() {
        let long = "聚氯乙烯绝缘电线电缆 BV-2.5mm² 450/750V 额定电压";
        let rows = dots(&zpl_label("x", &[long.into()]));
        assert!(rows.len() >= 2 * LINE_DOTS, "wrapped to more than one line");
        assert!(rows.len() <= MAX_LINES * LINE_DOTS);
    }
}
