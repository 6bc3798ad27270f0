"""The register's routes: a person's or unit's history (GET /register/history), the persons and
units a name finds (GET /register/subjects), and the dashboard's Chapter 3 and 4 figures (GET
/register/statistics, managers only, as the dashboard is). Every answer holds only what the API
lets the signed-in officer read: the cases come from the case index, asked with their credentials.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from desk.api_client import ApiClient, ApiUnavailable
from desk.case_index import BEIJING, all_cases
from desk.case_routes import directory_names
from desk.people import Directory
from desk.procedures import PROCEDURES
from desk.register_data import UnitList
from desk.register_history import history, history_entry, subject_from_params, subjects_named
from desk.sign_in import current_session, refusal
from desk.work_statistics import work_statistics

PARTIAL = "您只能查看本人承办过任务的案件；该对象如有其他案件，由容错纠错工作的管理人员查阅。"


async def show_history(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    try:
        subject = subject_from_params(request.query_params)
    except ValueError as error:
        return refusal(400, str(error))
    units: UnitList = request.app.state.units
    try:
        rows = await all_cases(request.app.state.api, session, units)
    except ApiUnavailable as error:
        return refusal(502, str(error))
    found = history(rows, subject)
    named = next(
        (s for row in found for s in row.subjects if s.same_as(subject)),
        subject,
    )
    return JSONResponse(
        {
            "subject": named.to_json(units),
            "cases": [history_entry(row, units) for row in found],
            "complete": session.officer.is_manager,
            "notice": "" if session.officer.is_manager else PARTIAL,
        }
    )


async def find_subjects(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    text = request.query_params.get("name", "").strip()
    if not text:
        return refusal(400, "请输入要查找的姓名或单位名称")
    if len(text) > 100:
        return refusal(400, "姓名或单位名称过长")
    units: UnitList = request.app.state.units
    try:
        rows = await all_cases(request.app.state.api, session, units)
    except ApiUnavailable as error:
        return refusal(502, str(error))
    return JSONResponse(
        {
            "items": subjects_named(rows, text, units),
            "complete": session.officer.is_manager,
            "notice": "" if session.officer.is_manager else PARTIAL,
        }
    )


async def case_subjects_of(request: Request) -> Response:
    """Whom one case concerns, by name, for the case page's links to their histories."""
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    key = str(request.path_params["key"])
    if not key.isdigit():
        return refusal(400, f"案件实例编号 {key} 无效")
    units: UnitList = request.app.state.units
    try:
        rows = await all_cases(request.app.state.api, session, units)
    except ApiUnavailable as error:
        return refusal(502, str(error))
    row = next((row for row in rows if row.key == key), None)
    if row is None:
        return refusal(404, "没有找到该案件，或您无权查看该案件")
    return JSONResponse({"items": [s.to_json(units) for s in row.subjects]})


def _day(text: str, what: str, default: date) -> date:
    text = text.strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}“{text}”不是有效日期") from None


def _now(request: Request) -> datetime:
    """The engine's time as this desk knows it: the training clock when pinned, else now."""
    pinned: int | None = request.app.state.pinned_clock
    return datetime.fromtimestamp(pinned / 1000, UTC) if pinned else datetime.now(UTC)


async def show_statistics(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    if not session.officer.is_manager:
        return refusal(403, "管理看板仅供容错纠错工作的管理人员查看")
    params = request.query_params
    today = datetime.now(BEIJING).date()
    by = params.get("by", "quarter").strip() or "quarter"
    try:
        if by not in ("quarter", "month"):
            raise ValueError("统计周期只能是“按季度”或“按月”")
        since = _day(params.get("from", ""), "统计起始日期", date(today.year, 1, 1))
        until = _day(params.get("to", ""), "统计截止日期", today)
        if since > until:
            raise ValueError("统计起始日期不能晚于统计截止日期")
    except ValueError as error:
        return refusal(400, str(error))
    api: ApiClient = request.app.state.api
    units: UnitList = request.app.state.units
    try:
        rows = await all_cases(api, session, units)
        answer = await api.post_json(
            "/v2/user-tasks/search",
            session.authorization,
            {
                "filter": {
                    "state": "CREATED",
                    "dueDate": {"$lt": _now(request).isoformat().replace("+00:00", "Z")},
                },
                "page": {"limit": 1000},
            },
        )
        if answer.status_code != 200:
            raise ApiUnavailable(f"流程引擎接口返回 {answer.status_code}，无法读取逾期任务")
        overdue = [t for t in answer.json().get("items") or [] if isinstance(t, dict)]
        directory: Directory = request.app.state.directory
        names = {**units.names, **directory.units, **await directory_names(api, session)}
    except ApiUnavailable as error:
        return refusal(502, str(error))
    return JSONResponse(
        work_statistics(rows, overdue, names, since, until, "month" if by == "month" else "quarter")
    )


async def list_procedures(request: Request) -> Response:
    """The procedures' table (desk/procedures.py), for pages that sort work by chapter."""
    if current_session(request) is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    return JSONResponse(
        {"items": [{"id": p.id, "name": p.name, "chapter": p.chapter} for p in PROCEDURES]}
    )


def register_routes() -> list[BaseRoute]:
    return [
        Route("/register/procedures", list_procedures, methods=["GET"]),
        Route("/register/history", show_history, methods=["GET"]),
        Route("/register/subjects", find_subjects, methods=["GET"]),
        Route("/register/cases/{key}/subjects", case_subjects_of, methods=["GET"]),
        Route("/register/statistics", show_statistics, methods=["GET"]),
    ]
