"""Article 19 end to end (舆论解释回应): an officer of any procedure asks 区委宣传部 to
answer public opinion that a reform error in their case has drawn; the department plans the way
and the line, the commission's leader approves it (local policy) or sends it back, the department
records the response, the 舆情回应情况记录 is filed and sent to the officer who asked, who closes
the case. On the embedded engine with the real workers; the clock is moved, never slept on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.procedure import officers
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order, squeeze
from tests.procedure.test_e2e_due_dates import due_dates, iso
from workers.form_submissions import FORM_SUBMISSIONS, OpinionRequester

PUBLICITY = "dept-publicity"
LEADERS = "discipline-leaders"
REQUESTER_GROUP = "discipline-office"


def request(**changes: Any) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "originCaseNumber": "游容免〔2026〕3号",
        "unitId": "dept-development-reform",
        "personName": "王刚",
        "opinionSummary": "网民质疑区发展和改革局容缺受理项目审批导致项目停工，认为相关干部失职",
        "opinionSources": "本地网络论坛和微信公众号",
        "opinionNoticedOn": "2026-10-08",
        "errorDescription": "先行先试容缺受理，因上级政策调整项目暂停，已依照审定意见免责",
        "requestReason": "舆论误解容缺受理改革，需向社会说明改革背景和处理结果",
        "requestedByUser": officers.username(REQUESTER_GROUP),
        "requestedByName": "何平",
        "requesterGroups": [REQUESTER_GROUP],
    }
    variables.update(changes)
    return variables


PLAN = {
    "responseMethod": "situation-report",
    "responseLine": (
        "容缺受理是经区政府批准的改革举措，项目暂停系上级政策调整所致，相关干部已依规免责"
    ),
    "responseChannel": "区政府网站、游仙发布微信公众号",
    "plannedResponseDate": "2026-10-10",
    "plannedBy": "唐雪梅",
}
RESPONSE = {
    "respondedOn": "2026-10-10",
    "responseMade": "在区政府网站和游仙发布微信公众号发布情况通报，说明改革背景和处理结果",
    "responseReception": "网民评论趋于理性，未再出现集中质疑",
    "respondedBy": "唐雪梅",
}


async def start(run: ProcedureRun, variables: dict[str, Any]) -> Case:
    requester = {"requestedByUser", "requestedByName", "requesterGroups"}
    OpinionRequester.model_validate({k: v for k, v in variables.items() if k in requester})
    FORM_SUBMISSIONS["public-opinion-response-start"].model_validate(
        {k: v for k, v in variables.items() if k not in requester}
    )
    created = await run.client.run_process("public-opinion-response", variables=variables)
    return Case(int(created.process_instance_key), "public-opinion-response")


async def test_opinion_response_from_request_to_close(procedure: ProcedureRun) -> None:
    run = procedure
    case = await start(run, request())
    task = await run.wait_for_user_task(case, "planOpinionResponse")
    assert task["candidateGroups"] == [PUBLICITY]
    # local policy (docs/local-policy.md): the plan is due two days after the request
    assert await due_dates(run, "planOpinionResponse", PUBLICITY) == [
        iso(run.harness.now + timedelta(days=2))
    ]
    variables = run.variables(case)
    assert variables["caseNumber"] == "游宣应〔2026〕1号"
    assert variables["procedureName"] == "舆论解释回应"
    assert variables["registerSubjects"] == [
        {"kind": "person", "name": "王刚", "unitId": "dept-development-reform"}
    ]

    # the leader sends the first line back; the department sees why and plans again
    first = PLAN | {"responseLine": "项目停工与干部无关"}
    await run.complete_task(case, "planOpinionResponse", first)
    await run.advance_clock(case, timedelta(hours=20))
    await run.complete_task(
        case,
        "approveResponsePlan",
        {
            "responsePlanApproved": False,
            "planApprovedBy": "邓华",
            "planApprovedOn": "2026-10-09",
            "responsePlanSendBackRemarks": "口径应说明改革背景和审定意见，不宜简单否认",
        },
    )
    again = await run.wait_for_user_task(case, "planOpinionResponse")
    assert again["userTaskKey"] != task["userTaskKey"]
    assert run.variables(case)["responsePlanSendBackRemarks"].startswith("口径应说明")
    await run.complete_task(case, "planOpinionResponse", PLAN)
    await run.complete_task(
        case,
        "approveResponsePlan",
        {
            "responsePlanApproved": True,
            "planApprovedBy": "邓华",
            "planApprovedOn": "2026-10-09",
            "planApprovalComments": "同意按此口径回应",
        },
    )
    await run.advance_clock(case, timedelta(days=1))
    await run.complete_task(case, "recordOpinionResponse", RESPONSE)

    # the requester, by name, is told and closes the case: the task is theirs alone
    close = await run.wait_for_user_task(case, "closeOpinionResponse")
    assert close["assignee"] == officers.username(REQUESTER_GROUP)
    [told] = [n for n in run.sent() if n.notice_type == "opinion-response-done"]
    assert told.recipient == "requester"
    assert "游宣应〔2026〕1号" in told.subject
    refused = await run.submit_as(
        PUBLICITY,
        int(close["userTaskKey"]),
        {"closedBy": "唐雪梅", "closedOn": "2026-10-11"},
    )
    assert refused.status_code in (403, 409), refused.text
    await run.complete_task(
        case,
        "closeOpinionResponse",
        {"closingRemarks": "舆情已平息，同意办结", "closedBy": "何平", "closedOn": "2026-10-12"},
    )
    await run.wait_until_completed(case)

    path = run.path(case)
    assert_passed_in_order(
        path,
        "public-opinion-response#assignOpinionNumber",
        "public-opinion-response#planOpinionResponse",
        "public-opinion-response#approveResponsePlan",
        "public-opinion-response#planOpinionResponse",
        "public-opinion-response#approveResponsePlan",
        "public-opinion-response#recordOpinionResponse",
        "public-opinion-response#generateResponseRecord",
        "public-opinion-response#notifyRequester",
        "public-opinion-response#closeOpinionResponse",
        "public-opinion-response#opinionResponseClosedEnd",
    )
    variables = run.variables(case)
    assert variables["registerOutcome"] == "已解释回应并办结"
    assert variables["requestedByName"] == "何平"
    assert variables["planApprovedBy"] == "邓华"
    record = variables["opinionResponseRecordDocument"]
    assert told.attachments == [record["fileName"]]
    text = squeeze(run.document_text(record))
    for expected in (
        "舆情回应情况记录",
        "中共绵阳市游仙区委宣传部",
        "游宣应〔2026〕1号",
        "游容免〔2026〕3号",
        "区发展和改革局王刚同志",
        "何平提出解释回应申请",
        "经邓华于2026年10月9日审核同意",
        "采取发布情况通报的方式",
        "2026年10月10日",
        "经办人：唐雪梅",
        "第十九条",
    ):
        assert expected in text, expected
    assert "requester" not in text and "situation-report" not in text


async def test_a_request_without_a_valid_origin_case_number_raises_a_named_incident(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    variables = request()
    variables["originCaseNumber"] = "第3号"
    created = await run.client.run_process("public-opinion-response", variables=variables)
    case = Case(int(created.process_instance_key), "public-opinion-response")
    incident = await run.wait_for_incident(case)
    assert "originCaseNumber" in str(incident["errorMessage"])
    assert run.user_tasks(case) == []
