"""Camunda 8.8's incident endpoints: managers search and read incidents, only admins resolve."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.access import Permission, require
from engine.audit import AuditAction
from engine.http.auth import principal_of
from engine.http.context import RestContext, find, optional_json_object, path_key
from engine.http.endpoint import Endpoint
from engine.http.schemas import INCIDENT, NO_CONTENT
from engine.http.search import INCIDENTS, parse_search_request, request_schema, response_schema
from engine.http.views import present


def incident_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def search(request: Request) -> Response:
        body = await optional_json_object(request)
        require(principal_of(request), Permission.SEARCH_INCIDENTS)
        query = parse_search_request(body, INCIDENTS)
        return JSONResponse((await ctx.reads()).search(query).to_json())

    async def get(request: Request) -> Response:
        require(principal_of(request), Permission.SEARCH_INCIDENTS)
        key = path_key(request.path_params["incidentKey"], "incidentKey")
        return JSONResponse(present(find(await ctx.reads(), INCIDENTS.name, key, "Incident")))

    async def resolve(request: Request) -> Response:
        await optional_json_object(request)
        principal = principal_of(request)
        key = path_key(request.path_params["incidentKey"], "incidentKey")
        incident = (await ctx.reads()).item(INCIDENTS.name, key)
        subject = {"incidentKey": str(key)}
        if incident is not None and incident["processInstanceKey"]:
            subject["processInstanceKey"] = incident["processInstanceKey"]
        details = (
            {"errorType": incident["errorType"], "elementId": incident["elementId"]}
            if incident
            else {}
        )
        with ctx.audited(principal, AuditAction.INCIDENT_RESOLVED, subject, details):
            await ctx.service.resolve_incident(key)
        return Response(status_code=204)

    return [
        Endpoint(
            "POST",
            "/incidents/search",
            search,
            "Search incidents",
            "search-incidents",
            request_schema(INCIDENTS),
            response_schema=response_schema(INCIDENT),
            permission="manager or admin",
        ),
        Endpoint(
            "GET",
            "/incidents/{incidentKey}",
            get,
            "Get an incident",
            "get-incident",
            response_schema=INCIDENT,
            permission="manager or admin",
        ),
        Endpoint(
            "POST",
            "/incidents/{incidentKey}/resolution",
            resolve,
            "Resolve an incident",
            "resolve-incident",
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
        ),
    ]
