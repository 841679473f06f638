//! The traceability platforms a product is registered on (P5.2.3, issue
//! 19.8): the guide's table 1 in `data/trace-platforms.toml`, read once
//! and checked, and a product's registrations — a platform of the file, or
//! "other" with its name, and the registration number it gave — checked
//! field by field.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::product::CodeScheme;
use crate::validation::{FieldError, Findings};

const SOURCE: &str = include_str!("../data/trace-platforms.toml");

/// The platform of a registration not in the file: its name is given.
pub const OTHER: &str = "other";

/// One platform as the file lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub id: String,
    pub zh: String,
    pub en: String,
    /// `national`, `local` or `industry`.
    pub level: String,
    /// The code scheme a national platform serves (table 1's column).
    pub scheme: Option<CodeScheme>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    version: String,
    platform: Vec<Platform>,
}

/// The file read and checked: IDs unique, lower-case and not [`OTHER`],
/// names given, levels known.
fn read(source: &str) -> Result<Vec<Platform>, String> {
    let file: File = toml::from_str(source).map_err(|e| e.to_string())?;
    for (i, p) in file.platform.iter().enumerate() {
        let id_ok = !p.id.is_empty()
            && p.id != OTHER
            && p.id.chars().all(|c| c.is_ascii_lowercase() || c == '-');
        if !id_ok || file.platform[..i].iter().any(|q| q.id == p.id) {
            return Err(format!("platform {}: an ID of its own, lower-case", p.id));
        }
        if p.zh.trim().is_empty() || p.en.trim().is_empty() {
            return Err(format!("platform {}: a name in Chinese and English", p.id));
        }
        if !matches!(p.level.as_str(), "national" | "local" | "industry") {
            return Err(format!("platform {}: level {}", p.id, p.level));
        }
    }
    Ok(file.platform)
}

/// Every platform of the file, in its order.
pub fn platforms() -> &'static [Platform] {
    static ALL: OnceLock<Vec<Platform>> = OnceLock::new();
    ALL.get_or_init(|| read(SOURCE).expect("data/trace-platforms.toml reads (tested)"))
}

pub fn find(id: &str) -> Option<&'static Platform> {
    platforms().iter().find(|p| p.id == id)
}

/// A product's registration with one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// A platform's ID (`GET` the list from `data/trace-platforms.toml`),
    /// or `other`.
    pub platform: String,
    /// The platform's name, for `other` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    /// The registration number the platform gave.
    pub number: String,
}

impl Registration {
    /// The platform's name as a Chinese page shows it.
    pub fn platform_zh(&self) -> String {
        self.platform_in(true)
    }

    /// The platform's name in Chinese or in English (one named as `other`
    /// is shown as named).
    pub fn platform_in(&self, zh: bool) -> String {
        match find(&self.platform) {
            Some(p) if zh => p.zh.clone(),
            Some(p) => p.en.clone(),
            None => self.platform_name.clone().unwrap_or_default(),
        }
    }
}

/// The registrations trimmed and checked: a known platform or `other`
/// with its name, a number of at most 64 characters, no platform twice.
pub fn check(list: &[Registration], findings: &mut Findings) -> Vec<Registration> {
    const C: &str = "P5.2.3";
    let mut out: Vec<Registration> = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let field = |f: &str| format!("registrations[{i}].{f}");
        let platform = r.platform.trim().to_string();
        let name = r
            .platform_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if platform == OTHER && name.is_none() {
            findings.push(FieldError::required(
                &field("platform_name"),
                "追溯平台名称",
                C,
            ));
        } else if platform != OTHER && find(&platform).is_none() {
            let known: Vec<&str> = platforms().iter().map(|p| p.id.as_str()).collect();
            findings.push(
                FieldError::new(
                    &field("platform"),
                    "unknown",
                    format!(
                        "未知的追溯平台“{platform}”，可选：{}、other（其他，须填平台名称） (unknown platform)",
                        known.join("、")
                    ),
                )
                .clause(C),
            );
        }
        let number = r.number.trim().to_string();
        if number.is_empty() {
            findings.push(FieldError::required(&field("number"), "平台登记号", C));
        } else if number.chars().count() > 64 {
            findings.push(
                FieldError::new(
                    &field("number"),
                    "too-long",
                    "平台登记号最多 64 个字符 (at most 64 characters)",
                )
                .clause(C),
            );
        }
        let platform_name = (platform == OTHER).then(|| name.unwrap_or_default().to_string());
        let twice = out.iter().any(|o| {
            o.platform == platform && o.platform_name == platform_name && platform != OTHER
        });
        if twice {
            findings.push(
                FieldError::new(
                    &field("platform"),
                    "duplicate",
                    "同一追溯平台只能登记一次 (each platform once)",
                )
                .clause(C),
            );
        }
        out.push(Registration {
            platform,
            platform_name,
            number,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platforms_file_reads_and_holds_table_1() {
        let all = platforms();
        assert_eq!(all.len(), 8);
        assert_eq!(
            find("iot-identifier").unwrap().scheme,
            Some(CodeScheme::Ecode)
        );
        assert_eq!(
            find("gas-appliance").unwrap().zh,
            "燃气用具产品质量安全追溯平台"
        );
        assert!(find(OTHER).is_none());
    }

    #[test]
    fn a_wrong_platforms_file_is_refused() {
        let one = |id: &str, level: &str| {
            format!("version = \"x\"\n[[platform]]\nid = \"{id}\"\nzh = \"甲\"\nen = \"A\"\nlevel = \"{level}\"\n")
        };
        assert!(read(&one("a", "national")).is_ok());
        assert!(read(&one("other", "national")).is_err());
        assert!(read(&one("Big", "national")).is_err());
        assert!(read(&one("a", "global")).is_err());
        assert!(read(&format!(
            "{}{}",
            one("a", "local"),
            &one("a", "local")[14..]
        ))
        .is_err());
    }

    #[test]
    fn registrations_name_a_known_platform_or_another_by_name() {
        let r = |platform: &str, name: Option<&str>, number: &str| Registration {
            platform: platform.into(),
            platform_name: name.map(str::to_string),
            number: number.into(),
        };
        let mut f = Findings::default();
        let ok = check(
            &[
                r(" guangdong ", None, " GD-001 "),
                r("other", Some("某市追溯平台"), "X1"),
            ],
            &mut f,
        );
        assert!(f.finish(()).is_ok());
        assert_eq!(ok[0].platform, "guangdong");
        assert_eq!(ok[0].number, "GD-001");
        assert_eq!(ok[1].platform_zh(), "某市追溯平台");
        assert_eq!(
            ok[0].platform_zh(),
            "广东省重点工业产品质量安全追溯服务平台"
        );

        let mut f = Findings::default();
        check(
            &[
                r("nowhere", None, "1"),
                r("other", None, "2"),
                r("wire-cable", None, " "),
                r("e-bike", None, "3"),
                r("e-bike", None, "4"),
            ],
            &mut f,
        );
        let fields: Vec<String> = f
            .finish(())
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "registrations[0].platform",
                "registrations[1].platform_name",
                "registrations[2].number",
                "registrations[4].platform",
            ]
        );
    }
}
