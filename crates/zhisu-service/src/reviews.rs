//! The review queue (人工核查, V5-manual, issue 17.4): the findings a
//! person settles, in a reviewer's order (most severe, then oldest),
//! scoped to the reviewer's jurisdiction. A reviewer claims an item or is
//! assigned it, and decides it with a reason and a result class
//! (V6-class); the decision is a ledgered version of a review record, and
//! does what `zhisu_domain::review::effect` says: checks an enterprise,
//! approves or rejects a batch, marks a product reviewed, dismisses a
//! finding, or opens a case of the decided class. Records awaiting review
//! enter the queue as they are stored (`check_queue_of`), not at the next
//! sweep.

use chrono::Utc;
use serde::Serialize;
use zhisu_domain::cases::OpenCaseInput;
use zhisu_domain::identity_check::IdentityDecision;
use zhisu_domain::review::{effect, Decision, DecisionInput, Effect, Review};
use zhisu_domain::verification::{self, catalogue, Snapshot, Stored};
use zhisu_domain::{Principal, Product, RecordKind, Role};
use zhisu_store::{format_time, FindingQuery, FindingRow, NewRecord, Page, RecordIndex};

use crate::records::{audit, to_body};
use crate::{Service, ServiceError, ServiceResult};

/// The index columns of a review: its enterprise's, one record per
/// finding, the class as the tag. Made only of the body, so `ledger
/// verify` can recompute it.
pub(crate) fn review_index(review: &Review, region_code: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: Some(review.enterprise_id),
        parent_id: None,
        unique_key: Some(format!("finding/{}", review.finding_id)),
        name: format!(
            "{}：{} {}/{}",
            review.decision.class.label_zh(),
            review.rule,
            review.kind,
            review.record_id
        ),
        region_code: region_code.to_string(),
        tag: Some(review.decision.class.as_str().to_string()),
        code_key: None,
    }
}

/// Which items of the queue to list.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// `me` (the asker's), `none` (no one's), or a reviewer's actor.
    pub assignee: Option<String>,
    pub rule: Option<String>,
    pub kind: Option<String>,
    /// A region-code prefix.
    pub region: Option<String>,
    /// Only those waiting past the catalogue's days.
    pub overdue: bool,
    pub limit: i64,
    pub offset: i64,
}

/// How many items wait, for the queue's header.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueCounts {
    pub total: i64,
    /// In no one's hands.
    pub unassigned: i64,
    /// In the asker's.
    pub mine: i64,
    /// Waiting past the catalogue's days.
    pub overdue: i64,
    /// The days after which an item is overdue.
    pub overdue_days: u32,
}

/// The rules whose findings are records awaiting review, by the kind of
/// record they read.
fn queue_rules_of(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Enterprise => &["ZV-A-006"],
        RecordKind::Batch => &["ZV-R-005"],
        RecordKind::Product => &["ZV-R-006"],
        _ => &[],
    }
}

fn reviewer(by: &Principal) -> ServiceResult<()> {
    if matches!(by.role, Role::Regulator | Role::PlatformAdmin) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "只有监管人员可以处理核查队列 (only regulators work the review queue)".into(),
        ))
    }
}

/// The moment before which an item opened is overdue today.
fn overdue_cutoff() -> String {
    let days = i64::from(catalogue().review_overdue_days);
    format_time(Utc::now() - chrono::Duration::days(days))
}

impl Service {
    /// The queue's items `by` may see, most severe first, then oldest.
    pub async fn review_queue(
        &self,
        by: &Principal,
        filter: QueueFilter,
    ) -> ServiceResult<Page<FindingRow>> {
        reviewer(by)?;
        crate::verification::check_page(filter.limit, filter.offset)?;
        let kind = match filter.kind.as_deref().filter(|k| !k.is_empty()) {
            Some(k) => Some(RecordKind::parse(k).ok_or_else(|| {
                ServiceError::BadRequest(format!("未知的记录类型 (unknown record kind {k:?})"))
            })?),
            None => None,
        };
        let assignee = match filter.assignee.as_deref() {
            None | Some("") => None,
            Some("me") => Some(by.actor.clone()),
            Some("none") => Some(String::new()),
            Some(actor) => Some(actor.to_string()),
        };
        Ok(self
            .store
            .list_findings(&FindingQuery {
                queue: true,
                assignee,
                rule: filter.rule.filter(|r| !r.is_empty()),
                kind,
                region_prefix: filter.region.filter(|r| !r.is_empty()),
                opened_before: filter.overdue.then(overdue_cutoff),
                limit: filter.limit,
                offset: filter.offset,
                ..FindingQuery::new(by.list_scope())
            })
            .await?)
    }

    /// How many items wait in `by`'s jurisdiction: all, no one's, its
    /// own, overdue.
    pub async fn queue_counts(&self, by: &Principal) -> ServiceResult<QueueCounts> {
        reviewer(by)?;
        let tally = self
            .store
            .queue_counts(&by.list_scope(), &by.actor, &overdue_cutoff())
            .await?;
        Ok(QueueCounts {
            total: tally.total,
            unassigned: tally.unassigned,
            mine: tally.mine,
            overdue: tally.overdue,
            overdue_days: catalogue().review_overdue_days,
        })
    }

    /// An item of the queue `by` may see (404 otherwise, like any record
    /// one cannot see).
    async fn queue_item(&self, by: &Principal, id: i64) -> ServiceResult<FindingRow> {
        reviewer(by)?;
        let row = self
            .finding(by, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("finding {id}")))?;
        if row.settle == "system" {
            return Err(ServiceError::Conflict(format!(
                "核查问题 #{id} 由系统复核消除，无需人工处理 (finding {id} is settled by the next sweep, not by a person)"
            )));
        }
        if row.status != "open" || row.decided_at.is_some() {
            return Err(ServiceError::Conflict(format!(
                "核查问题 #{id} 已处理完毕 (finding {id} is already settled)"
            )));
        }
        Ok(row)
    }

    async fn reread(&self, by: &Principal, id: i64) -> ServiceResult<FindingRow> {
        self.finding(by, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("finding {id}")))
    }

    /// `by` takes an item no one has in hand; 409 when someone does.
    pub async fn claim_finding(
        &self,
        by: &Principal,
        id: i64,
        ip: Option<String>,
    ) -> ServiceResult<FindingRow> {
        let row = self.queue_item(by, id).await?;
        if row.assignee.as_deref() == Some(by.actor.as_str()) {
            return Ok(row);
        }
        if !self.store.assign_finding(id, Some(&by.actor), true).await? {
            return Err(ServiceError::Conflict(format!(
                "核查问题 #{id} 已由他人认领 (finding {id} is already in someone's hands)"
            )));
        }
        self.audit_queue(by, "review.claim", id, None, ip).await?;
        self.reread(by, id).await
    }

    /// `by` gives an item to reviewer `login`, who must oversee it.
    pub async fn assign_finding(
        &self,
        by: &Principal,
        id: i64,
        login: &str,
        ip: Option<String>,
    ) -> ServiceResult<FindingRow> {
        let row = self.queue_item(by, id).await?;
        let unknown = || {
            zhisu_domain::Invalid(vec![zhisu_domain::FieldError::new(
                "to",
                "reviewer",
                format!(
                    "“{login}”不是负责该地区的监管人员 ({login:?} is not a regulator overseeing this region)"
                ),
            )
            .clause("V5-manual")])
        };
        let user = self
            .store
            .user_by_login(login.trim())
            .await?
            .ok_or_else(unknown)?;
        let to = crate::principal_of_user(&user);
        let oversees = to.role == Role::Regulator
            && to.can_review(zhisu_domain::auth::Tenancy {
                enterprise_id: row.enterprise_id,
                region_code: &row.region_code,
            });
        if !oversees {
            return Err(unknown().into());
        }
        if !self
            .store
            .assign_finding(id, Some(&to.actor), false)
            .await?
        {
            return Err(ServiceError::Conflict(format!(
                "核查问题 #{id} 已处理完毕 (finding {id} is already settled)"
            )));
        }
        self.audit_queue(by, "review.assign", id, Some(to.actor.clone()), ip)
            .await?;
        self.reread(by, id).await
    }

    /// `by` puts an item back in no one's hands.
    pub async fn release_finding(
        &self,
        by: &Principal,
        id: i64,
        ip: Option<String>,
    ) -> ServiceResult<FindingRow> {
        self.queue_item(by, id).await?;
        if !self.store.assign_finding(id, None, false).await? {
            return Err(ServiceError::Conflict(format!(
                "核查问题 #{id} 已处理完毕 (finding {id} is already settled)"
            )));
        }
        self.audit_queue(by, "review.release", id, None, ip).await?;
        self.reread(by, id).await
    }

    /// A claim, an assignment or a release, in the audit log (itself in
    /// the ledger).
    async fn audit_queue(
        &self,
        by: &Principal,
        action: &str,
        id: i64,
        to: Option<String>,
        ip: Option<String>,
    ) -> ServiceResult<()> {
        let mut entry = audit(by, action, ip);
        entry.target = Some(format!("finding/{id}"));
        entry.detail = to.map(|actor| format!("to {actor}"));
        self.store.append_audit(entry).await?;
        Ok(())
    }

    /// `by` decides an item with a class and a reason: the decision is
    /// kept in the finding's review record (a ledgered version) and does
    /// what its rule and class say (see `zhisu_domain::review::effect`).
    pub async fn decide_finding(
        &self,
        by: &Principal,
        id: i64,
        input: DecisionInput,
        ip: Option<String>,
    ) -> ServiceResult<FindingRow> {
        let row = self.queue_item(by, id).await?;
        let (class, reason) = input.validate()?;
        let decision = Decision {
            class,
            reason: reason.clone(),
            by: by.actor.clone(),
            at: format_time(Utc::now()),
        };
        let mut case_id = None;
        match effect(&row.rule, class) {
            Effect::Identity { verified } => {
                let decision = IdentityDecision {
                    verified: Some(verified),
                    note: reason.clone(),
                };
                self.check_identity(by, row.record_id, &decision, ip.clone())
                    .await?;
            }
            Effect::Batch { approve } => {
                self.review_batch(by, row.record_id, approve, Some(reason.clone()), ip.clone())
                    .await?;
            }
            Effect::Product => {
                self.mark_product_reviewed(by, &row, decision.clone(), ip.clone())
                    .await?;
            }
            Effect::Dismiss => {}
            Effect::OpenCase => {
                let case = self
                    .open_case(
                        by,
                        OpenCaseInput {
                            findings: vec![id],
                            class: Some(class.as_str().into()),
                            class_reason: Some(reason.clone()),
                            deadline: input.deadline.clone(),
                            note: reason.clone(),
                        },
                        ip.clone(),
                    )
                    .await?;
                case_id = Some(case.id);
            }
        }
        let review = Review {
            finding_id: id,
            rule: row.rule.clone(),
            kind: row.kind.as_str().into(),
            record_id: row.record_id,
            version: row.version,
            enterprise_id: row.enterprise_id,
            decision,
            case_id,
        };
        let review_id = self.keep_review(by, &review, &row.region_code, ip).await?;
        self.store
            .decide_finding(id, class.as_str(), &by.actor, Some(review_id))
            .await?;
        // The record it settled changed: its queue item goes at once.
        if row.kind == RecordKind::Product {
            self.note_queue(row.kind, row.record_id).await;
        }
        self.reread(by, id).await
    }

    /// The finding's review record, created or given a new version.
    async fn keep_review(
        &self,
        by: &Principal,
        review: &Review,
        region_code: &str,
        ip: Option<String>,
    ) -> ServiceResult<i64> {
        let index = review_index(review, region_code);
        let key = index.unique_key.clone().unwrap_or_default();
        let body = to_body(review)?;
        let action = format!("review.decide:{}", review.decision.class.as_str());
        let id = match self
            .store
            .find_by_unique_key(RecordKind::Review, &key)
            .await?
        {
            Some(current) => {
                self.store
                    .update_record(
                        RecordKind::Review,
                        current.id,
                        Some(current.version),
                        index,
                        body,
                        audit(by, &action, ip),
                    )
                    .await?;
                self.record_changed(RecordKind::Review, current.id);
                current.id
            }
            None => {
                let record = NewRecord {
                    kind: RecordKind::Review,
                    index,
                    body,
                    links: vec![],
                    flow: vec![],
                    import_key: None,
                };
                let stored = self
                    .store
                    .create_record(record, audit(by, &action, ip))
                    .await?;
                self.record_changed(RecordKind::Review, stored.id);
                stored.id
            }
        };
        Ok(id)
    }

    /// A product carries a reviewer's decision (ZV-R-006): a new version.
    async fn mark_product_reviewed(
        &self,
        by: &Principal,
        row: &FindingRow,
        decision: Decision,
        ip: Option<String>,
    ) -> ServiceResult<()> {
        let id = row.record_id;
        let current = self.read_record(by, RecordKind::Product, id).await?;
        let mut product: Product = current.typed()?;
        product.review = Some(decision);
        let stored = self
            .store
            .update_record(
                RecordKind::Product,
                id,
                Some(current.version),
                crate::records::product_index(&product, &row.region_code),
                to_body(&product)?,
                audit(by, "product.review", ip),
            )
            .await?;
        self.record_changed(RecordKind::Product, stored.id);
        Ok(())
    }

    /// [`Service::check_queue_of`] after a write that has already
    /// happened: a failure is logged (the next sweep sees the record
    /// anyway), never turned into the write's answer.
    pub(crate) async fn note_queue(&self, kind: RecordKind, id: i64) {
        if let Err(e) = self.check_queue_of(kind, id).await {
            tracing::warn!(kind = kind.as_str(), id, error = %e, "the review queue was not brought up to date");
        }
    }

    /// Runs the review queue's rules on one record just stored, so an
    /// enterprise that registered, a product filed or a batch submitted
    /// waits in the queue at once (and leaves it once decided).
    pub(crate) async fn check_queue_of(&self, kind: RecordKind, id: i64) -> ServiceResult<()> {
        let off = &self.settings.verification_off;
        let rules: Vec<&str> = queue_rules_of(kind)
            .iter()
            .copied()
            .filter(|r| !off.iter().any(|o| o == r))
            .collect();
        if rules.is_empty() {
            return Ok(());
        }
        let Some(record) = self.store.get_record(kind, id).await? else {
            return Ok(());
        };
        fn one<T: serde::de::DeserializeOwned>(
            record: &zhisu_store::StoredRecord,
        ) -> Vec<Stored<T>> {
            serde_json::from_value(record.body.clone())
                .map(|body| Stored {
                    id: record.id,
                    version: record.version,
                    region_code: record.region_code.clone(),
                    created_at: record.created_at.clone(),
                    updated_at: record.updated_at.clone(),
                    record: body,
                })
                .into_iter()
                .collect()
        }
        let mut snapshot = Snapshot {
            today: Some(crate::today_in_shanghai()),
            thresholds: self.settings.verification_thresholds.clone(),
            ..Default::default()
        };
        match kind {
            RecordKind::Enterprise => snapshot.enterprises = one(&record),
            RecordKind::Product => snapshot.products = one(&record),
            RecordKind::Batch => snapshot.batches = one(&record),
            _ => return Ok(()),
        }
        let findings: Vec<_> = verification::run_rules(&snapshot, &rules)
            .into_iter()
            .map(crate::verification::new_finding)
            .collect();
        let rules: Vec<String> = rules.into_iter().map(String::from).collect();
        self.store.check_record(&rules, kind, id, &findings).await?;
        Ok(())
    }
}
