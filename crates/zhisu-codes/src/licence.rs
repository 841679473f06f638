//! Certificate numbers a product may need: 工业产品生产许可证 and CCC.
//!
//! These check the printed form. The codes issue adds the finer rules
//! (year and body registries) on top of the same types.

use std::fmt;

/// 工业产品生产许可证编号: `XK` + two-digit product category + `-` + three
/// digits + `-` + five digits, optionally preceded by a province mark in
/// parentheses, e.g. `(粤)XK06-014-00123`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductionLicenceNo(String);

/// 强制性产品认证 (CCC) certificate number: 16 digits (year, body,
/// category, serial), or the older 12-digit form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CccCertNo(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicenceError {
    #[error("生产许可证编号格式应为 XK××-×××-×××××，实际为“{0}” (a production licence number looks like XK06-014-00123, found '{0}')")]
    ProductionLicence(String),
    #[error("CCC证书编号应为16位（或旧版12位）数字，实际为“{0}” (a CCC certificate number is 16 digits, or 12 in the older form, found '{0}')")]
    Ccc(String),
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl ProductionLicenceNo {
    pub fn parse(input: &str) -> Result<Self, LicenceError> {
        let normalized = input.trim().replace('（', "(").replace('）', ")");
        let core = match normalized.strip_prefix('(') {
            Some(rest) => match rest.split_once(')') {
                Some((province, core)) if province.chars().count() == 1 => core,
                _ => return Err(LicenceError::ProductionLicence(input.trim().to_string())),
            },
            None => normalized.as_str(),
        };
        let core_upper = core.to_ascii_uppercase();
        let parts: Vec<&str> = core_upper
            .strip_prefix("XK")
            .unwrap_or("")
            .split('-')
            .collect();
        let ok = parts.len() == 3
            && parts[0].len() == 2
            && parts[1].len() == 3
            && parts[2].len() == 5
            && parts.iter().all(|p| all_digits(p));
        if !ok {
            return Err(LicenceError::ProductionLicence(input.trim().to_string()));
        }
        let prefix = &normalized[..normalized.len() - core.len()];
        Ok(ProductionLicenceNo(format!("{prefix}{core_upper}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CccCertNo {
    pub fn parse(input: &str) -> Result<Self, LicenceError> {
        let trimmed = input.trim();
        if all_digits(trimmed) && (trimmed.len() == 16 || trimmed.len() == 12) {
            Ok(CccCertNo(trimmed.to_string()))
        } else {
            Err(LicenceError::Ccc(trimmed.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductionLicenceNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CccCertNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_licence_forms() {
        assert_eq!(
            ProductionLicenceNo::parse("XK06-014-00123")
                .unwrap()
                .as_str(),
            "XK06-014-00123"
        );
        assert_eq!(
            ProductionLicenceNo::parse("(粤)XK06-014-00123")
                .unwrap()
                .as_str(),
            "(粤)XK06-014-00123"
        );
        assert_eq!(
            ProductionLicenceNo::parse("（粤）xk06-014-00123")
                .unwrap()
                .as_str(),
            "(粤)XK06-014-00123"
        );
        for bad in [
            "XK06-14-00123",
            "XK06-014-0012",
            "AB06-014-00123",
            "(广东)XK06-014-00123",
            "",
        ] {
            assert!(ProductionLicenceNo::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ccc_forms() {
        assert!(CccCertNo::parse("2021010101123456").is_ok());
        assert!(CccCertNo::parse("200101010101").is_ok());
        assert!(CccCertNo::parse("20210101011234").is_err());
        assert!(CccCertNo::parse("202101010112345X").is_err());
    }
}
