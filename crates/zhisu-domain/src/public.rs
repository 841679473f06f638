//! G5.3, table 3: what anyone who scans a code may see. This is the one
//! place that decides it; the scan page, its JSON and its linkset are all
//! drawn from [`PublicView`], and nothing else is public unless its owner
//! chose so (a batch's inspection report, `inspection_report_public`; a
//! product's 补充信息, each item's `public`).

use serde::Serialize;

use crate::batch::Batch;
use crate::blob::BlobRef;
use crate::change_request::shown_label;
use crate::enterprise::Enterprise;
use crate::product::Product;

/// A file anyone may download from the scan page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicFile {
    pub sha256: String,
    pub content_type: String,
    pub name: String,
}

impl From<&BlobRef> for PublicFile {
    fn from(b: &BlobRef) -> Self {
        PublicFile {
            sha256: b.sha256.clone(),
            content_type: b.content_type.clone(),
            name: b.name.clone(),
        }
    }
}

/// Table 3 rows 1 and 3: a producer's or seller's public basic information
/// (all marked c).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicParty {
    /// 单位名称
    pub name: String,
    /// 统一社会信用代码
    pub uscc: String,
    /// 生产/注册地址
    pub address: String,
    /// 联系方式
    pub contact_phone: String,
    /// 营业执照
    pub business_licence: PublicFile,
}

impl PublicParty {
    pub fn of(e: &Enterprise) -> Self {
        PublicParty {
            name: e.name.clone(),
            uscc: e.uscc.clone(),
            address: e.address.clone(),
            contact_phone: e.contact_phone.clone(),
            business_licence: PublicFile::from(&e.business_licence),
        }
    }
}

/// Table 3 row 2: the product's public information. Fields marked d are
/// present only where they apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicProduct {
    /// 追溯码 (c)
    pub trace_code: String,
    /// 产品名称 (c)
    pub product_name: String,
    /// 产品类型 (c)
    pub product_type: String,
    /// 规格型号 (c)
    pub model: String,
    /// 生产日期 (c), when the code names a batch
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_date: Option<String>,
    /// 质保期限 (d), months
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warranty_months: Option<u32>,
    /// 出厂编号/批次号 (c), when the code names a batch
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_no: Option<String>,
    /// 序号 (c), for 一物一码
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// 执行强制性国家标准 (c)
    pub mandatory_standards: Vec<String>,
    /// 工业产品生产许可证书编号 (d)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_licence_no: Option<String>,
    /// 强制性产品认证证书编号 (d)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ccc_cert_no: Option<String>,
    /// 使用说明书或警示说明 (d)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions_file: Option<PublicFile>,
    /// 检验报告: public only when the producer chose so (P5.3.3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection_report: Option<PublicFile>,
    /// P4: the shown fields changed since filing, by an approved change
    /// request, oldest first (the scan page says so).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<PublicChange>,
    /// 补充信息 its owner made public (P5.3.4.1), masked suppliers as
    /// 'A 厂家' (P5.3.4.4).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supplements: Vec<crate::supplements::PublicSupplement>,
}

/// One approved change of shown fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicChange {
    /// The fields' names, as in this object.
    pub fields: Vec<String>,
    /// Their labels, as the scan page shows them.
    pub labels: Vec<String>,
    /// When the regulator approved the change (RFC 3339, UTC).
    pub at: String,
}

impl PublicProduct {
    /// The public part of a product (and its batch, when the scanned code
    /// names one).
    pub fn of(
        trace_code: &str,
        product: &Product,
        batch: Option<&Batch>,
        serial: Option<&str>,
    ) -> Self {
        PublicProduct {
            trace_code: trace_code.to_string(),
            product_name: product.product_name.clone(),
            product_type: product.product_type.clone(),
            model: product.model.clone(),
            production_date: batch.map(|b| b.production_date.to_string()),
            warranty_months: product.warranty_months,
            batch_no: batch.map(|b| b.batch_no.clone()),
            serial: serial.map(str::to_string),
            mandatory_standards: product.mandatory_standards.clone(),
            production_licence_no: product.production_licence_no.clone(),
            ccc_cert_no: product.ccc_cert_no.clone(),
            instructions: product.instructions.clone(),
            instructions_file: product.instructions_file.as_ref().map(PublicFile::from),
            inspection_report: batch
                .filter(|b| b.inspection_report_public)
                .map(|b| PublicFile::from(&b.inspection_report)),
            changes: product
                .amended
                .iter()
                .map(|a| PublicChange {
                    fields: a.fields.clone(),
                    labels: a
                        .fields
                        .iter()
                        .map(|f| shown_label(f).unwrap_or(f).to_string())
                        .collect(),
                    at: a.at.clone(),
                })
                .collect(),
            supplements: crate::supplements::public_items(&product.supplements),
        }
    }
}

/// Everything public about one scanned code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicView {
    pub producer: PublicParty,
    /// None for a transport package (`/00/…`).
    pub product: Option<PublicProduct>,
    /// The sellers the code (or its batch) was sold to, nearest first.
    pub sellers: Vec<PublicParty>,
}

impl PublicView {
    /// Every file the view names: the only blobs the scan page serves.
    pub fn files(&self) -> Vec<&PublicFile> {
        let mut files = vec![&self.producer.business_licence];
        if let Some(p) = &self.product {
            files.extend(p.instructions_file.as_ref());
            files.extend(p.inspection_report.as_ref());
            files.extend(p.supplements.iter().flat_map(|s| &s.files));
        }
        files.extend(self.sellers.iter().map(|s| &s.business_licence));
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::BatchStatus;
    use crate::enterprise::EnterpriseKind;
    use crate::product::{CodeScheme, TraceLevel};

    fn blob(tag: &str) -> BlobRef {
        BlobRef {
            sha256: tag.repeat(64 / tag.len()),
            content_type: "application/pdf".into(),
            size: 10,
            name: format!("{tag}.pdf"),
        }
    }

    fn enterprise() -> Enterprise {
        Enterprise {
            kind: EnterpriseKind::Manufacturer,
            name: "广东电缆厂".into(),
            uscc: "91440101MA59TEST0X".into(),
            address: "广州市".into(),
            region_code: "440101".into(),
            contact_name: Some("张三 (private)".into()),
            contact_phone: "020-12345678".into(),
            contact_email: None,
            business_licence: blob("a"),
            management_certifications: vec!["ISO 9001 (private)".into()],
            product_certifications: vec!["private".into()],
            website: Some("https://private.example".into()),
            channels: vec![],
            signing_keys: vec![],
            identity_check: None,
        }
    }

    fn product() -> Product {
        Product {
            enterprise_id: 1,
            product_name: "电线".into(),
            product_type: "电线电缆".into(),
            model: "BV 2.5".into(),
            category: "wire-cable".into(),
            brand: Some("private brand".into()),
            honours: vec!["private honour".into()],
            mandatory_standards: vec!["GB 5023.3-2008".into()],
            production_licence_no: Some("XK06-001-00001".into()),
            ccc_cert_no: Some("2020010105000001".into()),
            warranty_months: Some(24),
            service_life_months: Some(96),
            instructions: Some("勿超载".into()),
            instructions_file: Some(blob("b")),
            materials: Some("private materials".into()),
            functions: Some("private functions".into()),
            performance: Some("private performance".into()),
            code_scheme: CodeScheme::Gs1,
            trace_level: TraceLevel::PerItem,
            gtin: Some("06901234567892".into()),
            scheme_code: None,
            label_template: None,
            paused: false,
            reporting_cadence: None,
            supplements: Vec::new(),
            registrations: Vec::new(),
            copied_from: None,
            amended: vec![],
            review: None,
        }
    }

    fn batch(public_report: bool) -> Batch {
        Batch {
            product_id: 2,
            enterprise_id: 1,
            batch_no: "L001".into(),
            production_date: "2026-01-02".parse().unwrap(),
            quantity: Some(10),
            inspection_report: blob("c"),
            inspection_report_public: public_report,
            note: Some("private note".into()),
            status: BatchStatus::Active,
            review_notes: vec!["private review note".into()],
            review: None,
            activated_at: None,
            disposal: None,
            inputs: vec![],
            copied_from: None,
            days: vec![],
        }
    }

    fn keys(v: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    #[test]
    fn producer_shows_exactly_the_table_3_fields() {
        let v = serde_json::to_value(PublicParty::of(&enterprise())).unwrap();
        assert_eq!(
            keys(&v),
            [
                "address",
                "business_licence",
                "contact_phone",
                "name",
                "uscc"
            ]
        );
        let text = v.to_string();
        assert!(!text.contains("private"), "{text}");
        assert!(
            !text.contains("张三"),
            "contact person is not public: {text}"
        );
    }

    /// Keeps [`SHOWN_FIELDS`] (what a change request guards) and
    /// [`PublicProduct::of`] (what a code shows) in step: a product field
    /// changes the public view exactly when it is listed.
    #[test]
    fn the_fields_a_change_request_guards_are_the_fields_a_code_shows() {
        use crate::change_request::SHOWN_FIELDS;
        let base = product();
        let b = batch(false);
        let view = |p: &Product| PublicProduct::of("https://x/01/1", p, Some(&b), None);
        let baseline = view(&base);
        let json = serde_json::to_value(&base).unwrap();
        let mut shown = Vec::new();
        for (field, value) in json.as_object().unwrap() {
            let other = match field.as_str() {
                "code_scheme" => serde_json::json!("ecode"),
                "trace_level" => serde_json::json!("per-batch"),
                "instructions_file" => serde_json::to_value(blob("d")).unwrap(),
                "label_template" => serde_json::json!({"columns": 2, "rows": 2,
                    "label_width_mm": 50, "label_height_mm": 30}),
                _ => match value {
                    serde_json::Value::String(s) => format!("{s}改").into(),
                    serde_json::Value::Number(n) => (n.as_u64().unwrap() + 1).into(),
                    serde_json::Value::Bool(b) => (!b).into(),
                    serde_json::Value::Array(_) => serde_json::json!(["GB 1-2000"]),
                    serde_json::Value::Null => serde_json::json!("X1"),
                    other => panic!("no change known for {field}: {other}"),
                },
            };
            let mut changed = json.clone();
            changed[field] = other;
            let changed: Product =
                serde_json::from_value(changed).unwrap_or_else(|e| panic!("{field}: {e}"));
            if view(&changed) != baseline {
                shown.push(field.clone());
            }
        }
        shown.sort();
        let mut listed: Vec<String> = SHOWN_FIELDS.iter().map(|(f, _)| f.to_string()).collect();
        listed.sort();
        assert_eq!(shown, listed);
    }

    #[test]
    fn product_shows_exactly_the_table_3_fields_and_nothing_private() {
        let b = batch(false);
        let v = serde_json::to_value(PublicProduct::of(
            "https://x/01/06901234567892/21/ABC",
            &product(),
            Some(&b),
            Some("ABC"),
        ))
        .unwrap();
        assert_eq!(
            keys(&v),
            [
                "batch_no",
                "ccc_cert_no",
                "instructions",
                "instructions_file",
                "mandatory_standards",
                "model",
                "product_name",
                "product_type",
                "production_date",
                "production_licence_no",
                "serial",
                "trace_code",
                "warranty_months",
            ]
        );
        assert_eq!(v["production_date"], "2026-01-02");
        assert_eq!(v["batch_no"], "L001");
        assert_eq!(v["warranty_months"], 24);
        let text = v.to_string();
        assert!(!text.contains("private"), "{text}");
        assert!(
            !text.contains("cccccccc"),
            "report not chosen public: {text}"
        );
    }

    #[test]
    fn fields_marked_d_are_left_out_where_they_do_not_apply() {
        let mut p = product();
        p.production_licence_no = None;
        p.ccc_cert_no = None;
        p.warranty_months = None;
        p.instructions = None;
        p.instructions_file = None;
        let v = serde_json::to_value(PublicProduct::of("06901234567892", &p, None, None)).unwrap();
        assert_eq!(
            keys(&v),
            [
                "mandatory_standards",
                "model",
                "product_name",
                "product_type",
                "trace_code"
            ]
        );
    }

    #[test]
    fn the_inspection_report_is_public_only_by_the_owners_choice() {
        let b = batch(true);
        let view = PublicView {
            producer: PublicParty::of(&enterprise()),
            product: Some(PublicProduct::of("c", &product(), Some(&b), None)),
            sellers: vec![],
        };
        let files: Vec<&str> = view.files().iter().map(|f| &f.sha256[..1]).collect();
        assert_eq!(files, ["a", "b", "c"]);
        let hidden = PublicView {
            product: Some(PublicProduct::of(
                "c",
                &product(),
                Some(&batch(false)),
                None,
            )),
            ..view
        };
        let files: Vec<&str> = hidden.files().iter().map(|f| &f.sha256[..1]).collect();
        assert_eq!(files, ["a", "b"]);
    }
}
