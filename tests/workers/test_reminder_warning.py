"""The pieces of reminders and warnings (Art. 11) the workers own: the case and letter registers,
the reply deadlines in working days, and the two letters' text."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.test_visible_text import problems
from workers.case_numbering import CaseNumberFormatError
from workers.official_layout import render_pdf
from workers.reminder_warning import (
    LetterFacts,
    MissingLetterDataError,
    ReminderCaseNumber,
    ReportedProblem,
    assign_case_number,
    assign_letter_number,
    enquiry_letter,
    enquiry_reminder,
    register_subjects,
    reply_deadline,
)
from workers.working_days import BEIJING, WorkingDayCalendar

FACTS = LetterFacts.model_validate(
    {
        "caseNumber": "游纪提〔2026〕4号",
        "reportedProblem": {
            "source": "inspection",
            "summary": "分管项目资金拨付审批手续不全",
            "personName": "赵刚",
            "personPosition": "区审计局副局长",
            "unitId": "dept-audit",
        },
        "enquiryLastDay": "2026-10-13",
        "enquiryLetterDocument": {"documentNumber": "游纪函〔2026〕7号"},
    }
)


def test_reply_deadline_counts_working_days_across_national_day() -> None:
    # 9-29 and 9-30 count, 10-01..10-07 is the holiday, 10-10 (Saturday) is an adjusted workday
    last_day, due_at = reply_deadline(WorkingDayCalendar(), date(2026, 9, 28), 7)
    assert last_day == date(2026, 10, 13)
    assert due_at == datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING)
    with pytest.raises(ValueError, match="应为1至30"):
        reply_deadline(WorkingDayCalendar(), date(2026, 9, 28), 31)


def test_case_and_letter_numbers_have_their_own_registers(data_dir: Path) -> None:
    first = assign_case_number(data_dir, 101, 2026)
    assert str(first) == "游纪提〔2026〕1号"
    assert assign_case_number(data_dir, 101, 2026) == first  # a retried job
    assert str(assign_case_number(data_dir, 102, 2026)) == "游纪提〔2026〕2号"
    assert ReminderCaseNumber.parse("游纪提〔2026〕2号") == ReminderCaseNumber(2026, 2)
    with pytest.raises(CaseNumberFormatError, match="游纪提"):
        ReminderCaseNumber.parse("游容免〔2026〕2号")
    assert assign_letter_number(data_dir, "enquiry-letter-1", 2026) == "游纪函〔2026〕1号"
    assert assign_letter_number(data_dir, "enquiry-reminder-2", 2026) == "游纪函〔2026〕2号"
    assert assign_letter_number(data_dir, "enquiry-letter-1", 2026) == "游纪函〔2026〕1号"


def test_the_person_enters_the_register_by_name_and_unit() -> None:
    problem = ReportedProblem(person_name="赵刚", unit_id="dept-audit")
    expected = [{"kind": "person", "name": "赵刚", "unitId": "dept-audit"}]
    assert register_subjects(problem) == expected
    assert register_subjects(ReportedProblem()) == []


def _text(document_bytes: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(document_bytes)
    return "".join("".join((p.extract_text() or "").split()) for p in PdfReader(path).pages)


def test_enquiry_letter_names_the_cadre_the_deadline_and_its_number(tmp_path: Path) -> None:
    letter = enquiry_letter(FACTS, date(2026, 9, 28), "游纪函〔2026〕7号")
    assert letter.addressee == "赵刚同志"
    body = "".join(letter.paragraphs)
    assert "收到巡视巡察移交的问题线索" in body
    assert "于2026年10月13日前（含当日）" in body
    assert "游纪提〔2026〕4号" in body
    assert problems(body) == []
    text = _text(render_pdf(letter), tmp_path)
    for expected in ("中共绵阳市游仙区纪律检查委员会", "函询函", "游纪函〔2026〕7号", "赵刚同志"):
        assert expected in text


def test_reminder_cites_the_enquiry_and_sets_the_new_deadline() -> None:
    reminder = enquiry_reminder(FACTS, date(2026, 10, 14), "游纪函〔2026〕9号")
    body = "".join(reminder.paragraphs)
    assert "函询函（游纪函〔2026〕7号）" in body
    assert "现予催告：请你于2026年10月13日前（含当日）" in body
    assert problems(body) == []


def test_a_letter_without_the_cadre_names_what_is_missing() -> None:
    facts = FACTS.model_copy(update={"reported_problem": ReportedProblem(summary="某问题")})
    with pytest.raises(MissingLetterDataError, match=r"reportedProblem\.personName"):
        enquiry_letter(facts, date(2026, 9, 28), "")
