"""Reminders and warnings (Art. 11, 提醒警示) end to end on the embedded engine: a reported problem
is registered (or referred by the screening), the office proposes 约谈, 函询 or 民主生活会说明, the
commission's leaders approve, the disposal is recorded and the outcome closes the case or hands it
to rectification. The clock is the engine's and only moved by the test."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.procedure.conftest import BEIJING
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order, squeeze
from workers.form_submissions import ProblemRegistration

STAND_INS = Path(__file__).parent / "fixtures" / "stand-ins"
P = "reminder-warning"

REGISTRATION: dict[str, Any] = {
    "problemSource": "petition",
    "problemSummary": (
        "反映其在辖区农贸市场改造项目验收中把关不严，存在未按合同约定验收即签字的问题"
    ),
    "personName": "李明",
    "personPosition": "区商务局副局长",
    "personUnitId": "dept-audit",
}
TALK: dict[str, Any] = {
    "disposalMethod": "talk",
    "disposalReason": "反映问题具体，情节较轻，宜当面约谈了解情况、提醒警示",
}
ENQUIRY: dict[str, Any] = {
    "disposalMethod": "enquiry",
    "disposalReason": "反映问题具体，需本人作出书面说明",
    "enquiryWorkingDays": 15,
    "enquiryReminderWorkingDays": 5,
}
APPROVED_IN_MEETING: dict[str, Any] = {
    "disposalApproved": True,
    "disposalApprovalMethod": "meeting",
    "disposalApprovalMeetingDate": "2026-09-02",
    "disposalApprovalMinutesNumber": "游纪纪要〔2026〕9号",
    "disposalApprovedBy": "何建华",
    "disposalApprovalComments": "同意",
}
CLOSED_EXPLAINED: dict[str, Any] = {
    "outcomeKind": "closed",
    "closureReason": "explained",
    "outcomeReasoning": "本人已就反映问题作出说明，经核实验收手续完备，问题已说明清楚",
    "outcomeDecidedOn": "2026-10-12",
}


async def register(procedure: ProcedureRun, variables: dict[str, Any] | None = None) -> Case:
    submitted = variables or REGISTRATION
    ProblemRegistration.model_validate(submitted)
    created = await procedure.client.run_process(P, variables=submitted)
    return Case(int(created.process_instance_key), P)


async def propose_and_approve(
    procedure: ProcedureRun, case: Case, proposal: dict[str, Any]
) -> None:
    await procedure.complete_task(case, "proposeDisposal", proposal)
    await procedure.complete_task(case, "approveDisposal", APPROVED_IN_MEETING)


async def test_enquiry_answered_late_gets_a_reminder_with_a_new_deadline_then_the_reply(
    procedure: ProcedureRun,
) -> None:
    case = await register(procedure)
    await propose_and_approve(procedure, case, ENQUIRY)
    await procedure.wait_for_user_task(case, "recordEnquiryDelivery")
    variables = procedure.variables(case)
    # 15 working days after 2 September 2026, the day of issue not counted, until 24:00
    assert variables["enquiryLastDay"] == "2026-09-22"
    assert variables["enquiryDueAt"] == "2026-09-23T00:00:00+08:00"
    letter = variables["enquiryLetterDocument"]
    assert re.fullmatch(r"游纪函〔2026〕[1-9]\d*号", letter["documentNumber"])
    text = squeeze(procedure.document_text(letter))
    assert "函询函" in text
    assert "李明同志" in text
    assert "2026年9月22日前" in text
    assert letter["documentNumber"] in text
    assert variables["caseNumber"] in text

    await procedure.complete_task(
        case,
        "recordEnquiryDelivery",
        {
            "enquiryDeliveredOn": "2026-09-03",
            "enquiryDeliveryMethod": "entrusted",
            "enquiryDeliveryReceiver": "王芳",
        },
    )
    await procedure.wait_for_user_task(case, "recordEnquiryReply")
    assert f"{P}#generateReminderLetter" not in procedure.path(case)

    # No reply by the deadline: the next morning the 催告函 goes out with a new deadline.
    await procedure.set_clock(case, datetime(2026, 9, 23, 9, 30, tzinfo=BEIJING))
    await procedure.wait_until_passed(case, f"{P}#generateReminderLetter")
    variables = procedure.variables(case)
    assert variables["enquiryLastDay"] == "2026-10-08"
    assert [d["stage"] for d in variables["enquiryDeadlines"]] == ["enquiry", "reminder"]
    assert variables["enquiryDeadlines"][1]["setOn"] == "2026-09-23"
    reminder = variables["enquiryReminderDocument"]
    assert reminder["documentNumber"] != letter["documentNumber"]
    [recorded] = variables["enquiryReminders"]
    assert recorded["newLastDay"] == "2026-10-08"
    assert recorded["documentNumber"] == reminder["documentNumber"]
    reminder_text = squeeze(procedure.document_text(reminder))
    assert "函询催告函" in reminder_text
    assert "2026年10月8日前" in reminder_text
    assert letter["documentNumber"] in reminder_text  # the enquiry it reminds of
    # the reply is still awaited: the reminder never withdraws the task
    await procedure.wait_for_user_task(case, "recordEnquiryReply")

    await procedure.set_clock(case, datetime(2026, 9, 29, 10, 0, tzinfo=BEIJING))
    await procedure.complete_task(
        case,
        "recordEnquiryReply",
        {
            "enquiryReplyReceivedOn": "2026-09-29",
            "enquiryReplySummary": "本人说明：验收由第三方机构出具报告后签字，附验收报告复印件",
            "enquiryReplyEndorsed": True,
        },
    )
    await procedure.complete_task(case, "recordOutcome", CLOSED_EXPLAINED)
    await procedure.wait_until_completed(case)
    variables = procedure.variables(case)
    assert variables["registerOutcome"] == "已了结（已说明清楚）"
    assert variables["enquiryReplyReceivedOn"] == "2026-09-29"
    assert_passed_in_order(
        procedure.path(case),
        f"{P}#computeReplyDeadline",
        f"{P}#generateEnquiryLetter",
        f"{P}#recordEnquiryDelivery",
        f"{P}#replyDeadlinePassed",
        f"{P}#computeReminderDeadline",
        f"{P}#generateReminderLetter",
        f"{P}#recordEnquiryReply",
        f"{P}#recordOutcome",
        f"{P}#closedEnd",
    )


async def test_talk_recorded_then_closed_with_every_approval_round_kept(
    procedure: ProcedureRun,
) -> None:
    case = await register(procedure)
    await procedure.wait_for_user_task(case, "proposeDisposal")
    variables = procedure.variables(case)
    # the register variables every procedure carries (ROUND3 contract)
    assert re.fullmatch(r"游纪提〔2026〕[1-9]\d*号", variables["caseNumber"])
    assert variables["procedureName"] == "提醒告诫"
    assert variables["registerSubjects"] == [
        {"kind": "person", "name": "李明", "unitId": "dept-audit"}
    ]
    assert variables["errorCategory"] == "other"

    await procedure.complete_task(case, "proposeDisposal", TALK)
    await procedure.complete_task(
        case,
        "approveDisposal",
        {
            "disposalApproved": False,
            "disposalApprovalMethod": "circulation",
            "disposalApprovalCirculatedOn": "2026-09-02",
            "disposalApprovedBy": "何建华",
            "disposalSendBackRemarks": "请写明约谈人选",
        },
    )
    # the proposal comes back with the leader's remarks, which its form shows
    await procedure.wait_for_user_task(case, "proposeDisposal")
    returned = procedure.variables(case)
    assert returned["disposalApproved"] is False
    assert returned["disposalSendBackRemarks"] == "请写明约谈人选"
    await procedure.complete_task(
        case, "proposeDisposal", {**TALK, "disposalReason": "由区纪委副书记张伟约谈提醒"}
    )
    await procedure.complete_task(case, "approveDisposal", APPROVED_IN_MEETING)
    await procedure.complete_task(
        case,
        "recordTalk",
        {
            "talkConductedBy": "张伟（区纪委副书记）",
            "talkDate": "2026-09-07",
            "talkRecord": (
                "李明同志说明了验收过程，表示今后严格按合同验收；约谈人提出严格履职的要求"
            ),
        },
    )
    await procedure.complete_task(
        case,
        "recordOutcome",
        {
            "outcomeKind": "closed",
            "closureReason": "reminded",
            "outcomeReasoning": "问题情节轻微，经约谈已予以提醒",
            "outcomeDecidedOn": "2026-09-08",
        },
    )
    await procedure.wait_until_completed(case)
    variables = procedure.variables(case)
    assert variables["registerOutcome"] == "已了结（予以提醒）"
    assert variables["talkConductedBy"] == "张伟（区纪委副书记）"
    records = variables["disposalApprovalRecords"]
    assert [(r["approved"], r["method"], r["decidedBy"]) for r in records] == [
        (False, "circulation", "何建华"),
        (True, "meeting", "何建华"),
    ]
    assert records[0]["sendBackRemarks"] == "请写明约谈人选"
    assert records[1]["minutesNumber"] == "游纪纪要〔2026〕9号"
    assert f"{P}#computeReplyDeadline" not in procedure.path(case)


async def test_life_meeting_only_for_a_minor_matter_and_its_criticism_recorded(
    procedure: ProcedureRun,
) -> None:
    case = await register(procedure)
    proposal = {"disposalMethod": "life-meeting", "disposalReason": "问题轻微，在民主生活会上说明"}
    await procedure.complete_task(case, "proposeDisposal", proposal)
    # not confirmed minor: the decision table sends the proposal back, saying why (Art. 11)
    await procedure.wait_until_passed(case, f"{P}#checkDisposalProposal")
    await procedure.wait_for_user_task(case, "proposeDisposal")
    check = procedure.variables(case)["disposalCheck"]
    assert check["allowed"] is False
    assert "不需要给予党纪政纪处分" in check["refusal"]
    assert not [t for t in procedure.user_tasks(case) if t["elementId"] == "approveDisposal"]

    await propose_and_approve(procedure, case, {**proposal, "minorMatter": True})
    await procedure.complete_task(
        case,
        "recordLifeMeetingExplanation",
        {
            "lifeMeetingName": "2026年度区商务局领导班子民主生活会",
            "lifeMeetingDate": "2026-09-15",
            "lifeMeetingExplanation": "李明同志说明了验收签字前未核对合同条款的情况",
            "lifeMeetingCriticism": "班子成员提出批评意见，本人作了自我批评并提出整改措施",
        },
    )
    await procedure.complete_task(
        case,
        "recordOutcome",
        {**CLOSED_EXPLAINED, "closureReason": "reminded", "outcomeDecidedOn": "2026-09-16"},
    )
    await procedure.wait_until_completed(case)
    variables = procedure.variables(case)
    assert variables["lifeMeetingCriticism"].startswith("班子成员提出批评意见")
    assert variables["disposalCheck"]["allowed"] is True
    assert variables["registerOutcome"] == "已了结（予以提醒）"


async def test_a_referral_from_the_screening_starts_a_case(procedure: ProcedureRun) -> None:
    problem = {
        "source": "inspection",
        "summary": "巡察发现其分管的项目资金拨付审批手续不全",
        "personName": "赵刚",
        "personPosition": "区审计局副局长",
        "unitId": "dept-audit",
    }
    before = {i["processInstanceKey"] for i in procedure.harness.engine.query.process_instances()}
    # as the screening's worker publishes it: no correlation key for a message start
    await procedure.client.publish_message(
        "problem-referral",
        correlation_key="",
        variables={
            "reportedProblem": problem,
            "caseNumber": "游纪排〔2026〕2号",
            "procedureName": "定期排查梳理",
            "registerSubjects": [{"kind": "person", "name": "赵刚", "unitId": "dept-audit"}],
        },
    )

    def started() -> list[int]:
        return [
            int(i["processInstanceKey"])
            for i in procedure.harness.engine.query.process_instances()
            if i["processDefinitionId"] == P and i["processInstanceKey"] not in before
        ]

    await procedure.wait_until(Case(0), "a referral started a case", lambda: bool(started()))
    case = Case(started()[0], P)
    task = await procedure.wait_for_user_task(case, "proposeDisposal")
    assert "discipline-office" in task["candidateGroups"]
    variables = procedure.variables(case)
    assert variables["referredFromCaseNumber"] == "游纪排〔2026〕2号"
    assert re.fullmatch(r"游纪提〔2026〕[1-9]\d*号", variables["caseNumber"])
    assert variables["procedureName"] == "提醒告诫"
    assert variables["reportedProblem"]["personName"] == "赵刚"
    assert variables["reportedUnitName"] == "绵阳市游仙区审计局"
    assert_passed_in_order(procedure.path(case), f"{P}#referralReceived", f"{P}#assignCaseNumber")


async def test_outcome_rectification_enters_the_rectification_call_activity(
    procedure: ProcedureRun,
) -> None:
    # a stand-in for the rectification branch's process, in this engine only
    await procedure.client.deploy_resource(str(STAND_INS / "rectification.bpmn"))
    case = await register(procedure)
    await propose_and_approve(procedure, case, TALK)
    await procedure.complete_task(
        case,
        "recordTalk",
        {"talkConductedBy": "张伟", "talkDate": "2026-09-07", "talkRecord": "本人承认验收把关不严"},
    )
    await procedure.complete_task(
        case,
        "recordOutcome",
        {
            "outcomeKind": "rectification",
            "outcomeReasoning": "验收把关不严属实，需分析原因、制定措施纠错整改",
            "outcomeDecidedOn": "2026-09-08",
        },
    )
    await procedure.wait_until_waiting_at(case, f"{P}#callRectification")
    await procedure.wait_until_waiting_at(case, "rectification#standInWaiting")
    root = procedure.variables(case)
    called = procedure.stage_variables(case, "rectification")
    assert called["originCaseNumber"] == root["caseNumber"]
    assert called["reportedProblem"]["personName"] == "李明"
    assert called["registerSubjects"] == root["registerSubjects"]
    assert called["errorCategory"] == "other"
    # only the contract's variables are passed: the rectification numbers its own case
    assert "caseNumber" not in called
    assert root["registerOutcome"] == "转问题整改"


async def test_an_untrue_report_can_be_handed_to_clarification(procedure: ProcedureRun) -> None:
    """The optional path of Art. 14: a report found untrue goes to `clarification`."""
    await procedure.client.deploy_resource(str(STAND_INS / "clarification.bpmn"))
    case = await register(procedure)
    await propose_and_approve(procedure, case, TALK)
    await procedure.complete_task(
        case,
        "recordTalk",
        {"talkConductedBy": "张伟", "talkDate": "2026-09-07", "talkRecord": "经约谈核实，验收合规"},
    )
    await procedure.complete_task(
        case,
        "recordOutcome",
        {
            "outcomeKind": "clarification",
            "outcomeReasoning": "经核实验收手续完备，反映失实，需向其所在单位党组织说明",
            "outcomeDecidedOn": "2026-09-08",
        },
    )
    await procedure.wait_until_waiting_at(case, "clarification#standInWaiting")
    root = procedure.variables(case)
    called = procedure.stage_variables(case, "clarification")
    assert called["originCaseNumber"] == root["caseNumber"]
    assert called["originFindings"].startswith("经核实验收手续完备")
    assert called["registerSubjects"] == root["registerSubjects"]
    assert root["registerOutcome"] == "转澄清了结"
