//! 补充信息 (P5.3.4.1–5, issue 19.6): optional information a product
//! carries beside what it must — quality indicators backed by test
//! reports, materials and components (a licensed or CCC one naming its
//! maker and number, checked), honours, its website, promotions with their
//! plan and signed commitment, credit ratings. Each item carries evidence
//! files or a signed commitment, as its kind says
//! (`data/supplement-kinds.toml`), and its owner's public/private choice;
//! a supplier may be masked in public (shown as 'A 厂家', the true name to
//! the regulator, P5.3.4.4). Not a shown field (P4): it changes after
//! activation too, each change a version (P5.7, P7.1.2).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use zhisu_codes::{CccCertNo, ProductionLicenceNo};

use crate::blob::BlobRef;
use crate::enterprise::{resolve_optional_file, BlobInput};
use crate::public::PublicFile;
use crate::validation::{FieldError, Findings};

const SOURCE: &str = include_str!("../data/supplement-kinds.toml");

/// At most this many items a product.
pub const MAX_ITEMS: usize = 100;

/// One kind's rules, as the data file gives them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplementKind {
    pub kind: String,
    pub zh: String,
    pub clause: String,
    pub name_zh: String,
    /// `required`, `optional`, `url` or `none`.
    pub value: String,
    pub value_zh: Option<String>,
    /// `none`, `optional` or `required`.
    pub supplier: String,
    pub numbers: bool,
    /// `file`, `file-or-commitment` or `file-and-commitment`.
    pub evidence: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Kinds {
    #[allow(dead_code)] // read for the file's sake; shown nowhere yet
    version: String,
    kind: Vec<SupplementKind>,
}

fn read(source: &str) -> Result<Vec<SupplementKind>, String> {
    let kinds: Kinds = toml::from_str(source).map_err(|e| e.to_string())?;
    for k in &kinds.kind {
        let known = ["required", "optional", "url", "none"].contains(&k.value.as_str())
            && ["none", "optional", "required"].contains(&k.supplier.as_str())
            && ["file", "file-or-commitment", "file-and-commitment"].contains(&k.evidence.as_str());
        if !known {
            return Err(format!("{}: a rule the code does not know", k.kind));
        }
        if k.value != "none" && k.value_zh.is_none() {
            return Err(format!("{}: its value has no label", k.kind));
        }
        if kinds.kind.iter().filter(|o| o.kind == k.kind).count() > 1 {
            return Err(format!("{} is there twice", k.kind));
        }
    }
    Ok(kinds.kind)
}

/// Every kind, in the file's order.
pub fn kinds() -> &'static [SupplementKind] {
    static KINDS: OnceLock<Vec<SupplementKind>> = OnceLock::new();
    KINDS.get_or_init(|| read(SOURCE).expect("the supplements' test checks the file reads"))
}

pub fn kind(name: &str) -> Option<&'static SupplementKind> {
    kinds().iter().find(|k| k.kind == name)
}

/// One item as a client sends it (or as a record holds it: its files
/// may come back as the references stored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementInput {
    /// `indicator`, `material`, `component`, `licensed-component`,
    /// `honour`, `website`, `promotion` or `credit-rating`.
    #[serde(default)]
    pub kind: String,
    /// The indicator's, material's, honour's … name.
    #[serde(default)]
    pub name: String,
    /// The indicator's value, the rating, the website's address …
    pub value: Option<String>,
    /// A material's or component's supplier (a licensed component's maker).
    pub supplier: Option<String>,
    /// P5.3.4.4: shown in public as 'A 厂家', the true name to regulators.
    #[serde(default)]
    pub supplier_masked: bool,
    /// A licensed component's production licence number (P5.3.4.3).
    pub production_licence_no: Option<String>,
    /// A licensed component's CCC certificate number (P5.3.4.3).
    pub ccc_cert_no: Option<String>,
    /// Evidence files (a test report, a certificate, a plan), uploaded
    /// first: each the sha256 the upload returned.
    #[serde(default)]
    pub evidence: Vec<BlobInput>,
    /// A signed commitment (承诺书), uploaded first.
    pub commitment: Option<BlobInput>,
    /// Shown on the scan page (P5.3.4.1); private by default.
    #[serde(default)]
    pub public: bool,
}

/// One item as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Supplement {
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(default)]
    pub supplier_masked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_licence_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccc_cert_no: Option<String>,
    #[serde(default)]
    pub evidence: Vec<BlobRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<BlobRef>,
    #[serde(default)]
    pub public: bool,
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Checks every item, each mistake at `supplements[i].field`; the items
/// as filed.
pub fn check(
    items: &[SupplementInput],
    findings: &mut Findings,
    resolve_blob: &impl Fn(&str) -> Option<BlobRef>,
) -> Vec<Supplement> {
    if items.len() > MAX_ITEMS {
        findings.push(FieldError::new(
            "supplements",
            "length",
            format!("补充信息最多 {MAX_ITEMS} 项 (at most {MAX_ITEMS} items)"),
        ));
        return Vec::new();
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| check_one(i, item, findings, resolve_blob))
        .collect()
}

fn check_one(
    i: usize,
    item: &SupplementInput,
    findings: &mut Findings,
    resolve_blob: &impl Fn(&str) -> Option<BlobRef>,
) -> Option<Supplement> {
    let at = |field: &str| format!("supplements[{i}].{field}");
    let Some(rule) = kind(&item.kind) else {
        let names: Vec<&str> = kinds().iter().map(|k| k.kind.as_str()).collect();
        findings.push(FieldError::new(
            &at("kind"),
            "unknown",
            format!(
                "“{}”不是补充信息的种类 (no kind {:?}: {})",
                item.kind,
                item.kind,
                names.join(", ")
            ),
        ));
        return None;
    };
    let clause: &'static str = match rule.clause.as_str() {
        "P5.3.4.3" => "P5.3.4.3",
        "P5.3.4.5" => "P5.3.4.5",
        _ => "P5.3.4.2",
    };
    let before = findings.len();
    let name = item.name.trim().to_string();
    if name.is_empty() {
        findings.push(FieldError::required(&at("name"), &rule.name_zh, clause));
    }
    let value = text(&item.value);
    let value_zh = rule.value_zh.clone().unwrap_or_default();
    match (rule.value.as_str(), &value) {
        ("required" | "url", None) => {
            findings.push(FieldError::required(&at("value"), &value_zh, clause))
        }
        ("url", Some(v)) if !(v.starts_with("https://") || v.starts_with("http://")) || v.contains(' ') => {
            findings.push(
                FieldError::new(
                    &at("value"),
                    "format",
                    format!("{value_zh}应以 http:// 或 https:// 开头 (an http or https address, not {v:?})"),
                )
                .clause(clause),
            )
        }
        ("none", Some(_)) => findings.push(FieldError::new(
            &at("value"),
            "not-applicable",
            format!("{}不填此项 (a {} has no value)", rule.zh, rule.kind),
        )),
        _ => {}
    }
    let supplier = text(&item.supplier);
    match (rule.supplier.as_str(), &supplier) {
        ("required", None) => {
            findings.push(FieldError::required(&at("supplier"), "生产企业", clause))
        }
        ("none", Some(_)) => findings.push(FieldError::new(
            &at("supplier"),
            "not-applicable",
            format!("{}没有供应商 (a {} has no supplier)", rule.zh, rule.kind),
        )),
        _ => {}
    }
    if item.supplier_masked && supplier.is_none() {
        findings.push(FieldError::new(
            &at("supplier_masked"),
            "no-supplier",
            "没有供应商名称可隐去 (there is no supplier name to mask)",
        ));
    }
    // P5.3.4.3: a licensed or CCC component names its number, checked.
    let licence =
        text(&item.production_licence_no).and_then(|v| match ProductionLicenceNo::parse(&v) {
            Ok(p) => Some(p.to_string()),
            Err(e) => {
                findings.push(
                    FieldError::new(&at("production_licence_no"), "format", e.to_string())
                        .clause("P5.3.4.3"),
                );
                None
            }
        });
    let ccc = text(&item.ccc_cert_no).and_then(|v| match CccCertNo::parse(&v) {
        Ok(c) => Some(c.to_string()),
        Err(e) => {
            findings.push(
                FieldError::new(&at("ccc_cert_no"), "format", e.to_string()).clause("P5.3.4.3"),
            );
            None
        }
    });
    let numbers_given = item.production_licence_no.is_some() || item.ccc_cert_no.is_some();
    if rule.numbers && !numbers_given {
        findings.push(
            FieldError::new(
                &at("production_licence_no"),
                "required",
                "许可证或CCC管理的零部件须填写其生产许可证编号或CCC证书编号 (a licensed component names its production licence or CCC certificate number)",
            )
            .clause("P5.3.4.3"),
        );
    } else if !rule.numbers && numbers_given {
        findings.push(FieldError::new(
            &at("production_licence_no"),
            "not-applicable",
            format!(
                "{}不填许可证或CCC编号；许可证或CCC管理的零部件请选该种类 (a {} has no licence number: use licensed-component)",
                rule.zh, rule.kind
            ),
        ));
    }
    let evidence: Vec<BlobRef> = item
        .evidence
        .iter()
        .enumerate()
        .filter_map(|(j, file)| {
            resolve_optional_file(
                findings,
                &at(&format!("evidence[{j}]")),
                Some(file),
                resolve_blob,
            )
        })
        .collect();
    let commitment = resolve_optional_file(
        findings,
        &at("commitment"),
        item.commitment.as_ref(),
        resolve_blob,
    );
    // P5.3.4.1: evidence files or a signed commitment, as the kind says.
    let (files, signed) = (!item.evidence.is_empty(), item.commitment.is_some());
    let missing = match rule.evidence.as_str() {
        "file" if !files => Some((
            at("evidence"),
            "须附证明文件（如检验报告） (an evidence file, such as a test report, is required)",
        )),
        "file-or-commitment" if !files && !signed => Some((
            at("evidence"),
            "须附证明文件或签署的承诺书 (evidence files or a signed commitment are required)",
        )),
        "file-and-commitment" if !files => {
            Some((at("evidence"), "须附活动方案 (the plan is required)"))
        }
        "file-and-commitment" if !signed => Some((
            at("commitment"),
            "须附签署的承诺书 (a signed commitment is required)",
        )),
        _ => None,
    };
    if let Some((field, message)) = missing {
        findings.push(FieldError::new(&field, "evidence", message).clause("P5.3.4.1"));
    }
    (findings.len() == before).then(|| Supplement {
        kind: rule.kind.clone(),
        name,
        value,
        supplier,
        supplier_masked: item.supplier_masked,
        production_licence_no: licence,
        ccc_cert_no: ccc,
        evidence,
        commitment,
        public: item.public,
    })
}

/// One public item on the scan page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicSupplement {
    pub kind: String,
    /// The kind's Chinese name (质量指标 …).
    pub kind_zh: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The supplier, or 'A 厂家' when its owner masked it (P5.3.4.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_licence_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ccc_cert_no: Option<String>,
    /// Its evidence and commitment, downloadable from the scan page.
    pub files: Vec<PublicFile>,
}

/// The public items (P5.3.4.1: the owner's choice), masked suppliers
/// lettered A, B, C … in the order they come (one letter a name).
pub fn public_items(items: &[Supplement]) -> Vec<PublicSupplement> {
    let mut masked: Vec<&str> = Vec::new();
    items
        .iter()
        .filter(|s| s.public)
        .map(|s| {
            let supplier = s.supplier.as_deref().map(|name| {
                if !s.supplier_masked {
                    return name.to_string();
                }
                let n = masked.iter().position(|m| *m == name).unwrap_or_else(|| {
                    masked.push(name);
                    masked.len() - 1
                });
                format!("{} 厂家", letter(n))
            });
            PublicSupplement {
                kind: s.kind.clone(),
                kind_zh: kind(&s.kind).map(|k| k.zh.clone()).unwrap_or_default(),
                name: s.name.clone(),
                value: s.value.clone(),
                supplier,
                production_licence_no: s.production_licence_no.clone(),
                ccc_cert_no: s.ccc_cert_no.clone(),
                files: s
                    .evidence
                    .iter()
                    .chain(s.commitment.as_ref())
                    .map(PublicFile::from)
                    .collect(),
            }
        })
        .collect()
}

/// A, B, … Z, then AA, AB …
fn letter(n: usize) -> String {
    let mut n = n;
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (n % 26) as u8) as char);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(tag: char) -> BlobRef {
        BlobRef {
            sha256: tag.to_string().repeat(64),
            content_type: "application/pdf".into(),
            size: 10,
            name: format!("{tag}.pdf"),
        }
    }

    fn resolve(sha: &str) -> Option<BlobRef> {
        ["a", "b", "c"]
            .iter()
            .find(|t| sha == t.repeat(64))
            .map(|t| file(t.chars().next().unwrap()))
    }

    fn item(kind: &str) -> SupplementInput {
        SupplementInput {
            kind: kind.into(),
            name: "名称".into(),
            ..Default::default()
        }
    }

    fn fields(items: &[SupplementInput]) -> (Vec<Supplement>, Vec<String>) {
        let mut findings = Findings::default();
        let kept = check(items, &mut findings, &resolve);
        let fields = match findings.finish(()) {
            Ok(()) => Vec::new(),
            Err(e) => {
                e.0.into_iter()
                    .map(|f| format!("{}:{}", f.field, f.code))
                    .collect()
            }
        };
        (kept, fields)
    }

    #[test]
    fn the_kinds_file_and_the_code_are_in_step() {
        let kinds = read(SOURCE).expect("data/supplement-kinds.toml reads");
        assert_eq!(kinds.len(), 8);
        for clause in ["P5.3.4.2", "P5.3.4.3", "P5.3.4.5"] {
            assert!(kinds.iter().any(|k| k.clause == clause), "{clause}");
        }
        let bad = SOURCE.replacen("evidence = \"file\"", "evidence = \"photo\"", 1);
        assert!(read(&bad).unwrap_err().contains("indicator"));
        let twice = SOURCE.replacen("kind = \"material\"", "kind = \"indicator\"", 1);
        assert!(read(&twice).unwrap_err().contains("twice"));
    }

    #[test]
    fn each_kind_takes_its_evidence_and_refuses_what_is_missing() {
        let report = BlobInput::Sha256("a".repeat(64));
        let signed = BlobInput::Sha256("b".repeat(64));
        // An indicator: its value and a test report.
        let mut indicator = item("indicator");
        indicator.value = Some("导体电阻 ≤ 7.41 Ω/km".into());
        assert_eq!(
            fields(std::slice::from_ref(&indicator)).1,
            ["supplements[0].evidence:evidence"]
        );
        indicator.commitment = Some(signed.clone());
        assert_eq!(
            fields(std::slice::from_ref(&indicator)).1,
            ["supplements[0].evidence:evidence"],
            "a commitment is not a test report"
        );
        indicator.evidence = vec![report.clone()];
        let (kept, none) = fields(std::slice::from_ref(&indicator));
        assert!(none.is_empty(), "{none:?}");
        assert_eq!(kept[0].evidence[0].name, "a.pdf");
        // A material: files or a commitment.
        let mut material = item("material");
        material.supplier = Some("佛山市某铜材厂".into());
        material.commitment = Some(signed.clone());
        assert!(fields(&[material.clone()]).1.is_empty());
        // A licensed component: its maker and a number, checked.
        let mut component = item("licensed-component");
        component.commitment = Some(signed.clone());
        assert_eq!(
            fields(std::slice::from_ref(&component)).1,
            [
                "supplements[0].supplier:required",
                "supplements[0].production_licence_no:required"
            ]
        );
        component.supplier = Some("宁波某阀门有限公司".into());
        component.ccc_cert_no = Some("12345".into());
        assert_eq!(
            fields(std::slice::from_ref(&component)).1,
            ["supplements[0].ccc_cert_no:format"]
        );
        component.ccc_cert_no = Some("2021010101123456".into());
        assert!(fields(std::slice::from_ref(&component)).1.is_empty());
        // A promotion: its plan and its signed commitment, both.
        let mut promotion = item("promotion");
        promotion.evidence = vec![report.clone()];
        assert_eq!(
            fields(std::slice::from_ref(&promotion)).1,
            ["supplements[0].commitment:evidence"]
        );
        // A website: an address.
        let mut website = item("website");
        website.commitment = Some(signed.clone());
        website.value = Some("www.example.com".into());
        assert_eq!(
            fields(std::slice::from_ref(&website)).1,
            ["supplements[0].value:format"]
        );
        // Unknown kinds, a file not uploaded, a number on a plain material,
        // a masked supplier that is not there: each at its place.
        let mut odd = item("material");
        odd.evidence = vec![BlobInput::Sha256("f".repeat(64))];
        odd.production_licence_no = Some("XK06-014-00123".into());
        odd.supplier_masked = true;
        let (kept, wrong) = fields(&[item("award"), odd]);
        assert!(kept.is_empty());
        assert_eq!(
            wrong,
            [
                "supplements[0].kind:unknown",
                "supplements[1].supplier_masked:no-supplier",
                "supplements[1].production_licence_no:not-applicable",
                "supplements[1].evidence[0]:unknown-file",
            ]
        );
        let many = vec![material; MAX_ITEMS + 1];
        assert_eq!(fields(&many).1, ["supplements:length"]);
    }

    #[test]
    fn public_items_only_and_masked_suppliers_lettered() {
        let supplied = |name: &str, supplier: &str, masked: bool, public: bool| Supplement {
            kind: "material".into(),
            name: name.into(),
            value: None,
            supplier: Some(supplier.into()),
            supplier_masked: masked,
            production_licence_no: None,
            ccc_cert_no: None,
            evidence: vec![file('a')],
            commitment: Some(file('b')),
            public,
        };
        let items = [
            supplied("铜杆", "江西某铜业", true, true),
            supplied("绝缘料", "广州某化工", false, true),
            supplied("护套料", "浙江某塑胶", true, true),
            supplied("填充绳", "江西某铜业", true, true),
            supplied("包带", "秘密供应商", false, false),
        ];
        let shown = public_items(&items);
        let suppliers: Vec<&str> = shown
            .iter()
            .map(|s| s.supplier.as_deref().unwrap())
            .collect();
        assert_eq!(suppliers, ["A 厂家", "广州某化工", "B 厂家", "A 厂家"]);
        assert!(
            shown.iter().all(|s| s.name != "包带"),
            "a private item stays private"
        );
        assert_eq!(shown[0].kind_zh, "原辅材料");
        assert_eq!(shown[0].files.len(), 2, "its evidence and its commitment");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
    }
}
