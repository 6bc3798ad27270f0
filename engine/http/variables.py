"""Camunda 8.8's `POST /v2/variables/search` and `GET /v2/variables/{variableKey}`. Values are JSON
text, as in 8.8: a search cuts long values and flags them `isTruncated`, the single get gives the
whole value. Officers see only the variables of the cases (call-activity trees) they have tasks
in, managers and admins all.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.api import NotFound
from engine.http.auth import principal_of
from engine.http.context import RestContext, optional_json_object, path_key
from engine.http.endpoint import Endpoint
from engine.http.process_instances import instance_restrictions
from engine.http.schemas import VARIABLE, WHOLE_VARIABLE
from engine.http.search import VARIABLES, parse_search_request, request_schema, response_schema
from engine.http.views import present, searched_variable


def variable_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def search(request: Request) -> Response:
        body = await optional_json_object(request)
        read = await ctx.reads()
        restrictions = instance_restrictions(read, principal_of(request))
        query = parse_search_request(body, VARIABLES, restrictions=restrictions)
        result = read.search(query).to_json()
        result["items"] = [searched_variable(item) for item in result["items"]]
        return JSONResponse(result)

    async def get(request: Request) -> Response:
        key = path_key(request.path_params["variableKey"], "variableKey")
        read = await ctx.reads()
        # The search's own visibility rules, so an officer cannot read around them by key.
        restrictions = [
            *instance_restrictions(read, principal_of(request)),
            {"variableKey": str(key)},
        ]
        found = read.search(parse_search_request({}, VARIABLES, restrictions=restrictions))
        if not found.items:
            raise NotFound(f"Variable with key '{key}' not found")
        item = dict(found.items[0])
        item.pop("isTruncated", None)
        return JSONResponse(present(item))

    return [
        Endpoint(
            "POST",
            "/variables/search",
            search,
            "Search variables (officers: only of the cases they have tasks in)",
            "search-variables",
            request_schema(VARIABLES),
            response_schema=response_schema(VARIABLE),
        ),
        Endpoint(
            "GET",
            "/variables/{variableKey}",
            get,
            "A variable with its whole value (officers: only of the cases they have tasks in)",
            "get-variable",
            response_schema=WHOLE_VARIABLE,
        ),
    ]
