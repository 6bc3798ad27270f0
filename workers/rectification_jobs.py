"""The job handlers of `rectification` (Art. 12) and of the register's repeat check, on the one
router of workers/jobs.py (which imports this module at its end)."""

# No `from __future__ import annotations`: pyzeebe compares the job parameter's annotation with
# its `Job` class (see workers/jobs.py).

from typing import Any

import structlog
from pyzeebe import Job

from workers.document_store import store_document
from workers.jobs import JobDataError, engine_now, engine_today, header, job_context, parse, task
from workers.notices import Outbox, transport_from_environment
from workers.official_layout import render_pdf
from workers.rectification import (
    NOTICE_TITLE,
    CaseOpening,
    LateReport,
    NoticeFacts,
    RectificationDataError,
    case_number,
    deadline_moment,
    document_number,
    late_report_notice,
    open_case,
    rectification_notice,
)
from workers.register import RegisterClient, Subject
from workers.repeat_check import check_repeats
from workers.settings import data_dir

log = structlog.get_logger("workers")


def _data_error(error: RectificationDataError) -> JobDataError:
    return JobDataError(str(error))


@task("rectification.open-case")
def open_rectification_case_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        try:
            opened = open_case(parse(CaseOpening, job))
        except RectificationDataError as error:
            raise _data_error(error) from error
        number = case_number(data_dir(), job.process_instance_key, engine_today(job).year)
        log.info("rectification.opened", case_number=number)
        return {"caseNumber": number, **opened}


@task("rectification.document")
def rectification_document_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        kind = header(job, "documentType")
        if kind != "rectification-notice":
            raise JobDataError(f"任务头 documentType 取值 {kind!r} 无效，应为 rectification-notice")
        facts = parse(NoticeFacts, job)
        issued = engine_today(job)
        if facts.rectification_deadline < issued:
            raise JobDataError(
                f"整改期限 {facts.rectification_deadline.isoformat()} 早于发文日期，"
                "请退回重新拟定整改期限"
            )
        number = document_number(data_dir(), job.element_instance_key, issued.year)
        document = rectification_notice(facts, issued).model_copy(
            update={"document_number": number}
        )
        stored = store_document(
            data_dir(),
            case_number=None,
            process_instance_key=job.process_instance_key,
            document_id=f"{kind}-{job.element_instance_key}",
            document_type=kind,
            title=NOTICE_TITLE,
            content=render_pdf(document),
            created_at=engine_now(job),
            document_number=number,
        )
        log.info("document.generated", document_type=kind, file_name=stored.file_name)
        return {
            "document": stored.to_variables(),
            "rectificationDeadlineAt": deadline_moment(facts.rectification_deadline).isoformat(),
        }


@task("rectification.remind-late-report")
def remind_late_report_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        facts = parse(LateReport, job)
        root = data_dir()
        notice = late_report_notice(
            f"rectification-report-overdue-{job.element_instance_key}", facts
        )
        record = Outbox(root, transport_from_environment(root)).send(notice)
        log.info("notice.sent", notice_id=record.notice_id, channel=record.channel)
        return {
            "reminder": {
                "dueAt": facts.progress_report_due_at,
                "remindedAt": engine_now(job).isoformat(),
                "noticeId": record.notice_id,
            }
        }


class RepeatCheckRequest(CaseOpening):
    pass


@task("register.repeat-check")
def repeat_check_job(job: Job) -> dict[str, Any]:
    """Reads the register over /v2 with the workers' own credentials; an engine that cannot be
    read is a transient failure (retried, then an incident), never a silent 'no earlier case'."""
    with job_context(job):
        request = parse(RepeatCheckRequest, job)
        subjects = [
            Subject("person" if s.kind == "person" else "unit", s.name or "", s.unit_id)
            for s in request.register_subjects
        ]
        if not subjects:
            raise JobDataError("流程变量 registerSubjects 为空，无法查阅登记簿")
        with RegisterClient() as register:
            cases = register.cases()
        this_case = next(
            (c for c in cases if c.process_instance_key == job.process_instance_key), None
        )
        related = (
            [this_case.parent_process_instance_key]
            if this_case and this_case.parent_process_instance_key
            else []
        )
        checked = check_repeats(
            subjects,
            request.error_category,
            cases,
            this_case=job.process_instance_key,
            related=related,
            related_numbers=[request.origin_case_number or ""],
        )
        log.info(
            "register.repeat_checked",
            earlier=len(checked.earlier),
            repeated=len(checked.repeated),
        )
        return checked.to_variables()
