"""End to end, local deadlines (docs/local-policy.md): the acceptance and investigation tasks carry
the stage's due date, officers read it over REST as the desk does, a case may set its own deadline,
and the reminder fires at exactly the instant the tasks fall due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.procedure import case_steps as steps
from tests.procedure import officers
from tests.procedure.conftest import BEIJING, CASE_OPENED_AT
from tests.procedure.scenario import Case, ProcedureRun

DEPARTMENTS = ["dept-party-office", "dept-government-office"]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(due: str) -> datetime:
    return datetime.fromisoformat(due.replace("Z", "+00:00"))


async def due_dates(run: ProcedureRun, element_id: str, group: str) -> list[str]:
    """`dueDate` of the open tasks `element_id` as the officer of `group` finds them over REST."""
    response = await run.rest.post(
        "/v2/user-tasks/search",
        json={"filter": {"elementId": element_id, "state": "CREATED"}},
        headers=officers.bearer(group),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert items, f"{group} finds no open {element_id} task"
    return [str(item["dueDate"]) for item in items]


async def start_with_settings(run: ProcedureRun, **settings: Any) -> Case:
    # Local-policy settings are not fields of the start form: whoever opens the case sets them.
    created = await run.client.run_process(
        "exemption-procedure", variables={**steps.application(), **settings}
    )
    return Case(int(created.process_instance_key))


async def test_acceptance_and_investigation_tasks_are_due_at_the_local_deadlines(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await run.wait_for_user_task(case, "officeAcceptanceReview")
    await run.wait_for_user_task(case, "subjectAcceptanceOpinion")

    acceptance_due = iso(CASE_OPENED_AT + timedelta(days=10))
    assert acceptance_due == "2026-09-12T01:00:00Z"
    assert await due_dates(run, "officeAcceptanceReview", "leading-group-office") == [
        acceptance_due
    ]
    assert await due_dates(run, "subjectAcceptanceOpinion", steps.SUBJECT_GROUP) == [acceptance_due]
    assert run.stage_variables(case, "acceptance")["acceptanceDueAt"] == acceptance_due

    # the investigation's 30 days run from the day the case is accepted, not from the case's start
    await run.advance_clock(case, timedelta(days=3))
    accepted_at = run.harness.now
    await steps.joint_acceptance_review(run, case)
    investigation_due = iso(accepted_at + timedelta(days=30))
    assert investigation_due == "2026-10-05T01:00:00Z"
    await run.wait_for_user_task(case, "assignDepartments")
    assert await due_dates(run, "assignDepartments", "leading-group") == [investigation_due]
    await run.complete_task(
        case,
        "assignDepartments",
        {"investigatingDepartments": DEPARTMENTS, "investigationInstructions": "会同问责主体核实"},
        candidate_group="leading-group",
    )
    for department in DEPARTMENTS:
        await run.wait_for_user_task(case, "departmentInvestigation", candidate_group=department)
        assert await due_dates(run, "departmentInvestigation", department) == [investigation_due]
    await run.complete_task(
        case,
        "departmentInvestigation",
        steps.finding(DEPARTMENTS[0], "属于容错情形"),
        candidate_group=DEPARTMENTS[0],
    )
    await run.wait_for_user_task(case, "subjectJointConfirmation")
    assert await due_dates(run, "subjectJointConfirmation", steps.SUBJECT_GROUP) == [
        investigation_due
    ]


async def test_a_case_sets_its_own_deadlines_and_the_reminders_fire_when_the_tasks_fall_due(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await start_with_settings(
        run, acceptanceReminderAfter="PT48H", investigationReminderAfter="P14D"
    )
    await run.wait_for_user_task(case, "officeAcceptanceReview")
    [acceptance_due] = await due_dates(run, "officeAcceptanceReview", "leading-group-office")
    assert acceptance_due == iso(CASE_OPENED_AT + timedelta(hours=48))

    await run.set_clock(case, parse(acceptance_due) - timedelta(milliseconds=1))
    assert "acceptance#remindAcceptanceDeadline" not in run.path(case)
    await run.set_clock(case, parse(acceptance_due))
    await run.wait_until_passed(case, "acceptance#acceptanceReminderSentEnd")
    [reminder] = run.sent()
    assert (reminder.notice_type, reminder.recipient) == (
        "acceptance-reminder",
        "leading-group-office",
    )
    # the reminder does not move the due date: the tasks stay open, now overdue
    assert await due_dates(run, "subjectAcceptanceOpinion", steps.SUBJECT_GROUP) == [acceptance_due]

    accepted_at = run.harness.now
    await steps.joint_acceptance_review(run, case)
    await run.wait_for_user_task(case, "assignDepartments")
    [investigation_due] = await due_dates(run, "assignDepartments", "leading-group")
    assert investigation_due == iso(accepted_at + timedelta(days=14))
    await run.complete_task(
        case,
        "assignDepartments",
        {"investigatingDepartments": DEPARTMENTS[:1], "investigationInstructions": "核实"},
        candidate_group="leading-group",
    )
    await run.wait_for_user_task(case, "departmentInvestigation")

    await run.set_clock(case, parse(investigation_due) - timedelta(milliseconds=1))
    assert "investigation#remindInvestigationDeadline" not in run.path(case)
    await run.set_clock(case, parse(investigation_due))
    await run.wait_until_passed(case, "investigation#investigationReminderSentEnd")
    reminders = [(n.notice_type, n.recipient) for n in run.sent() if "reminder" in n.notice_type]
    assert sorted(reminders) == [
        ("acceptance-reminder", "leading-group-office"),
        ("investigation-reminder", "leading-group-office"),
    ]
    assert await due_dates(run, "departmentInvestigation", DEPARTMENTS[0]) == [investigation_due]


async def due_from_now(
    run: ProcedureRun, case: Case, element_id: str, group: str, after: timedelta
) -> None:
    """The task `element_id` is due `after` the engine instant it was created at (now)."""
    created_at = run.harness.now
    await run.wait_for_user_task(case, element_id, candidate_group=group)
    assert await due_dates(run, element_id, group) == [iso(created_at + after)], element_id


async def test_the_other_office_tasks_fall_due_after_their_local_defaults_or_the_case_setting(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await start_with_settings(
        run, districtManagedCadre=True, committeeAcknowledgementDueAfter="P60D"
    )
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(
        run, case, {DEPARTMENTS[0]: steps.finding(DEPARTMENTS[0], "属于容错情形")}
    )

    office, group = "leading-group-office", "leading-group"
    await due_from_now(run, case, "draftDeterminationOpinion", office, timedelta(days=10))
    opinion = steps.recognising_opinion(publicity=True)
    await run.complete_task(case, "draftDeterminationOpinion", opinion, candidate_group=office)
    await due_from_now(run, case, "approveDeterminationOpinion", group, timedelta(days=10))
    await run.complete_task(
        case, "approveDeterminationOpinion", steps.approval(), candidate_group=group
    )

    await due_from_now(run, case, "arrangePublicity", office, timedelta(days=5))
    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    await run.set_clock(case, datetime(2026, 10, 9, 15, 0, tzinfo=BEIJING))
    case_number = run.variables(case)["caseNumber"]
    await run.publish_objection(case_number, "另有问题", "匿名", "2026-10-09T15:00:00+08:00")
    await due_from_now(run, case, "handleObjection", office, timedelta(days=5))
    await run.complete_task(
        case,
        "handleObjection",
        {
            "objectionSubstantiated": False,
            "objectionHandlingNotes": "与本案无关",
            "objectionAnswer": "经核实，所反映问题与本案无关",
        },
        candidate_group=office,
    )
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    # the statutory publicity period is untouched by the office deadlines
    assert run.stage_variables(case, "publicity")["publicityEndsAt"] == "2026-10-14T00:00:00+08:00"

    await run.set_clock(case, datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING))
    await due_from_now(run, case, "orgPersonnelReceipt", "org-personnel", timedelta(days=10))
    await steps.org_personnel_receipt(run, case)
    await due_from_now(
        run, case, "acknowledgeCommitteeRecord", "district-committee", timedelta(days=60)
    )
