"""Periodic screening (定期排查梳理, Art. 10): the job workers of bpmn/problem-screening.bpmn.

- `screening.prepare`: numbers the screening (游纪排〔年〕号), names its period, resolves the
  units that screen (all units of workers/data/district-units.json unless the office chose some)
  and their filing deadline (local policy, docs/local-policy.md);
- `screening.mark-overdue`: a unit's deadline has passed: marks its screening overdue (the task's
  due date already shows it as overdue on the managers' dashboard) and records the reminder;
- `screening.report`: the 排查梳理分析报告 in official layout;
- `screening.refer-problem`: publishes message `problem-referral` for one referred problem, which
  starts a `reminder-warning` instance (Art. 11) through its message start event.
"""

# No `from __future__ import annotations`: pyzeebe compares the job parameter's annotation with
# the `Job` class (see workers/jobs.py).

import contextlib
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import structlog
from pydantic import Field
from pyzeebe import Job, ZeebeClient
from pyzeebe.errors import MessageAlreadyExistsError

from workers.document_store import store_document
from workers.official_layout import OfficialDocument, render_pdf
from workers.organisation import district_unit_ids, district_units, unit_by_id
from workers.settings import data_dir
from workers.variables import CamelModel, ProcessVariables
from workers.working_days import BEIJING

log = structlog.get_logger("workers")

PROCEDURE_NAME = "定期排查梳理"
CASE_NUMBER_PREFIX = "游纪排"
# The office of the discipline inspection and supervision organ that runs Chs. 3–4 work.
SCREENING_OFFICE = "游仙区纪委监委党风政风监督室"
REFERRAL_MESSAGE = "problem-referral"
# Local policy (docs/local-policy.md): a unit files its analysis within 20 days, by 17:30.
DEFAULT_FILING_DAYS = 20
FILING_CLOSES_AT = time(17, 30)
# A referral waits this long for a `reminder-warning` deployed later (Zeebe buffers it).
REFERRAL_TTL_MS = 7 * 24 * 3_600_000

SOURCES: dict[str, str] = {
    "petition": "信访反映",
    "inspection": "巡视巡察",
    "discipline-review": "纪律审查",
    "personal-matters": "领导干部个人有关事项报告",
}
QUARTERS = ("一", "二", "三", "四")

ProblemSource = Literal["petition", "inspection", "discipline-review", "personal-matters"]


class ScreeningDataError(ValueError):
    """The screening's variables cannot be used; an operator must correct them."""


def _now(job: Job) -> datetime:
    # The job's deadline follows the engine clock (see workers/jobs.engine_now).
    if job.deadline > 0:
        return datetime.fromtimestamp((job.deadline - JOB_TIMEOUT_MS) / 1000, tz=UTC)
    return datetime.now(UTC)


JOB_TIMEOUT_MS = 60_000


# screening.prepare --------------------------------------------------------------------------------


class ScreeningRequest(ProcessVariables):
    # Set by the start form only: an instance started by the timer carries none of these.
    screening_all_units: bool | None = None
    screening_units: list[str] | None = None
    screening_filing_days: int | None = Field(default=None, ge=1, le=90)
    screening_period: str | None = None
    screening_requirements: str | None = None


def _screening_register(
    process_instance_key: int, year: int
) -> tuple[int, int]:  # (year, sequence)
    database = data_dir() / "registers.sqlite3"
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database, timeout=30, isolation_level=None)) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS screening_number ("
            " process_instance_key INTEGER PRIMARY KEY, year INTEGER NOT NULL,"
            " sequence INTEGER NOT NULL, UNIQUE (year, sequence))"
        )
        # A retried job gets the number it was given: keyed by the process instance.
        connection.execute("BEGIN IMMEDIATE")
        row = connection.execute(
            "SELECT year, sequence FROM screening_number WHERE process_instance_key = ?",
            (process_instance_key,),
        ).fetchone()
        if row is None:
            (last,) = connection.execute(
                "SELECT COALESCE(MAX(sequence), 0) FROM screening_number WHERE year = ?", (year,)
            ).fetchone()
            row = (year, int(last) + 1)
            connection.execute(
                "INSERT INTO screening_number VALUES (?, ?, ?)", (process_instance_key, *row)
            )
        connection.execute("COMMIT")
        return int(row[0]), int(row[1])


def prepare_screening(request: ScreeningRequest, key: int, now: datetime) -> dict[str, Any]:
    today = now.astimezone(BEIJING).date()
    scheduled = request.screening_all_units is None
    if scheduled or request.screening_all_units:
        units = list(district_unit_ids())
    else:
        units = list(dict.fromkeys(request.screening_units or []))
        unknown = [u for u in units if unit_by_id(u) is None]
        if unknown:
            raise ScreeningDataError(f"排查单位 {', '.join(unknown)} 不在单位名录中")
        if not units:
            raise ScreeningDataError("未选择排查单位")
    year, sequence = _screening_register(key, today.year)
    quarter = f"{today.year}年第{QUARTERS[(today.month - 1) // 3]}季度"
    period = (request.screening_period or "").strip() or (
        quarter if scheduled else f"{today.year}年{today.month}月（临时部署）"
    )
    days = request.screening_filing_days or DEFAULT_FILING_DAYS
    due = datetime.combine(today + timedelta(days=days), FILING_CLOSES_AT, tzinfo=BEIJING)
    names = {u.id: u.name for u in district_units()}
    return {
        "caseNumber": f"{CASE_NUMBER_PREFIX}〔{year}〕{sequence}号",
        "procedureName": PROCEDURE_NAME,
        "screeningOccasion": "定期排查" if scheduled else "临时部署排查",
        "screeningPeriod": period,
        "screeningUnits": units,
        "screeningUnitNames": {unit: names[unit] for unit in units},
        "screeningDueAt": due.isoformat(),
        "screeningRequirements": request.screening_requirements or "",
        "registerSubjects": [
            {"kind": "unit", "name": names[unit], "unitId": unit} for unit in units
        ],
        "errorCategory": "other",
    }


# screening.mark-overdue ---------------------------------------------------------------------------


class OverdueScreening(ProcessVariables):
    screening_unit: str
    screening_due_at: str
    case_number: str | None = None
    screening_period: str | None = None


def mark_overdue(screening: OverdueScreening, now: datetime) -> dict[str, Any]:
    unit = unit_by_id(screening.screening_unit)
    name = unit.name if unit else screening.screening_unit
    due = datetime.fromisoformat(screening.screening_due_at).astimezone(BEIJING)
    return {
        "screeningOverdue": True,
        "screeningOverdueSince": now.isoformat(),
        "screeningReminder": (
            f"{name}{screening.screening_period or ''}排查梳理分析（{screening.case_number or ''}）"
            f"应于{due.year}年{due.month}月{due.day}日前报送，现已逾期，请抓紧报送。"
        ),
    }


# screening.report ---------------------------------------------------------------------------------


class UnitAnalysis(CamelModel):
    petition_findings: str | None = None
    inspection_findings: str | None = None
    discipline_review_findings: str | None = None
    personal_matters_findings: str | None = None
    tendencies: str | None = None
    measures: str | None = None


class FiledAnalysis(CamelModel):
    unit_id: str
    unit_name: str | None = None
    analysis: UnitAnalysis | None = None
    overdue: bool | None = None


class ReferredProblem(CamelModel):
    source: ProblemSource
    summary: str
    person_name: str
    person_position: str | None = None
    unit_id: str


class ScreeningFacts(ProcessVariables):
    case_number: str
    screening_period: str
    screening_occasion: str | None = None
    screening_analyses: list[FiledAnalysis] = Field(default_factory=list)
    screening_assessment: str | None = None
    referred_problems: list[ReferredProblem] | None = None


def _sentence(text: str | None) -> str:
    value = (text or "").strip().rstrip("。；;.")
    return f"{value}。" if value else ""


def screening_report(facts: ScreeningFacts, issued: date) -> OfficialDocument:
    analyses = facts.screening_analyses
    overdue = [a.unit_name or a.unit_id for a in analyses if a.overdue]
    referred = facts.referred_problems or []
    paragraphs = [
        f"根据《游仙区容错纠错实施办法（试行）》第十条，区纪委监委部署开展{facts.screening_period}"
        f"问题排查梳理（{facts.screening_occasion or '定期排查'}），"
        "对信访反映、巡视巡察、纪律审查情况以及领导干部个人有关事项报告进行排查梳理、分析研判。"
        "现将有关情况报告如下。",
        "一、基本情况",
        f"本次排查梳理共部署{len(analyses)}个单位党组织，均已报送排查梳理分析"
        + (f"，其中{'、'.join(overdue)}逾期报送。" if overdue else "，均按期报送。"),
        "二、各单位排查梳理情况",
    ]
    for index, filed in enumerate(analyses, start=1):
        analysis = filed.analysis or UnitAnalysis()
        found = [
            f"{label}方面：{_sentence(text)}"
            for label, text in (
                (SOURCES["petition"], analysis.petition_findings),
                (SOURCES["inspection"], analysis.inspection_findings),
                (SOURCES["discipline-review"], analysis.discipline_review_findings),
                (SOURCES["personal-matters"], analysis.personal_matters_findings),
            )
            if (text or "").strip()
        ]
        paragraphs.append(
            f"（{_chinese_number(index)}）{filed.unit_name or filed.unit_id}。"
            + ("".join(found) or "未发现问题。")
            + (f"苗头性、倾向性问题：{_sentence(analysis.tendencies)}" * bool(analysis.tendencies))
            + (f"拟采取的措施：{_sentence(analysis.measures)}" * bool(analysis.measures))
        )
    paragraphs.append("三、分析研判意见")
    paragraphs.append(_sentence(facts.screening_assessment) or "无。")
    paragraphs.append("四、问题线索移交情况")
    if referred:
        for index, problem in enumerate(referred, start=1):
            unit = unit_by_id(problem.unit_id)
            paragraphs.append(
                f"（{_chinese_number(index)}）{unit.name if unit else problem.unit_id}"
                f"{problem.person_position or ''}{problem.person_name}。"
                f"问题来源：{SOURCES[problem.source]}。反映的问题：{_sentence(problem.summary)}"
                "已按第十一条移交提醒告诫处置。"
            )
    else:
        paragraphs.append("本次排查梳理未发现需移交提醒告诫处置的问题。")
    return OfficialDocument(
        issuing_organ=SCREENING_OFFICE,
        title=f"关于{facts.screening_period}问题排查梳理情况的分析报告",
        document_number=facts.case_number,
        paragraphs=paragraphs,
        issue_date=issued,
    )


def _chinese_number(value: int) -> str:
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    tens, units = divmod(value, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[units] if units else "")


def screening_outcome(facts: ScreeningFacts) -> str:
    referred = len(facts.referred_problems or [])
    if referred:
        return f"已分析研判，移交问题线索{referred}件"
    return "已分析研判，未发现需移交处置的问题"


# screening.refer-problem --------------------------------------------------------------------------


class Referral(ProcessVariables):
    case_number: str
    referred_problem: ReferredProblem
    loop_counter: int | None = None


def referral_variables(referral: Referral) -> dict[str, Any]:
    problem = referral.referred_problem
    unit = unit_by_id(problem.unit_id)
    if unit is None:
        raise ScreeningDataError(f"移交问题所在单位 {problem.unit_id} 不在单位名录中")
    return {
        "reportedProblem": {
            "source": problem.source,
            "summary": problem.summary,
            "personName": problem.person_name,
            "personPosition": problem.person_position or "",
            "unitId": problem.unit_id,
        },
        "registerSubjects": [
            {"kind": "person", "name": problem.person_name, "unitId": problem.unit_id}
        ],
        "errorCategory": "other",
        # reminder-warning keeps the screening's number as referredFromCaseNumber
        # (reminder-warning#recordReferral) and then numbers its own case.
        "caseNumber": referral.case_number,
        "originCaseNumber": referral.case_number,
        "originProcedureName": PROCEDURE_NAME,
    }


_message_client: ZeebeClient | None = None


def use_message_client(client: ZeebeClient | None) -> None:
    """The client the referral worker publishes with: the worker process's own (workers/
    __main__.py), or a test's. Without one it connects as the workers do (workers/channel.py)."""
    global _message_client
    _message_client = client


def _client() -> ZeebeClient:
    global _message_client
    if _message_client is None:
        from workers.channel import create_channel

        channel, _ = create_channel()
        _message_client = ZeebeClient(channel)
    return _message_client


# the handlers (registered in workers/jobs.py) -----------------------------------------------------


def prepare_job(job: Job) -> dict[str, Any]:
    request = ScreeningRequest.model_validate(job.variables)
    result = prepare_screening(request, job.process_instance_key, _now(job))
    log.info("screening.prepared", case_number=result["caseNumber"])
    return result


def overdue_job(job: Job) -> dict[str, Any]:
    marked = mark_overdue(OverdueScreening.model_validate(job.variables), _now(job))
    log.info("screening.overdue", unit=job.variables.get("screeningUnit"))
    return marked


def report_job(job: Job) -> dict[str, Any]:
    facts = ScreeningFacts.model_validate(job.variables)
    issued = _now(job).astimezone(BEIJING).date()
    document = screening_report(facts, issued)
    stored = store_document(
        data_dir(),
        case_number=None,
        process_instance_key=job.process_instance_key,
        document_id=f"screening-report-{job.element_instance_key}",
        document_type="screening-report",
        title=document.title,
        content=render_pdf(document),
        created_at=_now(job),
        document_number=facts.case_number,
    )
    log.info("screening.reported", file_name=stored.file_name)
    return {
        "screeningReportDocument": stored.to_variables(),
        "registerOutcome": screening_outcome(facts),
    }


async def refer_job(job: Job) -> dict[str, Any]:
    referral = Referral.model_validate(job.variables)
    variables = referral_variables(referral)
    # One message per referred problem, whatever the retries: the id names the problem.
    message_id = f"{referral.case_number}-{job.element_instance_key}"
    # An earlier attempt of this job may have published it already.
    with contextlib.suppress(MessageAlreadyExistsError):
        await _client().publish_message(
            REFERRAL_MESSAGE,
            correlation_key="",
            variables=variables,
            time_to_live_in_milliseconds=REFERRAL_TTL_MS,
            message_id=message_id,
        )
    log.info("screening.referred", message_id=message_id)
    return {"referralMessageId": message_id}
