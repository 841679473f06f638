//! Forms: reading multipart posts, checking CSRF tokens, describing the
//! fields a form shows, and turning posted fields into the same JSON the
//! API accepts, so both paths validate identically.

use std::collections::HashMap;

use axum::extract::Multipart;
use serde::Serialize;
use zhisu_domain::product::CATEGORIES;
use zhisu_domain::{CodeScheme, FieldError, Principal, TraceLevel};
use zhisu_service::{Service, ServiceError};

use crate::view::label;
use crate::Lang;

/// A posted form: text fields and uploaded files.
#[derive(Debug, Default)]
pub struct FormData {
    pub fields: HashMap<String, String>,
    pub files: HashMap<String, (String, Vec<u8>)>,
}

impl FormData {
    pub async fn read(mut multipart: Multipart) -> Result<FormData, String> {
        let mut form = FormData::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(e.body_text()),
            };
            let name = field.name().unwrap_or("").to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                    if !bytes.is_empty() {
                        form.files.insert(name, (file_name, bytes.to_vec()));
                    }
                }
                None => {
                    let text = field.text().await.map_err(|e| e.body_text())?;
                    // Issue 16.10: no engine may be handed a NUL in text.
                    if text.contains('\0') || name.contains('\0') {
                        return Err(format!(
                            "“{}”不能包含空字符 U+0000 ({} must not contain the NUL character)",
                            crate::view::label(crate::Lang::Zh, &name.replace('\0', "")),
                            name.replace('\0', "")
                        ));
                    }
                    form.fields.insert(name, text);
                }
            }
        }
        Ok(form)
    }

    pub fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    pub fn checked(&self, name: &str) -> bool {
        self.fields
            .get(name)
            .is_some_and(|v| v == "on" || v == "true" || v == "1")
    }

    /// A list field: one item per line (or separated by ； ; ，).
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.text(name)
            .split(['\n', ';', '；', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Constant-time comparison of the posted CSRF token with the expected one.
    pub fn csrf_ok(&self, expected: &str) -> bool {
        let given = self.text("csrf");
        !expected.is_empty()
            && given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// How a field is drawn.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub input: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub hint: String,
    pub errors: Vec<String>,
}

impl Field {
    fn new(lang: Lang, name: &str, input: &'static str, required: bool) -> Self {
        Field {
            name: name.into(),
            label: label(lang, name),
            input,
            value: String::new(),
            options: vec![],
            required,
            hint: String::new(),
            errors: vec![],
        }
    }

    /// A value the form carries back unseen (a copy's source).
    pub(crate) fn hidden(name: &str, value: String) -> Self {
        Field {
            name: name.into(),
            label: String::new(),
            input: "hidden",
            value,
            options: vec![],
            required: false,
            hint: String::new(),
            errors: vec![],
        }
    }

    fn options(mut self, options: Vec<(String, String)>) -> Self {
        self.options = options;
        self
    }

    fn hint(mut self, hint: &str) -> Self {
        self.hint = hint.into();
        self
    }
}

/// A form's fields, filled from a record body (editing) or a post (errors).
pub struct Fields(pub Vec<Field>);

impl Fields {
    /// Fills values from a JSON body (lists one per line, booleans as "on").
    pub fn fill_from_json(mut self, body: &serde_json::Value) -> Self {
        for field in &mut self.0 {
            field.value = match body.get(&field.name) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
                Some(serde_json::Value::Bool(true)) => "on".into(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
        }
        self
    }

    /// Keeps what the person typed after a failed post.
    pub fn fill_from_form(mut self, form: &FormData) -> Self {
        for field in &mut self.0 {
            if field.input != "file" && field.input != "password" {
                field.value = form.fields.get(&field.name).cloned().unwrap_or_default();
            }
        }
        self
    }

    /// Attaches findings to their fields; returns the ones that match none.
    pub fn attach(&mut self, errors: &[FieldError]) -> Vec<String> {
        let mut unplaced = Vec::new();
        for e in errors {
            let name = e.field.strip_prefix("enterprise.").unwrap_or(&e.field);
            match self.0.iter_mut().find(|f| f.name == name) {
                Some(f) => f.errors.push(e.message.clone()),
                None => unplaced.push(format!("{}: {}", e.field, e.message)),
            }
        }
        unplaced
    }
}

pub fn enterprise_fields(lang: Lang, with_kind: bool, editing: bool) -> Fields {
    let mut fields = Vec::new();
    if with_kind {
        fields.push(Field::new(lang, "kind", "select", true).options(vec![
            ("manufacturer".into(), lang.text("v_manufacturer").into()),
            ("seller".into(), lang.text("v_seller").into()),
        ]));
    }
    let mut uscc = Field::new(lang, "uscc", "text", true).hint("GB 32100, 18位");
    if editing {
        uscc.input = "readonly";
    }
    fields.extend([
        Field::new(lang, "name", "text", true),
        uscc,
        Field::new(lang, "address", "text", true),
        Field::new(lang, "region_code", "text", true).hint("6位行政区划代码，如 440305"),
        Field::new(lang, "contact_name", "text", false),
        Field::new(lang, "contact_phone", "text", true),
        Field::new(lang, "contact_email", "text", false),
        Field::new(lang, "business_licence", "file", !editing).hint(if editing {
            lang.text("keep_file")
        } else {
            lang.text("file_hint")
        }),
        Field::new(lang, "management_certifications", "textarea", false)
            .hint(lang.text("list_hint")),
        Field::new(lang, "product_certifications", "textarea", false).hint(lang.text("list_hint")),
        Field::new(lang, "website", "text", false),
    ]);
    Fields(fields)
}

pub fn account_fields(lang: Lang) -> Fields {
    Fields(vec![
        Field::new(lang, "login", "text", true).hint("3-64"),
        Field::new(lang, "password", "password", true).hint("≥10"),
        Field::new(lang, "display_name", "text", false),
    ])
}

pub fn product_fields(lang: Lang, editing: bool) -> Fields {
    let categories = CATEGORIES
        .iter()
        .map(|c| {
            let mut needs = Vec::new();
            if c.licensed {
                needs.push(if lang == Lang::Zh {
                    "需生产许可证"
                } else {
                    "licence"
                });
            }
            if c.ccc {
                needs.push("CCC");
            }
            let name = if lang == Lang::Zh {
                c.name_zh
            } else {
                c.name_en
            };
            let text = if needs.is_empty() {
                name.to_string()
            } else {
                format!("{name}（{}）", needs.join("、"))
            };
            (c.code.to_string(), text)
        })
        .collect();
    let schemes = CodeScheme::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                lang.text(&format!("v_{}", s.as_str())).to_string(),
            )
        })
        .collect();
    let levels = TraceLevel::ALL
        .iter()
        .map(|l| {
            (
                l.as_str().to_string(),
                lang.text(&format!("v_{}", l.as_str())).to_string(),
            )
        })
        .collect();
    Fields(
        vec![
            Field::new(lang, "product_name", "text", true),
            Field::new(lang, "product_type", "text", true),
            Field::new(lang, "model", "text", true),
            Field::new(lang, "category", "select", true).options(categories),
            Field::new(lang, "brand", "text", false),
            Field::new(lang, "mandatory_standards", "textarea", true).hint("GB 16410-2020"),
            Field::new(lang, "production_licence_no", "text", false).hint("XK06-014-00123"),
            Field::new(lang, "ccc_cert_no", "text", false).hint("16位"),
            Field::new(lang, "warranty_months", "number", false),
            Field::new(lang, "service_life_months", "number", false),
            Field::new(lang, "instructions", "textarea", false),
            Field::new(lang, "instructions_file", "file", false).hint(if editing {
                lang.text("keep_file")
            } else {
                lang.text("file_hint")
            }),
            Field::new(lang, "code_scheme", "select", true).options(schemes),
            Field::new(lang, "gtin", "text", false).hint("GS1: 8/12/13/14 位"),
            Field::new(lang, "scheme_code", "text", false).hint(lang.text("scheme_code_hint")),
            Field::new(lang, "trace_level", "select", true).options(levels),
            // P5.3.3.3: an estimating level's cadence; the daily levels
            // keep the default.
            Field::new(lang, "reporting_cadence", "select", false)
                .options(
                    ["monthly", "quarterly", "yearly"]
                        .iter()
                        .map(|c| (c.to_string(), lang.text(&format!("v_{c}")).to_string()))
                        .collect(),
                )
                .hint(lang.text("rp_default_cadence")),
            Field::new(lang, "honours", "textarea", false).hint(lang.text("list_hint")),
            Field::new(lang, "materials", "textarea", false),
            Field::new(lang, "functions", "textarea", false),
            Field::new(lang, "performance", "textarea", false),
            Field::new(lang, "paused", "checkbox", false),
        ]
        .into_iter()
        .chain(registration_fields(lang))
        .collect(),
    )
}

/// P5.2.3: a registration number beside each platform of the guide's
/// table 1 (`registration:ID`), and the others one per line.
fn registration_fields(lang: Lang) -> Vec<Field> {
    let mut fields: Vec<Field> = zhisu_domain::platforms::platforms()
        .iter()
        .map(|p| {
            let mut field = Field::new(lang, &format!("registration:{}", p.id), "text", false);
            field.label = format!(
                "{}{}",
                lang.text("registration_no_on"),
                if lang == Lang::Zh { &p.zh } else { &p.en }
            );
            field
        })
        .collect();
    let mut others = Field::new(lang, "registrations_other", "textarea", false);
    others.label = lang.text("registrations_other").into();
    others.hint = lang.text("registrations_other_hint").into();
    fields.push(others);
    fields
}

pub fn batch_fields(lang: Lang, products: Vec<(String, String)>, editing: bool) -> Fields {
    let mut product = Field::new(lang, "product_id", "select", true).options(products);
    if editing {
        product.input = "readonly";
    }
    Fields(vec![
        product,
        Field::new(lang, "batch_no", "text", true),
        Field::new(lang, "production_date", "date", true),
        Field::new(lang, "quantity", "number", false),
        Field::new(lang, "inspection_report", "file", !editing).hint(if editing {
            lang.text("keep_file")
        } else {
            lang.text("file_hint")
        }),
        Field::new(lang, "inspection_report_public", "checkbox", false),
        Field::new(lang, "note", "textarea", false),
    ])
}

fn text_or_null(form: &FormData, name: &str) -> serde_json::Value {
    match form.text(name) {
        s if s.is_empty() => serde_json::Value::Null,
        s => s.into(),
    }
}

/// Parses a whole number field; a non-number is a finding.
fn number(form: &FormData, name: &str, findings: &mut Vec<FieldError>) -> serde_json::Value {
    whole_number(form, name, findings).map_or(serde_json::Value::Null, Into::into)
}

/// A whole number field, None when empty; a non-number is a finding.
pub(crate) fn whole_number(
    form: &FormData,
    name: &str,
    findings: &mut Vec<FieldError>,
) -> Option<u64> {
    let s = form.text(name);
    if s.is_empty() {
        return None;
    }
    s.parse::<u64>()
        .map_err(|_| {
            findings.push(FieldError::new(
                name,
                "type",
                format!("“{s}”不是整数 ('{s}' is not a whole number)"),
            ))
        })
        .ok()
}

/// Uploads a posted file and returns its SHA-256, or records a finding.
pub(crate) async fn upload(
    service: &Service,
    by: Option<&Principal>,
    form: &FormData,
    name: &str,
    findings: &mut Vec<FieldError>,
) -> Option<serde_json::Value> {
    let (file_name, bytes) = form.files.get(name)?;
    match service.upload_blob(by, file_name, bytes).await {
        // The whole reference, so the record keeps this upload's name.
        Ok(blob) => serde_json::to_value(blob).ok(),
        Err(
            ServiceError::TooLarge(m)
            | ServiceError::UnsupportedType(m)
            | ServiceError::BadRequest(m),
        ) => {
            findings.push(FieldError::new(name, "file", m));
            None
        }
        Err(e) => {
            findings.push(FieldError::new(name, "file", e.to_string()));
            None
        }
    }
}

/// The enterprise fields of a post as API JSON. Files are uploaded first;
/// a missing file is left out so an edit keeps the current one.
pub async fn enterprise_json(
    service: &Service,
    by: Option<&Principal>,
    form: &FormData,
    findings: &mut Vec<FieldError>,
) -> serde_json::Value {
    let mut value = serde_json::json!({
        "name": form.text("name"),
        "address": form.text("address"),
        "region_code": form.text("region_code"),
        "contact_name": text_or_null(form, "contact_name"),
        "contact_phone": form.text("contact_phone"),
        "contact_email": text_or_null(form, "contact_email"),
        "management_certifications": form.lines("management_certifications"),
        "product_certifications": form.lines("product_certifications"),
        "website": text_or_null(form, "website"),
    });
    if form.fields.contains_key("kind") {
        let kind = form.text("kind");
        if !["manufacturer", "seller"].contains(&kind.trim()) {
            // A sentence naming the field, not serde's "unknown variant"
            // (issue 15.8); the placeholder lets the other fields be read.
            findings.push(FieldError::new(
                "enterprise.kind",
                "required",
                "请选择企业类型：生产企业或销售企业 (choose the enterprise kind: manufacturer or seller)",
            ));
            value["kind"] = "manufacturer".into();
        } else {
            value["kind"] = kind.trim().into();
        }
        value["uscc"] = form.text("uscc").into();
    }
    if let Some(blob) = upload(service, by, form, "business_licence", findings).await {
        value["business_licence"] = blob;
    }
    value
}

pub async fn product_json(
    service: &Service,
    by: Option<&Principal>,
    form: &FormData,
    findings: &mut Vec<FieldError>,
) -> serde_json::Value {
    let mut value = serde_json::json!({
        "product_name": form.text("product_name"),
        "product_type": form.text("product_type"),
        "model": form.text("model"),
        "category": form.text("category"),
        "brand": text_or_null(form, "brand"),
        "mandatory_standards": form.lines("mandatory_standards"),
        "production_licence_no": text_or_null(form, "production_licence_no"),
        "ccc_cert_no": text_or_null(form, "ccc_cert_no"),
        "warranty_months": number(form, "warranty_months", findings),
        "service_life_months": number(form, "service_life_months", findings),
        "instructions": text_or_null(form, "instructions"),
        "code_scheme": text_or_null(form, "code_scheme"),
        "trace_level": text_or_null(form, "trace_level"),
        "reporting_cadence": text_or_null(form, "reporting_cadence"),
        "gtin": text_or_null(form, "gtin"),
        "scheme_code": text_or_null(form, "scheme_code"),
        "honours": form.lines("honours"),
        "materials": text_or_null(form, "materials"),
        "functions": text_or_null(form, "functions"),
        "performance": text_or_null(form, "performance"),
        "paused": form.checked("paused"),
        "registrations": registrations(form, findings),
    });
    if let Some(blob) = upload(service, by, form, "instructions_file", findings).await {
        value["instructions_file"] = blob;
    }
    value
}

/// The registrations of a posted product form, each with the field it was
/// typed in: each platform's number, then the other platforms' lines
/// (`名称 登记号`, split at the last space); a line without its number is
/// an `Err` with the line.
fn posted_registrations(form: &FormData) -> Vec<(String, Result<serde_json::Value, String>)> {
    let mut list: Vec<_> = zhisu_domain::platforms::platforms()
        .iter()
        .filter_map(|p| {
            let field = format!("registration:{}", p.id);
            let number = form.text(&field);
            (!number.is_empty()).then(|| {
                (
                    field,
                    Ok(serde_json::json!({"platform": p.id, "number": number})),
                )
            })
        })
        .collect();
    for line in form.text("registrations_other").lines().map(str::trim) {
        if line.is_empty() {
            continue;
        }
        let row = match line.rsplit_once(char::is_whitespace) {
            Some((name, number)) if !name.trim().is_empty() => Ok(serde_json::json!({
                "platform": zhisu_domain::platforms::OTHER,
                "platform_name": name.trim(),
                "number": number,
            })),
            _ => Err(line.to_string()),
        };
        list.push(("registrations_other".to_string(), row));
    }
    list
}

/// The registrations of a posted product form as API JSON; a line of the
/// others without its number is a finding.
fn registrations(form: &FormData, findings: &mut Vec<FieldError>) -> serde_json::Value {
    let mut list = Vec::new();
    for (field, row) in posted_registrations(form) {
        match row {
            Ok(registration) => list.push(registration),
            Err(line) => findings.push(FieldError::new(
                &field,
                "format",
                format!("“{line}”应为“平台名称 登记号” ('{line}' must be a platform's name, a space and the registration number)"),
            )),
        }
    }
    list.into()
}

/// A finding on `registrations[i]` shown beside the field the registration
/// was typed in (the order [`registrations`] lists them).
pub fn place_registration_errors(form: &FormData, errors: &mut [FieldError]) {
    let sources: Vec<String> = posted_registrations(form)
        .into_iter()
        .filter(|(_, row)| row.is_ok())
        .map(|(field, _)| field)
        .collect();
    for e in errors {
        let index = e
            .field
            .strip_prefix("registrations[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|i| i.parse::<usize>().ok());
        if let Some(source) = index.and_then(|i| sources.get(i)) {
            e.field = source.clone();
        }
    }
}

/// Fills a product form's registration fields from a stored product.
pub fn fill_registrations(fields: &mut Fields, body: &serde_json::Value) {
    let stored = body["registrations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut others = Vec::new();
    for r in &stored {
        let platform = r["platform"].as_str().unwrap_or("");
        let number = r["number"].as_str().unwrap_or("");
        if platform == zhisu_domain::platforms::OTHER {
            others.push(format!(
                "{} {number}",
                r["platform_name"].as_str().unwrap_or("")
            ));
        } else if let Some(f) = fields
            .0
            .iter_mut()
            .find(|f| f.name == format!("registration:{platform}"))
        {
            f.value = number.to_string();
        }
    }
    if let Some(f) = fields
        .0
        .iter_mut()
        .find(|f| f.name == "registrations_other")
    {
        f.value = others.join("\n");
    }
}

pub async fn batch_json(
    service: &Service,
    by: Option<&Principal>,
    form: &FormData,
    findings: &mut Vec<FieldError>,
) -> serde_json::Value {
    let mut value = serde_json::json!({
        "batch_no": form.text("batch_no"),
        "production_date": form.text("production_date"),
        "quantity": number(form, "quantity", findings),
        "inspection_report_public": form.checked("inspection_report_public"),
        "note": text_or_null(form, "note"),
    });
    if form.fields.contains_key("product_id") {
        value["product_id"] = number(form, "product_id", findings);
    }
    if let Some(blob) = upload(service, by, form, "inspection_report", findings).await {
        value["inspection_report"] = blob;
    }
    value
}
