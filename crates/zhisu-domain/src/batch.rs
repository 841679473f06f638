//! Batches: production date, batch number, quantity and the inspection
//! report (G5.1-product, P5.3.3.3).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::blob::BlobRef;
use crate::enterprise::{resolve_file, BlobInput};
use crate::product::TraceLevel;
use crate::validation::{optional_text, FieldError, Findings, Invalid};

/// The most items one batch may hold.
pub const MAX_BATCH_QUANTITY: u64 = 100_000_000;

/// Where a batch is in the P5.1 workflow. The codes issue adds review and
/// activation; filing starts every batch as a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BatchStatus {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Active,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Draft => "draft",
            BatchStatus::Submitted => "submitted",
            BatchStatus::Approved => "approved",
            BatchStatus::Rejected => "rejected",
            BatchStatus::Active => "active",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    pub product_id: Option<i64>,
    #[serde(default)]
    pub batch_no: String,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub production_date: String,
    pub quantity: Option<u64>,
    pub inspection_report: Option<BlobInput>,
    /// P5.3.3.2: publishing the inspection report is the producer's choice.
    #[serde(default)]
    pub inspection_report_public: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Batch {
    pub product_id: i64,
    pub enterprise_id: i64,
    /// 出厂编号/批次号 (a)
    pub batch_no: String,
    /// 生产日期 (a)
    pub production_date: NaiveDate,
    /// 数量: exact for 一物一码 and 组合多码, an estimate otherwise.
    pub quantity: Option<u64>,
    /// 出厂检验报告或型式检验报告 (a)
    pub inspection_report: BlobRef,
    pub inspection_report_public: bool,
    pub note: Option<String>,
    pub status: BatchStatus,
}

/// What a batch needs to know of its product.
#[derive(Debug, Clone, Copy)]
pub struct BatchContext {
    pub product_id: i64,
    pub enterprise_id: i64,
    pub trace_level: TraceLevel,
    pub today: NaiveDate,
}

impl BatchInput {
    pub fn validate(
        &self,
        ctx: BatchContext,
        resolve_blob: impl Fn(&str) -> Option<BlobRef>,
    ) -> Result<Batch, Invalid> {
        const C: &str = "G5.1-product";
        let mut findings = Findings::default();
        let batch_no = findings.required_text("batch_no", "批次号", C, &self.batch_no);
        if batch_no.chars().any(|c| c.is_control() || c == '/') {
            findings.push(FieldError::new("batch_no", "format", "批次号不能包含“/”或控制字符 (batch_no may not contain '/' or control characters)").clause(C));
        }
        let production_date = match NaiveDate::parse_from_str(
            self.production_date.trim(),
            "%Y-%m-%d",
        ) {
            Ok(d) if d > ctx.today => {
                findings.push(
                    FieldError::new(
                        "production_date",
                        "future",
                        format!("生产日期 {d} 晚于今天 (production_date {d} is in the future)"),
                    )
                    .clause("P5.4"),
                );
                d
            }
            Ok(d) => d,
            Err(_) if self.production_date.trim().is_empty() => {
                findings.push(FieldError::required("production_date", "生产日期", C));
                ctx.today
            }
            Err(_) => {
                findings.push(FieldError::new("production_date", "format", format!("生产日期“{}”不是有效日期，应为 YYYY-MM-DD (not a valid date; use YYYY-MM-DD)", self.production_date.trim())).clause(C));
                ctx.today
            }
        };
        match self.quantity {
            None if ctx.trace_level.exact_quantity() => findings.push(
                FieldError::new("quantity", "required", "一物一码和组合多码须填写准确数量 (an exact quantity is required for per-item and multi-code tracing)").clause("P5.3.3.3"),
            ),
            Some(0) => findings.push(FieldError::new("quantity", "range", "数量必须大于0 (quantity must be at least 1)").clause("P5.3.3.3")),
            Some(q) if q > MAX_BATCH_QUANTITY => findings.push(
                FieldError::new("quantity", "range", format!("数量不能超过{MAX_BATCH_QUANTITY} (quantity may be at most {MAX_BATCH_QUANTITY})")).clause("P5.3.3.3"),
            ),
            _ => {}
        }
        let inspection_report = resolve_file(
            &mut findings,
            "inspection_report",
            "出厂检验报告或型式检验报告",
            C,
            &self.inspection_report,
            &resolve_blob,
        );
        let batch = Batch {
            product_id: ctx.product_id,
            enterprise_id: ctx.enterprise_id,
            batch_no,
            production_date,
            quantity: self.quantity,
            inspection_report: inspection_report.unwrap_or(BlobRef {
                sha256: String::new(),
                content_type: String::new(),
                size: 0,
                name: String::new(),
            }),
            inspection_report_public: self.inspection_report_public,
            note: optional_text(&self.note),
            // Filing starts a draft; the workflow moves it on.
            status: BatchStatus::Draft,
        };
        findings.finish(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(level: TraceLevel) -> BatchContext {
        BatchContext {
            product_id: 1,
            enterprise_id: 2,
            trace_level: level,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        }
    }

    fn report(sha: &str) -> Option<BlobRef> {
        Some(BlobRef {
            sha256: sha.into(),
            content_type: "application/pdf".into(),
            size: 1,
            name: "r.pdf".into(),
        })
    }

    #[test]
    fn quantity_rules_follow_the_trace_level() {
        let input = BatchInput {
            batch_no: "B20261101".into(),
            production_date: "2026-11-01".into(),
            inspection_report: Some(BlobInput::Sha256("c".repeat(64))),
            ..Default::default()
        };
        assert!(input.validate(ctx(TraceLevel::PerBatch), report).is_ok());
        let err = input
            .validate(ctx(TraceLevel::PerItem), report)
            .unwrap_err();
        assert_eq!(err.0[0].field, "quantity");
        let huge = BatchInput {
            quantity: Some(1_000_000_000_000),
            ..input.clone()
        };
        assert_eq!(
            huge.validate(ctx(TraceLevel::PerItem), report)
                .unwrap_err()
                .0[0]
                .code,
            "range"
        );
    }

    #[test]
    fn dates_are_real_and_not_in_the_future() {
        let base = BatchInput {
            batch_no: "B1".into(),
            inspection_report: Some(BlobInput::Sha256("c".repeat(64))),
            ..Default::default()
        };
        for (date, code) in [
            ("2025-02-31", "format"),
            ("2027-01-01", "future"),
            ("250231", "format"),
            ("", "required"),
        ] {
            let input = BatchInput {
                production_date: date.into(),
                ..base.clone()
            };
            let err = input
                .validate(ctx(TraceLevel::PerBatch), report)
                .unwrap_err();
            assert_eq!(err.0[0].code, code, "{date}");
        }
    }
}
