//! An indicator split by one of its own breakdowns (issue 18.1–18.2:
//! enterprises by kind, batches by status, codes issued by trace level and
//! by code scheme, and what is kept by product category): the parts read
//! from the detail its rollup keeps, or from the rows summed by category,
//! with the names a Chinese reader knows them by.

use std::collections::BTreeMap;

use serde::Serialize;

use super::compute::{self, serialize_figure, Rows};
use super::format::share;
use super::period::Period;
use super::rollup::Measure;
use super::{Breakdown, Indicator, Unit};
use crate::batch::BatchStatus;
use crate::enterprise::EnterpriseKind;
use crate::product::{CodeScheme, ProductCategory, TraceLevel};

/// Where the parts of a composition come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The detail of one measure, cut by [`part_of`].
    Detail(Measure),
    /// The indicator's figure over each category's rows.
    Category,
}

/// How an indicator can be split by `by`, if it can: the glossary must
/// list the breakdown and the rollups keep what it needs.
pub fn source(indicator: Indicator, by: Breakdown) -> Option<Source> {
    if !indicator.def().by.contains(&by) {
        return None;
    }
    Some(match (indicator, by) {
        (Indicator::Enterprises, Breakdown::EnterpriseKind) => Source::Detail(Measure::Enterprises),
        (Indicator::BatchesByStatus, Breakdown::Status) => Source::Detail(Measure::Batches),
        (Indicator::CodesIssued, Breakdown::Level | Breakdown::Scheme) => {
            Source::Detail(Measure::CodesIssued)
        }
        (Indicator::FeedbackReceived, Breakdown::Topic) => Source::Detail(Measure::FeedbackTopics),
        (Indicator::CasesOverdue, Breakdown::Class) => Source::Detail(Measure::CasesEscalated),
        (Indicator::FindingsOpen, Breakdown::Axis | Breakdown::Class) => {
            Source::Detail(Measure::Findings)
        }
        (_, Breakdown::Category) => Source::Category,
        _ => return None,
    })
}

/// The breakdowns of an indicator a composition can be read by.
pub fn breakdowns(indicator: Indicator) -> Vec<Breakdown> {
    indicator
        .def()
        .by
        .iter()
        .copied()
        .filter(|b| source(indicator, *b).is_some())
        .collect()
}

/// The splits 统计概览 and the report show whatever indicator is chosen:
/// batches by status, codes issued by trace level and by scheme, feedback
/// by topic, open findings by axis (V4's four), and — for a reader of more
/// than one enterprise — enterprises by kind.
pub fn usual_splits(one_enterprise: bool) -> Vec<(Indicator, Breakdown)> {
    let mut out = vec![
        (Indicator::BatchesByStatus, Breakdown::Status),
        (Indicator::CodesIssued, Breakdown::Level),
        (Indicator::CodesIssued, Breakdown::Scheme),
        (Indicator::FeedbackReceived, Breakdown::Topic),
        (Indicator::FindingsOpen, Breakdown::Axis),
    ];
    if !one_enterprise {
        out.push((Indicator::Enterprises, Breakdown::EnterpriseKind));
    }
    out
}

/// The part a detail belongs to when split `by`: codes issued keep
/// `level/scheme`, findings `axis/class` (a case's class is the whole
/// detail).
pub fn part_of(by: Breakdown, detail: &str) -> &str {
    match by {
        Breakdown::Level | Breakdown::Axis => detail.split('/').next().unwrap_or(detail),
        Breakdown::Scheme => detail.split('/').nth(1).unwrap_or(""),
        Breakdown::Class => detail.split_once('/').map_or(detail, |(_, class)| class),
        _ => detail,
    }
}

/// One part of a composition.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Part {
    /// The status, kind, level, scheme or category as the API names it
    /// ("" for what has none: a scan of an unknown code has no category).
    pub key: String,
    pub label_zh: String,
    #[serde(serialize_with = "serialize_figure")]
    #[schema(value_type = Option<f64>)]
    pub value: Option<f64>,
}

/// The parts from a measure's detail over the period (a stock's as at its
/// end), largest first.
pub fn parts_from_detail(rows: &Rows, measure: Measure, by: Breakdown, p: &Period) -> Vec<Part> {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for (detail, v) in rows.per_detail(measure, p) {
        *sums.entry(part_of(by, &detail).to_string()).or_default() += v;
    }
    ordered(
        sums.into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|(key, v)| part(by, key, Some(v as f64)))
            .collect(),
    )
}

/// The indicator's figure over each category's rows, largest first;
/// categories where it is nothing (0 or none) left out.
pub fn parts_by_category(
    indicator: Indicator,
    by_category: BTreeMap<String, Rows>,
    p: &Period,
) -> Vec<Part> {
    ordered(
        by_category
            .into_iter()
            .map(|(key, rows)| {
                part(
                    Breakdown::Category,
                    key,
                    compute::value(indicator, &rows, p),
                )
            })
            .filter(|x| x.value.is_some_and(|v| v != 0.0))
            .collect(),
    )
}

/// Each part's share of their sum, as pages and reports show it ("<0.1%"
/// for one too small to show); None for every part when they are not
/// counts (a rate's parts do not add up to a whole) or sum to nothing.
pub fn shares(parts: &[Part], unit: Unit) -> Vec<Option<String>> {
    let total: f64 = parts.iter().filter_map(|p| p.value).sum();
    parts
        .iter()
        .map(|p| {
            p.value
                .filter(|_| unit == Unit::Count && total > 0.0)
                .map(|v| share(v, total))
        })
        .collect()
}

fn part(by: Breakdown, key: String, value: Option<f64>) -> Part {
    Part {
        label_zh: label_zh(by, &key),
        key,
        value,
    }
}

fn ordered(mut parts: Vec<Part>) -> Vec<Part> {
    parts.sort_by(|a, b| {
        b.value
            .unwrap_or(0.0)
            .total_cmp(&a.value.unwrap_or(0.0))
            .then(a.key.cmp(&b.key))
    });
    parts
}

/// A part's name as a Chinese page or report shows it.
pub fn label_zh(by: Breakdown, key: &str) -> String {
    let known = match by {
        Breakdown::Status => BatchStatus::parse(key).map(BatchStatus::label_zh),
        Breakdown::EnterpriseKind => EnterpriseKind::parse(key).map(EnterpriseKind::label_zh),
        Breakdown::Level => TraceLevel::ALL
            .into_iter()
            .find(|x| x.as_str() == key)
            .map(TraceLevel::label_zh),
        Breakdown::Scheme => CodeScheme::ALL
            .into_iter()
            .find(|x| x.as_str() == key)
            .map(CodeScheme::label_zh),
        Breakdown::Topic => super::topics::label_zh(key),
        Breakdown::Class => crate::verification::ResultClass::parse(key).map(|c| c.label_zh()),
        Breakdown::Axis => crate::verification::Axis::parse(key).map(|a| a.label_zh()),
        Breakdown::Category if key.is_empty() => Some("未归类"),
        Breakdown::Category => ProductCategory::find(key).map(|c| c.name_zh),
        _ => None,
    };
    known.map(str::to_string).unwrap_or_else(|| key.to_string())
}

/// A breakdown's name in a Chinese heading ("按状态").
pub fn breakdown_zh(by: Breakdown) -> &'static str {
    match by {
        Breakdown::Region => "行政区划",
        Breakdown::Category => "产品类别",
        Breakdown::Enterprise => "企业",
        Breakdown::EnterpriseKind => "企业类型",
        Breakdown::Status => "状态",
        Breakdown::Level => "追溯层级",
        Breakdown::Scheme => "编码方案",
        Breakdown::Axis => "核查维度",
        Breakdown::Class => "结论分类",
        Breakdown::BuyerRegion => "购货方省份",
        Breakdown::Buyer => "购货方",
        Breakdown::Topic => "话题",
    }
}

impl Breakdown {
    /// As a query names it (`enterprise_kind`).
    pub fn parse(s: &str) -> Option<Breakdown> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::compute::MeasureRow;

    fn row(measure: Measure, day: &str, detail: &str, value: i64) -> MeasureRow {
        MeasureRow {
            measure,
            day: day.parse().unwrap(),
            detail: detail.into(),
            value,
        }
    }

    fn nov() -> Period {
        Period::new("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap()).unwrap()
    }

    #[test]
    fn batches_by_status_are_the_stock_of_each_status_at_the_end() {
        let rows = Rows::new([
            row(Measure::Batches, "2026-10-01", "draft", 3),
            row(Measure::Batches, "2026-11-05", "draft", -2),
            row(Measure::Batches, "2026-11-05", "active", 2),
            row(Measure::Batches, "2026-12-02", "active", -1),
        ]);
        let parts = parts_from_detail(&rows, Measure::Batches, Breakdown::Status, &nov());
        let got: Vec<(&str, &str, Option<f64>)> = parts
            .iter()
            .map(|x| (x.key.as_str(), x.label_zh.as_str(), x.value))
            .collect();
        assert_eq!(
            got,
            vec![
                ("active", "已激活", Some(2.0)),
                ("draft", "草稿", Some(1.0))
            ]
        );
        assert_eq!(
            shares(&parts, Unit::Count),
            vec![Some("66.7%".to_string()), Some("33.3%".to_string())]
        );
        assert_eq!(shares(&parts, Unit::Rate), vec![None, None]);
        assert_eq!(
            compute::value(Indicator::BatchesByStatus, &rows, &nov()),
            Some(3.0)
        );
    }

    #[test]
    fn codes_issued_split_by_level_and_by_scheme_in_the_period() {
        let rows = Rows::new([
            row(Measure::CodesIssued, "2026-10-31", "per-item/gs1", 1000),
            row(Measure::CodesIssued, "2026-11-02", "per-item/gs1", 40),
            row(Measure::CodesIssued, "2026-11-03", "per-batch/gs1", 1),
            row(Measure::CodesIssued, "2026-11-04", "per-item/ecode", 10),
        ]);
        let of = |by| -> Vec<(String, Option<f64>)> {
            parts_from_detail(&rows, Measure::CodesIssued, by, &nov())
                .into_iter()
                .map(|x| (x.label_zh, x.value))
                .collect()
        };
        assert_eq!(
            of(Breakdown::Level),
            vec![
                ("一物一码".to_string(), Some(50.0)),
                ("一批一码".to_string(), Some(1.0))
            ]
        );
        assert_eq!(
            of(Breakdown::Scheme),
            vec![
                ("GS1商品条码/二维码".to_string(), Some(41.0)),
                ("物联网标识Ecode".to_string(), Some(10.0))
            ]
        );
    }

    #[test]
    fn a_composition_is_offered_only_where_the_glossary_and_the_rollups_allow() {
        assert_eq!(
            breakdowns(Indicator::CodesIssued),
            vec![Breakdown::Level, Breakdown::Scheme, Breakdown::Category]
        );
        assert_eq!(
            breakdowns(Indicator::BatchesByStatus),
            vec![Breakdown::Status, Breakdown::Category]
        );
        assert_eq!(
            breakdowns(Indicator::Enterprises),
            vec![Breakdown::EnterpriseKind]
        );
        assert_eq!(source(Indicator::Scans, Breakdown::Status), None);
        assert_eq!(source(Indicator::Scans, Breakdown::Region), None);
        assert_eq!(
            Breakdown::parse("enterprise_kind"),
            Some(Breakdown::EnterpriseKind)
        );
        assert_eq!(Breakdown::EnterpriseKind.as_str(), "enterprise_kind");
        assert_eq!(Breakdown::parse("kind"), None);
    }

    #[test]
    fn categories_are_named_and_the_empty_ones_left_out() {
        let mut by = BTreeMap::new();
        by.insert(
            "wire-cable".to_string(),
            Rows::new([row(Measure::Scans, "2026-11-02", "", 5)]),
        );
        by.insert(
            "".to_string(),
            Rows::new([row(Measure::Scans, "2026-11-02", "", 7)]),
        );
        by.insert(
            "e-bike".to_string(),
            Rows::new([row(Measure::Scans, "2026-10-02", "", 9)]),
        );
        let parts = parts_by_category(Indicator::Scans, by, &nov());
        let got: Vec<(&str, Option<f64>)> = parts
            .iter()
            .map(|x| (x.label_zh.as_str(), x.value))
            .collect();
        assert_eq!(got, vec![("未归类", Some(7.0)), ("电线电缆", Some(5.0))]);
    }
}
