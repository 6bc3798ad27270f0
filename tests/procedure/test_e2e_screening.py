"""Periodic screening (Art. 10) end to end on the embedded engine with the real workers: the
quarterly cron timer starts the screening on the quarter's first day, every unit's party
organisation files its analysis, one unit is late (reminded, marked overdue, its task shown as
overdue), the office reviews and refers problems, each referral is published as message
`problem-referral` and starts an instance of a process with that message start event.
The engine clock is moved, never slept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from engine.api import Resource
from engine.core.records import Intent, ValueType
from tests.procedure import officers
from tests.procedure.scenario import Case, ProcedureRun, squeeze
from workers.organisation import district_unit_ids, unit_by_id

BEIJING = timezone(timedelta(hours=8))
QUARTER_DAY = datetime(2026, 10, 1, 9, 0, tzinfo=BEIJING)
LATE_UNIT = "town-xianhe"

# A stand-in for `reminder-warning` (built on another branch): a message start event taking
# `problem-referral`, waiting at a task so the started instances can be read.
REFERRAL_RECEIVER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://example.org">
  <bpmn:message id="m" name="problem-referral" />
  <bpmn:process id="referral-receiver" isExecutable="true">
    <bpmn:startEvent id="referred"><bpmn:outgoing>f</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f" sourceRef="referred" targetRef="handle" />
    <bpmn:serviceTask id="handle"><bpmn:extensionElements>
      <zeebe:taskDefinition type="test.handle-referral" /></bpmn:extensionElements>
      <bpmn:incoming>f</bpmn:incoming></bpmn:serviceTask>
  </bpmn:process>
</bpmn:definitions>
"""

REFERRED = [
    {
        "source": "petition",
        "personName": "郑海波",
        "personPosition": "副局长",
        "unitId": "dept-housing-construction",
        "summary": "群众反映其在项目验收中打招呼",
    },
    {
        "source": "personal-matters",
        "personName": "何晓燕",
        "personPosition": "镇长",
        "unitId": LATE_UNIT,
        "summary": "个人有关事项报告漏报房产一处",
    },
]


def analysis(unit_id: str) -> dict[str, Any]:
    name = unit_by_id(unit_id).name  # type: ignore[union-attr]
    return {
        "petitionFindings": f"{name}本季度收到信访件2件，均已办结，未发现问题",
        "inspectionFindings": "巡察反馈问题3个，已整改2个",
        "disciplineReviewFindings": "未发现问题",
        "personalMattersFindings": "抽查核实2人，未发现问题",
        "screeningTendencies": "工程项目管理存在廉政风险苗头",
        "screeningMeasures": "完善工程项目审批制度，加强关键岗位轮岗",
    }


@pytest.fixture
def referrals_published_by(procedure: ProcedureRun) -> Iterator[ProcedureRun]:
    """The referral worker publishes on the workers' own connection, with the demo workers'
    limits (tests/procedure/conftest.py, as workers/__main__.py)."""
    yield procedure


def screenings(run: ProcedureRun) -> list[Case]:
    return [
        Case(int(i["processInstanceKey"]))
        for i in run.harness.engine.query.process_instances()
        if i["processDefinitionId"] == "problem-screening"
    ]


async def file_analysis(run: ProcedureRun, task: dict[str, Any]) -> None:
    [unit] = task["candidateGroups"]
    response = await run.submit_as(unit, int(task["userTaskKey"]), analysis(unit))
    assert response.status_code == 204, response.text


async def test_quarterly_screening_started_by_cron_with_overdue_unit_and_referrals(
    referrals_published_by: ProcedureRun,
) -> None:
    run = referrals_published_by
    await run.harness.deploy(Resource("referral-receiver.bpmn", REFERRAL_RECEIVER))
    assert screenings(run) == []

    # The quarter's first day, 09:00 Beijing time: the cron timer starts one screening.
    await run.harness.set_clock(QUARTER_DAY - timedelta(seconds=1))
    assert screenings(run) == []
    await run.harness.set_clock(QUARTER_DAY)
    [case] = screenings(run)
    units = district_unit_ids()
    await run.wait_until(
        case,
        "every unit has its screening task",
        lambda: len(tasks_of(run, case, "fileScreeningAnalysis")) == len(units),
    )
    variables = run.variables(case)
    assert variables["caseNumber"] == "游纪排〔2026〕1号"
    assert variables["procedureName"] == "定期排查梳理"
    assert variables["screeningPeriod"] == "2026年第四季度"
    assert variables["screeningOccasion"] == "定期排查"
    assert variables["screeningDueAt"] == "2026-10-21T17:30:00+08:00"
    assert {s["unitId"] for s in variables["registerSubjects"]} == set(units)
    open_tasks = tasks_of(run, case, "fileScreeningAnalysis")
    assert {t["candidateGroups"][0] for t in open_tasks} == set(units)
    due = datetime(2026, 10, 21, 17, 30, tzinfo=BEIJING)
    assert {datetime.fromisoformat(t["dueDate"]) for t in open_tasks} == {due}

    # Every unit but one files in time; a unit cannot file another unit's analysis.
    late = next(t for t in open_tasks if t["candidateGroups"] == [LATE_UNIT])
    refused = await run.submit_as("dept-audit", int(late["userTaskKey"]), analysis(LATE_UNIT))
    assert refused.status_code == 403, refused.text
    for task in open_tasks:
        if task is not late:
            await file_analysis(run, task)
    await run.wait_until(
        case,
        "only the late unit's task is open",
        lambda: len(tasks_of(run, case, "fileScreeningAnalysis")) == 1,
    )
    assert not any(e.endswith("#markScreeningOverdue") for e in run.path(case))

    # The deadline passes: the late unit is reminded and marked overdue, its task stays open and
    # is found by the dashboard's query for tasks past their due date.
    await run.set_clock(case, datetime(2026, 10, 21, 17, 30, tzinfo=BEIJING))
    await run.wait_until_passed(case, "problem-screening#markScreeningOverdue")
    [still_open] = tasks_of(run, case, "fileScreeningAnalysis")
    scope = run.harness.engine.query.visible_variables(int(still_open["elementInstanceKey"]))
    assert scope["screeningOverdue"] is True
    assert "仙鹤镇" in scope["screeningReminder"] and "已逾期" in scope["screeningReminder"]
    overdue = await run.rest.post(
        "/v2/user-tasks/search",
        json={"filter": {"state": "CREATED", "dueDate": {"$lt": "2026-10-21T09:31:00Z"}}},
        headers=officers.bearer(LATE_UNIT),
    )
    assert overdue.status_code == 200, overdue.text
    assert [int(t["userTaskKey"]) for t in overdue.json()["items"]] == [
        int(still_open["userTaskKey"])
    ]
    await file_analysis(run, still_open)

    # The office reviews all analyses and refers two problems for Art. 11 handling.
    await run.wait_for_user_task(case, "reviewScreeningAnalyses")
    analyses = run.variables(case)["screeningAnalyses"]
    assert len(analyses) == len(units)
    assert [a["unitId"] for a in analyses if a["overdue"]] == [LATE_UNIT]
    assert analyses[0]["analysis"]["measures"].startswith("完善工程项目审批制度")
    await run.complete_task(
        case,
        "reviewScreeningAnalyses",
        {
            "screeningAssessment": "本季度排查发现工程建设领域廉政风险较为突出，需重点监督",
            "problemsReferred": True,
            "referredProblems": REFERRED,
        },
    )
    await run.wait_until_completed(case)
    assert "problem-screening#screeningReferredEnd" in run.path(case)
    final = run.variables(case)
    assert final["registerOutcome"] == "已分析研判，移交问题线索2件"

    # Each referral was published once as `problem-referral` and started the receiver.
    published = [
        r.value
        for r in run.harness.engine.query.records(value_type=ValueType.MESSAGE)
        if r.intent == Intent.PUBLISHED and r.value.get("name") == "problem-referral"
    ]
    assert [p["variables"]["reportedProblem"] for p in published] == [
        {**problem, "personPosition": problem["personPosition"]} for problem in REFERRED
    ]
    assert all(p["variables"]["originCaseNumber"] == "游纪排〔2026〕1号" for p in published)
    assert all(p["variables"]["caseNumber"] == "游纪排〔2026〕1号" for p in published)
    assert published[1]["variables"]["registerSubjects"] == [
        {"kind": "person", "name": "何晓燕", "unitId": LATE_UNIT}
    ]
    received = [
        i
        for i in run.harness.engine.query.process_instances()
        if i["processDefinitionId"] == "referral-receiver"
    ]
    assert len(received) == 2
    started_with = [
        run.harness.engine.query.variables(int(i["processInstanceKey"]))["reportedProblem"]
        for i in received
    ]
    assert sorted(p["personName"] for p in started_with) == ["何晓燕", "郑海波"]

    # The report, in official layout, names the period, the late unit and the referrals.
    text = squeeze(run.document_text(final["screeningReportDocument"]))
    assert "关于2026年第四季度问题排查梳理情况的分析报告" in text
    assert "游纪排〔2026〕1号" in text
    assert "其中仙鹤镇逾期报送" in text
    assert "何晓燕" in text and "已按第十一条移交提醒告诫处置" in text
    assert "工程建设领域廉政风险较为突出" in text


async def test_ad_hoc_screening_of_chosen_units_without_referral(procedure: ProcedureRun) -> None:
    created = await procedure.client.run_process(
        "problem-screening",
        variables={
            "screeningAllUnits": False,
            "screeningUnits": ["dept-audit", "street-fujiang"],
            "screeningPeriod": "",
            "screeningFilingDays": 10,
            "screeningRequirements": "重点排查工程建设领域",
        },
    )
    case = Case(int(created.process_instance_key))
    await procedure.wait_until(
        case,
        "both units have a task",
        lambda: len(tasks_of(procedure, case, "fileScreeningAnalysis")) == 2,
    )
    variables = procedure.variables(case)
    assert variables["screeningOccasion"] == "临时部署排查"
    assert variables["screeningPeriod"] == "2026年9月（临时部署）"
    assert variables["screeningDueAt"] == "2026-09-12T17:30:00+08:00"
    for task in tasks_of(procedure, case, "fileScreeningAnalysis"):
        await file_analysis(procedure, task)
    await procedure.complete_task(
        case,
        "reviewScreeningAnalyses",
        {"screeningAssessment": "未发现需要处置的问题", "problemsReferred": False},
    )
    await procedure.wait_until_completed(case)
    assert "problem-screening#screeningClosedEnd" in procedure.path(case)
    assert not any(e.endswith("#markScreeningOverdue") for e in procedure.path(case))
    final = procedure.variables(case)
    assert final["referredProblems"] == []
    assert final["registerOutcome"] == "已分析研判，未发现需移交处置的问题"
    text = squeeze(procedure.document_text(final["screeningReportDocument"]))
    assert "均按期报送" in text and "未发现需移交提醒告诫处置的问题" in text


def tasks_of(run: ProcedureRun, case: Case, element_id: str) -> list[dict[str, Any]]:
    return [t for t in run.user_tasks(case) if t["elementId"] == element_id]
