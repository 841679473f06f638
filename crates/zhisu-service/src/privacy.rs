//! Personal data in a regulator's view (V7, issue 17.7): the contact of a
//! flow's counterparty or of a feedback's sender is opened for the
//! enterprise that recorded it, and shown masked (`138****5678`) to
//! regulators and the platform's administrators, who reveal it one record
//! at a time with a reason the audit log keeps.

use zhisu_domain::privacy::{mask_contact, reveal_reason};
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_store::AuditEntry;

use crate::records::{audit, RecordView};
use crate::{Service, ServiceError, ServiceResult};

/// The fields that hold a sealed contact.
const CONTACT_FIELDS: [&str; 2] = ["counterparty_contact", "contact"];

/// Whether `by` sees contacts masked until revealed.
pub(crate) fn sees_masked(by: &Principal) -> bool {
    matches!(by.role, Role::Regulator | Role::PlatformAdmin)
}

/// `view`'s opened contacts masked, marked `contact_masked`.
fn masked(mut view: RecordView) -> RecordView {
    let mut any = false;
    for field in CONTACT_FIELDS {
        if let Some(c) = view.body.get_mut(field) {
            if let Some(plain) = c.as_str() {
                *c = serde_json::Value::String(mask_contact(plain));
                any = true;
            }
        }
    }
    if any {
        if let Some(body) = view.body.as_object_mut() {
            body.insert("contact_masked".into(), true.into());
        }
    }
    view
}

impl Service {
    /// A flow or a feedback as `by` may see it: its contact opened, and
    /// masked for those who see it masked.
    pub(crate) fn shown_to(&self, by: &Principal, view: RecordView) -> RecordView {
        let opened = self.open_sealed(view);
        if sees_masked(by) {
            masked(opened)
        } else {
            opened
        }
    }

    /// `by` reveals the contact of flow or feedback `id` with a reason
    /// (V7): kept in the audit log; another region's regulator is told it
    /// does not exist.
    pub async fn reveal_contact(
        &self,
        by: &Principal,
        kind: RecordKind,
        id: i64,
        reason: &str,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        if !matches!(kind, RecordKind::Flow | RecordKind::Feedback) {
            return Err(ServiceError::NotFound(format!("{} {id}", kind.as_str())));
        }
        let view = self.read_record(by, kind, id).await?;
        if !sees_masked(by) {
            return Ok(self.open_sealed(view));
        }
        let reason = reveal_reason(reason)?;
        self.store
            .append_audit(AuditEntry {
                target: Some(format!("{}/{id}", kind.as_str())),
                enterprise_id: Some(view.enterprise_id),
                detail: Some(reason),
                ..audit(by, "contact.reveal", ip)
            })
            .await?;
        Ok(self.open_sealed(view))
    }
}
