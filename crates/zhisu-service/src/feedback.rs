//! Feedback (P7.2): anyone who scanned a code (or a seller or regulator)
//! writes to the producer; the producer answers and closes; the region's
//! regulators see every open one. The sender's contact is sealed.

use chrono::Utc;
use zhisu_domain::feedback::{Feedback, FeedbackAnswer, FeedbackInput, FeedbackStatus};
use zhisu_domain::{FieldError, Invalid, Principal, RecordKind, Role};
use zhisu_store::{format_time, AuditEntry, NewRecord, RecordIndex};

use crate::codes::VerifyStatus;
use crate::records::{audit, to_body, RecordView};
use crate::{Service, ServiceError, ServiceResult};

pub(crate) fn feedback_index(f: &Feedback, region_code: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: Some(f.enterprise_id),
        parent_id: Some(f.product_id),
        unique_key: None,
        name: f.message.chars().take(60).collect(),
        region_code: region_code.to_string(),
        tag: Some(f.status.as_str().to_string()),
        code_key: None,
    }
}

impl Service {
    /// Sends feedback on the product behind a code. `by` is None for the
    /// public (the scan page).
    pub async fn send_feedback(
        &self,
        by: Option<&Principal>,
        input: FeedbackInput,
        ip: Option<String>,
    ) -> ServiceResult<i64> {
        let (message, contact) = input.validate()?;
        let resolved = self.resolve_code(&input.code).await?;
        let Some(product) = resolved
            .product
            .as_ref()
            .filter(|_| !matches!(resolved.verification.status, VerifyStatus::Invalid))
        else {
            return Err(Invalid(vec![FieldError::new(
                "code",
                "not-found",
                "此码不是本平台的产品码 (not a product code of this platform)",
            )
            .clause("P7.2")])
            .into());
        };
        let from = match by.map(|p| p.role) {
            None => "consumer",
            Some(Role::Seller) => "seller",
            Some(Role::Regulator) => "regulator",
            Some(_) => "platform",
        };
        let feedback = Feedback {
            enterprise_id: product.enterprise_id,
            product_id: product.id,
            batch_id: resolved.batch.as_ref().map(|b| b.id),
            code: resolved.key.clone(),
            from: from.into(),
            message,
            contact: contact.map(|c| self.sealer.seal(&c)),
            status: FeedbackStatus::Open,
            answer: None,
            answered_at: None,
        };
        let audit_entry = match by {
            Some(p) => audit(p, "feedback.send", ip),
            None => AuditEntry {
                actor: "public".into(),
                action: "feedback.send".into(),
                ip,
                outcome: "ok".into(),
                ..Default::default()
            },
        };
        let record = NewRecord {
            kind: RecordKind::Feedback,
            index: feedback_index(&feedback, &product.region_code),
            body: to_body(&feedback)?,
            links: vec![],
            flow: vec![],
            import_key: None,
        };
        let stored = self.store.create_record(record, audit_entry).await?;
        self.record_changed(RecordKind::Feedback, stored.id);
        Ok(stored.id)
    }

    /// The producer answers (and may close) feedback addressed to it.
    pub async fn answer_feedback(
        &self,
        by: &Principal,
        id: i64,
        answer: FeedbackAnswer,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let stored = self.read_stored(by, RecordKind::Feedback, id).await?;
        let region = stored.region_code.clone();
        let record = RecordView::from(stored);
        if !by.can_record_flow(record.enterprise_id) {
            return Err(ServiceError::Forbidden(
                "只有生产企业可以答复 (only the producer answers its feedback)".into(),
            ));
        }
        let mut feedback: Feedback = record.typed()?;
        if feedback.status == FeedbackStatus::Closed {
            return Err(ServiceError::Conflict(
                "反馈已关闭 (the feedback is closed)".into(),
            ));
        }
        let text = answer.answer.trim();
        if text.is_empty() {
            return Err(Invalid(vec![FieldError::required("answer", "答复", "P7.2")]).into());
        }
        feedback.answer = Some(text.to_string());
        feedback.answered_at = Some(format_time(Utc::now()));
        feedback.status = if answer.close {
            FeedbackStatus::Closed
        } else {
            FeedbackStatus::Answered
        };
        let stored = self
            .store
            .update_record(
                RecordKind::Feedback,
                id,
                Some(record.version),
                feedback_index(&feedback, &region),
                to_body(&feedback)?,
                audit(by, "feedback.answer", ip),
            )
            .await?;
        self.record_changed(RecordKind::Feedback, id);
        Ok(self.open_sealed(stored.into()))
    }

    /// Feedback with its sender's contact opened for the producer, and
    /// masked for a regulator (V7).
    pub async fn read_feedback(&self, by: &Principal, id: i64) -> ServiceResult<RecordView> {
        Ok(self.shown_to(by, self.read_record(by, RecordKind::Feedback, id).await?))
    }
}
