"""Camunda's clock endpoints: pin the engine clock to an instant, or let it run again. Only admins
move the clock: timers, due dates and SLA deadlines of every case depend on it.

Docs: Orchestration Cluster REST API, "Pin internal clock" (PUT /v2/clock, body
{"timestamp": <epoch ms>}, 204) and "Reset internal clock" (POST /v2/clock/reset, 204).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine.api import Engine
from engine.definitions.timer_expressions import LATEST_INSTANT_MS
from engine.http.body import json_object
from engine.http.endpoint import Endpoint
from engine.http.int64 import int64
from engine.http.problem import BadRequest
from engine.http.schemas import NO_CONTENT, obj

# Epoch milliseconds from 1970 to the last instant a date can name (9999-12-31T23:59:59.999Z), as a
# number or as a decimal string (the int64 convention of the /v2 API). The engine enforces the
# range; the schema only tells clients and the fuzzer what it is.
CLOCK_INSTANT_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "integer", "format": "int64", "minimum": 0, "maximum": LATEST_INSTANT_MS},
        {
            "type": "string",
            "pattern": (
                "^0*(?:[0-9]{1,14}|1[0-9]{14}|2[0-4][0-9]{13}|25[0-2][0-9]{12}|253[0-3][0-9]{11}"
                "|25340[01][0-9]{9}|253402[0-2][0-9]{8}|253402300[0-7][0-9]{5})$"
            ),
        },
    ]
}


def clock_endpoints(engine: Engine) -> list[Endpoint]:
    async def pin(request: Request) -> Response:
        body = await json_object(request)
        if "timestamp" not in body or body["timestamp"] is None:
            raise BadRequest("No timestamp provided.")
        timestamp = int64(body["timestamp"])
        if timestamp is None:
            raise BadRequest(
                f"The value for timestamp is '{body['timestamp']}' but must be an integer "
                "(epoch milliseconds)."
            )
        # The engine decides which instants a clock may name (rules once, for every transport).
        await engine.pin_clock(timestamp)
        return Response(status_code=204)

    async def reset(request: Request) -> Response:
        await engine.reset_clock()
        return Response(status_code=204)

    return [
        Endpoint(
            "PUT",
            "/clock",
            pin,
            "Pin the engine clock to an instant",
            "pin-clock",
            obj(["timestamp"], timestamp=CLOCK_INSTANT_SCHEMA),
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
