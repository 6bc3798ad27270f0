"""Camunda 8.8's `POST /v2/element-instances/search` and `GET /v2/element-instances/{key}`: the
flow nodes instances have passed through, finished ones included. Officers see only the cases
(call-activity trees) they have tasks in.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.api import NotFound
from engine.http.auth import principal_of
from engine.http.context import RestContext, optional_json_object, path_key
from engine.http.endpoint import Endpoint
from engine.http.process_instances import instance_restrictions
from engine.http.schemas import ELEMENT_INSTANCE
from engine.http.search import (
    ELEMENT_INSTANCES,
    parse_search_request,
    request_schema,
    response_schema,
)


def element_instance_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def search(request: Request) -> Response:
        body = await optional_json_object(request)
        read = await ctx.reads()
        restrictions = instance_restrictions(read, principal_of(request))
        query = parse_search_request(body, ELEMENT_INSTANCES, restrictions=restrictions)
        return JSONResponse(read.search(query).to_json())

    async def get(request: Request) -> Response:
        key = path_key(request.path_params["elementInstanceKey"], "elementInstanceKey")
        read = await ctx.reads()
        restrictions = [
            *instance_restrictions(read, principal_of(request)),
            {"elementInstanceKey": str(key)},
        ]
        query = parse_search_request({}, ELEMENT_INSTANCES, restrictions=restrictions)
        found = read.search(query).to_json()
        if not found["items"]:
            raise NotFound(f"Element instance with key '{key}' not found")
        return JSONResponse(found["items"][0])

    return [
        Endpoint(
            "POST",
            "/element-instances/search",
            search,
            "Search element instances (officers: only in the cases they have tasks in)",
            "search-element-instances",
            request_schema(ELEMENT_INSTANCES),
            response_schema=response_schema(ELEMENT_INSTANCE),
        ),
        Endpoint(
            "GET",
            "/element-instances/{elementInstanceKey}",
            get,
            "An element instance (officers: only in the cases they have tasks in)",
            "get-element-instance",
            response_schema=ELEMENT_INSTANCE,
        ),
    ]
