"""Camunda's "Get cluster topology" (GET /v2/topology), for the single embedded broker."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from engine.gateway.topology import ClusterInfo


def topology_routes(cluster: Callable[[], ClusterInfo]) -> list[BaseRoute]:
    async def topology(request: Request) -> JSONResponse:
        return JSONResponse(cluster().as_rest_json())

    return [Route("/topology", topology, methods=["GET"])]
