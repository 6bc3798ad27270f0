"""The engine clock in demo and training: an administrator moves it from the desk, so a case
gets past a 7-working-day timer without waiting a week.

Only a desk started in training mode (`--training`, env DESK_TRAINING=1; `make demo` does) has
these endpoints; in production they answer 404 and the page has no control. The /api/v2 proxy
never forwards the clock endpoints, in either mode, so the training endpoints are the only way
from the desk to the engine clock. The engine still decides who may move it (admins).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from desk.api_client import ApiClient, ApiUnavailable
from desk.settings import DeskSettings
from desk.sign_in import administrator_change, current_session, refusal

NOT_IN_PRODUCTION = "正式环境不提供调整系统时钟的功能"
# Epoch milliseconds up to the year 9999: anything else is a typing error, not an instant.
LATEST_INSTANT = 253_402_300_799_999


def _training(request: Request) -> bool:
    settings: DeskSettings = request.app.state.settings
    return settings.training


async def mode(request: Request) -> Response:
    """Read before sign-in too: the sign-in page is marked 培训环境 as well."""
    return JSONResponse({"training": _training(request)})


async def clock_state(request: Request) -> Response:
    if not _training(request):
        return refusal(404, NOT_IN_PRODUCTION)
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    pinned: int | None = request.app.state.pinned_clock
    return JSONResponse({"pinnedAt": pinned})


def _engine_refusal(answer_text: str, status: int) -> Response:
    if status in {401, 403}:
        return refusal(403, "只有系统管理员可以调整系统时钟")
    try:
        detail: Any = json.loads(answer_text).get("detail")
    except (ValueError, AttributeError):
        detail = None
    return refusal(status, f"流程引擎未能调整系统时钟：{detail or status}")


async def move_clock(request: Request) -> Response:
    if not _training(request):
        return refusal(404, NOT_IN_PRODUCTION)
    session, refused = administrator_change(request, "只有系统管理员可以调整系统时钟")
    if refused is not None:
        return refused
    assert session is not None
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    timestamp = body.get("timestamp") if isinstance(body, dict) else None
    if (
        not isinstance(timestamp, int)
        or isinstance(timestamp, bool)
        or not 0 <= timestamp <= LATEST_INSTANT
    ):
        return refusal(400, "请给出要调到的时间（timestamp，毫秒）")
    api: ApiClient = request.app.state.api
    try:
        answer = await api.send(
            "PUT",
            "/v2/clock",
            session.authorization,
            content=json.dumps({"timestamp": timestamp}).encode(),
            content_type="application/json",
        )
    except ApiUnavailable as error:
        return refusal(502, str(error))
    if answer.status_code >= 400:
        return _engine_refusal(answer.text, answer.status_code)
    request.app.state.pinned_clock = timestamp
    return JSONResponse({"pinnedAt": timestamp})


async def reset_clock(request: Request) -> Response:
    if not _training(request):
        return refusal(404, NOT_IN_PRODUCTION)
    session, refused = administrator_change(request, "只有系统管理员可以调整系统时钟")
    if refused is not None:
        return refused
    assert session is not None
    api: ApiClient = request.app.state.api
    try:
        answer = await api.send("POST", "/v2/clock/reset", session.authorization)
    except ApiUnavailable as error:
        return refusal(502, str(error))
    if answer.status_code >= 400:
        return _engine_refusal(answer.text, answer.status_code)
    request.app.state.pinned_clock = None
    return JSONResponse({"pinnedAt": None})


def training_routes() -> list[BaseRoute]:
    return [
        Route("/training", mode, methods=["GET"]),
        Route("/training/clock", clock_state, methods=["GET"]),
        Route("/training/clock", move_clock, methods=["PUT"]),
        Route("/training/clock/reset", reset_clock, methods=["POST"]),
    ]
