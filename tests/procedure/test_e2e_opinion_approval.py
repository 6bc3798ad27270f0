"""End to end, 8(3)–(4) and Art. 9: the leading group approves the draft it sees (rendered before
approval and filed with the case), may send it back with remarks; an opinion that does not hold
together is refused naming the field; the Art. 9 degree chosen reaches the accountability
subject, who records how it applied it, and every recipient's proof of service is kept."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from desk.case_store import CaseStore, document_type_of
from tests.procedure import case_steps as steps
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order, squeeze

BEIJING = timezone(timedelta(hours=8))
OFFICE, GROUP = "leading-group-office", "leading-group"


async def _investigated(run: ProcedureRun, case: Case) -> None:
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(
        run, case, {"dept-audit": steps.finding("dept-audit", "容缺受理有会议纪要支持")}
    )


async def _draft(run: ProcedureRun, case: Case, opinion: dict[str, Any]) -> None:
    await run.complete_task(case, "draftDeterminationOpinion", opinion, candidate_group=OFFICE)


async def _submit_unchecked(run: ProcedureRun, case: Case, opinion: dict[str, Any]) -> None:
    """What a client could send without the form or its model: straight to the REST API."""
    task = await run.wait_for_user_task(case, "draftDeterminationOpinion", candidate_group=OFFICE)
    response = await run.submit_as(OFFICE, int(task["userTaskKey"]), opinion)
    assert response.status_code == 204, response.text


async def test_approval_sends_the_draft_back_with_remarks_and_approves_the_second_draft(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await _investigated(run, case)
    await _draft(run, case, steps.recognising_opinion(publicity=False))

    # the draft is rendered before the approval task and filed with the case
    approval_task = await run.wait_for_user_task(
        case, "approveDeterminationOpinion", candidate_group=GROUP
    )
    assert run.form_id(approval_task) == "investigation-opinion-approval"
    waiting = run.stage_variables(case, "investigation")
    first_draft = waiting["determinationOpinionDraftDocument"]
    assert document_type_of("determinationOpinionDraftDocument") == "determination-opinion-draft"
    filed = CaseStore(run.data_dir).find(
        [str(k) for k in run.instances(case)], "determination-opinion-draft"
    )
    assert filed is not None and filed.file_name == first_draft["fileName"]
    text = squeeze(run.document_text(first_draft))
    for expected in (
        "容错免责书面审定意见书（送审稿）",
        "认定申请人的行为符合容错免责情形",
        "第七条第（二）项",
        "主观上出于公心、担当尽责",
        "第九条第（四）项免于处理",
        "拟不公示",
    ):
        assert expected in text, expected
    assert "会议审定" not in text  # not approved yet

    await run.advance_clock(case, timedelta(days=3))
    remarks = "第九条（四）免于处理依据不足，请改为减轻处理并补充理由"
    await run.complete_task(
        case,
        "approveDeterminationOpinion",
        steps.approval(opinionApproved=False, sendBackRemarks=remarks),
        candidate_group=GROUP,
    )

    # back at the office, with the remarks to show on the form
    redraft = await run.wait_for_user_task(
        case, "draftDeterminationOpinion", candidate_group=OFFICE
    )
    assert run.form_id(redraft) == "investigation-determination-opinion"
    back = run.stage_variables(case, "investigation")
    assert back["opinionApproved"] is False
    assert back["sendBackRemarks"] == remarks
    second = steps.recognising_opinion(publicity=False) | {
        "determinationAdministrativeTreatment": "reduced",
        "determinationReasoning": "失误系为推动项目落地，未谋取私利，情节较轻",
    }
    await _draft(run, case, second)
    await run.wait_for_user_task(case, "approveDeterminationOpinion", candidate_group=GROUP)
    second_draft = run.stage_variables(case, "investigation")["determinationOpinionDraftDocument"]
    assert second_draft["documentId"] != first_draft["documentId"]
    assert "第九条第（四）项减轻处理" in squeeze(run.document_text(second_draft))

    await run.complete_task(
        case,
        "approveDeterminationOpinion",
        steps.approval(
            approvalMethod="circulation",
            approvalMeetingDate=None,
            approvalMinutesNumber=None,
            approvalCirculatedOn="2026-09-30",
            approvalDecidedBy="王建国",
        ),
        candidate_group=GROUP,
    )
    await steps.org_personnel_receipt(run, case)
    await run.wait_until_completed(case)

    path = run.path(case)
    assert path.count("investigation#draftDeterminationOpinion") == 2
    assert path.count("investigation#generateOpinionDraft") == 2
    assert path.count("investigation#approveDeterminationOpinion") == 2
    assert path.count("investigation#generateDeterminationOpinion") == 1
    assert_passed_in_order(
        path,
        "investigation#checkDeterminationOpinion",
        "investigation#generateOpinionDraft",
        "investigation#approveDeterminationOpinion",
        "investigation#generateDeterminationOpinion",
        "feedback-filing#archiveCase",
    )
    variables = run.variables(case)
    assert variables["approvalMethod"] == "circulation"
    assert variables["approvalDecidedBy"] == "王建国"
    opinion = squeeze(run.document_text(variables["determinationOpinionDocument"]))
    assert "传阅审定，2026年9月30日传阅完毕" in opinion
    assert "第九条第（四）项减轻处理" in opinion
    assert "送审稿" not in opinion
    manifest = await run.assert_verified_archive(variables["caseNumber"])
    decisions = {d["name"]: d["value"] for d in manifest["decisions"]}
    assert decisions["approvalMethod"] == "circulation"
    # every round of approval is kept, with the draft it was about, and both drafts are filed
    rounds = decisions["opinionApprovalRecords"]
    assert [(r["approved"], r["method"], r["sendBackRemarks"]) for r in rounds] == [
        (False, "meeting", remarks),
        (True, "circulation", None),
    ]
    assert rounds[0]["minutesNumber"] == "游容领纪〔2026〕3号"
    assert rounds[1]["circulatedOn"] == "2026-09-30" and rounds[1]["meetingDate"] is None
    assert [r["draftDocumentId"] for r in rounds] == [
        first_draft["documentId"],
        second_draft["documentId"],
    ]
    drafts = [f for f in manifest["files"] if f["kind"] == "determination-opinion-draft"]
    assert len(drafts) == 2
    assert decisions["determinationAdministrativeTreatment"] == "reduced"


async def test_art9_4_reduced_is_delivered_to_the_accountability_subject_with_proofs_of_service(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application(accountabilityKinds=["administrative"]))
    await _investigated(run, case)
    opinion = steps.recognising_opinion(publicity=False) | {
        "determinationOutcomes": ["art9-1", "art9-4"],
        "determinationAdministrativeTreatment": "reduced",
    }
    await steps.determination(run, case, opinion)

    await run.set_clock(case, datetime(2026, 10, 16, 10, 0, tzinfo=BEIJING))
    subject_task = await run.wait_for_user_task(
        case, "subjectAppliesOutcome", candidate_group=steps.SUBJECT_GROUP
    )
    assert run.form_id(subject_task) == "feedback-subject-application"
    sent = {(n.notice_type, n.recipient): n for n in run.sent()}
    to_subject = sent[("determination-feedback", "accountability-subject")]
    variables = run.variables(case)
    assert variables["determinationOpinionDocument"]["fileName"] in to_subject.attachments
    [message] = [
        m for m in run.outbox_messages() if m["X-Recipient-Role"] == "accountability-subject"
    ]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert text.startswith("区纪委监委：")
    assert "请在问责处理中依照审定意见办理" in text
    opinion_text = squeeze(run.document_text(variables["determinationOpinionDocument"]))
    assert "问责主体区纪委监委在问责处理中应依照第九条第（四）项减轻处理" in opinion_text

    applied = steps.subject_application(
        subjectReceivedBy="孙伟",
        subjectServedOn="2026-10-16",
        subjectServiceMethod="in-person",
        subjectAccountabilityDecision="依照审定意见减轻处理，由通报批评改为批评教育（游纪发〔2026〕12号）",
        subjectAppliedOn="2026-10-20",
    )
    await steps.subject_applies_outcome(run, case, applied)
    await steps.org_personnel_signs(run, case)
    await steps.org_department_records_cadre_use(run, case)
    await steps.applicant_service_proof(run, case)
    await run.wait_until_completed(case)

    variables = run.variables(case)
    assert variables["subjectServiceProof"] == {
        "recipient": "accountability-subject",
        "receivedBy": "孙伟",
        "receivedOn": "2026-10-16",
        "method": "in-person",
    }
    assert variables["subjectAccountabilityDecision"].startswith("依照审定意见减轻处理")
    feedback = squeeze(run.document_text(variables["feedbackNoticeDocument"]))
    assert "其中，第九条第（四）项减轻处理，由问责主体在问责处理中依照办理" in feedback
    assert "同时抄送组织人事部门和问责主体区纪委监委" in feedback
    assert variables["applicantServiceProof"]["receivedBy"] == "李明"
    assert variables["orgPersonnelServiceProof"]["receivedBy"] == "张华"
    assert variables["orgPersonnelServiceProof"]["method"] == "in-person"
    manifest = await run.assert_verified_archive(variables["caseNumber"])
    decisions = {d["name"]: d["value"] for d in manifest["decisions"]}
    for proof in ("applicantServiceProof", "orgPersonnelServiceProof", "subjectServiceProof"):
        assert decisions[proof]["receivedOn"] == "2026-10-16", proof
    assert decisions["subjectAppliedOn"] == "2026-10-20"
    assert decisions["determinationAdministrativeTreatment"] == "reduced"


async def test_an_inconsistent_opinion_or_incomplete_approval_is_refused_naming_the_field(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application())
    await _investigated(run, case)

    no_art7 = steps.recognising_opinion(publicity=False) | {"determinationCircumstances": []}
    await _submit_unchecked(run, case, no_art7)
    await run.wait_for_user_task(case, "draftDeterminationOpinion", candidate_group=OFFICE)
    refused = run.stage_variables(case, "investigation")
    assert refused["opinionRefusalFields"] == ["determinationCircumstances"]
    assert "“认定符合的第七条情形”" in refused["opinionRefusal"]
    assert "determinationCircumstances" not in refused["opinionRefusal"]
    assert "determinationOpinionDraftDocument" not in refused

    contradiction = steps.rejecting_opinion() | {
        "determinationOutcomes": ["art9-4"],
        "determinationAdministrativeTreatment": "lighter",
    }
    await _submit_unchecked(run, case, contradiction)
    await run.wait_until(
        case,
        "the second draft is checked",
        lambda: run.path(case).count("investigation#checkDeterminationOpinion") == 2,
    )
    await run.wait_for_user_task(case, "draftDeterminationOpinion", candidate_group=OFFICE)
    refused = run.stage_variables(case, "investigation")
    assert refused["opinionRefusalFields"] == [
        "determinationAdministrativeTreatment",
        "determinationOutcomes",
    ]
    assert "“适用的第九条事项”：不认定符合容错免责情形的，不能适用" in refused["opinionRefusal"]
    assert "“第九条（四）处理幅度”" in refused["opinionRefusal"]

    await _draft(run, case, steps.recognising_opinion(publicity=False))
    await run.wait_for_user_task(case, "approveDeterminationOpinion", candidate_group=GROUP)
    assert run.stage_variables(case, "investigation")["opinionRefusal"] is None
    assert run.path(case).count("investigation#generateOpinionDraft") == 1

    # an approval that does not record how the group decided is sent back to the group
    task = await run.wait_for_user_task(case, "approveDeterminationOpinion", candidate_group=GROUP)
    response = await run.submit_as(
        GROUP, int(task["userTaskKey"]), {"opinionApproved": True, "approvalMethod": "meeting"}
    )
    assert response.status_code == 204, response.text
    await run.wait_until(
        case,
        "the approval is checked",
        lambda: "investigation#checkApprovalRecord" in run.path(case),
    )
    await run.wait_for_user_task(case, "approveDeterminationOpinion", candidate_group=GROUP)
    refused = run.stage_variables(case, "investigation")
    assert refused["approvalRefusalFields"] == [
        "approvalMeetingDate",
        "approvalMinutesNumber",
        "approvalDecidedBy",
    ]
    assert "“会议纪要编号”：会议审定的，应填写会议纪要编号" in refused["approvalRefusal"]
    assert "investigation#generateDeterminationOpinion" not in run.path(case)
    await run.complete_task(
        case, "approveDeterminationOpinion", steps.approval(), candidate_group=GROUP
    )
    await run.wait_until_passed(case, "investigation#generateDeterminationOpinion")
    assert run.path(case).count("investigation#approveDeterminationOpinion") == 2


async def test_choices_the_form_hides_after_a_send_back_are_cleared_not_refused(
    procedure: ProcedureRun,
) -> None:
    """Sent back, the office now does not recognise the case: the form hides the Art. 9 items
    and their degree, so it cannot clear the first draft's; they are dropped, not refused."""
    run = procedure
    case = await run.start_case(steps.application())
    await _investigated(run, case)
    await _draft(run, case, steps.recognising_opinion(publicity=False))
    await run.complete_task(
        case,
        "approveDeterminationOpinion",
        steps.approval(opinionApproved=False, sendBackRemarks="证据不足以认定，请重新审定"),
        candidate_group=GROUP,
    )
    await _draft(run, case, steps.rejecting_opinion())  # as the form submits it: no Art. 9 keys
    await run.wait_for_user_task(case, "approveDeterminationOpinion", candidate_group=GROUP)
    variables = run.stage_variables(case, "investigation")
    assert variables["opinionRefusal"] is None
    assert variables["determinationOutcomes"] is None
    assert variables["determinationAdministrativeTreatment"] is None
    draft = squeeze(run.document_text(variables["determinationOpinionDraftDocument"]))
    assert "不认定申请人的行为符合容错免责情形" in draft
    assert "第九条" not in draft
