//! Charts on the pages (issue 18.4): a series' points handed to the SVG
//! charts of `zhisu-print` (charts-rs), drawn on the server so a page
//! shows them offline, with no script and no CDN; the numbers behind each
//! chart are in the table beside it.

use zhisu_domain::statistics::compute::Point;
use zhisu_domain::statistics::Unit;
use zhisu_print::chart::{self, Medium, TrendPoint};

use crate::i18n::Lang;

fn drawn(svg: Result<String, zhisu_print::PrintError>) -> String {
    svg.unwrap_or_else(|e| {
        tracing::error!(error = %e, "drawing a chart failed");
        String::new()
    })
}

/// An indicator's trend with its band and its anomalies as red dots.
pub fn trend(name: &str, labels: &[String], points: &[Point], unit: Unit, lang: Lang) -> String {
    let points: Vec<TrendPoint> = points
        .iter()
        .zip(labels)
        .map(|(p, label)| TrendPoint {
            label: label.clone(),
            value: p.value,
            band: p.band.map(|b| (b.low, b.high)),
            anomaly: p.anomaly,
        })
        .collect();
    drawn(chart::trend_svg(
        name,
        lang.text("sd_anomaly"),
        &points,
        unit == Unit::Count,
        Medium::Screen,
    ))
}

/// An indicator by place, as bars.
pub fn bars(name: &str, bars: &[(String, f64)]) -> String {
    drawn(chart::bars_svg(name, bars, Medium::Screen))
}

/// The parts of a figure as bars for a half-width panel.
pub fn part_bars(name: &str, bars: &[(String, f64)]) -> String {
    drawn(chart::bars_svg_wide(name, bars, 480.0, Medium::Screen))
}

/// An indicator by province as a tile map: (province prefix, value, shown).
pub fn provinces(values: &[(String, f64, String)]) -> String {
    zhisu_print::tile_map::province_tiles_svg(values, Medium::Screen)
}

/// Counterfeit and diversion alerts stacked per period, with a legend.
pub fn alert_mix(
    labels: &[String],
    counterfeit: (String, Vec<f64>),
    diversion: (String, Vec<f64>),
) -> String {
    drawn(chart::stacked_bars_svg(
        labels,
        &[
            (counterfeit.0, counterfeit.1, "#dc2626"),
            (diversion.0, diversion.1, "#d97706"),
        ],
        Medium::Screen,
    ))
}
