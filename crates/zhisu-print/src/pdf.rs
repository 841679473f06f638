//! A4 label sheets as PDF 1.4: a grid of labels, each a QR symbol drawn as
//! filled squares with its text beside it.
//!
//! Text uses the Adobe-GB1 font `STSong-Light` with the `UniGB-UCS2-H`
//! encoding, one of the standard CJK fonts PDF viewers provide without
//! embedding, so Chinese product names print without shipping a font.

use crate::{PrintError, Qr, QUIET_ZONE};

/// Millimetres to PDF points.
fn pt(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

/// The layout of one product's labels (G6.2: one template per product).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelTemplate {
    pub page_width_mm: f32,
    pub page_height_mm: f32,
    pub columns: u32,
    pub rows: u32,
    pub label_width_mm: f32,
    pub label_height_mm: f32,
    pub margin_left_mm: f32,
    pub margin_top_mm: f32,
    pub gap_x_mm: f32,
    pub gap_y_mm: f32,
    /// Print the text lines beside the symbol.
    pub show_text: bool,
}

impl Default for LabelTemplate {
    /// A4, 3 × 8 labels of 60 × 33 mm.
    fn default() -> Self {
        LabelTemplate {
            page_width_mm: 210.0,
            page_height_mm: 297.0,
            columns: 3,
            rows: 8,
            label_width_mm: 60.0,
            label_height_mm: 33.0,
            margin_left_mm: 10.0,
            margin_top_mm: 9.5,
            gap_x_mm: 5.0,
            gap_y_mm: 2.0,
            show_text: true,
        }
    }
}

impl LabelTemplate {
    pub fn per_page(&self) -> usize {
        (self.columns * self.rows) as usize
    }

    /// The grid must fit the page and labels must hold a readable symbol.
    pub fn check(&self) -> Result<(), PrintError> {
        let width = self.margin_left_mm
            + self.columns as f32 * self.label_width_mm
            + (self.columns.saturating_sub(1)) as f32 * self.gap_x_mm;
        let height = self.margin_top_mm
            + self.rows as f32 * self.label_height_mm
            + (self.rows.saturating_sub(1)) as f32 * self.gap_y_mm;
        if self.columns == 0 || self.rows == 0 || self.columns > 20 || self.rows > 40 {
            return Err(PrintError::Template("columns 1-20 and rows 1-40".into()));
        }
        if width > self.page_width_mm + 0.01 || height > self.page_height_mm + 0.01 {
            return Err(PrintError::Template(format!(
                "{width:.1} × {height:.1} mm does not fit the page"
            )));
        }
        if self.label_height_mm.min(self.label_width_mm) < 12.0 {
            return Err(PrintError::Template(
                "labels under 12 mm cannot hold a scannable symbol".into(),
            ));
        }
        Ok(())
    }
}

/// One label: its code and the lines printed beside the symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub code: String,
    pub lines: Vec<String>,
}

/// Text as a PDF hex string of UTF-16BE code units (UniGB-UCS2-H).
fn ucs2_hex(text: &str) -> String {
    let mut out = String::from("<");
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

/// Splits text into lines no wider than `max_em` (CJK characters are 1 em
/// wide in STSong-Light, the rest half an em).
fn wrap(text: &str, max_em: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut width = 0.0;
    for c in text.chars() {
        let w = if c.is_ascii() { 0.5 } else { 1.0 };
        if width + w > max_em && !lines.last().is_some_and(String::is_empty) {
            lines.push(String::new());
            width = 0.0;
        }
        lines.last_mut().expect("one line").push(c);
        width += w;
    }
    lines
}

const FONT_PT: f32 = 7.0;
const LINE_PT: f32 = 8.5;

fn page_content(template: &LabelTemplate, labels: &[Label]) -> Result<String, PrintError> {
    let mut content = String::new();
    let page_height = pt(template.page_height_mm);
    for (i, label) in labels.iter().enumerate() {
        let (col, row) = (i as u32 % template.columns, i as u32 / template.columns);
        let x =
            pt(template.margin_left_mm
                + col as f32 * (template.label_width_mm + template.gap_x_mm));
        let top = page_height
            - pt(template.margin_top_mm
                + row as f32 * (template.label_height_mm + template.gap_y_mm));
        let qr = Qr::new(&label.code)?;
        let side = pt(template.label_height_mm - 2.0);
        let modules = (qr.width() + 2 * QUIET_ZONE) as f32;
        let module = side / modules;
        let (x0, y0) = (x + pt(1.0), top - pt(1.0));
        for my in 0..qr.width() {
            for mx in 0..qr.width() {
                if qr.is_dark(mx, my) {
                    let px = x0 + (mx + QUIET_ZONE) as f32 * module;
                    let py = y0 - (my + QUIET_ZONE + 1) as f32 * module;
                    content.push_str(&format!("{px:.2} {py:.2} {module:.3} {module:.3} re\n"));
                }
            }
        }
        content.push_str("f\n");
        if template.show_text {
            let text_x = x0 + side + pt(1.0);
            let max_em = (x + pt(template.label_width_mm) - pt(1.0) - text_x) / FONT_PT;
            let max_lines = ((pt(template.label_height_mm) - pt(4.0)) / LINE_PT).floor() as usize;
            let lines = label
                .lines
                .iter()
                .flat_map(|l| wrap(l, max_em))
                .take(max_lines);
            for (n, line) in lines.enumerate() {
                let y = top - pt(5.0) - n as f32 * LINE_PT;
                content.push_str(&format!(
                    "BT /F1 {FONT_PT} Tf {text_x:.2} {y:.2} Td {} Tj ET\n",
                    ucs2_hex(&line)
                ));
            }
        }
    }
    Ok(content)
}

/// The label sheets for `labels`, as many pages as needed.
pub fn label_sheet_pdf(template: &LabelTemplate, labels: &[Label]) -> Result<Vec<u8>, PrintError> {
    template.check()?;
    let per_page = template.per_page();
    let pages: Vec<&[Label]> = if labels.is_empty() {
        vec![&[][..]]
    } else {
        labels.chunks(per_page).collect()
    };
    // Objects: 1 catalog, 2 pages, 3 font, 4 CID font, then (page, content) pairs.
    let mut objects: Vec<String> = vec![
        String::new(),
        String::new(),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>".into(),
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >> /DW 1000 /W [1 95 500] >>".into(),
    ];
    let mut kids = Vec::new();
    let media = format!(
        "[0 0 {:.2} {:.2}]",
        pt(template.page_width_mm),
        pt(template.page_height_mm)
    );
    for page in pages {
        let content = page_content(template, page)?;
        let page_id = objects.len() + 1;
        kids.push(format!("{page_id} 0 R"));
        objects.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox {media} /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> >> >>", page_id + 1));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    objects[0] = "<< /Type /Catalog /Pages 2 0 R >>".into();
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        kids.len()
    );
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<Label> {
        (0..n)
            .map(|i| Label {
                code: format!("https://t.cn/01/09520123456788/21/0ABC{i:05}"),
                lines: vec!["家用燃气灶 JZT-2B01".into(), format!("批次 B1 · {i}")],
            })
            .collect()
    }

    /// Every cross-reference entry points at its object, and the trailer at the table.
    #[test]
    fn the_cross_reference_table_is_exact() {
        let pdf = label_sheet_pdf(&LabelTemplate::default(), &labels(30)).unwrap();
        // Offsets are bytes; the binary-marker comment is not UTF-8, so work on bytes.
        let at = |offset: usize, what: &str| pdf[offset..].starts_with(what.as_bytes());
        let tail = std::str::from_utf8(&pdf[pdf.len() - 64..]).unwrap();
        let startxref: usize = tail
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(at(startxref, "xref\n"));
        let table = std::str::from_utf8(&pdf[startxref..]).unwrap();
        let entries: Vec<usize> = table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .map(|l| l[..10].parse().unwrap())
            .collect();
        assert_eq!(entries.len(), 4 + 2 * 2, "30 labels make two pages of 24");
        for (i, offset) in entries.iter().enumerate() {
            assert!(at(*offset, &format!("{} 0 obj", i + 1)), "object {}", i + 1);
        }
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 2"));
        assert!(text.contains(&ucs2_hex("家用燃气灶 JZT-2B01")));
    }

    #[test]
    fn templates_must_fit() {
        let mut t = LabelTemplate::default();
        assert!(t.check().is_ok());
        t.columns = 4;
        assert!(t.check().is_err());
        let tiny = LabelTemplate {
            label_height_mm: 8.0,
            ..LabelTemplate::default()
        };
        assert!(tiny.check().is_err());
        assert_eq!(ucs2_hex("A中"), "<00414E2D>");
        assert_eq!(
            wrap("电动自行车用锂离子蓄电池 48V", 6.0),
            ["电动自行车用", "锂离子蓄电池", " 48V"]
        );
        assert_eq!(wrap("0ABCDEFGHJKMNPQRS", 6.0), ["0ABCDEFGHJKM", "NPQRS"]);
    }
}
