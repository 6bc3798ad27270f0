"""Reminders and warnings (Art. 11, 提醒警示): the case register, the reply deadlines of a written
enquiry (函询) and the two letters the commission sends, 函询函 and 催告函.

A case of this procedure is numbered in its own register, 游纪提〔YYYY〕N号 (提醒告诫), because it
is not an exemption application (游容免). The letters the commission issues in it carry their own
发文字号 from the commission's letter register, 游纪函〔YYYY〕N号: one number per letter, so a
reminder never reuses the enquiry's number. Both formats are local policy (docs/local-policy.md).

The measures set no time for answering an enquiry. Local policy, following the practice of the
discipline inspection organs: 15 working days after the letter is issued (the day of issue not
counted), and 5 more working days after a reminder; the office may set 1 to 30 in the proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from workers.case_numbering import CaseNumberFormatError, SequenceRegistry
from workers.official_layout import OfficialDocument, arabic_date
from workers.organisation import unit_by_id
from workers.variables import ProcessVariables
from workers.working_days import WorkingDayCalendar

PROCEDURE_NAME = "提醒告诫"
# The commission issues the letters; its office for this work is the candidate group
# `discipline-office` (engine/access/demo-identity.toml).
COMMISSION = "中共绵阳市游仙区纪律检查委员会"
DISCIPLINE_OFFICE = "区纪委监委党风政风监督室"
# As the commission's own letters name it (本委…).
DISCIPLINE_OFFICE_SHORT = "党风政风监督室"
MEASURES = "《游仙区容错纠错实施办法（试行）》"

CASE_PREFIX = "游纪提"
LETTER_PREFIX = "游纪函"
_CASE_NUMBER = re.compile(r"^游纪提〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")

DEFAULT_ENQUIRY_WORKING_DAYS = 15
DEFAULT_REMINDER_WORKING_DAYS = 5
MAX_WORKING_DAYS = 30
# Until workers/data/error-categories.json (the rectification branch) is merged.
DEFAULT_ERROR_CATEGORY = "other"

PROBLEM_SOURCES: dict[str, str] = {
    "petition": "信访反映",
    "inspection": "巡视巡察",
    "discipline-review": "纪律审查",
    "personal-matters": "领导干部个人有关事项报告",
    "daily-supervision": "日常监督",
    "other": "其他渠道",
}


@dataclass(frozen=True)
class ReminderCaseNumber:
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{CASE_PREFIX}〔{self.year}〕{self.sequence}号"

    @classmethod
    def parse(cls, text: str) -> ReminderCaseNumber:
        match = _CASE_NUMBER.match(text.strip())
        if match is None:
            raise CaseNumberFormatError(f"受理编号 {text!r} 格式不正确，应为 游纪提〔YYYY〕N号")
        return cls(int(match["year"]), int(match["seq"]))


def assign_case_number(data_dir: Path, process_instance_key: int, year: int) -> ReminderCaseNumber:
    """The case's number; a retried job gets the number already given to its instance."""
    registry = SequenceRegistry(data_dir / "registers.sqlite3", "reminder-case-number")
    assigned_year, sequence, _ = registry.assign(process_instance_key, year)
    return ReminderCaseNumber(assigned_year, sequence)


def assign_letter_number(data_dir: Path, document_id: str, year: int) -> str:
    """发文字号 of a letter of the commission, 游纪函〔YYYY〕N号, stable for a document id."""
    # The letters have a register of their own: a separate database keeps its sequence apart
    # from the office's 游纪容 documents, which share the table of registers.sqlite3.
    registry = SequenceRegistry(data_dir / "letter-register.sqlite3", "letter-number")
    assigned_year, sequence = registry.assign_document(document_id, year)
    return f"{LETTER_PREFIX}〔{assigned_year}〕{sequence}号"


class ReportedProblem(ProcessVariables):
    """`reportedProblem`: the problem reported about a cadre, as registered or referred."""

    source: str | None = None
    summary: str | None = None
    person_name: str | None = None
    person_position: str | None = None
    unit_id: str | None = None


def unit_name(unit_id: str | None) -> str:
    unit = unit_by_id(unit_id or "")
    return unit.full_name if unit is not None else (unit_id or "")


def register_subjects(problem: ReportedProblem) -> list[dict[str, str]]:
    """The person the case is about, as the one register knows people: name + unit id."""
    if not problem.person_name:
        return []
    return [{"kind": "person", "name": problem.person_name, "unitId": problem.unit_id or ""}]


def reply_deadline(
    calendar: WorkingDayCalendar, set_on: date, working_days: int
) -> tuple[date, datetime]:
    """(last day, the instant it ends): N working days after `set_on` (not counted), until 24:00
    Beijing time of the last one, as the exemption procedure's 补正 deadline is counted."""
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ValueError(f"答复期限取值 {working_days} 个工作日，应为1至{MAX_WORKING_DAYS}")
    return calendar.add_working_days(set_on, working_days), calendar.publicity_end(
        set_on, working_days
    )


class LetterType(StrEnum):
    ENQUIRY_LETTER = "enquiry-letter"
    ENQUIRY_REMINDER = "enquiry-reminder"


LETTER_TITLES: dict[LetterType, str] = {
    LetterType.ENQUIRY_LETTER: "函询函",
    LetterType.ENQUIRY_REMINDER: "函询催告函",
}


class MissingLetterDataError(ValueError):
    """The case lacks what a letter needs; the message names the variables."""


class LetterFacts(ProcessVariables):
    case_number: str | None = None
    reported_problem: ReportedProblem | None = None
    enquiry_last_day: date | None = None
    enquiry_letter_document: dict[str, object] | None = None


def _require_problem(facts: LetterFacts, kind: LetterType) -> ReportedProblem:
    problem = facts.reported_problem
    missing = [
        name
        for name, value in (
            ("caseNumber", facts.case_number),
            ("reportedProblem.personName", problem and problem.person_name),
            ("reportedProblem.summary", problem and problem.summary),
            ("enquiryLastDay", facts.enquiry_last_day),
        )
        if not value
    ]
    if missing or problem is None:
        raise MissingLetterDataError(
            f"无法生成{LETTER_TITLES[kind]}：缺少流程变量 {', '.join(missing)}"
        )
    return problem


def _clause(text: str | None) -> str:
    return (text or "").strip().rstrip("。；，、;,. ")


# How a letter names where the report came from: 近期，本委收到{...}，反映你……
_RECEIVED_AS: dict[str, str] = {
    "petition": "信访举报",
    "inspection": "巡视巡察移交的问题线索",
    "discipline-review": "纪律审查中发现的问题线索",
    "personal-matters": "领导干部个人有关事项报告查核中发现的问题",
    "daily-supervision": "日常监督中发现的问题线索",
}


def _reply_to(facts: LetterFacts) -> str:
    return f"报送本委{DISCIPLINE_OFFICE_SHORT}（请注明受理编号{facts.case_number}）"


def enquiry_letter(facts: LetterFacts, issued: date, number: str) -> OfficialDocument:
    kind = LetterType.ENQUIRY_LETTER
    problem = _require_problem(facts, kind)
    last_day = facts.enquiry_last_day or issued
    received = _RECEIVED_AS.get(problem.source or "", "有关方面反映的问题")
    return OfficialDocument(
        issuing_organ=COMMISSION,
        title=LETTER_TITLES[kind],
        document_number=number,
        addressee=f"{problem.person_name}同志",
        paragraphs=[
            f"近期，本委收到{received}，反映你存在有关问题。"
            f"根据{MEASURES}第十一条的规定，现就有关问题向你函询。",
            f"反映的主要问题：{_clause(problem.summary)}。",
            "请你本着对组织忠诚老实的态度，对上述问题逐项作出实事求是的书面说明，"
            "说明材料须经本人签名，并由所在单位党组织主要负责人签署意见，"
            f"于{arabic_date(last_day)}前（含当日）{_reply_to(facts)}。",
            "对函询问题不如实说明、隐瞒或者编造的，将依规依纪严肃处理。",
            "特此函询。",
        ],
        issue_date=issued,
    )


def enquiry_reminder(facts: LetterFacts, issued: date, number: str) -> OfficialDocument:
    kind = LetterType.ENQUIRY_REMINDER
    problem = _require_problem(facts, kind)
    last_day = facts.enquiry_last_day or issued
    letter = facts.enquiry_letter_document or {}
    letter_number = str(letter.get("documentNumber") or "")
    cited = f"（{letter_number}）" if letter_number else ""
    return OfficialDocument(
        issuing_organ=COMMISSION,
        title=LETTER_TITLES[kind],
        document_number=number,
        addressee=f"{problem.person_name}同志",
        paragraphs=[
            f"本委此前向你发出的函询函{cited}，要求你在规定期限内就反映的有关问题作出书面说明。"
            "截至期限届满，本委尚未收到你的书面说明材料。",
            f"现予催告：请你于{arabic_date(last_day)}前（含当日）将经本人签名、"
            f"所在单位党组织主要负责人签署意见的书面说明材料{_reply_to(facts)}。",
            "逾期仍不作出说明的，本委将依规依纪作出处理。",
            "特此催告。",
        ],
        issue_date=issued,
    )


COMPOSERS = {
    LetterType.ENQUIRY_LETTER: enquiry_letter,
    LetterType.ENQUIRY_REMINDER: enquiry_reminder,
}
