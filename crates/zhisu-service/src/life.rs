//! A code's whole life (P6.2 full-life-cycle display and risk warning,
//! P6.3 the chain shares it): its product filed, its batch checked,
//! approved and activated, packed, sold and bought down the chain, scanned,
//! disposed of or recalled, in time order, with the risks it carries.

use serde::Serialize;
use zhisu_domain::auth::Tenancy;
use zhisu_domain::{Batch, BatchStatus, Principal, RecordKind};
use zhisu_store::{FlowRow, StoredRecord};

use crate::codes::VerifyStatus;
use crate::scan::ScanCount;
use crate::{Service, ServiceError, ServiceResult};

/// The most flow lines one life shows.
const MAX_FLOW_LINES: i64 = 1_000;

/// A record a life points at.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LifeRecord {
    pub id: i64,
    pub name: String,
}

/// One step of a code's life.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LifeStep {
    /// RFC 3339 (a flow's date as recorded).
    pub at: String,
    /// `product-filed`, `batch-filed`, `submitted`, `approved`, `rejected`,
    /// `activated`, `frozen`, `unfrozen`, `voided`, `packed`, `sold`,
    /// `purchased`, `first-scan`, `alert`, `recalled`.
    pub step: String,
    /// What happened, for people.
    pub detail: String,
    /// The record behind it (`batch/3`, `flow/12`, `recall/2`), for those
    /// who may open it.
    pub record: Option<String>,
    /// A step that warns (P6.2): an alert, a freeze, a voiding, a recall.
    pub risk: bool,
    /// When the platform recorded it: what steps are ordered by (a sale's
    /// `at` may be a date alone).
    #[serde(skip)]
    recorded: String,
}

/// A code's life, as its producer, the competent regulator and the
/// sellers it reached see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CodeLife {
    /// The code, canonical.
    pub code: String,
    /// `(01)…(21)…` or `(c)…(21)…`: the key flows and scans use.
    pub key: String,
    pub status: VerifyStatus,
    pub message: String,
    pub producer: LifeRecord,
    pub product: LifeRecord,
    pub batch: Option<LifeRecord>,
    pub scans: ScanCount,
    /// Oldest first.
    pub steps: Vec<LifeStep>,
    /// The warnings among the steps, newest first (P6.2 risk warning).
    pub risks: Vec<String>,
}

impl LifeStep {
    /// Every `step` a life can show.
    pub const KINDS: [&'static str; 15] = [
        "product-filed",
        "batch-filed",
        "submitted",
        "approved",
        "rejected",
        "activated",
        "frozen",
        "unfrozen",
        "voided",
        "packed",
        "sold",
        "purchased",
        "first-scan",
        "alert",
        "recalled",
    ];
}

/// A product as people name it: name and model.
pub(crate) fn product_label(product: &StoredRecord) -> String {
    format!(
        "{} {}",
        product.body["product_name"].as_str().unwrap_or(""),
        product.body["model"].as_str().unwrap_or("")
    )
}

fn step(at: &str, step: &str, detail: String, record: Option<String>) -> LifeStep {
    debug_assert!(LifeStep::KINDS.contains(&step), "{step}");
    LifeStep {
        at: at.to_string(),
        step: step.to_string(),
        detail,
        record,
        risk: matches!(step, "frozen" | "voided" | "alert" | "recalled"),
        recorded: at.to_string(),
    }
}

/// The workflow steps a batch's versions show: one per change of status,
/// each with who made it by name (`names`: actor → name; issue 15.8).
fn batch_steps(
    history: &[StoredRecord],
    names: &std::collections::HashMap<String, String>,
) -> Vec<LifeStep> {
    let mut steps = Vec::new();
    let mut last: Option<BatchStatus> = None;
    for version in history {
        let Ok(batch) = serde_json::from_value::<Batch>(version.body.clone()) else {
            continue;
        };
        if last == Some(batch.status) {
            continue;
        }
        let record = Some(format!("batch/{}", version.id));
        let by = names
            .get(&version.updated_by)
            .unwrap_or(&version.updated_by);
        let (name, detail) = match (last, batch.status) {
            (None, _) => (
                "batch-filed",
                format!("批次 {} 备案 (batch filed) · {by}", batch.batch_no),
            ),
            (_, BatchStatus::Submitted) => (
                "submitted",
                format!("提交审核 (submitted for review) · {by}"),
            ),
            (_, BatchStatus::Approved) => ("approved", format!("审核通过 (approved) · {by}")),
            (_, BatchStatus::Rejected) => {
                let reason = batch
                    .review
                    .as_ref()
                    .and_then(|r| r.reason.clone())
                    .unwrap_or_default();
                ("rejected", format!("驳回 (rejected): {reason} · {by}"))
            }
            (Some(BatchStatus::Frozen), BatchStatus::Active) => {
                ("unfrozen", format!("解除冻结 (unfrozen) · {by}"))
            }
            (_, BatchStatus::Active) => (
                "activated",
                format!("激活，追溯码生效 (activated: its codes are valid) · {by}"),
            ),
            (_, s @ (BatchStatus::Frozen | BatchStatus::Voided)) => {
                let reason = batch
                    .disposal
                    .as_ref()
                    .map(|d| d.reason.clone())
                    .unwrap_or_default();
                if s == BatchStatus::Frozen {
                    (
                        "frozen",
                        format!("监管冻结 (frozen by the regulator): {reason} · {by}"),
                    )
                } else {
                    ("voided", format!("作废 (voided): {reason} · {by}"))
                }
            }
            (_, BatchStatus::Draft) => ("batch-filed", format!("退回草稿 (back to draft) · {by}")),
        };
        steps.push(step(&version.updated_at, name, detail, record));
        last = Some(batch.status);
    }
    steps
}

impl Service {
    /// A code's life: who may see it is decided by
    /// [`Principal::can_follow_code`]; anyone else gets 404.
    /// `code` is a code as printed, or its key (`(01)…(21)…`, as alerts
    /// and flow lines name it).
    pub async fn code_life(&self, by: &Principal, code: &str) -> ServiceResult<CodeLife> {
        let code = code.trim();
        let resolved = self.resolve_code(code).await?;
        if resolved.verification.status == VerifyStatus::Invalid {
            return Err(ServiceError::BadRequest(resolved.verification.message));
        }
        let not_found =
            || ServiceError::NotFound(format!("追溯码 {} (no such code here)", resolved.uri));
        let Some(product) = resolved.product.clone() else {
            return Err(not_found());
        };
        if matches!(
            resolved.verification.status,
            VerifyStatus::Unknown | VerifyStatus::Suspect
        ) {
            return Err(not_found());
        }
        let producer = self
            .cached(RecordKind::Enterprise, product.enterprise_id)
            .await?
            .ok_or_else(not_found)?;
        let key = resolved.key.clone();
        let held = match by.enterprise_id {
            Some(e) => !self
                .store
                .held_codes(e, std::slice::from_ref(&key))
                .await?
                .is_empty(),
            None => false,
        };
        let tenancy = Tenancy {
            enterprise_id: product.enterprise_id,
            region_code: &product.region_code,
        };
        if !by.can_follow_code(tenancy, held) {
            return Err(not_found());
        }
        let private = by.can_read(tenancy);
        let name_of =
            |r: &StoredRecord, field: &str| r.body[field].as_str().unwrap_or("").to_string();

        let label = product_label(&product);
        let mut steps = vec![step(
            &product.created_at,
            "product-filed",
            format!("产品 {label} 备案 (product filed)"),
            private.then(|| format!("product/{}", product.id)),
        )];
        if let Some(batch) = &resolved.batch {
            let mut history = self
                .store
                .record_history(RecordKind::Batch, batch.id)
                .await?;
            history.sort_by_key(|v| v.version);
            let mut names = std::collections::HashMap::new();
            for version in &history {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    names.entry(version.updated_by.clone())
                {
                    slot.insert(self.actor_name(&version.updated_by).await?);
                }
            }
            let mut workflow = batch_steps(&history, &names);
            if !private {
                workflow.iter_mut().for_each(|s| s.record = None);
            }
            steps.extend(workflow);
        }
        if let Some(package) = self.store.package_of(&key).await? {
            if let Some(p) = self.store.get_record(RecordKind::Package, package).await? {
                steps.push(step(
                    &p.created_at,
                    "packed",
                    format!("装入包装 {} (packed)", name_of(&p, "key")),
                    private.then(|| format!("package/{package}")),
                ));
            }
        }
        let lines = self.store.flow_of_code(&key, MAX_FLOW_LINES).await?;
        for line in &lines {
            steps.push(self.flow_step(by, line, private).await?);
        }
        let state = self.code_state(&key).await?;
        if let Some(first) = &state.summary.first_at {
            steps.push(step(
                first,
                "first-scan",
                format!(
                    "首次扫码，共 {} 次 (first scanned; {} scans in all)",
                    state.summary.count, state.summary.count
                ),
                None,
            ));
        }
        for alert in self.store.alerts_for_code(&key).await? {
            steps.push(step(
                &alert.at,
                "alert",
                format!("{}：{}", alert.kind.warning(), alert.detail),
                None,
            ));
        }
        let batch_id = resolved.batch.as_ref().map(|b| b.id);
        if let Some((id, reason)) = self.open_recalls().await?.covering(batch_id, &key) {
            let at = self
                .store
                .get_record(RecordKind::Recall, *id)
                .await?
                .map(|r| r.created_at)
                .unwrap_or_default();
            steps.push(step(
                &at,
                "recalled",
                format!("召回 (recalled): {reason}"),
                Some(format!("recall/{id}")),
            ));
        }
        // Stable: steps recorded at the same instant keep the order above.
        steps.sort_by_key(|s| {
            chrono::DateTime::parse_from_rfc3339(&s.recorded)
                .map_or(i64::MAX, |t| t.timestamp_micros())
        });
        let risks = steps
            .iter()
            .rev()
            .filter(|s| s.risk)
            .map(|s| s.detail.clone())
            .collect();
        Ok(CodeLife {
            code: resolved.uri.clone(),
            key,
            status: resolved.verification.status,
            message: resolved.verification.message.clone(),
            producer: LifeRecord {
                id: producer.id,
                name: name_of(&producer, "name"),
            },
            product: LifeRecord {
                id: product.id,
                name: label,
            },
            batch: resolved.batch.as_ref().map(|b| LifeRecord {
                id: b.id,
                name: name_of(b, "batch_no"),
            }),
            scans: ScanCount {
                count: state.summary.count,
                first_at: state.summary.first_at.clone(),
            },
            steps,
            risks,
        })
    }

    /// A flow line as a step: the parties on the platform by name (public,
    /// G5.3); one off the platform only as such. The flow record is linked
    /// for those who may read it.
    async fn flow_step(
        &self,
        by: &Principal,
        line: &FlowRow,
        private: bool,
    ) -> ServiceResult<LifeStep> {
        let party = |id: Option<i64>| async move {
            match id {
                Some(id) => self.enterprise_name(id).await,
                None => Ok("平台外 (off the platform)".to_string()),
            }
        };
        let (from, to) = (party(line.from_id).await?, party(line.to_id).await?);
        let (name, verb) = match line.kind.as_str() {
            "sale" => ("sold", "销售 (sold)"),
            "return" => ("returned", "退回生产企业 (returned to the producer)"),
            _ => ("purchased", "采购 (bought)"),
        };
        let own = by
            .enterprise_id
            .is_some_and(|e| Some(e) == line.from_id || Some(e) == line.to_id);
        let detail = format!("{verb}：{from} → {to} · {} 件 (items)", line.quantity);
        let mut step = step(
            &line.at,
            name,
            detail,
            (private || own).then(|| format!("flow/{}", line.flow_id)),
        );
        if let Some(flow) = self
            .store
            .get_record(RecordKind::Flow, line.flow_id)
            .await?
        {
            step.recorded = flow.created_at;
        }
        Ok(step)
    }
}
