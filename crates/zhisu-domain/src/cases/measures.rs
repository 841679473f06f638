//! The disposal measures of each result class (V6-dispose):
//! `data/disposal-measures.toml`, read once. A regulator changes which
//! measures a class sets in motion, its deadline and what it escalates to
//! there; what each measure does is code, named by [`Measure`]. A
//! deployment changes a class's entry in its settings file
//! (`disposal_measures`, [`MeasureTable::with_overrides`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::verification::ResultClass;

const SOURCE: &str = include_str!("../../data/disposal-measures.toml");

/// One measure a case sets in motion.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// 书面提示: the enterprise is told.
    Notice,
    /// 责令限期整改: corrected by a deadline.
    CorrectionOrder,
    /// 暂停赋码: no new codes for the products concerned until closed.
    SuspendCodes,
    /// 冻结追溯码
    FreezeCodes,
    /// 扫码页监管提示
    ScanNotice,
    /// 列入经营异常名录
    AbnormalList,
    /// 移交执法（案卷）
    CaseFile,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::Notice,
        Measure::CorrectionOrder,
        Measure::SuspendCodes,
        Measure::FreezeCodes,
        Measure::ScanNotice,
        Measure::AbnormalList,
        Measure::CaseFile,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Notice => "notice",
            Measure::CorrectionOrder => "correction-order",
            Measure::SuspendCodes => "suspend-codes",
            Measure::FreezeCodes => "freeze-codes",
            Measure::ScanNotice => "scan-notice",
            Measure::AbnormalList => "abnormal-list",
            Measure::CaseFile => "case-file",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Measure::Notice => "书面提示",
            Measure::CorrectionOrder => "责令限期整改",
            Measure::SuspendCodes => "暂停赋码",
            Measure::FreezeCodes => "冻结追溯码",
            Measure::ScanNotice => "扫码页监管提示",
            Measure::AbnormalList => "列入经营异常名录",
            Measure::CaseFile => "移交执法（案卷）",
        }
    }
}

/// What one class sets in motion.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassMeasures {
    pub measures: Vec<Measure>,
    /// Days from opening (or escalating) to the deadline.
    pub deadline_days: u32,
    /// The class an overdue case moves to; none: it stays, and is marked.
    #[serde(default)]
    pub escalates_to: Option<ResultClass>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureTable {
    pub version: String,
    class: BTreeMap<String, ClassMeasures>,
}

/// What a deployment changes of one class: each field it names replaces
/// the repository's; `escalates_to = ""` makes the class the last.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassOverride {
    pub measures: Option<Vec<Measure>>,
    pub deadline_days: Option<u32>,
    pub escalates_to: Option<String>,
}

/// The measures in force on a day: what a case opens or escalates with.
#[derive(Debug, Clone, Copy)]
pub struct Disposal<'a> {
    pub table: &'a MeasureTable,
    /// The day in Asia/Shanghai.
    pub today: chrono::NaiveDate,
}

/// The classes that open a case, and so must have measures.
const CASE_CLASSES: [ResultClass; 3] = [
    ResultClass::Minor,
    ResultClass::NonCompliant,
    ResultClass::Serious,
];

impl MeasureTable {
    /// The measures of a class; none for `compliant`, which opens no case.
    pub fn of(&self, class: ResultClass) -> Option<&ClassMeasures> {
        self.class.get(class.as_str())
    }

    /// This table with a deployment's changes (V6-dispose: measures
    /// settable per deployment); an unknown class, `compliant`, a class
    /// left with no measure or no days, or an escalation that loops is
    /// refused with a sentence naming it.
    pub fn with_overrides(
        &self,
        overrides: &BTreeMap<String, ClassOverride>,
    ) -> Result<MeasureTable, String> {
        let mut table = self.clone();
        for (name, o) in overrides {
            let class = ResultClass::parse(name).ok_or_else(|| {
                format!(
                    "disposal_measures: no class {name:?} (classes: {})",
                    CASE_CLASSES.map(|c| c.as_str()).join(", ")
                )
            })?;
            let entry = table.class.get_mut(class.as_str()).ok_or_else(|| {
                format!("disposal_measures: {name} (合格) opens no case and has no measures")
            })?;
            if let Some(m) = &o.measures {
                entry.measures = m.clone();
            }
            if let Some(d) = o.deadline_days {
                entry.deadline_days = d;
            }
            if let Some(to) = o.escalates_to.as_deref() {
                entry.escalates_to = match to.trim() {
                    "" => None,
                    to => Some(
                        ResultClass::parse(to)
                            .filter(|c| CASE_CLASSES.contains(c))
                            .ok_or_else(|| {
                                format!("disposal_measures.{name}.escalates_to: no class {to:?} to escalate to (classes: {})",
                                    CASE_CLASSES.map(|c| c.as_str()).join(", "))
                            })?,
                    ),
                };
            }
        }
        table.check()?;
        Ok(table)
    }

    /// What every table in force must hold: each class that opens a case
    /// has measures and days, `compliant` none, and escalation ends.
    pub fn check(&self) -> Result<(), String> {
        for name in self.class.keys() {
            if ResultClass::parse(name).is_none() {
                return Err(format!("disposal_measures: no class {name:?}"));
            }
        }
        if self.of(ResultClass::Compliant).is_some() {
            return Err("disposal_measures: compliant (合格) opens no case".into());
        }
        for class in CASE_CLASSES {
            let m = self
                .of(class)
                .ok_or_else(|| format!("disposal_measures: {} has no measures", class.as_str()))?;
            if m.measures.is_empty() {
                return Err(format!(
                    "disposal_measures.{}.measures: at least one measure",
                    class.as_str()
                ));
            }
            if m.deadline_days == 0 {
                return Err(format!(
                    "disposal_measures.{}.deadline_days: at least 1 day",
                    class.as_str()
                ));
            }
        }
        let mut class = ResultClass::Minor;
        for _ in 0..CASE_CLASSES.len() {
            match self.of(class).and_then(|m| m.escalates_to) {
                Some(next) => class = next,
                None => return Ok(()),
            }
        }
        Err(format!(
            "disposal_measures: escalation from minor never ends (it comes back to {})",
            class.as_str()
        ))
    }
}

/// The table this build carries.
pub fn measure_table() -> &'static MeasureTable {
    static TABLE: OnceLock<MeasureTable> = OnceLock::new();
    TABLE.get_or_init(|| toml::from_str(SOURCE).expect("the table's test checks the file reads"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps the data file and the code in step: every class that opens a
    /// case has measures and a deadline, `compliant` opens none, every
    /// measure the code knows is named by some class (none is dead code),
    /// and escalation climbs without a loop.
    #[test]
    fn the_measure_table_and_the_code_are_in_step() {
        let t = measure_table();
        assert!(!t.version.is_empty());
        t.check().unwrap();
        let named: std::collections::BTreeSet<Measure> = t
            .class
            .values()
            .flat_map(|c| c.measures.iter().copied())
            .collect();
        for m in Measure::ALL {
            assert!(named.contains(&m), "{} is named by no class", m.as_str());
            let back: Measure = serde_json::from_value(serde_json::json!(m.as_str())).unwrap();
            assert_eq!(back, m);
        }
    }

    fn overrides(toml: &str) -> Result<MeasureTable, String> {
        let o: BTreeMap<String, ClassOverride> = toml::from_str(toml).map_err(|e| e.to_string())?;
        measure_table().with_overrides(&o)
    }

    /// A deployment changes a class's days, measures or escalation; what
    /// it leaves unnamed stays the repository's.
    #[test]
    fn a_deployment_changes_a_class() {
        let t = overrides(
            "[non-compliant]\ndeadline_days = 20\nmeasures = [\"correction-order\"]\n[serious]\nescalates_to = \"\"\n",
        )
        .unwrap();
        let nc = t.of(ResultClass::NonCompliant).unwrap();
        assert_eq!(nc.deadline_days, 20);
        assert_eq!(nc.measures, [Measure::CorrectionOrder]);
        assert_eq!(nc.escalates_to, Some(ResultClass::Serious));
        assert_eq!(t.of(ResultClass::Minor).unwrap().deadline_days, 15);
        assert_eq!(t.of(ResultClass::Serious).unwrap().escalates_to, None);
    }

    /// Each bad change is refused naming what is wrong.
    #[test]
    fn bad_changes_are_refused_naming_them() {
        for (toml, says) in [
            ("[severe]\ndeadline_days = 3\n", "no class \"severe\""),
            ("[compliant]\ndeadline_days = 3\n", "opens no case"),
            (
                "[minor]\nmeasures = []\n",
                "minor.measures: at least one measure",
            ),
            (
                "[minor]\ndeadline_days = 0\n",
                "minor.deadline_days: at least 1 day",
            ),
            ("[serious]\nescalates_to = \"minor\"\n", "never ends"),
            (
                "[serious]\nescalates_to = \"compliant\"\n",
                "serious.escalates_to: no class",
            ),
            ("[minor]\nmeasures = [\"fine\"]\n", "unknown variant `fine`"),
            ("[minor]\ndays = 3\n", "unknown field `days`"),
        ] {
            let e = overrides(toml)
                .err()
                .unwrap_or_else(|| panic!("{toml} accepted"));
            assert!(e.contains(says), "{toml}: {e}");
        }
    }
}
