//! Producers and sellers: G5.1-basic, G5.2-basic, P5.3.3.1.

use serde::{Deserialize, Serialize};
use zhisu_codes::{RegionCode, Uscc};

use crate::blob::{is_sha256_hex, BlobRef};
use crate::validation::{optional_text, FieldError, Findings, Invalid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EnterpriseKind {
    /// 生产单位
    Manufacturer,
    /// 销售单位
    Seller,
}

impl EnterpriseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseKind::Manufacturer => "manufacturer",
            EnterpriseKind::Seller => "seller",
        }
    }

    /// As a Chinese page or report names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            EnterpriseKind::Manufacturer => "生产单位",
            EnterpriseKind::Seller => "销售单位",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "manufacturer" => Some(EnterpriseKind::Manufacturer),
            "seller" => Some(EnterpriseKind::Seller),
            _ => None,
        }
    }
}

/// A file given by reference: either the blob's SHA-256 (as returned by
/// the upload endpoint) or the full reference a record already holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum BlobInput {
    Sha256(String),
    Ref(BlobRef),
}

impl BlobInput {
    pub fn sha256(&self) -> &str {
        match self {
            BlobInput::Sha256(s) => s,
            BlobInput::Ref(r) => &r.sha256,
        }
    }
}

/// An enterprise as a client sends it (create, or the result of a PATCH
/// merged over the current version). Missing fields are reported by
/// validation, not by the JSON parser, so every finding comes at once.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseInput {
    pub kind: Option<EnterpriseKind>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub region_code: String,
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: String,
    /// Where reminders are emailed (P5.3.3.3: a report missed).
    pub contact_email: Option<String>,
    pub business_licence: Option<BlobInput>,
    #[serde(default)]
    pub management_certifications: Vec<String>,
    #[serde(default)]
    pub product_certifications: Vec<String>,
    pub website: Option<String>,
    /// A manufacturer's distribution channels (防窜, P6.5).
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Keys its systems sign EPCIS captures with (G9.2).
    #[serde(default)]
    pub signing_keys: Vec<SigningKey>,
}

/// A public key an enterprise's systems sign EPCIS documents with (G9.2):
/// an Ed25519 key (RFC 8037), as a JWK's `x`: base64url of its 32 bytes.
/// A capture whose detached JWS names it by `kid` is verified with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SigningKey {
    /// The key's name in a signature's `kid`: 1–64 of `A–Z a–z 0–9 . _ -`.
    pub kid: String,
    /// base64url (no padding) of the Ed25519 public key's 32 bytes.
    pub x: String,
}

impl SigningKey {
    /// The key, when `x` is one.
    pub fn verifying_key(&self) -> Option<ed25519_dalek::VerifyingKey> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(self.x.trim())
            .ok()?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes.try_into().ok()?).ok()
    }
}

/// A distributor and the regions it may sell in (防窜, P6.5): a code shipped
/// to it that turns up elsewhere raises a diversion alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// The distributor: an enterprise on the platform.
    pub distributor_id: i64,
    /// Region codes (GB/T 2260) it may sell in, e.g. `440000` for Guangdong.
    pub regions: Vec<String>,
}

impl Channel {
    /// Whether a region code lies in this channel.
    pub fn covers(&self, region_code: &str) -> bool {
        self.regions.iter().any(|r| {
            zhisu_codes::region::RegionCode::parse(r).is_ok_and(|code| code.covers(region_code))
        })
    }
}

/// A validated enterprise record (one version of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Enterprise {
    pub kind: EnterpriseKind,
    /// 生产/销售单位名称 (a)
    pub name: String,
    /// 统一社会信用代码 (a), GB 32100
    pub uscc: String,
    /// 生产/注册地址 (a)
    pub address: String,
    /// 行政区划代码 of the address: decides which regulators oversee it.
    pub region_code: String,
    pub contact_name: Option<String>,
    /// 联系方式 (a)
    pub contact_phone: String,
    /// 联系邮箱: where reminders are emailed (P5.3.3.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// 营业执照 (a)
    pub business_licence: BlobRef,
    /// 体系认证, e.g. ISO 9001
    pub management_certifications: Vec<String>,
    /// 产品认证
    pub product_certifications: Vec<String>,
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_keys: Vec<SigningKey>,
    /// A regulator's check of who the enterprise is (issue 16.11): set by
    /// the check alone, never by a filing or an amendment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_check: Option<crate::identity_check::IdentityCheck>,
}

/// An address a mail server would take: one `@`, a name before it, a
/// dotted domain after it, no spaces, at most 254 characters (RFC 5321).
pub fn is_email(value: &str) -> bool {
    let Some((name, domain)) = value.split_once('@') else {
        return false;
    };
    value.len() <= 254
        && !name.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\\\"[]".contains(c))
}

/// A mainland mobile number in a phone field (`138 0013 8000`,
/// `+86 13800138000`): its eleven digits, for SMS.
pub fn mobile_of(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let digits = digits
        .strip_prefix("86")
        .filter(|d| d.len() == 11)
        .unwrap_or(&digits);
    let b = digits.as_bytes();
    (b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])).then(|| digits.to_string())
}

pub(crate) fn check_phone(
    findings: &mut Findings,
    field: &str,
    value: &str,
    clause: &'static str,
) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        findings.push(FieldError::required(field, "联系方式", clause));
    } else {
        let digits = trimmed.bytes().filter(u8::is_ascii_digit).count();
        let allowed = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()（）转".contains(c));
        if !allowed || !(5..=20).contains(&digits) {
            findings.push(
                FieldError::new(
                    field,
                    "format",
                    format!("联系电话格式不正确：“{trimmed}” (not a phone number: '{trimmed}')"),
                )
                .clause(clause),
            );
        }
    }
    trimmed.to_string()
}

pub(crate) fn clean_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

impl EnterpriseInput {
    /// Validates every field. `resolve_blob` looks an uploaded file up by
    /// its SHA-256 (the service passes the blob store's index).
    pub fn validate(
        &self,
        resolve_blob: impl Fn(&str) -> Option<BlobRef>,
    ) -> Result<Enterprise, Invalid> {
        let mut findings = Findings::default();
        let clause = match self.kind {
            Some(EnterpriseKind::Seller) => "G5.2-basic",
            _ => "G5.1-basic",
        };
        if self.kind.is_none() {
            findings.push(FieldError::required("kind", "单位类型", clause));
        }
        let name = findings.required_text("name", "单位名称", clause, &self.name);
        let uscc = match Uscc::parse(&self.uscc) {
            Ok(u) => u.to_string(),
            Err(_) if self.uscc.trim().is_empty() => {
                findings.push(FieldError::required("uscc", "统一社会信用代码", clause));
                String::new()
            }
            Err(e) => {
                findings.push(FieldError::new("uscc", e.code(), e.to_string()).clause(clause));
                String::new()
            }
        };
        let address = findings.required_text("address", "地址", clause, &self.address);
        let region_code = match RegionCode::parse(&self.region_code) {
            Ok(r) => r.to_string(),
            Err(_) if self.region_code.trim().is_empty() => {
                findings.push(FieldError::required("region_code", "行政区划代码", clause));
                String::new()
            }
            Err(e) => {
                findings
                    .push(FieldError::new("region_code", "format", e.to_string()).clause(clause));
                String::new()
            }
        };
        let contact_phone =
            check_phone(&mut findings, "contact_phone", &self.contact_phone, clause);
        let contact_email = optional_text(&self.contact_email);
        if let Some(email) = &contact_email {
            if !is_email(email) {
                findings.push(FieldError::new(
                    "contact_email",
                    "format",
                    format!("邮箱格式不正确：“{email}” (not an email address: '{email}')"),
                ));
            }
        }
        let business_licence = resolve_file(
            &mut findings,
            "business_licence",
            "营业执照",
            clause,
            &self.business_licence,
            &resolve_blob,
        );
        if let Some(site) = optional_text(&self.website) {
            if !(site.starts_with("http://") || site.starts_with("https://")) {
                findings.push(FieldError::new(
                    "website",
                    "format",
                    "网址应以 http:// 或 https:// 开头 (website must be an http(s) URL)",
                ));
            }
        }
        let mut channels = Vec::new();
        for (i, c) in self.channels.iter().enumerate() {
            let field = format!("channels[{i}]");
            if c.distributor_id <= 0
                || channels
                    .iter()
                    .any(|k: &Channel| k.distributor_id == c.distributor_id)
            {
                findings.push(FieldError::new(&format!("{field}.distributor_id"), "invalid", "经销商须是平台上的企业，且只出现一次 (a distributor is an enterprise on the platform, listed once)").clause("P6.5"));
            }
            if c.regions.is_empty() {
                findings.push(FieldError::required(
                    &format!("{field}.regions"),
                    "销售区域",
                    "P6.5",
                ));
            }
            let mut regions = Vec::new();
            for (k, r) in c.regions.iter().enumerate() {
                match zhisu_codes::region::RegionCode::parse(r.trim()) {
                    Ok(code) => regions.push(code.as_str().to_string()),
                    Err(e) => findings.push(
                        FieldError::new(&format!("{field}.regions[{k}]"), "format", e.to_string())
                            .clause("P6.5"),
                    ),
                }
            }
            channels.push(Channel {
                distributor_id: c.distributor_id,
                regions,
            });
        }
        let mut signing_keys: Vec<SigningKey> = Vec::new();
        for (i, k) in self.signing_keys.iter().enumerate() {
            let field = format!("signing_keys[{i}]");
            let kid = k.kid.trim();
            let kid_ok = (1..=64).contains(&kid.len())
                && kid
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
            if !kid_ok || signing_keys.iter().any(|s| s.kid == kid) {
                findings.push(FieldError::new(&format!("{field}.kid"), "format", "密钥名须为 1–64 个字母、数字或 . _ -，且不重复 (a kid is 1–64 of A–Z a–z 0–9 . _ -, each once)").clause("G9.2"));
            }
            let key = SigningKey {
                kid: kid.to_string(),
                x: k.x.trim().to_string(),
            };
            if key.verifying_key().is_none() {
                findings.push(FieldError::new(&format!("{field}.x"), "format", "不是 Ed25519 公钥：应为其 32 字节的 base64url (not an Ed25519 public key: base64url of its 32 bytes, as a JWK's x)").clause("G9.2"));
            }
            signing_keys.push(key);
        }
        let enterprise = Enterprise {
            signing_keys,
            channels,
            kind: self.kind.unwrap_or(EnterpriseKind::Manufacturer),
            name,
            uscc,
            address,
            region_code,
            contact_name: optional_text(&self.contact_name),
            contact_phone,
            contact_email,
            business_licence: business_licence.unwrap_or_else(placeholder_blob),
            management_certifications: clean_list(&self.management_certifications),
            product_certifications: clean_list(&self.product_certifications),
            website: optional_text(&self.website),
            identity_check: None,
        };
        findings.finish(enterprise)
    }
}

fn placeholder_blob() -> BlobRef {
    BlobRef {
        sha256: String::new(),
        content_type: String::new(),
        size: 0,
        name: String::new(),
    }
}

/// Resolves an optional file reference; `required` files get a finding
/// when missing. Returns None when missing or unknown.
pub(crate) fn resolve_file(
    findings: &mut Findings,
    field: &str,
    zh: &str,
    clause: &'static str,
    input: &Option<BlobInput>,
    resolve_blob: &impl Fn(&str) -> Option<BlobRef>,
) -> Option<BlobRef> {
    match input {
        None => {
            findings.push(FieldError::required(field, zh, clause));
            None
        }
        Some(given) => resolve_optional_file(findings, field, Some(given), resolve_blob),
    }
}

pub(crate) fn resolve_optional_file(
    findings: &mut Findings,
    field: &str,
    input: Option<&BlobInput>,
    resolve_blob: &impl Fn(&str) -> Option<BlobRef>,
) -> Option<BlobRef> {
    let given = input?;
    let sha = given.sha256();
    if !is_sha256_hex(sha) {
        findings.push(FieldError::new(field, "format", "文件引用应为上传后返回的 sha256 (a file is referenced by the sha256 the upload returned)"));
        return None;
    }
    match resolve_blob(sha) {
        Some(found) => Some(found),
        None => {
            findings.push(FieldError::new(field, "unknown-file", format!("未找到文件 {sha}，请先上传 (no uploaded file has sha256 {sha}; upload it first)")));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(sha: &str) -> Option<BlobRef> {
        (sha == "a".repeat(64)).then(|| BlobRef {
            sha256: sha.into(),
            content_type: "application/pdf".into(),
            size: 10,
            name: "l.pdf".into(),
        })
    }

    fn good() -> EnterpriseInput {
        EnterpriseInput {
            kind: Some(EnterpriseKind::Manufacturer),
            name: "远东电缆有限公司".into(),
            uscc: "91350100M000100Y43".into(),
            address: "福州市鼓楼区".into(),
            region_code: "350102".into(),
            contact_phone: "0591-88888888".into(),
            business_licence: Some(BlobInput::Sha256("a".repeat(64))),
            ..Default::default()
        }
    }

    #[test]
    fn an_email_and_a_mobile_are_told_from_what_is_not() {
        for good in ["zhang@example.com", "li.si+zhisu@mail.gd.gov.cn"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "zhang",
            "@example.com",
            "zhang@example",
            "a b@example.com",
            "a@b@c.com",
            "a@.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert_eq!(mobile_of("138 0013 8000").as_deref(), Some("13800138000"));
        assert_eq!(mobile_of("+86 13800138000").as_deref(), Some("13800138000"));
        assert_eq!(mobile_of("0757-2836 5521"), None);
        assert_eq!(mobile_of("12800138000"), None);
    }

    #[test]
    fn accepts_a_complete_filing() {
        let e = good().validate(blob).unwrap();
        assert_eq!(e.uscc, "91350100M000100Y43");
        assert_eq!(e.business_licence.content_type, "application/pdf");
    }

    #[test]
    fn reports_every_missing_field_at_once() {
        let err = EnterpriseInput::default().validate(blob).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "kind",
                "name",
                "uscc",
                "address",
                "region_code",
                "contact_phone",
                "business_licence"
            ]
        );
    }

    #[test]
    fn explains_bad_values() {
        let mut input = good();
        input.uscc = "91350100M000100Y44".into();
        input.contact_phone = "call me".into();
        input.business_licence = Some(BlobInput::Sha256("b".repeat(64)));
        let err = input.validate(blob).unwrap_err();
        let codes: Vec<_> = err
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("uscc", "check-character"),
                ("contact_phone", "format"),
                ("business_licence", "unknown-file")
            ]
        );
        assert!(err.0[0].message.contains("'3'"));
    }
}
