"""The job handlers of Chapter 4 (bpmn/clarification.bpmn, false-accusation.bpmn,
retaliation-complaint.bpmn), registered on the workers' one router (workers/jobs.py).

- `chapter-four.assign-number`: the case number of the procedure named by the header
  `register`, with the register variables of docs/procedure-contract.md;
- `chapter-four.generate-document`: a document of workers/chapter_four_documents.py, as a PDF in
  the workers' store with its own 发文字号;
- `chapter-four.send`: delivers a document (or a reminder) through the outbox.
"""

# No `from __future__ import annotations`: pyzeebe compares the job parameter's annotation.

from typing import Any

import structlog
from pyzeebe import Job

from workers.chapter_four import (
    ORGAN_SHORT,
    PROCEDURES,
    REPORTER_REF,
    ChapterFourDataError,
    assign_case_number,
    assign_document_number,
    party_organisation,
    register_subjects,
    unit_name,
)
from workers.chapter_four_documents import (
    APPROVAL_BODIES,
    KIND_TITLES,
    ChapterFourDocument,
    ChapterFourFacts,
    compose,
    title,
)
from workers.document_store import StoredDocument, store_document
from workers.jobs import JobDataError, engine_now, engine_today, header, job_context, parse, task
from workers.notice_texts import duration_text
from workers.notices import (
    Attachment,
    Notice,
    Outbox,
    recipient_address,
    transport_from_environment,
)
from workers.official_layout import render_pdf
from workers.settings import data_dir
from workers.variables import ProcessVariables

log = structlog.get_logger("workers")


class ReportedProblem(ProcessVariables):
    """`reportedProblem` as `reminder-warning#callClarification` passes it (the contract's
    hand-off: {source, summary, personName, personPosition, unitId})."""

    summary: str | None = None
    person_name: str | None = None
    person_position: str | None = None
    unit_id: str | None = None


class NumberRequest(ProcessVariables):
    person_name: str | None = None
    person_position: str | None = None
    unit_id: str | None = None
    report_summary: str | None = None
    reported_problem: ReportedProblem | None = None
    report_received_on: str | None = None
    complaint_received_on: str | None = None
    reporter_ref: str | None = None


@task("chapter-four.assign-number")
def assign_chapter_four_number_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        register = header(job, "register")
        request = parse(NumberRequest, job)
        # Entered from reminder-warning: the person and the report come in `reportedProblem`
        # and become this case's own variables, as the start form would have set them.
        handed_over: dict[str, Any] = {}
        problem = request.reported_problem
        if problem is not None and request.person_name is None:
            handed_over = {
                "personName": problem.person_name,
                "personPosition": problem.person_position,
                "unitId": problem.unit_id,
                "reportSummary": request.report_summary or problem.summary,
            }
            request = request.model_copy(
                update={"person_name": problem.person_name, "unit_id": problem.unit_id}
            )
        if request.reporter_ref and not REPORTER_REF.match(request.reporter_ref):
            # Only a register number may enter the case, never a name typed in its place.
            raise JobDataError(
                f"举报人登记编号 reporterRef 取值 {request.reporter_ref!r} 格式不正确，"
                "应为 2026-举-001 的形式"
            )
        try:
            subjects = register_subjects(request.person_name, request.unit_id)
            number = assign_case_number(
                data_dir(), register, job.process_instance_key, engine_today(job).year
            )
        except ChapterFourDataError as error:
            raise JobDataError(str(error)) from error
        log.info("chapter_four.numbered", case_number=number, register=register)
        return {
            **handed_over,
            "caseNumber": number,
            "procedureName": PROCEDURES[register].name,
            "registerSubjects": subjects,
            "unitName": unit_name(request.unit_id),
        }


@task("chapter-four.generate-document")
def generate_chapter_four_document_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        type_text = header(job, "documentType")
        try:
            kind = ChapterFourDocument(type_text)
        except ValueError:
            known = "、".join(k.value for k in ChapterFourDocument)
            raise JobDataError(
                f"任务头 documentType 取值 {type_text!r} 无效，应为 {known} 之一"
            ) from None
        facts = parse(ChapterFourFacts, job)
        issued = engine_today(job)
        try:
            compose(kind, facts, issued)  # refused before a 发文字号 is taken
            number = assign_document_number(data_dir(), job.element_instance_key, issued.year)
            document = compose(kind, facts, issued, number)
        except (ChapterFourDataError, ValueError) as error:
            raise JobDataError(str(error)) from error
        stored = store_document(
            data_dir(),
            case_number=None,
            process_instance_key=job.process_instance_key,
            document_id=f"{kind.value}-{job.element_instance_key}",
            document_type=kind.value,
            title=title(kind, facts),
            content=render_pdf(document),
            created_at=engine_now(job),
            document_number=number,
        )
        log.info("chapter_four.document", document_type=kind.value, number=number)
        return {"document": stored.to_variables()}


class SendRequest(ProcessVariables):
    case_number: str | None = None
    person_name: str | None = None
    unit_id: str | None = None
    approval_body: str | None = None
    receiving_body: str | None = None
    city_approval_answer_due_after: str | None = None
    document: StoredDocument | None = None


RECIPIENTS = (
    "unit-party-organisation",
    "city-approval-body",
    "receiving-body",
    "discipline-leaders",
)
DOCUMENT_NOTICES = {
    "clarification-letter": ChapterFourDocument.CLARIFICATION_LETTER,
    "pursuit-approval-request": ChapterFourDocument.PURSUIT_APPROVAL_REQUEST,
    "pursuit-transfer": ChapterFourDocument.PURSUIT_TRANSFER_LETTER,
}
APPROVAL_OVERDUE = "approval-overdue"


def _recipient_name(recipient: str, request: SendRequest) -> str:
    if recipient == "unit-party-organisation":
        return party_organisation(request.unit_id)
    if recipient == "city-approval-body":
        body = APPROVAL_BODIES.get(request.approval_body or "")
        if body is None:
            raise JobDataError(f"报请批准的机关 approvalBody 取值 {request.approval_body!r} 无效")
        return body
    if recipient == "receiving-body":
        if not request.receiving_body:
            raise JobDataError("缺少接收机关或党组织 receivingBody")
        return request.receiving_body.strip()
    return f"{ORGAN_SHORT}领导"


def compose_chapter_four_notice(
    notice_id: str, notice_type: str, recipient: str, request: SendRequest
) -> Notice:
    if recipient not in RECIPIENTS:
        raise JobDataError(
            f"任务头 recipient 取值 {recipient!r} 无效，应为 {'、'.join(RECIPIENTS)} 之一"
        )
    name = _recipient_name(recipient, request)
    case = request.case_number or "未编号"
    attachments: list[Attachment] = []
    if notice_type in DOCUMENT_NOTICES:
        if request.document is None:
            raise JobDataError(f"通知 {notice_type} 须附送文书，但输入变量 document 不存在")
        attachments.append(
            Attachment(file_name=request.document.file_name, path=request.document.path())
        )
        subject = f"{request.document.title}（{case}）"
        lead = f"现将{KIND_TITLES[DOCUMENT_NOTICES[notice_type]]}（{case}）送达，请查收附件并签收。"
    elif notice_type == APPROVAL_OVERDUE:
        limit = duration_text(request.city_approval_answer_due_after or "P30D")
        subject = f"批复逾期提醒：追查诬告陷害者请示（{case}）"
        lead = (
            f"关于追查处理诬告陷害{request.person_name or ''}同志问题的请示（{case}）报送后，"
            f"已超过本地规定的答复时限（{limit}）仍未收到批复，请督办。"
        )
    else:
        raise JobDataError(f"任务头 noticeType 取值 {notice_type!r} 无效")
    return Notice(
        notice_id=notice_id,
        notice_type=notice_type,
        recipient=recipient,
        recipient_name=name,
        address=recipient_address(recipient),
        subject=subject,
        body=f"{name}：\n\n{lead}\n\n{ORGAN_SHORT}\n",
        attachments=attachments,
    )


@task("chapter-four.send")
def send_chapter_four_notice_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        recipient = header(job, "recipient")
        notice_type = header(job, "noticeType")
        try:
            notice = compose_chapter_four_notice(
                f"{notice_type}-{recipient}-{job.element_instance_key}",
                notice_type,
                recipient,
                parse(SendRequest, job),
            )
        except ChapterFourDataError as error:
            raise JobDataError(str(error)) from error
        root = data_dir()
        record = Outbox(root, transport_from_environment(root)).send(notice)
        log.info("chapter_four.sent", notice_id=record.notice_id, channel=record.channel)
        return {"notice": record.to_variables()}
