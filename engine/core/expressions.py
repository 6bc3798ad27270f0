"""Evaluation of the values BPMN attributes hold: FEEL when they start with '=', literal text
otherwise (Camunda's rule). A failure becomes `ExpressionFailure`, which processors turn into an
incident on the element instead of letting it escape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ExpressionFailure(Exception):
    def __init__(self, message: str, error_type: str = "EXTRACT_VALUE_ERROR") -> None:
        super().__init__(message)
        self.error_type = error_type


def evaluate(text: str, context: Mapping[str, Any], now_ms: int) -> Any:
    stripped = text.strip()
    if not stripped.startswith("="):
        return text
    from engine.feel import FeelError, feel

    expression = stripped[1:]
    try:
        return feel().evaluate(expression, dict(context), now_ms=now_ms)
    except FeelError as error:
        raise ExpressionFailure(
            f"failed to evaluate expression '{expression}': {error.cause}"
        ) from None


def evaluate_string(text: str, context: Mapping[str, Any], now_ms: int, what: str) -> str:
    value = evaluate(text, context, now_ms)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ExpressionFailure(
            f"expected {what} '{text}' to evaluate to a string, but it was {_describe(value)}"
        )
    return str(value)


def evaluate_int(text: str, context: Mapping[str, Any], now_ms: int, what: str) -> int:
    value = evaluate(text, context, now_ms)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExpressionFailure(
            f"expected {what} '{text}' to evaluate to a number, but it was {_describe(value)}"
        )
    return int(value)


def evaluate_bool(text: str, context: Mapping[str, Any], now_ms: int, what: str) -> bool:
    value = evaluate(text, context, now_ms)
    if not isinstance(value, bool):
        raise ExpressionFailure(
            f"expected {what} '{text}' to evaluate to a boolean, but it was {_describe(value)}"
        )
    return value


def evaluate_list(text: str, context: Mapping[str, Any], now_ms: int, what: str) -> list[str]:
    """Candidate groups/users: a FEEL list of strings or a comma-separated static text."""
    value = evaluate(text, context, now_ms)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ExpressionFailure(
        f"expected {what} '{text}' to evaluate to a list of strings, but it was {_describe(value)}"
    )


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"[:200]
