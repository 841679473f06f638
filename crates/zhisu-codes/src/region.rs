//! 行政区划代码 (GB/T 2260 administrative division codes), six digits.
//!
//! We check the form and the province part; the full county table changes
//! every year and is not ours to ship. A regulator's jurisdiction is a set
//! of region codes, and a code covers every code that shares its non-zero
//! prefix (`440000` covers `440305`; `440300` covers `440305`).

use std::fmt;

/// GB/T 2260: province-level divisions, with their Chinese names.
const PROVINCES: &[(&str, &str)] = &[
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
    ("71", "台湾省"),
    ("81", "香港特别行政区"),
    ("82", "澳门特别行政区"),
];

/// A six-digit region code whose province part exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("行政区划代码应为6位数字，实际为“{0}” (a region code is 6 digits, found '{0}')")]
    Format(String),
    #[error("行政区划代码“{0}”的省级代码不存在 (region code '{0}' names no province)")]
    Province(String),
}

impl RegionCode {
    pub fn parse(input: &str) -> Result<Self, RegionError> {
        let trimmed = input.trim();
        if trimmed.len() != 6 || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::Format(trimmed.to_string()));
        }
        if province_name(trimmed).is_none() {
            return Err(RegionError::Province(trimmed.to_string()));
        }
        Ok(RegionCode(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The prefix that this code stands for: `440000` → `44`, `440300` →
    /// `4403`, `440305` → `440305`.
    pub fn scope_prefix(&self) -> &str {
        let s = self.0.as_str();
        if s.ends_with("0000") {
            &s[..2]
        } else if s.ends_with("00") {
            &s[..4]
        } else {
            s
        }
    }

    /// Whether `other` lies within this code's area.
    pub fn covers(&self, other: &str) -> bool {
        other.starts_with(self.scope_prefix())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The province's name for a region code (or any string starting with a
/// two-digit province code).
pub fn province_name(code: &str) -> Option<&'static str> {
    let prefix = code.get(..2)?;
    PROVINCES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_scopes() {
        let gd = RegionCode::parse("440000").unwrap();
        assert!(gd.covers("440305"));
        assert!(!gd.covers("450100"));
        let sz = RegionCode::parse("440300").unwrap();
        assert!(sz.covers("440305"));
        assert!(!sz.covers("440105"));
        assert_eq!(province_name("440305"), Some("广东省"));
    }

    #[test]
    fn rejects_bad_codes() {
        assert_eq!(
            RegionCode::parse("4403"),
            Err(RegionError::Format("4403".into()))
        );
        assert_eq!(
            RegionCode::parse("44030A"),
            Err(RegionError::Format("44030A".into()))
        );
        assert_eq!(
            RegionCode::parse("990000"),
            Err(RegionError::Province("990000".into()))
        );
    }
}
