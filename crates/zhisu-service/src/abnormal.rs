//! 列入经营异常名录 (V6-dispose): while a case holding the `abnormal-list`
//! measure (the serious class) is open, its enterprise is on the public
//! list of abnormal operations, as China's enterprise credit publicity
//! lists them: who, since when, by which authority, for which case. It
//! leaves the list when the case closes. Public: nothing on it is private.

use serde::Serialize;
use zhisu_domain::cases::Measure;
use zhisu_domain::RecordKind;

use crate::{Service, ServiceResult};

/// One enterprise on the list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AbnormalEntry {
    pub enterprise_id: i64,
    pub name: String,
    pub uscc: String,
    pub region_code: String,
    /// The case that listed it.
    pub case_id: i64,
    /// When the case opened (RFC 3339, UTC).
    pub since: String,
    /// The authority that opened the case.
    pub listed_by: String,
}

impl Service {
    /// Every enterprise an open serious case lists, newest first.
    pub async fn abnormal_list(&self) -> ServiceResult<Vec<AbnormalEntry>> {
        let mut out: Vec<AbnormalEntry> = Vec::new();
        for (id, case) in self.open_cases(None).await? {
            if !case.holds(Measure::AbnormalList)
                || out.iter().any(|e| e.enterprise_id == case.enterprise_id)
            {
                continue;
            }
            let Some(enterprise) = self
                .cached(RecordKind::Enterprise, case.enterprise_id)
                .await?
            else {
                continue;
            };
            let opened = case.steps.first();
            let listed_by = match opened {
                Some(s) => self.actor_name(&s.by).await.unwrap_or_default(),
                None => String::new(),
            };
            out.push(AbnormalEntry {
                enterprise_id: case.enterprise_id,
                name: enterprise.body["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                uscc: enterprise.body["uscc"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                region_code: enterprise.region_code.clone(),
                case_id: id,
                since: opened.map(|s| s.at.clone()).unwrap_or_default(),
                listed_by,
            });
        }
        out.sort_by(|a, b| b.since.cmp(&a.since));
        Ok(out)
    }
}
