//! Charts drawn on the server as SVG (issue 18.4) with the charts-rs
//! crate, so a page shows them offline, with no script and no CDN; the
//! numbers behind each chart are in the table beside it.

use charts_rs::{Color, LineChart, Series, SeriesBand, Symbol};
use zhisu_domain::statistics::compute::Point;
use zhisu_domain::statistics::Unit;

use crate::i18n::Lang;

/// The fonts a browser draws the chart's text with (Chinese first).
const FONTS: &str =
    "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

/// An indicator's trend: its line, the expected range of each point as a
/// band behind it, and each anomaly as a red dot on a series of its own
/// (so the legend names it).
pub fn trend(name: &str, labels: &[String], points: &[Point], unit: Unit, lang: Lang) -> String {
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
    // A count of a few is drawn on whole steps (0–5), not 0.2, 0.4, …
    let highest = points
        .iter()
        .flat_map(|p| [p.value, p.band.map(|b| b.high)])
        .flatten()
        .fold(0.0_f64, f64::max);
    if unit == Unit::Count && highest <= 5.0 {
        if let Some(axis) = chart.y_axis_configs.first_mut() {
            axis.min = Some(0.0);
            axis.max = Some(5.0);
            axis.split_number = 5;
        }
    }
    match chart.svg() {
        Ok(svg) => svg,
        Err(e) => {
            tracing::error!(error = %e, "drawing a chart failed");
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(day: u32, value: f64, anomaly: bool) -> Point {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        Point {
            from: d,
            to: d,
            value: Some(value),
            band: None,
            anomaly,
        }
    }

    #[test]
    fn a_trend_is_an_svg_with_its_anomaly_and_whole_steps_for_few() {
        let points: Vec<Point> = (1..=7)
            .map(|d| point(d, if d == 5 { 3.0 } else { 0.0 }, d == 5))
            .collect();
        let labels: Vec<String> = (1..=7).map(|d| format!("11月{d}日")).collect();
        let svg = trend("扫码次数", &labels, &points, Unit::Count, Lang::Zh);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.to_lowercase().contains("dc2626"), "the red dot");
        let labels: Vec<&str> = svg
            .split("</text>")
            .filter_map(|t| t.rsplit('>').next())
            .map(str::trim)
            .collect();
        assert!(
            labels.contains(&"5") && !labels.contains(&"0.2"),
            "whole steps: {labels:?}"
        );
        assert!(svg.contains("11月1日"));
    }
}
