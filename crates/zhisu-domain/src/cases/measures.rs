//! The disposal measures of each result class (V6-dispose):
//! `data/disposal-measures.toml`, read once. A regulator changes which
//! measures a class sets in motion, its deadline and what it escalates to
//! there; what each measure does is code, named by [`Measure`].

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

impl MeasureTable {
    /// The measures of a class; none for `compliant`, which opens no case.
    pub fn of(&self, class: ResultClass) -> Option<&ClassMeasures> {
        self.class.get(class.as_str())
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
        for name in t.class.keys() {
            assert!(ResultClass::parse(name).is_some(), "unknown class {name}");
        }
        assert!(t.of(ResultClass::Compliant).is_none(), "合格 opens no case");
        for class in [
            ResultClass::Minor,
            ResultClass::NonCompliant,
            ResultClass::Serious,
        ] {
            let m = t
                .of(class)
                .unwrap_or_else(|| panic!("{class:?} has measures"));
            assert!(!m.measures.is_empty(), "{class:?}");
            assert!(m.deadline_days > 0, "{class:?}");
        }
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
        // Escalation ends within three steps.
        let mut class = ResultClass::Minor;
        for _ in 0..3 {
            match t.of(class).and_then(|m| m.escalates_to) {
                Some(next) => class = next,
                None => break,
            }
        }
        assert!(t.of(class).unwrap().escalates_to.is_none(), "no loop");
    }
}
