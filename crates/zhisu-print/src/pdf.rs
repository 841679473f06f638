//! A4 label sheets as PDF: a grid of labels, each a QR symbol drawn as
//! filled rectangles with its text beside it, written by krilla.
//!
//! Text is set in the shipped CJK font (`font.rs`), of which krilla embeds
//! the subset of glyphs used, so a sheet prints the same on any viewer or
//! printer; lines break at word and number boundaries (`wrap.rs`).

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::Document;

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

const FONT_PT: f32 = 7.0;
const LINE_PT: f32 = 8.5;

/// The label text's lines in the space beside the symbol: each given line
/// wrapped to `max_pt`, at most `max_lines` in all.
pub(crate) fn label_lines(lines: &[String], max_pt: f32, max_lines: usize) -> Vec<String> {
    let width = |c: char| crate::font::advance_em(c) * FONT_PT;
    lines
        .iter()
        .flat_map(|l| crate::wrap::wrap(l, max_pt, width))
        .take(max_lines)
        .collect()
}

/// The dark modules of `qr` as one path: each row's runs of dark modules
/// are one rectangle, so no renderer draws seams between them.
fn qr_path(qr: &Qr, x0: f32, y0: f32, module: f32) -> Option<krilla::geom::Path> {
    let mut path = PathBuilder::new();
    for my in 0..qr.width() {
        let mut mx = 0;
        while mx < qr.width() {
            if !qr.is_dark(mx, my) {
                mx += 1;
                continue;
            }
            let run_start = mx;
            while mx < qr.width() && qr.is_dark(mx, my) {
                mx += 1;
            }
            let x = x0 + (run_start + QUIET_ZONE) as f32 * module;
            let y = y0 + (my + QUIET_ZONE) as f32 * module;
            if let Some(rect) = Rect::from_xywh(x, y, (mx - run_start) as f32 * module, module) {
                path.push_rect(rect);
            }
        }
    }
    path.finish()
}

/// The label sheets for `labels`, as many pages as needed.
pub fn label_sheet_pdf(template: &LabelTemplate, labels: &[Label]) -> Result<Vec<u8>, PrintError> {
    template.check()?;
    let font = Font::new(crate::font::FONT.into(), 0)
        .ok_or_else(|| PrintError::Pdf("the shipped font did not load".into()))?;
    let per_page = template.per_page();
    let pages: Vec<&[Label]> = if labels.is_empty() {
        vec![&[][..]]
    } else {
        labels.chunks(per_page).collect()
    };
    let settings = PageSettings::from_wh(pt(template.page_width_mm), pt(template.page_height_mm))
        .ok_or_else(|| PrintError::Template("page size".into()))?;
    let mut document = Document::new();
    for page_labels in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for (i, label) in page_labels.iter().enumerate() {
            let (col, row) = (i as u32 % template.columns, i as u32 / template.columns);
            // krilla's origin is the top left, y growing downwards.
            let x = pt(template.margin_left_mm
                + col as f32 * (template.label_width_mm + template.gap_x_mm));
            let top = pt(template.margin_top_mm
                + row as f32 * (template.label_height_mm + template.gap_y_mm));
            let qr = Qr::new(&label.code)?;
            let side = pt(template.label_height_mm - 2.0);
            let module = side / (qr.width() + 2 * QUIET_ZONE) as f32;
            let (x0, y0) = (x + pt(1.0), top + pt(1.0));
            if let Some(path) = qr_path(&qr, x0, y0, module) {
                surface.draw_path(&path);
            }
            if template.show_text {
                let text_x = x0 + side + pt(1.0);
                let max_pt = x + pt(template.label_width_mm) - pt(1.0) - text_x;
                let max_lines =
                    ((pt(template.label_height_mm) - pt(4.0)) / LINE_PT).floor() as usize;
                for (n, line) in label_lines(&label.lines, max_pt, max_lines)
                    .iter()
                    .enumerate()
                {
                    let baseline = top + pt(5.0) + n as f32 * LINE_PT;
                    surface.draw_text(
                        Point::from_xy(text_x, baseline),
                        font.clone(),
                        FONT_PT,
                        line,
                        false,
                        TextDirection::Auto,
                    );
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PrintError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<Label> {
        (0..n)
            .map(|i| Label {
                code: format!("https://t.cn/01/09520123456788/21/0ABC{i:05}"),
                lines: vec![
                    "聚氯乙烯绝缘电线 BV-2.5mm²".into(),
                    format!("批次 B1 · {i}"),
                ],
            })
            .collect()
    }

    /// A sheet is a PDF of one page per 24 labels that embeds its font
    /// (a subset: far smaller than the 3 MB font file).
    #[test]
    fn a_sheet_embeds_a_subset_of_its_font() {
        let pdf = label_sheet_pdf(&LabelTemplate::default(), &labels(30)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/FontFile2"), "the font is embedded");
        assert!(
            pdf.len() < 400_000,
            "a subset, not the whole font: {} bytes",
            pdf.len()
        );
        let empty = label_sheet_pdf(&LabelTemplate::default(), &[]).unwrap();
        assert!(empty.starts_with(b"%PDF-"));
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
    }

    #[test]
    fn label_text_wraps_at_word_and_number_boundaries() {
        let lines = label_lines(&["聚氯乙烯绝缘电线 BV-2.5mm²".into()], 40.0, 4);
        assert!(lines.iter().any(|l| l == "BV-2.5mm²"), "{lines:?}");
        assert_eq!(
            label_lines(&vec!["一二三四五六七八九十".to_string(); 3], 40.0, 2).len(),
            2
        );
    }
}
