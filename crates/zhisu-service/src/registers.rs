//! The authorities' registers (issue 17.3): a regulator imports a snapshot
//! of the production licences or CCC certificates issued — a CSV in UTF-8
//! or GBK (what a Chinese Excel saves), or an XLSX — and it is kept as the
//! next version of the `register` record of its kind, so every import is
//! in the ledger and the rules read the latest. A deployment with a live
//! lookup at the authority would replace `decode` and the import, not the
//! rule. The file's rows are read by `zhisu_domain::register`.

use serde::Serialize;
use zhisu_domain::register::{read_table, Register, RegisterKind};
use zhisu_domain::{FieldError, Invalid, Principal, RecordKind, Role};
use zhisu_store::{NewRecord, RecordIndex};

use crate::records::{audit, to_body};
use crate::{Service, ServiceError, ServiceResult};

/// At most this many bytes per file: the bound of every upload (about
/// 100,000 rows of CSV).
pub const MAX_REGISTER_BYTES: usize = zhisu_domain::blob::MAX_BLOB_BYTES;

/// What one register holds now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterSummary {
    /// `production-licence` or `ccc`.
    pub kind: String,
    pub source: String,
    pub entries: usize,
    /// Which import this is (the record's version).
    pub version: i64,
    pub imported_at: String,
    pub imported_by: String,
}

pub(crate) fn register_index(r: &Register) -> RecordIndex {
    RecordIndex {
        enterprise_id: None,
        parent_id: None,
        unique_key: Some(format!("register:{}", r.kind.as_str())),
        name: format!("{}登记（{} 条）", r.kind.label_zh(), r.entries.len()),
        region_code: String::new(),
        tag: Some(r.kind.as_str().to_string()),
        code_key: None,
    }
}

/// The header and rows of a register file: XLSX (its first sheet, as it
/// shows: a formula's value is taken) or CSV in UTF-8 or GBK.
pub(crate) fn decode(bytes: &[u8]) -> ServiceResult<(Vec<String>, Vec<Vec<String>>)> {
    let mut rows = crate::sheet_cells::sheet_rows(bytes, false)?;
    // A register's header is its first row that holds anything.
    while rows
        .first()
        .is_some_and(|r| r.iter().all(|c| c.trim().is_empty()))
    {
        rows.remove(0);
    }
    let header = rows.remove(0);
    Ok((header, rows))
}

impl Service {
    /// A regulator (or the system administrator) imports a register
    /// snapshot of `kind`; it replaces the one the rules read, as a new
    /// version. Bad files change nothing.
    pub async fn import_register(
        &self,
        by: &Principal,
        kind: &str,
        source: &str,
        bytes: &[u8],
        ip: Option<String>,
    ) -> ServiceResult<RegisterSummary> {
        if !matches!(by.role, Role::Regulator | Role::PlatformAdmin) {
            return Err(ServiceError::Forbidden(
                "只有监管人员和系统管理员可以导入发证机关登记 (only regulators and the system administrator import registers)".into(),
            ));
        }
        let kind = RegisterKind::parse(kind).ok_or_else(|| {
            ServiceError::from(Invalid(vec![FieldError::new(
                "kind",
                "unknown",
                format!("登记类别“{kind}”应为 production-licence 或 ccc (kind '{kind}': production-licence or ccc)"),
            )]))
        })?;
        if bytes.len() > MAX_REGISTER_BYTES {
            return Err(ServiceError::TooLarge(format!(
                "登记文件不能超过 {} MiB (a register file is at most {} MiB)",
                MAX_REGISTER_BYTES >> 20,
                MAX_REGISTER_BYTES >> 20
            )));
        }
        let owned = bytes.to_vec();
        let entries = tokio::task::spawn_blocking(move || {
            let (header, rows) = decode(&owned)?;
            read_table(&header, &rows).map_err(ServiceError::from)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("register import: {e}")))??;
        let source = source.trim();
        let register = Register {
            kind,
            source: if source.is_empty() {
                "register".into()
            } else {
                source.chars().take(200).collect()
            },
            entries,
        };
        let key = format!("register:{}", kind.as_str());
        let action = audit(by, "register.import", ip);
        let existing = self
            .store
            .find_by_unique_key(RecordKind::Register, &key)
            .await?;
        let stored = if let Some(current) = existing {
            let stored = self
                .store
                .update_record(
                    RecordKind::Register,
                    current.id,
                    Some(current.version),
                    register_index(&register),
                    to_body(&register)?,
                    action,
                )
                .await?;
            self.record_changed(RecordKind::Register, current.id);
            stored
        } else {
            let record = NewRecord {
                kind: RecordKind::Register,
                index: register_index(&register),
                body: to_body(&register)?,
                links: vec![],
                flow: vec![],
                import_key: None,
            };
            let stored = self.store.create_record(record, action).await?;
            self.record_changed(RecordKind::Register, stored.id);
            stored
        };
        Ok(RegisterSummary {
            kind: kind.as_str().into(),
            source: register.source,
            entries: register.entries.len(),
            version: stored.version,
            imported_at: stored.updated_at,
            imported_by: by.actor.clone(),
        })
    }

    /// The registers imported, the latest of each kind.
    pub async fn registers(&self, by: &Principal) -> ServiceResult<Vec<RegisterSummary>> {
        if !matches!(by.role, Role::Regulator | Role::PlatformAdmin) {
            return Err(ServiceError::Forbidden(
                "只有监管人员和系统管理员可以查看发证机关登记 (only regulators and the system administrator see registers)".into(),
            ));
        }
        let mut out = Vec::new();
        for kind in RegisterKind::ALL {
            let key = format!("register:{}", kind.as_str());
            if let Some(r) = self
                .store
                .find_by_unique_key(RecordKind::Register, &key)
                .await?
            {
                let register: Register = serde_json::from_value(r.body.clone())
                    .map_err(|e| ServiceError::Internal(format!("stored register: {e}")))?;
                out.push(RegisterSummary {
                    kind: kind.as_str().into(),
                    source: register.source,
                    entries: register.entries.len(),
                    version: r.version,
                    imported_at: r.updated_at,
                    imported_by: r.updated_by,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gbk_csv_reads_like_its_utf8_twin() {
        let text = "证书编号,持证人,状态\r\n2021010101123456,浙江安燃燃气具有限公司,有效\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let utf8 = decode(text.as_bytes()).unwrap();
        assert_eq!(decode(&gbk).unwrap(), utf8);
        assert_eq!(utf8.0, ["证书编号", "持证人", "状态"]);
        assert_eq!(utf8.1[0][1], "浙江安燃燃气具有限公司");
        let bom = [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), utf8);
        assert!(decode(b"").is_err());
    }
}
