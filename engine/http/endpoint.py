"""One declaration per /v2 endpoint: the route Starlette serves and the entry our OpenAPI document
describes come from the same object, so the document cannot drift from what is served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

Handler = Callable[[Request], Awaitable[Response]]

CAMUNDA_DOCS = "https://docs.camunda.io/docs/8.8/apis-tools/orchestration-cluster-api-rest/"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # relative to /v2, Starlette syntax: /user-tasks/{userTaskKey}
    handler: Handler
    summary: str
    # The Camunda 8.8 page documenting the same endpoint (slug under specifications/), or "" for
    # our own extensions.
    camunda_doc: str = ""
    request_schema: Mapping[str, Any] | None = None
    request_media_type: str = "application/json"
    response_schema: Mapping[str, Any] | None = None
    success_status: int = 200
    permission: str = "any authenticated user"
    public: bool = False  # served without credentials
    tags: Sequence[str] = field(default_factory=tuple)
    # Whether a request must carry a body; None: when its schema requires some field.
    body_required: bool | None = None
    # Statuses this endpoint answers besides success and the common errors, with why.
    responses: Mapping[str, str] = field(default_factory=dict)

    @property
    def doc_url(self) -> str:
        return f"{CAMUNDA_DOCS}specifications/{self.camunda_doc}/" if self.camunda_doc else ""

    def route(self) -> BaseRoute:
        return Route(self.path, self.handler, methods=[self.method])


def routes(endpoints: Sequence[Endpoint]) -> list[BaseRoute]:
    return [endpoint.route() for endpoint in endpoints]
