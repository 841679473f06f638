//! Aggregation (G6.1.2, P5.2.2 组合多码): a transport package with its SSCC,
//! or a parent code (a bundle, a cable reel), holding child codes. Links
//! go both ways: a child finds its package, a package lists its children.

use serde::{Deserialize, Serialize};
use zhisu_codes::gs1::{DigitalLink, DlOptions, Sscc};
use zhisu_codes::scheme::SchemeLink;

use crate::validation::{FieldError, Invalid};

/// The most codes one package may hold.
pub const MAX_CHILDREN: usize = 100_000;

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageInput {
    /// The manufacturer; enterprise users may leave it out.
    pub enterprise_id: Option<i64>,
    /// The transport package's SSCC (18 digits), or…
    pub sscc: Option<String>,
    /// …the parent code of a bundle or reel: its Digital Link URI, its key
    /// `(01)…(21)…` or its GS1 element string.
    pub parent_code: Option<String>,
    /// The codes inside, each in any of those forms.
    #[serde(default)]
    pub children: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Package {
    pub enterprise_id: i64,
    pub sscc: Option<String>,
    pub parent_code: Option<String>,
    /// The parent's key, `(00)…` or `(01)…(21)…`: what children link to.
    pub key: String,
    /// The children's keys, `(01)…(21)…` or `(01)…(10)…`, in the order given.
    pub children: Vec<String>,
}

/// The key a code is linked by: the element string of its Digital Link
/// path (primary key and qualifiers), or `(c){code}…` for a code under
/// `/c/`, whatever domain it was printed with.
pub fn code_key(code: &str) -> Result<String, String> {
    // Any host will do: the key is the path's.
    let code = &zhisu_codes::code_input::as_link(code, "https://key.invalid")
        .map_err(|e| e.to_string())?;
    if let Some(link) = SchemeLink::parse(code).map_err(|e| e.to_string())? {
        return Ok(link.key());
    }
    let options = DlOptions {
        permit_zero_suppressed_gtin: true,
        ..Default::default()
    };
    let link = DigitalLink::parse(code.trim(), options).map_err(|e| e.to_string())?;
    Ok(link
        .path()
        .iter()
        .map(|(ai, value)| format!("({ai}){value}"))
        .collect())
}

impl PackageInput {
    pub fn validate(&self, enterprise_id: i64) -> Result<Package, Invalid> {
        let mut findings = Vec::new();
        let (sscc, parent_code, key) = match (&self.sscc, &self.parent_code) {
            (Some(s), None) => match Sscc::parse(s) {
                Ok(s) => (Some(s.to_string()), None, format!("(00){s}")),
                Err(e) => {
                    findings
                        .push(FieldError::new("sscc", "format", e.to_string()).clause("G6.1.2"));
                    (None, None, String::new())
                }
            },
            (None, Some(p)) => match code_key(p) {
                Ok(k) => (None, Some(p.trim().to_string()), k),
                Err(e) => {
                    findings.push(FieldError::new("parent_code", "format", e).clause("P5.2.2"));
                    (None, None, String::new())
                }
            },
            _ => {
                findings.push(FieldError::new("sscc", "one-of", "须给出 sscc 或 parent_code 之一 (give exactly one of sscc and parent_code)").clause("G6.1.2"));
                (None, None, String::new())
            }
        };
        if self.children.is_empty() {
            findings.push(
                FieldError::new(
                    "children",
                    "required",
                    "包装内至少一个码 (a package holds at least one code)",
                )
                .clause("G6.1.2"),
            );
        }
        if self.children.len() > MAX_CHILDREN {
            findings.push(FieldError::new(
                "children",
                "range",
                format!(
                    "一个包装最多 {MAX_CHILDREN} 个码 (at most {MAX_CHILDREN} codes per package)"
                ),
            ));
        }
        let mut children = Vec::with_capacity(self.children.len());
        for (i, child) in self.children.iter().enumerate() {
            match code_key(child) {
                Ok(k) if k == key => findings.push(FieldError::new(
                    &format!("children[{i}]"),
                    "self",
                    "包装不能包含自身 (a package cannot contain itself)",
                )),
                Ok(k) if children.contains(&k) => findings.push(FieldError::new(
                    &format!("children[{i}]"),
                    "duplicate",
                    format!("重复的码 {child} (listed twice)"),
                )),
                Ok(k) => children.push(k),
                Err(e) => findings.push(FieldError::new(&format!("children[{i}]"), "format", e)),
            }
        }
        if findings.is_empty() {
            Ok(Package {
                enterprise_id,
                sscc,
                parent_code,
                key,
                children,
            })
        } else {
            Err(Invalid(findings))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_the_domain_and_attributes() {
        assert_eq!(
            code_key("https://a.cn/01/09520123456788/21/ABC?17=261231").unwrap(),
            "(01)09520123456788(21)ABC"
        );
        assert_eq!(
            code_key("http://b.cn/x/01/9520123456788/21/ABC").unwrap(),
            "(01)09520123456788(21)ABC"
        );
        assert!(code_key("not a code").is_err());
        assert_eq!(
            code_key("https://a.cn/c/DEMO-ID%2FX/21/S1").unwrap(),
            "(c)DEMO-ID/X(21)S1"
        );
        assert!(code_key("https://a.cn/c/%3Cx%3E").is_err());
    }

    #[test]
    fn packages_need_one_parent_and_distinct_children() {
        let child = "https://a.cn/01/09520123456788/21/A1".to_string();
        let ok = PackageInput {
            sscc: Some("123456789012345675".into()),
            children: vec![child.clone()],
            ..Default::default()
        };
        let p = ok.validate(1).unwrap();
        assert_eq!(
            (p.key.as_str(), p.children.as_slice()),
            (
                "(00)123456789012345675",
                &["(01)09520123456788(21)A1".to_string()][..]
            )
        );
        let both = PackageInput {
            sscc: Some("123456789012345675".into()),
            parent_code: Some(child.clone()),
            children: vec![child.clone()],
            ..Default::default()
        };
        assert_eq!(both.validate(1).unwrap_err().0[0].code, "one-of");
        let twice = PackageInput {
            sscc: Some("123456789012345675".into()),
            children: vec![child.clone(), child.replace("a.cn", "b.cn")],
            ..Default::default()
        };
        assert_eq!(twice.validate(1).unwrap_err().0[0].code, "duplicate");
        let itself = PackageInput {
            parent_code: Some(child.clone()),
            children: vec![child],
            ..Default::default()
        };
        assert_eq!(itself.validate(1).unwrap_err().0[0].code, "self");
        let bad = PackageInput {
            sscc: Some("123456789012345670".into()),
            children: vec!["x".into()],
            ..Default::default()
        };
        let fields: Vec<_> = bad
            .validate(1)
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["sscc", "children[0]"]);
    }
}
