//! An indicator's composition for whoever asks (issue 18.1–18.2):
//! enterprises by kind, batches by status, codes issued by trace level
//! and by scheme, and any kept indicator by product category, over a
//! period and scoped like every statistic (`zhisu_domain::statistics::
//! composition` says which splits exist and names the parts), and the
//! report's 构成 section made of them.

use serde::Serialize;
use utoipa::ToSchema;
use zhisu_domain::statistics::composition::{self, Part, Source};
use zhisu_domain::statistics::compute::{self, Rows};
use zhisu_domain::statistics::format::figure;
use zhisu_domain::statistics::period::Period;
use zhisu_domain::statistics::{Breakdown, Indicator, Unit};
use zhisu_domain::validation::Invalid;
use zhisu_domain::Principal;
use zhisu_print::chart::{self, Medium};
use zhisu_print::report::{Entry, Section};
use zhisu_print::PrintError;
use zhisu_store::StatGroup;

use crate::statistics::{indicator_of, invalid, StatRequest};
use crate::{today_in_shanghai, Service, ServiceResult};

/// `GET /api/v1/statistics/composition`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Composition {
    pub indicator: String,
    pub name_zh: String,
    pub unit: Unit,
    pub period: Period,
    /// What it is split by: `category`, `status`, `enterprise_kind`,
    /// `level` or `scheme`.
    #[schema(value_type = String)]
    pub by: Breakdown,
    /// "按状态" and the like, for a heading.
    pub by_zh: String,
    /// Largest first; parts that are nothing left out.
    pub parts: Vec<Part>,
}

/// The first day any rollup can hold (a flow summed from the beginning).
fn beginning() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date")
}

impl Service {
    /// The indicator over the period split `by` one of its breakdowns; a
    /// split it has not (its glossary entry lists those it has) is 422
    /// naming `by`.
    pub async fn statistics_composition(
        &self,
        principal: &Principal,
        req: &StatRequest,
        indicator: &str,
        by: &str,
    ) -> ServiceResult<Composition> {
        let indicator = indicator_of("indicator", indicator)?;
        let split = Breakdown::parse(by.trim());
        let Some((by, source)) =
            split.and_then(|b| composition::source(indicator, b).map(|s| (b, s)))
        else {
            return Err(not_split(indicator, by));
        };
        let period = Period::parse(req.from.as_deref(), req.to.as_deref(), today_in_shanghai())
            .map_err(Invalid)?;
        let filter = self.stat_filter(principal, req).await?;
        let from = if compute::reads_all_time(indicator) {
            beginning()
        } else {
            period.from
        };
        let parts = match source {
            Source::Detail(measure) => {
                let rows = self
                    .store
                    .stat_rows(&filter, &[measure], from, period.to)
                    .await?;
                composition::parts_from_detail(&Rows::new(rows), measure, by, &period)
            }
            Source::Category => {
                let measures = compute::measures_for(indicator, period.days());
                let rows = self
                    .store
                    .stat_rows_by(&filter, &measures, from, period.to, StatGroup::Category)
                    .await?;
                composition::parts_by_category(indicator, Rows::grouped(rows), &period)
            }
        };
        Ok(Composition {
            indicator: indicator.as_str().to_string(),
            name_zh: indicator.def().zh.clone(),
            unit: indicator.def().unit,
            period,
            by,
            by_zh: format!("按{}", composition::breakdown_zh(by)),
            parts,
        })
    }
}

impl Service {
    /// The usual splits ([`composition::usual_splits`]) of the request's
    /// period and places, those with nothing in them left out.
    pub async fn usual_compositions(
        &self,
        principal: &Principal,
        req: &StatRequest,
    ) -> ServiceResult<Vec<Composition>> {
        let one_enterprise = principal.enterprise_id.is_some() || req.enterprise_id.is_some();
        let mut out = Vec::new();
        for (indicator, by) in composition::usual_splits(one_enterprise) {
            let c = self
                .statistics_composition(principal, req, indicator.as_str(), &by.as_str())
                .await?;
            if !c.parts.is_empty() {
                out.push(c);
            }
        }
        Ok(out)
    }
}

/// The report's 构成 section: every split as rows of one table, the first
/// (batches by status) drawn as bars; None when all are empty.
pub(crate) fn composition_section(all: &[Composition]) -> Result<Option<Section>, PrintError> {
    let Some(first) = all.first() else {
        return Ok(None);
    };
    let bars: Vec<(String, f64)> = first
        .parts
        .iter()
        .map(|p| (p.label_zh.clone(), p.value.unwrap_or(0.0)))
        .collect();
    let mut rows = Vec::new();
    for c in all {
        for (p, share) in c.parts.iter().zip(composition::shares(&c.parts, c.unit)) {
            rows.push(vec![
                Entry::text(c.name_zh.clone()),
                Entry::text(c.by_zh.clone()),
                Entry::text(p.label_zh.clone()),
                Entry::Figure {
                    value: p.value,
                    shown: figure(p.value, c.unit),
                },
                Entry::text(share.unwrap_or_else(|| "—".into())),
            ]);
        }
    }
    Ok(Some(Section {
        heading: "构成".into(),
        sheet: "构成".into(),
        note: Some(
            "批次按状态、企业按类型为期末数；赋码数按追溯层级和编码方案、收到的反馈按话题为期内数。图为批次按状态。"
                .into(),
        ),
        chart_svg: Some(chart::bars_svg(
            &format!("{} · {}", first.name_zh, first.by_zh),
            &bars,
            Medium::Print,
        )?),
        header: vec![
            "指标".into(),
            "细分".into(),
            "项目".into(),
            "数值".into(),
            "占比".into(),
        ],
        rows,
    }))
}

/// 422 naming `by`, with the splits the indicator has.
fn not_split(indicator: Indicator, by: &str) -> crate::ServiceError {
    let offered: Vec<String> = composition::breakdowns(indicator)
        .into_iter()
        .map(|b| format!("{}（{}）", b.as_str(), composition::breakdown_zh(b)))
        .collect();
    let offered = if offered.is_empty() {
        "无".to_string()
    } else {
        offered.join("、")
    };
    invalid(
        "by",
        "unknown",
        format!(
            "“{}”不能按“{by}”细分；可选：{offered} (by: {} cannot be split by this)",
            indicator.def().zh,
            indicator.as_str()
        ),
    )
}
