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
    /// Codes held by a regulator's disposal: not valid until unfrozen.
    Frozen,
    /// Codes withdrawn for good (misprint, disposal): never valid again.
    Voided,
}

impl BatchStatus {
    pub const ALL: [BatchStatus; 7] = [
        BatchStatus::Draft,
        BatchStatus::Submitted,
        BatchStatus::Approved,
        BatchStatus::Rejected,
        BatchStatus::Active,
        BatchStatus::Frozen,
        BatchStatus::Voided,
    ];

    pub fn parse(s: &str) -> Option<BatchStatus> {
        BatchStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The status as a Chinese sentence says it (issue 15.8: no English
    /// status words inside Chinese messages).
    pub fn label_zh(self) -> &'static str {
        match self {
            BatchStatus::Draft => "草稿",
            BatchStatus::Submitted => "待审核",
            BatchStatus::Approved => "已审核通过",
            BatchStatus::Rejected => "已退回",
            BatchStatus::Active => "已激活",
            BatchStatus::Frozen => "已冻结",
            BatchStatus::Voided => "已作废",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Draft => "draft",
            BatchStatus::Submitted => "submitted",
            BatchStatus::Approved => "approved",
            BatchStatus::Rejected => "rejected",
            BatchStatus::Active => "active",
            BatchStatus::Frozen => "frozen",
            BatchStatus::Voided => "voided",
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
    /// 原辅材料/零部件: the raw-material or component lots this batch was
    /// made from, for the backward trace of a recall (P6.4).
    #[serde(default)]
    pub inputs: Vec<MaterialLot>,
    /// 一键同步录入 (P5.3.2): the batch this one was copied from.
    pub copied_from: Option<i64>,
}

/// One raw-material or component lot that went into a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialLot {
    /// 原料或零部件名称
    #[serde(default)]
    pub name: String,
    /// 供应商
    pub supplier: Option<String>,
    /// 供应商批号
    pub lot: Option<String>,
    /// Its trace code when it was filed on this platform (a lot or item
    /// code): the backward trace follows it to its producer.
    pub code: Option<String>,
}

/// What of a batch may still change once it is active or frozen (P5.7,
/// P7.1.2, issue 19.7): its optional information. What it was filed and
/// coded with (number, date, quantity, report, product) stays fixed (P4).
pub const AMENDABLE_WHEN_ACTIVE: &[&str] = &["note", "inspection_report_public", "inputs"];

/// The most input lots one batch may name.
pub const MAX_INPUTS: usize = 200;

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
    /// What the automatic check asked a reviewer to look at (P5.5).
    #[serde(default)]
    pub review_notes: Vec<String>,
    /// The last review decision.
    #[serde(default)]
    pub review: Option<ReviewDecision>,
    /// When the batch was activated and its codes came to exist.
    #[serde(default)]
    pub activated_at: Option<String>,
    /// The last freeze, unfreeze or void, with its reason.
    #[serde(default)]
    pub disposal: Option<Disposal>,
    /// The raw-material and component lots it was made from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<MaterialLot>,
    /// 一键同步录入 (P5.3.2): the batch this one was copied from; set when
    /// it is filed, never by an edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copied_from: Option<i64>,
    /// P5.3.3.3: each later production day's exact quantity, reported once
    /// the batch is active (`quantity` is their sum with the first day's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<crate::production_days::ProductionDay>,
}

/// A freeze, unfreeze or void of a batch's codes (data verification and
/// disposal, 000 §5): who, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Disposal {
    pub action: BatchAction,
    pub by: String,
    pub at: String,
    pub reason: String,
}

/// A reviewer's (or the automatic check's) decision on a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewDecision {
    pub approved: bool,
    /// `system` for automatic approval, else the reviewer's actor.
    pub by: String,
    pub at: String,
    pub reason: Option<String>,
}

/// A step of the P5.1/P5.5 workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BatchAction {
    Submit,
    Approve,
    Reject,
    Activate,
    Freeze,
    Unfreeze,
    Void,
}

impl BatchStatus {
    /// The status an action leads to, or why it cannot be taken now.
    /// Submit leads to `submitted`; the service approves clean batches at once.
    pub fn after(self, action: BatchAction) -> Result<BatchStatus, String> {
        use BatchAction::*;
        use BatchStatus::*;
        match (self, action) {
            (Draft | Rejected, Submit) => Ok(Submitted),
            (Submitted, Approve) => Ok(Approved),
            (Submitted, Reject) => Ok(Rejected),
            (Approved, Activate) => Ok(Active),
            (Active, Freeze) => Ok(Frozen),
            (Frozen, Unfreeze) => Ok(Active),
            (Active | Frozen, Void) => Ok(Voided),
            (status, action) => Err(format!(
                "批次{}，不能{} (a {} batch cannot be {})",
                status.label_zh(),
                match action {
                    Submit => "提交审核",
                    Approve => "审核通过",
                    Reject => "退回",
                    Activate => "激活",
                    Freeze => "冻结",
                    Unfreeze => "解冻",
                    Void => "作废",
                },
                status.as_str(),
                match action {
                    Submit => "submitted",
                    Approve => "approved",
                    Reject => "rejected",
                    Activate => "activated",
                    Freeze => "frozen",
                    Unfreeze => "unfrozen",
                    Void => "voided",
                }
            )),
        }
    }

    /// Filed data may change only before the batch is submitted (P4, P5.7).
    pub fn editable(self) -> bool {
        matches!(self, BatchStatus::Draft | BatchStatus::Rejected)
    }
}

/// P5.4: the check a batch passes on submission. Findings block it;
/// notes send it to a reviewer instead of approving it at once.
pub fn submission_check(
    product: &crate::Product,
    batch: &Batch,
    today: NaiveDate,
) -> (Vec<FieldError>, Vec<String>) {
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    if product.paused {
        findings.push(
            FieldError::new(
                "product_id",
                "paused",
                "产品已暂停，不能提交批次 (the product is paused; its batches cannot be submitted)",
            )
            .clause("P5.3.3.2"),
        );
    }
    if product.scheme_code().is_none() {
        let (field, message) = match product.code_scheme {
            crate::CodeScheme::Gs1 => ("gtin", "GS1 编码方案的产品须先填写 GTIN (a product under the GS1 scheme needs its GTIN before codes can be issued)"),
            crate::CodeScheme::Ecode => ("scheme_code", "Ecode 编码方案的产品须先填写其 Ecode (a product under the Ecode scheme needs the Ecode its registry allocated before codes can be issued)"),
            crate::CodeScheme::DigitalId => ("scheme_code", "数字身份码方案的产品须先填写其数字身份码 (a product under the digital identity scheme needs its identity code before codes can be issued)"),
            crate::CodeScheme::Ccc => ("ccc_cert_no", "CCC 证书码方案的产品须先填写 CCC 证书编号 (a product under the CCC scheme needs its CCC certificate number before codes can be issued)"),
        };
        findings.push(FieldError::new(field, "required", message).clause("P5.2.1"));
    }
    if product.trace_level.exact_quantity() && batch.quantity.is_none() {
        findings.push(
            FieldError::new(
                "quantity",
                "required",
                "一物一码和组合多码须填写准确数量 (an exact quantity is required)",
            )
            .clause("P5.3.3.3"),
        );
    }
    if batch.production_date > today {
        findings.push(
            FieldError::new(
                "production_date",
                "future",
                "生产日期晚于今天 (the production date is in the future)",
            )
            .clause("P5.4"),
        );
    }
    if (today - batch.production_date).num_days() > 365 {
        notes.push(format!("生产日期 {} 距今超过一年，请核实及时性 (produced more than a year ago: check timeliness, P4)", batch.production_date));
    }
    if batch.quantity.is_some_and(|q| q > 10_000_000) {
        notes.push(
            "数量超过一千万，请核实 (more than ten million items: check the quantity)".to_string(),
        );
    }
    (findings, notes)
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
        if self.inputs.len() > MAX_INPUTS {
            findings.push(FieldError::new(
                "inputs",
                "too-many",
                format!("最多 {MAX_INPUTS} 个原料批次 (at most {MAX_INPUTS} input lots)"),
            ));
        }
        let mut inputs = Vec::new();
        for (i, input) in self.inputs.iter().enumerate() {
            let name = input.name.trim();
            if name.is_empty() {
                findings.push(FieldError::required(
                    &format!("inputs[{i}].name"),
                    "原料名称",
                    "G5.1-product",
                ));
            }
            let code = optional_text(&input.code);
            if let Some(c) = &code {
                if zhisu_codes::gs1::DigitalLink::parse(
                    c,
                    zhisu_codes::gs1::DlOptions {
                        permit_zero_suppressed_gtin: true,
                        ..Default::default()
                    },
                )
                .is_err()
                {
                    findings.push(FieldError::new(
                        &format!("inputs[{i}].code"),
                        "format",
                        "应为追溯码（GS1 数字链接）(must be a trace code: a GS1 Digital Link URI)",
                    ));
                }
            }
            inputs.push(MaterialLot {
                name: name.to_string(),
                supplier: optional_text(&input.supplier),
                lot: optional_text(&input.lot),
                code,
            });
        }
        let batch = Batch {
            inputs,
            copied_from: self.copied_from,
            days: Vec::new(),
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
            review_notes: vec![],
            review: None,
            activated_at: None,
            disposal: None,
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
    fn the_workflow_only_moves_forward() {
        use BatchAction::*;
        use BatchStatus::*;
        assert_eq!(Draft.after(Submit), Ok(Submitted));
        assert_eq!(Rejected.after(Submit), Ok(Submitted));
        assert_eq!(Submitted.after(Approve), Ok(Approved));
        assert_eq!(Submitted.after(Reject), Ok(Rejected));
        assert_eq!(Approved.after(Activate), Ok(Active));
        assert_eq!(Active.after(Freeze), Ok(Frozen));
        assert_eq!(Frozen.after(Unfreeze), Ok(Active));
        assert_eq!(Active.after(Void), Ok(Voided));
        assert_eq!(Frozen.after(Void), Ok(Voided));
        for (status, action) in [
            (Draft, Activate),
            (Draft, Approve),
            (Submitted, Activate),
            (Active, Submit),
            (Approved, Submit),
            (Rejected, Activate),
            (Approved, Freeze),
            (Draft, Void),
            (Active, Unfreeze),
            (Voided, Unfreeze),
            (Voided, Activate),
            (Frozen, Activate),
        ] {
            assert!(status.after(action).is_err(), "{status:?} {action:?}");
        }
        assert!(
            Draft.editable()
                && Rejected.editable()
                && !Submitted.editable()
                && !Active.editable()
                && !Frozen.editable()
        );
    }

    #[test]
    fn input_lots_need_a_name_and_a_real_code() {
        let base = BatchInput {
            batch_no: "B1".into(),
            production_date: "2026-01-02".into(),
            inspection_report: Some(BlobInput::Sha256("c".repeat(64))),
            ..Default::default()
        };
        let good = BatchInput {
            inputs: vec![MaterialLot {
                name: " 电解铜杆 ".into(),
                supplier: Some("江西铜业".into()),
                lot: Some("CU-1".into()),
                code: Some("https://x.example/01/06901234567892/10/CU1".into()),
            }],
            ..base.clone()
        };
        let batch = good.validate(ctx(TraceLevel::PerBatch), report).unwrap();
        assert_eq!(batch.inputs[0].name, "电解铜杆");
        let bad = BatchInput {
            inputs: vec![MaterialLot {
                name: "".into(),
                code: Some("not a code".into()),
                ..Default::default()
            }],
            ..base
        };
        let fields: Vec<String> = bad
            .validate(ctx(TraceLevel::PerBatch), report)
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["inputs[0].name", "inputs[0].code"]);
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
