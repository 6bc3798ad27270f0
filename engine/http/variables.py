"""Camunda 8.8's `POST /v2/variables/search`. Values are JSON text, as in 8.8; officers see only
the variables of the cases (call-activity trees) they have tasks in, managers and admins all.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.http.auth import principal_of
from engine.http.context import RestContext, optional_json_object
from engine.http.endpoint import Endpoint
from engine.http.process_instances import instance_restrictions
from engine.http.schemas import VARIABLE
from engine.http.search import VARIABLES, request_schema, response_schema
from engine.http.search import search as run_search


def variable_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def search(request: Request) -> Response:
        body = await optional_json_object(request)
        views = ctx.views()
        restrictions = instance_restrictions(views, principal_of(request))
        return JSONResponse(
            run_search(body, VARIABLES, views.variables.values(), restrictions=restrictions)
        )

    return [
        Endpoint(
            "POST",
            "/variables/search",
            search,
            "Search variables (officers: only of the cases they have tasks in)",
            "search-variables",
            request_schema(VARIABLES),
            response_schema=response_schema(VARIABLE),
        )
    ]
