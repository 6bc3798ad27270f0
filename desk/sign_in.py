"""Sign-in and sign-out: credentials are checked against the API, then kept server-side."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from desk.api_client import ApiClient, ApiUnavailable, SignInRefused, SignInThrottled
from desk.sessions import CSRF_COOKIE, SESSION_COOKIE, Session, SessionStore
from desk.settings import DeskSettings


def refusal(status: int, message: str) -> JSONResponse:
    """Every desk error is one plain Chinese sentence under `detail`, like /v2's problems."""
    return JSONResponse({"status": status, "detail": message}, status_code=status)


def current_session(request: Request) -> Session | None:
    store: SessionStore = request.app.state.sessions
    return store.find(request.cookies.get(SESSION_COOKIE))


def csrf_refusal(request: Request, session: Session) -> JSONResponse | None:
    """Double-submit check: the header repeats the session's token, which other sites can't read."""
    sent = request.headers.get("x-csrf-token", "")
    if not sent or sent != session.csrf_token:
        return refusal(403, "请求缺少有效的防伪令牌（CSRF），请刷新页面后重试")
    return None


def administrator_change(
    request: Request, not_admin: str
) -> tuple[Session, None] | tuple[None, JSONResponse]:
    """The checks of a change only administrators may make: signed in, the CSRF token, the admin
    role (`not_admin` says what the others may not do). Returns the session, or the refusal."""
    session = current_session(request)
    if session is None:
        return None, refusal(401, "尚未登录或登录已过期，请重新登录")
    refused = csrf_refusal(request, session)
    if refused is not None:
        return None, refused
    if not session.officer.is_admin:
        return None, refusal(403, not_admin)
    return session, None


def _set_cookies(response: Response, session: Session, settings: DeskSettings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.session_id,
        max_age=settings.session_seconds,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )
    # Readable by the page's script on purpose: it echoes it in the X-CSRF-Token header.
    response.set_cookie(
        CSRF_COOKIE,
        session.csrf_token,
        max_age=settings.session_seconds,
        httponly=False,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )


async def _read_credentials(request: Request) -> tuple[str, str] | str:
    try:
        body: Any = json.loads(await request.body() or b"{}")
    except ValueError:
        return "登录请求不是有效的 JSON"
    if not isinstance(body, dict):
        return "登录请求应为包含 username 和 password 的对象"
    username = body.get("username")
    password = body.get("password")
    if not isinstance(username, str) or not username.strip():
        return "请填写用户名（username）"
    if not isinstance(password, str) or not password:
        return "请填写密码（password）"
    return username.strip(), password


async def sign_in(request: Request) -> Response:
    # A JSON content type cannot be sent cross-site without a CORS preflight (login CSRF).
    if not request.headers.get("content-type", "").startswith("application/json"):
        return refusal(415, "登录请求须为 application/json")
    credentials = await _read_credentials(request)
    if isinstance(credentials, str):
        return refusal(400, credentials)
    username, password = credentials
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    authorization = f"Basic {token}"
    api: ApiClient = request.app.state.api
    try:
        officer = await api.whoami(authorization, request.client.host if request.client else None)
    except ApiUnavailable as error:
        return refusal(502, str(error))
    except SignInRefused as error:
        return refusal(401, str(error))
    except SignInThrottled as error:
        throttled = refusal(429, str(error))
        if error.retry_after:
            throttled.headers["retry-after"] = error.retry_after
        return throttled
    if officer is None:
        return refusal(401, "用户名或密码不正确")
    store: SessionStore = request.app.state.sessions
    store.close(request.cookies.get(SESSION_COOKIE))
    session = store.open(officer, authorization)
    response = JSONResponse({"user": officer.to_json(), "csrfToken": session.csrf_token})
    _set_cookies(response, session, request.app.state.settings)
    return response


async def sign_out(request: Request) -> Response:
    session = current_session(request)
    if session is not None:
        refused = csrf_refusal(request, session)
        if refused is not None:
            return refused
    request.app.state.sessions.close(request.cookies.get(SESSION_COOKIE))
    response = JSONResponse({"signedOut": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def who_is_signed_in(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    return JSONResponse({"user": session.officer.to_json(), "csrfToken": session.csrf_token})


def sign_in_routes() -> list[BaseRoute]:
    return [
        Route("/auth/sign-in", sign_in, methods=["POST"]),
        Route("/auth/sign-out", sign_out, methods=["POST"]),
        Route("/auth/session", who_is_signed_in, methods=["GET"]),
    ]
