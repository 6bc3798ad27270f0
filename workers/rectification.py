"""Rectification (Art. 12, 推动问题整改): whom a case concerns, its number, the rectification notice
and the reminder when a progress report is late.

The office starts a case with its start form (`rectification-registration`), or `reminder-warning`
calls it with the problem it found (`reportedProblem`, `registerSubjects`, `errorCategory`,
`originCaseNumber`); both are read into one `RectificationCase`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from pydantic import Field

from workers.case_numbering import SequenceRegistry
from workers.chinese_dates import chinese_date
from workers.error_categories import OTHER, category_codes
from workers.notice_texts import duration_text
from workers.notices import Notice, recipient_address
from workers.official_layout import OfficialDocument
from workers.organisation import unit_by_id
from workers.register import Subject
from workers.variables import ProcessVariables
from workers.working_days import BEIJING

PROCEDURE_NAME = "问题整改"
CASE_NUMBER_PREFIX = "游纪整"
DOCUMENT_NUMBER_PREFIX = "游纪发"
DISCIPLINE_COMMISSION = "中共绵阳市游仙区纪律检查委员会"
DISCIPLINE_OFFICE = "区纪委监委"
MEASURES = "《游仙区容错纠错实施办法（试行）》"
NOTICE_TITLE = "整改通知书"
DEFAULT_REPORT_INTERVAL = "P30D"

# The sources Art. 12 names (and Art. 11's written enquiry and talk, when they lead here).
PROBLEM_SOURCES = {
    "supervision-check": "监督检查",
    "special-inspection": "专项督查",
    "integrity-evaluation": "党风廉政建设社会评价",
    "written-enquiry": "函询",
    "talk": "约谈",
    "democratic-life-meeting": "民主生活会说明",
    "screening": "定期排查梳理",
    "other": "其他",
}


class RectificationDataError(ValueError):
    """The case cannot be opened or its notice written; the message names what is missing."""


class ReportedProblem(ProcessVariables):
    """`reportedProblem` as `reminder-warning` passes it (ROUND3 contract)."""

    source: str | None = None
    summary: str | None = None
    person_name: str | None = None
    person_position: str | None = None
    unit_id: str | None = None


class RegisterSubjectVariable(ProcessVariables):
    kind: str
    name: str | None = None
    unit_id: str


class CaseOpening(ProcessVariables):
    subject_kind: str | None = None
    person_name: str | None = None
    person_position: str | None = None
    unit_id: str | None = None
    problem_source: str | None = None
    problem_summary: str | None = None
    problem_found_on: date | None = None
    error_category: str | None = None
    reported_problem: ReportedProblem | None = None
    register_subjects: list[RegisterSubjectVariable] = Field(default_factory=list)
    origin_case_number: str | None = None


def open_case(opening: CaseOpening) -> dict[str, object]:
    """The case's register variables and the names its forms and documents show."""
    reported = opening.reported_problem or ReportedProblem()
    unit_id = opening.unit_id or reported.unit_id
    subjects = [
        Subject("person" if s.kind == "person" else "unit", s.name or "", s.unit_id)
        for s in opening.register_subjects
    ]
    if not unit_id and subjects:
        unit_id = subjects[0].unit_id
    unit = unit_by_id(unit_id) if unit_id else None
    if unit is None:
        raise RectificationDataError(
            f"整改对象所在单位 {unit_id!r} 不在本区单位名录中，无法登记整改案件"
        )
    person = (opening.person_name or reported.person_name or "").strip()
    kind = opening.subject_kind or ("person" if person else "unit")
    if kind == "person" and not person:
        raise RectificationDataError("整改对象为个人的，应填写姓名")
    if not subjects:
        subjects = [
            Subject("person", person, unit.id)
            if kind == "person"
            else Subject("unit", unit.name, unit.id)
        ]
    summary = (opening.problem_summary or reported.summary or "").strip()
    if not summary:
        raise RectificationDataError("未载明存在的问题，无法登记整改案件")
    category = opening.error_category or OTHER
    if category not in category_codes():
        category = OTHER
    position = opening.person_position or reported.person_position
    display = f"{unit.name}{position or ''}{person}" if kind == "person" else unit.full_name
    return {
        "procedureName": PROCEDURE_NAME,
        "registerSubjects": [s.to_variable() for s in subjects],
        "errorCategory": category,
        "rectificationSubjectKind": kind,
        "rectificationUnitId": unit.id,
        "subjectDisplayName": display,
        "problemSummary": summary,
        "problemSource": opening.problem_source or reported.source or "other",
        "rectificationOverdue": False,
        "originCaseNumber": opening.origin_case_number,
    }


def case_number(data_dir: Path, process_instance_key: int, year: int) -> str:
    registry = SequenceRegistry(data_dir / "registers.sqlite3", "rectification-case-number")
    assigned_year, sequence, _ = registry.assign(process_instance_key, year)
    return f"{CASE_NUMBER_PREFIX}〔{assigned_year}〕{sequence}号"


def document_number(data_dir: Path, element_instance_key: int, year: int) -> str:
    """发文字号 of a document of the discipline commission (its own sequence, never the case's)."""
    registry = SequenceRegistry(data_dir / "registers.sqlite3", "discipline-document-number")
    assigned_year, sequence, _ = registry.assign(element_instance_key, year)
    return f"{DOCUMENT_NUMBER_PREFIX}〔{assigned_year}〕{sequence}号"


def deadline_moment(deadline: date) -> datetime:
    """24:00 Beijing time of the last day: the next day's 00:00+08:00."""
    return datetime.combine(deadline + timedelta(days=1), time(0, 0), tzinfo=BEIJING)


class NoticeFacts(ProcessVariables):
    case_number: str
    rectification_subject_kind: str
    rectification_unit_id: str
    subject_display_name: str
    problem_summary: str
    problem_source: str | None = None
    rectification_requirements: str
    rectification_deadline: date
    progress_report_interval: str | None = None


def _source_text(code: str | None) -> str:
    return PROBLEM_SOURCES.get(code or "", "监督检查")


def rectification_notice(facts: NoticeFacts, issued: date) -> OfficialDocument:
    unit = unit_by_id(facts.rectification_unit_id)
    unit_name = unit.full_name if unit else facts.subject_display_name
    who = "你单位" if facts.rectification_subject_kind == "unit" else facts.subject_display_name
    interval = duration_text(facts.progress_report_interval or DEFAULT_REPORT_INTERVAL)
    summary = facts.problem_summary.rstrip("。；;. ")
    requirements = facts.rectification_requirements.rstrip("。；;. ")
    return OfficialDocument(
        issuing_organ=DISCIPLINE_COMMISSION,
        title=NOTICE_TITLE,
        addressee=f"{unit_name}党组织",
        paragraphs=[
            f"本委在{_source_text(facts.problem_source)}中发现，{who}存在以下问题：{summary}。"
            f"依照{MEASURES}第十二条，现通知如下（整改编号：{facts.case_number}）。",
            f"一、整改要求。{requirements}。",
            f"二、整改期限。请于{chinese_date(facts.rectification_deadline)}前完成整改。"
            f"请{'' if facts.rectification_subject_kind == 'unit' else '督促'}{who}认真分析问题，"
            "查找原因，研究解决办法，由你单位党组织将问题分析、原因查找和整改方案及时报送本委。",
            f"三、报告整改进展。整改期间每{interval}报告一次整改进展，直至整改完成。"
            "本委将对整改情况进行监督检查；对没有改正或整改效果不明显，"
            "以及同一错误再次发生的，将进行严肃处理。",
            "特此通知。",
        ],
        issue_date=issued,
    )


class LateReport(ProcessVariables):
    case_number: str
    subject_display_name: str
    progress_report_due_at: str


def _due_day(text: str) -> date | None:
    # FEEL writes a zoned date-time as 2026-10-02T09:00:00+08:00 or with an [Asia/Shanghai] zone
    cleaned = text.split("[")[0].split("@")[0].replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(cleaned).astimezone(BEIJING).date()
    except ValueError:
        return None


def late_report_notice(notice_id: str, facts: LateReport) -> Notice:
    due = _due_day(facts.progress_report_due_at)
    when = f"应于{chinese_date(due)}前" if due else "应按期"
    return Notice(
        notice_id=notice_id,
        notice_type="rectification-report-overdue",
        recipient="discipline-office",
        recipient_name=DISCIPLINE_OFFICE,
        address=recipient_address("discipline-office"),
        subject=f"整改进展报告逾期提醒（{facts.case_number}）",
        body=(
            f"整改案件{facts.case_number}：{facts.subject_display_name}{when}"
            "报告整改进展，至今未报告。"
            "请督促其所在单位党组织尽快报告整改进展。"
        ),
    )
