//! Charts as SVG (issue 18.4) drawn with the charts-rs crate, the same on a
//! page and in a PDF report: an indicator's trend with its expected band
//! and its anomalies, and bars by region. Text is measured with the shipped
//! CJK font, so Chinese labels take the room they print in.

use std::sync::OnceLock;

use charts_rs::{BarChart, Color, HorizontalBarChart, LineChart, Series, SeriesBand, Symbol};

use crate::PrintError;

/// The family name of the shipped font (`font.rs`).
pub const FONT_FAMILY: &str = "WenQuanYi Micro Hei";

/// The fonts a browser draws a chart's text with, the shipped one first
/// when installed, then the CJK fonts of each system.
const SCREEN_FONTS: &str = "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

/// Where a chart is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// A page: the browser picks among the CJK fonts it has.
    Screen,
    /// A PDF: the shipped font, embedded.
    Print,
}

/// One point of a trend.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub label: String,
    pub value: Option<f64>,
    /// The expected range (low, high); None before the window fills.
    pub band: Option<(f64, f64)>,
    pub anomaly: bool,
}

/// Registers the shipped font with charts-rs once, for measuring text.
fn font_ready() -> Result<(), PrintError> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    READY
        .get_or_init(|| charts_rs::add_fonts(&[crate::font::FONT]).map_err(|e| e.to_string()))
        .clone()
        .map_err(PrintError::Chart)
}

fn finish<E: std::fmt::Display>(
    svg: Result<String, E>,
    medium: Medium,
) -> Result<String, PrintError> {
    let svg = svg.map_err(|e| PrintError::Chart(e.to_string()))?;
    Ok(match medium {
        Medium::Print => svg,
        Medium::Screen => svg.replace(
            &format!("font-family=\"{FONT_FAMILY}\""),
            &format!("font-family=\"{SCREEN_FONTS}\""),
        ),
    })
}

/// A count of a few (`highest` at most 5) is drawn on whole steps, 0–5,
/// not 0.2, 0.4, …
fn whole_steps(axes: &mut [charts_rs::YAxisConfig], highest: f64) {
    if highest <= 5.0 {
        if let Some(axis) = axes.first_mut() {
            axis.min = Some(0.0);
            axis.max = Some(5.0);
            axis.split_number = 5;
        }
    }
}

/// An indicator's trend: its line, the expected range of each point as a
/// band behind it, and each anomaly as a red dot. `whole_counts` draws a
/// count of a few on whole steps (0–5), not 0.2, 0.4, …
pub fn trend_svg(
    name: &str,
    anomaly_name: &str,
    points: &[TrendPoint],
    whole_counts: bool,
    medium: Medium,
) -> Result<String, PrintError> {
    font_ready()?;
    let value = |v: Option<f64>| v.map(|x| x as f32);
    let mut line = Series::new_nullable(
        name.to_string(),
        points.iter().map(|p| value(p.value)).collect(),
    );
    line.band = Some(SeriesBand {
        lower: points
            .iter()
            .map(|p| p.band.map(|b| b.0.max(0.0) as f32))
            .collect(),
        upper: points.iter().map(|p| p.band.map(|b| b.1 as f32)).collect(),
        stroke_width: None,
    });
    let mut flagged = Series::new_nullable(
        anomaly_name.to_string(),
        points
            .iter()
            .map(|p| if p.anomaly { value(p.value) } else { None })
            .collect(),
    );
    flagged.symbol = Some(Symbol::Circle(5.0, Some(Color::from("#dc2626"))));
    let labels = points.iter().map(|p| p.label.clone()).collect();
    let mut chart = LineChart::new(vec![line, flagged], labels);
    chart.width = 760.0;
    chart.height = 320.0;
    chart.font_family = FONT_FAMILY.to_string();
    chart.series.colors = vec![Color::from("#1d4ed8"), Color::from("#dc2626")];
    // No legend: the heading names the line and the note under the chart
    // the red dots.
    chart.legend.show = Some(false);
    let highest = points
        .iter()
        .flat_map(|p| [p.value, p.band.map(|b| b.1)])
        .flatten()
        .fold(0.0_f64, f64::max);
    if whole_counts {
        whole_steps(&mut chart.y_axis_configs, highest);
    }
    finish(chart.svg(), medium)
}

/// One bar per place, largest first as given.
pub fn bars_svg(name: &str, bars: &[(String, f64)], medium: Medium) -> Result<String, PrintError> {
    bars_svg_wide(name, bars, 760.0, medium)
}

/// As [`bars_svg`], `width` pixels wide (a half-width panel's 480).
pub fn bars_svg_wide(
    name: &str,
    bars: &[(String, f64)],
    width: f32,
    medium: Medium,
) -> Result<String, PrintError> {
    font_ready()?;
    // charts-rs draws the first category at the bottom: reversed, the
    // largest stands on top as in the table beside it.
    let (labels, values): (Vec<String>, Vec<f32>) = bars
        .iter()
        .rev()
        .map(|(l, v)| (l.clone(), *v as f32))
        .unzip();
    let mut series = Series::new(name.to_string(), values);
    series.label_show = true;
    let mut chart = HorizontalBarChart::new(vec![series], labels);
    chart.width = width;
    chart.height = 70.0 + 26.0 * bars.len().max(1) as f32;
    // Room on the right for the largest bar's value.
    chart.margin.right += 48.0;
    chart.font_family = FONT_FAMILY.to_string();
    chart.series.colors = vec![Color::from("#1d4ed8")];
    chart.legend.show = Some(false);
    let highest = bars.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    whole_steps(&mut chart.y_axis_configs, highest);
    finish(chart.svg(), medium)
}

/// Counts of several kinds stacked in one bar per period (alerts by
/// kind), a legend naming each kind.
pub fn stacked_bars_svg(
    labels: &[String],
    kinds: &[(String, Vec<f64>, &str)],
    medium: Medium,
) -> Result<String, PrintError> {
    font_ready()?;
    let series: Vec<Series> = kinds
        .iter()
        .map(|(name, values, _)| {
            let mut s = Series::new(name.clone(), values.iter().map(|v| *v as f32).collect());
            s.stack = Some("all".into());
            s
        })
        .collect();
    let mut chart = BarChart::new(series, labels.to_vec());
    chart.width = 760.0;
    chart.height = 300.0;
    chart.font_family = FONT_FAMILY.to_string();
    chart.series.colors = kinds.iter().map(|(_, _, c)| Color::from(*c)).collect();
    let highest = (0..labels.len())
        .map(|i| {
            kinds
                .iter()
                .map(|(_, v, _)| v.get(i).copied().unwrap_or(0.0))
                .sum::<f64>()
        })
        .fold(0.0_f64, f64::max);
    whole_steps(&mut chart.y_axis_configs, highest);
    finish(chart.svg(), medium)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(day: u32, value: f64, anomaly: bool) -> TrendPoint {
        TrendPoint {
            label: format!("11月{day}日"),
            value: Some(value),
            band: None,
            anomaly,
        }
    }

    fn texts(svg: &str) -> Vec<&str> {
        svg.split("</text>")
            .filter_map(|t| t.rsplit('>').next())
            .map(str::trim)
            .collect()
    }

    #[test]
    fn a_trend_is_an_svg_with_its_anomaly_and_whole_steps_for_few() {
        let points: Vec<TrendPoint> = (1..=7)
            .map(|d| point(d, if d == 5 { 3.0 } else { 0.0 }, d == 5))
            .collect();
        let svg = trend_svg("扫码次数", "异常", &points, true, Medium::Screen).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.to_lowercase().contains("dc2626"), "the red dot");
        let labels = texts(&svg);
        assert!(
            labels.contains(&"5") && !labels.contains(&"0.2"),
            "whole steps: {labels:?}"
        );
        assert!(svg.contains("11月1日"));
        assert!(svg.contains("Noto Sans CJK SC"), "a screen's fonts");
        let print = trend_svg("扫码次数", "异常", &points, true, Medium::Print).unwrap();
        assert!(print.contains(&format!("font-family=\"{FONT_FAMILY}\"")));
        assert!(!print.contains("Noto Sans CJK SC"));
    }

    #[test]
    fn stacked_bars_name_each_kind_and_stack_them() {
        let labels: Vec<String> = (1..=3).map(|d| format!("11月{d}日")).collect();
        let svg = stacked_bars_svg(
            &labels,
            &[
                ("仿冒预警数".into(), vec![1.0, 0.0, 2.0], "#dc2626"),
                ("窜货预警数".into(), vec![2.0, 1.0, 0.0], "#d97706"),
            ],
            Medium::Print,
        )
        .unwrap();
        let labels = texts(&svg);
        assert!(
            labels.contains(&"仿冒预警数") && labels.contains(&"窜货预警数"),
            "the legend: {labels:?}"
        );
        assert!(svg.to_lowercase().contains("#dc2626") && svg.to_lowercase().contains("#d97706"));
        // Stacked: each day's bars share one column (one x).
        let xs = |color: &str| -> Vec<String> {
            svg.split("<rect")
                .filter(|r| r.to_lowercase().contains(color))
                .filter_map(|r| {
                    r.split(" x=\"")
                        .nth(1)
                        .map(|x| x[..x.find('"').unwrap()].to_string())
                })
                .collect()
        };
        let (red, amber) = (xs("#dc2626"), xs("#d97706"));
        // Side by side, the second kind's bars would stand right of the
        // first's.
        assert_eq!(red, amber);
    }

    #[test]
    fn bars_name_each_place_with_its_value() {
        let bars = vec![
            ("广东省".to_string(), 1200.0),
            ("浙江省".to_string(), 300.0),
        ];
        let svg = bars_svg("扫码次数", &bars, Medium::Print).unwrap();
        let labels = texts(&svg);
        assert!(
            labels.contains(&"广东省") && labels.contains(&"浙江省"),
            "{labels:?}"
        );
        assert!(
            labels
                .iter()
                .any(|l| l.contains("1200") || l.contains("1,200")),
            "{labels:?}"
        );
        // The largest stands on top.
        let y_of = |name: &str| {
            let at = svg.find(name).unwrap();
            let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
            let y = tag.split(" y=\"").nth(1).unwrap();
            y[..y.find('"').unwrap()].parse::<f32>().unwrap()
        };
        assert!(y_of("广东省") < y_of("浙江省"));
    }
}
