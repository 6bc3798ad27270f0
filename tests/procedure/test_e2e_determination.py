"""End to end, 8(3) and 8(4): investigation, determination, publicity, feedback, filing and the
district committee's record."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.core.records import ValueType
from tests.procedure import case_steps as steps
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order, squeeze

BEIJING = timezone(timedelta(hours=8))
TWO_DEPARTMENTS = {
    "dept-audit": steps.finding("dept-audit", "容缺受理程序有会议纪要支持"),
    "dept-org-department": steps.finding(
        "dept-org-department", "未发现谋取私利", circumstances=["art7-8"]
    ),
}


async def _accepted_and_investigated(run: ProcedureRun, case: Case) -> None:
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(run, case, TWO_DEPARTMENTS)


def _publicity_timers(run: ProcedureRun, case: Case) -> list[tuple[str, int]]:
    keys = set(run.instances(case))
    return [
        (r.intent, int(r.value["dueDate"]))
        for r in run.harness.engine.query.records(value_type=ValueType.TIMER)
        if r.value.get("targetElementId") == "publicityPeriodEnds"
        and r.value.get("processInstanceKey") in keys
    ]


async def test_c_recognised_without_publicity_informs_both_and_files_the_case(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application(districtManagedCadre=False))
    await _accepted_and_investigated(run, case)
    await steps.determination(run, case, steps.recognising_opinion(publicity=False))
    await steps.org_personnel_receipt(run, case)

    await run.wait_until_completed(case)
    path = run.path(case)
    assert_passed_in_order(
        path,
        "application#assignCaseNumber",
        "acceptance#generateAcceptanceNotice",
        "acceptance#sendAcceptanceNotice",
        "investigation#assignDepartments",
        "investigation#summariseFindings",
        "investigation#suggestEligibility",
        "investigation#suggestOutcomes",
        "investigation#draftDeterminationOpinion",
        "investigation#approveDeterminationOpinion",
        "investigation#generateDeterminationOpinion",
        "exemption-procedure#publicityRequiredGateway",
        "feedback-filing#generateFeedbackNotice",
        "feedback-filing#archiveCase",
        "exemption-procedure#cadreGateway",
        "exemption-procedure#caseClosedEnd",
    )
    # both departments investigated, each jointly with the accountability subject
    assert path.count("investigation#departmentInvestigation") == 2
    assert path.count("investigation#subjectJointConfirmation") == 2
    assert {
        "feedback-filing#sendFeedbackToApplicant",
        "feedback-filing#sendFeedbackToOrgPersonnel",
    } <= set(path)
    assert not any(e.startswith(("publicity#", "committee-recording#")) for e in path)
    assert "exemption-procedure#callCommitteeRecording" not in path

    variables = run.variables(case)
    case_number = variables["caseNumber"]
    assert case_number == "游容免〔2026〕1号"
    assert [f["department"] for f in variables["departmentFindings"]] == list(TWO_DEPARTMENTS)
    # the machine's suggestion and the people's decision are both kept
    assert variables["eligibilitySuggestion"]["suggestedRecognised"] is True
    assert variables["outcomeSuggestion"] == ["art9-1", "art9-2", "art9-3", "art9-4"]
    assert variables["determinationRecognised"] is True
    assert variables["determinationOutcomes"] == ["art9-1", "art9-4"]
    assert variables["deviationReason"] == "情节轻微，不予组织处理"

    opinion = squeeze(run.document_text(variables["determinationOpinionDocument"]))
    for expected in (
        "容错免责书面审定意见书",
        case_number,
        "申请人：李明（游仙区发展和改革局）",
        "启动问责日期：2026年8月20日",
        "区审计局、区委组织部会同问责主体区纪委监委",
        "认定申请人的行为符合容错免责情形",
        "第九条第（一）项",
        "第九条第（四）项",
        "不需公示",
    ):
        assert expected in opinion, expected
    assert "第九条第（二）项" not in opinion  # suggested by the DMN, not decided
    feedback = squeeze(run.document_text(variables["feedbackNoticeDocument"]))
    assert "容错免责认定结果反馈通知书" in feedback
    assert case_number in feedback and "李明同志" in feedback
    assert "认定符合容错免责情形" in feedback
    assert "2026年9月1日" in feedback

    sent = {(n.notice_type, n.recipient): n for n in run.sent()}
    assert set(sent) == {
        ("acceptance-notice", "applicant"),
        ("determination-feedback", "applicant"),
        ("determination-feedback", "org-personnel"),
        ("determination-feedback", "accountability-subject"),
    }
    opinion_file = variables["determinationOpinionDocument"]["fileName"]
    for recipient in ("applicant", "org-personnel", "accountability-subject"):
        assert opinion_file in sent[("determination-feedback", recipient)].attachments

    manifest = await run.assert_verified_archive(case_number)
    decisions = {d["name"]: d["value"] for d in manifest["decisions"]}
    assert decisions["closure"] == "determined"
    assert decisions["outcomeSuggestion"] == ["art9-1", "art9-2", "art9-3", "art9-4"]
    assert decisions["determinationOutcomes"] == ["art9-1", "art9-4"]
    archived = {f["kind"] for f in manifest["files"]}
    assert {"acceptance-notice", "determination-opinion", "feedback-notice"} <= archived


async def test_d_publicity_over_national_day_then_committee_acknowledges(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application(districtManagedCadre=True))
    await _accepted_and_investigated(run, case)
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))

    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    variables = run.stage_variables(case, "publicity")
    assert variables["publicityLastWorkingDay"] == "2026-10-13"
    assert variables["publicityEndsAt"] == "2026-10-14T00:00:00+08:00"
    due = int(datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING).timestamp() * 1000)
    assert _publicity_timers(run, case) == [("CREATED", due)]

    await run.set_clock(case, datetime(2026, 10, 13, 23, 59, 59, tzinfo=BEIJING))
    await run.harness.engine.barrier()
    assert "publicity#publicityPeriodEnds" in run.active(case), run.describe(case)
    assert [intent for intent, _ in _publicity_timers(run, case)] == ["CREATED"]

    await run.set_clock(case, datetime(2026, 10, 14, 0, 0, 0, tzinfo=BEIJING))
    await run.wait_until_passed(case, "publicity#publicityPassedEnd")
    assert [intent for intent, _ in _publicity_timers(run, case)] == ["CREATED", "TRIGGERED"]

    await steps.org_personnel_receipt(run, case)
    await run.set_clock(case, datetime(2026, 10, 20, 10, 0, tzinfo=BEIJING))
    await run.complete_task(
        case,
        "acknowledgeCommitteeRecord",
        {
            "committeeAcknowledgedOn": "2026-10-20",
            "committeeRecordNumber": "区委备〔2026〕12号",
            "committeeRemarks": "已备案",
        },
        candidate_group="district-committee",
    )
    await run.wait_until_completed(case)

    path = run.path(case)
    assert_passed_in_order(
        path,
        "investigation#generateDeterminationOpinion",
        "publicity#arrangePublicity",
        "publicity#computePublicityPeriod",
        "publicity#generatePublicityAnnouncement",
        "publicity#publicityPeriodEnds",
        "publicity#publicityPassedEnd",
        "exemption-procedure#objectionGateway",
        "feedback-filing#archiveCase",
        "exemption-procedure#cadreGateway",
        "committee-recording#reportToDistrictCommittee",
        "committee-recording#acknowledgeCommitteeRecord",
        "committee-recording#recordCommitteeAcknowledgement",
        "exemption-procedure#caseClosedAfterRecordEnd",
    )
    assert "publicity#handleObjection" not in path

    variables = run.variables(case)
    case_number = variables["caseNumber"]
    assert variables["publicityOutcome"] == "passed"
    assert variables["committeeRecord"]["recordNumber"] == "区委备〔2026〕12号"
    # recorded when the engine says it happened, not when the test machine ran it
    assert variables["committeeRecord"]["recordedAt"].startswith("2026-10-20T02:00:00")
    feedback = squeeze(run.document_text(variables["feedbackNoticeDocument"]))
    assert case_number in feedback and "认定符合容错免责情形" in feedback
    # issued the day the publicity period ended
    assert "2026年10月14日（印章）" in feedback
    announcement = squeeze(run.document_text(variables["publicityAnnouncementDocument"]))
    for expected in (
        "容错免责审定意见公示公告",
        case_number,
        "李明",
        "自2026年9月28日次日起至2026年10月13日24时止",
        "公示方式：区政府网站",
        "认定符合容错免责情形",
    ):
        assert expected in announcement, expected
    opinion = squeeze(run.document_text(variables["determinationOpinionDocument"]))
    assert "本审定意见将在区发展和改革局公示，公示期为7个工作日" in opinion

    sent = {(n.notice_type, n.recipient): n for n in run.sent()}
    assert set(sent) == {
        ("acceptance-notice", "applicant"),
        ("determination-feedback", "applicant"),
        ("determination-feedback", "org-personnel"),
        ("determination-feedback", "accountability-subject"),
        ("committee-report", "district-committee"),
    }
    report = sent[("committee-report", "district-committee")]
    assert case_number in report.subject
    assert report.attachments == [variables["determinationOpinionDocument"]["fileName"]]
    await run.assert_verified_archive(case_number)


async def test_e_substantiated_objection_sends_the_case_back_and_it_is_not_recognised(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await _accepted_and_investigated(run, case)
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))
    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    first_opinion = run.variables(case)["determinationOpinionDocument"]
    case_number = run.variables(case)["caseNumber"]

    await run.set_clock(case, datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING))
    await run.publish_objection(
        case_number, "审批材料系伪造，当事人事先知情", "赵强", "2026-09-30T10:00:00+08:00"
    )
    await run.complete_task(
        case,
        "handleObjection",
        {
            "objectionSubstantiated": True,
            "objectionHandlingNotes": "经核实异议属实",
            "objectionAnswer": "经核实，所反映问题属实，已退回调查核实",
        },
        candidate_group="leading-group-office",
    )
    await run.wait_until_passed(case, "exemption-procedure#notifyReinvestigation")

    # second round: investigated again, and the office no longer recognises the case
    await steps.joint_investigation(
        run,
        case,
        {
            "dept-audit": steps.finding(
                "dept-audit", "材料系伪造，当事人知情", knowing_violation=True
            )
        },
    )
    await steps.determination(run, case, steps.rejecting_opinion())
    await steps.org_personnel_receipt(run, case, recognised=False)
    await run.wait_until_completed(case)

    path = run.path(case)
    assert_passed_in_order(
        path,
        "investigation#generateDeterminationOpinion",
        "publicity#generatePublicityAnnouncement",
        "publicity#handleObjection",
        "publicity#objectionSubstantiatedEnd",
        "exemption-procedure#objectionGateway",
        "exemption-procedure#notifyReinvestigation",
        "exemption-procedure#investigationJoin",
        "investigation#assignDepartments",
        "investigation#generateDeterminationOpinion",
        "feedback-filing#archiveCase",
        "exemption-procedure#caseClosedEnd",
    )
    assert path.count("exemption-procedure#callInvestigation") == 2
    assert path.count("exemption-procedure#callPublicity") == 1
    assert "publicity#publicityPeriodEnds" not in path

    variables = run.variables(case)
    assert variables["publicityOutcome"] == "objection-substantiated"
    [objection] = variables["objections"]
    assert objection["content"] == "审批材料系伪造，当事人事先知情"
    # who objected stays in the desk's register (Art. 15), never in the case's variables
    assert "objectorName" not in objection and "赵强" not in str(variables)
    assert objection["substantiated"] is True
    # the DMN's suggestion and the people's decision, both kept for the second round
    assert variables["eligibilitySuggestion"]["suggestedRecognised"] is False
    assert variables["determinationRecognised"] is False

    opinion = variables["determinationOpinionDocument"]
    assert opinion["documentId"] != first_opinion["documentId"]
    text = squeeze(run.document_text(opinion))
    assert case_number in text
    assert "不认定申请人的行为符合容错免责情形" in text
    assert "第九条" not in text  # outcomes of the first round are not printed
    feedback = squeeze(run.document_text(variables["feedbackNoticeDocument"]))
    assert "不认定符合容错免责情形" in feedback

    kinds = run.notice_kinds()
    assert ("reinvestigation", "leading-group") in kinds
    assert ("determination-feedback", "applicant") in kinds
    assert ("determination-feedback", "org-personnel") in kinds
    assert not any(kind == "committee-report" for kind, _ in kinds)
    reinvestigation = next(n for n in run.sent() if n.notice_type == "reinvestigation")
    assert case_number in reinvestigation.subject
    manifest = await run.assert_verified_archive(case_number)
    # both written opinions stay in the file: the one objected to and the final one
    opinions = [f for f in manifest["files"] if f["kind"] == "determination-opinion"]
    assert len(opinions) == 2


async def test_dismissed_objection_resumes_publicity_without_restarting_the_period(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await _accepted_and_investigated(run, case)
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))
    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    case_number = run.variables(case)["caseNumber"]

    await run.set_clock(case, datetime(2026, 10, 9, 15, 0, tzinfo=BEIJING))
    await run.publish_objection(
        case_number, "申请人另有违纪问题", "匿名", "2026-10-09T15:00:00+08:00"
    )
    await run.complete_task(
        case,
        "handleObjection",
        {
            "objectionSubstantiated": False,
            "objectionHandlingNotes": "所反映问题与本案无关",
            "objectionAnswer": "经核实，所反映问题与本案无关",
        },
        candidate_group="leading-group-office",
    )
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    due = int(datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING).timestamp() * 1000)
    created = [d for intent, d in _publicity_timers(run, case) if intent == "CREATED"]
    assert created == [due, due]  # re-entered, still ending at the same absolute moment

    await run.set_clock(case, datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING))
    await run.wait_until_passed(case, "publicity#publicityPassedEnd")
    await steps.org_personnel_receipt(run, case)
    await run.wait_until_completed(case)

    path = run.path(case)
    assert_passed_in_order(
        path,
        "publicity#handleObjection",
        "publicity#awaitJoin",
        "publicity#publicityPeriodEnds",
        "publicity#publicityPassedEnd",
        "feedback-filing#archiveCase",
        "exemption-procedure#caseClosedEnd",
    )
    assert "exemption-procedure#notifyReinvestigation" not in path
    assert path.count("exemption-procedure#callInvestigation") == 1
    variables = run.variables(case)
    assert variables["publicityOutcome"] == "passed"
    [objection] = variables["objections"]
    assert (objection["substantiated"], objection["notes"]) == (False, "所反映问题与本案无关")
    assert ("reinvestigation", "leading-group") not in run.notice_kinds()
