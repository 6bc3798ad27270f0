"""`GET /v2/audit`: OUR EXTENSION, not part of Camunda's API. Admins page through the audit trail
(query parameters in engine.audit.listing) in the same `{items, page}` envelope as the searches.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.access import Permission, require
from engine.audit import audit_page, audit_query
from engine.http.auth import principal_of
from engine.http.context import RestContext
from engine.http.endpoint import Endpoint
from engine.http.schemas import INTEGER, TEXT, obj
from engine.http.search import response_schema

AUDIT_ENTRY = obj(
    ["sequence", "timestamp", "actor", "action", "prevHash", "hash"],
    sequence=INTEGER,
    timestamp={"type": "integer", "description": "epoch milliseconds, engine clock"},
    actor=TEXT,
    action=TEXT,
    subjectKeys={"type": "object", "additionalProperties": TEXT},
    details={"type": "object"},
    prevHash={"type": "string", "description": "sha256 of the entry before (64 zeros first)"},
    hash={"type": "string", "description": "sha256 of this entry's canonical JSON"},
)


def audit_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def listing(request: Request) -> Response:
        require(principal_of(request), Permission.READ_AUDIT)
        query = audit_query(dict(request.query_params))
        return JSONResponse(audit_page(ctx.trail, query))

    return [
        Endpoint(
            "GET",
            "/audit",
            listing,
            "EXTENSION (not in Camunda 8.8): read the hash-chained audit trail. Query "
            "parameters: actor, action, one of processInstanceKey/userTaskKey/incidentKey/"
            "deploymentKey/jobKey, from, to (epoch ms), after (endCursor), limit (1-1000)",
            response_schema=response_schema(AUDIT_ENTRY),
            permission="admin",
            tags=("extension",),
        )
    ]
