//! ZV-C-005: a file a record references is gone from the file store, or its
//! bytes no longer hash to the SHA-256 the record names (V4 completeness,
//! G8.2): a licence, report or instructions file lost or replaced at rest.
//! The service looks at the files ([`super::Snapshot::file_faults`]); this
//! rule only names the records that reference a faulty one.

use super::rules::{finding, Names};
use super::{FileFault, FileView, Finding, Snapshot, Stored};
use crate::RecordKind;

/// The finding on `record` when `file` (its `field`, called `zh` and `en`)
/// is faulty.
fn fault_of<T>(
    s: &Snapshot,
    kind: RecordKind,
    record: &Stored<T>,
    enterprise_id: i64,
    (field, zh, en): (&str, &str, &str),
    file: &FileView,
) -> Option<Finding> {
    let fault = s.file_faults.get(&file.sha256)?;
    let sha = &file.sha256[..12.min(file.sha256.len())];
    let name = if file.name.is_empty() {
        String::new()
    } else {
        format!("「{}」", file.name)
    };
    let evidence = match fault {
        FileFault::Missing => format!(
            "{zh}文件{name}（{sha}…）已不在文件库中 (the {en} file {name} ({sha}…) is missing from the file store)"
        ),
        FileFault::Altered => format!(
            "{zh}文件{name}（{sha}…）的内容已被改动，与登记的 SHA-256 不符 (the {en} file {name} ({sha}…) no longer hashes to the SHA-256 it was filed under)"
        ),
    };
    Some(finding(
        "ZV-C-005",
        kind,
        record,
        enterprise_id,
        field,
        evidence,
    ))
}

pub(super) fn referenced_file_faulty(s: &Snapshot, _: &Names) -> Vec<Finding> {
    if s.file_faults.is_empty() {
        return Vec::new();
    }
    let enterprises = s.enterprises.iter().filter_map(|e| {
        let licence = ("business_licence", "营业执照", "business licence");
        fault_of(
            s,
            RecordKind::Enterprise,
            e,
            e.id,
            licence,
            &e.record.business_licence,
        )
    });
    let products = s.products.iter().filter_map(|p| {
        let file = p.record.instructions_file.as_ref()?;
        let instructions = ("instructions_file", "使用说明书", "instructions");
        fault_of(
            s,
            RecordKind::Product,
            p,
            p.record.enterprise_id,
            instructions,
            file,
        )
    });
    let batches = s.batches.iter().filter_map(|b| {
        let report = ("inspection_report", "检验报告", "inspection report");
        let file = &b.record.inspection_report;
        fault_of(
            s,
            RecordKind::Batch,
            b,
            b.record.enterprise_id,
            report,
            file,
        )
    });
    enterprises.chain(products).chain(batches).collect()
}
