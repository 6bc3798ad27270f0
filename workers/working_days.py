"""China's official working-day calendar, for the 7-working-day publicity period of Art. 8(3).

The State Council publishes each year's holidays and adjusted working days (调休) only late in the
previous year, so no rule can compute them. `chinesecalendar` carries the published years; an
override file carries years published after the library was released. A date that neither knows
is an error, never a guess: a wrong publicity end date would make the procedure unlawful.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import chinese_calendar
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workers.settings import DEFAULT_DATA_DIR

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
DEFAULT_OVERRIDES_FILE = Path(__file__).parent / "data" / "holiday-overrides.json"
# Written by the desk's holiday-schedule page (an administrator enters the State Council notice);
# it lies in the data directory the desk and the workers share (EXEMPTION_DATA_DIR).
SCHEDULE_FILE_NAME = "holiday-schedules.json"
PUBLICITY_WORKING_DAYS = 7


class CalendarUnknownError(Exception):
    """The official calendar of a year is not known; someone must add it to the override file."""


class HolidayOverrideFileError(Exception):
    """The override file cannot be read or does not have the documented shape."""


class YearOverride(BaseModel):
    """One year's official schedule: days off that fall on weekdays, and weekend days worked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    holidays: frozenset[date] = Field(default_factory=frozenset)
    workdays: frozenset[date] = Field(default_factory=frozenset)


def load_overrides(path: Path) -> dict[int, YearOverride]:
    """Read the override file: `{"2027": {"holidays": [...], "workdays": [...]}, ...}`.

    Keys starting with `_` are comments. Every date must lie in the year it is listed under, so a
    typo cannot silently move a holiday into another year.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as exc:
        raise HolidayOverrideFileError(f"节假日覆盖文件 {path} 无法读取：{exc}") from exc
    if not isinstance(raw, dict):
        raise HolidayOverrideFileError(f"节假日覆盖文件 {path} 应为以年份为键的 JSON 对象")
    overrides: dict[int, YearOverride] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            continue
        if not key.isdigit() or len(key) != 4:
            raise HolidayOverrideFileError(f"节假日覆盖文件 {path}：键 {key!r} 不是四位年份")
        year = int(key)
        try:
            override = YearOverride.model_validate(value)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise HolidayOverrideFileError(
                f"节假日覆盖文件 {path} 年份 {year} 格式错误：{problems}"
            ) from exc
        stray = sorted(d for d in override.holidays | override.workdays if d.year != year)
        if stray:
            raise HolidayOverrideFileError(
                f"节假日覆盖文件 {path} 年份 {year} 中列有其他年份的日期：{stray[0].isoformat()}"
            )
        both = sorted(override.holidays & override.workdays)
        if both:
            raise HolidayOverrideFileError(
                f"节假日覆盖文件 {path} 年份 {year}：{both[0].isoformat()} 同时列为节假日和工作日"
            )
        overrides[year] = override
    return overrides


class EnteredSchedule(BaseModel):
    """One year as the desk stores it: the days plus who entered which notice, and when."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    holidays: frozenset[date] = Field(default_factory=frozenset)
    workdays: frozenset[date] = Field(default_factory=frozenset)
    notice_number: str = Field(alias="noticeNumber")


def load_entered_schedules(path: Path) -> dict[int, YearOverride]:
    """The schedules administrators entered in the desk, checked as the override file is."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as exc:
        raise HolidayOverrideFileError(f"节假日安排文件 {path} 无法读取：{exc}") from exc
    years = raw.get("years") if isinstance(raw, dict) else None
    if not isinstance(years, dict):
        raise HolidayOverrideFileError(f"节假日安排文件 {path} 缺少按年份排列的 years")
    schedules: dict[int, YearOverride] = {}
    for key, value in years.items():
        if not key.isdigit() or len(key) != 4:
            raise HolidayOverrideFileError(f"节假日安排文件 {path}：键 {key!r} 不是四位年份")
        try:
            entered = EnteredSchedule.model_validate(value)
        except ValidationError as exc:
            raise HolidayOverrideFileError(
                f"节假日安排文件 {path} 年份 {key} 格式错误：{exc.error_count()} 处"
            ) from exc
        year = int(key)
        if any(d.year != year for d in entered.holidays | entered.workdays):
            raise HolidayOverrideFileError(
                f"节假日安排文件 {path} 年份 {year} 中列有其他年份的日期"
            )
        if entered.holidays & entered.workdays:
            raise HolidayOverrideFileError(
                f"节假日安排文件 {path} 年份 {year} 有日期同时列为节假日和工作日"
            )
        schedules[year] = YearOverride(holidays=entered.holidays, workdays=entered.workdays)
    return schedules


def entered_schedules_file() -> Path:
    configured = os.environ.get("EXEMPTION_DATA_DIR", "").strip()
    return (Path(configured) if configured else DEFAULT_DATA_DIR) / SCHEDULE_FILE_NAME


def overrides_file() -> Path:
    """The override file in use (env `EXEMPTION_HOLIDAY_OVERRIDES`, else the packaged one)."""
    configured = os.environ.get("EXEMPTION_HOLIDAY_OVERRIDES", "").strip()
    return Path(configured) if configured else DEFAULT_OVERRIDES_FILE


class WorkingDayCalendar:
    """Working days by the official calendar; an override for a year replaces the library's."""

    def __init__(self, overrides: Mapping[int, YearOverride] | None = None) -> None:
        self._overrides = dict(overrides or {})

    @classmethod
    def from_file(cls, path: Path | None = None) -> WorkingDayCalendar:
        """The override file, then the schedules entered in the desk (which win: they are the
        administrator's latest word on a year)."""
        overrides = load_overrides(path or overrides_file())
        overrides.update(load_entered_schedules(entered_schedules_file()))
        return cls(overrides)

    def is_working_day(self, day: date) -> bool:
        override = self._overrides.get(day.year)
        if override is not None:
            if day in override.holidays:
                return False
            if day in override.workdays:
                return True
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            raise CalendarUnknownError(
                f"{day.year}年的法定节假日和调休安排未知：chinesecalendar 未收录该年份，"
                f"节假日覆盖文件中也没有 {day.year} 年的数据；"
                f"请管理员在工作台“节假日安排”页录入国务院办公厅公布的 {day.year} 年安排"
                f"（或在 holiday-overrides.json 中补充）后重试"
                f"（日期 {day.isoformat()}）"
            ) from exc

    def add_working_days(self, start: date, working_days: int) -> date:
        """The `working_days`-th working day after `start`; `start` itself never counts."""
        if working_days < 1:
            raise ValueError(f"工作日数必须为正整数，收到 {working_days}")
        day = start
        counted = 0
        while counted < working_days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def publicity_end(self, start: date, working_days: int = PUBLICITY_WORKING_DAYS) -> datetime:
        """The instant a publicity period starting on `start` ends.

        Civil Code Art. 201: a period counted in days starts on the next day; Art. 203: it ends at
        24:00 of its last day, i.e. 00:00 Beijing time of the following day.
        """
        last_day = self.add_working_days(start, working_days)
        return datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=BEIJING)


def publicity_end(start: date, working_days: int = PUBLICITY_WORKING_DAYS) -> datetime:
    """`WorkingDayCalendar.publicity_end` with the configured override file."""
    return WorkingDayCalendar.from_file().publicity_end(start, working_days)
