//! The P5.1/P5.5 workflow (submit → check → approve or review → activate)
//! and the codes an active batch has: computed, never stored (G6.1.1).

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;
use zhisu_codes::serial::SerialCodec;
use zhisu_domain::auth::Tenancy;
use zhisu_domain::{
    submission_check, Batch, BatchAction, BatchStatus, CodeScheme, EnterpriseKind, Invalid,
    Principal, Product, RecordKind, ReviewDecision, TraceLevel,
};
use zhisu_store::format_time;

use crate::records::{audit, batch_index, to_body, RecordView};
use crate::{Service, ServiceError, ServiceResult};

/// How exported codes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CodeFormat {
    /// One code per line, for inkjet coders (喷码机).
    Txt,
    /// `index,code` with a header line, for MES systems.
    Csv,
    /// One ZPL label per code, for industrial label printers.
    Zpl,
}

impl CodeFormat {
    /// `txt`, `csv` or `zpl`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "txt" => Some(CodeFormat::Txt),
            "csv" => Some(CodeFormat::Csv),
            "zpl" => Some(CodeFormat::Zpl),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            CodeFormat::Txt => "txt",
            CodeFormat::Csv => "csv",
            CodeFormat::Zpl => "zpl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            CodeFormat::Txt => "text/plain; charset=utf-8",
            CodeFormat::Csv => "text/csv; charset=utf-8",
            CodeFormat::Zpl => "application/x-zpl; charset=utf-8",
        }
    }
}

/// Everything needed to write an active batch's codes.
#[derive(Clone)]
pub struct CodePlan {
    pub batch_id: i64,
    pub batch_no: String,
    pub product_name: String,
    pub trace_level: TraceLevel,
    pub model: String,
    /// The product's label layout (G6.2), or the default.
    pub template: zhisu_print::LabelTemplate,
    /// How many codes the batch has.
    pub count: u64,
    /// `https://…/01/{gtin}` or `https://…/c/{code}`: every code starts with it.
    prefix: String,
    serials: Arc<SerialCodec>,
}

impl CodePlan {
    /// Appends the code of item `index` (0-based).
    pub fn code_into(&self, index: u64, out: &mut String) {
        out.push_str(&self.prefix);
        if matches!(
            self.trace_level,
            TraceLevel::PerItem | TraceLevel::MultiCode
        ) {
            out.push_str("/21/");
            self.serials
                .encode_into(self.batch_id as u64, index, out)
                .expect("batch IDs and indexes are in range");
        }
    }

    /// The batch as an EPCIS class: `…/01/{gtin}/10/{lot}` or
    /// `…/c/{code}/10/{lot}` (一批一码: the batch's one code).
    pub fn lot_class(&self) -> String {
        if self.trace_level == TraceLevel::PerBatch {
            return self.prefix.clone();
        }
        format!(
            "{}/10/{}",
            self.prefix,
            zhisu_codes::gs1::digital_link::percent_encode(&self.batch_no)
        )
    }

    /// The human-readable lines printed beside a code's symbol.
    pub fn label_lines(&self, index: u64) -> Vec<String> {
        let mut lines = vec![
            format!("{} {}", self.product_name, self.model),
            format!("批次 {}", self.batch_no),
        ];
        if matches!(
            self.trace_level,
            TraceLevel::PerItem | TraceLevel::MultiCode
        ) {
            let code = self.code(index);
            lines.push(code.rsplit('/').next().unwrap_or("").to_string());
            lines.push(format!("No. {}", index + 1));
        }
        lines
    }

    /// A4 label sheets for codes `from..to` (P5.6, G6.2).
    pub fn labels_pdf(
        &self,
        from: u64,
        to: u64,
        template: &zhisu_print::LabelTemplate,
    ) -> Result<Vec<u8>, ServiceError> {
        let labels: Vec<zhisu_print::Label> = (from..to.min(self.count))
            .map(|i| zhisu_print::Label {
                code: self.code(i),
                lines: self.label_lines(i),
            })
            .collect();
        zhisu_print::label_sheet_pdf(template, &labels)
            .map_err(|e| ServiceError::BadRequest(e.to_string()))
    }

    /// Codes `from..to` (clamped to the batch) in `format`, rendered lazily
    /// in chunks of 16,384 codes: what a download streams.
    pub fn chunks(
        self,
        from: u64,
        to: u64,
        format: CodeFormat,
    ) -> impl Iterator<Item = String> + Send {
        const CHUNK: u64 = 16_384;
        let to = to.min(self.count);
        (from..to).step_by(CHUNK as usize).map(move |start| {
            let mut out = String::with_capacity(CHUNK as usize * 72);
            self.write(start, (start + CHUNK).min(to), format, &mut out);
            out
        })
    }

    pub fn code(&self, index: u64) -> String {
        let mut out = String::new();
        self.code_into(index, &mut out);
        out
    }

    /// Writes codes `from..to` (clamped to the batch) in `format`; a CSV
    /// starts with its header only when `from` is 0.
    pub fn write(&self, from: u64, to: u64, format: CodeFormat, out: &mut String) {
        let to = to.min(self.count);
        if format == CodeFormat::Csv && from == 0 {
            out.push_str("index,code\n");
        }
        // One ZPL job a call: each chunk stores its shared text graphics once.
        let mut zpl = zhisu_print::ZplJob::new();
        for index in from..to {
            if format == CodeFormat::Zpl {
                zpl.label(&self.code(index), &self.label_lines(index), out);
                continue;
            }
            if format == CodeFormat::Csv {
                let _ = write!(out, "{index},");
            }
            self.code_into(index, out);
            out.push('\n');
        }
    }
}

/// What a scanned code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyStatus {
    /// Issued by this platform for an active batch.
    Genuine,
    /// Issued here for an active batch, but no regulator has yet checked
    /// who its producer is (issue 16.11): not to be called genuine.
    Unverified,
    /// A well-formed code this platform never issued.
    Unknown,
    /// A serial or lot never issued under a product filed here: a
    /// suspected counterfeit of that product (issue 15.6).
    Suspect,
    /// The batch exists but is not active (draft, in review, rejected).
    NotActive,
    /// Held by a regulator's disposal.
    Frozen,
    /// Withdrawn for good.
    Voided,
    /// Covered by an open recall (P6.4).
    Recalled,
    /// Not a code at all.
    Invalid,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub status: VerifyStatus,
    pub product_id: Option<i64>,
    pub batch_id: Option<i64>,
    /// The item's position in its batch (一物一码).
    pub index: Option<u64>,
    pub message: String,
}

impl Verification {
    pub(crate) fn of(status: VerifyStatus, message: impl Into<String>) -> Self {
        Verification {
            status,
            product_id: None,
            batch_id: None,
            index: None,
            message: message.into(),
        }
    }
}

impl Service {
    pub(crate) async fn batch_and_product(
        &self,
        by: &Principal,
        id: i64,
    ) -> ServiceResult<(RecordView, Batch, Product)> {
        let record = self.read_record(by, RecordKind::Batch, id).await?;
        let batch: Batch = record.typed()?;
        let product = self
            .store
            .get_record(RecordKind::Product, batch.product_id)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("batch {id} has no product")))?;
        let product: Product = serde_json::from_value(product.body)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok((record, batch, product))
    }

    pub(crate) async fn store_batch(
        &self,
        by: &Principal,
        record: &RecordView,
        batch: &Batch,
        action: &str,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let enterprise = self
            .store
            .get_record(RecordKind::Enterprise, record.enterprise_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("enterprise".into()))?;
        let stored = self
            .store
            .update_record(
                RecordKind::Batch,
                record.id,
                Some(record.version),
                batch_index(batch, &enterprise.region_code),
                to_body(batch)?,
                audit(by, action, ip),
            )
            .await?;
        self.record_changed(RecordKind::Batch, record.id);
        // Submitted, it waits in the review queue; reviewed, it leaves it.
        self.note_queue(RecordKind::Batch, record.id).await;
        Ok(stored.into())
    }

    fn step(batch: &mut Batch, action: BatchAction) -> ServiceResult<()> {
        batch.status = batch.status.after(action).map_err(ServiceError::Conflict)?;
        Ok(())
    }

    /// Submits a draft (or rejected) batch: the automatic check of P5.4
    /// runs; findings refuse it; a clean batch is approved at once, one
    /// with notes (or every batch, with `manual_review`) waits for review.
    pub async fn submit_batch(
        &self,
        by: &Principal,
        id: i64,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let (record, mut batch, product) = self.batch_and_product(by, id).await?;
        self.manufacturer_for(by, Some(record.enterprise_id))
            .await?;
        Self::step(&mut batch, BatchAction::Submit)?;
        let today = Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .date_naive();
        let (findings, notes) = submission_check(&product, &batch, today);
        if !findings.is_empty() {
            return Err(Invalid(findings).into());
        }
        batch.review_notes = notes;
        if batch.review_notes.is_empty() && !self.settings.manual_review {
            Self::step(&mut batch, BatchAction::Approve)?;
            batch.review = Some(ReviewDecision {
                approved: true,
                by: "system".into(),
                at: format_time(Utc::now()),
                reason: Some("自动审核通过 (passed the automatic check)".into()),
            });
        }
        self.store_batch(by, &record, &batch, "batch.submit", ip)
            .await
    }

    /// A reviewer approves or rejects a submitted batch; a rejection needs a reason.
    pub async fn review_batch(
        &self,
        by: &Principal,
        id: i64,
        approve: bool,
        reason: Option<String>,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let (record, mut batch, _) = self.batch_and_product(by, id).await?;
        let enterprise = self
            .read_record(by, RecordKind::Enterprise, record.enterprise_id)
            .await?;
        if !by.can_review(Tenancy {
            enterprise_id: record.enterprise_id,
            region_code: enterprise.text("region_code"),
        }) {
            return Err(ServiceError::Forbidden("只有辖区监管人员或平台管理员可以审核 (only the region's regulators or the platform operator review batches)".into()));
        }
        let reason = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        if !approve && reason.is_none() {
            return Err(Invalid(vec![zhisu_domain::FieldError::new(
                "reason",
                "required",
                "驳回须说明理由 (a rejection needs a reason)",
            )
            .clause("P5.5")])
            .into());
        }
        Self::step(
            &mut batch,
            if approve {
                BatchAction::Approve
            } else {
                BatchAction::Reject
            },
        )?;
        batch.review = Some(ReviewDecision {
            approved: approve,
            by: by.actor.clone(),
            at: format_time(Utc::now()),
            reason,
        });
        self.store_batch(
            by,
            &record,
            &batch,
            if approve {
                "batch.approve"
            } else {
                "batch.reject"
            },
            ip,
        )
        .await
    }

    /// The manufacturer activates an approved batch: its codes exist from now on.
    pub async fn activate_batch(
        &self,
        by: &Principal,
        id: i64,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let (record, mut batch, _) = self.batch_and_product(by, id).await?;
        self.manufacturer_for(by, Some(record.enterprise_id))
            .await?;
        Self::step(&mut batch, BatchAction::Activate)?;
        // 暂停赋码 (V6-dispose): an open case stops new codes of its products.
        if let Some(case) = self
            .codes_suspended_by(record.enterprise_id, batch.product_id)
            .await?
        {
            return Err(ServiceError::Conflict(format!(
                "案件 #{case} 处置期间暂停赋码，结案后才能激活 (open case {case} suspends new codes of this product until it is closed)"
            )));
        }
        batch.activated_at = Some(format_time(Utc::now()));
        let view = self
            .store_batch(by, &record, &batch, "batch.activate", ip)
            .await?;
        if let Ok(plan) = self.code_plan(by, id).await {
            let event = crate::epcis::own::commissioning(&plan.lot_class(), plan.count);
            self.emit_event(by, record.enterprise_id, event).await;
        }
        Ok(view)
    }

    /// Freezes, unfreezes or voids an active batch's codes (disposal, 000
    /// §5). Regulators of the region and the platform operator may do all
    /// three; the manufacturer may void its own batch. A reason is required.
    pub async fn dispose_batch(
        &self,
        by: &Principal,
        id: i64,
        action: BatchAction,
        reason: &str,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let (record, mut batch, _) = self.batch_and_product(by, id).await?;
        let enterprise = self
            .read_record(by, RecordKind::Enterprise, record.enterprise_id)
            .await?;
        let reviewer = by.can_review(Tenancy {
            enterprise_id: record.enterprise_id,
            region_code: enterprise.text("region_code"),
        });
        let owner_voids = action == BatchAction::Void
            && self
                .manufacturer_for(by, Some(record.enterprise_id))
                .await
                .is_ok();
        if !matches!(
            action,
            BatchAction::Freeze | BatchAction::Unfreeze | BatchAction::Void
        ) {
            return Err(ServiceError::BadRequest(format!(
                "{action:?} is not a disposal"
            )));
        }
        if !(reviewer || owner_voids) {
            return Err(ServiceError::Forbidden("只有辖区监管人员或平台管理员可以冻结或解冻；生产企业只能作废自己的批次 (only the region's regulators or the platform operator freeze and unfreeze; a manufacturer may only void its own batch)".into()));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Invalid(vec![zhisu_domain::FieldError::new(
                "reason",
                "required",
                "处置须说明理由 (a disposal needs a reason)",
            )])
            .into());
        }
        Self::step(&mut batch, action)?;
        batch.disposal = Some(zhisu_domain::batch::Disposal {
            action,
            by: by.actor.clone(),
            at: format_time(Utc::now()),
            reason: reason.to_string(),
        });
        let name = match action {
            BatchAction::Freeze => "batch.freeze",
            BatchAction::Unfreeze => "batch.unfreeze",
            _ => "batch.void",
        };
        self.store_batch(by, &record, &batch, name, ip).await
    }

    /// The codes of an active batch, for its manufacturer (P5.5, P5.6).
    pub async fn code_plan(&self, by: &Principal, id: i64) -> ServiceResult<CodePlan> {
        let (record, batch, product) = self.batch_and_product(by, id).await?;
        if !by.is_admin()
            && !by.can_file_products(record.enterprise_id, EnterpriseKind::Manufacturer)
        {
            return Err(ServiceError::Forbidden(
                "只有生产企业可以下载追溯码 (only the manufacturer downloads its codes)".into(),
            ));
        }
        if batch.status != BatchStatus::Active {
            return Err(ServiceError::Conflict(format!(
                "批次{}，激活后才有追溯码 (the batch is {}: codes exist only once it is active)",
                batch.status.label_zh(),
                batch.status.as_str()
            )));
        }
        let path = product.code_path().ok_or_else(|| {
            ServiceError::Conflict(match product.code_scheme {
                CodeScheme::Gs1 => "产品缺少 GTIN (the product has no GTIN)".to_string(),
                CodeScheme::Ccc => {
                    "产品缺少 CCC 证书编号 (the product has no CCC certificate number)".to_string()
                }
                _ => format!(
                    "产品缺少本方案码 (the product has no {} code: set scheme_code)",
                    product.code_scheme.as_str()
                ),
            })
        })?;
        let base = self.settings.public_url.trim_end_matches('/');
        let (prefix, count) = match product.trace_level {
            TraceLevel::PerProduct => (format!("{base}{path}"), 1),
            TraceLevel::PerBatch => (
                format!(
                    "{base}{path}/10/{}",
                    zhisu_codes::gs1::digital_link::percent_encode(&batch.batch_no)
                ),
                1,
            ),
            TraceLevel::PerItem | TraceLevel::MultiCode => {
                (format!("{base}{path}"), batch.quantity.unwrap_or(0))
            }
        };
        Ok(CodePlan {
            batch_id: record.id,
            batch_no: batch.batch_no,
            product_name: product.product_name,
            model: product.model,
            template: product
                .label_template
                .map(|l| l.template())
                .unwrap_or_default(),
            trace_level: product.trace_level,
            count,
            prefix,
            serials: self.serials.clone(),
        })
    }

    /// Checks a scanned code: a GS1 Digital Link with this platform's GTIN,
    /// and for 一物一码 a serial that inverts to an item of an active batch.
    pub async fn verify_code(&self, code: &str) -> ServiceResult<Verification> {
        Ok(self.resolve_code(code).await?.verification)
    }
}
