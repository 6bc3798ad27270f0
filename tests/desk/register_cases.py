"""Cases of one person in three procedures on the live stack, for the register's tests: 李明 of
新桥镇 in a clarification (closed: 已了结), a rectification (open, its first task overdue) and an
exemption application (open, at the acceptance review), started in that order. Each procedure's
tasks go to different officers, so each officer may see a different part of his history."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tests.desk.live_stack import LiveStack
from tests.procedure import case_steps as steps

MANAGER = ("manager", "demo-manager")
ADMIN = ("admin", "demo-admin")
DISCIPLINE_OFFICE = ("jiwei", "demo-jiwei")  # 何平, discipline-office
DISCIPLINE_LEADER = ("weiling", "demo-weiling")
EXEMPTION_OFFICE = ("office", "demo-office")  # leading-group-office
AUDIT = ("audit", "demo-audit")  # no task in any of these cases
PERSON = {"kind": "person", "name": "李明", "unit": "town-xinqiao"}


@dataclass(frozen=True)
class RegisterCases:
    clarification: str
    rectification: str
    exemption: str


def _task_of(stack: LiveStack, officer: tuple[str, str], element_id: str, case: str) -> str:
    """`case` "": the task is in a called stage instance (the only one of its kind here)."""
    filter_ = {"elementId": element_id, "state": "CREATED"}
    if case:
        filter_["processInstanceKey"] = case
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = stack.call(
            officer,
            "POST",
            "/user-tasks/search",
            {"filter": filter_},
        )
        if found["items"]:
            return str(found["items"][0]["userTaskKey"])
        time.sleep(0.2)
    raise AssertionError(f"no open task {element_id} in case {case} for {officer[0]}")


def _complete(
    stack: LiveStack, officer: tuple[str, str], element_id: str, case: str, values: dict[str, Any]
) -> None:
    key = _task_of(stack, officer, element_id, case)
    stack.call(officer, "POST", f"/user-tasks/{key}/assignment", {"assignee": officer[0]})
    stack.call(officer, "POST", f"/user-tasks/{key}/completion", {"variables": values})


def _start(
    stack: LiveStack, officer: tuple[str, str], process_id: str, values: dict[str, Any]
) -> str:
    created = stack.call(
        officer,
        "POST",
        "/process-instances",
        {"processDefinitionId": process_id, "variables": values},
    )
    return str(created["processInstanceKey"])


def _wait_closed(stack: LiveStack, case: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if stack.call(ADMIN, "GET", f"/process-instances/{case}")["state"] != "ACTIVE":
            return
        time.sleep(0.2)
    raise AssertionError(f"case {case} still open")


def open_register_cases(stack: LiveStack) -> RegisterCases:
    clarification = _start(
        stack,
        DISCIPLINE_OFFICE,
        "clarification",
        {
            "personName": "李明",
            "personPosition": "镇长",
            "unitId": "town-xinqiao",
            "reportSource": "letters-visits",
            "reportSummary": "反映其在场镇改造项目中违规指定施工单位",
            "reportReceivedOn": "2026-08-20",
        },
    )
    _complete(
        stack,
        DISCIPLINE_OFFICE,
        "recordVerification",
        clarification,
        {
            "verificationConclusion": "untrue",
            "verificationFacts": "经调取项目招标档案、询问相关人员，施工单位经公开招标确定",
            "verificationReasons": "招标程序完整，无证据表明李明同志干预招标",
            "verifiedOn": "2026-09-01",
            "explainToUnit": False,
            "publicClarificationProposed": False,
            "suspectFalseAccusation": False,
        },
    )
    _complete(
        stack,
        DISCIPLINE_LEADER,
        "approveClosure",
        clarification,
        {
            "closureApproved": True,
            "closureApprovedBy": "邓华",
            "closureApprovedOn": "2026-09-02",
            "closureApprovalComments": "同意了结",
        },
    )
    _wait_closed(stack, clarification)

    rectification = _start(
        stack,
        DISCIPLINE_OFFICE,
        "rectification",
        {
            "subjectKind": "person",
            "personName": "李明",
            "personPosition": "镇长",
            "unitId": "town-xinqiao",
            "problemSource": "supervision-check",
            "errorCategory": "fund-use",
            "problemSummary": "场镇改造专项资金拨付未经镇党委集体研究",
            "problemFoundOn": "2026-09-10",
        },
    )
    drafting = _task_of(stack, DISCIPLINE_OFFICE, "draftRectificationNotice", rectification)
    # Its due date passed: the dashboard's overdue charts count it.
    stack.call(
        ADMIN,
        "PATCH",
        f"/user-tasks/{drafting}",
        {"changeset": {"dueDate": "2026-01-05T09:00:00.000Z"}},
    )

    exemption = _start(
        stack,
        EXEMPTION_OFFICE,
        "exemption-procedure",
        steps.application(
            applicantName="李明", applicantUnit="游仙区新桥镇", applicantPosition="镇长"
        ),
    )
    _task_of(stack, EXEMPTION_OFFICE, "officeAcceptanceReview", "")
    return RegisterCases(clarification, rectification, exemption)
