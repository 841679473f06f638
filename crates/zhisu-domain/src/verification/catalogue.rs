//! The verification rules' catalogue (V4): `data/verification-rules.toml`,
//! read once. A regulator changes rules' wording, severity and the class
//! they propose there; the logic stays in `rules.rs`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Axis, ResultClass, Severity};

const SOURCE: &str = include_str!("../../data/verification-rules.toml");

/// One catalogued rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub axis: Axis,
    pub kinds: Vec<String>,
    pub severity: Severity,
    pub clause: String,
    /// `system`, `person` or `site`: who settles a finding.
    pub settle: String,
    pub zh: String,
    pub en: String,
    #[serde(default)]
    pub retired: bool,
    /// The finding is a record awaiting a person's review (V5-manual), not
    /// a defect: the reviewer's decision settles it.
    #[serde(default)]
    pub review: bool,
    /// Its thresholds by name and their defaults; a deployment sets its
    /// own in the settings file (`verification_thresholds`).
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub version: String,
    /// Days an item may wait in the review queue before it is overdue.
    pub review_overdue_days: u32,
    classes: BTreeMap<String, String>,
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

impl Catalogue {
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Checks a deployment's thresholds (`"ZV-T-002.days" = 10`): each
    /// names a rule's threshold and is a number at least 0.
    pub fn check_thresholds(&self, set: &BTreeMap<String, f64>) -> Result<(), String> {
        for (key, value) in set {
            let known = key
                .split_once('.')
                .and_then(|(rule, name)| self.rule(rule)?.thresholds.get(name));
            if known.is_none() {
                return Err(format!(
                    "verification_thresholds: {key} names no rule's threshold (the catalogue's are RULE.name, e.g. ZV-T-002.days)"
                ));
            }
            if !value.is_finite() || *value < 0.0 {
                return Err(format!(
                    "verification_thresholds: {key} must be a number at least 0, got {value}"
                ));
            }
        }
        Ok(())
    }

    /// The class a finding of `severity` proposes.
    pub fn class_of(&self, severity: Severity) -> ResultClass {
        self.classes
            .get(severity.as_str())
            .and_then(|c| ResultClass::parse(c))
            .expect("the catalogue's test checks every severity has a class")
    }
}

/// The catalogue this build carries.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| toml::from_str(SOURCE).expect("the catalogue's test checks the file reads"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_reads_and_every_rule_is_whole() {
        let c = catalogue();
        let requirements = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/REQUIREMENTS.md"),
        )
        .expect("../shared/REQUIREMENTS.md beside the repository");
        let mut ids = std::collections::HashSet::new();
        for rule in &c.rules {
            assert!(ids.insert(rule.id.clone()), "{} twice", rule.id);
            let prefix = match rule.axis {
                Axis::Completeness => "ZV-C-",
                Axis::Authenticity => "ZV-A-",
                Axis::Accuracy => "ZV-R-",
                Axis::Timeliness => "ZV-T-",
            };
            assert!(rule.id.starts_with(prefix), "{}: its axis", rule.id);
            assert!(!rule.zh.is_empty() && !rule.en.is_empty(), "{}", rule.id);
            assert!(
                ["system", "person", "site"].contains(&rule.settle.as_str()),
                "{}",
                rule.id
            );
            assert!(
                !rule.review || rule.settle == "person",
                "{}: a review item is settled by a person",
                rule.id
            );
            for kind in &rule.kinds {
                assert!(
                    crate::RecordKind::parse(kind).is_some(),
                    "{}: {kind}",
                    rule.id
                );
            }
            assert!(
                requirements.contains(&format!("| {} |", rule.clause)),
                "{}: clause {} is not in REQUIREMENTS.md",
                rule.id,
                rule.clause
            );
        }
        for severity in [
            Severity::Info,
            Severity::Minor,
            Severity::Major,
            Severity::Critical,
        ] {
            c.class_of(severity);
        }
    }
}
