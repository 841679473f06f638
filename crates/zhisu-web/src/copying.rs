//! 一键同步录入 (P5.3.2, issue 19.1) on the pages: 复制为新产品 /
//! 复制为新批次 open the new form filled from the source (its file kept
//! unless another is uploaded), a new batch of a product starts from its
//! latest batch, and a record copied shows where it came from.

use serde_json::Value;
use zhisu_domain::{FieldError, Principal, RecordKind};
use zhisu_service::RecordView;

use crate::forms::{Field, FormData};
use crate::{view, Lang, WebState};

/// The file field a copy of `kind` may keep from its source.
fn file_field(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Product => Some("instructions_file"),
        RecordKind::Batch => Some("inspection_report"),
        _ => None,
    }
}

/// How a product or batch is named on a page.
fn name_of(lang: Lang, record: &RecordView) -> String {
    match record.kind {
        RecordKind::Batch => format!("{} {}", lang.text("batch_no"), record.text("batch_no")),
        _ => format!("{} {}", record.text("product_name"), record.text("model")),
    }
}

/// A new form's fields filled from `template` (a copy of record `source`
/// of `kind`), the hidden `copied_from`, and the title's note naming the
/// source.
pub(crate) async fn fill(
    state: &WebState,
    lang: Lang,
    by: &Principal,
    kind: RecordKind,
    fields: crate::forms::Fields,
    template: &Value,
) -> (crate::forms::Fields, String) {
    let mut fields = fields.fill_from_json(template);
    let source = template["copied_from"].as_i64().unwrap_or(0);
    if let Some(name) = file_field(kind) {
        if let Some(file) = template.get(name).filter(|f| f.is_object()) {
            if let Some(field) = fields.0.iter_mut().find(|f| f.name == name) {
                field.required = false;
                field.hint = format!(
                    "{}{}",
                    lang.text("copied_file_hint"),
                    file["name"].as_str().unwrap_or("")
                );
            }
        }
    }
    fields
        .0
        .push(Field::hidden("copied_from", source.to_string()));
    let note = match state.service.read_record(by, kind, source).await {
        Ok(record) => format!(" · {}{}", lang.text("copy_of"), name_of(lang, &record)),
        Err(_) => String::new(),
    };
    (fields, note)
}

/// A posted new form's source: `copied_from` into `json`, and the source's
/// file when none was uploaded. A source that is not a number is a finding.
pub(crate) async fn carry_source(
    state: &WebState,
    by: &Principal,
    kind: RecordKind,
    form: &FormData,
    json: &mut Value,
    errors: &mut Vec<FieldError>,
) {
    let text = form.text("copied_from");
    if text.is_empty() {
        return;
    }
    let Ok(source) = text.parse::<i64>() else {
        errors.push(FieldError::new(
            "copied_from",
            "type",
            format!("复制来源“{text}”不是记录编号 ('{text}' is not a record number)"),
        ));
        return;
    };
    json["copied_from"] = source.into();
    let Some(name) = file_field(kind) else { return };
    if json.get(name).is_some() {
        return;
    }
    // The service checks the source again when the record is filed; a
    // source the filer may not copy keeps no file here.
    if let Ok(template) = state.service.copy_template(by, kind, source).await {
        if let Some(file) = template.get(name) {
            json[name] = file.clone();
        }
    }
}

/// The row 复制来源 of a record copied from another: the source's name,
/// linked; None when it names none.
pub(crate) async fn source_row(
    state: &WebState,
    lang: Lang,
    by: &Principal,
    record: &RecordView,
) -> Option<view::Row> {
    let source = record.body.get("copied_from")?.as_i64()?;
    let collection = match record.kind {
        RecordKind::Product => "products",
        RecordKind::Batch => "batches",
        _ => return None,
    };
    // A source the reader cannot see (gone): no row, never a bare number.
    let value = name_of(
        lang,
        &state
            .service
            .read_record(by, record.kind, source)
            .await
            .ok()?,
    );
    Some(view::Row {
        label: lang.text("copied_from").into(),
        value,
        link: Some(format!("/{collection}/{source}")),
    })
}
