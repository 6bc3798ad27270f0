"""Reading the trail over HTTP: `GET /v2/audit` is our extension (Camunda 8.8 has no such endpoint,
hence no Camunda-shaped request); it takes query parameters and answers in the same `{items,
page}` envelope as the /v2 searches, so clients page through it the same way.

Parameters (all optional): `actor`, `action`, one subject key (`processInstanceKey`,
`userTaskKey`, `incidentKey`, `deploymentKey`, `jobKey`), `from` / `to` (epoch ms, `to`
exclusive), `after` (the `endCursor` of the previous page) and `limit` (1 to 1000, default 100).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.api import InvalidArgument
from engine.audit.entry import AuditAction
from engine.audit.trail import MAX_PAGE, AuditQuery, AuditTrail

AUDIT_PATH = "/v2/audit"
SUBJECT_KEYS = ("processInstanceKey", "userTaskKey", "incidentKey", "deploymentKey", "jobKey")
_PARAMETERS = frozenset({"actor", "action", "from", "to", "after", "limit", *SUBJECT_KEYS})


def audit_query(params: Mapping[str, str]) -> AuditQuery:
    unknown = sorted(set(params) - _PARAMETERS)
    if unknown:
        allowed = ", ".join(sorted(_PARAMETERS))
        raise InvalidArgument(f"unknown audit query parameter {unknown[0]!r} (allowed: {allowed})")
    action = params.get("action")
    if action is not None and action not in AuditAction.__members__:
        raise InvalidArgument(
            f"query parameter 'action' must be one of {', '.join(a.value for a in AuditAction)}"
        )
    subjects = [(name, params[name]) for name in SUBJECT_KEYS if name in params]
    if len(subjects) > 1:
        raise InvalidArgument("give at most one subject key parameter")
    for name, value in subjects:
        _number(value, name)
    limit = _number(params["limit"], "limit") if "limit" in params else 100
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidArgument(f"query parameter 'limit' must be from 1 to {MAX_PAGE}")
    return AuditQuery(
        actor=params.get("actor") or None,
        action=action,
        subject_key=subjects[0] if subjects else None,
        from_timestamp=_number(params["from"], "from") if "from" in params else None,
        to_timestamp=_number(params["to"], "to") if "to" in params else None,
        after_sequence=_number(params["after"], "after") if "after" in params else 0,
        limit=limit,
    )


def audit_page(trail: AuditTrail, query: AuditQuery) -> dict[str, Any]:
    entries = trail.entries(query)
    return {
        "items": [entry.to_json() for entry in entries],
        "page": {
            "totalItems": trail.count(query),
            # Sequences are the cursors; only `after` pages (the trail is read oldest first).
            "startCursor": str(entries[0].sequence) if entries else None,
            "endCursor": str(entries[-1].sequence) if entries else None,
        },
    }


def _number(value: str, name: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise InvalidArgument(f"query parameter {name!r} must be a non-negative integer")
    return int(value)
