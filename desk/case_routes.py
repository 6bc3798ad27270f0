"""The desk's case routes: search (and the archive of closed cases), one case's file (案卷) and the
period's spreadsheet. Every answer holds only what the API lets the signed-in officer read."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from desk.api_client import ApiClient, ApiUnavailable
from desk.case_export import workbook_bytes
from desk.case_file import case_file
from desk.case_index import BEIJING, CaseQuery, all_cases
from desk.procedures import PROCEDURES
from desk.sessions import Session
from desk.sign_in import current_session, refusal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def directory_names(api: ApiClient, session: Session) -> dict[str, str]:
    """User and group ids → names, from the API's directory as far as the officer may read it
    (managers and administrators); everyone knows at least their own name."""
    names = {session.officer.username: session.officer.display_name}
    for path, key in (("/v2/groups/search", "groupId"), ("/v2/users/search", "username")):
        answer = await api.post_json(path, session.authorization, {"page": {"limit": 1000}})
        if answer.status_code != 200:
            continue
        for item in answer.json().get("items") or []:
            if isinstance(item, dict) and item.get(key) and item.get("name"):
                names[str(item[key])] = str(item["name"])
    return names


async def search_cases(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    try:
        query = CaseQuery.from_params(request.query_params)
    except ValueError as error:
        return refusal(400, str(error))
    try:
        cases = [
            row
            for row in await all_cases(request.app.state.api, session, request.app.state.units)
            if query.matches(row)
        ]
    except ApiUnavailable as error:
        return refusal(502, str(error))
    return JSONResponse(
        {
            "items": [row.to_json() for row in cases],
            "total": len(cases),
            "procedures": [{"id": p.id, "name": p.name} for p in PROCEDURES],
        }
    )


async def export_cases(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    params = dict(request.query_params)
    this_year = datetime.now(BEIJING).year
    params.setdefault("from", f"{this_year}-01-01")
    params.setdefault("to", f"{this_year}-12-31")
    try:
        query = CaseQuery.from_params(params)
    except ValueError as error:
        return refusal(400, str(error))
    try:
        # The yearly spreadsheet is the exemption work's (Arts. 7 and 9 counted).
        cases = [
            row
            for row in await all_cases(request.app.state.api, session)
            if row.is_exemption and query.matches(row)
        ]
    except ApiUnavailable as error:
        return refusal(502, str(error))
    assert query.since is not None and query.until is not None
    period = f"{_day(query.since)}至{_day(query.until)}"
    body = workbook_bytes(cases, period)
    name = f"容错免责案件统计（{period}）.xlsx"
    disposition = f"attachment; filename=\"cases.xlsx\"; filename*=UTF-8''{quote(name)}"
    return Response(
        body,
        media_type=XLSX,
        headers={
            "content-disposition": disposition,
            "cache-control": "no-store",
        },
    )


async def show_case_file(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    key = str(request.path_params["key"])
    if not key.isdigit():
        return refusal(400, f"案件实例编号 {key} 无效")
    api: ApiClient = request.app.state.api
    try:
        rows = await all_cases(api, session, request.app.state.units)
        row = next((row for row in rows if row.key == key), None)
        if row is None:
            return refusal(404, "没有找到该案件，或您无权查看该案件")
        return JSONResponse(await case_file(api, session, row, await directory_names(api, session)))
    except ApiUnavailable as error:
        return refusal(502, str(error))


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def case_routes() -> list[BaseRoute]:
    return [
        Route("/cases", search_cases, methods=["GET"]),
        Route("/cases/export.xlsx", export_cases, methods=["GET"]),
        Route("/cases/{key}/file", show_case_file, methods=["GET"]),
    ]
