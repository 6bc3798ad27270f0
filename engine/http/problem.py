"""Errors as RFC 9457 problem documents, the way Camunda's REST API reports them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from engine.api import EngineError

PROBLEM_JSON = "application/problem+json"


class BadRequest(EngineError):
    """The request itself is malformed (body, path or query), before the engine sees it."""

    status = "INVALID_ARGUMENT"
    http_status = 400
    title = "INVALID_ARGUMENT"


def problem(status: int, title: str, detail: str, instance: str) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": instance,
        },
        status_code=status,
        media_type=PROBLEM_JSON,
    )


def engine_problem(request: Request, error: EngineError) -> JSONResponse:
    return problem(error.http_status, error.title, str(error), request.url.path)
