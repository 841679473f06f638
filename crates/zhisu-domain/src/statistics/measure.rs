//! What a rollup row counts (issue 18): the measures the write path and
//! the scan fold keep, whether each is a stock or a flow, and which
//! records feed it.

use crate::scan::AlertKind;
use crate::RecordKind;

/// What a rollup row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Public scans (flow).
    Scans,
    /// A code's first scan on a day; detail: its previous scan day or "".
    CodeDays,
    /// The same code-days with the days since the code's previous scan day
    /// as detail, capped: "1" to "31", or "" for a longer gap or none
    /// ([`super::rollup::gap_detail`]). At most 32 rows per place and day
    /// however long the history, and exact for any period of up to 32
    /// days (summaries, months, series); longer ones read `CodeDays`.
    CodeGaps,
    /// A code's first scan ever (read from the beginning: the first-scan
    /// rate's numerator).
    FirstScans,
    AlertsCounterfeit,
    AlertsDiversion,
    /// Batches by status (stock changes); detail: the status.
    Batches,
    /// Codes of batches activated (flow); detail: `level/scheme`.
    CodesIssued,
    /// Recalls by status (stock changes).
    Recalls,
    /// Feedback by status (stock changes).
    Feedback,
    /// Enterprises registered, by kind (stock changes).
    Enterprises,
    /// Quantities sold (flow, by the day of sale); detail: the buyer's
    /// province (two digits; "" off the platform).
    Sales,
    /// The same by buyer (detail: its enterprise ID, "" off the
    /// platform), kept per enterprise only ([`Measure::per_enterprise_only`]).
    SalesByBuyer,
    /// Feedback answered (flow, on the day of its first answer); detail:
    /// the whole hours from its sending to that answer, so the period's
    /// median is exact to the hour.
    FeedbackAnswered,
    /// Disposal cases by status (stock changes).
    Cases,
    /// Deadlines missed (flow): a case escalated because it was not
    /// answered in time, on the day of escalation; detail: the case's
    /// class before it (V6-dispose).
    CasesEscalated,
    /// Feedback received (flow, on the day received); detail: its topic
    /// (`topics.rs`; "" for feedback received before topics were kept).
    FeedbackTopics,
    /// Products filed (stock changes) in their own category; detail:
    /// `filed`, or `paused` while reporting is paused (P5.3.3.2).
    Products,
    /// Cases closed (flow, on the day of closing); detail: the calendar
    /// days (Beijing time) from opening to closing.
    CasesClosed,
    /// Verification findings open (stock changes, V5): where the finding
    /// was made (its record's enterprise and region, no category);
    /// detail: `axis/class` (the class the rule proposes).
    Findings,
    /// Open recalls' figures (stock changes, P6.4) at the producer's place
    /// in the product's category; detail: `delivered`, `returned` or
    /// `holders` (`recall_figures.rs`).
    RecallFigures,
}

impl Measure {
    pub const ALL: [Measure; 21] = [
        Measure::Scans,
        Measure::CodeDays,
        Measure::CodeGaps,
        Measure::FirstScans,
        Measure::AlertsCounterfeit,
        Measure::AlertsDiversion,
        Measure::Batches,
        Measure::CodesIssued,
        Measure::Recalls,
        Measure::Feedback,
        Measure::Enterprises,
        Measure::Sales,
        Measure::SalesByBuyer,
        Measure::FeedbackAnswered,
        Measure::Cases,
        Measure::CasesClosed,
        Measure::Products,
        Measure::FeedbackTopics,
        Measure::CasesEscalated,
        Measure::Findings,
        Measure::RecallFigures,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Scans => "scans",
            Measure::CodeDays => "code_days",
            Measure::CodeGaps => "code_gaps",
            Measure::FirstScans => "first_scans",
            Measure::AlertsCounterfeit => "alerts_counterfeit",
            Measure::AlertsDiversion => "alerts_diversion",
            Measure::Batches => "batches",
            Measure::CodesIssued => "codes_issued",
            Measure::Recalls => "recalls",
            Measure::Feedback => "feedback",
            Measure::Enterprises => "enterprises",
            Measure::Sales => "sales",
            Measure::SalesByBuyer => "sales_by_buyer",
            Measure::FeedbackAnswered => "feedback_answered",
            Measure::Cases => "cases",
            Measure::CasesClosed => "cases_closed",
            Measure::Products => "products",
            Measure::FeedbackTopics => "feedback_topics",
            Measure::CasesEscalated => "cases_escalated",
            Measure::Findings => "findings",
            Measure::RecallFigures => "recall_figures",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Kept as changes of a stock (summed from the first day), not as a
    /// flow (summed over the period).
    pub fn is_stock(self) -> bool {
        matches!(
            self,
            Measure::Batches
                | Measure::Recalls
                | Measure::Feedback
                | Measure::Enterprises
                | Measure::Cases
                | Measure::Products
                | Measure::Findings
                | Measure::RecallFigures
        )
    }

    /// Kept in the by-enterprise rollup only: its detail has too many
    /// values to sum over a region's enterprises.
    pub fn per_enterprise_only(self) -> bool {
        matches!(self, Measure::SalesByBuyer)
    }

    /// The kinds of alert a measure counts (the records behind its figure).
    pub fn alert_kinds(self) -> Vec<AlertKind> {
        // Every kind of `AlertKind` (keep in step with it and `of_alert`).
        [
            AlertKind::TooManyScans,
            AlertKind::ImpossibleTravel,
            AlertKind::Diversion,
            AlertKind::Guessing,
        ]
        .into_iter()
        .filter(|k| Measure::of_alert(*k) == Some(self))
        .collect()
    }

    /// The alerts counted: too many scans and impossible travel are
    /// suspected counterfeits; guessing (someone trying codes) is neither.
    pub fn of_alert(kind: AlertKind) -> Option<Measure> {
        match kind {
            AlertKind::TooManyScans | AlertKind::ImpossibleTravel => {
                Some(Measure::AlertsCounterfeit)
            }
            AlertKind::Diversion => Some(Measure::AlertsDiversion),
            AlertKind::Guessing => None,
        }
    }

    /// The stock measure a record kind's status changes feed.
    pub fn of_kind(kind: RecordKind) -> Option<Measure> {
        match kind {
            RecordKind::Batch => Some(Measure::Batches),
            RecordKind::Recall => Some(Measure::Recalls),
            RecordKind::Feedback => Some(Measure::Feedback),
            RecordKind::Enterprise => Some(Measure::Enterprises),
            RecordKind::Case => Some(Measure::Cases),
            RecordKind::Product => Some(Measure::Products),
            _ => None,
        }
    }
}
