//! A report's pages laid out as drawing operations (pure, so it is tested
//! without a PDF): text measured with the shipped font, a table's text
//! wrapped in its column, tables cut across pages with their header
//! repeated, a chart never split, every page footed with the title and its
//! number.

use super::{Entry, ReportDoc};

/// A4 in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 48.0;
const TOP: f32 = 56.0;
const BOTTOM: f32 = PAGE_H - 60.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

const TITLE_PT: f32 = 17.0;
const LINE_PT: f32 = 9.5;
const HEADING_PT: f32 = 12.5;
const TABLE_PT: f32 = 9.0;
const ROW_H: f32 = 16.0;
/// Each further line of a wrapped cell.
const WRAP_H: f32 = 12.0;
const CELL_PAD: f32 = 5.0;
/// A cell's text is cut after this many lines.
const MAX_LINES: usize = 8;

/// Colours as RGB.
pub(crate) type Rgb = (u8, u8, u8);
const INK: Rgb = (17, 24, 39);
const GREY: Rgb = (75, 85, 99);
const RULE: Rgb = (209, 213, 219);
const HEADER_FILL: Rgb = (229, 231, 235);

/// One thing drawn on a page. `y` is a text's baseline, a box's top.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// The section's chart, drawn into the box.
    Chart {
        section: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// A text's width in points.
pub(crate) fn width(text: &str, size: f32) -> f32 {
    text.chars().map(crate::font::advance_em).sum::<f32>() * size
}

/// `text` cut to `room` points, ending in "…" when cut.
fn fit(text: &str, size: f32, room: f32) -> String {
    if width(text, size) <= room {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = width("…", size);
    for c in text.chars() {
        let w = crate::font::advance_em(c) * size;
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// The columns' widths: a column narrower than an even share of what the
/// others leave keeps its natural width (its widest cell); the rest share
/// what remains evenly, and their text wraps.
fn columns(header: &[String], rows: &[Vec<Entry>]) -> Vec<f32> {
    let n = header.len();
    let mut natural: Vec<f32> = header
        .iter()
        .map(|h| width(h, TABLE_PT) + 2.0 * CELL_PAD)
        .collect();
    for row in rows {
        for (c, e) in row.iter().enumerate().take(n) {
            natural[c] = natural[c].max(width(e.shown(), TABLE_PT) + 2.0 * CELL_PAD);
        }
    }
    let total: f32 = natural.iter().sum();
    if total <= CONTENT_W {
        // Tables span the page, the spare room shared out.
        let spare = (CONTENT_W - total) / n.max(1) as f32;
        return natural.iter().map(|w| w + spare).collect();
    }
    let mut fixed = vec![false; n];
    loop {
        let used: f32 = (0..n).filter(|c| fixed[*c]).map(|c| natural[c]).sum();
        let flexible = fixed.iter().filter(|f| !**f).count().max(1);
        let share = (CONTENT_W - used) / flexible as f32;
        let mut changed = false;
        for c in 0..n {
            if !fixed[c] && natural[c] <= share {
                fixed[c] = true;
                changed = true;
            }
        }
        if !changed {
            return (0..n)
                .map(|c| if fixed[c] { natural[c] } else { share })
                .collect();
        }
    }
}

/// A cell's lines in its column: text wrapped (at most [`MAX_LINES`]), a
/// figure on one line.
fn cell_lines(entry: &Entry, room: f32) -> Vec<String> {
    match entry {
        Entry::Figure { shown, .. } => vec![fit(shown, TABLE_PT, room)],
        Entry::Text(t) => {
            let mut lines = crate::wrap::wrap(t, room, |c| crate::font::advance_em(c) * TABLE_PT);
            if lines.len() > MAX_LINES {
                lines.truncate(MAX_LINES);
                let last = lines.pop().unwrap_or_default();
                lines.push(fit(&format!("{last}…"), TABLE_PT, room));
            }
            if lines.is_empty() {
                lines.push(String::new());
            }
            lines
        }
    }
}

struct Pages {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Pages {
    fn op(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    fn text(&mut self, x: f32, size: f32, color: Rgb, text: String) {
        let y = self.y;
        self.op(Op::Text {
            x,
            y,
            size,
            color,
            text,
        });
    }

    /// Room for `h` more points, or a new page.
    fn room(&mut self, h: f32) -> bool {
        if self.y + h > BOTTOM && self.y > TOP {
            self.pages.push(Vec::new());
            self.y = TOP;
            return true;
        }
        false
    }

    /// A row of cells, each a column's lines and whether it aligns right.
    fn table_row(&mut self, widths: &[f32], cells: &[(Vec<String>, bool)], fill: Option<Rgb>) {
        let lines = cells.iter().map(|c| c.0.len()).max().unwrap_or(1).max(1);
        let h = row_height(lines);
        if let Some(color) = fill {
            let y = self.y;
            self.op(Op::Rect {
                x: MARGIN_X,
                y,
                w: CONTENT_W,
                h,
                color,
            });
        }
        let mut x = MARGIN_X;
        for ((texts, right), w) in cells.iter().zip(widths) {
            for (i, text) in texts.iter().enumerate() {
                let baseline = self.y + ROW_H - 4.5 + i as f32 * WRAP_H;
                let at = if *right {
                    x + w - CELL_PAD - width(text, TABLE_PT)
                } else {
                    x + CELL_PAD
                };
                self.op(Op::Text {
                    x: at,
                    y: baseline,
                    size: TABLE_PT,
                    color: INK,
                    text: text.clone(),
                });
            }
            x += w;
        }
        self.y += h;
        let y = self.y - 0.5;
        self.op(Op::Rect {
            x: MARGIN_X,
            y,
            w: CONTENT_W,
            h: 0.5,
            color: RULE,
        });
    }
}

fn row_height(lines: usize) -> f32 {
    ROW_H + (lines.max(1) - 1) as f32 * WRAP_H
}

/// The pages of `doc`; `chart_size(i)` is section `i`'s chart's width and
/// height in its own units (None: no chart, or one that did not parse).
pub(crate) fn lay_out(
    doc: &ReportDoc,
    chart_size: impl Fn(usize) -> Option<(f32, f32)>,
) -> Vec<Vec<Op>> {
    let mut p = Pages {
        pages: vec![Vec::new()],
        y: TOP,
    };
    p.y += TITLE_PT;
    p.text(
        MARGIN_X,
        TITLE_PT,
        INK,
        fit(&doc.title, TITLE_PT, CONTENT_W),
    );
    p.y += 8.0;
    for line in &doc.lines {
        p.y += LINE_PT + 5.0;
        p.text(MARGIN_X, LINE_PT, GREY, fit(line, LINE_PT, CONTENT_W));
    }
    p.y += 10.0;
    for (i, section) in doc.sections.iter().enumerate() {
        // A heading keeps its note and its chart (or two rows) with it.
        let chart = chart_size(i)
            .filter(|(w, h)| *w > 0.0 && *h > 0.0)
            .map(|(w, h)| (h * CONTENT_W / w).min(BOTTOM - TOP - 80.0));
        let note_h = if section.note.is_some() {
            LINE_PT + 8.0
        } else {
            0.0
        };
        p.room(HEADING_PT + 18.0 + note_h + chart.map_or(3.0 * ROW_H, |h| h + 8.0));
        p.y += HEADING_PT + 12.0;
        p.text(MARGIN_X, HEADING_PT, INK, section.heading.clone());
        p.y += 6.0;
        if let Some(note) = &section.note {
            p.y += LINE_PT + 2.0;
            p.text(MARGIN_X, LINE_PT, GREY, fit(note, LINE_PT, CONTENT_W));
            p.y += 6.0;
        }
        if let Some(h) = chart {
            p.room(h + 8.0);
            let y = p.y;
            p.op(Op::Chart {
                section: i,
                x: MARGIN_X,
                y,
                w: CONTENT_W,
                h,
            });
            p.y += h + 8.0;
        }
        if section.rows.is_empty() {
            continue;
        }
        let widths = columns(&section.header, &section.rows);
        let room = |c: usize| widths[c] - 2.0 * CELL_PAD;
        let header: Vec<(Vec<String>, bool)> = section
            .header
            .iter()
            .enumerate()
            .map(|(c, h)| {
                let right = section
                    .rows
                    .first()
                    .and_then(|r| r.get(c))
                    .is_some_and(|e| matches!(e, Entry::Figure { .. }));
                (cell_lines(&Entry::text(h.clone()), room(c)), right)
            })
            .collect();
        let header_h = row_height(header.iter().map(|h| h.0.len()).max().unwrap_or(1));
        p.room(header_h + ROW_H);
        p.table_row(&widths, &header, Some(HEADER_FILL));
        for row in &section.rows {
            let cells: Vec<(Vec<String>, bool)> = row
                .iter()
                .enumerate()
                .take(widths.len())
                .map(|(c, e)| (cell_lines(e, room(c)), matches!(e, Entry::Figure { .. })))
                .collect();
            let h = row_height(cells.iter().map(|c| c.0.len()).max().unwrap_or(1));
            if p.room(h) {
                p.table_row(&widths, &header, Some(HEADER_FILL));
            }
            p.table_row(&widths, &cells, None);
        }
        p.y += 6.0;
    }
    let count = p.pages.len();
    for (n, page) in p.pages.iter_mut().enumerate() {
        let footer = format!("{} · 第 {} 页，共 {} 页", doc.title, n + 1, count);
        let footer = fit(&footer, 8.0, CONTENT_W);
        page.push(Op::Text {
            x: PAGE_W / 2.0 - width(&footer, 8.0) / 2.0,
            y: PAGE_H - 30.0,
            size: 8.0,
            color: GREY,
            text: footer,
        });
    }
    p.pages
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;
    use super::*;

    fn texts(page: &[Op]) -> Vec<&str> {
        page.iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_long_table_runs_on_with_its_header_and_every_page_is_numbered() {
        let pages = lay_out(&doc(120), |i| (i == 0).then_some((760.0, 122.0)));
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for (n, page) in pages.iter().enumerate() {
            let t = texts(page);
            assert!(
                t.iter()
                    .any(|s| s.ends_with(&format!("第 {} 页，共 {} 页", n + 1, pages.len()))),
                "page {n}: {t:?}"
            );
            for op in page {
                if let Op::Text { y, .. } | Op::Rect { y, .. } = op {
                    assert!(*y <= PAGE_H - 20.0, "inside the page");
                }
            }
        }
        // The header comes again on the second page, before its rows.
        let second = texts(&pages[1]);
        assert_eq!(second.first(), Some(&"指标"), "{second:?}");
        // Every row is there once, in order.
        let rows: Vec<String> = pages
            .iter()
            .flat_map(|p| texts(p))
            .filter(|t| t.starts_with("扫码次数 mm²"))
            .map(str::to_string)
            .collect();
        assert_eq!(rows.len(), 120);
        assert_eq!(rows[119], "扫码次数 mm² 119");
        // Figures are aligned right: the column's cells end at one x.
        let ends: Vec<f32> = pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Text { x, text, size, .. } if text.ends_with(",000") => {
                    Some(x + width(text, *size))
                }
                _ => None,
            })
            .collect();
        assert!(
            ends.len() > 3 && ends.iter().all(|e| (e - ends[0]).abs() < 0.01),
            "{ends:?}"
        );
        let charts = pages[0]
            .iter()
            .filter(|op| matches!(op, Op::Chart { .. }))
            .count();
        assert_eq!(charts, 1);
    }

    #[test]
    fn a_long_definition_wraps_in_its_column_and_short_columns_keep_their_width() {
        let header = vec!["指标".to_string(), "定义".to_string()];
        let long =
            "统计期间内平台记录的全部扫码次数，含公众、企业与监管部门的扫码；日期按北京时间计。"
                .repeat(3);
        let rows = vec![vec![Entry::text("扫码次数"), Entry::text(long.clone())]];
        let widths = columns(&header, &rows);
        assert!(
            (widths.iter().sum::<f32>() - CONTENT_W).abs() < 0.1,
            "{widths:?}"
        );
        assert!(widths[0] < 80.0, "the name column stays narrow: {widths:?}");
        let lines = cell_lines(&rows[0][1], widths[1] - 2.0 * CELL_PAD);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.concat(), long, "nothing is lost in the wrap");
        for l in &lines {
            assert!(width(l, TABLE_PT) <= widths[1] - 2.0 * CELL_PAD + 0.01);
        }
    }

    #[test]
    fn a_heading_goes_to_the_next_page_with_its_tall_chart() {
        // However long the table before it, section 1's heading is on the
        // page of its chart (nearly a page tall), never left at a foot.
        for rows in 30..90 {
            let mut d = doc(rows);
            d.sections[1].chart_svg = Some(String::new());
            let pages = lay_out(&d, |i| (i == 1).then_some((600.0, 560.0)));
            let heading_page = pages
                .iter()
                .position(|p| texts(p).contains(&"二、异常"))
                .unwrap();
            let chart_page = pages
                .iter()
                .position(|p| {
                    p.iter()
                        .any(|op| matches!(op, Op::Chart { section: 1, .. }))
                })
                .unwrap();
            assert_eq!(heading_page, chart_page, "after {rows} rows");
        }
    }

    #[test]
    fn text_too_wide_is_cut_with_an_ellipsis() {
        let cut = fit(&"很长的企业名称".repeat(20), TABLE_PT, 100.0);
        assert!(
            cut.ends_with('…') && width(&cut, TABLE_PT) <= 100.0,
            "{cut}"
        );
        assert_eq!(fit("短", TABLE_PT, 100.0), "短");
    }
}
