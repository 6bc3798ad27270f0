"""/api/v2/* → the API's /v2/*, with the signed-in officer's credentials added here.

The browser never sees credentials; every permission is still decided by the API.

Only plain paths are forwarded: segments of RFC 3986 unreserved characters, none of them "." or
"..". The path reaches the desk already percent-decoded once, so a "%" left in it is a second
encoding ("%252e%252e" → "%2e%2e"), which the API would decode into a dot segment and leave /v2;
control characters, backslashes and ";" have no place in an API path either. Such paths are
refused here with 400 instead of being forwarded or failing as a 500.
"""

from __future__ import annotations

import re

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from desk.api_client import ApiClient, ApiUnavailable
from desk.sessions import Session
from desk.sign_in import csrf_refusal, current_session, refusal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Only what a JSON API answers with is passed back; hop-by-hop and cookie headers are not.
_PASSED_HEADERS = ("content-type", "content-disposition")
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_COMPLETION = re.compile(r"user-tasks/([0-9]+)/completion")
# The engine clock moves every case's timers: from the desk only through /training/clock, which
# exists in training mode alone (desk/training_clock.py).
_CLOCK = re.compile(r"clock(/.*)?")


def plain_api_path(path: str) -> bool:
    """Whether `/v2/<path>` names a resource under /v2 exactly as written."""
    return all(
        _PLAIN_SEGMENT.fullmatch(segment) and segment not in {".", ".."}
        for segment in path.split("/")
    )


async def forward(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    if request.method not in SAFE_METHODS:
        refused = csrf_refusal(request, session)
        if refused is not None:
            return refused
    path = str(request.path_params["path"])
    if not plain_api_path(path):
        # The path is not echoed: it may hold control characters or markup.
        return refusal(400, "接口路径无效：只能访问 /v2 下的规范路径")
    if _CLOCK.fullmatch(path):
        return refusal(403, "系统时钟不能通过工作台接口调整")
    api: ApiClient = request.app.state.api
    if request.method == "POST" and (completing := _COMPLETION.fullmatch(path)):
        unassigned = await _not_claimed_by_officer(api, session, completing.group(1))
        if unassigned is not None:
            return unassigned
    body = await request.body() if request.method not in SAFE_METHODS else None
    try:
        answer = await api.send(
            request.method,
            f"/v2/{path}",
            session.authorization,
            params=httpx.QueryParams(list(request.query_params.multi_items())),
            content=body,
            content_type=request.headers.get("content-type"),
            client_address=request.client.host if request.client else None,
        )
    except ApiUnavailable as error:
        return refusal(502, str(error))
    headers = {name: answer.headers[name] for name in _PASSED_HEADERS if name in answer.headers}
    return Response(answer.content, status_code=answer.status_code, headers=headers)


async def _not_claimed_by_officer(
    api: ApiClient, session: Session, task_key: str
) -> Response | None:
    """In an accountability procedure the record must name who decided: through the desk a task
    is completed only by the officer it is assigned to (the page claims it for them on submit).
    The engine alone would accept a completion of an unassigned task and record no one."""
    try:
        answer = await api.send("GET", f"/v2/user-tasks/{task_key}", session.authorization)
    except ApiUnavailable as error:
        return refusal(502, str(error))
    if answer.status_code != 200:
        return None  # the API gives its own answer (not found, forbidden) to the completion
    assignee = answer.json().get("assignee")
    if assignee == session.officer.username:
        return None
    if assignee:
        return refusal(409, "该任务已由他人认领，您不能提交办理结果")
    return refusal(409, "请先认领本任务再提交：办理结果须记录办理人")


def proxy_routes() -> list[BaseRoute]:
    return [
        Route(
            "/api/v2/{path:path}",
            forward,
            methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        )
    ]
