//! 一键同步录入 (P5.3.2, issue 19.1): a product or batch as the start of a
//! new one. The new record's form opens filled with everything of the
//! source but what identifies it or dates it, and what only the workflow
//! or a reviewer sets; the new record names its source in `copied_from`.

use serde_json::Value;

use crate::RecordKind;

/// What a product's copy leaves out: its identifiers (model, codes,
/// registration numbers), who files it, and what the workflow and
/// reviewers set.
pub const PRODUCT_LEFT_OUT: &[&str] = &[
    "enterprise_id",
    "model",
    "gtin",
    "scheme_code",
    "registrations",
    "paused",
    "amended",
    "review",
    "copied_from",
];

/// What a batch's copy leaves out: its number and date, and what the
/// workflow and reviewers set.
pub const BATCH_LEFT_OUT: &[&str] = &[
    "enterprise_id",
    "batch_no",
    "production_date",
    "status",
    "review_notes",
    "review",
    "activated_at",
    "disposal",
    "copied_from",
    "days",
];

/// The fields a copy of `kind` leaves out; None for a kind that is not
/// copied.
pub fn left_out(kind: RecordKind) -> Option<&'static [&'static str]> {
    match kind {
        RecordKind::Product => Some(PRODUCT_LEFT_OUT),
        RecordKind::Batch => Some(BATCH_LEFT_OUT),
        _ => None,
    }
}

/// The start of a new record copied from the stored `body` of record
/// `source` of `kind`: its fields but those left out, and `copied_from`.
/// None for a kind that is not copied.
pub fn template(kind: RecordKind, source: i64, body: &Value) -> Option<Value> {
    let left_out = left_out(kind)?;
    let mut copy = body.clone();
    let map = copy.as_object_mut()?;
    // A batch made over days (P5.3.3.3) starts the copy with its first
    // day's quantity, not the run's total.
    let later: u64 = map
        .get("days")
        .and_then(|d| d.as_array())
        .map(|days| days.iter().filter_map(|d| d["quantity"].as_u64()).sum())
        .unwrap_or(0);
    if later > 0 {
        if let Some(total) = map.get("quantity").and_then(|q| q.as_u64()) {
            map.insert("quantity".into(), total.saturating_sub(later).into());
        }
    }
    map.retain(|field, value| !left_out.contains(&field.as_str()) && !value.is_null());
    map.insert("copied_from".into(), source.into());
    Some(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Batch, Product};

    fn stored_fields<T: serde::de::DeserializeOwned + serde::Serialize>(
        body: Value,
    ) -> Vec<String> {
        let typed: T = serde_json::from_value(body).expect("a stored body");
        let mut value = serde_json::to_value(typed).unwrap();
        // Fields left out of a body when empty are fields all the same.
        for (field, filled) in [
            ("registrations", serde_json::json!([])),
            ("amended", serde_json::json!([])),
            ("review", Value::Null),
            ("scheme_code", Value::Null),
            ("copied_from", Value::Null),
            ("days", serde_json::json!([])),
        ] {
            value
                .as_object_mut()
                .unwrap()
                .entry(field)
                .or_insert(filled);
        }
        value.as_object().unwrap().keys().cloned().collect()
    }

    fn product_body() -> Value {
        serde_json::json!({
            "enterprise_id": 3, "product_name": "家用燃气灶", "product_type": "嵌入式",
            "model": "JZT-2", "category": "gas-appliance", "brand": "粤华", "honours": [],
            "mandatory_standards": ["GB 16410-2020"], "production_licence_no": null,
            "ccc_cert_no": "2026000000000001", "warranty_months": 36, "instructions": null,
            "instructions_file": null, "materials": "不锈钢", "functions": null,
            "performance": null, "code_scheme": "gs1", "trace_level": "per-item",
            "gtin": "06900000000076", "label_template": null, "paused": false,
            "registrations": [{"platform": "guangdong", "number": "GD-1"}],
            "review": {"class": "compliant", "reason": "齐全", "by": "user:1", "at": "2026-10-01T02:00:00Z"},
            "copied_from": 9
        })
    }

    fn batch_body() -> Value {
        serde_json::json!({
            "product_id": 9, "enterprise_id": 3, "batch_no": "B1", "production_date": "2026-10-01",
            "quantity": 100,
            "inspection_report": {"sha256": "ab", "content_type": "application/pdf", "size": 1, "name": "r.pdf"},
            "inspection_report_public": true, "note": "夜班", "status": "active",
            "review_notes": [], "review": null, "activated_at": "2026-10-02T02:00:00Z",
            "disposal": null
        })
    }

    /// Every field a copy leaves out is a field of its kind: a field renamed
    /// in the type and not here would be copied unnoticed.
    #[test]
    fn each_field_left_out_is_a_field_of_its_kind() {
        let product = stored_fields::<Product>(product_body());
        for field in PRODUCT_LEFT_OUT {
            assert!(
                product.contains(&field.to_string()),
                "product has no {field}"
            );
        }
        let batch = stored_fields::<Batch>(batch_body());
        for field in BATCH_LEFT_OUT {
            assert!(batch.contains(&field.to_string()), "batch has no {field}");
        }
    }

    #[test]
    fn a_copy_keeps_what_describes_and_drops_what_identifies() {
        let copy = template(RecordKind::Product, 41, &product_body()).unwrap();
        assert_eq!(copy["product_name"], "家用燃气灶");
        assert_eq!(copy["ccc_cert_no"], "2026000000000001");
        assert_eq!(copy["mandatory_standards"][0], "GB 16410-2020");
        assert_eq!(
            copy["copied_from"], 41,
            "names its source, not the source's"
        );
        for gone in ["model", "gtin", "registrations", "review", "enterprise_id"] {
            assert!(copy.get(gone).is_none(), "{gone} copied");
        }
        let copy = template(RecordKind::Batch, 7, &batch_body()).unwrap();
        assert_eq!(copy["product_id"], 9);
        assert_eq!(copy["quantity"], 100);
        assert_eq!(copy["inspection_report"]["sha256"], "ab");
        assert_eq!(copy["copied_from"], 7);
        for gone in ["batch_no", "production_date", "status", "activated_at"] {
            assert!(copy.get(gone).is_none(), "{gone} copied");
        }
        assert!(template(RecordKind::Flow, 1, &batch_body()).is_none());
        // A run over days: the first day's quantity, not the total.
        let mut run = batch_body();
        run["quantity"] = 160.into();
        run["days"] = serde_json::json!([{"day": "2026-10-02", "quantity": 60, "first_index": 100,
            "by": "user:1", "at": "2026-10-02T10:00:00Z"}]);
        let copy = template(RecordKind::Batch, 7, &run).unwrap();
        assert_eq!(copy["quantity"], 100);
        assert!(copy.get("days").is_none());
    }
}
