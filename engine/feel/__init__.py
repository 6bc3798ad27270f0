"""FEEL (Friendly Enough Expression Language) for the engine: feelin inside embedded V8.

Values cross the boundary as JSON: inputs are JSON-like Python values, results come back
as None/bool/int/float/str/list/dict, FEEL temporal values as ISO-8601 strings.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from engine.feel.errors import FeelError
from engine.feel.evaluator import Feel, FeelResult, FeelWarning

__all__ = [
    "Feel",
    "FeelError",
    "FeelResult",
    "FeelWarning",
    "evaluate_property",
    "feel",
    "is_expression",
]

_shared: Feel | None = None
_shared_lock = threading.Lock()


def feel() -> Feel:
    """The process-wide evaluator, created on first use (loading V8 costs tens of ms)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Feel()
        return _shared


def is_expression(value: str) -> bool:
    """True when a BPMN/DMN attribute holds a FEEL expression (Camunda's '=' marker)."""
    return value.startswith("=")


def evaluate_property(
    value: str, variables: Mapping[str, Any], *, now_ms: int | None = None
) -> Any:
    """'=expr' evaluates expr; anything else is the literal string itself."""
    if is_expression(value):
        return feel().evaluate(value[1:], variables, now_ms=now_ms)
    return value
