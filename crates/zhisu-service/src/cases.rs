//! Cases (立案处置, V6-dispose, issue 17): a regulator opens a case on open
//! findings of one enterprise in its jurisdiction; the enterprise answers
//! in its 整改 inbox; the rules re-run and the regulator closes it, or is
//! told which finding still stands. Each transition is a version of the
//! case record, so the ledger holds every step with its actor. The
//! transitions themselves are pure (`zhisu_domain::cases`).

use chrono::{NaiveDate, Utc};
use zhisu_domain::auth::Tenancy;
use zhisu_domain::cases::{
    Case, CaseAnswer, CaseFinding, CaseRefusal, CaseStatus, CloseCase, OpenCaseInput,
};
use zhisu_domain::verification::ResultClass;
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_store::{format_time, AuditEntry, FindingQuery, NewRecord, RecordIndex, RecordQuery};

use crate::records::{audit, to_body, RecordView};
use crate::{Service, ServiceError, ServiceResult};

/// The index columns of a case: its enterprise's, and its status as the
/// tag the lists filter on. Made only of the body, so `ledger verify` can
/// recompute it.
pub(crate) fn case_index(case: &Case, region_code: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: Some(case.enterprise_id),
        parent_id: None,
        unique_key: None,
        name: format!(
            "{}：{} 项核查问题",
            case.class.label_zh(),
            case.findings.len()
        ),
        region_code: region_code.to_string(),
        tag: Some(case.status.as_str().to_string()),
        code_key: None,
    }
}

/// Today in Asia/Shanghai, the day deadlines are counted in.
pub fn today_in_shanghai() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .date_naive()
}

impl From<CaseRefusal> for ServiceError {
    fn from(r: CaseRefusal) -> Self {
        match r {
            CaseRefusal::Invalid(invalid) => invalid.into(),
            CaseRefusal::WrongState { .. } => ServiceError::Conflict(r.to_string()),
            CaseRefusal::Standing(ids) => ServiceError::Conflict(format!(
                "复核未通过，核查问题 {} 仍然存在，不能结案 (the re-check still sees finding(s) {}: the case cannot close)",
                ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join("、"),
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

impl Service {
    /// Whether `by` may act for the regulator on a record of this tenancy:
    /// a regulator whose jurisdiction covers it.
    fn regulates(by: &Principal, enterprise_id: i64, region_code: &str) -> bool {
        by.role == Role::Regulator
            && by.can_review(Tenancy {
                enterprise_id,
                region_code,
            })
    }

    /// A regulator opens a case on open findings of one enterprise of its
    /// jurisdiction (V6-dispose). A finding it may not see is not found; a
    /// finding already in an open case, or resolved, is a conflict.
    pub async fn open_case(
        &self,
        by: &Principal,
        input: OpenCaseInput,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        self.open_case_as_of(by, input, today_in_shanghai(), ip)
            .await
    }

    /// [`Service::open_case`] as if today were `today` (Asia/Shanghai): the
    /// deadline counts from that day. For seeding a case opened earlier
    /// (the demo's overdue case); requests use today.
    pub async fn open_case_as_of(
        &self,
        by: &Principal,
        input: OpenCaseInput,
        today: NaiveDate,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        if by.role != Role::Regulator {
            return Err(ServiceError::Forbidden(
                "只有监管人员可以立案 (only a regulator opens a case)".into(),
            ));
        }
        let mut ids = input.findings.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > 200 {
            return Err(ServiceError::BadRequest(
                "一个案件最多 200 项核查问题 (at most 200 findings per case)".into(),
            ));
        }
        let mut findings = Vec::new();
        let mut proposed = ResultClass::Compliant;
        let mut tenancy: Option<(i64, String)> = None;
        for id in &ids {
            let row = self
                .finding(by, *id)
                .await?
                .ok_or_else(|| ServiceError::NotFound(format!("finding {id}")))?;
            if row.status != "open" {
                return Err(ServiceError::Conflict(format!(
                    "核查问题 #{id} 已消除，无需立案 (finding {id} is already resolved)"
                )));
            }
            // A record awaiting review is decided in the queue (V5-manual).
            if zhisu_domain::verification::catalogue()
                .rule(&row.rule)
                .is_some_and(|r| r.review)
            {
                return Err(ServiceError::Conflict(format!(
                    "核查问题 #{id} 是待审核事项，请在审核队列中作出决定 (finding {id} awaits a review decision in the queue; it is not a defect to open a case on)"
                )));
            }
            match &tenancy {
                None => tenancy = Some((row.enterprise_id, row.region_code.clone())),
                Some((e, _)) if *e != row.enterprise_id => {
                    return Err(ServiceError::BadRequest(
                        "一个案件只针对一家企业的核查问题 (the findings of a case belong to one enterprise)".into(),
                    ))
                }
                Some(_) => {}
            }
            proposed = proposed.max(ResultClass::parse(&row.class).unwrap_or(ResultClass::Minor));
            findings.push(CaseFinding {
                finding_id: row.id,
                rule: row.rule,
                kind: row.kind.as_str().to_string(),
                record_id: row.record_id,
                field: row.field,
                evidence: row.evidence,
            });
        }
        // A note-only finding still proposes at least a notice.
        let proposed = proposed.max(ResultClass::Minor);
        let (enterprise_id, region) = tenancy.unwrap_or((0, String::new()));
        if !findings.is_empty() && !Self::regulates(by, enterprise_id, &region) {
            return Err(ServiceError::NotFound(format!("finding {}", ids[0])));
        }
        for (open, case) in self.open_cases(Some(enterprise_id)).await? {
            if let Some(f) = case.findings.iter().find(|f| ids.contains(&f.finding_id)) {
                return Err(ServiceError::Conflict(format!(
                    "核查问题 #{} 已在案件 #{} 中处置 (finding {} is already in open case {})",
                    f.finding_id, open, f.finding_id, open
                )));
            }
        }
        // A case seeded as of an earlier day says it opened that day (10:00
        // in Asia/Shanghai); the ledger still records when it was stored.
        let now = if today == today_in_shanghai() {
            format_time(Utc::now())
        } else {
            today
                .and_hms_opt(2, 0, 0)
                .map(|t| format_time(t.and_utc()))
                .unwrap_or_else(|| format_time(Utc::now()))
        };
        let mut case = Case::open(
            enterprise_id,
            findings,
            proposed,
            &input,
            &self.disposal(today),
            &by.actor,
            &now,
        )?;
        // 冻结追溯码: before the case is stored, so it records what it froze.
        case.frozen_batches = self.freeze_for_case(by, &case, ip.clone()).await?;
        let stored = self
            .store
            .create_record(
                NewRecord {
                    kind: RecordKind::Case,
                    index: case_index(&case, &region),
                    body: to_body(&case)?,
                    links: vec![],
                    flow: vec![],
                    import_key: None,
                },
                AuditEntry {
                    enterprise_id: Some(enterprise_id),
                    ..audit(by, "case.open", ip)
                },
            )
            .await?;
        self.record_changed(RecordKind::Case, stored.id);
        // A case decides its findings (V6-class): they leave the review queue.
        for f in &case.findings {
            self.store
                .decide_finding(f.finding_id, case.class.as_str(), &by.actor, None)
                .await?;
        }
        Ok(stored.into())
    }

    /// One finding `by` may see.
    pub(crate) async fn finding(
        &self,
        by: &Principal,
        id: i64,
    ) -> ServiceResult<Option<zhisu_store::FindingRow>> {
        let page = self
            .store
            .list_findings(&FindingQuery {
                id: Some(id),
                limit: 1,
                ..FindingQuery::new(by.list_scope())
            })
            .await?;
        Ok(page.items.into_iter().next())
    }

    /// Every case not yet closed (notified or answered), of one
    /// enterprise or of all, with its record ID. A body that does not read
    /// as a case (`ledger verify` names it) is left out, so a scan or a
    /// list never fails on it.
    pub(crate) async fn open_cases(
        &self,
        enterprise_id: Option<i64>,
    ) -> ServiceResult<Vec<(i64, Case)>> {
        let mut open = Vec::new();
        for status in [CaseStatus::Notified, CaseStatus::Answered] {
            let mut offset = 0;
            loop {
                let mut query =
                    RecordQuery::new(RecordKind::Case, zhisu_domain::auth::ListScope::All);
                query.enterprise_id = enterprise_id;
                query.tag = Some(status.as_str().into());
                query.limit = 500;
                query.offset = offset;
                let page = self.store.list_records(&query).await?;
                let n = page.items.len() as i64;
                for stored in page.items {
                    match serde_json::from_value::<Case>(stored.body) {
                        Ok(case) => open.push((stored.id, case)),
                        Err(e) => {
                            tracing::error!(case = stored.id, error = %e, "a stored case does not read")
                        }
                    }
                }
                if n < 500 {
                    break;
                }
                offset += n;
            }
        }
        Ok(open)
    }

    /// The open case that suspends code making for a product (暂停赋码,
    /// V6-dispose), if any: a case holding that measure that concerns the
    /// product ([`Service::concerned_by`]).
    pub(crate) async fn codes_suspended_by(
        &self,
        enterprise_id: i64,
        product_id: i64,
    ) -> ServiceResult<Option<i64>> {
        for (id, case) in self.open_cases(Some(enterprise_id)).await? {
            if case.holds(zhisu_domain::cases::Measure::SuspendCodes)
                && self.concerned_by(&case).await?.covers(product_id)
            {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Stores the next version of a case after `change` (a pure
    /// transition); nothing is written when it refuses.
    async fn step_case(
        &self,
        by: &Principal,
        id: i64,
        action: &str,
        ip: Option<String>,
        change: impl FnOnce(&mut Case) -> Result<(), CaseRefusal>,
    ) -> ServiceResult<RecordView> {
        let stored = self.read_stored(by, RecordKind::Case, id).await?;
        let region = stored.region_code.clone();
        let view = RecordView::from(stored);
        let mut case: Case = view.typed()?;
        change(&mut case)?;
        let updated = self
            .store
            .update_record(
                RecordKind::Case,
                id,
                Some(view.version),
                case_index(&case, &region),
                to_body(&case)?,
                AuditEntry {
                    enterprise_id: Some(case.enterprise_id),
                    target: Some(format!("case/{id}")),
                    ..audit(by, action, ip)
                },
            )
            .await?;
        self.record_changed(RecordKind::Case, id);
        Ok(updated.into())
    }

    /// The enterprise answers in its 整改 inbox: only its own people.
    pub async fn answer_case(
        &self,
        by: &Principal,
        id: i64,
        answer: CaseAnswer,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let view = self.read_record(by, RecordKind::Case, id).await?;
        if by.enterprise_id != Some(view.enterprise_id) {
            return Err(ServiceError::Forbidden(
                "只有被立案的企业可以答复 (only the enterprise concerned answers a case)".into(),
            ));
        }
        for hash in &answer.files {
            let hash = hash.trim().to_ascii_lowercase();
            if hash.len() == 64 && self.store.blob(&hash).await?.is_none() {
                return Err(zhisu_domain::Invalid(vec![zhisu_domain::FieldError::new(
                    "files",
                    "missing",
                    format!("证明材料 {hash} 尚未上传 (file {hash} was not uploaded)"),
                )
                .clause("V6-dispose")])
                .into());
            }
        }
        let now = format_time(Utc::now());
        let actor = by.actor.clone();
        self.step_case(by, id, "case.answer", ip, |case| {
            case.answer(&answer, &actor, &now)
        })
        .await
    }

    /// The case's findings the rules still see, after running them again
    /// over the current records.
    async fn standing(&self, by: &Principal, case: &Case) -> ServiceResult<Vec<i64>> {
        self.run_verification(Some(by), |_| {}).await?;
        let mut standing = Vec::new();
        for f in &case.findings {
            if self
                .finding(by, f.finding_id)
                .await?
                .is_some_and(|row| row.status == "open")
            {
                standing.push(f.finding_id);
            }
        }
        Ok(standing)
    }

    /// A regulator of the enterprise's region has the rules re-run on the
    /// corrected records: passed, the case waits to be closed; failed, it
    /// goes back to the enterprise naming what still stands.
    pub async fn recheck_case(
        &self,
        by: &Principal,
        id: i64,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let case = self.regulated_case(by, id).await?;
        if case.status != CaseStatus::Answered {
            // Said before the rules run for nothing.
            return Err(case.clone().recheck(vec![], "", "").unwrap_err().into());
        }
        let standing = self.standing(by, &case).await?;
        let now = format_time(Utc::now());
        let actor = by.actor.clone();
        self.step_case(by, id, "case.recheck", ip, |case| {
            case.recheck(standing, &actor, &now)
        })
        .await
    }

    /// A regulator closes the case; refused (409, naming the findings)
    /// while the rules, run again now, still see one of it — unless every
    /// one standing is settled by a person and the regulator accepts them
    /// (`accept_standing`) with its reasons in the note.
    pub async fn close_case(
        &self,
        by: &Principal,
        id: i64,
        close: CloseCase,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let case = self.regulated_case(by, id).await?;
        if case.status != CaseStatus::Answered {
            return Err(case
                .clone()
                .close(vec![], vec![], "", "", "")
                .unwrap_err()
                .into());
        }
        let standing = self.standing(by, &case).await?;
        let catalogue = zhisu_domain::verification::catalogue();
        let by_person = |id: &i64| {
            case.findings.iter().any(|f| {
                f.finding_id == *id
                    && catalogue
                        .rule(&f.rule)
                        .is_some_and(|r| r.settle != "system")
            })
        };
        let (accepted, blocking): (Vec<i64>, Vec<i64>) = if close.accept_standing {
            standing.iter().partition(|id| by_person(id))
        } else {
            (Vec::new(), standing.clone())
        };
        if !blocking.is_empty() {
            return Err(self.still_standing(&case, &blocking).await);
        }
        let now = format_time(Utc::now());
        let actor = by.actor.clone();
        let closed = self
            .step_case(by, id, "case.close", ip.clone(), |case| {
                case.close(blocking, accepted, &close.note, &actor, &now)
            })
            .await?;
        self.unfreeze_for_case(by, id, &case.frozen_batches, ip)
            .await?;
        Ok(closed)
    }

    /// The refusal of a close, naming each finding that still stands by
    /// its rule and record, as a regulator reads it.
    async fn still_standing(&self, case: &Case, standing: &[i64]) -> ServiceError {
        let mut named = Vec::new();
        for f in case
            .findings
            .iter()
            .filter(|f| standing.contains(&f.finding_id))
        {
            let record = match RecordKind::parse(&f.kind) {
                Some(kind) => self.record_name(kind, f.record_id).await.ok().flatten(),
                None => None,
            }
            .unwrap_or_else(|| format!("{} {}", f.kind, f.record_id));
            let rule = zhisu_domain::verification::catalogue()
                .rule(&f.rule)
                .map(|r| r.zh.clone())
                .unwrap_or_default();
            named.push(format!("{}「{rule}」：{record}", f.rule));
        }
        ServiceError::Conflict(format!(
            "复核未通过，以下问题仍然存在，不能结案：{} (the re-check still sees finding(s) {}: the case cannot close)",
            named.join("；"),
            standing.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ))
    }

    /// A case `by` may act on as its regulator: one it cannot see is not
    /// found; one it sees but does not regulate is forbidden.
    pub(crate) async fn regulated_case(&self, by: &Principal, id: i64) -> ServiceResult<Case> {
        let stored = self.read_stored(by, RecordKind::Case, id).await?;
        if !Self::regulates(by, stored.enterprise_id, &stored.region_code) {
            return Err(ServiceError::Forbidden(
                "只有企业所在地区的监管人员可以复核、结案 (only a regulator of the enterprise's region re-checks or closes a case)".into(),
            ));
        }
        RecordView::from(stored).typed()
    }

    /// The deployment's disposal measures on `today` (V6-dispose).
    fn disposal(&self, today: NaiveDate) -> zhisu_domain::cases::Disposal<'_> {
        zhisu_domain::cases::Disposal {
            table: &self.settings.disposal_measures,
            today,
        }
    }

    /// Escalates every case past its deadline with no answer (run by the
    /// nightly schedule and `zhisu verify run`): the next class's measures
    /// and a new deadline, a version by `system`. The number escalated.
    pub async fn escalate_overdue_cases(&self, today: NaiveDate) -> ServiceResult<usize> {
        let mut escalated = 0;
        let mut offset = 0;
        loop {
            let mut query = RecordQuery::new(RecordKind::Case, zhisu_domain::auth::ListScope::All);
            query.tag = Some(CaseStatus::Notified.as_str().into());
            query.limit = 500;
            query.offset = offset;
            let page = self.store.list_records(&query).await?;
            let n = page.items.len() as i64;
            for stored in page.items {
                let region = stored.region_code.clone();
                let view = RecordView::from(stored);
                let mut case: Case = view.typed()?;
                let now = format_time(Utc::now());
                if !case.escalate(&self.disposal(today), "system", &now) {
                    continue;
                }
                // Escalated to a class that freezes: the schedule freezes.
                let system = Principal::system();
                for batch in self.freeze_for_case(&system, &case, None).await? {
                    if !case.frozen_batches.contains(&batch) {
                        case.frozen_batches.push(batch);
                    }
                }
                self.store
                    .update_record(
                        RecordKind::Case,
                        view.id,
                        Some(view.version),
                        case_index(&case, &region),
                        to_body(&case)?,
                        AuditEntry {
                            actor: "system".into(),
                            action: "case.escalate".into(),
                            target: Some(format!("case/{}", view.id)),
                            enterprise_id: Some(case.enterprise_id),
                            outcome: "ok".into(),
                            ..Default::default()
                        },
                    )
                    .await?;
                self.record_changed(RecordKind::Case, view.id);
                escalated += 1;
            }
            // Escalated cases stay notified, so the page's rows stay put.
            if n < 500 {
                break;
            }
            offset += n;
        }
        Ok(escalated)
    }
}
