"""Reading request bodies: JSON objects only, with errors a client can act on."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from engine.http.problem import BadRequest
from engine.storable_text import UNSTORABLE_TEXT, unstorable_field


async def json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("Expected a JSON object as request body, but the body is empty.")
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadRequest(
            "Expected a JSON object as request body, but it is not valid JSON."
        ) from None
    if not isinstance(value, dict):
        kind = "an array" if isinstance(value, list) else f"'{value}'"
        raise BadRequest(f"Expected a JSON object as request body, but got {kind}.")
    field = unstorable_field(value)
    if field is not None:
        raise BadRequest(f"The request body's field '{field}' {UNSTORABLE_TEXT}.")
    return value
