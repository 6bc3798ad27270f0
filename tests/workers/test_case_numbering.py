"""Case numbers 游容免〔YYYY〕N号: per-year sequence, idempotent per process instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.case_numbering import CaseNumber, CaseNumberFormatError, assign_case_number


def test_numbers_follow_a_sequence_per_year(tmp_path: Path) -> None:
    first = assign_case_number(tmp_path, 101, 2026)
    second = assign_case_number(tmp_path, 102, 2026)
    next_year = assign_case_number(tmp_path, 103, 2027)
    assert [str(first), str(second), str(next_year)] == [
        "游容免〔2026〕1号",
        "游容免〔2026〕2号",
        "游容免〔2027〕1号",
    ]


def test_a_retried_job_gets_the_same_number(tmp_path: Path) -> None:
    first = assign_case_number(tmp_path, 101, 2026)
    again = assign_case_number(tmp_path, 101, 2026)
    assert again == first
    # Even if the retry sees another year (a corrected date), the case keeps its number.
    assert assign_case_number(tmp_path, 101, 2027) == first
    assert str(assign_case_number(tmp_path, 102, 2026)) == "游容免〔2026〕2号"


def test_numbers_survive_a_restart(tmp_path: Path) -> None:
    assign_case_number(tmp_path, 1, 2026)
    assign_case_number(tmp_path, 2, 2026)
    # A new registry object on the same file is what a restarted worker gets.
    assert str(assign_case_number(tmp_path, 3, 2026)) == "游容免〔2026〕3号"


def test_parse_and_safe_name() -> None:
    number = CaseNumber.parse("游容免〔2026〕3号")
    assert number == CaseNumber(2026, 3)
    assert number.safe_name == "2026-0003"
    with pytest.raises(CaseNumberFormatError, match="格式不正确"):
        CaseNumber.parse("游容免[2026]3号")
