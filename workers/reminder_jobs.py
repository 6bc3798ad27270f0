"""The job handlers of `reminder-warning` (Art. 11), on the one router of workers/jobs.py.

Failures end as in workers/jobs.py: data that cannot be used (an unknown letter type, a letter
whose case lacks the cadre's name) or an unknown calendar year is an incident naming what is
missing; anything else is retried.
"""

# No `from __future__ import annotations`: pyzeebe compares the job parameter's annotation with Job.

from typing import Any

from pydantic import Field
from pyzeebe import Job

from workers.document_store import store_document
from workers.jobs import (
    JobDataError,
    engine_now,
    engine_today,
    header,
    job_context,
    log,
    parse,
    task,
)
from workers.official_layout import render_pdf
from workers.reminder_warning import (
    COMPOSERS,
    DEFAULT_ENQUIRY_WORKING_DAYS,
    DEFAULT_ERROR_CATEGORY,
    DEFAULT_REMINDER_WORKING_DAYS,
    LETTER_TITLES,
    PROCEDURE_NAME,
    LetterFacts,
    LetterType,
    MissingLetterDataError,
    ReportedProblem,
    assign_case_number,
    assign_letter_number,
    register_subjects,
    reply_deadline,
    unit_name,
)
from workers.settings import data_dir
from workers.working_days import WorkingDayCalendar


class CaseOpening(LetterFacts):
    error_category: str | None = None


@task("reminder.assign-number")
def assign_reminder_number_job(job: Job) -> dict[str, Any]:
    """Numbers the case and sets the register variables every procedure carries."""
    with job_context(job):
        opening = parse(CaseOpening, job)
        problem = opening.reported_problem or ReportedProblem()
        number = assign_case_number(data_dir(), job.process_instance_key, engine_today(job).year)
        log.info("reminder.numbered", case_number=str(number))
        return {
            "caseNumber": str(number),
            "procedureName": PROCEDURE_NAME,
            "registerSubjects": register_subjects(problem),
            "reportedUnitName": unit_name(problem.unit_id),
            "errorCategory": opening.error_category or DEFAULT_ERROR_CATEGORY,
        }


class DeadlineRequest(LetterFacts):
    enquiry_working_days: int | None = None
    enquiry_reminder_working_days: int | None = None
    enquiry_deadlines: list[dict[str, Any]] = Field(default_factory=list)


@task("reminder.reply-deadline")
def reply_deadline_job(job: Job) -> dict[str, Any]:
    """The enquiry's reply deadline (header `stage` = `enquiry`) or the new one a reminder sets
    (`reminder`); every deadline set is kept in `enquiryDeadlines`."""
    with job_context(job):
        stage = header(job, "stage")
        request = parse(DeadlineRequest, job)
        if stage == "enquiry":
            working_days = request.enquiry_working_days or DEFAULT_ENQUIRY_WORKING_DAYS
        elif stage == "reminder":
            working_days = request.enquiry_reminder_working_days or DEFAULT_REMINDER_WORKING_DAYS
        else:
            raise JobDataError(f"任务头 stage 取值 {stage!r} 无效，应为 enquiry 或 reminder")
        set_on = engine_today(job)
        try:
            last_day, due_at = reply_deadline(WorkingDayCalendar.from_file(), set_on, working_days)
        except ValueError as error:
            raise JobDataError(str(error)) from error
        entry = {
            "stage": stage,
            "setOn": set_on.isoformat(),
            "workingDays": working_days,
            "lastDay": last_day.isoformat(),
            "dueAt": due_at.isoformat(),
        }
        log.info("reminder.deadline", stage=stage, last_day=last_day.isoformat())
        return {
            "enquiryDueAt": due_at.isoformat(),
            "enquiryLastDay": last_day.isoformat(),
            "enquiryDeadlines": [*request.enquiry_deadlines, entry],
        }


@task("reminder.letter")
def generate_letter_job(job: Job) -> dict[str, Any]:
    """函询函 or 催告函 (header `letterType`), in the official layout, with its 发文字号."""
    with job_context(job):
        type_text = header(job, "letterType")
        try:
            kind = LetterType(type_text)
        except ValueError:
            raise JobDataError(
                f"任务头 letterType 取值 {type_text!r} 无效，"
                "应为 enquiry-letter 或 enquiry-reminder"
            ) from None
        facts = parse(LetterFacts, job)
        issued = engine_today(job)
        compose = COMPOSERS[kind]
        # Composed once unnumbered: a case lacking the cadre's name fails before a number is
        # taken, so the letter register has no gaps from refused letters.
        try:
            compose(facts, issued, "")
        except MissingLetterDataError as error:
            raise JobDataError(str(error)) from error
        document_id = f"{kind.value}-{job.element_instance_key}"
        number = assign_letter_number(data_dir(), document_id, issued.year)
        content = render_pdf(compose(facts, issued, number))
        stored = store_document(
            data_dir(),
            # The letters are kept by the instance: the archive's folders are named by 受理编号.
            case_number=None,
            process_instance_key=job.process_instance_key,
            document_id=document_id,
            document_type=kind.value,
            title=LETTER_TITLES[kind],
            content=content,
            created_at=engine_now(job),
            document_number=number,
        )
        log.info("reminder.letter", letter_type=kind.value, document_number=number)
        return {"document": stored.to_variables()}
