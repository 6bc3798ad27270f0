"""Rectification (Art. 12, 推动问题整改) end to end on the embedded engine, with the real workers:
the notice, the unit's analysis and plan, progress reports on deadlines (a late one reminded),
the supervision check with the register's repeat check, the leaders' approval, and the two ends
(整改销号, 严肃处理). The clock is the engine's, moved by the test, never slept."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.procedure import case_steps as steps
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order, squeeze
from tests.procedure.test_e2e_determination import TWO_DEPARTMENTS
from workers.form_submissions import RectificationRegistration

BEIJING = timezone(timedelta(hours=8))
OFFICE = "discipline-office"
LEADERS = "discipline-leaders"
UNIT = "dept-development-reform"


def registration(**changes: Any) -> dict[str, Any]:
    """What the office enters in the start form `rectification-registration`."""
    return {
        "subjectKind": "person",
        "personName": "李明",
        "personPosition": "副局长",
        "unitId": UNIT,
        "problemSource": "special-inspection",
        "errorCategory": "project-approval",
        "problemSummary": "产业园区项目审批中未按规定履行集体研究程序即先行办理",
        "problemFoundOn": "2026-09-01",
        **changes,
    }


async def start_rectification(run: ProcedureRun, variables: dict[str, Any]) -> Case:
    RectificationRegistration.model_validate(variables)
    created = await run.client.run_process("rectification", variables=variables)
    return Case(int(created.process_instance_key))


async def notice_and_plan(
    run: ProcedureRun, case: Case, *, deadline: str, interval: str = "P30D"
) -> None:
    await run.complete_task(
        case,
        "draftRectificationNotice",
        {
            "rectificationRequirements": "完善项目审批集体研究制度，对已办理事项逐项补正程序",
            "rectificationDeadline": deadline,
            "progressReportInterval": interval,
        },
        candidate_group=OFFICE,
    )
    await run.complete_task(
        case,
        "recordProblemAnalysis",
        {
            "problemAnalysis": "为赶工期简化审批流程，未经局党组集体研究",
            "problemCauses": "程序意识不强，制度执行不严",
            "rectificationPlan": "修订审批工作规程，十月底前完成已办事项的补正",
            "analysisRecordedBy": "张华",
            "analysisRecordedOn": "2026-09-03",
        },
        candidate_group=UNIT,
    )


async def report(run: ProcedureRun, case: Case, on: str, *, completed: bool) -> None:
    await run.complete_task(
        case,
        "reportRectificationProgress",
        {
            "progressReportedOn": on,
            "progressSummary": "已修订审批工作规程" + ("，已办事项全部补正" if completed else ""),
            "rectificationCompleted": completed,
        },
        candidate_group=UNIT,
    )


async def check_and_approve(
    run: ProcedureRun, case: Case, *, assessment: str, handling: str
) -> dict[str, Any]:
    """The office's supervision check and the leaders' approval; returns what the office's form
    showed (the task's variables at the time)."""
    task = await run.wait_for_user_task(case, "supervisionCheck", candidate_group=OFFICE)
    shown = run.variables(case)
    await run.complete_task(
        case,
        "supervisionCheck",
        {
            "checkedOn": "2026-10-20",
            "checkFindings": "实地检查审批台账和会议记录",
            "rectificationAssessment": assessment,
            "proposedHandling": handling,
            "handlingReason": "依照第十二条提出",
        },
        candidate_group=OFFICE,
    )
    await run.complete_task(
        case,
        "approveHandling",
        {
            "handlingApproved": True,
            "handlingApprovedBy": "陈志刚",
            "handlingApprovedOn": "2026-10-21",
        },
        candidate_group=LEADERS,
    )
    del task
    return shown


async def test_rectification_completed_is_closed_as_rectified(procedure: ProcedureRun) -> None:
    run = procedure
    case = await start_rectification(run, registration())
    await notice_and_plan(run, case, deadline="2026-10-31")
    variables = run.variables(case)
    assert variables["caseNumber"] == "游纪整〔2026〕1号"
    assert variables["procedureName"] == "问题整改"
    assert variables["registerSubjects"] == [{"kind": "person", "name": "李明", "unitId": UNIT}]

    # The notice: official layout, its own 发文字号, the names and the deadline in Chinese.
    notice = variables["rectificationNoticeDocument"]
    text = squeeze(run.document_text(notice))
    assert "整改通知书" in text
    assert "游纪发〔2026〕1号" in text
    assert "中共绵阳市游仙区纪律检查委员会" in text
    assert "绵阳市游仙区发展和改革局党组织" in text
    assert "区发展和改革局副局长李明" in text
    assert "二〇二六年十月三十一日前完成整改" in text
    assert "专项督查" in text and "第十二条" in text
    assert variables["rectificationDeadlineAt"] == "2026-11-01T00:00:00+08:00"

    # Several reports until done; the first due 30 days after it was asked for.
    task = await run.wait_for_user_task(case, "reportRectificationProgress")
    assert task["dueDate"].startswith("2026-10-02")
    await report(run, case, "2026-09-30", completed=False)
    await run.advance_clock(case, timedelta(days=28))
    await report(run, case, "2026-10-28", completed=True)

    shown = await check_and_approve(run, case, assessment="rectified", handling="close")
    assert shown["repeatedError"] is False
    assert shown["repeatCheckText"] == "经查登记簿，李明此前没有其他案件记录。"
    assert shown["handlingSuggestion"]["handling"] == "close"
    await run.wait_until_completed(case)

    done = run.variables(case)
    assert done["registerOutcome"] == "已整改销号"
    assert [r["completed"] for r in done["progressReports"]] == [False, True]
    assert done["handlingApprovals"][0]["approvedBy"] == "陈志刚"
    assert_passed_in_order(
        run.path(case),
        "rectification#generateRectificationNotice",
        "rectification#recordProblemAnalysis",
        "rectification#checkRepeatedErrors",
        "rectification#supervisionCheck",
        "rectification#approveHandling",
        "rectification#rectifiedEnd",
    )
    assert "rectification#remindLateReport" not in run.path(case)
    assert run.incidents(case) == []


async def test_not_rectified_by_the_deadline_is_reminded_then_escalated(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await start_rectification(
        run, registration(subjectKind="unit", personName=None, personPosition=None)
    )
    await notice_and_plan(run, case, deadline="2026-10-15", interval="P15D")
    await run.wait_for_user_task(case, "reportRectificationProgress")

    # The report due on 17 September is late: the office is reminded, the report still awaited.
    await run.set_clock(case, datetime(2026, 9, 17, 9, 1, tzinfo=BEIJING))
    await run.wait_until_passed(case, "rectification#remindLateReport")
    [reminder] = [n for n in run.sent() if n.notice_type == "rectification-report-overdue"]
    assert reminder.recipient == "discipline-office"
    assert "报告逾期" in reminder.subject
    assert "rectification#reportRectificationProgress" in run.active(case)
    assert len(run.variables(case)["lateReportReminders"]) == 1

    # Nothing done by 24:00 of 15 October: the rectification period ends, overdue.
    await run.set_clock(case, datetime(2026, 10, 15, 23, 59, tzinfo=BEIJING))
    await run.harness.engine.barrier()
    assert "rectification#recordOverdue" not in run.path(case)
    await run.set_clock(case, datetime(2026, 10, 16, 0, 0, 1, tzinfo=BEIJING))
    await run.wait_until_passed(case, "rectification#recordOverdue")

    shown = await check_and_approve(
        run, case, assessment="not-rectified", handling="serious-handling"
    )
    assert shown["rectificationOverdue"] is True
    assert shown["handlingSuggestion"]["handling"] == "serious-handling"
    assert "整改期限届满" in shown["handlingSuggestion"]["reason"]
    await run.wait_until_completed(case)
    assert run.variables(case)["registerOutcome"] == "升级严肃处理"
    assert_passed_in_order(
        run.path(case),
        "rectification#remindLateReport",
        "rectification#recordOverdue",
        "rectification#supervisionCheck",
        "rectification#escalatedEnd",
    )
    assert run.incidents(case) == []


async def test_an_error_exempted_before_is_flagged_when_it_recurs(procedure: ProcedureRun) -> None:
    run = procedure
    # An exemption case of 李明 (区发展和改革局), the same category, recognised (8(3)).
    exemption = await run.start_case(steps.application(errorCategory="project-approval"))
    await steps.joint_acceptance_review(run, exemption)
    await steps.joint_investigation(run, exemption, TWO_DEPARTMENTS)
    await steps.determination(run, exemption, steps.recognising_opinion(publicity=False))
    await run.wait_until_passed(exemption, "exemption-procedure#callInvestigation")
    exempted = run.variables(exemption)
    assert exempted["determinationRecognised"] is True
    assert exempted["registerSubjects"] == [{"kind": "person", "name": "李明", "unitId": UNIT}]

    # The same error again, a month later.
    await run.set_clock(exemption, datetime(2026, 10, 8, 9, 0, tzinfo=BEIJING))
    case = await start_rectification(run, registration())
    await notice_and_plan(run, case, deadline="2026-11-30")
    await report(run, case, "2026-10-20", completed=True)

    shown = await check_and_approve(run, case, assessment="rectified", handling="serious-handling")
    assert shown["repeatedError"] is True
    text = shown["repeatCheckText"]
    assert "经查登记簿，李明此前共有1件案件记录" in text
    assert "容错免责办理（游容免〔2026〕1号），问题类别为“项目审批”，办理结果：认定容错免责" in text
    assert "属于同一错误再次发生" in text
    assert "曾经容错免责认定" in text
    [earlier] = shown["earlierCases"]
    assert earlier["caseNumber"] == "游容免〔2026〕1号" and earlier["sameError"] is True
    # The machine proposes serious handling; the office decided it, the leaders approved.
    assert shown["handlingSuggestion"]["handling"] == "serious-handling"
    await run.wait_until_completed(case)
    assert run.variables(case)["registerOutcome"] == "升级严肃处理"


CALLER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Definitions_caller"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="rectification-caller" name="提醒告诫（调用替身）" isExecutable="true">
    <bpmn:startEvent id="started">
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:callActivity id="callRectification" name="转入问题整改">
      <bpmn:extensionElements>
        <zeebe:calledElement processId="rectification" propagateAllChildVariables="false" />
        <zeebe:ioMapping>
          <zeebe:input source="=caseNumber" target="originCaseNumber" />
          <zeebe:output source="=registerOutcome" target="rectificationOutcome" />
        </zeebe:ioMapping>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:endEvent id="ended"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="started" targetRef="callRectification" />
    <bpmn:sequenceFlow id="f2" sourceRef="callRectification" targetRef="ended" />
  </bpmn:process>
</bpmn:definitions>
"""


async def test_called_from_a_reminder_the_calling_case_is_not_an_earlier_error(
    procedure: ProcedureRun, tmp_path: Path
) -> None:
    """`reminder-warning` passes the problem by a call activity (ROUND3 contract); a stand-in
    caller plays it here. Its own case, same person and category, is the same problem."""
    run = procedure
    caller_file = tmp_path / "rectification-caller.bpmn"
    caller_file.write_text(CALLER, encoding="utf-8")
    await run.client.deploy_resource(str(caller_file))
    created = await run.client.run_process(
        "rectification-caller",
        variables={
            "caseNumber": "游纪提〔2026〕2号",
            "procedureName": "提醒告诫",
            "errorCategory": "project-approval",
            "registerSubjects": [{"kind": "person", "name": "李明", "unitId": UNIT}],
            "reportedProblem": {
                "source": "written-enquiry",
                "summary": "函询回复未能说明项目审批程序问题",
                "personName": "李明",
                "personPosition": "副局长",
                "unitId": UNIT,
            },
        },
    )
    caller = Case(int(created.process_instance_key))
    await notice_and_plan(run, caller, deadline="2026-10-31")
    [rectification] = [k for k, p in run.instances(caller).items() if p == "rectification"]
    child = Case(rectification)
    called = run.variables(child)
    assert called["caseNumber"] == "游纪整〔2026〕1号"
    assert called["originCaseNumber"] == "游纪提〔2026〕2号"
    assert called["subjectDisplayName"] == "区发展和改革局副局长李明"
    await report(run, caller, "2026-09-20", completed=True)
    await run.wait_for_user_task(caller, "supervisionCheck")
    checked = run.variables(child)
    assert checked["repeatedError"] is False
    assert checked["repeatCheckText"] == "经查登记簿，李明此前没有其他案件记录。"
    await check_and_approve(run, caller, assessment="rectified", handling="close")
    await run.wait_until_completed(caller)
    assert run.variables(caller)["rectificationOutcome"] == "已整改销号"
    assert run.variables(caller)["caseNumber"] == "游纪提〔2026〕2号"
