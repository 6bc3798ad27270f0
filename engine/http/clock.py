"""Camunda's clock endpoints: pin the engine clock to an instant, or let it run again. Only admins
move the clock: timers, due dates and SLA deadlines of every case depend on it.

Docs: Orchestration Cluster REST API, "Pin internal clock" (PUT /v2/clock, body
{"timestamp": <epoch ms>}, 204) and "Reset internal clock" (POST /v2/clock/reset, 204).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from engine.access import Permission, require
from engine.api import Engine
from engine.http.auth import principal_of
from engine.http.body import json_object
from engine.http.endpoint import Endpoint
from engine.http.int64 import NON_NEGATIVE_INT64_SCHEMA, int64
from engine.http.problem import BadRequest
from engine.http.schemas import NO_CONTENT, obj


def clock_endpoints(engine: Engine) -> list[Endpoint]:
    async def pin(request: Request) -> Response:
        require(principal_of(request), Permission.MOVE_CLOCK)
        body = await json_object(request)
        if "timestamp" not in body or body["timestamp"] is None:
            raise BadRequest("No timestamp provided.")
        timestamp = int64(body["timestamp"])
        if timestamp is None:
            raise BadRequest(
                f"The value for timestamp is '{body['timestamp']}' but must be an integer "
                "(epoch milliseconds)."
            )
        if timestamp < 0:
            raise BadRequest(f"The value for timestamp is '{timestamp}' but must be not negative.")
        await engine.pin_clock(timestamp)
        return Response(status_code=204)

    async def reset(request: Request) -> Response:
        require(principal_of(request), Permission.MOVE_CLOCK)
        await engine.reset_clock()
        return Response(status_code=204)

    return [
        Endpoint(
            "PUT",
            "/clock",
            pin,
            "Pin the engine clock to an instant",
            "pin-clock",
            obj(["timestamp"], timestamp=NON_NEGATIVE_INT64_SCHEMA),
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
        ),
        Endpoint(
            "POST",
            "/clock/reset",
            reset,
            "Let the engine clock follow real time again",
            "reset-clock",
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
        ),
    ]
