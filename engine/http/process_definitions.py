"""Camunda 8.8's process definition endpoints (/v2/process-definitions): search, get, XML, start
form and element statistics. Any signed-in user reads definitions; statistics need a manager.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.access import Permission, require
from engine.api import InvalidArgument, NotFound
from engine.http.auth import principal_of
from engine.http.context import RestContext, optional_json_object, path_key
from engine.http.endpoint import Endpoint
from engine.http.schemas import ELEMENT_STATISTICS, FORM, PROCESS_DEFINITION, obj
from engine.http.search import (
    PROCESS_DEFINITIONS,
    PROCESS_INSTANCES,
    every_match,
    parse_search_request,
    request_schema,
    response_schema,
)
from engine.http.search import search as run_search
from engine.http.user_tasks import form_item
from engine.http.views import present

_FILTER_ONLY = ("isLatestVersion",)


def process_definition_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def definition_for(request: Request) -> tuple[int, dict[str, Any]]:
        require(principal_of(request), Permission.READ_PROCESS_DEFINITIONS)
        key = path_key(request.path_params["processDefinitionKey"], "processDefinitionKey")
        item = next(
            (
                d
                for d in (await ctx.reads()).process_definitions()
                if d["processDefinitionKey"] == str(key)
            ),
            None,
        )
        if item is None:
            raise NotFound(f"Process definition with key '{key}' not found")
        return key, item

    async def search(request: Request) -> Response:
        body = await optional_json_object(request)
        require(principal_of(request), Permission.READ_PROCESS_DEFINITIONS)
        result = run_search(body, PROCESS_DEFINITIONS, (await ctx.reads()).process_definitions())
        result["items"] = [present(_public(item)) for item in result["items"]]
        return JSONResponse(result)

    async def get(request: Request) -> Response:
        _, item = await definition_for(request)
        return JSONResponse(present(_public(item)))

    async def xml(request: Request) -> Response:
        key, _ = await definition_for(request)
        resource = ctx.read.process_definition_xml(key)
        if resource is None:
            raise NotFound(f"Process definition with key '{key}' not found")
        return Response(resource, media_type="text/xml; charset=utf-8")

    async def start_form(request: Request) -> Response:
        key, item = await definition_for(request)
        form_id = ctx.read.start_form_id(key)
        forms = [
            f
            for f in ctx.read.forms()
            if f["formId"] == form_id and f["tenantId"] == item["tenantId"]
        ]
        if not forms:
            return Response(status_code=204)
        # Like a user task's formId binding: the latest deployed version of the form.
        return JSONResponse(form_item(max(forms, key=lambda f: int(f["version"]))))

    async def statistics(request: Request) -> Response:
        body = await optional_json_object(request)
        require(principal_of(request), Permission.READ_STATISTICS)
        key, _ = await definition_for(request)
        if set(body) - {"filter"}:
            raise InvalidArgument("the statistics request accepts only 'filter'")
        query = parse_search_request(
            {"filter": body["filter"]} if "filter" in body else {},
            PROCESS_INSTANCES,
            restrictions=[{"processDefinitionKey": str(key)}],
        )
        instances = [int(i["processInstanceKey"]) for i in every_match(ctx.read, query)]
        return JSONResponse({"items": ctx.read.element_statistics(instances)})

    definition = "/process-definitions/{processDefinitionKey}"
    return [
        Endpoint(
            "POST",
            "/process-definitions/search",
            search,
            "Search process definitions",
            "search-process-definitions",
            request_schema(PROCESS_DEFINITIONS),
            response_schema=response_schema(PROCESS_DEFINITION),
        ),
        Endpoint(
            "GET",
            definition,
            get,
            "Get a process definition",
            "get-process-definition",
            response_schema=PROCESS_DEFINITION,
        ),
        Endpoint(
            "GET",
            f"{definition}/xml",
            xml,
            "Get the BPMN XML of a process definition",
            "get-process-definition-xml",
            response_schema={"type": "string", "description": "BPMN 2.0 XML (text/xml)"},
        ),
        Endpoint(
            "GET",
            f"{definition}/form",
            start_form,
            "Get the start form of a process definition (204 when there is none)",
            "get-start-process-form",
            response_schema=FORM,
        ),
        Endpoint(
            "POST",
            f"{definition}/statistics/element-instances",
            statistics,
            "Element instance statistics of a process definition",
            "get-process-definition-statistics",
            obj(filter={"type": "object", "description": "a process instance search filter"}),
            response_schema=ELEMENT_STATISTICS,
            permission="manager or admin",
        ),
    ]


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _FILTER_ONLY}
