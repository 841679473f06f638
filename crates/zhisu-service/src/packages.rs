//! Packing codes into transport packages (SSCC) and bundles (组合多码):
//! every child must be a genuine code of the packer's own products, packed
//! once; the links are written with the package, in one transaction.

use serde::Serialize;
use zhisu_domain::package::code_key;
use zhisu_domain::{FieldError, Invalid, Package, PackageInput, Principal, RecordKind};
use zhisu_store::{NewRecord, RecordIndex, StoreError};

use crate::codes::VerifyStatus;
use crate::records::{audit, to_body, RecordView};
use crate::{Service, ServiceError, ServiceResult};

/// What a code is linked to, in both directions (G6.1.2).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CodeLinks {
    /// The code's key, e.g. `(01)06970000000017(21)0ABC…` or `(00)…`.
    pub key: String,
    /// The package (SSCC or parent code) holding this code, if packed.
    pub packed_in: Option<i64>,
    pub packed_in_key: Option<String>,
    /// When the code is itself a package: what it holds.
    pub package_id: Option<i64>,
    pub children: Vec<String>,
}

/// A package record's index columns (also what `zhisu ledger verify`
/// recomputes: issue 16.18).
pub(crate) fn package_index(package: &Package, region_code: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: Some(package.enterprise_id),
        parent_id: None,
        unique_key: Some(package.key.clone()),
        name: package.key.clone(),
        region_code: region_code.to_string(),
        tag: Some(
            if package.sscc.is_some() {
                "sscc"
            } else {
                "bundle"
            }
            .to_string(),
        ),
        code_key: None,
    }
}

impl Service {
    /// Packs genuine codes of the caller's own products into a package.
    pub async fn create_package(
        &self,
        by: &Principal,
        mut input: PackageInput,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        // A parent given as a key or element string is kept as its link
        // (the packing event names it); what is no code is refused below.
        let base = &self.settings.public_url;
        input.parent_code =
            input
                .parent_code
                .map(|p| match zhisu_codes::code_input::as_link(&p, base) {
                    Ok(link) => link.into_owned(),
                    Err(_) => p,
                });
        let enterprise = self.manufacturer_for(by, input.enterprise_id).await?;
        let package: Package = input.validate(enterprise.id)?;
        let mut findings = Vec::new();
        let mut codes_to_check: Vec<(String, &String)> = input
            .children
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("children[{i}]"), c))
            .collect();
        if let Some(parent) = &input.parent_code {
            codes_to_check.insert(0, ("parent_code".to_string(), parent));
        }
        for (field, code) in codes_to_check {
            let verification = self.verify_code(code).await?;
            let own = match verification.product_id {
                Some(id) => self
                    .store
                    .get_record(RecordKind::Product, id)
                    .await?
                    .is_some_and(|p| p.enterprise_id == enterprise.id),
                None => false,
            };
            if verification.status != VerifyStatus::Genuine || !own {
                findings.push(FieldError::new(&field, "not-genuine", format!("{code} 不是本企业已激活的有效码 (not a genuine, active code of this manufacturer)")).clause("G6.1.2"));
                continue;
            }
            if field != "parent_code" {
                if let Some(holder) = self
                    .store
                    .package_of(&code_key(code).map_err(ServiceError::BadRequest)?)
                    .await?
                {
                    findings.push(
                        FieldError::new(
                            &field,
                            "packed",
                            format!(
                                "{code} 已装入包装 {holder} (already packed in package {holder})"
                            ),
                        )
                        .clause("G6.1.2"),
                    );
                }
            }
        }
        if !findings.is_empty() {
            return Err(Invalid(findings).into());
        }
        let index = package_index(&package, enterprise.text("region_code"));
        let record = NewRecord {
            kind: RecordKind::Package,
            index,
            body: to_body(&package)?,
            links: package.children.clone(),
            flow: vec![],
            import_key: None,
        };
        let stored = self
            .store
            .create_record(record, audit(by, "package.create", ip))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(c) if c.contains("code_links") => ServiceError::Conflict(
                    "有码已被装入其他包装 (a code was packed elsewhere meanwhile)".into(),
                ),
                StoreError::Conflict(_) => ServiceError::Conflict(format!(
                    "包装 {} 已存在 (package {} already exists)",
                    package.key, package.key
                )),
                other => other.into(),
            })?;
        self.records_changed();
        let parent = match (&package.sscc, &package.parent_code) {
            (Some(sscc), _) => format!("{}/00/{sscc}", self.settings.public_url),
            (None, Some(code)) => code.clone(),
            _ => String::new(),
        };
        let children: Vec<String> = package
            .children
            .iter()
            .map(|k| format!("{}{}", self.settings.public_url, crate::flows::key_path(k)))
            .collect();
        self.emit_event(
            by,
            enterprise.id,
            crate::epcis::own::packing(&parent, &children),
        )
        .await;
        Ok(stored.into())
    }

    /// Where a code is packed, and what it holds if it is a package.
    pub async fn code_links(&self, by: &Principal, code: &str) -> ServiceResult<CodeLinks> {
        let key = match zhisu_codes::gs1::Sscc::parse(code) {
            Ok(sscc) => format!("(00){sscc}"),
            Err(_) => code_key(code).map_err(|e| {
                ServiceError::Invalid(Invalid(vec![FieldError::new("code", "format", e)]))
            })?,
        };
        let mut links = CodeLinks {
            key: key.clone(),
            packed_in: None,
            packed_in_key: None,
            package_id: None,
            children: vec![],
        };
        if let Some(holder) = self.store.package_of(&key).await? {
            if let Ok(package) = self.read_record(by, RecordKind::Package, holder).await {
                links.packed_in = Some(holder);
                links.packed_in_key = Some(package.text("key").to_string());
            }
        }
        if let Some(package) = self
            .store
            .find_by_unique_key(RecordKind::Package, &key)
            .await?
        {
            if let Ok(view) = self.read_record(by, RecordKind::Package, package.id).await {
                let typed: Package = view.typed()?;
                links.package_id = Some(view.id);
                links.children = typed.children;
            }
        }
        Ok(links)
    }
}
