"""Variables arrive on the wire as JSON text; the engine wants a JSON object or nothing."""

from __future__ import annotations

import json
from typing import Any

from engine.api import InvalidArgument, JsonObject
from engine.storable_text import UNSTORABLE_TEXT, unstorable_field

_ECHO_LIMIT = 80


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def _echo(raw: str) -> str:
    return raw if len(raw) <= _ECHO_LIMIT else raw[:_ECHO_LIMIT] + "..."


def parse_variables(raw: str, command: str, field: str = "variables") -> JsonObject | None:
    """Parse a variables document; `command` completes "Expected to ..." in the error message.

    An empty string means the client sent no variables (proto3 cannot tell absent from empty).
    """
    if raw == "" or raw.isspace():
        return None
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as error:
        detail = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deeply"
        raise InvalidArgument(
            f"Expected to {command} with '{field}' to be a JSON object, but got invalid JSON "
            f"({detail}): '{_echo(raw)}'"
        ) from None
    if not isinstance(value, dict):
        raise InvalidArgument(
            f"Expected to {command} with '{field}' to be a JSON object, but got "
            f"{_kind(value)}: '{_echo(raw)}'"
        )
    unstorable = unstorable_field(value, field)
    if unstorable is not None:
        raise InvalidArgument(
            f"Expected to {command} with valid text, but '{unstorable}' {UNSTORABLE_TEXT}"
        )
    return value


def dump_json(value: Any) -> str:
    """JSON text for the wire; clients `json.loads` it, so never an empty string."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
