"""End to end, 8(1)–(2): only people decide on acceptance.

The machine lists findings and never refuses; an incomplete application waits for its supplement
(补正); the applicant may withdraw before the decision; a disagreement between the office and the
accountability subject goes to the leading group. The engine clock is moved, never slept on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.procedure import case_steps as steps
from tests.procedure.conftest import BEIJING, CASE_OPENED_AT
from tests.procedure.scenario import ProcedureRun, assert_passed_in_order, squeeze

CASE = "游容免〔2026〕1号"


async def test_an_unticked_accountability_box_is_a_finding_not_a_refusal(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application(accountabilityStarted=False))

    # both reviewers get the case, with the finding shown in their forms
    await run.wait_for_user_task(case, "officeAcceptanceReview")
    await run.wait_for_user_task(case, "subjectAcceptanceOpinion")
    assert run.state(case) == "ACTIVE"
    variables = run.variables(case)
    assert variables["caseNumber"] == CASE
    [finding] = variables["applicationFindings"]
    assert finding.startswith("申请人未勾选已启动问责")
    assert not any(c.isascii() and c.isalpha() for c in finding)
    assert run.sent() == []

    # they decide: both accept, the case goes on to the investigation
    await steps.joint_acceptance_review(run, case)
    await run.wait_for_user_task(case, "assignDepartments")
    assert run.variables(case)["applicationAccepted"] is True


async def test_incomplete_application_waits_for_the_supplement_then_is_accepted(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application(supportingDocuments=""))
    await run.wait_for_user_task(case, "subjectAcceptanceOpinion")
    assert run.variables(case)["applicationFindings"] == ["申请未附佐证材料"]

    await steps.request_supplement(run, case, items="请提交会议纪要和项目审批台账")
    # the joint round ends: the subject's open task is withdrawn, the applicant is told
    task = await run.wait_for_user_task(case, "awaitSupplement")
    assert not [t for t in run.user_tasks(case) if t["elementId"] == "subjectAcceptanceOpinion"]
    stage = run.stage_variables(case, "acceptance")
    # 10 working days after 2026-09-02 (not counted): 9-3 … 9-16; ends 24:00 of 9-16
    assert stage["supplementLastDay"] == "2026-09-16"
    assert datetime.fromisoformat(stage["supplementDueAt"]) == datetime(2026, 9, 17, tzinfo=BEIJING)
    assert datetime.fromisoformat(task["dueDate"]) == datetime(2026, 9, 17, tzinfo=BEIJING)
    [request] = run.sent()
    assert (request.notice_type, request.recipient) == ("supplement-request", "applicant")
    [message] = run.outbox_messages()
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "请提交会议纪要和项目审批台账" in text
    assert "2026年9月16日前" in text
    assert CASE in text

    # the deadline passes without a supplement: the office is reminded, nothing is decided
    await run.advance_clock(case, timedelta(days=15) - timedelta(hours=9, seconds=1))
    assert "acceptance#remindSupplementDeadline" not in run.path(case)
    await run.advance_clock(case, timedelta(seconds=1))
    await run.wait_until_passed(case, "acceptance#supplementReminderSentEnd")
    assert sorted(n.notice_type for n in run.sent()) == ["supplement-overdue", "supplement-request"]
    await run.wait_for_user_task(case, "awaitSupplement")
    assert run.state(case) == "ACTIVE"

    # the supplement arrives late; the office records it and both review again
    await steps.record_supplement(run, case, received_on="2026-09-18")
    await steps.joint_acceptance_review(run, case)
    await run.wait_for_user_task(case, "assignDepartments")

    path = run.path(case)
    assert_passed_in_order(
        path,
        "acceptance#officeAcceptanceReview",
        "acceptance#supplementRequestedEnd",
        "acceptance#computeSupplementDeadline",
        "acceptance#sendSupplementRequest",
        "acceptance#awaitSupplement",
        "acceptance#applyAcceptanceDeadline",
        "acceptance#officeAcceptanceReview",
        "acceptance#decideAcceptance",
        "acceptance#acceptedEnd",
    )
    variables = run.variables(case)
    assert variables["applicationAccepted"] is True
    assert variables["acceptanceDecision"]["decidedBy"] == "joint"
    [receipt] = variables["supplementReceipts"]
    assert receipt["received"] is True and receipt["receivedOn"] == "2026-09-18"
    assert len(variables["supplementRequests"]) == 1


async def test_the_applicant_may_withdraw_before_the_decision(procedure: ProcedureRun) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await run.wait_for_user_task(case, "officeAcceptanceReview")
    await steps.joint_acceptance_review(run, case, office_accepts=True, subject_accepts=False)
    await run.wait_for_user_task(case, "leadingGroupAcceptanceDecision")

    await run.publish_withdrawal(CASE, "问责决定已撤销，不再申请", "2026-09-09T10:00:00+08:00")

    await run.wait_until_completed(case)
    path = run.path(case)
    assert_passed_in_order(
        path,
        "acceptance#recordWithdrawal",
        "acceptance#fileWithdrawnCase",
        "acceptance#withdrawnEnd",
        "exemption-procedure#withdrawnEnd",
    )
    assert "acceptance#leadingGroupAcceptanceDecision" not in path
    assert "exemption-procedure#notAcceptedEnd" not in path
    assert run.user_tasks(case) == []
    withdrawal = run.variables(case)["withdrawal"]
    assert withdrawal["withdrawn"] is True
    assert withdrawal["reason"] == "问责决定已撤销，不再申请"
    assert withdrawal["receivedAt"] == "2026-09-09T10:00:00+08:00"
    manifest = await run.assert_verified_archive(CASE)
    decisions = {d["name"]: d["value"] for d in manifest["decisions"]}
    assert decisions["closure"] == "withdrawn"
    assert decisions["withdrawal"]["reason"] == "问责决定已撤销，不再申请"
    assert run.sent() == []


async def test_disagreement_goes_to_the_leading_group_which_refuses_with_its_reason_only(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await steps.joint_acceptance_review(
        run,
        case,
        office_accepts=True,
        subject_accepts=False,
        office_reason="办公室内部意见甲",
        subject_reason="问责主体内部意见乙",
    )
    task = await run.wait_for_user_task(case, "leadingGroupAcceptanceDecision")
    assert task["candidateGroups"] == ["leading-group"]
    # local policy: due 10 days after the disagreement reached the leading group
    assert datetime.fromisoformat(task["dueDate"]) == CASE_OPENED_AT + timedelta(days=10)
    await steps.leading_group_acceptance_decision(
        run, case, accepts=False, reason="问责决定已执行完毕，不属于本办法受理范围"
    )

    await run.wait_until_completed(case)
    path = run.path(case)
    assert_passed_in_order(
        path,
        "acceptance#leadingGroupAcceptanceDecision",
        "acceptance#generateRejectionNotice",
        "acceptance#sendRejectionNotice",
        "acceptance#fileNotAcceptedCase",
        "exemption-procedure#notAcceptedEnd",
    )
    assert "acceptance#decideAcceptance" not in path
    variables = run.variables(case)
    assert variables["applicationAccepted"] is False
    assert variables["acceptanceDecision"] == {
        "accepted": False,
        "decidedBy": "leading-group",
        "method": "meeting",
        "decidedOn": "2026-09-11",
        "minutesNumber": "游容领〔2026〕2号",
        "reason": "问责决定已执行完毕，不属于本办法受理范围",
    }
    text = squeeze(run.document_text(variables["rejectionNoticeDocument"]))
    assert "决定不予受理" in text
    assert "报游仙区容错纠错工作领导小组研究" in text
    assert "问责决定已执行完毕" in text
    assert "内部意见" not in text
    assert "2026年9月11日" in text  # Arabic numerals (GB/T 9704-2012)
    manifest = await run.assert_verified_archive(CASE)
    decisions = {d["name"]: d["value"] for d in manifest["decisions"]}
    assert decisions["acceptanceDecision"]["decidedBy"] == "leading-group"


async def test_disagreement_goes_to_the_leading_group_which_accepts(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await steps.joint_acceptance_review(run, case, office_accepts=False, subject_accepts=True)
    await steps.leading_group_acceptance_decision(
        run, case, accepts=True, reason="属于受理范围", method="circulation"
    )
    await run.wait_for_user_task(case, "assignDepartments")
    variables = run.variables(case)
    assert variables["applicationAccepted"] is True
    assert variables["acceptanceDecision"]["method"] == "circulation"
    assert "minutesNumber" not in variables["acceptanceDecision"] or (
        variables["acceptanceDecision"]["minutesNumber"] is None
    )
    text = squeeze(run.document_text(variables["acceptanceNoticeDocument"]))
    assert "决定予以受理" in text
    assert "报游仙区容错纠错工作领导小组研究" in text
