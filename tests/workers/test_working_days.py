"""The 7-working-day publicity period of Art. 8(3) on China's official calendar."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from workers.working_days import (
    BEIJING,
    DEFAULT_OVERRIDES_FILE,
    CalendarUnknownError,
    HolidayOverrideFileError,
    WorkingDayCalendar,
    load_overrides,
    publicity_end,
)


def test_period_across_national_day_ends_after_the_seventh_working_day() -> None:
    calendar = WorkingDayCalendar()
    # 9-29 and 9-30 count, 10-01..10-07 is the holiday, 10-10 (Saturday) is an adjusted workday.
    assert calendar.add_working_days(date(2026, 9, 28), 7) == date(2026, 10, 13)
    end = calendar.publicity_end(date(2026, 9, 28))
    assert end == datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING)
    assert end.isoformat() == "2026-10-14T00:00:00+08:00"


def test_start_day_is_not_counted_even_when_it_is_a_working_day() -> None:
    calendar = WorkingDayCalendar()
    # Monday 2026-06-01: the period starts on Tuesday, the 7th working day is Wednesday 6-10.
    assert calendar.add_working_days(date(2026, 6, 1), 7) == date(2026, 6, 10)


def test_adjusted_working_day_on_a_weekend_counts() -> None:
    calendar = WorkingDayCalendar()
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday, 调休上班
    assert not calendar.is_working_day(date(2026, 10, 5))  # Monday, National Day holiday


def test_unknown_year_without_override_is_an_error_naming_the_year() -> None:
    calendar = WorkingDayCalendar()
    with pytest.raises(CalendarUnknownError, match="2027年") as raised:
        calendar.add_working_days(date(2026, 12, 28), 7)
    assert "holiday-overrides.json" in str(raised.value)


def test_override_file_supplies_an_unknown_year(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides.json"
    overrides.write_text(
        json.dumps(
            {
                "_comment": "test",
                "2027": {
                    "holidays": ["2027-01-01"],
                    "workdays": ["2027-01-02"],
                },
            }
        ),
        encoding="utf-8",
    )
    calendar = WorkingDayCalendar.from_file(overrides)
    # From Mon 2026-12-28: 12-29, 12-30, 12-31 (2026, from the library); 1-1 is off and
    # Saturday 1-2 is worked (override); then 1-4, 1-5, 1-6 → the 7th working day is 2027-01-06.
    assert calendar.add_working_days(date(2026, 12, 28), 7) == date(2027, 1, 6)
    assert calendar.is_working_day(date(2027, 1, 2))
    assert not calendar.is_working_day(date(2027, 1, 3))
    assert calendar.publicity_end(date(2026, 12, 28)) == datetime(2027, 1, 7, tzinfo=BEIJING)


def test_environment_selects_the_override_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overrides = tmp_path / "overrides.json"
    overrides.write_text('{"2027": {"holidays": [], "workdays": []}}', encoding="utf-8")
    monkeypatch.setenv("EXEMPTION_HOLIDAY_OVERRIDES", str(overrides))
    assert publicity_end(date(2027, 3, 1)) == datetime(2027, 3, 11, tzinfo=BEIJING)


def test_packaged_override_file_is_valid_and_guesses_nothing() -> None:
    assert load_overrides(DEFAULT_OVERRIDES_FILE) == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"2027": {"holidays": ["2028-01-01"]}}', "其他年份"),
        ('{"2027": {"holidays": ["not a date"]}}', "holidays"),
        ('{"27": {}}', "四位年份"),
        ('{"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}}', "同时列为"),
        ("[1, 2]", "JSON 对象"),
        ("{", "无法读取"),
    ],
)
def test_malformed_override_file_is_rejected_with_the_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    overrides = tmp_path / "overrides.json"
    overrides.write_text(content, encoding="utf-8")
    with pytest.raises(HolidayOverrideFileError, match=message):
        load_overrides(overrides)


def test_working_days_must_be_positive() -> None:
    with pytest.raises(ValueError, match="正整数"):
        WorkingDayCalendar().add_working_days(date(2026, 9, 28), 0)
