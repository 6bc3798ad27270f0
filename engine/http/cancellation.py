"""Why a case was cancelled: `POST /v2/process-instances/{key}/cancellation` needs a `reason`.

An extension of Camunda's request (which carries only `operationReference`): a discipline
commission's case does not end without a recorded reason. The reason goes into the audit trail
and, as the variable `cancellation` ({reason, cancelledBy}) set in the same command as the
cancellation, into the case's own history, where the desk shows it.

The rule binds people: a caller the engine identified (every caller when authentication is on)
must give a reason. In the `--no-auth` development mode nobody is identified, so no name and no
reason could be kept; there Camunda's own clients, which know nothing of the extension, cancel
as they do on Camunda 8 (the conformance suites run that way), and the audit says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.access import Principal
from engine.api import InvalidArgument

CANCELLATION_VARIABLE = "cancellation"
MAX_REASON_LENGTH = 500
# Blank reasons are refused: at least one character that is not white space.
REASON: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_REASON_LENGTH,
    "pattern": "\\S",
}
UNIDENTIFIED_REASON = "未说明理由（开发模式：未验证身份）"


def cancellation_reason(body: Mapping[str, Any], principal: Principal) -> str | None:
    """The reason given; None only for an unidentified caller (--no-auth) who gave none."""
    reason = body.get("reason")
    if reason is None and principal.unrestricted:
        return None
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
