"""Chapter 4 of the measures (Arts. 13–15) end to end on the embedded engine with the real
workers: clarification (澄清了结), false accusation (诬告陷害查处) with the city-level approval,
and the complaint of retaliation (打击报复); time moves by the engine clock, never by sleeping.

The person who reported is known to the case only by `reporterRef`; the name and contact live in
the desk's confidential register (desk/reporters.py), and no document carries them.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from desk.reporters import ReporterRegister
from tests.procedure import officers
from tests.procedure.desk_session import desk_for
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order, squeeze
from workers.form_submissions import FORM_SUBMISSIONS

BEIJING = timezone(timedelta(hours=8))
OFFICE = "discipline-office"
LEADERS = "discipline-leaders"
REPORTER_NAME = "钱多多"
REPORTER_CONTACT = "13900001111"
REPORTER_REF = "2026-举-001"


def report(**changes: Any) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "personName": "李明",
        "personPosition": "镇长",
        "unitId": "town-xinqiao",
        "reportSource": "letters-visits",
        "reportSummary": "反映其在场镇改造项目中违规指定施工单位",
        "reportReceivedOn": "2026-08-20",
        "reporterRef": REPORTER_REF,
    }
    variables.update(changes)
    return variables


async def start(run: ProcedureRun, process_id: str, variables: dict[str, Any]) -> Case:
    start_forms = {
        "clarification": "clarification-start",
        "false-accusation": "false-accusation-start",
        "retaliation-complaint": "retaliation-complaint-start",
    }
    FORM_SUBMISSIONS[start_forms[process_id]].model_validate(variables)
    created = await run.client.run_process(process_id, variables=variables)
    return Case(int(created.process_instance_key))


def verification(**changes: Any) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "verificationConclusion": "untrue",
        "verificationFacts": "经调取项目招标档案、询问相关人员，施工单位经公开招标确定",
        "verificationReasons": "招标程序完整，无证据表明李明同志干预招标",
        "verifiedOn": "2026-09-01",
        "explainToUnit": True,
        "explanationReason": "反映问题在该镇干部中已有传播，需向镇党委说明",
        "publicClarificationProposed": False,
        "suspectFalseAccusation": False,
    }
    variables.update(changes)
    return variables


APPROVAL = {
    "closureApproved": True,
    "closureApprovedBy": "陈静",
    "closureApprovedOn": "2026-09-02",
    "closureApprovalComments": "同意了结",
}


async def approve_closure(run: ProcedureRun, case: Case, verified: dict[str, Any]) -> None:
    await run.complete_task(case, "recordVerification", verified)
    await run.complete_task(case, "approveClosure", APPROVAL)


async def serve_letter(run: ProcedureRun, case: Case) -> None:
    await run.complete_task(
        case,
        "recordLetterService",
        {
            "letterReceivedBy": "张华",
            "letterServedOn": "2026-09-04",
            "letterServiceMethod": "in-person",
        },
    )


def _pdf_text(document: dict[str, Any]) -> str:
    path = Path(str(document["uri"]).removeprefix("file://"))
    return squeeze("".join(page.extract_text() or "" for page in PdfReader(path).pages))


async def test_clarification_letter_is_generated_delivered_and_its_service_recorded(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await start(run, "clarification", report())
    await approve_closure(run, case, verification())
    await serve_letter(run, case)
    await run.wait_until_completed(case)

    variables = run.variables(case)
    assert variables["caseNumber"] == "游纪澄〔2026〕1号"
    assert variables["procedureName"] == "澄清了结"
    assert variables["registerSubjects"] == [
        {"kind": "person", "name": "李明", "unitId": "town-xinqiao"}
    ]
    assert variables["registerOutcome"] == "已了结并说明"
    assert variables["closureApprovedBy"] == "陈静"
    assert variables["letterServiceProof"] == {
        "recipient": "unit-party-organisation",
        "unitId": "town-xinqiao",
        "receivedBy": "张华",
        "receivedOn": "2026-09-04",
        "method": "in-person",
        "notes": None,
    }
    letter = variables["clarificationLetterDocument"]
    assert letter["documentNumber"].startswith("游纪发〔2026〕")
    text = _pdf_text(letter)
    assert "经核查，问题反映失实" in text
    assert "第十四条" in text
    notice = variables["clarificationLetterNotice"]
    assert notice["recipient"] == "unit-party-organisation"
    assert_passed_in_order(
        run.path(case),
        "clarification#recordVerification",
        "clarification#approveClosure",
        "clarification#generateClarificationLetter",
        "clarification#sendClarificationLetter",
        "clarification#recordLetterService",
        "clarification#recordClarificationOutcome",
    )


async def test_closure_sent_back_by_the_leaders_returns_to_the_office(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await start(run, "clarification", report())
    await run.complete_task(case, "recordVerification", verification(explainToUnit=False))
    await run.complete_task(
        case,
        "approveClosure",
        {
            "closureApproved": False,
            "closureApprovedBy": "陈静",
            "closureApprovedOn": "2026-09-02",
            "closureSendBackRemarks": "请补充询问笔录",
        },
    )
    await run.wait_for_user_task(case, "recordVerification")
    await approve_closure(run, case, verification(explainToUnit=False))
    await run.wait_until_completed(case)
    assert run.variables(case)["registerOutcome"] == "已了结"
    assert "clarification#generateClarificationLetter" not in run.path(case)


async def test_public_clarification_has_its_own_approval_document_and_publication(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await start(run, "clarification", report())
    await approve_closure(
        run,
        case,
        verification(
            publicClarificationProposed=True,
            publicClarificationReason="该问题在全镇范围内流传，影响干部正常履职",
        ),
    )
    await serve_letter(run, case)
    await run.complete_task(
        case,
        "approvePublicClarification",
        {
            "publicClarificationApproved": True,
            "publicClarificationScope": "新桥镇机关干部职工大会",
            "publicClarificationChannel": "meeting",
            "publicClarificationApprovedBy": "陈静",
            "publicClarificationApprovedOn": "2026-09-05",
        },
    )
    await run.complete_task(
        case,
        "recordPublication",
        {"publicationDate": "2026-09-08", "publicationNotes": "在新桥镇机关干部职工大会上宣读"},
    )
    await run.wait_until_completed(case)
    variables = run.variables(case)
    assert variables["registerOutcome"] == "已了结并公开澄清"
    assert variables["publicClarificationApprovedBy"] == "陈静"
    assert variables["publicClarificationRecord"]["publishedOn"] == "2026-09-08"
    text = _pdf_text(variables["publicClarificationDocument"])
    assert "关于为李明同志澄清正名的通报" in text
    assert "新桥镇机关干部职工大会" in text


async def _pursuit_waiting_for_approval(run: ProcedureRun) -> Case:
    case = await start(run, "clarification", report())
    await approve_closure(
        run,
        case,
        verification(
            explainToUnit=False,
            suspectFalseAccusation=True,
            falseAccusationClue="举报材料中的会议记录系伪造",
        ),
    )
    await run.complete_task(
        case,
        "distinguishAccusation",
        {
            "accusationFinding": "false-accusation",
            "findingReasons": "举报人伪造会议记录，意图使李明同志受到追究",
            "findingDecidedOn": "2026-09-06",
            "accuserKind": "party-cadre",
            "approvalBody": "city-discipline-commission",
        },
    )
    await run.wait_until_waiting_at(case, "false-accusation#awaitApprovalAnswer")
    return case


async def _answer(run: ProcedureRun, case_number: str, approved: bool) -> None:
    await run.client.publish_message(
        "false-accusation-approval-answer",
        correlation_key=case_number,
        variables={
            "approved": approved,
            "approverBody": "中共绵阳市纪律检查委员会",
            "approvalDocumentNumber": "绵纪函〔2026〕12号",
            "approvalDate": "2026-09-20",
        },
    )


async def test_false_accusation_pursuit_waits_for_and_receives_the_city_level_approval(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await _pursuit_waiting_for_approval(run)
    stage = run.stage_variables(case, "false-accusation")
    request = stage["pursuitApprovalRequestDocument"]
    text = _pdf_text(request)
    assert "请示" in text and "中共绵阳市纪律检查委员会" in text
    assert stage["pursuitRequestNotice"]["recipient"] == "city-approval-body"
    # nothing moves without the answer
    await run.advance_clock(case, timedelta(days=5))
    await run.wait_until_waiting_at(case, "false-accusation#awaitApprovalAnswer")
    assert not [t for t in run.user_tasks(case) if t["elementId"] == "decidePursuitOutcome"]

    await _answer(run, run.variables(case)["caseNumber"], approved=True)
    await run.complete_task(
        case,
        "decidePursuitOutcome",
        {
            "pursuitOutcome": "judicial",
            "receivingBody": "绵阳市公安局游仙区分局",
            "outcomeReasons": "伪造证据诬告他人，涉嫌诬告陷害罪",
            "transferredOn": "2026-09-25",
        },
    )
    await run.wait_until_completed(case)
    variables = run.variables(case)
    assert variables["cityApproval"] == {
        "approved": True,
        "approverBody": "中共绵阳市纪律检查委员会",
        "documentNumber": "绵纪函〔2026〕12号",
        "date": "2026-09-20",
    }
    assert variables["registerOutcome"] == "已了结；诬告陷害，已移送司法机关"
    transfer = _pdf_text(variables["pursuitTransferLetterDocument"])
    assert "绵纪函〔2026〕12号" in transfer and "移送你机关依法处理" in transfer
    assert "false-accusation#remindLeadersOfApproval" not in run.path(case)


async def test_no_answer_by_the_deadline_reminds_the_leaders_and_keeps_waiting(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await _pursuit_waiting_for_approval(run)
    await run.advance_clock(case, timedelta(days=31))
    await run.wait_until_passed(case, "false-accusation#remindLeadersOfApproval")
    reminders = [n for n in run.sent() if n.notice_type == "approval-overdue"]
    assert len(reminders) == 1 and reminders[0].recipient == "discipline-leaders"
    [message] = [m for m in run.outbox_messages() if "批复逾期" in str(m["Subject"])]
    body = message.get_body(("plain",))
    assert body is not None and "30日" in body.get_content()
    await run.wait_until_waiting_at(case, "false-accusation#awaitApprovalAnswer")

    await _answer(run, run.variables(case)["caseNumber"], approved=False)
    await run.wait_until_completed(case)
    assert run.variables(case)["registerOutcome"] == "已了结；上级机关未批准追查，不予追查"


async def test_a_mistaken_report_is_not_pursued_and_the_reporter_stays_protected(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await start(
        run,
        "false-accusation",
        {
            "personName": "李明",
            "unitId": "town-xinqiao",
            "reportSummary": "反映其违规指定施工单位",
            "reportReceivedOn": "2026-08-20",
            "reporterRef": REPORTER_REF,
            "falseAccusationClue": "举报内容与事实不符",
        },
    )
    await run.complete_task(
        case,
        "distinguishAccusation",
        {
            "accusationFinding": "mistaken-report",
            "findingReasons": "举报人因不了解招标程序而误认为指定施工单位，无捏造事实的故意",
            "findingDecidedOn": "2026-09-06",
        },
    )
    await run.wait_until_completed(case)
    variables = run.variables(case)
    assert variables["caseNumber"] == "游纪诬〔2026〕1号"
    assert variables["procedureName"] == "诬告陷害查处"
    assert variables["registerOutcome"] == "错告误告，不予追究"
    path = run.path(case)
    assert "false-accusation#sendApprovalRequest" not in path
    assert not [v for v in variables if v.endswith("Document")]


async def test_a_retaliation_complaint_is_handled_on_its_own_and_linked_to_the_case(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    original = await start(run, "clarification", report())
    await approve_closure(run, original, verification(explainToUnit=False))
    await run.wait_until_completed(original)
    original_number = run.variables(original)["caseNumber"]

    complaint = await start(
        run,
        "retaliation-complaint",
        {
            "linkedCaseNumber": original_number,
            "reporterRef": REPORTER_REF,
            "personName": "李明",
            "unitId": "town-xinqiao",
            "complaintSummary": "举报后被无故调离原工作岗位",
            "complaintReceivedOn": "2026-10-10",
        },
    )
    await run.complete_task(
        complaint,
        "verifyRetaliation",
        {
            "retaliationFound": True,
            "retaliationFindings": "调岗决定无会议研究记录，系李明个人指使",
            "protectiveMeasures": "恢复举报人原岗位，对其身份信息严格保密",
            "retaliationHandlingProposal": "对李明同志进行诫勉谈话",
            "retaliationVerifiedOn": "2026-10-20",
        },
    )
    await run.complete_task(
        complaint,
        "approveRetaliationHandling",
        {
            "retaliationHandlingApproved": True,
            "retaliationApprovedBy": "陈静",
            "retaliationApprovedOn": "2026-10-21",
        },
    )
    await run.wait_until_completed(complaint)
    variables = run.variables(complaint)
    assert variables["linkedCaseNumber"] == original_number == "游纪澄〔2026〕1号"
    assert variables["caseNumber"] == "游纪护〔2026〕1号"
    assert variables["procedureName"] == "打击报复举报人投诉"
    assert variables["registerOutcome"] == "打击报复属实，已依规处理"


async def test_the_reporter_appears_in_no_document_and_no_variable(
    procedure: ProcedureRun, tmp_path: Path
) -> None:
    """Every document of Chapter 4 generated for a case whose reporter is registered: neither
    the name nor the contact is in any PDF, any notice or any process variable."""
    run = procedure
    register = ReporterRegister(tmp_path / "desk")
    reference = register.add(
        {
            "name": REPORTER_NAME,
            "contact": REPORTER_CONTACT,
            "received_on": "2026-08-20",
            "recorded_by": officers.username(OFFICE),
        }
    )
    assert reference == REPORTER_REF
    case = await start(run, "clarification", report(reporterRef=reference))
    await approve_closure(
        run,
        case,
        verification(
            publicClarificationProposed=True,
            publicClarificationReason="影响较大",
            suspectFalseAccusation=True,
            falseAccusationClue="伪造会议记录",
        ),
    )
    await serve_letter(run, case)
    await run.complete_task(
        case,
        "approvePublicClarification",
        {
            "publicClarificationApproved": True,
            "publicClarificationScope": "新桥镇机关",
            "publicClarificationChannel": "internal-notice",
            "publicClarificationApprovedBy": "陈静",
            "publicClarificationApprovedOn": "2026-09-05",
        },
    )
    await run.complete_task(
        case, "recordPublication", {"publicationDate": "2026-09-08", "publicationNotes": "已印发"}
    )
    await run.complete_task(
        case,
        "distinguishAccusation",
        {
            "accusationFinding": "false-accusation",
            "findingReasons": "伪造会议记录",
            "findingDecidedOn": "2026-09-06",
            "accuserKind": "other",
            "approvalBody": "city-party-committee",
        },
    )
    await run.wait_until_waiting_at(case, "false-accusation#awaitApprovalAnswer")
    await _answer(run, run.variables(case)["caseNumber"], approved=True)
    await run.complete_task(
        case,
        "decidePursuitOutcome",
        {
            "pursuitOutcome": "per-law",
            "receivingBody": "绵阳市公安局游仙区分局",
            "outcomeReasons": "依法处理",
            "transferredOn": "2026-09-25",
        },
    )
    await run.wait_until_completed(case)

    pdfs = sorted(run.data_dir.rglob("*.pdf"))
    kinds = {path.name.rsplit("-", 1)[0] for path in pdfs}
    assert kinds == {
        "clarification-letter",
        "public-clarification",
        "pursuit-approval-request",
        "pursuit-transfer-letter",
    }
    for path in pdfs:
        text = squeeze("".join(page.extract_text() or "" for page in PdfReader(path).pages))
        assert "李明" in text, path.name  # the text is readable: the check below means something
        assert REPORTER_NAME not in text and REPORTER_CONTACT not in text, path.name
        assert REPORTER_REF not in text, path.name
    for message in run.outbox_messages():
        assert REPORTER_NAME not in str(message) and REPORTER_CONTACT not in str(message)
    every_value = str([run.harness.engine.query.variables(key) for key in run.instances(case)])
    assert REPORTER_NAME not in every_value and REPORTER_CONTACT not in every_value


async def test_the_reporter_register_shows_the_identity_only_to_officers_handling_the_report(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    async with desk_for(run) as sign_in:
        office = sign_in(OFFICE)
        unit = sign_in("town-xinqiao")
        refused = await unit.post(
            "/reporters",
            {"name": REPORTER_NAME, "contact": REPORTER_CONTACT, "receivedOn": "2026-08-20"},
        )
        assert refused.status_code == 403
        registered = await office.post(
            "/reporters",
            {"name": REPORTER_NAME, "contact": REPORTER_CONTACT, "receivedOn": "2026-08-20"},
        )
        assert registered.status_code == 200, registered.text
        reference = registered.json()["reporterRef"]
        assert reference == REPORTER_REF

        case = await start(run, "clarification", report(reporterRef=reference))
        await run.wait_for_user_task(case, "recordVerification")
        shown = await office.get(f"/reporters/case/{case.key}")
        assert shown.status_code == 200, shown.text
        assert shown.json()["items"] == [
            {
                "reporterRef": REPORTER_REF,
                "name": REPORTER_NAME,
                "contact": REPORTER_CONTACT,
                "receivedOn": "2026-08-20",
            }
        ]
        # Officers without a task of the discipline organ in this case: the leaders before the
        # closure reaches them, the Chapter 2 office that sees every exemption case, the party
        # organisation of the person's unit, a manager.
        leaders = sign_in(LEADERS)
        others = [
            leaders,
            sign_in("leading-group-office"),
            unit,
            sign_in("org-personnel", roles=("manager",)),
        ]
        for officer in others:
            answer = await officer.get(f"/reporters/case/{case.key}")
            assert answer.status_code == 403, answer.text
            assert REPORTER_NAME not in answer.text
            assert "没有办理任务" in answer.json()["detail"]

        await run.complete_task(case, "recordVerification", verification(explainToUnit=False))
        await run.wait_for_user_task(case, "approveClosure")
        handled = await leaders.get(f"/reporters/case/{case.key}")
        assert handled.status_code == 200 and handled.json()["items"][0]["name"] == REPORTER_NAME


async def test_a_clarification_entered_from_reminder_warning_takes_the_reported_problem(
    procedure: ProcedureRun,
) -> None:
    """`reminder-warning#callClarification` passes only `reportedProblem`, `registerSubjects`,
    `originCaseNumber` and `originFindings`: the case numbers itself and names the person."""
    run = procedure
    created = await run.client.run_process(
        "clarification",
        variables={
            "reportedProblem": {
                "source": "letters-visits",
                "summary": "反映其违规发放津贴",
                "personName": "王刚",
                "personPosition": "局长",
                "unitId": "dept-audit",
            },
            "registerSubjects": [{"kind": "person", "name": "王刚", "unitId": "dept-audit"}],
            "originCaseNumber": "游纪提〔2026〕1号",
            "originFindings": "函询答复说明清楚，反映不实",
        },
    )
    case = Case(int(created.process_instance_key))
    await run.wait_for_user_task(case, "recordVerification")
    variables = run.variables(case)
    assert variables["caseNumber"] == "游纪澄〔2026〕1号"
    assert variables["personName"] == "王刚" and variables["unitName"] == "区审计局"
    assert variables["reportSummary"] == "反映其违规发放津贴"
    await approve_closure(run, case, verification())
    await serve_letter(run, case)
    await run.wait_until_completed(case)
    assert "区审计局局长王刚同志" in _pdf_text(run.variables(case)["clarificationLetterDocument"])
