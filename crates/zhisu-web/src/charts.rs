//! Charts drawn on the server as SVG (issue 18.4) with the charts-rs
//! crate, so a page shows them offline, with no script and no CDN; the
//! numbers behind each chart are in the table beside it.

use charts_rs::{Color, LineChart, Series, SeriesBand, Symbol};
use zhisu_domain::statistics::compute::Point;

use crate::i18n::Lang;

/// The fonts a browser draws the chart's text with (Chinese first).
const FONTS: &str =
    "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

/// An indicator's trend: its line, the expected range of each point as a
/// band behind it, and each anomaly as a red dot on a series of its own
/// (so the legend names it).
pub fn trend(name: &str, labels: &[String], points: &[Point], lang: Lang) -> String {
    let value = |v: Option<f64>| v.map(|x| x as f32);
    let mut line = Series::new_nullable(
        name.to_string(),
        points.iter().map(|p| value(p.value)).collect(),
    );
    line.band = Some(SeriesBand {
        lower: points
            .iter()
            .map(|p| p.band.map(|b| b.low.max(0.0) as f32))
            .collect(),
        upper: points
            .iter()
            .map(|p| p.band.map(|b| b.high as f32))
            .collect(),
        stroke_width: None,
    });
    let mut flagged = Series::new_nullable(
        lang.text("sd_anomaly").to_string(),
        points
            .iter()
            .map(|p| if p.anomaly { value(p.value) } else { None })
            .collect(),
    );
    flagged.symbol = Some(Symbol::Circle(5.0, Some(Color::from("#dc2626"))));
    let mut chart = LineChart::new(vec![line, flagged], labels.to_vec());
    chart.width = 760.0;
    chart.height = 320.0;
    chart.font_family = FONTS.to_string();
    chart.series.colors = vec![Color::from("#1d4ed8"), Color::from("#dc2626")];
    // No legend: the heading names the line and the note under the chart
    // the red dots (charts-rs measures text with a Latin font, so Chinese
    // legend entries were laid over each other).
    chart.legend.show = Some(false);
    match chart.svg() {
        Ok(svg) => svg,
        Err(e) => {
            tracing::error!(error = %e, "drawing a chart failed");
            String::new()
        }
    }
}
