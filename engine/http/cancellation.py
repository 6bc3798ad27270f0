"""Why a case was cancelled: `POST /v2/process-instances/{key}/cancellation` needs a `reason`.

An extension of Camunda's request (which carries only `operationReference`): a discipline
commission's case does not end without a recorded reason. The reason goes into the audit trail
and, as the variable `cancellation` ({reason, cancelledBy}) set in the same command as the
cancellation, into the case's own history, where the desk shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.api import InvalidArgument

CANCELLATION_VARIABLE = "cancellation"
MAX_REASON_LENGTH = 500
REASON: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_REASON_LENGTH}


def cancellation_reason(body: Mapping[str, Any]) -> str:
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidArgument(
            "Expected a 'reason' (non-empty text) to cancel a process instance: "
            "a cancellation is recorded with its reason"
        )
    reason = reason.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidArgument(
            f"Expected a 'reason' of at most {MAX_REASON_LENGTH} characters, but got {len(reason)}"
        )
    return reason
