"""End to end, 8(3) joint investigation: which units may investigate and who is recused (回避),
the leading group deciding when the accountability subject does not concur with the findings,
and every round of findings kept."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.procedure import case_steps as steps
from tests.procedure import officers
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order

BEIJING = timezone(timedelta(hours=8))
AUDIT_FINDING = steps.finding("dept-audit", "容缺受理程序有会议纪要支持")


async def _accepted(run: ProcedureRun, case: Case) -> None:
    await steps.joint_acceptance_review(run, case)


async def _task_variables(
    run: ProcedureRun, case: Case, element_id: str, group: str = "leading-group"
) -> dict[str, Any]:
    """What the desk shows on the task's form: its variables as the officer reads them."""
    task = await run.wait_for_user_task(case, element_id, candidate_group=group)
    response = await run.rest.post(
        f"/v2/user-tasks/{task['userTaskKey']}/variables/search",
        json={"page": {"limit": 500}},
        headers=officers.bearer(group),
    )
    assert response.status_code == 200, response.text
    return {item["name"]: _parsed(item["value"]) for item in response.json()["items"]}


def _parsed(value: Any) -> Any:
    """REST gives variable values as JSON text."""
    return json.loads(value) if isinstance(value, str) else value


async def _assignment_variables(run: ProcedureRun, case: Case) -> dict[str, Any]:
    return await _task_variables(run, case, "assignDepartments")


async def test_recusal_the_subject_and_the_applicants_unit_cannot_investigate_a_township_can(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    # the subject is 区纪委监委; the applicant works at 游仙区发展和改革局
    case = await run.start_case(steps.application())
    await _accepted(run, case)

    # the form offers every unit of the district but the recused ones
    seen = await _assignment_variables(run, case)
    offered = [option["value"] for option in seen["assignableDepartments"]]
    assert "dept-discipline-commission" not in offered  # the accountability subject
    assert "dept-development-reform" not in offered  # the applicant's unit, a party
    assert {"town-weicheng", "street-fujiang", "dept-audit", "dept-finance"} <= set(offered)
    notice = seen["recusalNotice"]
    assert "区纪委监委（系本案问责主体）" in notice
    assert "区发展和改革局（系申请人所在单位）" in notice

    # an assignment naming a recused unit anyway is refused, naming the field
    for recused, name, reason in (
        ("dept-discipline-commission", "区纪委监委", "系本案问责主体"),
        ("dept-development-reform", "区发展和改革局", "系申请人所在单位"),
    ):
        await steps.assign_departments(run, case, ["dept-audit", recused])
        await run.wait_until(
            case,
            "the assignment is back with the leading group",
            lambda: (
                run.path(case).count("investigation#assignmentGateway") >= 1
                and any(t["elementId"] == "assignDepartments" for t in run.user_tasks(case))
            ),
        )
        refusal = (await _assignment_variables(run, case))["assignmentRefusal"]
        assert refusal == f"「负责调查核实的部门」不得选择{name}：{reason}，应当回避。"
        assert "departmentInvestigation" not in [t["elementId"] for t in run.user_tasks(case)]
    assert run.path(case).count("investigation#assignDepartments") == 2

    # a township outside the leading group's member units can be directed to investigate
    await steps.assign_departments(run, case, ["town-weicheng"])
    task = await run.wait_for_user_task(
        case, "departmentInvestigation", candidate_group="town-weicheng"
    )
    assert task["candidateGroups"] == ["town-weicheng"]
    # the findings form names the unit in Chinese
    shown = await _task_variables(run, case, "departmentInvestigation", "town-weicheng")
    assert shown["departmentName"] == "魏城镇"
    await run.complete_task(
        case,
        "departmentInvestigation",
        steps.finding("town-weicheng", "镇政府配合核实，项目未造成损失"),
        candidate_group="town-weicheng",
    )
    await run.complete_task(
        case,
        "subjectJointConfirmation",
        {"subjectConcurs": True, "subjectComments": "对核实结论无异议"},
        candidate_group=steps.SUBJECT_GROUP,
    )
    await run.wait_for_user_task(case, "draftDeterminationOpinion")
    variables = run.stage_variables(case, "investigation")
    assert variables["assignmentAccepted"] is True
    assert variables["assignmentRefusal"] is None
    [only_round] = variables["investigationRounds"]
    assert only_round["departments"] == ["town-weicheng"]
    assert {r["department"] for r in only_round["recused"]} == {
        "dept-discipline-commission",
        "dept-development-reform",
    }


async def test_subject_does_not_concur_the_leading_group_decides_and_it_is_recorded(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await _accepted(run, case)
    await steps.joint_investigation(run, case, {"dept-audit": AUDIT_FINDING}, subject_concurs=False)

    # not a veto, not a silent loop: the leading group is asked to decide
    task = await run.wait_for_user_task(
        case, "decideFindingsDisagreement", candidate_group="leading-group"
    )
    assert "draftDeterminationOpinion" not in [t["elementId"] for t in run.user_tasks(case)]
    created = run.harness.now
    assert datetime.fromisoformat(task["dueDate"]) == created + timedelta(days=10)
    # the group sees each department's conclusion and the subject's opinion side by side
    digest = (await _task_variables(run, case, "decideFindingsDisagreement"))["findingsDigest"]
    assert digest == (
        "区审计局：容缺受理程序有会议纪要支持　"
        "问责主体不同意：容缺受理未经集体研究，调查结论依据不足"
    )
    await run.advance_clock(case, timedelta(days=3))
    ruling = await steps.rule_on_findings_disagreement(run, case, "adopt-findings")

    await run.wait_for_user_task(case, "draftDeterminationOpinion")
    assert_passed_in_order(
        run.path(case),
        "investigation#subjectJointConfirmation",
        "investigation#summariseFindings",
        "investigation#subjectConcursGateway",
        "investigation#decideFindingsDisagreement",
        "investigation#recordInvestigationRound",
        "investigation#suggestEligibility",
    )
    variables = run.stage_variables(case, "investigation")
    assert variables["investigationSummary"]["subjectConcursAll"] is False
    [recorded] = variables["investigationRounds"]
    assert recorded["round"] == 1
    assert recorded["leadingGroupDecision"] == {
        "decision": "adopt-findings",
        "reason": ruling["findingsDisagreementReason"],
        "decidedBy": "领导小组会议（组长主持）",
        "decidedOn": "2026-09-25",
        "minutes": "游容纠领〔2026〕3号",
    }
    assert recorded["findings"][0]["subjectConfirmation"]["concurs"] is False


async def test_leading_group_orders_reinvestigation_and_every_round_is_kept(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await _accepted(run, case)
    await steps.joint_investigation(run, case, {"dept-audit": AUDIT_FINDING}, subject_concurs=False)
    await run.advance_clock(case, timedelta(days=12))
    await steps.rule_on_findings_disagreement(run, case, "reinvestigate")

    # a new round with its own time limit (local policy, 30 days from the group's order)
    again = await run.wait_for_user_task(case, "assignDepartments", candidate_group="leading-group")
    assert datetime.fromisoformat(again["dueDate"]) == run.harness.now + timedelta(days=30)
    # the leading group directs units again, this time a line department
    second = steps.finding(
        "dept-finance", "原始会议记录证实事项经集体研究", circumstances=["art7-3"]
    )
    await steps.joint_investigation(run, case, {"dept-finance": second})
    await run.wait_for_user_task(case, "draftDeterminationOpinion")

    path = run.path(case)
    assert path.count("investigation#assignDepartments") == 2
    assert path.count("investigation#recordInvestigationRound") == 2
    assert path.count("investigation#decideFindingsDisagreement") == 1
    assert path.count("investigation#restartInvestigationDeadline") == 1
    variables = run.stage_variables(case, "investigation")
    first_round, second_round = variables["investigationRounds"]
    assert (first_round["round"], second_round["round"]) == (1, 2)
    assert first_round["departments"] == ["dept-audit"]
    assert first_round["findings"][0]["finding"]["investigationConclusion"] == (
        "容缺受理程序有会议纪要支持"
    )
    assert first_round["leadingGroupDecision"]["decision"] == "reinvestigate"
    assert second_round["departments"] == ["dept-finance"]
    assert second_round["leadingGroupDecision"] is None
    assert second_round["summary"]["subjectConcursAll"] is True
    # the latest round is what the suggestion is made from
    assert variables["departmentFindings"][0]["department"] == "dept-finance"
    assert variables["investigationSummary"]["circumstancesFound"] == ["art7-3"]
    # Art. 6 and Art. 4 are recorded per department, not implied
    finding = second_round["findings"][0]["finding"]
    assert finding["publicSpirit"] == "public-spirited"
    assert finding["objectiveCause"] == "unforeseeable"
    assert finding["consequenceSeverity"] == "remedied"
    assert finding["conductMotive"]
    # one Art. 7 item: the suggestion leaves it to the leading group
    suggestion = variables["eligibilitySuggestion"]
    assert suggestion["needsGroupJudgement"] is True
    assert suggestion["suggestionReason"].startswith("建议")


async def test_rounds_are_kept_when_an_upheld_objection_sends_the_case_back(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application(districtManagedCadre=False))
    await _accepted(run, case)
    await steps.joint_investigation(run, case, {"dept-audit": AUDIT_FINDING})
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))
    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    await run.set_clock(case, datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING))
    await run.publish_objection(
        run.variables(case)["caseNumber"],
        "审批材料系伪造，当事人事先知情",
        "赵强",
        "2026-09-30T10:00:00+08:00",
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

    forged = steps.finding("dept-justice", "材料系伪造，当事人知情", knowing_violation=True)
    await steps.joint_investigation(run, case, {"dept-justice": forged})
    await run.wait_for_user_task(case, "draftDeterminationOpinion")

    rounds = run.stage_variables(case, "investigation")["investigationRounds"]
    assert [r["round"] for r in rounds] == [1, 2]
    assert [r["departments"] for r in rounds] == [["dept-audit"], ["dept-justice"]]
    first, second = (r["findings"][0]["finding"] for r in rounds)
    assert first["investigationConclusion"] == "容缺受理程序有会议纪要支持"
    assert first["distinctionExperience"] == "reform-inexperience"
    assert second["distinctionExperience"] == "knowing-violation"
