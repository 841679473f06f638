//! A case's transitions (V6-dispose): each allowed from one state only,
//! closing refused while a finding stands, escalation of an overdue case.

use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The repository's measures on a day.
fn on(s: &str) -> Disposal<'static> {
    Disposal {
        table: measure_table(),
        today: day(s),
    }
}

fn finding(id: i64) -> CaseFinding {
    CaseFinding {
        finding_id: id,
        rule: "ZV-R-001".into(),
        kind: "batch".into(),
        record_id: 7,
        field: "production_date".into(),
        evidence: "生产日期晚于激活".into(),
    }
}

fn opened(class: Option<&str>) -> Result<Case, CaseRefusal> {
    Case::open(
        3,
        vec![finding(1), finding(2)],
        ResultClass::NonCompliant,
        &OpenCaseInput {
            findings: vec![1, 2],
            class: class.map(str::to_string),
            class_reason: None,
            deadline: None,
            note: "请核对生产日期".into(),
        },
        &on("2026-12-06"),
        "user:9",
        "2026-12-06T02:00:00Z",
    )
}

fn fields(r: CaseRefusal) -> Vec<(String, String)> {
    match r {
        CaseRefusal::Invalid(Invalid(errors)) => {
            errors.into_iter().map(|e| (e.field, e.code)).collect()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_case_opens_with_the_proposed_class_its_measures_and_deadline() {
    let case = opened(None).unwrap();
    assert_eq!(case.class, ResultClass::NonCompliant);
    assert_eq!(case.status, CaseStatus::Notified);
    assert_eq!(
        case.measures,
        measure_table()
            .of(ResultClass::NonCompliant)
            .unwrap()
            .measures
    );
    let days = measure_table()
        .of(ResultClass::NonCompliant)
        .unwrap()
        .deadline_days;
    assert_eq!(
        case.deadline,
        (day("2026-12-06") + chrono::Days::new(days.into())).to_string()
    );
    assert_eq!(case.steps.len(), 1);
    assert_eq!(case.steps[0].action, CaseAction::Open);
    assert_eq!(case.steps[0].note, "请核对生产日期");
}

#[test]
fn bad_openings_name_their_field() {
    // Another class without a reason; an unknown class; compliant.
    assert_eq!(
        fields(opened(Some("serious")).unwrap_err()),
        [("class_reason".into(), "required".into())]
    );
    assert_eq!(
        fields(opened(Some("dreadful")).unwrap_err()),
        [("class".into(), "unknown".into())]
    );
    assert_eq!(
        fields(opened(Some("compliant")).unwrap_err()),
        [("class".into(), "compliant".into())]
    );
    // A deadline today or before, or not a date.
    for (deadline, code) in [
        ("2026-12-06", "past"),
        ("2026-01-01", "past"),
        ("next week", "format"),
    ] {
        let r = Case::open(
            3,
            vec![finding(1)],
            ResultClass::Minor,
            &OpenCaseInput {
                findings: vec![1],
                deadline: Some(deadline.into()),
                ..Default::default()
            },
            &on("2026-12-06"),
            "user:9",
            "t",
        );
        assert_eq!(
            fields(r.unwrap_err()),
            [("deadline".into(), code.into())],
            "{deadline}"
        );
    }
    // A changed class with its reason opens.
    let mut input = OpenCaseInput {
        findings: vec![1],
        class: Some("serious".into()),
        class_reason: Some("同一证书被三家企业使用，涉嫌冒用".into()),
        deadline: Some("2026-12-20".into()),
        ..Default::default()
    };
    let case = Case::open(
        3,
        vec![finding(1)],
        ResultClass::NonCompliant,
        &input,
        &on("2026-12-06"),
        "u",
        "t",
    )
    .unwrap();
    assert_eq!(case.class, ResultClass::Serious);
    assert_eq!(case.deadline, "2026-12-20");
    assert!(case.holds(Measure::FreezeCodes));
    input.findings.clear();
    let r = Case::open(
        3,
        vec![],
        ResultClass::Minor,
        &input,
        &on("2026-12-06"),
        "u",
        "t",
    );
    assert!(fields(r.unwrap_err()).contains(&("findings".into(), "required".into())));
}

#[test]
fn a_case_closes_only_after_an_answer_and_a_passing_recheck() {
    let mut case = opened(None).unwrap();
    // Nothing answered yet: neither re-check nor close.
    assert!(matches!(
        case.recheck(vec![], "u", "t"),
        Err(CaseRefusal::WrongState { .. })
    ));
    assert!(matches!(
        case.close(vec![], vec![], "", "u", "t"),
        Err(CaseRefusal::WrongState { .. })
    ));
    // An empty answer is refused and changes nothing.
    let before = case.clone();
    let r = case.answer(&CaseAnswer::default(), "user:5", "t");
    assert_eq!(fields(r.unwrap_err()), [("note".into(), "required".into())]);
    assert_eq!(case, before);
    // A file that is not a hash is refused.
    let r = case.answer(
        &CaseAnswer {
            note: "已更正".into(),
            files: vec!["../etc/passwd".into()],
        },
        "user:5",
        "t",
    );
    assert_eq!(fields(r.unwrap_err()), [("files".into(), "format".into())]);
    assert_eq!(case, before);

    let hash = "a".repeat(64);
    case.answer(
        &CaseAnswer {
            note: "已更正生产日期".into(),
            files: vec![hash.clone(), hash.to_uppercase()],
        },
        "user:5",
        "t1",
    )
    .unwrap();
    assert_eq!(case.status, CaseStatus::Answered);
    assert_eq!(case.steps[1].files, [hash], "one file, once");
    // Answered twice: refused.
    assert!(matches!(
        case.answer(
            &CaseAnswer {
                note: "x".into(),
                files: vec![]
            },
            "user:5",
            "t"
        ),
        Err(CaseRefusal::WrongState { .. })
    ));
    // Closing while finding 2 stands: refused, nothing changes.
    let before = case.clone();
    assert_eq!(
        case.close(vec![2], vec![], "", "user:9", "t"),
        Err(CaseRefusal::Standing(vec![2]))
    );
    assert_eq!(case, before);
    // A failing re-check sends it back to the enterprise.
    case.recheck(vec![2], "user:9", "t2").unwrap();
    assert_eq!(case.status, CaseStatus::Notified);
    assert_eq!(case.steps.last().unwrap().action, CaseAction::RecheckFailed);
    assert_eq!(case.steps.last().unwrap().standing, [2]);
    case.answer(
        &CaseAnswer {
            note: "再次更正".into(),
            files: vec![],
        },
        "user:5",
        "t3",
    )
    .unwrap();
    case.recheck(vec![], "user:9", "t4").unwrap();
    assert_eq!(case.status, CaseStatus::Answered);
    // Accepting a finding a person settles needs the reasons.
    let before = case.clone();
    let r = case.close(vec![], vec![1], "  ", "user:9", "t5");
    assert_eq!(fields(r.unwrap_err()), [("note".into(), "required".into())]);
    assert_eq!(case, before);
    case.close(
        vec![],
        vec![1],
        "迟报属实，已约谈并完善流程",
        "user:9",
        "t5",
    )
    .unwrap();
    assert_eq!(case.steps.last().unwrap().standing, [1], "accepted, listed");
    assert_eq!(case.status, CaseStatus::Closed);
    assert!(
        !case.holds(Measure::SuspendCodes),
        "a closed case holds nothing"
    );
    let actions: Vec<_> = case.steps.iter().map(|s| s.action).collect();
    assert_eq!(
        actions,
        [
            CaseAction::Open,
            CaseAction::Answer,
            CaseAction::RecheckFailed,
            CaseAction::Answer,
            CaseAction::RecheckPassed,
            CaseAction::Close
        ]
    );
}

#[test]
fn an_overdue_case_escalates_to_the_next_class_once_per_deadline() {
    let mut case = Case::open(
        3,
        vec![finding(1)],
        ResultClass::Minor,
        &OpenCaseInput {
            findings: vec![1],
            deadline: Some("2026-12-10".into()),
            ..Default::default()
        },
        &on("2026-12-06"),
        "u",
        "t",
    )
    .unwrap();
    assert_eq!(case.measures, [Measure::Notice]);
    // On the deadline it is not yet overdue.
    assert!(!case.is_overdue(day("2026-12-10")));
    assert!(!case.escalate(&on("2026-12-10"), "system", "t"));
    assert!(case.is_overdue(day("2026-12-11")));
    assert!(case.escalate(&on("2026-12-11"), "system", "t"));
    assert_eq!(case.class, ResultClass::NonCompliant);
    assert!(case.holds(Measure::Notice) && case.holds(Measure::CorrectionOrder));
    assert_eq!(case.escalations, 1);
    assert!(case.deadline.as_str() > "2026-12-11");
    // The new deadline is not passed: nothing more the same day.
    assert!(!case.escalate(&on("2026-12-11"), "system", "t"));
    // An answered case is not overdue, whatever the day.
    case.answer(
        &CaseAnswer {
            note: "已整改".into(),
            files: vec![],
        },
        "u",
        "t",
    )
    .unwrap();
    assert!(!case.is_overdue(day("2027-12-31")));
}

#[test]
fn a_serious_case_escalates_in_place() {
    let mut case = Case::open(
        3,
        vec![finding(1)],
        ResultClass::Serious,
        &OpenCaseInput {
            findings: vec![1],
            ..Default::default()
        },
        &on("2026-12-06"),
        "u",
        "t",
    )
    .unwrap();
    assert!(case.escalate(&on("2027-06-01"), "system", "t"));
    assert_eq!(case.class, ResultClass::Serious);
    assert_eq!(case.escalations, 1);
    assert_eq!(case.steps.last().unwrap().action, CaseAction::Escalate);
}
