//! Data verification (数据核查, V4–V6): the catalogue of rules
//! (`catalogue.rs`, read from `data/verification-rules.toml`), their logic
//! over a snapshot of stored records (`rules.rs`), and the findings a
//! sweep yields. Pure: the service reads the records and keeps the
//! findings.

mod alert_rules;
mod catalogue;
mod file_rules;
mod flow_rules;
mod incremental;
mod queue_rules;
mod register_checks;
mod rules;
mod standard_rules;
mod upkeep_rules;
mod views;

pub use catalogue::{catalogue, Catalogue, Rule};
pub use incremental::Keys;
pub use rules::{china_date, run, run_except, run_rules};
pub use standard_rules::standards_of;
pub use views::{BatchView, DayView, EnterpriseView, FileView, FlowView, ProductView};

use serde::{Deserialize, Serialize};

use crate::RecordKind;

/// The four axes of V4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Axis {
    /// 完整性
    Completeness,
    /// 真实性
    Authenticity,
    /// 准确性
    Accuracy,
    /// 时效性
    Timeliness,
}

impl Axis {
    /// Its name in the standard's words.
    pub fn label_zh(self) -> &'static str {
        match self {
            Axis::Completeness => "完整性",
            Axis::Authenticity => "真实性",
            Axis::Accuracy => "准确性",
            Axis::Timeliness => "时效性",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Axis::Completeness => "completeness",
            Axis::Authenticity => "authenticity",
            Axis::Accuracy => "accuracy",
            Axis::Timeliness => "timeliness",
        }
    }

    pub fn parse(s: &str) -> Option<Axis> {
        [
            Axis::Completeness,
            Axis::Authenticity,
            Axis::Accuracy,
            Axis::Timeliness,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Minor,
    Major,
    Critical,
}

impl Severity {
    /// Its name on a regulator's pages.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Minor => "轻微",
            Severity::Major => "一般",
            Severity::Critical => "严重",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Info,
            Severity::Minor,
            Severity::Major,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }
}

/// How a check ends (V6-class), least serious first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ResultClass {
    /// 合格
    Compliant,
    /// 基本合格: a notice only.
    Minor,
    /// 不合格: correction required.
    NonCompliant,
    /// 严重不合格 / 涉嫌违法: suspected fraud or violation.
    Serious,
}

impl ResultClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultClass::Compliant => "compliant",
            ResultClass::Minor => "minor",
            ResultClass::NonCompliant => "non-compliant",
            ResultClass::Serious => "serious",
        }
    }

    /// Its name in the standard's words.
    pub fn label_zh(self) -> &'static str {
        match self {
            ResultClass::Compliant => "合格",
            ResultClass::Minor => "基本合格",
            ResultClass::NonCompliant => "不合格",
            ResultClass::Serious => "严重不合格",
        }
    }

    pub fn parse(s: &str) -> Option<ResultClass> {
        [
            ResultClass::Compliant,
            ResultClass::Minor,
            ResultClass::NonCompliant,
            ResultClass::Serious,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// One stored record as a rule reads it.
#[derive(Debug, Clone)]
pub struct Stored<T> {
    pub id: i64,
    pub version: i64,
    pub region_code: String,
    /// When it was first stored (RFC 3339, UTC): when it was recorded.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    pub record: T,
}

impl<T> Stored<T> {
    /// The same stored record read as `U` (a whole record as its view).
    pub fn view<U: From<T>>(self) -> Stored<U> {
        Stored {
            id: self.id,
            version: self.version,
            region_code: self.region_code,
            created_at: self.created_at,
            updated_at: self.updated_at,
            record: self.record.into(),
        }
    }
}

/// What a sweep reads: the current version of every record of the kinds
/// the rules look at.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub enterprises: Vec<Stored<EnterpriseView>>,
    pub products: Vec<Stored<ProductView>>,
    pub batches: Vec<Stored<BatchView>>,
    pub flows: Vec<Stored<FlowView>>,
    /// The latest snapshot of each authority register imported.
    pub registers: Vec<crate::register::Register>,
    /// The day rules judge validity on (Asia/Shanghai); rules that need it
    /// find nothing without it.
    pub today: Option<chrono::NaiveDate>,
    /// The deployment's thresholds (`"ZV-T-002.days" = 10`), over the
    /// catalogue's defaults.
    pub thresholds: std::collections::BTreeMap<String, f64>,
    /// By batch: how many of its codes drew a counterfeit alert.
    pub suspect_codes: std::collections::HashMap<i64, u64>,
    /// Stored files that are gone or no longer hash to their SHA-256, by
    /// that SHA-256 (lowercase hex): the service looks at the files, rule
    /// ZV-C-005 names the records that reference them.
    pub file_faults: std::collections::HashMap<String, FileFault>,
}

/// Rule `rule`'s threshold `name` among a deployment's `thresholds`, else
/// the catalogue's default (a threshold the catalogue does not name is a
/// mistake in the code: the settings are checked against it at start).
pub fn threshold(
    thresholds: &std::collections::BTreeMap<String, f64>,
    rule: &str,
    name: &str,
) -> f64 {
    thresholds
        .get(&format!("{rule}.{name}"))
        .copied()
        .or_else(|| catalogue().rule(rule)?.thresholds.get(name).copied())
        .unwrap_or_else(|| panic!("{rule} has no threshold {name} in the catalogue (tested)"))
}

/// What became of a stored file (V4 completeness, G8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFault {
    /// Not in the file store.
    Missing,
    /// Its bytes no longer hash to the SHA-256 it is stored and named by.
    Altered,
}

impl FileFault {
    pub fn as_str(self) -> &'static str {
        match self {
            FileFault::Missing => "missing",
            FileFault::Altered => "altered",
        }
    }

    pub fn parse(s: &str) -> Option<FileFault> {
        [FileFault::Missing, FileFault::Altered]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

impl Snapshot {
    /// Rule `rule`'s threshold `name`: the deployment's, else the
    /// catalogue's default.
    pub fn threshold(&self, rule: &str, name: &str) -> f64 {
        threshold(&self.thresholds, rule, name)
    }
}

/// One defect a rule saw in one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's ID in the catalogue, e.g. `ZV-A-001`.
    pub rule: String,
    pub kind: RecordKind,
    pub record_id: i64,
    /// The version checked.
    pub version: i64,
    /// The enterprise the record belongs to (who is told, who may see it).
    pub enterprise_id: i64,
    pub region_code: String,
    /// The field at fault, or `""` for the record as a whole.
    pub field: String,
    /// What was compared, in both languages, naming the other records.
    pub evidence: String,
}
