//! A regulator checks who an enterprise is (issue 16.11): until a
//! regulator of its region has (or the platform admin filed it directly),
//! its codes do not scan as genuine. Each decision is a new, ledgered
//! version of the enterprise's record.

use chrono::Utc;
use zhisu_domain::enterprise::Enterprise;
use zhisu_domain::identity_check::{IdentityCheck, IdentityDecision, IdentityStatus};
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_store::format_time;

use crate::records::{audit, enterprise_index, to_body, RecordView};
use crate::{Service, ServiceError, ServiceResult};

/// The check an admin's direct filing carries.
pub(crate) fn vouched_by(by: &Principal) -> IdentityCheck {
    IdentityCheck {
        status: IdentityStatus::Verified,
        by: by.actor.clone(),
        at: format_time(Utc::now()),
        note: "由平台管理员直接登记 (filed by the platform admin)".into(),
    }
}

impl Service {
    /// Records a regulator's check of enterprise `id`: verified, or
    /// rejected with a reason. Only a regulator overseeing it (or the
    /// platform admin) may; anyone who cannot read it gets 404.
    pub async fn check_identity(
        &self,
        by: &Principal,
        id: i64,
        decision: &IdentityDecision,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let current = self.read_record(by, RecordKind::Enterprise, id).await?;
        if !matches!(by.role, Role::Regulator | Role::PlatformAdmin) {
            return Err(ServiceError::Forbidden(
                "只有辖区监管部门可以核验企业 (only the enterprise's regulator checks who it is)"
                    .into(),
            ));
        }
        let (status, note) = decision.validate()?;
        let mut enterprise: Enterprise = current.typed()?;
        enterprise.identity_check = Some(IdentityCheck {
            status,
            by: by.actor.clone(),
            at: format_time(Utc::now()),
            note,
        });
        let action = match status {
            IdentityStatus::Verified => "enterprise.verify",
            IdentityStatus::Rejected => "enterprise.reject",
        };
        let stored = self
            .store
            .update_record(
                RecordKind::Enterprise,
                id,
                Some(current.version),
                enterprise_index(&enterprise),
                to_body(&enterprise)?,
                audit(by, action, ip),
            )
            .await?;
        self.records_changed();
        self.note_queue(RecordKind::Enterprise, id).await;
        Ok(stored.into())
    }
}
