"""8.8's int64 fields (keys, timestamps, timeouts, TTLs) as clients send them: a JSON integer, or a
string of decimal digits, since JavaScript numbers cannot hold every int64 and Camunda's own
TypeScript client sends them as strings."""

from __future__ import annotations

import re
from typing import Any

from engine.search_query import whole_number

__all__ = ["INT64_SCHEMA", "int64", "whole_number"]

# Leading zeros are not digits of the value: "0000000000000000000042" is 42.
_DECIMAL = re.compile(r"-?0*[0-9]{1,19}")
_MIN, _MAX = -(2**63), 2**63 - 1


def int64(value: Any) -> int | None:
    """The value as an int64, or None when it is neither an integer nor a decimal string in range
    (the caller reports that with its own problem)."""
    if isinstance(value, str):
        if not value.isascii() or _DECIMAL.fullmatch(value) is None:
            return None
        value = int(value)
    number = whole_number(value)
    if number is None or not _MIN <= number <= _MAX:
        return None
    return number


# The OpenAPI schema of such a field, for our generated document.
INT64_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "integer", "format": "int64", "minimum": _MIN, "maximum": _MAX},
        {"type": "string", "pattern": "^-?0*[0-9]{1,19}$"},
    ]
}
POSITIVE_INT64_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "integer", "format": "int64", "minimum": 1, "maximum": _MAX},
        {"type": "string", "pattern": "^0*[1-9][0-9]{0,18}$"},
    ]
}
# The same, for fields that refuse negative values (timestamps, timeouts, TTLs).
NON_NEGATIVE_INT64_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "integer", "format": "int64", "minimum": 0, "maximum": _MAX},
        {"type": "string", "pattern": "^0*[0-9]{1,19}$"},
    ]
}
