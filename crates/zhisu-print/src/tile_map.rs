//! A tile map of China's provinces (issue 18.4): one square per
//! provincial-level division, placed roughly where it lies, shaded by its
//! figure, with its name and figure on it — the choropleth's reading
//! without drawing borders.
//!
//! Drawn by hand as SVG because no maintained crate draws a tile map:
//! charts-rs's map chart draws GeoJSON boundaries, and a map of China's
//! borders published in China must be an approved one (审图号), which a
//! tile map does not need. The layout is a table here; the colours are
//! the same blues as the charts.

use crate::chart::{Medium, FONT_FAMILY};

/// (GB/T 2260 province prefix, short name, column, row).
pub const TILES: [(&str, &str, u32, u32); 34] = [
    ("23", "黑龙江", 8, 0),
    ("65", "新疆", 1, 1),
    ("15", "内蒙古", 5, 1),
    ("11", "北京", 6, 1),
    ("22", "吉林", 8, 1),
    ("62", "甘肃", 3, 2),
    ("64", "宁夏", 4, 2),
    ("14", "山西", 5, 2),
    ("13", "河北", 6, 2),
    ("12", "天津", 7, 2),
    ("21", "辽宁", 8, 2),
    ("63", "青海", 2, 3),
    ("61", "陕西", 4, 3),
    ("41", "河南", 5, 3),
    ("37", "山东", 6, 3),
    ("54", "西藏", 2, 4),
    ("51", "四川", 3, 4),
    ("50", "重庆", 4, 4),
    ("42", "湖北", 5, 4),
    ("34", "安徽", 6, 4),
    ("32", "江苏", 7, 4),
    ("31", "上海", 8, 4),
    ("53", "云南", 3, 5),
    ("52", "贵州", 4, 5),
    ("43", "湖南", 5, 5),
    ("36", "江西", 6, 5),
    ("33", "浙江", 7, 5),
    ("45", "广西", 4, 6),
    ("44", "广东", 5, 6),
    ("35", "福建", 6, 6),
    ("71", "台湾", 7, 6),
    ("46", "海南", 4, 7),
    ("82", "澳门", 5, 7),
    ("81", "香港", 6, 7),
];

const TILE: f32 = 70.0;
const GAP: f32 = 4.0;
const TOP: f32 = 8.0;
/// From none to the most: five shades of the charts' blue.
const SHADES: [&str; 5] = ["#dbeafe", "#93c5fd", "#3b82f6", "#1d4ed8", "#1e3a8a"];
const NONE: &str = "#f1f5f9";

/// The shade of `value` out of `max`: five even steps; none for 0.
fn shade(value: f64, max: f64) -> (&'static str, bool) {
    if value <= 0.0 || max <= 0.0 {
        return (NONE, false);
    }
    let step = ((value / max) * SHADES.len() as f64).ceil() as usize;
    let i = step.clamp(1, SHADES.len()) - 1;
    (SHADES[i], i >= 2)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The map of `values` (province prefix → figure, shown as `shown`); a
/// province not given is drawn empty.
pub fn province_tiles_svg(values: &[(String, f64, String)], medium: Medium) -> String {
    let max = values.iter().map(|v| v.1).fold(0.0, f64::max);
    let font = match medium {
        Medium::Print => FONT_FAMILY.to_string(),
        Medium::Screen => {
            format!("{FONT_FAMILY}, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif")
        }
    };
    let width = 9.0 * (TILE + GAP);
    let height = TOP + 8.0 * (TILE + GAP) + 30.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{font}" role="img">"#
    );
    for (code, name, col, row) in TILES {
        let found = values.iter().find(|v| v.0 == code);
        let (value, shown) = found.map_or((0.0, "0"), |v| (v.1, v.2.as_str()));
        let (fill, dark) = shade(value, max);
        let ink = if dark { "#ffffff" } else { "#1f2937" };
        let x = col as f32 * (TILE + GAP);
        let y = TOP + row as f32 * (TILE + GAP);
        svg.push_str(&format!(
            r#"<g data-province="{code}"><title>{name} {shown}</title><rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="6" fill="{fill}"/><text x="{tx}" y="{ny}" font-size="14" text-anchor="middle" fill="{ink}">{name}</text><text x="{tx}" y="{vy}" font-size="12" text-anchor="middle" fill="{ink}">{shown}</text></g>"#,
            tx = x + TILE / 2.0,
            ny = y + TILE / 2.0 - 2.0,
            vy = y + TILE / 2.0 + 16.0,
            shown = escape(shown),
        ));
    }
    // The legend: none, then the five shades from the least to the most.
    let ly = TOP + 8.0 * (TILE + GAP) + 6.0;
    svg.push_str(&format!(
        r##"<rect x="0" y="{ly}" width="18" height="14" fill="{NONE}"/><text x="22" y="{ty}" font-size="12" fill="#1f2937">0</text>"##,
        ty = ly + 12.0
    ));
    for (i, s) in SHADES.iter().enumerate() {
        let x = 60.0 + i as f32 * 22.0;
        svg.push_str(&format!(
            r#"<rect x="{x}" y="{ly}" width="20" height="14" fill="{s}"/>"#
        ));
    }
    svg.push_str(&format!(
        r##"<text x="{x}" y="{ty}" font-size="12" fill="#1f2937">少 → 多</text></svg>"##,
        x = 60.0 + 5.0 * 22.0 + 6.0,
        ty = ly + 12.0
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_province_has_one_tile_of_its_own() {
        let mut places = std::collections::HashSet::new();
        let mut codes = std::collections::HashSet::new();
        for (code, name, col, row) in TILES {
            assert!(places.insert((col, row)), "{name} shares a tile");
            assert!(codes.insert(code), "{name} twice");
            assert!(col < 9 && row < 8);
            let full = zhisu_codes::region::province_name(&format!("{code}0000"))
                .unwrap_or_else(|| panic!("{code} is no province"));
            assert!(full.starts_with(name), "{code}: {name} / {full}");
        }
        assert_eq!(codes.len(), 34, "every provincial-level division");
    }

    #[test]
    fn tiles_are_shaded_by_their_figure() {
        let svg = province_tiles_svg(
            &[
                ("44".into(), 1200.0, "1,200".into()),
                ("33".into(), 100.0, "100".into()),
            ],
            Medium::Print,
        );
        let tile = |code: &str| {
            let at = svg.find(&format!("data-province=\"{code}\"")).unwrap();
            &svg[at..at + svg[at..].find("</g>").unwrap()]
        };
        assert!(
            tile("44").contains(SHADES[4])
                && tile("44").contains(">广东<")
                && tile("44").contains(">1,200<")
        );
        assert!(tile("33").contains(SHADES[0]), "{}", tile("33"));
        assert!(tile("11").contains(NONE) && tile("11").contains(">0<"));
        assert!(svg.contains("少 → 多"));
    }
}
