//! The monthly and quarterly statistics report (issue 18.5): the reader's
//! summary beside the period before, the scan trend with its anomalies,
//! where it happened (for regulators and the platform), where the goods
//! sold went (P6.7), every anomaly of the period and the indicators'
//! definitions — as a PDF or an XLSX
//! workbook, scoped exactly as the dashboard is (V7).

use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;
use zhisu_domain::auth::ListScope;
use zhisu_domain::statistics::format::{
    band_range, change, day_zh, figure, point_label, region_list,
};
use zhisu_domain::statistics::report_period::ReportPeriod;
use zhisu_domain::statistics::Indicator;
use zhisu_domain::validation::{FieldError, Invalid};
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_print::chart::{self, Medium, TrendPoint};
use zhisu_print::report::{report_pdf, report_xlsx, Entry, ReportDoc, Section};

use crate::{
    today_in_shanghai, MarketFigure, MarketView, Service, ServiceError, ServiceResult, StatRequest,
};

/// `GET /api/v1/statistics/report`: which report, in which form, of what.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportRequest {
    /// A month `YYYY-MM` (月报) or a quarter `YYYY-Qn` (季报).
    pub period: String,
    /// `pdf` (default) or `xlsx`.
    pub format: Option<String>,
    /// A GB/T 2260 code inside the reader's jurisdiction.
    pub region: Option<String>,
    /// A product category.
    pub category: Option<String>,
    /// One enterprise the reader may read.
    pub enterprise_id: Option<i64>,
}

/// A report ready to send or save.
#[derive(Debug, Clone)]
pub struct ReportFile {
    /// `zhisu-report-2026-11.pdf`.
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pdf,
    Xlsx,
}

/// The steps a report is made in, for a progress bar.
pub const REPORT_STEPS: usize = 5;

fn invalid(field: &str, code: &str, message: String) -> ServiceError {
    Invalid(vec![FieldError::new(field, code, message)]).into()
}

impl Service {
    /// Whose figures: the jurisdiction, the enterprise or the platform,
    /// and the filters asked for. (short, for the title; whole, a line)
    async fn report_scope(&self, by: &Principal, req: &ReportRequest) -> (String, String) {
        let place = |code: &str| match zhisu_codes::region::province_name(code) {
            Some(p) if code.ends_with("0000") => p.to_string(),
            Some(p) => format!("{p}（{code}）"),
            None => code.to_string(),
        };
        let short = match by.role {
            Role::PlatformAdmin => "全平台".to_string(),
            Role::Regulator => by
                .jurisdiction
                .iter()
                .map(|r| place(r.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
            _ => match by.enterprise_id {
                Some(e) => self
                    .record_name(RecordKind::Enterprise, e)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                None => String::new(),
            },
        };
        let mut whole = match by.role {
            Role::PlatformAdmin => "范围：全平台".to_string(),
            Role::Regulator => format!("范围：{short}监管辖区"),
            _ => format!("范围：{short}的产品"),
        };
        if let Some(r) = req
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            whole.push_str(&format!(" · 地区：{}", place(r)));
        }
        if let Some(c) = req.category.as_deref().and_then(|c| {
            zhisu_domain::product::CATEGORIES
                .iter()
                .find(|x| x.code == c.trim())
        }) {
            whole.push_str(&format!(" · 类别：{}", c.name_zh));
        }
        if let Some(e) = req.enterprise_id {
            if let Ok(Some(name)) = self.record_name(RecordKind::Enterprise, e).await {
                whole.push_str(&format!(" · 企业：{name}"));
            }
        }
        (short, whole)
    }

    /// The report as a file, `progress(step)` told as each of
    /// [`REPORT_STEPS`] ends. Bad input is a 422 naming the field;
    /// nothing is stored.
    pub async fn statistics_report(
        &self,
        by: &Principal,
        req: &ReportRequest,
        mut progress: impl FnMut(usize),
    ) -> ServiceResult<ReportFile> {
        let today = today_in_shanghai();
        let which = ReportPeriod::parse("period", &req.period, today)
            .map_err(|e| ServiceError::Invalid(Invalid(vec![e])))?;
        let format = match req.format.as_deref().map(str::trim).unwrap_or("pdf") {
            "pdf" | "" => Format::Pdf,
            "xlsx" => Format::Xlsx,
            other => {
                return Err(invalid(
                    "format",
                    "unknown",
                    format!("报表格式为 pdf 或 xlsx，不是“{other}” (format: pdf or xlsx)"),
                ))
            }
        };
        let period = which.period(today);
        let stat = StatRequest {
            from: Some(period.from.to_string()),
            to: Some(period.to.to_string()),
            region: req.region.clone(),
            category: req.category.clone(),
            enterprise_id: req.enterprise_id,
        };
        let grain = which.grain();
        let by_grain = grain.as_str();

        // 1. The summary (this also checks the region and the enterprise).
        let summary = self.statistics_summary(by, &stat).await?;
        progress(1);
        // 2. The scan trend.
        let trend = self
            .statistics_series(by, &stat, "scans", by_grain, None)
            .await?;
        progress(2);
        // 3. Where (regulators and the platform), and where the goods went.
        let reads_regions = !matches!(by.list_scope(), ListScope::Enterprise(_));
        let where_ids = [
            "scans",
            "codes_issued",
            "alerts_counterfeit",
            "alerts_diversion",
        ];
        let mut breakdowns = Vec::new();
        if reads_regions && req.enterprise_id.is_none() {
            for id in where_ids {
                breakdowns.push(self.statistics_breakdown(by, &stat, id).await?);
            }
        }
        // Where the goods sold went (P6.7), and what the figures are made of.
        let market = self.statistics_market(by, &stat).await?;
        let compositions = self.usual_compositions(by, &stat).await?;
        progress(3);
        // 4. Every anomaly of the period.
        let anomalies = self
            .statistics_anomalies(by, &stat, by_grain, None)
            .await?
            .anomalies;
        progress(4);

        let (short, scope) = self.report_scope(by, req).await;
        let title = format!(
            "{short}产品质量安全追溯统计{}（{}）",
            which.kind_zh(),
            which.name_zh()
        );
        let now =
            Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
        let mut lines = vec![
            scope,
            format!(
                "统计期间：{} 至 {}（共 {} 天）；上期 {} 至 {}",
                day_zh(period.from),
                day_zh(period.to),
                period.days(),
                day_zh(summary.previous_period.from),
                day_zh(summary.previous_period.to)
            ),
            format!(
                "生成时间：{} {}（北京时间）。日期均按北京时间计；各指标的定义见第{{definitions}}部分。",
                day_zh(now.date_naive()),
                now.format("%H:%M")
            ),
        ];
        let mut sections = Vec::new();

        // 一、主要指标
        sections.push(Section {
            heading: "主要指标".into(),
            sheet: "主要指标".into(),
            note: None,
            chart_svg: None,
            header: vec!["指标".into(), "本期".into(), "上期".into(), "变化".into()],
            rows: summary
                .figures
                .iter()
                .map(|f| {
                    vec![
                        Entry::text(f.name_zh.clone()),
                        Entry::Figure {
                            value: f.value,
                            shown: figure(f.value, f.unit),
                        },
                        Entry::Figure {
                            value: f.previous,
                            shown: figure(f.previous, f.unit),
                        },
                        Entry::text(change(f.value, f.previous, "新增").0),
                    ]
                })
                .collect(),
        });

        // 二、扫码趋势
        let labels: Vec<String> = trend
            .points
            .iter()
            .map(|p| point_label(true, grain, p.from, p.to))
            .collect();
        let trend_points: Vec<TrendPoint> = trend
            .points
            .iter()
            .zip(&labels)
            .map(|(p, l)| TrendPoint {
                label: l.clone(),
                value: p.value,
                band: p.band.map(|b| (b.low, b.high)),
                anomaly: p.anomaly,
            })
            .collect();
        sections.push(Section {
            heading: format!("扫码趋势（{}）", if by_grain == "day" { "按日" } else { "按周" }),
            sheet: "扫码趋势".into(),
            note: Some(
                "红点为异常：与之前一段时间（按日 28 天、按周 13 周）相比，超出中位数 ± 3 倍绝对中位差（折算为标准差）；按日时先按星期几的规律折算，周末扫码少不算异常。"
                    .into(),
            ),
            chart_svg: Some(
                chart::trend_svg("扫码次数", "异常", &trend_points, true, Medium::Print)?,
            ),
            header: vec!["时段".into(), "扫码次数".into(), "正常范围".into(), "判定".into()],
            rows: trend
                .points
                .iter()
                .zip(&labels)
                .map(|(p, l)| {
                    vec![
                        Entry::text(l.clone()),
                        Entry::Figure { value: p.value, shown: figure(p.value, trend.unit) },
                        Entry::text(band_range(p.band, trend.unit)),
                        Entry::text(if p.anomaly { "异常" } else { "" }),
                    ]
                })
                .collect(),
        });

        // 三、地区分布
        if let Some(first) = breakdowns.first() {
            let level = match first.level.as_str() {
                "province" => "省",
                "city" => "市",
                _ => "区县",
            };
            let mut codes: Vec<String> = Vec::new();
            for b in &breakdowns {
                for r in &b.regions {
                    if !codes.contains(&r.region_code) {
                        codes.push(r.region_code.clone());
                    }
                }
            }
            let value_of = |b: &crate::RegionBreakdown, code: &str| {
                b.regions
                    .iter()
                    .find(|r| r.region_code == code)
                    .and_then(|r| r.value)
            };
            let name_of = |code: &str| match zhisu_codes::region::province_name(code) {
                Some(p) if code.ends_with("0000") => p.to_string(),
                Some(p) => format!("{p} {code}"),
                None => code.to_string(),
            };
            let bars: Vec<(String, f64)> = first
                .regions
                .iter()
                .take(15)
                .map(|r| (name_of(&r.region_code), r.value.unwrap_or(0.0)))
                .collect();
            let mut header = vec![format!("地区（{level}）")];
            header.extend(breakdowns.iter().map(|b| b.name_zh.clone()));
            sections.push(Section {
                heading: if first.level == "province" {
                    format!("地区分布（按{level}，图为扫码次数）")
                } else {
                    format!("地区分布（按{level}，图为扫码次数前 15 位）")
                },
                sheet: "地区分布".into(),
                note: codes.is_empty().then(|| "本期没有记录。".to_string()),
                // Provinces on a tile map of China; cities and districts
                // as bars.
                chart_svg: if bars.is_empty() {
                    None
                } else if first.level == "province" {
                    let tiles = first.province_tiles();
                    Some(zhisu_print::tile_map::province_tiles_svg(
                        &tiles,
                        Medium::Print,
                    ))
                } else {
                    Some(chart::bars_svg("扫码次数", &bars, Medium::Print)?)
                },
                header,
                rows: codes
                    .iter()
                    .map(|code| {
                        let mut row = vec![Entry::text(name_of(code))];
                        row.extend(breakdowns.iter().map(|b| {
                            let v = value_of(b, code).or(Some(0.0));
                            Entry::Figure {
                                value: v,
                                shown: figure(v, b.unit),
                            }
                        }));
                        row
                    })
                    .collect(),
            });
        }

        // 销售去向 (P6.7), when anything was sold in either period.
        if market.sold.value > 0 || market.sold.previous > 0 {
            sections.extend(market_sections(&market));
        }
        // 扫码地域 (P6.7), when any scan's client named its region.
        sections.extend(scans_section(&market));
        // 构成: batches by status, codes by level and scheme, enterprises.
        sections.extend(crate::statistics_composition::composition_section(
            &compositions,
        )?);

        // 异常提示
        sections.push(Section {
            heading: "异常提示".into(),
            sheet: "异常提示".into(),
            note: Some(if anomalies.is_empty() {
                "本期各项指标均在正常范围内。".into()
            } else {
                format!(
                    "本期共 {} 处超出正常范围，请结合业务核实。",
                    anomalies.len()
                )
            }),
            chart_svg: None,
            header: vec![
                "指标".into(),
                "时段".into(),
                "数值".into(),
                "正常范围".into(),
            ],
            rows: anomalies
                .iter()
                .map(|a| {
                    vec![
                        Entry::text(a.name_zh.clone()),
                        Entry::text(point_label(true, grain, a.from, a.to)),
                        Entry::Figure {
                            value: a.value,
                            shown: figure(a.value, a.unit),
                        },
                        Entry::text(band_range(a.band, a.unit)),
                    ]
                })
                .collect(),
        });

        // 指标说明
        sections.push(Section {
            heading: "指标说明".into(),
            sheet: "指标说明".into(),
            note: None,
            chart_svg: None,
            header: vec!["指标".into(), "定义".into()],
            rows: summary
                .figures
                .iter()
                .filter_map(|f| Indicator::parse(&f.indicator))
                .map(|i| {
                    vec![
                        Entry::text(i.def().zh.clone()),
                        Entry::text(i.def().definition_zh.clone()),
                    ]
                })
                .collect(),
        });

        // Numbered in order: 一、主要指标, 二、扫码趋势, …
        for (i, section) in sections.iter_mut().enumerate() {
            section.heading = format!("{}、{}", numeral(i), section.heading);
        }
        let definitions = numeral(sections.len() - 1);
        lines[2] = lines[2].replace("{definitions}", &definitions);
        let doc = ReportDoc {
            title,
            lines,
            sections,
        };
        let (bytes, ext, content_type) = match format {
            Format::Pdf => (report_pdf(&doc), "pdf", "application/pdf"),
            Format::Xlsx => (
                report_xlsx(&doc),
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        };
        let bytes = bytes?;
        progress(5);
        Ok(ReportFile {
            file_name: format!("zhisu-report-{}.{ext}", which.key()),
            content_type,
            bytes,
        })
    }
}

/// The sections' numerals, in order.
const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// A market figure's cells: this period, the one before, the change.
fn pair(f: &MarketFigure) -> [Entry; 3] {
    let (now, before) = (Some(f.value as f64), Some(f.previous as f64));
    [
        Entry::Figure {
            value: now,
            shown: f.value.to_string(),
        },
        Entry::Figure {
            value: before,
            shown: f.previous.to_string(),
        },
        Entry::text(change(now, before, "新增").0),
    ]
}

/// The `i`th section's numeral (from 0): 一 … 十, then 十一 … 十九.
fn numeral(i: usize) -> String {
    match i {
        0..=9 => NUMERALS[i].to_string(),
        _ => format!("十{}", NUMERALS[(i - 10).min(8)]),
    }
}

/// 扫码地域 (P6.7): the provinces the public scanned the goods in, as the
/// scans' clients named them, on a tile map with their table; None when
/// no scan of either period named one.
fn scans_section(market: &MarketView) -> Option<Section> {
    let tiles = market.scan_tiles();
    if tiles.is_empty() {
        return None;
    }
    Some(Section {
        heading: "扫码地域（按扫码所在省份）".into(),
        sheet: "扫码地域".into(),
        note: Some(
            "公众扫码时扫码页面（如在微信中打开）提供的所在地区，按省份计；未提供地区的扫码单列。"
                .into(),
        ),
        chart_svg: Some(zhisu_print::tile_map::province_tiles_svg(
            &tiles,
            Medium::Print,
        )),
        header: vec![
            "扫码所在省份".into(),
            "本期".into(),
            "上期".into(),
            "变化".into(),
        ],
        rows: market
            .scans_by_province
            .iter()
            .map(|p| {
                let mut row = vec![Entry::text(p.name_zh.clone())];
                row.extend(pair(&p.scans));
                row
            })
            .collect(),
    })
}

/// 销售去向 (P6.7): the buyers' provinces on a tile map with their table,
/// and the buyers (a manufacturer's distributors first, with their sales
/// regions and the diversion alerts against them).
fn market_sections(market: &MarketView) -> Vec<Section> {
    let tiles = market.province_tiles();
    let provinces = Section {
        heading: "销售去向（按购货方所在省份）".into(),
        sheet: "销售去向".into(),
        note: Some(format!(
            "本期销售数量 {}，上期 {}。按销售流向记录计（不含进货和退回）；平台外购货方的地区未知。",
            market.sold.value, market.sold.previous
        )),
        chart_svg: (!tiles.is_empty())
            .then(|| zhisu_print::tile_map::province_tiles_svg(&tiles, Medium::Print)),
        header: vec!["购货方所在省份".into(), "本期".into(), "上期".into(), "变化".into()],
        rows: market
            .by_province
            .iter()
            .map(|p| {
                let mut row = vec![Entry::text(p.name_zh.clone())];
                row.extend(pair(&p.sold));
                row
            })
            .collect(),
    };
    let distributors = market.buyers.iter().any(|b| b.channel_regions.is_some());
    let mut header = vec!["购货方".to_string()];
    if distributors {
        header.push("经销区域".into());
    }
    header.extend(["本期".into(), "上期".into(), "变化".into()]);
    if distributors {
        header.push("窜货预警（本期）".into());
    }
    let buyers = Section {
        heading: "购货方".into(),
        sheet: "购货方".into(),
        note: distributors.then(|| {
            "经销商渠道在前，窜货预警为发往该经销商的货物在其经销区域以外出现的次数。".to_string()
        }),
        chart_svg: None,
        header,
        rows: market
            .buyers
            .iter()
            .map(|b| {
                let mut row = vec![Entry::text(b.name.clone())];
                if distributors {
                    row.push(Entry::text(
                        b.channel_regions
                            .as_deref()
                            .map(|r| region_list(r, true))
                            .unwrap_or_else(|| "—".into()),
                    ));
                }
                row.extend(pair(&b.sold));
                if distributors {
                    row.push(match &b.diversion_alerts {
                        Some(a) => Entry::Figure {
                            value: Some(a.value as f64),
                            shown: a.value.to_string(),
                        },
                        None => Entry::text("—"),
                    });
                }
                row
            })
            .collect(),
    };
    if market.buyers.is_empty() {
        // A jurisdiction's: its sellers' buyers are read one enterprise at
        // a time.
        vec![provinces]
    } else {
        vec![provinces, buyers]
    }
}
