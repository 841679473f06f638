//! The indicators' glossary (issue 18.1): `data/indicators.toml`, read
//! once, names and defines each indicator (what is counted, from which
//! records, how days are cut); [`Indicator`] is the code's list of them. A
//! test keeps the two in step, so no indicator is computed without a
//! definition a person can read, and none is defined without being known.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const SOURCE: &str = include_str!("../../data/indicators.toml");

/// Every indicator the platform knows, by its stable ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Indicator {
    Enterprises,
    Products,
    BatchesActive,
    BatchesByStatus,
    CodesIssued,
    ActivationRate,
    Scans,
    CodesScanned,
    FirstScanRate,
    AlertsCounterfeit,
    AlertsDiversion,
    DiversionRate,
    RecallsOpen,
    RecallReturnedShare,
    RecallHoldersReached,
    FeedbackOpen,
    FeedbackReceived,
    FeedbackAnswered,
    FeedbackAnswerHours,
    FindingsOpen,
    CasesOpen,
    CasesOverdue,
    CaseDaysToClose,
    Sales,
}

impl Indicator {
    pub const ALL: [Indicator; 24] = [
        Indicator::Enterprises,
        Indicator::Products,
        Indicator::BatchesActive,
        Indicator::BatchesByStatus,
        Indicator::CodesIssued,
        Indicator::ActivationRate,
        Indicator::Scans,
        Indicator::CodesScanned,
        Indicator::FirstScanRate,
        Indicator::AlertsCounterfeit,
        Indicator::AlertsDiversion,
        Indicator::DiversionRate,
        Indicator::RecallsOpen,
        Indicator::RecallReturnedShare,
        Indicator::RecallHoldersReached,
        Indicator::FeedbackOpen,
        Indicator::FeedbackReceived,
        Indicator::FeedbackAnswered,
        Indicator::FeedbackAnswerHours,
        Indicator::FindingsOpen,
        Indicator::CasesOpen,
        Indicator::CasesOverdue,
        Indicator::CaseDaysToClose,
        Indicator::Sales,
    ];

    /// What `GET /api/v1/statistics/summary` answers for a period (issue
    /// 18.6), in its order.
    pub const SUMMARY: [Indicator; 22] = [
        Indicator::Products,
        Indicator::CodesIssued,
        Indicator::Scans,
        Indicator::CodesScanned,
        Indicator::FirstScanRate,
        Indicator::BatchesActive,
        Indicator::ActivationRate,
        Indicator::AlertsCounterfeit,
        Indicator::AlertsDiversion,
        Indicator::DiversionRate,
        Indicator::RecallsOpen,
        Indicator::RecallHoldersReached,
        Indicator::RecallReturnedShare,
        Indicator::FeedbackOpen,
        Indicator::FeedbackAnswered,
        Indicator::FeedbackAnswerHours,
        Indicator::FindingsOpen,
        Indicator::CasesOpen,
        Indicator::CasesOverdue,
        Indicator::CaseDaysToClose,
        Indicator::Sales,
        Indicator::Enterprises,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::Enterprises => "enterprises",
            Indicator::Products => "products",
            Indicator::BatchesActive => "batches_active",
            Indicator::BatchesByStatus => "batches_by_status",
            Indicator::CodesIssued => "codes_issued",
            Indicator::ActivationRate => "activation_rate",
            Indicator::Scans => "scans",
            Indicator::CodesScanned => "codes_scanned",
            Indicator::FirstScanRate => "first_scan_rate",
            Indicator::AlertsCounterfeit => "alerts_counterfeit",
            Indicator::AlertsDiversion => "alerts_diversion",
            Indicator::DiversionRate => "diversion_rate",
            Indicator::RecallsOpen => "recalls_open",
            Indicator::RecallReturnedShare => "recall_returned_share",
            Indicator::RecallHoldersReached => "recall_holders_reached",
            Indicator::FeedbackOpen => "feedback_open",
            Indicator::FeedbackReceived => "feedback_received",
            Indicator::FeedbackAnswered => "feedback_answered",
            Indicator::FeedbackAnswerHours => "feedback_answer_hours",
            Indicator::FindingsOpen => "findings_open",
            Indicator::CasesOpen => "cases_open",
            Indicator::CasesOverdue => "cases_overdue",
            Indicator::CaseDaysToClose => "case_days_to_close",
            Indicator::Sales => "sales",
        }
    }

    pub fn parse(s: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// Its definition in the glossary.
    pub fn def(self) -> &'static IndicatorDef {
        glossary()
            .indicator(self.as_str())
            .expect("every indicator is in the glossary (tested)")
    }
}

/// What an indicator's figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// A number of things.
    Count,
    /// A share, 0 to 1.
    Rate,
    /// Per 10,000 scans.
    #[serde(rename = "per-10k")]
    Per10k,
    Hours,
    Days,
}

/// Whether the figure is what happened in the period or what stands at
/// its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Counted over the period.
    Flow,
    /// As at the period's end.
    Stock,
}

/// A breakdown an indicator can be read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Breakdown {
    /// GB/T 2260 region, drilled province → city → district.
    Region,
    /// The product category.
    Category,
    Enterprise,
    /// Manufacturer or seller.
    EnterpriseKind,
    /// A batch's status.
    Status,
    /// The trace level.
    Level,
    /// The code scheme.
    Scheme,
    /// A finding's axis.
    Axis,
    /// A result class.
    Class,
    /// A sale's buyer's region (where the goods went).
    BuyerRegion,
    /// A sale's buyer: the distributor channel it went through.
    Buyer,
    /// What feedback is about (`data/feedback_topics.toml`).
    Topic,
}

/// One indicator as the glossary defines it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    /// Stable, never reused: `codes_issued`.
    pub id: String,
    pub unit: Unit,
    pub kind: Kind,
    pub by: Vec<Breakdown>,
    pub zh: String,
    pub en: String,
    pub definition_zh: String,
    pub definition_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Glossary {
    pub version: String,
    #[serde(rename = "indicator")]
    pub indicators: Vec<IndicatorDef>,
}

impl Glossary {
    pub fn indicator(&self, id: &str) -> Option<&IndicatorDef> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// The glossary this build carries.
pub fn glossary() -> &'static Glossary {
    static GLOSSARY: OnceLock<Glossary> = OnceLock::new();
    GLOSSARY
        .get_or_init(|| toml::from_str(SOURCE).expect("the glossary's test checks the file reads"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps the data file and the code in step: the file reads, each ID
    /// once; every indicator the code knows is defined there, and every
    /// one defined there is known; each has its names and definitions in
    /// both languages and can be read by region or by a breakdown of its
    /// own; what the summary answers is among them.
    #[test]
    fn the_glossary_and_the_code_are_in_step() {
        let g = glossary();
        assert!(!g.version.is_empty());
        let mut ids: Vec<&str> = g.indicators.iter().map(|i| i.id.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "an ID defined twice");
        for def in &g.indicators {
            assert!(
                Indicator::parse(&def.id).is_some(),
                "{} is defined but not known to the code",
                def.id
            );
            for text in [&def.zh, &def.en, &def.definition_zh, &def.definition_en] {
                assert!(
                    !text.trim().is_empty(),
                    "{}: a name or definition is empty",
                    def.id
                );
            }
            assert!(!def.by.is_empty(), "{}: no breakdown", def.id);
        }
        for i in Indicator::ALL {
            assert_eq!(i.def().id, i.as_str(), "{i:?} is not in the glossary");
            assert_eq!(Indicator::parse(i.as_str()), Some(i));
        }
        assert_eq!(g.indicators.len(), Indicator::ALL.len());
        for i in Indicator::SUMMARY {
            assert!(Indicator::ALL.contains(&i));
        }
        // A flow is what happened in the period: its definition says so.
        for def in g.indicators.iter().filter(|d| d.kind == Kind::Flow) {
            let cut = def.definition_zh.contains("期内");
            assert!(cut, "{}: a flow is counted over the period (期内)", def.id);
        }
    }
}
