"""The job handlers of `public-opinion-response` (Art. 19, bpmn/public-opinion-response.bpmn),
registered on the workers' one router (workers/jobs.py).

- `opinion-response.assign-number`: the request's case number and register variables;
- `opinion-response.record`: the 舆情回应情况记录 as a PDF in the workers' store;
- `opinion-response.notify-requester`: tells the officer who asked that the response was made.
"""

# No `from __future__ import annotations`: pyzeebe compares the job parameter's annotation.

from typing import Any

import structlog
from pyzeebe import Job

from workers.document_store import StoredDocument, store_document
from workers.jobs import JobDataError, engine_now, engine_today, job_context, parse, task
from workers.notices import (
    Attachment,
    Notice,
    Outbox,
    recipient_address,
    transport_from_environment,
)
from workers.official_layout import render_pdf
from workers.opinion_response import (
    PROCEDURE_NAME,
    PUBLICITY_SHORT,
    RECORD_TITLE,
    OpinionFacts,
    OpinionResponseDataError,
    assign_case_number,
    check_origin_case_number,
    register_subjects,
    response_record,
    subjects_unit_name,
)
from workers.settings import data_dir
from workers.variables import ProcessVariables

log = structlog.get_logger("workers")
REQUESTER = "requester"


class NumberRequest(ProcessVariables):
    origin_case_number: str | None = None
    unit_id: str | None = None
    person_name: str | None = None
    requested_by_name: str | None = None
    requested_by_user: str | None = None


@task("opinion-response.assign-number")
def assign_opinion_response_number_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        request = parse(NumberRequest, job)
        try:
            origin = check_origin_case_number(request.origin_case_number)
            subjects = register_subjects(request.person_name, request.unit_id)
            # The requester is told and closes the case: without them no one could.
            for name, value in (
                ("requestedByName", request.requested_by_name),
                ("requestedByUser", request.requested_by_user),
            ):
                if not (value or "").strip():
                    raise OpinionResponseDataError(f"缺少申请人 {name}")
            year = engine_today(job).year
            number = assign_case_number(data_dir(), job.process_instance_key, year)
        except OpinionResponseDataError as error:
            raise JobDataError(str(error)) from error
        log.info("opinion_response.numbered", case_number=number, origin=origin)
        return {
            "caseNumber": number,
            "procedureName": PROCEDURE_NAME,
            "registerSubjects": subjects,
            "originCaseNumber": origin,
            "unitName": subjects_unit_name(request.unit_id),
        }


@task("opinion-response.record")
def record_opinion_response_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        facts = parse(OpinionFacts, job)
        try:
            document = response_record(facts, engine_today(job))
        except OpinionResponseDataError as error:
            raise JobDataError(str(error)) from error
        stored = store_document(
            data_dir(),
            case_number=None,
            process_instance_key=job.process_instance_key,
            document_id=f"opinion-response-record-{job.element_instance_key}",
            document_type="opinion-response-record",
            title=f"{RECORD_TITLE}（{facts.case_number}）",
            content=render_pdf(document),
            created_at=engine_now(job),
        )
        log.info("opinion_response.recorded", case_number=facts.case_number)
        return {"document": stored.to_variables()}


class NotifyRequest(ProcessVariables):
    case_number: str | None = None
    origin_case_number: str | None = None
    requested_by_name: str | None = None
    document: StoredDocument | None = None


def compose_requester_notice(notice_id: str, request: NotifyRequest) -> Notice:
    if request.document is None:
        raise JobDataError("告知申请人须附送舆情回应情况记录，但输入变量 document 不存在")
    if not request.requested_by_name:
        raise JobDataError("缺少申请人 requestedByName")
    name = request.requested_by_name
    return Notice(
        notice_id=notice_id,
        notice_type="opinion-response-done",
        recipient=REQUESTER,
        recipient_name=name,
        address=recipient_address(REQUESTER),
        subject=f"舆论解释回应已完成（{request.case_number}）",
        body=(
            f"{name}同志：\n\n您就案件{request.origin_case_number}提出的舆论解释回应申请"
            f"（{request.case_number}），{PUBLICITY_SHORT}已作出解释和回应，"
            "现将舆情回应情况记录送达，请查阅后在工作台确认办结。\n\n"
            f"{PUBLICITY_SHORT}\n"
        ),
        attachments=[
            Attachment(file_name=request.document.file_name, path=request.document.path())
        ],
    )


@task("opinion-response.notify-requester")
def notify_requester_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        notice = compose_requester_notice(
            f"opinion-response-done-{job.element_instance_key}", parse(NotifyRequest, job)
        )
        root = data_dir()
        record = Outbox(root, transport_from_environment(root)).send(notice)
        log.info("opinion_response.requester_told", notice_id=record.notice_id)
        return {"notice": record.to_variables()}
