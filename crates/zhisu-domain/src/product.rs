//! Products: G5.1-product, P5.2.1, P5.2.2, P5.3.1, P5.3.3.2, P5.3.3.3.

use serde::{Deserialize, Serialize};
use zhisu_codes::{CccCertNo, ProductionLicenceNo};

use crate::blob::BlobRef;
use crate::enterprise::{clean_list, resolve_optional_file, BlobInput};
use crate::validation::{optional_text, FieldError, Findings, Invalid};

/// P5.2.1: the code scheme a product's trace codes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CodeScheme {
    /// GS1 barcode or GS1 QR / Digital Link
    Gs1,
    /// IoT identifier Ecode (GB/T 31866)
    Ecode,
    /// 数字身份码
    DigitalId,
    /// CCC certificate code
    Ccc,
}

/// P5.2.2: the trace level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TraceLevel {
    /// 一品一码
    PerProduct,
    /// 一批一码
    PerBatch,
    /// 一物一码
    PerItem,
    /// 组合多码
    MultiCode,
}

impl CodeScheme {
    pub const ALL: [CodeScheme; 4] = [
        CodeScheme::Gs1,
        CodeScheme::Ecode,
        CodeScheme::DigitalId,
        CodeScheme::Ccc,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CodeScheme::Gs1 => "gs1",
            CodeScheme::Ecode => "ecode",
            CodeScheme::DigitalId => "digital-id",
            CodeScheme::Ccc => "ccc",
        }
    }

    /// As a Chinese page or report names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            CodeScheme::Gs1 => "GS1商品条码/二维码",
            CodeScheme::Ecode => "物联网标识Ecode",
            CodeScheme::DigitalId => "数字身份码",
            CodeScheme::Ccc => "CCC认证编码",
        }
    }
}

impl TraceLevel {
    pub const ALL: [TraceLevel; 4] = [
        TraceLevel::PerProduct,
        TraceLevel::PerBatch,
        TraceLevel::PerItem,
        TraceLevel::MultiCode,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TraceLevel::PerProduct => "per-product",
            TraceLevel::PerBatch => "per-batch",
            TraceLevel::PerItem => "per-item",
            TraceLevel::MultiCode => "multi-code",
        }
    }

    /// As a Chinese page or report names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            TraceLevel::PerProduct => "一品一码",
            TraceLevel::PerBatch => "一批一码",
            TraceLevel::PerItem => "一物一码",
            TraceLevel::MultiCode => "组合多码",
        }
    }

    /// P5.3.3.3: 一物一码 and 组合多码 report exact quantities.
    pub fn exact_quantity(self) -> bool {
        matches!(self, TraceLevel::PerItem | TraceLevel::MultiCode)
    }
}

/// The label layout a product is always printed with (G6.2: one
/// consistent template per product), in whole millimetres on A4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelLayout {
    pub columns: u32,
    pub rows: u32,
    pub label_width_mm: u32,
    pub label_height_mm: u32,
    /// Print product, batch and serial beside each symbol.
    #[serde(default = "yes")]
    pub show_text: bool,
}

fn yes() -> bool {
    true
}

impl LabelLayout {
    /// The printable template: the grid centred on A4.
    pub fn template(&self) -> zhisu_print::LabelTemplate {
        let defaults = zhisu_print::LabelTemplate::default();
        let (w, h) = (self.label_width_mm as f32, self.label_height_mm as f32);
        let gap_x = if self.columns > 1 { 2.0 } else { 0.0 };
        let gap_y = if self.rows > 1 { 2.0 } else { 0.0 };
        let used_w = self.columns as f32 * w + (self.columns.saturating_sub(1)) as f32 * gap_x;
        let used_h = self.rows as f32 * h + (self.rows.saturating_sub(1)) as f32 * gap_y;
        zhisu_print::LabelTemplate {
            columns: self.columns,
            rows: self.rows,
            label_width_mm: w,
            label_height_mm: h,
            margin_left_mm: ((defaults.page_width_mm - used_w) / 2.0).max(0.0),
            margin_top_mm: ((defaults.page_height_mm - used_h) / 2.0).max(0.0),
            gap_x_mm: gap_x,
            gap_y_mm: gap_y,
            show_text: self.show_text,
            ..defaults
        }
    }
}

/// A category of important industrial product, with which of the
/// conditional (b) fields of G5.1-product apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductCategory {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// Needs an industrial production licence (工业产品生产许可证).
    pub licensed: bool,
    /// Needs CCC certification.
    pub ccc: bool,
    /// A warranty period applies.
    pub warranty: bool,
    /// Instructions or warnings apply.
    pub instructions: bool,
}

const fn category(
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    licensed: bool,
    ccc: bool,
    warranty: bool,
    instructions: bool,
) -> ProductCategory {
    ProductCategory {
        code,
        name_zh,
        name_en,
        licensed,
        ccc,
        warranty,
        instructions,
    }
}

/// The categories of important industrial products the platform knows.
pub const CATEGORIES: &[ProductCategory] = &[
    category(
        "wire-cable",
        "电线电缆",
        "Wire and cable",
        true,
        false,
        false,
        false,
    ),
    category(
        "low-voltage-wire",
        "额定电压450/750V及以下电线电缆",
        "Low-voltage wire (≤450/750 V)",
        false,
        true,
        false,
        true,
    ),
    category(
        "gas-appliance",
        "家用燃气器具",
        "Household gas appliance",
        false,
        true,
        true,
        true,
    ),
    category(
        "e-bike",
        "电动自行车",
        "Electric bicycle",
        false,
        true,
        true,
        true,
    ),
    category(
        "e-bike-battery",
        "电动自行车用锂离子蓄电池",
        "E-bike lithium battery",
        false,
        true,
        true,
        true,
    ),
    category(
        "e-bike-helmet",
        "电动自行车乘员头盔",
        "E-bike helmet",
        false,
        true,
        false,
        true,
    ),
    category(
        "children-product",
        "儿童用品",
        "Children's product",
        false,
        true,
        false,
        true,
    ),
    category(
        "pressure-cooker",
        "压力锅",
        "Pressure cooker",
        true,
        false,
        true,
        true,
    ),
    category("fertilizer", "化肥", "Fertilizer", true, false, false, true),
    category(
        "hazardous-chemical",
        "危险化学品",
        "Hazardous chemical",
        true,
        false,
        false,
        true,
    ),
    category(
        "other",
        "其他重点工业产品",
        "Other important industrial product",
        false,
        false,
        false,
        false,
    ),
];

impl ProductCategory {
    pub fn find(code: &str) -> Option<&'static ProductCategory> {
        CATEGORIES.iter().find(|c| c.code == code)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// The manufacturer; enterprise users may leave it out.
    pub enterprise_id: Option<i64>,
    #[serde(default)]
    pub product_name: String,
    #[serde(default)]
    pub product_type: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub category: String,
    pub brand: Option<String>,
    #[serde(default)]
    pub honours: Vec<String>,
    #[serde(default)]
    pub mandatory_standards: Vec<String>,
    pub production_licence_no: Option<String>,
    pub ccc_cert_no: Option<String>,
    pub warranty_months: Option<u32>,
    /// Shelf or service life (保质期/使用期限), months: decides how long
    /// its records are kept (G8.5).
    pub service_life_months: Option<u32>,
    pub instructions: Option<String>,
    pub instructions_file: Option<BlobInput>,
    pub materials: Option<String>,
    pub functions: Option<String>,
    pub performance: Option<String>,
    pub code_scheme: Option<CodeScheme>,
    pub trace_level: Option<TraceLevel>,
    /// The product's GTIN (GS1 scheme): 8, 12, 13 or 14 digits, kept as 14.
    pub gtin: Option<String>,
    /// The product's code in the Ecode or digital identity scheme, as its
    /// registry allocated it: letters, digits and `- . _ : /`, at most 64.
    /// (Under the CCC scheme the CCC certificate number is the code.)
    pub scheme_code: Option<String>,
    /// How this product's labels are laid out (default: A4, 3 × 8 of 60 × 33 mm).
    pub label_template: Option<LabelLayout>,
    /// P5.3.3.2: a paused product pauses its reporting.
    #[serde(default)]
    pub paused: bool,
    /// 补充信息 (P5.3.4): quality indicators, materials and components,
    /// honours, website, promotions, credit ratings, each with its
    /// evidence and a public/private choice; changes after activation too.
    #[serde(default)]
    pub supplements: Vec<crate::supplements::SupplementInput>,
    /// P5.3.3.3: how often a 一品一码 or 一批一码 product reports its
    /// estimated quantity: `monthly`, `quarterly` or `yearly` (default
    /// `quarterly`); 一物一码 and 组合多码 report daily.
    pub reporting_cadence: Option<crate::reporting::Cadence>,
    /// P5.2.3: the traceability platforms it is registered on, each with
    /// its registration number.
    #[serde(default)]
    pub registrations: Vec<crate::platforms::Registration>,
    /// 一键同步录入 (P5.3.2): the product this one was copied from.
    pub copied_from: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    pub enterprise_id: i64,
    /// 产品名称 (a)
    pub product_name: String,
    /// 产品类型 (a)
    pub product_type: String,
    /// 规格型号 (a)
    pub model: String,
    /// P5.3.1 product category (one of [`CATEGORIES`])
    pub category: String,
    pub brand: Option<String>,
    pub honours: Vec<String>,
    /// 执行强制性国家标准 (a)
    pub mandatory_standards: Vec<String>,
    /// 工业产品生产许可证书编号 (b)
    pub production_licence_no: Option<String>,
    /// 强制性产品认证证书编号 (b)
    pub ccc_cert_no: Option<String>,
    /// 质保期限 (b), months
    pub warranty_months: Option<u32>,
    /// 保质期/使用期限, months (G8.5 retention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_life_months: Option<u32>,
    /// 使用说明书或警示说明 (b)
    pub instructions: Option<String>,
    pub instructions_file: Option<BlobRef>,
    /// 原辅材料/零部件信息
    pub materials: Option<String>,
    pub functions: Option<String>,
    pub performance: Option<String>,
    pub code_scheme: CodeScheme,
    pub trace_level: TraceLevel,
    /// GTIN-14, required before codes can be issued under the GS1 scheme.
    #[serde(default)]
    pub gtin: Option<String>,
    /// The Ecode or digital identity code, required before codes can be
    /// issued under those schemes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme_code: Option<String>,
    /// G6.2: the one label layout this product is printed with.
    #[serde(default)]
    pub label_template: Option<LabelLayout>,
    pub paused: bool,
    /// 补充信息 (P5.3.4), each item with its evidence and whether it is
    /// public.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplements: Vec<crate::supplements::Supplement>,
    /// P5.3.3.3: the cadence its enterprise picked (None: the calendar's
    /// default for its trace level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_cadence: Option<crate::reporting::Cadence>,
    /// P5.2.3: the traceability platforms it is registered on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registrations: Vec<crate::platforms::Registration>,
    /// 一键同步录入 (P5.3.2): the product this one was copied from; set
    /// when it is filed, never by an edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copied_from: Option<i64>,
    /// P4: the approved changes of shown fields, oldest first; set only by
    /// an approved change request, never by an edit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amended: Vec<crate::change_request::Amendment>,
    /// A reviewer's decision on what was filed (V5-manual); set only by a
    /// decision in the review queue, never by an edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::review::Decision>,
}

impl ProductInput {
    /// Every file the input references: its instructions and each
    /// supplement's evidence and commitment.
    pub fn files(&self) -> impl Iterator<Item = &BlobInput> {
        self.instructions_file.iter().chain(
            self.supplements
                .iter()
                .flat_map(|s| s.evidence.iter().chain(s.commitment.as_ref())),
        )
    }
}

impl Product {
    /// The product's code in its scheme: the GTIN, the Ecode or digital
    /// identity code, or the CCC certificate number; None until filed.
    pub fn scheme_code(&self) -> Option<&str> {
        match self.code_scheme {
            CodeScheme::Gs1 => self.gtin.as_deref(),
            CodeScheme::Ecode | CodeScheme::DigitalId => self.scheme_code.as_deref(),
            CodeScheme::Ccc => self.ccc_cert_no.as_deref(),
        }
    }

    /// The platform-wide unique key its codes are found by: the GTIN for
    /// GS1, `c/{code}` for the schemes resolved under `/c/`.
    pub fn code_key(&self) -> Option<String> {
        let code = self.scheme_code()?;
        Some(match self.code_scheme {
            CodeScheme::Gs1 => code.to_string(),
            _ => format!("c/{code}"),
        })
    }

    /// The path every code of the product starts with: `/01/{gtin}` or
    /// `/c/{code}`.
    pub fn code_path(&self) -> Option<String> {
        let code = self.scheme_code()?;
        Some(match self.code_scheme {
            CodeScheme::Gs1 => format!("/01/{code}"),
            _ => zhisu_codes::scheme::product_path(code),
        })
    }
}

/// A mandatory national standard is `GB nnnnn[.n]-yyyy`; `GB/T` is a
/// recommended standard and does not count.
fn check_standard(value: &str) -> Result<String, String> {
    let compact: String = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['—', '－'], "-");
    let upper = compact.to_ascii_uppercase();
    if upper.starts_with("GB/T") || upper.starts_with("GB/Z") {
        return Err(format!("“{value}”是推荐性标准，不是强制性国家标准 ('{value}' is a recommended standard, not a mandatory GB standard)"));
    }
    let rest = upper.strip_prefix("GB").map(str::trim_start);
    let ok = rest.is_some_and(|rest| {
        let (number, year) = rest.split_once('-').unwrap_or((rest, ""));
        let number_ok = !number.is_empty()
            && number
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        let year_ok =
            year.is_empty() || (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()));
        number_ok && year_ok
    });
    if ok {
        Ok(format!("GB {}", rest.unwrap_or_default()))
    } else {
        Err(format!("“{value}”不是强制性国家标准编号，应如 GB 17761-2024 ('{value}' is not a standard number like GB 17761-2024)"))
    }
}

impl ProductInput {
    /// Validates the product for `enterprise_id`, applying the category's
    /// applicability rules for the conditional fields.
    pub fn validate(
        &self,
        enterprise_id: i64,
        resolve_blob: impl Fn(&str) -> Option<BlobRef>,
    ) -> Result<Product, Invalid> {
        const C: &str = "G5.1-product";
        let mut findings = Findings::default();
        let product_name =
            findings.required_text("product_name", "产品名称", C, &self.product_name);
        let product_type =
            findings.required_text("product_type", "产品类型", C, &self.product_type);
        let model = findings.required_text("model", "规格型号", C, &self.model);
        let category = ProductCategory::find(self.category.trim());
        if category.is_none() {
            let known: Vec<_> = CATEGORIES.iter().map(|c| c.code).collect();
            if self.category.trim().is_empty() {
                findings.push(FieldError::required("category", "产品类别", "P5.3.1"));
            } else {
                findings.push(
                    FieldError::new(
                        "category",
                        "unknown",
                        format!(
                            "未知的产品类别“{}” (unknown category; one of: {})",
                            self.category.trim(),
                            known.join(", ")
                        ),
                    )
                    .clause("P5.3.1"),
                );
            }
        }
        let mut mandatory_standards = Vec::new();
        for raw in clean_list(&self.mandatory_standards) {
            match check_standard(&raw) {
                Ok(s) => mandatory_standards.push(s),
                Err(message) => findings
                    .push(FieldError::new("mandatory_standards", "format", message).clause(C)),
            }
        }
        if self.mandatory_standards.iter().all(|s| s.trim().is_empty()) {
            findings.push(FieldError::required(
                "mandatory_standards",
                "执行强制性国家标准",
                C,
            ));
        }
        let production_licence_no = optional_text(&self.production_licence_no);
        let production_licence_no = match production_licence_no {
            Some(v) => match ProductionLicenceNo::parse(&v) {
                Ok(p) => Some(p.to_string()),
                Err(e) => {
                    findings.push(
                        FieldError::new("production_licence_no", "format", e.to_string()).clause(C),
                    );
                    None
                }
            },
            None => {
                if let Some(cat) = category.filter(|c| c.licensed) {
                    findings.push(
                        FieldError::new("production_licence_no", "required", format!("{}属于生产许可证管理产品，须填写生产许可证编号 (a production licence number is required for {})", cat.name_zh, cat.name_en))
                            .clause(C),
                    );
                }
                None
            }
        };
        let ccc_cert_no = match optional_text(&self.ccc_cert_no) {
            Some(v) => match CccCertNo::parse(&v) {
                Ok(c) => Some(c.to_string()),
                Err(e) => {
                    findings
                        .push(FieldError::new("ccc_cert_no", "format", e.to_string()).clause(C));
                    None
                }
            },
            None => {
                if let Some(cat) = category.filter(|c| c.ccc) {
                    findings.push(
                        FieldError::new("ccc_cert_no", "required", format!("{}属于强制性产品认证目录，须填写CCC证书编号 (a CCC certificate number is required for {})", cat.name_zh, cat.name_en))
                            .clause(C),
                    );
                }
                None
            }
        };
        if let Some(cat) = category {
            if cat.warranty && self.warranty_months.is_none() {
                findings.push(
                    FieldError::new(
                        "warranty_months",
                        "required",
                        format!(
                            "{}须填写质保期限 (a warranty period is required for {})",
                            cat.name_zh, cat.name_en
                        ),
                    )
                    .clause(C),
                );
            }
        }
        if self.warranty_months.is_some_and(|m| m == 0 || m > 600) {
            findings.push(
                FieldError::new(
                    "warranty_months",
                    "range",
                    "质保期限应为1至600个月 (warranty_months must be 1 to 600)",
                )
                .clause(C),
            );
        }
        if self.service_life_months.is_some_and(|m| m == 0 || m > 1200) {
            findings.push(
                FieldError::new(
                    "service_life_months",
                    "range",
                    "使用期限应为1至1200个月 (service_life_months must be 1 to 1200)",
                )
                .clause("G8.5"),
            );
        }
        let instructions = optional_text(&self.instructions);
        let instructions_file = resolve_optional_file(
            &mut findings,
            "instructions_file",
            self.instructions_file.as_ref(),
            &resolve_blob,
        );
        if let Some(cat) = category {
            if cat.instructions && instructions.is_none() && self.instructions_file.is_none() {
                findings.push(FieldError::new("instructions", "required", format!("{}须提供使用说明书或警示说明 (instructions or warnings are required for {})", cat.name_zh, cat.name_en)).clause(C));
            }
        }
        let gtin = match optional_text(&self.gtin) {
            Some(g) => match zhisu_codes::gs1::Gtin::parse(&g) {
                Ok(g) => Some(g.to_string()),
                Err(e) => {
                    findings
                        .push(FieldError::new("gtin", "format", e.to_string()).clause("P5.2.1"));
                    None
                }
            },
            None => None,
        };
        let scheme_code = match optional_text(&self.scheme_code) {
            Some(code)
                if !matches!(
                    self.code_scheme,
                    Some(CodeScheme::Ecode | CodeScheme::DigitalId)
                ) =>
            {
                findings.push(FieldError::new("scheme_code", "scheme", format!("{code}：只有 Ecode 和数字身份码方案的产品填写本方案码；GS1 用 gtin，CCC 用 ccc_cert_no (scheme_code is for the ecode and digital-id schemes; GS1 uses gtin, CCC uses ccc_cert_no)")).clause("P5.2.1"));
                None
            }
            Some(code) => match zhisu_codes::scheme::check_code(&code) {
                Ok(code) => Some(code),
                Err(e) => {
                    findings.push(
                        FieldError::new("scheme_code", "format", e.to_string()).clause("P5.2.1"),
                    );
                    None
                }
            },
            None => None,
        };
        if let Some(layout) = &self.label_template {
            if let Err(e) = layout.template().check() {
                findings.push(
                    FieldError::new("label_template", "layout", e.to_string()).clause("G6.2"),
                );
            }
        }
        if self.code_scheme.is_none() {
            findings.push(FieldError::required("code_scheme", "编码方案", "P5.2.1"));
        }
        if self.trace_level.is_none() {
            findings.push(FieldError::required("trace_level", "追溯层级", "P5.2.2"));
        }
        if let Some(level) = self.trace_level {
            if let Some(refused) = crate::reporting::check_cadence(level, self.reporting_cadence) {
                findings.push(refused);
            }
        }
        let supplements =
            crate::supplements::check(&self.supplements, &mut findings, &resolve_blob);
        let registrations = crate::platforms::check(&self.registrations, &mut findings);
        let product = Product {
            enterprise_id,
            product_name,
            product_type,
            model,
            category: category.map(|c| c.code.to_string()).unwrap_or_default(),
            brand: optional_text(&self.brand),
            honours: clean_list(&self.honours),
            mandatory_standards,
            production_licence_no,
            ccc_cert_no,
            warranty_months: self.warranty_months,
            service_life_months: self.service_life_months,
            instructions,
            instructions_file,
            materials: optional_text(&self.materials),
            functions: optional_text(&self.functions),
            performance: optional_text(&self.performance),
            code_scheme: self.code_scheme.unwrap_or(CodeScheme::Gs1),
            trace_level: self.trace_level.unwrap_or(TraceLevel::PerBatch),
            gtin,
            scheme_code,
            label_template: self.label_template,
            paused: self.paused,
            reporting_cadence: self.reporting_cadence,
            supplements,
            registrations,
            copied_from: self.copied_from,
            amended: Vec::new(),
            review: None,
        };
        findings.finish(product)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gas_stove() -> ProductInput {
        ProductInput {
            product_name: "家用燃气灶".into(),
            product_type: "嵌入式燃气灶".into(),
            model: "JZT-2B01".into(),
            category: "gas-appliance".into(),
            mandatory_standards: vec!["GB 16410-2020".into()],
            ccc_cert_no: Some("2021010101123456".into()),
            warranty_months: Some(36),
            instructions: Some("使用前请检查燃气管路".into()),
            code_scheme: Some(CodeScheme::Gs1),
            trace_level: Some(TraceLevel::PerItem),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_a_complete_product() {
        let p = gas_stove().validate(1, |_| None).unwrap();
        assert_eq!(p.mandatory_standards, ["GB 16410-2020"]);
        assert_eq!(p.trace_level, TraceLevel::PerItem);
    }

    #[test]
    fn conditional_fields_follow_the_category() {
        let mut stove = gas_stove();
        stove.ccc_cert_no = None;
        stove.warranty_months = None;
        stove.instructions = None;
        let err = stove.validate(1, |_| None).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["ccc_cert_no", "warranty_months", "instructions"]);

        let mut cable = gas_stove();
        cable.category = "wire-cable".into();
        cable.ccc_cert_no = None;
        cable.warranty_months = None;
        cable.instructions = None;
        let err = cable.validate(1, |_| None).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].field, "production_licence_no");
        cable.production_licence_no = Some("XK06-001-00001".into());
        assert!(cable.validate(1, |_| None).is_ok());
    }

    #[test]
    fn standards_must_be_mandatory_ones() {
        assert_eq!(check_standard("GB  16410-2020"), Ok("GB 16410-2020".into()));
        assert_eq!(
            check_standard("GB 4706.1-2005"),
            Ok("GB 4706.1-2005".into())
        );
        assert!(check_standard("GB/T 5023-2008")
            .unwrap_err()
            .contains("recommended"));
        assert!(check_standard("ISO 9001").is_err());
        let mut p = gas_stove();
        p.mandatory_standards = vec![];
        p.category = "nonsense".into();
        let err = p.validate(1, |_| None).unwrap_err();
        let fields: Vec<_> = err
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [("category", "unknown"), ("mandatory_standards", "required")]
        );
    }
}
