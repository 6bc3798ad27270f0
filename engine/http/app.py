"""The ASGI app: /v2 endpoints mounted side by side, one error format and one authentication
for all of them.

The engine-backed endpoints (user tasks, process instances, search, audit...) come from a
`RestContext` (engine.http.rest); extra plain Starlette routes may be passed as `routers`. All
raise `EngineError` subclasses and get problem+json for free. Every request but the OpenAPI
document is authenticated by `identity`; without one, everyone acts as the dev principal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.access import Identity
from engine.access.directory_admin import DirectoryAdmin
from engine.api import Engine, EngineError
from engine.gateway.topology import ClusterInfo
from engine.http.auth import Authentication
from engine.http.authentication import authentication_endpoints
from engine.http.body_limit import BodyLimit
from engine.http.clock import clock_endpoints
from engine.http.context import RestContext
from engine.http.endpoint import Endpoint, routes
from engine.http.identity_admin import identity_endpoints
from engine.http.openapi import OPENAPI_PATH, openapi_endpoint
from engine.http.problem import engine_problem, problem
from engine.http.rest import rest_endpoints
from engine.http.topology import topology_routes

log = structlog.get_logger("engine.http")


async def _engine_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, EngineError)
    return engine_problem(request, error)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    titles = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
    response = problem(
        error.status_code,
        titles.get(error.status_code, "BAD_REQUEST"),
        f"{request.method} {request.url.path}: {error.detail}",
        request.url.path,
    )
    if error.status_code == 405:
        # RFC 9110 15.5.6: a 405 names the methods the resource does serve. Starlette's own
        # header lists only the first route matching the path; a path may have several.
        allowed = _allowed_methods(request.app.router.routes, request.url.path)
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


def _allowed_methods(routes: Sequence[BaseRoute], path: str) -> set[str]:
    allowed: set[str] = set()
    for route in routes:
        if isinstance(route, Mount) and path.startswith(route.path + "/"):
            allowed |= _allowed_methods(route.routes, path[len(route.path) :])
        elif isinstance(route, Route) and route.methods and route.path_regex.fullmatch(path):
            allowed |= route.methods
    return allowed


class UnexpectedErrors:
    """Turns any escaping exception into a 500 problem, so the server answers and keeps going.

    Starlette's own `Exception` handler re-raises after answering; this one does not.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            path = str(scope.get("path", ""))
            log.error("http.unexpected_error", path=path, error=repr(error), exc_info=error)
            if started:
                raise
            response = problem(
                500,
                "INTERNAL_ERROR",
                f"Unexpected error while processing the request: {type(error).__name__}",
                path,
            )
            await response(scope, receive, send)


def _topology_endpoint(cluster: Callable[[], ClusterInfo]) -> Endpoint:
    route = topology_routes(cluster)[0]
    assert isinstance(route, Route)
    return Endpoint(
        "GET", "/topology", route.endpoint, "The cluster topology", "get-cluster-topology"
    )


def declared_endpoints(
    engine: Engine,
    cluster: Callable[[], ClusterInfo],
    rest: RestContext | None = None,
    directory_admin: DirectoryAdmin | None = None,
) -> list[Endpoint]:
    endpoints = [
        *clock_endpoints(engine),
        _topology_endpoint(cluster),
        *authentication_endpoints(),
        *(rest_endpoints(rest) if rest is not None else ()),
        *(identity_endpoints(directory_admin) if directory_admin is not None else ()),
    ]
    endpoints.append(openapi_endpoint(endpoints))
    return endpoints


def create_app(
    engine: Engine,
    cluster: Callable[[], ClusterInfo],
    routers: Sequence[Sequence[BaseRoute]] = (),
    *,
    identity: Identity | None = None,
    rest: RestContext | None = None,
    directory_admin: DirectoryAdmin | None = None,
) -> Starlette:
    """`cluster` is asked on each topology request, since the gRPC port is known only once bound.
    `rest` adds the engine-backed endpoints; `identity` turns authentication on;
    `directory_admin` lets administrators manage users, groups and tokens."""
    v2: list[BaseRoute] = routes(declared_endpoints(engine, cluster, rest, directory_admin))
    for router in routers:
        v2.extend(router)
    app = Starlette(
        routes=[Mount("/v2", routes=v2)],
        exception_handlers={EngineError: _engine_error, HTTPException: _http_error},
    )
    app.state.engine = engine
    # The topology tells nothing about cases and is what health checks poll.
    public = {f"/v2{OPENAPI_PATH}", "/v2/topology"}
    app.add_middleware(Authentication, identity=identity, public_paths=public)
    app.add_middleware(UnexpectedErrors)
    # Outermost: an oversized body is refused before anything reads it, authentication included.
    app.add_middleware(BodyLimit)
    return app
