//! Change requests (P4: 填报后不可随意篡改; issue 15.7): once a product's codes
//! are issued, the table-3 fields those codes show change only through a
//! request with a reason that a regulator of the product's region approves.
//! Fields the scan page does not show stay free to edit.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::product::Product;
use crate::validation::{FieldError, Invalid};

/// The product fields a scanned code shows (G5.3 table 3, row 2, the
/// product-level ones; the batch-level ones belong to the batch), with the
/// label the pages and the scan page use. `public::tests` keeps this list
/// and [`crate::public::PublicProduct`] in step.
pub const SHOWN_FIELDS: &[(&str, &str)] = &[
    ("product_name", "产品名称"),
    ("product_type", "产品类型"),
    ("model", "规格型号"),
    ("warranty_months", "质保期限"),
    ("mandatory_standards", "执行强制性国家标准"),
    ("production_licence_no", "工业产品生产许可证书编号"),
    ("ccc_cert_no", "强制性产品认证证书编号"),
    ("instructions", "使用说明书或警示说明"),
    ("instructions_file", "使用说明书文件"),
];

/// The label of a shown field, or None for a field codes do not show.
pub fn shown_label(field: &str) -> Option<&'static str> {
    SHOWN_FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, label)| *label)
}

/// What a manufacturer asks to change.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequestInput {
    /// A JSON merge patch (RFC 7396) of the shown fields, e.g.
    /// `{"product_name": "…"}`; other fields are edited directly.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub changes: Value,
    /// Why the fields change (required).
    #[serde(default)]
    pub reason: String,
}

impl ChangeRequestInput {
    /// The reason, trimmed, and the patch, checked to touch only shown
    /// fields (a field codes do not show is edited with PATCH instead).
    pub fn validate(&self) -> Result<(String, serde_json::Map<String, Value>), Invalid> {
        let mut findings = Vec::new();
        let reason = self.reason.trim().to_string();
        if reason.is_empty() {
            findings.push(FieldError::required("reason", "变更理由", "P4"));
        }
        let patch = match &self.changes {
            Value::Object(map) if !map.is_empty() => map.clone(),
            _ => {
                findings.push(
                    FieldError::new(
                        "changes",
                        "required",
                        "请填写要变更的字段 (changes: a JSON object of the fields to change)",
                    )
                    .clause("P4"),
                );
                serde_json::Map::new()
            }
        };
        for field in patch.keys() {
            if shown_label(field).is_none() {
                findings.push(
                    FieldError::new(
                        "changes",
                        "not-shown",
                        format!(
                            "“{field}”不是追溯码展示的字段，可直接修改，无需变更申请 ('{field}' is not shown by the codes: edit it directly; a change request takes only {})",
                            SHOWN_FIELDS.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")
                        ),
                    )
                    .clause("P4"),
                );
            }
        }
        if findings.is_empty() {
            Ok((reason, patch))
        } else {
            Err(Invalid(findings))
        }
    }
}

/// A regulator's decision on a pending request.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDecision {
    /// true approves (the product changes), false rejects.
    pub approve: bool,
    /// Required when rejecting: what the manufacturer is told.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeStatus {
    Pending,
    Approved,
    Rejected,
}

impl ChangeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeStatus::Pending => "pending",
            ChangeStatus::Approved => "approved",
            ChangeStatus::Rejected => "rejected",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ChangeStatus::Pending => "待审核",
            ChangeStatus::Approved => "已批准",
            ChangeStatus::Rejected => "已驳回",
        }
    }
}

/// One shown field's value before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub label: String,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
}

/// A stored change request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeRequest {
    pub enterprise_id: i64,
    pub product_id: i64,
    pub reason: String,
    pub changes: Vec<FieldChange>,
    pub status: ChangeStatus,
    /// The actor who asked (`user:{id}` or `key:{id}`).
    pub requested_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// The regulator's note (required when rejecting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_note: Option<String>,
}

/// An approved change, kept on the product so every scan of its codes says
/// what changed and when without another read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Amendment {
    /// The fields changed (names from [`SHOWN_FIELDS`]).
    pub fields: Vec<String>,
    /// When the regulator approved it (RFC 3339, UTC).
    pub at: String,
    /// The change request that approved it.
    pub request_id: i64,
}

/// The shown fields whose values differ between two versions of a product.
pub fn shown_changes(before: &Product, after: &Product) -> Vec<FieldChange> {
    let before = serde_json::to_value(before).unwrap_or_default();
    let after = serde_json::to_value(after).unwrap_or_default();
    SHOWN_FIELDS
        .iter()
        .filter_map(|(field, label)| {
            let b = before.get(field).cloned().unwrap_or(Value::Null);
            let a = after.get(field).cloned().unwrap_or(Value::Null);
            (b != a).then(|| FieldChange {
                field: field.to_string(),
                label: label.to_string(),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// The refusal of a direct edit of shown fields once codes are issued: one
/// finding per field, beside it on the form.
pub fn needs_request(changes: &[FieldChange]) -> Invalid {
    Invalid(
        changes
            .iter()
            .map(|c| {
                FieldError::new(
                    &c.field,
                    "change-request",
                    format!(
                        "产品已发码，“{}”是追溯码展示的信息，须提交变更申请，经监管部门批准后生效 (codes are issued: '{}' changes only through a change request, POST /api/v1/products/{{id}}/change-requests)",
                        c.label, c.field
                    ),
                )
                .clause("P4")
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_needs_a_reason_and_only_shown_fields() {
        let input = ChangeRequestInput {
            changes: json!({"product_name": "新名称", "materials": "铜"}),
            reason: "  ".into(),
        };
        let err = input.validate().unwrap_err();
        let codes: Vec<_> = err
            .0
            .iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(codes, [("reason", "required"), ("changes", "not-shown")]);
        assert!(
            err.0[1].message.contains("materials"),
            "{}",
            err.0[1].message
        );

        let empty = ChangeRequestInput {
            changes: json!({}),
            reason: "证书换发".into(),
        };
        assert_eq!(empty.validate().unwrap_err().0[0].field, "changes");

        let ok = ChangeRequestInput {
            changes: json!({"model": "BV-2.5"}),
            reason: " 证书换发 ".into(),
        };
        let (reason, patch) = ok.validate().unwrap();
        assert_eq!(reason, "证书换发");
        assert_eq!(patch["model"], "BV-2.5");
    }

    #[test]
    fn a_status_has_a_chinese_label() {
        for s in [
            ChangeStatus::Pending,
            ChangeStatus::Approved,
            ChangeStatus::Rejected,
        ] {
            let json = serde_json::to_value(s).unwrap();
            assert_eq!(json, s.as_str());
            assert!(!s.label_zh().is_ascii());
        }
    }
}
