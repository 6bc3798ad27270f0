"""The holiday-schedule page's server side: an administrator enters a year's official holidays and
adjusted working days (调休) from the State Council General Office's notice, once it is published.

The 7 working days of Art. 8(3) cannot be computed for a year nobody has entered: the workers
refuse to guess (workers/working_days.py). What is entered here is checked before it is kept
(dates in that year, no overlaps, adjusted working days on weekends only), written to the data
directory the workers read (`holiday-schedules.json`), and every change goes to the desk's audit
trail with who entered it and when. The workers re-check the file when they read it, since the
desk and the workers are separate programs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from desk.desk_audit import DeskAuditTrail
from desk.sign_in import administrator_change, current_session, refusal

SCHEDULE_FILE_NAME = "holiday-schedules.json"
NOTICE_NUMBER = re.compile(r"国办发明电〔(\d{4})〕\d{1,3}号")
MAX_PERIODS = 20
_WRITING = threading.Lock()


class ScheduleRefused(ValueError):
    """What an administrator entered cannot be kept; the message names the field, in Chinese."""


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def last_built_in_year() -> int:
    """The last year the packaged calendar (chinesecalendar) knows."""
    year = date.today().year + 1
    while year > 2004:
        try:
            chinese_calendar.is_workday(date(year, 12, 31))
            return year
        except NotImplementedError:
            year -= 1
    return 2004


def _date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise ScheduleRefused(f"{field}未填写")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ScheduleRefused(f"{field}“{value}”不是有效日期") from None


def validate_schedule(body: Any, built_in_until: int) -> dict[str, Any]:
    """The schedule as it will be kept, or ScheduleRefused naming the first problem."""
    if not isinstance(body, dict):
        raise ScheduleRefused("提交的内容应为一份节假日安排")
    year = body.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ScheduleRefused("年度应为四位年份")
    if year <= built_in_until:
        raise ScheduleRefused(
            f"年度：{year}年的节假日安排已由系统内置日历收录（收录至{built_in_until}年），无需录入"
        )
    notice = body.get("noticeNumber")
    notice = notice.strip() if isinstance(notice, str) else ""
    matched = NOTICE_NUMBER.fullmatch(notice)
    if matched is None:
        raise ScheduleRefused("通知文号应写作“国办发明电〔年份〕序号号”，如“国办发明电〔2026〕7号”")
    if int(matched.group(1)) not in (year - 1, year):
        raise ScheduleRefused(f"通知文号的年份应为{year - 1}年或{year}年")
    raw_periods = body.get("holidays")
    if not isinstance(raw_periods, list) or not raw_periods:
        raise ScheduleRefused("放假安排：至少应填写一个节日的放假日期")
    if len(raw_periods) > MAX_PERIODS:
        raise ScheduleRefused(f"放假安排：最多{MAX_PERIODS}项")
    periods: list[HolidayPeriod] = []
    for index, raw in enumerate(raw_periods, start=1):
        where = f"放假安排第{index}项"
        if not isinstance(raw, dict):
            raise ScheduleRefused(f"{where}格式不正确")
        name = raw.get("name")
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > 20:
            raise ScheduleRefused(f"{where}：节日名称未填写或超过20字")
        first = _date(raw.get("start"), f"{where}（{name}）的放假开始日期")
        last = _date(raw.get("end"), f"{where}（{name}）的放假结束日期")
        if first.year != year or last.year != year:
            raise ScheduleRefused(f"{where}（{name}）的放假日期不在{year}年内")
        if last < first:
            raise ScheduleRefused(f"{where}（{name}）的放假结束日期早于开始日期")
        periods.append(HolidayPeriod(name, first, last))
    periods.sort(key=lambda p: p.first)
    for earlier, later in itertools.pairwise(periods):
        if later.first <= earlier.last:
            raise ScheduleRefused(f"放假安排：{earlier.name}与{later.name}的放假日期重叠")
    raw_workdays = body.get("workdays")
    if not isinstance(raw_workdays, list):
        raise ScheduleRefused("调休上班日期格式不正确")
    holidays = {day for period in periods for day in period.days()}
    workdays: list[date] = []
    for index, raw in enumerate(raw_workdays, start=1):
        day = _date(raw, f"调休上班日期第{index}项")
        where = f"调休上班日期第{index}项（{day.isoformat()}）"
        if day.year != year:
            raise ScheduleRefused(f"{where}不在{year}年内")
        if day.weekday() < 5:
            raise ScheduleRefused(f"{where}不是星期六或星期日：调休上班只能安排在周末")
        if day in holidays:
            raise ScheduleRefused(f"{where}与放假日期重叠")
        if day in workdays:
            raise ScheduleRefused(f"{where}重复填写")
        workdays.append(day)
    return {
        "year": year,
        "noticeNumber": notice,
        "periods": [
            {"name": p.name, "start": p.first.isoformat(), "end": p.last.isoformat()}
            for p in periods
        ],
        "holidays": sorted(day.isoformat() for day in holidays),
        "workdays": sorted(day.isoformat() for day in workdays),
    }


class ScheduleFile:
    """`holiday-schedules.json`: {"years": {"2027": {...}}}; replaced atomically on each change."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SCHEDULE_FILE_NAME

    def read(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        years = raw.get("years") if isinstance(raw, dict) else None
        return years if isinstance(years, dict) else {}

    def keep(self, schedule: dict[str, Any]) -> None:
        with _WRITING:
            years = self.read()
            years[str(schedule["year"])] = schedule
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"years": years}, ensure_ascii=False, indent=2, sort_keys=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(text + "\n", encoding="utf-8")
            temporary.replace(self.path)


async def list_schedules(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    if not session.officer.is_admin:
        return refusal(403, "只有系统管理员可以查看和录入节假日安排")
    data_dir: Path = request.app.state.settings.data_dir
    years = await asyncio.to_thread(ScheduleFile(data_dir).read)
    history = await asyncio.to_thread(DeskAuditTrail(data_dir).entries, "holiday-schedule.entered")
    return JSONResponse(
        {
            "builtInUntil": last_built_in_year(),
            "years": [years[key] for key in sorted(years)],
            "history": history,
        }
    )


async def enter_schedule(request: Request) -> Response:
    session, refused = administrator_change(request, "只有系统管理员可以录入节假日安排")
    if refused is not None:
        return refused
    assert session is not None
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return refusal(400, "提交的内容不是有效的节假日安排")
    try:
        schedule = validate_schedule(body, last_built_in_year())
    except ScheduleRefused as problem:
        return refusal(400, str(problem))
    schedule["enteredBy"] = session.officer.username
    schedule["enteredAt"] = datetime.now(UTC).isoformat(timespec="seconds")
    data_dir: Path = request.app.state.settings.data_dir
    await asyncio.to_thread(ScheduleFile(data_dir).keep, schedule)
    await asyncio.to_thread(
        DeskAuditTrail(data_dir).record,
        session.officer.username,
        "holiday-schedule.entered",
        {"year": schedule["year"], "noticeNumber": schedule["noticeNumber"]},
        schedule["enteredAt"],
    )
    return JSONResponse(schedule)


def holiday_schedule_routes() -> list[BaseRoute]:
    return [
        Route("/holiday-schedules", list_schedules, methods=["GET"]),
        Route("/holiday-schedules", enter_schedule, methods=["POST"]),
    ]
