//! A report's pages drawn by krilla: text in the shipped font (krilla
//! embeds the subset used), boxes, and each chart's SVG drawn as vectors
//! by krilla-svg, its text in the same font.

use std::sync::{Arc, OnceLock};

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use krilla_svg::{SurfaceExt, SvgSettings};

use super::layout::{lay_out, Op, Rgb, PAGE_H, PAGE_W};
use super::ReportDoc;
use crate::chart::FONT_FAMILY;
use crate::PrintError;

/// The fonts an SVG's text may ask for: only the shipped one, loaded once.
fn svg_fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(crate::font::FONT.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

fn parse_svg(svg: &str) -> Result<usvg::Tree, PrintError> {
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: svg_fonts(),
        ..Default::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| PrintError::Chart(e.to_string()))
}

fn fill(color: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// The report as a PDF of A4 pages.
pub fn report_pdf(doc: &ReportDoc) -> Result<Vec<u8>, PrintError> {
    let font = Font::new(crate::font::FONT.into(), 0)
        .ok_or_else(|| PrintError::Pdf("the shipped font did not load".into()))?;
    let charts: Vec<Option<usvg::Tree>> = doc
        .sections
        .iter()
        .map(|s| s.chart_svg.as_deref().map(parse_svg).transpose())
        .collect::<Result<_, _>>()?;
    let pages = lay_out(doc, |i| {
        charts[i]
            .as_ref()
            .map(|t| (t.size().width(), t.size().height()))
    });
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PrintError::Pdf("page size".into()))?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("zh-CN".into())
            .creator("zhisu 质溯".into()),
    );
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    color,
                    text,
                } => {
                    surface.set_fill(Some(fill(color)));
                    surface.draw_text(
                        Point::from_xy(x, y),
                        font.clone(),
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect { x, y, w, h, color } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_fill(Some(fill(color)));
                        surface.draw_path(&path);
                    }
                }
                Op::Chart {
                    section,
                    x,
                    y,
                    w,
                    h,
                } => {
                    if let (Some(tree), Some(size)) = (&charts[section], Size::from_wh(w, h)) {
                        surface.push_transform(&Transform::from_translate(x, y));
                        surface.draw_svg(tree, size, SvgSettings::default());
                        surface.pop();
                    }
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
    use super::super::tests::doc;
    use super::*;

    #[test]
    fn a_report_is_a_pdf_that_embeds_a_font_subset() {
        let pdf = report_pdf(&doc(80)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/FontFile2"), "the font is embedded");
        assert!(pdf.len() < 600_000, "a subset: {} bytes", pdf.len());
        // The page tree counts the pages the layout made.
        let pages =
            super::super::layout::lay_out(&doc(80), |i| (i == 0).then_some((760.0, 122.0))).len();
        assert!(pages >= 2);
        assert!(text.contains(&format!("/Count {pages}")), "{pages} pages");
    }

    #[test]
    fn a_chart_that_is_not_svg_is_an_error_not_a_panic() {
        let mut bad = doc(1);
        bad.sections[0].chart_svg = Some("<svg".into());
        assert!(matches!(report_pdf(&bad), Err(PrintError::Chart(_))));
    }
}
