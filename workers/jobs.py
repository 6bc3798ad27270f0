"""The job handlers: one pyzeebe task per job type of docs/procedure-contract.md.

Each handler reads the job's variables into a pydantic model, calls its domain module and returns
the contract's output variables. How failures end:
- deficient content of an application is not a failure (`applicationFindings`, for people to
  weigh);
- data of the wrong shape, a case the documents cannot be written for, an unknown calendar year,
  a notice the procedure does not know: the job fails with retries 0, so the engine raises an
  incident whose message names the variable, header or year; after fixing the data or the
  configuration, an operator resolves the incident (and sets retries) and the job runs again;
- anything else (disk full, mail server down) is treated as transient: the job fails with its
  retries decremented and a back-off, and only becomes an incident when they are used up.
No job throws a BPMN error: the diagrams model every business outcome as data, not as errors.
"""

# No `from __future__ import annotations` here: pyzeebe recognises the job parameter by comparing
# its annotation with the `Job` class, which a string annotation would defeat.

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

import structlog
from pydantic import Field, ValidationError
from pyzeebe import Job, JobController, JobStatus, ZeebeTaskRouter
from pyzeebe.errors import BusinessError

from workers import screening
from workers.application import Application, examine_application
from workers.archive import ArchiveError, CaseArchive
from workers.case_numbering import (
    CaseNumberFormatError,
    assign_case_number,
    assign_document_number,
)
from workers.committee import CommitteeAcknowledgement, record_acknowledgement
from workers.determination import (
    ApprovalRecord,
    OpinionDraft,
    approval_refusal_text,
    approval_refusals,
    drop_stale_choices,
    opinion_refusals,
    refusal_text,
)
from workers.document_store import DocumentLocationError, StoredDocument, store_document
from workers.documents import (
    DOCUMENT_TITLES,
    CaseFacts,
    DocumentType,
    MissingCaseDataError,
    compose,
)
from workers.notice_texts import NoticeInput, NoticeRequestError, compose_notice
from workers.notices import NoticeDeliveryError, Outbox, transport_from_environment
from workers.official_layout import FontMissingError, render_pdf
from workers.organisation import DEPARTMENT_NAMES
from workers.recusal import (
    CaseParties,
    DepartmentAssignmentCheck,
    assignable_units,
    assignment_refusals,
    recusal_notice,
    recusals,
)
from workers.register import PROCEDURE_NAMES, exemption_subjects
from workers.screening import ScreeningDataError
from workers.settings import data_dir
from workers.variables import ProcessVariables, describe_validation_error
from workers.working_days import (
    BEIJING,
    CalendarUnknownError,
    HolidayOverrideFileError,
    WorkingDayCalendar,
)

log = structlog.get_logger("workers")

EXEMPTION_PROCEDURE_NAME = PROCEDURE_NAMES["exemption-procedure"]

# Long enough for a PDF on a slow disk; the engine re-offers a job that outlives it.
JOB_TIMEOUT_MS = 60_000
TRANSIENT_RETRY_BACKOFF_MS = 10_000


class JobDataError(ValueError):
    """The job's variables or headers cannot be used; retrying cannot help."""


# Errors that need a person to change data or configuration: an incident, not a retry loop.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    JobDataError,
    ValidationError,
    CalendarUnknownError,
    HolidayOverrideFileError,
    MissingCaseDataError,
    CaseNumberFormatError,
    NoticeRequestError,
    NoticeDeliveryError,
    DocumentLocationError,
    FontMissingError,
    ArchiveError,
    ScreeningDataError,
)


@contextlib.contextmanager
def job_context(job: Job) -> Iterator[None]:
    """Binds the keys every log line of a job must carry, for the handler and its failure."""
    with structlog.contextvars.bound_contextvars(
        process_instance_key=job.process_instance_key,
        job_key=job.key,
        job_type=job.type,
        element_id=job.element_id,
    ):
        yield


def failure_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return describe_validation_error(error)
    return str(error) or type(error).__name__


async def fail_for_incident(job: Job, controller: JobController, message: str) -> None:
    """Fails the job with retries 0, which the engine turns into an incident at once.

    pyzeebe's `set_failure_status` always decrements the job's remaining retries; a permanent
    error must not burn through them with the same message, so the adapter is called directly.
    """
    job._set_status(JobStatus.Failed)
    await controller._zeebe_adapter.fail_job(
        job_key=job.key, retries=0, message=message, retry_back_off_ms=0, variables={}
    )


async def on_job_error(error: Exception, job: Job, controller: JobController) -> None:
    with job_context(job):
        message = failure_message(error)
        if isinstance(error, BusinessError):
            log.warning("job.bpmn_error", error_code=error.error_code, message=message)
            await controller.set_error_status(message, error_code=error.error_code)
        elif isinstance(error, PERMANENT_ERRORS):
            log.error("job.incident", message=message)
            await fail_for_incident(job, controller, message)
        else:
            log.exception("job.failed", message=message, retries_left=job.retries - 1)
            await controller.set_failure_status(
                f"{type(error).__name__}: {message}",
                retry_back_off_ms=TRANSIENT_RETRY_BACKOFF_MS,
            )


router = ZeebeTaskRouter(exception_handler=on_job_error)

Model = TypeVar("Model", bound=ProcessVariables)
# Handlers are synchronous on purpose: pyzeebe runs them in a thread, so rendering a PDF or
# waiting for SQLite does not stall the event loop that polls for the other job types.
Handler = Callable[[Job], dict[str, Any]]


def parse(model: type[Model], job: Job) -> Model:
    return model.model_validate(job.variables)


def header(job: Job, name: str, default: str | None = None) -> str:
    value = job.custom_headers.get(name, default)
    if value is None or not str(value).strip():
        raise JobDataError(f"任务 {job.element_id} 缺少任务头 {name}")
    return str(value).strip()


def engine_now(job: Job) -> datetime:
    """The engine's current time, as the case sees it.

    The engine sets the deadline to activation time + the requested timeout, so the activation
    time follows the engine's clock, which tests and demos move forward; the worker's own clock
    would date a document in 2026 on a case the engine is running in 2027.
    """
    if job.deadline > 0:
        return datetime.fromtimestamp((job.deadline - JOB_TIMEOUT_MS) / 1000, tz=UTC)
    return datetime.now(UTC)


def engine_today(job: Job) -> date:
    return engine_now(job).astimezone(BEIJING).date()


def task(job_type: str) -> Callable[[Handler], Handler]:
    # pyzeebe types its decorator with a ParamSpec that mypy cannot solve for a handler taking
    # only the job; the handler shape is fixed here instead.
    register = cast(
        "Callable[[Handler], object]",
        router.task(job_type, timeout_ms=JOB_TIMEOUT_MS, max_running_jobs=4),
    )

    def decorate(handler: Handler) -> Handler:
        register(handler)
        return handler

    return decorate


# 8(1) ---------------------------------------------------------------------------------------------


@task("application.validate")
def validate_application_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        # Findings for the office and the accountability subject, never a refusal (8(2)).
        examined = examine_application(parse(Application, job))
        log.info("application.examined", findings=len(examined.application_findings))
        return examined.to_variables()


APPLICATION_RECORD = "application-as-filed.json"
CASE_RECORD = "case-record.json"


def _json_record(variables: Mapping[str, Any]) -> bytes:
    """Variables as a file: sorted and readable, the same bytes for the same case on a retry."""
    return json.dumps(
        variables, ensure_ascii=False, sort_keys=True, indent=2, default=_plain
    ).encode("utf-8")


def _plain(value: object) -> object:
    # pyzeebe hands the variables over as read-only mappings, which json cannot write as such.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"流程变量中有无法存档的值：{type(value).__name__}")


class CaseNumberRequest(ProcessVariables):
    application_date: date | None = None


@task("case.assign-number")
def assign_case_number_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        request = parse(CaseNumberRequest, job)
        year = (request.application_date or engine_today(job)).year
        number = assign_case_number(data_dir(), job.process_instance_key, year)
        # The application as filed, before any review touches the case (存档备查 of 8(4)).
        CaseArchive(data_dir(), number).add_file(
            APPLICATION_RECORD, _json_record(job.variables), "application"
        )
        log.info("case.numbered", case_number=str(number))
        return {
            "caseNumber": str(number),
            "caseYear": number.year,
            "caseSequence": number.sequence,
            # The register variables (docs/procedure-contract.md): the applicant as the person or
            # unit the case concerns, so that a later case of theirs finds this one.
            "procedureName": EXEMPTION_PROCEDURE_NAME,
            "registerSubjects": [s.to_variable() for s in exemption_subjects(job.variables)],
        }


# Local policy (docs/local-policy.md): the measures set no time for supplementing materials.
DEFAULT_SUPPLEMENT_WORKING_DAYS = 10


class SupplementRequest(ProcessVariables):
    supplement_items: str | None = None
    supplement_working_days: int | None = None
    supplement_requests: list[dict[str, Any]] = Field(default_factory=list)


@task("application.supplement-deadline")
def supplement_deadline_job(job: Job) -> dict[str, Any]:
    """8(2) 补正: the applicant has N working days after the request day (not counted), until
    24:00 Beijing time of the last one; every request is kept in `supplementRequests`."""
    with job_context(job):
        request = parse(SupplementRequest, job)
        working_days = request.supplement_working_days or DEFAULT_SUPPLEMENT_WORKING_DAYS
        if not 1 <= working_days <= 30:
            raise JobDataError(f"补正期限 supplementWorkingDays 取值 {working_days} 应为1至30")
        requested_on = engine_today(job)
        calendar = WorkingDayCalendar.from_file()
        last_day = calendar.add_working_days(requested_on, working_days)
        due_at = calendar.publicity_end(requested_on, working_days)
        entry = {
            "requestedOn": requested_on.isoformat(),
            "items": request.supplement_items or "",
            "workingDays": working_days,
            "lastDay": last_day.isoformat(),
            "dueAt": due_at.isoformat(),
        }
        log.info("supplement.requested", last_day=last_day.isoformat())
        return {
            "supplementDueAt": due_at.isoformat(),
            "supplementLastDay": last_day.isoformat(),
            "supplementWorkingDays": working_days,
            "supplementRequests": [*request.supplement_requests, entry],
        }


# 8(3) investigating units and recusal ------------------------------------------------------------


@task("organisation.recusal")
def recusal_job(job: Job) -> dict[str, Any]:
    """The units the leading group may direct to investigate, as the assignment form's options."""
    with job_context(job):
        parties = parse(CaseParties, job)
        recused = recusals(parties)
        log.info("investigation.recusals", recused=[r.unit.id for r in recused])
        return {
            "assignableDepartments": [
                {"label": unit.name, "value": unit.id} for unit in assignable_units(parties)
            ],
            "recusedDepartments": [
                {"department": r.unit.id, "name": r.unit.name, "reason": r.reason} for r in recused
            ],
            "recusalNotice": recusal_notice(recused),
            "departmentNames": dict(DEPARTMENT_NAMES),
        }


@task("organisation.check-assignment")
def check_assignment_job(job: Job) -> dict[str, Any]:
    """Refuses an assignment naming a recused or unknown unit; the form shows why."""
    with job_context(job):
        problems = assignment_refusals(parse(DepartmentAssignmentCheck, job))
        log.info("investigation.assignment_checked", refused=len(problems))
        return {
            "assignmentAccepted": not problems,
            "assignmentRefusal": "".join(problems) if problems else None,
        }


# 8(3) publicity -----------------------------------------------------------------------------------


class PublicityRequest(ProcessVariables):
    publicity_start_date: date


@task("calendar.publicity-period")
def publicity_period_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        request = parse(PublicityRequest, job)
        working_days_text = header(job, "workingDays", "7")
        if not working_days_text.isdigit() or int(working_days_text) < 1:
            raise JobDataError(f"任务头 workingDays 取值 {working_days_text!r} 不是正整数")
        # Read on every job, so a corrected override file applies when the incident is resolved.
        calendar = WorkingDayCalendar.from_file()
        working_days = int(working_days_text)
        today = engine_today(job)
        if request.publicity_start_date < today:
            # Answered to the office on its arrangement form, not an incident: choosing a date
            # is theirs to correct (Art. 8(3): the 7 working days cannot start in the past).
            problem = (
                f"公示起始日（{request.publicity_start_date.isoformat()}）早于今天"
                f"（{today.isoformat()}），公示期不能从过去的日期起算，请重新选择公示起始日"
            )
            log.info("publicity.start_refused", start=request.publicity_start_date.isoformat())
            return {"publicityStartProblem": problem}
        last_day = calendar.add_working_days(request.publicity_start_date, working_days)
        ends_at = calendar.publicity_end(request.publicity_start_date, working_days)
        log.info("publicity.period", last_working_day=last_day.isoformat(), ends_at=ends_at)
        return {
            "publicityEndsAt": ends_at.isoformat(),
            "publicityLastWorkingDay": last_day.isoformat(),
            "publicityStartProblem": None,
        }


# documents ----------------------------------------------------------------------------------------


def issue_date(kind: DocumentType, facts: CaseFacts, today: date) -> date:
    """The date a document bears: the day its decision was taken, where the case records it."""
    if kind in (DocumentType.ACCEPTANCE_NOTICE, DocumentType.REJECTION_NOTICE):
        if facts.acceptance_decision is not None and facts.acceptance_decision.decided_on:
            return facts.acceptance_decision.decided_on
        reviewed = [d for d in (facts.office_reviewed_on, facts.subject_reviewed_on) if d]
        if reviewed:
            return max(reviewed)
    return today


@task("document.generate")
def generate_document_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        type_text = header(job, "documentType")
        try:
            kind = DocumentType(type_text)
        except ValueError:
            known = "、".join(t.value for t in DocumentType)
            raise JobDataError(
                f"任务头 documentType 取值 {type_text!r} 无效，应为 {known} 之一"
            ) from None
        facts = parse(CaseFacts, job)
        issued = issue_date(kind, facts, engine_today(job))
        # Stable across retries of this job, new when the element is entered again.
        document_id = f"{kind.value}-{job.element_instance_key}"
        # Composed once without a number first: a case lacking what the document needs fails
        # before a 发文字号 is taken, so the register has no gaps from refused documents.
        compose(kind, facts, issued)
        number = assign_document_number(data_dir(), document_id, issued.year)
        document = compose(kind, facts, issued, str(number))
        content = render_pdf(document)
        stored = store_document(
            data_dir(),
            case_number=facts.case_number,
            process_instance_key=job.process_instance_key,
            document_id=document_id,
            document_type=kind.value,
            title=DOCUMENT_TITLES[kind],
            content=content,
            created_at=engine_now(job),
            document_number=str(number),
        )
        log.info("document.generated", document_type=kind.value, file_name=stored.file_name)
        return {"document": stored.to_variables()}


# notices ------------------------------------------------------------------------------------------


@task("notice.send")
def send_notice_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        recipient = header(job, "recipient")
        notice_type = header(job, "noticeType")
        notice = compose_notice(
            f"{notice_type}-{recipient}-{job.element_instance_key}",
            notice_type,
            recipient,
            parse(NoticeInput, job),
        )
        root = data_dir()
        record = Outbox(root, transport_from_environment(root)).send(notice)
        log.info("notice.sent", notice_id=record.notice_id, channel=record.channel)
        return {"notice": record.to_variables()}


# 8(4) archive -------------------------------------------------------------------------------------

# The decisions of the case, as the contract names them: both the suggestions (DMN) and what the
# people decided, so the file shows where they differed and why.
DECISION_VARIABLES = (
    "applicationValid",
    "invalidReasons",
    "applicationFindings",
    "supplementRequests",
    "withdrawal",
    "acceptanceDecision",
    "officeAcceptsApplication",
    "officeAcceptanceReason",
    "officeReviewedOn",
    "subjectAcceptsApplication",
    "subjectAcceptanceReason",
    "subjectReviewedOn",
    "applicationAccepted",
    "investigatingDepartments",
    "investigationInstructions",
    "recusedDepartments",
    "departmentFindings",
    "investigationSummary",
    "investigationRounds",
    "eligibilitySuggestion",
    "outcomeSuggestion",
    "determinationRecognised",
    "determinationCircumstances",
    "determinationDistinctionExperience",
    "determinationDistinctionProhibition",
    "determinationDistinctionIntent",
    "determinationOutcomes",
    "determinationReasoning",
    "deviationReason",
    "publicityRequired",
    "publicityScope",
    "determinationPublicInterest",
    "determinationUnforeseeable",
    "determinationReformContext",
    "determinationBackground",
    "determinationAdministrativeTreatment",
    "determinationDisciplinaryTreatment",
    "opinionApproved",
    "approvalComments",
    "approvalMethod",
    "approvalMeetingDate",
    "approvalMinutesNumber",
    "approvalCirculatedOn",
    "approvalDecidedBy",
    "sendBackRemarks",
    "opinionApprovalRecords",
    "publicityStartDate",
    "publicityEndsAt",
    "publicityLastWorkingDay",
    "objections",
    "objectionSubstantiated",
    "objectionHandlingNotes",
    "objectionAnswer",
    "publicityOutcome",
    "orgPersonnelReceivedOn",
    "orgPersonnelNotes",
    "applicantServiceProof",
    "orgPersonnelServiceProof",
    "subjectServiceProof",
    "subjectAccountabilityDecision",
    "subjectAppliedOn",
    "subjectApplicationNotes",
    "cadreUseRecord",
)
CLOSURES = frozenset({"not-accepted", "withdrawn", "determined"})


class FilingRequest(ProcessVariables):
    case_number: str


def _documents_of(job: Job) -> dict[str, StoredDocument]:
    documents = {}
    for name, value in job.variables.items():
        if name.endswith("Document") and value is not None:
            try:
                documents[name] = StoredDocument.model_validate(value)
            except ValidationError as error:
                raise JobDataError(
                    f"流程变量 {name} 不是文书记录：{describe_validation_error(error)}"
                ) from error
    return documents


def _file_document(archive: CaseArchive, name: str, document: StoredDocument) -> None:
    """Makes sure the archive holds exactly the document the case refers to."""
    manifest = {entry.document_id: entry for entry in archive.manifest().files}
    entry = manifest.get(document.document_id)
    if entry is not None:
        if entry.sha256 != document.sha256:
            raise ArchiveError(
                f"变量 {name} 所指文书 {document.file_name} 的 SHA-256 与存档清单不符"
            )
        return
    source = document.path()
    if not source.is_file():
        raise ArchiveError(f"变量 {name} 所指文书不存在：{source}")
    content = source.read_bytes()
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise ArchiveError(f"变量 {name} 所指文书 {source} 已被改动（SHA-256 不符）")
    archive.add_document(
        document.document_id, source.stem, source.suffix, content, document.document_type
    )


@task("archive.file-case")
def file_case_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        closure = header(job, "closure")
        if closure not in CLOSURES:
            raise JobDataError(
                f"任务头 closure 取值 {closure!r} 无效，应为 not-accepted、withdrawn 或 determined"
            )
        request = parse(FilingRequest, job)
        archive = CaseArchive.open(request.case_number, data_dir())
        documents = _documents_of(job)
        for name, document in sorted(documents.items()):
            _file_document(archive, name, document)
        archive.add_decision("closure", closure)
        for name in DECISION_VARIABLES:
            if job.variables.get(name) is not None:
                archive.add_decision(name, job.variables[name])
        for name, value in sorted(job.variables.items()):
            if name.endswith("Notice") and isinstance(value, dict):
                archive.add_decision(name, value)
        # The whole case as the process holds it at the end: every round of findings, the
        # objections and their answers, the proofs of service.
        archive.add_file(CASE_RECORD, _json_record(job.variables), "case-record")
        manifest = archive.close()
        # Sealed now, unless the district committee's filing is still to come (8(4)): then the
        # committee step seals it after recording. Only a determined case goes to the committee.
        if closure != "determined" or job.variables.get("districtManagedCadre") is not True:
            manifest = archive.seal()
        problems = archive.verify()
        if problems:
            raise ArchiveError(f"案件 {request.case_number} 存档校验未通过：" + "；".join(problems))
        log.info("case.archived", case_number=request.case_number, files=len(manifest.files))
        return {
            "archiveRecord": {
                "caseNumber": str(archive.case_number),
                "manifestPath": str((archive.directory / "manifest.json").resolve()),
                "archivedAt": (manifest.closed_at or datetime.now(UTC)).isoformat(),
                "documentCount": len(manifest.files),
            }
        }


# 8(4) district committee --------------------------------------------------------------------------


@task("committee.record")
def committee_record_job(job: Job) -> dict[str, Any]:
    with job_context(job):
        acknowledgement = parse(CommitteeAcknowledgement, job)
        record = record_acknowledgement(
            data_dir(), job.process_instance_key, acknowledgement, engine_now(job)
        )
        log.info("committee.recorded", record_number=record.record_number)
        return {"committeeRecord": record.to_variables()}


# 8(3) determination opinion -----------------------------------------------------------------------


class CheckedChoices(ProcessVariables):
    """What the last check of the opinion saw (`checkedOpinionChoices`)."""

    outcomes: list[str] | None = None
    administrative_treatment: str | None = None
    disciplinary_treatment: str | None = None


class OpinionUnderReview(ProcessVariables):
    applicant_type: str | None = None
    determination_recognised: bool | None = None
    determination_circumstances: list[str] | None = None
    determination_distinction_experience: str | None = None
    determination_distinction_prohibition: str | None = None
    determination_distinction_intent: str | None = None
    determination_public_interest: bool | None = None
    determination_unforeseeable: bool | None = None
    determination_reform_context: bool | None = None
    determination_outcomes: list[str] | None = None
    determination_administrative_treatment: str | None = None
    determination_disciplinary_treatment: str | None = None
    checked_opinion_choices: CheckedChoices | None = None

    def draft(self) -> OpinionDraft:
        return OpinionDraft(
            applicant_type=self.applicant_type,
            recognised=self.determination_recognised,
            circumstances=self.determination_circumstances,
            distinction_experience=self.determination_distinction_experience,
            distinction_prohibition=self.determination_distinction_prohibition,
            distinction_intent=self.determination_distinction_intent,
            public_interest=self.determination_public_interest,
            unforeseeable=self.determination_unforeseeable,
            reform_context=self.determination_reform_context,
            outcomes=self.determination_outcomes,
            administrative_treatment=self.determination_administrative_treatment,
            disciplinary_treatment=self.determination_disciplinary_treatment,
        )

    def previous(self) -> OpinionDraft | None:
        checked = self.checked_opinion_choices
        if checked is None:
            return None
        return replace(
            self.draft(),
            outcomes=checked.outcomes,
            administrative_treatment=checked.administrative_treatment,
            disciplinary_treatment=checked.disciplinary_treatment,
        )


@task("determination.check-opinion")
def check_opinion_job(job: Job) -> dict[str, Any]:
    """Refuses a draft that does not hold together (workers.determination) by sending it back to
    the office with the fields named, whoever submitted it and however: a refusal is a business
    outcome the diagram routes, not an incident. Leftovers of an earlier round that the form now
    hides are cleared instead."""
    with job_context(job):
        opinion = parse(OpinionUnderReview, job)
        draft, dropped = drop_stale_choices(opinion.draft(), opinion.previous())
        refusals = opinion_refusals(draft)
        log.info("determination.checked", refusals=len(refusals), dropped=len(dropped))
        return {
            "opinionRefusal": refusal_text(refusals),
            "opinionRefusalFields": sorted({r.field for r in refusals}),
            "checkedOpinionChoices": {
                "outcomes": draft.outcomes,
                "administrativeTreatment": draft.administrative_treatment,
                "disciplinaryTreatment": draft.disciplinary_treatment,
            },
            **dict.fromkeys(dropped),
        }


class ApprovalUnderReview(ProcessVariables):
    opinion_approved: bool | None = None
    approval_method: str | None = None
    approval_meeting_date: date | None = None
    approval_minutes_number: str | None = None
    approval_circulated_on: date | None = None
    approval_decided_by: str | None = None
    send_back_remarks: str | None = None


@task("determination.check-approval")
def check_approval_job(job: Job) -> dict[str, Any]:
    """An approval that does not say how the leading group decided and who signed, or a send-back
    without remarks, goes back to the approval task naming the fields, however it was submitted."""
    with job_context(job):
        approval = parse(ApprovalUnderReview, job)
        refusals = approval_refusals(
            ApprovalRecord(
                approved=approval.opinion_approved,
                method=approval.approval_method,
                meeting_date=approval.approval_meeting_date,
                minutes_number=approval.approval_minutes_number,
                circulated_on=approval.approval_circulated_on,
                decided_by=approval.approval_decided_by,
                send_back_remarks=approval.send_back_remarks,
            )
        )
        log.info("determination.approval_checked", refusals=len(refusals))
        return {
            "approvalRefusal": approval_refusal_text(refusals),
            "approvalRefusalFields": [r.field for r in refusals],
        }


# The other procedures' handlers register on this router when it is imported (the module is
# complete by now, so their `from workers.jobs import ...` finds every name).
import workers.reminder_jobs  # noqa: E402

# Art. 10 periodic screening (workers/screening.py) ------------------------------------------------

task("screening.prepare")(screening.prepare_job)
task("screening.mark-overdue")(screening.overdue_job)
task("screening.report")(screening.report_job)
# async: it publishes a message with the gateway client on the workers' event loop
task("screening.refer-problem")(screening.refer_job)  # type: ignore[arg-type]
# Procedures of Chapter 3 register their job types on the same router.
import workers.rectification_jobs  # noqa: E402, F401

# Chapter 4 (Arts. 13–15) and Art. 19's response to public opinion register their handlers on
# this router; imported last because they use the helpers above.
from workers import chapter_four_jobs, opinion_response_jobs  # noqa: E402, F401
