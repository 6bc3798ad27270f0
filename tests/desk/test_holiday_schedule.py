"""The holiday-schedule page's server side (desk/holiday_schedule.py): only an administrator enters
a year, what is entered is checked field by field, kept where the workers read it, and audited."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from desk.app import create_desk_app
from desk.desk_audit import DeskAuditTrail
from desk.holiday_schedule import ScheduleRefused, last_built_in_year, validate_schedule
from desk.settings import DeskSettings
from tests.desk.fake_api import FakeCamunda, create_fake_api
from workers.working_days import CalendarUnknownError, WorkingDayCalendar

# As the State Council General Office would publish 2027 (the dates are this test's, not the
# real notice's): 元旦, 春节 with two weekend days worked, 国庆节 with one.
SCHEDULE_2027: dict[str, Any] = {
    "year": 2027,
    "noticeNumber": "国办发明电〔2026〕9号",
    "holidays": [
        {"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
        {"name": "春节", "start": "2027-02-05", "end": "2027-02-13"},
        {"name": "国庆节", "start": "2027-10-01", "end": "2027-10-07"},
    ],
    "workdays": ["2027-01-30", "2027-02-20", "2027-10-09"],
}


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    fake = FakeCamunda(data_dir=tmp_path / "data")
    settings = DeskSettings(api_url="http://api.test", data_dir=tmp_path / "data")
    app = create_desk_app(settings, transport=httpx.ASGITransport(app=create_fake_api(fake)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


async def _signed_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await client.post(
        "/auth/sign-in", json={"username": username, "password": f"demo-{username}"}
    )
    assert answer.status_code == 200, answer.text
    return {"x-csrf-token": answer.json()["csrfToken"]}


def _refusal(changes: dict[str, Any]) -> str:
    with pytest.raises(ScheduleRefused) as refused:
        validate_schedule({**SCHEDULE_2027, **changes}, 2026)
    return str(refused.value)


def test_the_built_in_calendar_ends_with_2026() -> None:
    assert last_built_in_year() == 2026


def test_every_refusal_names_the_field() -> None:
    assert "已由系统内置日历收录" in _refusal({"year": 2026})
    assert "通知文号" in _refusal({"noticeNumber": "国办发〔2026〕9号"})
    assert "通知文号的年份" in _refusal({"noticeNumber": "国办发明电〔2020〕9号"})
    outside = [{"name": "元旦", "start": "2026-12-31", "end": "2027-01-02"}]
    assert _refusal({"holidays": outside}) == "放假安排第1项（元旦）的放假日期不在2027年内"
    backwards = [{"name": "春节", "start": "2027-02-13", "end": "2027-02-05"}]
    assert _refusal({"holidays": backwards}) == "放假安排第1项（春节）的放假结束日期早于开始日期"
    overlapping = [
        {"name": "春节", "start": "2027-02-05", "end": "2027-02-13"},
        {"name": "元宵节", "start": "2027-02-12", "end": "2027-02-14"},
    ]
    assert _refusal({"holidays": overlapping}) == "放假安排：春节与元宵节的放假日期重叠"
    assert "不是星期六或星期日" in _refusal({"workdays": ["2027-02-22"]})
    assert "与放假日期重叠" in _refusal({"workdays": ["2027-02-06"]})
    assert "重复填写" in _refusal({"workdays": ["2027-01-30", "2027-01-30"]})
    assert "不是有效日期" in _refusal({"workdays": ["2027-02-30"]})
    assert "至少应填写一个节日" in _refusal({"holidays": []})


async def test_an_administrator_enters_a_year_the_workers_then_count_and_it_is_audited(
    desk: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("EXEMPTION_DATA_DIR", str(data_dir))
    monkeypatch.delenv("EXEMPTION_HOLIDAY_OVERRIDES", raising=False)
    with pytest.raises(CalendarUnknownError):
        WorkingDayCalendar.from_file().add_working_days(date(2027, 1, 29), 7)

    admin = await _signed_in(desk, "admin")
    entered = await desk.post("/holiday-schedules", json=SCHEDULE_2027, headers=admin)
    assert entered.status_code == 200, entered.text
    assert entered.json()["enteredBy"] == "admin"

    # the workers count 2027 now: 30 Jan (Saturday worked), 1–4 Feb, 15–16 Feb
    calendar = WorkingDayCalendar.from_file()
    assert calendar.add_working_days(date(2027, 1, 29), 7) == date(2027, 2, 16)
    assert not calendar.is_working_day(date(2027, 10, 7))
    assert calendar.is_working_day(date(2027, 10, 9))

    listed = (await desk.get("/holiday-schedules")).json()
    assert listed["builtInUntil"] == 2026
    [year] = listed["years"]
    assert (year["year"], year["noticeNumber"]) == (2027, "国办发明电〔2026〕9号")
    [audit] = listed["history"]
    assert audit["username"] == "admin"
    assert audit["details"] == {"year": 2027, "noticeNumber": "国办发明电〔2026〕9号"}
    assert DeskAuditTrail(data_dir).entries("holiday-schedule.entered") == [audit]
    stored = json.loads((data_dir / "holiday-schedules.json").read_text(encoding="utf-8"))
    assert "2027-02-08" in stored["years"]["2027"]["holidays"]


async def test_only_an_administrator_enters_and_a_bad_schedule_changes_nothing(
    desk: httpx.AsyncClient, tmp_path: Path
) -> None:
    office = await _signed_in(desk, "office")
    refused = await desk.post("/holiday-schedules", json=SCHEDULE_2027, headers=office)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有系统管理员可以录入节假日安排"
    assert (await desk.get("/holiday-schedules")).status_code == 403

    admin = await _signed_in(desk, "admin")
    bad = {**SCHEDULE_2027, "workdays": ["2027-02-22"]}
    answer = await desk.post("/holiday-schedules", json=bad, headers=admin)
    assert answer.status_code == 400
    assert "调休上班日期第1项（2027-02-22）不是星期六或星期日" in answer.json()["detail"]
    assert not (tmp_path / "data" / "holiday-schedules.json").exists()
    assert DeskAuditTrail(tmp_path / "data").entries() == []
    # without the CSRF token, nothing is entered either
    assert (await desk.post("/holiday-schedules", json=SCHEDULE_2027)).status_code == 403
