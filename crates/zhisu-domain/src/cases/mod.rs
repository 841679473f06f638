//! Cases (立案处置, V6-dispose): verification findings of one enterprise
//! followed to closure the way CAPA is: opened and the enterprise notified
//! → it answers in its 整改 inbox → the rules re-run and a regulator
//! confirms → closed. A case cannot close while a finding of it still
//! stands; a missed deadline escalates it to the next class's measures.
//! Every transition is a step in the case's body, so each one is a
//! ledgered version with its actor. Pure: the service reads findings and
//! re-runs the rules.

mod measures;

pub use measures::{measure_table, ClassMeasures, ClassOverride, Disposal, Measure, MeasureTable};

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Invalid};
use crate::verification::ResultClass;

/// Where a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CaseStatus {
    /// 待整改: opened and the enterprise notified; its answer is awaited.
    Notified,
    /// 待复核: the enterprise has answered; a regulator re-checks.
    Answered,
    /// 已结案
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 3] = [
        CaseStatus::Notified,
        CaseStatus::Answered,
        CaseStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Notified => "notified",
            CaseStatus::Answered => "answered",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CaseStatus::Notified => "待整改",
            CaseStatus::Answered => "待复核",
            CaseStatus::Closed => "已结案",
        }
    }
}

/// What a step of a case did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CaseAction {
    /// 立案并通知企业
    Open,
    /// 企业答复
    Answer,
    /// 复核通过
    RecheckPassed,
    /// 复核未通过: back to the enterprise.
    RecheckFailed,
    /// 逾期升级
    Escalate,
    /// 结案
    Close,
}

impl CaseAction {
    pub fn label_zh(self) -> &'static str {
        match self {
            CaseAction::Open => "立案并通知企业",
            CaseAction::Answer => "企业答复",
            CaseAction::RecheckPassed => "复核通过",
            CaseAction::RecheckFailed => "复核未通过",
            CaseAction::Escalate => "逾期升级",
            CaseAction::Close => "结案",
        }
    }
}

/// One finding as the case took it in, so the case reads the same after
/// the finding is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseFinding {
    pub finding_id: i64,
    pub rule: String,
    /// `enterprise`, `product`, `batch`, `flow`, …
    pub kind: String,
    pub record_id: i64,
    pub field: String,
    pub evidence: String,
}

/// One transition, with its actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseStep {
    pub action: CaseAction,
    /// `user:{id}`, `key:{id}` or `system`.
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Evidence files (their SHA-256) the enterprise attached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Findings a re-check still saw.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standing: Vec<i64>,
}

/// A stored case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    pub enterprise_id: i64,
    pub findings: Vec<CaseFinding>,
    /// The class decided (V6-class).
    pub class: ResultClass,
    /// The class the findings proposed.
    pub proposed_class: ResultClass,
    /// Why the regulator changed the proposed class.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class_reason: String,
    pub measures: Vec<Measure>,
    /// The day (Asia/Shanghai) the enterprise must answer by.
    pub deadline: String,
    pub status: CaseStatus,
    /// Times a missed deadline escalated the case.
    #[serde(default)]
    pub escalations: u32,
    /// The batches 冻结追溯码 froze, lifted when the case closes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frozen_batches: Vec<i64>,
    pub steps: Vec<CaseStep>,
}

/// What a regulator sends to open a case.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseInput {
    /// Open findings of one enterprise.
    pub findings: Vec<i64>,
    /// `minor`, `non-compliant` or `serious`; the findings' proposal when
    /// left out.
    #[serde(default)]
    pub class: Option<String>,
    /// Required when the class differs from the proposal.
    #[serde(default)]
    pub class_reason: Option<String>,
    /// `YYYY-MM-DD`, after today; the class's days when left out.
    #[serde(default)]
    pub deadline: Option<String>,
    /// What the enterprise is told.
    #[serde(default)]
    pub note: String,
}

/// The enterprise's answer.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseAnswer {
    /// What was corrected, or why the finding is mistaken.
    pub note: String,
    /// Evidence files already uploaded (their SHA-256).
    #[serde(default)]
    pub files: Vec<String>,
}

/// A regulator's closing words.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCase {
    /// The conclusion, kept with the case; required with `accept_standing`.
    #[serde(default)]
    pub note: String,
    /// Close although findings that a person settles (their rule's
    /// `settle` is `person` or `site`) still stand: the regulator has
    /// verified them and says why in `note`. Findings the rules settle
    /// must be corrected.
    #[serde(default)]
    pub accept_standing: bool,
}

/// A transition the case's state does not allow, or a close the re-check
/// refuses: a conflict, not a bad field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseRefusal {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("案件{status}，不能{action} (the case is {status_en}; it cannot be {action_en})")]
    WrongState {
        status: &'static str,
        status_en: &'static str,
        action: &'static str,
        action_en: &'static str,
    },
    /// The findings a re-check still sees.
    #[error("复核未通过，问题仍然存在 (the re-check still sees findings {0:?})")]
    Standing(Vec<i64>),
}

fn invalid(errors: Vec<FieldError>) -> CaseRefusal {
    CaseRefusal::Invalid(Invalid(errors))
}

fn step(action: CaseAction, by: &str, at: &str) -> CaseStep {
    CaseStep {
        action,
        by: by.to_string(),
        at: at.to_string(),
        note: String::new(),
        files: Vec::new(),
        standing: Vec::new(),
    }
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Text sent by a person: trimmed, bounded.
fn text(field: &str, zh: &str, value: &str, required: bool) -> Result<String, FieldError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(FieldError::required(field, zh, "V6-dispose"));
    }
    if v.chars().count() > 2_000 {
        return Err(FieldError::new(
            field,
            "too-long",
            format!("{zh}不能超过 2000 字 ({field}: at most 2,000 characters)"),
        )
        .clause("V6-dispose"));
    }
    Ok(v.to_string())
}

impl Case {
    /// Opens a case on `findings` (already checked to be open findings of
    /// `enterprise_id`), whose most serious proposal is `proposed`, under
    /// the deployment's measures on its day (Asia/Shanghai).
    pub fn open(
        enterprise_id: i64,
        findings: Vec<CaseFinding>,
        proposed: ResultClass,
        input: &OpenCaseInput,
        disposal: &Disposal,
        by: &str,
        now: &str,
    ) -> Result<Case, CaseRefusal> {
        let today = disposal.today;
        let mut errors = Vec::new();
        if findings.is_empty() {
            errors.push(FieldError::required("findings", "核查问题", "V6-dispose"));
        }
        let class = match input
            .class
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => Some(proposed),
            Some(c) => match ResultClass::parse(c) {
                Some(ResultClass::Compliant) => {
                    errors.push(
                        FieldError::new(
                            "class",
                            "compliant",
                            "结论为合格的无需立案 (a compliant result opens no case)",
                        )
                        .clause("V6-class"),
                    );
                    None
                }
                Some(c) => Some(c),
                None => {
                    errors.push(
                        FieldError::new(
                            "class",
                            "unknown",
                            format!(
                                "结论类别“{c}”不存在，应为 minor、non-compliant 或 serious (class '{c}' is unknown: minor, non-compliant or serious)"
                            ),
                        )
                        .clause("V6-class"),
                    );
                    None
                }
            },
        };
        let class_reason = match text(
            "class_reason",
            "改变结论的理由",
            input.class_reason.as_deref().unwrap_or(""),
            class.is_some_and(|c| c != proposed),
        ) {
            Ok(r) => r,
            Err(e) => {
                errors.push(e.clause("V6-class"));
                String::new()
            }
        };
        let note = text("note", "通知内容", &input.note, false).unwrap_or_else(|e| {
            errors.push(e);
            String::new()
        });
        let table = class.and_then(|c| disposal.table.of(c));
        let deadline = match input
            .deadline
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => table.and_then(|t| today.checked_add_days(Days::new(t.deadline_days.into()))),
            Some(d) => match parse_day(d) {
                Some(day) if day > today => Some(day),
                Some(_) => {
                    errors.push(
                        FieldError::new(
                            "deadline",
                            "past",
                            format!("整改期限须晚于今天 {today} (the deadline must be after today, {today})"),
                        )
                        .clause("V6-dispose"),
                    );
                    None
                }
                None => {
                    errors.push(
                        FieldError::new(
                            "deadline",
                            "format",
                            "整改期限应为日期，如 2027-01-31 (deadline: a date, YYYY-MM-DD)",
                        )
                        .clause("V6-dispose"),
                    );
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        let (class, table, deadline) = match (class, table, deadline) {
            (Some(c), Some(t), Some(d)) => (c, t, d),
            _ => {
                return Err(invalid(vec![FieldError::required(
                    "class",
                    "结论类别",
                    "V6-class",
                )]))
            }
        };
        let mut open = step(CaseAction::Open, by, now);
        open.note = note;
        Ok(Case {
            enterprise_id,
            findings,
            class,
            proposed_class: proposed,
            class_reason,
            measures: table.measures.clone(),
            deadline: deadline.to_string(),
            status: CaseStatus::Notified,
            escalations: 0,
            frozen_batches: Vec::new(),
            steps: vec![open],
        })
    }

    fn refuse(&self, action: &'static str, action_en: &'static str) -> CaseRefusal {
        CaseRefusal::WrongState {
            status: self.status.label_zh(),
            status_en: self.status.as_str(),
            action,
            action_en,
        }
    }

    /// The enterprise answers: what it corrected, with evidence.
    pub fn answer(&mut self, answer: &CaseAnswer, by: &str, now: &str) -> Result<(), CaseRefusal> {
        if self.status != CaseStatus::Notified {
            return Err(self.refuse("答复", "answered"));
        }
        let note = text("note", "整改说明", &answer.note, true).map_err(|e| invalid(vec![e]))?;
        let mut files = Vec::new();
        for f in &answer.files {
            let f = f.trim().to_ascii_lowercase();
            if f.len() != 64 || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(vec![FieldError::new(
                    "files",
                    "format",
                    "证明材料应为已上传文件的 SHA-256 (files: the SHA-256 of uploaded files)",
                )
                .clause("V6-dispose")]));
            }
            if !files.contains(&f) {
                files.push(f);
            }
        }
        let mut s = step(CaseAction::Answer, by, now);
        s.note = note;
        s.files = files;
        self.steps.push(s);
        self.status = CaseStatus::Answered;
        Ok(())
    }

    /// The rules have re-run on the corrected records; `standing` are the
    /// case's findings they still see. Passed: the case waits to be closed.
    /// Failed: back to the enterprise.
    pub fn recheck(&mut self, standing: Vec<i64>, by: &str, now: &str) -> Result<(), CaseRefusal> {
        if self.status != CaseStatus::Answered {
            return Err(self.refuse("复核", "re-checked"));
        }
        let mut s = step(
            if standing.is_empty() {
                CaseAction::RecheckPassed
            } else {
                CaseAction::RecheckFailed
            },
            by,
            now,
        );
        if !standing.is_empty() {
            self.status = CaseStatus::Notified;
        }
        s.standing = standing;
        self.steps.push(s);
        Ok(())
    }

    /// A regulator closes the case; refused while the re-check (`standing`,
    /// from rules re-run just now) still sees a finding of it that the
    /// regulator has not `accepted`. A finding a person settles (a late
    /// filing stays late) may be accepted with the reasons in `note`; the
    /// close step lists it.
    pub fn close(
        &mut self,
        standing: Vec<i64>,
        accepted: Vec<i64>,
        note: &str,
        by: &str,
        now: &str,
    ) -> Result<(), CaseRefusal> {
        if self.status != CaseStatus::Answered {
            return Err(self.refuse("结案", "closed"));
        }
        if !standing.is_empty() {
            return Err(CaseRefusal::Standing(standing));
        }
        let note =
            text("note", "结案意见", note, !accepted.is_empty()).map_err(|e| invalid(vec![e]))?;
        let mut s = step(CaseAction::Close, by, now);
        s.standing = accepted;
        s.note = note;
        self.steps.push(s);
        self.status = CaseStatus::Closed;
        Ok(())
    }

    /// Past its deadline with no answer.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status == CaseStatus::Notified && parse_day(&self.deadline).is_some_and(|d| d < today)
    }

    /// An overdue case moves to the next class's measures with a new
    /// deadline; a class with none to move to keeps its measures and counts
    /// the escalation. False when the case is not overdue.
    pub fn escalate(&mut self, disposal: &Disposal, by: &str, now: &str) -> bool {
        let today = disposal.today;
        if !self.is_overdue(today) {
            return false;
        }
        let table = disposal.table;
        let next = table
            .of(self.class)
            .and_then(|m| m.escalates_to)
            .unwrap_or(self.class);
        let days = table.of(next).map_or(15, |m| m.deadline_days);
        let mut s = step(CaseAction::Escalate, by, now);
        s.note = if next == self.class {
            format!("逾期未整改，期限延至 {days} 天后 (overdue: {days} more days)")
        } else {
            format!(
                "逾期未整改，由“{}”升级为“{}” (overdue: {} → {})",
                self.class.label_zh(),
                next.label_zh(),
                self.class.as_str(),
                next.as_str()
            )
        };
        for m in table.of(next).map(|m| m.measures.as_slice()).unwrap_or(&[]) {
            if !self.measures.contains(m) {
                self.measures.push(*m);
            }
        }
        self.class = next;
        self.escalations += 1;
        self.deadline = today
            .checked_add_days(Days::new(days.into()))
            .unwrap_or(today)
            .to_string();
        self.steps.push(s);
        true
    }

    /// Whether the case holds `measure` while open.
    pub fn holds(&self, measure: Measure) -> bool {
        self.status != CaseStatus::Closed && self.measures.contains(&measure)
    }
}

#[cfg(test)]
mod tests;
