"""End to end, 8(1) and 8(2): every application is registered and reviewed; one is not accepted."""

from __future__ import annotations

from datetime import timedelta

from tests.procedure import case_steps as steps
from tests.procedure.scenario import ProcedureRun, assert_passed_in_order, squeeze


async def test_a_application_before_accountability_started_is_registered_and_reviewed_not_refused(
    procedure: ProcedureRun,
) -> None:
    """No machine refusal (8(2)): the unticked box is a finding for the people who decide."""
    run = procedure
    case = await run.start_case(
        steps.application(accountabilityStarted=False, applicantName="张伟")
    )

    await run.wait_for_user_task(case, "officeAcceptanceReview")
    await run.wait_for_user_task(case, "subjectAcceptanceOpinion")
    path = run.path(case)
    assert_passed_in_order(
        path,
        "application#validateApplication",
        "application#assignCaseNumber",
        "application#applicationRegisteredEnd",
        "exemption-procedure#callApplication",
    )
    assert run.state(case) == "ACTIVE"

    variables = run.variables(case)
    assert variables["caseNumber"] == "游容免〔2026〕1号"
    [finding] = variables["applicationFindings"]
    assert "申请人未勾选已启动问责" in finding
    assert run.sent() == []


async def test_b_not_accepted_answers_the_applicant_with_reasons_and_files_the_case(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())

    # both refuse (a disagreement goes to the leading group: test_e2e_acceptance_decisions)
    await steps.joint_acceptance_review(
        run,
        case,
        office_accepts=False,
        subject_accepts=False,
        office_reason="问责决定已执行完毕，不属于本办法受理范围",
        subject_reason="问责主体的内部意见",
    )

    await run.wait_until_completed(case)
    path = run.path(case)
    assert_passed_in_order(
        path,
        "application#assignCaseNumber",
        "acceptance#officeAcceptanceReview",
        "acceptance#decideAcceptance",
        "acceptance#generateRejectionNotice",
        "acceptance#sendRejectionNotice",
        "acceptance#fileNotAcceptedCase",
        "acceptance#notAcceptedEnd",
        "exemption-procedure#notAcceptedEnd",
    )
    assert "acceptance#subjectAcceptanceOpinion" in path
    assert "exemption-procedure#callInvestigation" not in path

    variables = run.variables(case)
    case_number = variables["caseNumber"]
    assert case_number == "游容免〔2026〕1号"
    assert variables["applicationAccepted"] is False
    assert variables["archiveRecord"]["caseNumber"] == case_number

    text = squeeze(run.document_text(variables["rejectionNoticeDocument"]))
    assert "容错免责申请不予受理通知书" in text
    assert case_number in text
    assert "李明同志" in text
    assert "决定不予受理" in text
    assert "问责决定已执行完毕" in text
    assert "问责主体的内部意见" not in text
    # dated the day the later of the two joint opinions was given
    assert "2026年9月7日（印章）" in text

    [notice] = run.sent()
    assert (notice.notice_type, notice.recipient) == ("rejection-notice", "applicant")
    assert case_number in notice.subject
    assert notice.attachments == [variables["rejectionNoticeDocument"]["fileName"]]
    await run.assert_verified_archive(case_number)


async def test_acceptance_deadline_reminds_the_office_without_interrupting_the_review(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await run.wait_for_user_task(case, "officeAcceptanceReview")

    await run.advance_clock(case, timedelta(days=10) - timedelta(seconds=1))
    assert "acceptance#remindAcceptanceDeadline" not in run.path(case)
    await run.advance_clock(case, timedelta(seconds=1))
    await run.wait_until_passed(case, "acceptance#acceptanceReminderSentEnd")

    await run.wait_for_user_task(case, "officeAcceptanceReview")
    await run.wait_for_user_task(case, "subjectAcceptanceOpinion")
    [reminder] = run.sent()
    assert (reminder.notice_type, reminder.recipient) == (
        "acceptance-reminder",
        "leading-group-office",
    )
    assert "游容免〔2026〕1号" in reminder.subject
    assert run.variables(case)["caseNumber"] == "游容免〔2026〕1号"


async def test_only_the_group_a_task_is_offered_to_may_complete_it(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    task = await run.wait_for_user_task(case, "subjectAcceptanceOpinion")
    assert task["candidateGroups"] == [steps.SUBJECT_GROUP]
    opinion = {
        "subjectAcceptsApplication": True,
        "subjectAcceptanceReason": "同意受理",
        "subjectReviewedOn": "2026-09-07",
    }

    refused = await run.submit_as("leading-group-office", int(task["userTaskKey"]), opinion)
    assert refused.status_code == 403, refused.text
    anonymous = await run.rest.post(
        f"/v2/user-tasks/{task['userTaskKey']}/completion", json={"variables": opinion}
    )
    assert anonymous.status_code == 401, anonymous.text
    await run.wait_for_user_task(case, "subjectAcceptanceOpinion")
    assert "subjectAcceptsApplication" not in run.stage_variables(case, "acceptance")

    await run.complete_task(case, "subjectAcceptanceOpinion", opinion)
    await run.wait_until_passed(case, "acceptance#subjectAcceptanceOpinion")
