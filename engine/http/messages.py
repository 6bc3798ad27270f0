"""Camunda 8.8's message endpoints: publish (buffered for its time to live) and correlate
(delivered now to a waiting instance or a message start event, else 404)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.api import DEFAULT_TENANT, InvalidArgument
from engine.audit import AuditAction
from engine.http.auth import principal_of
from engine.http.body import json_object
from engine.http.context import RestContext, json_variables
from engine.http.endpoint import Endpoint
from engine.http.int64 import NON_NEGATIVE_INT64_SCHEMA, int64
from engine.http.schemas import KEY, NAME, TEXT, nullable, obj


def _message(body: dict[str, Any], *, publishing: bool) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidArgument("name must be a non-empty string")
    correlation_key = body.get("correlationKey")
    correlation_key = "" if correlation_key is None else correlation_key
    if not isinstance(correlation_key, str):
        raise InvalidArgument("correlationKey must be a string")
    variables = json_variables(body.get("variables"))
    tenant = body.get("tenantId")
    tenant = DEFAULT_TENANT if tenant in (None, "") else tenant
    if not isinstance(tenant, str):
        raise InvalidArgument("tenantId must be a string")
    raw_ttl = body.get("timeToLive", 0) if publishing else 0
    ttl = 0 if raw_ttl is None else int64(raw_ttl)
    if ttl is None or ttl < 0:
        raise InvalidArgument("timeToLive must be a non-negative integer (milliseconds)")
    message_id = body.get("messageId") if publishing else ""
    message_id = "" if message_id is None else message_id
    if not isinstance(message_id, str):
        raise InvalidArgument("messageId must be a string")
    return {
        "name": name,
        "correlation_key": correlation_key,
        "time_to_live_ms": ttl,
        "message_id": message_id,
        "variables": variables,
        "tenant_id": tenant,
    }


def message_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def publish(request: Request) -> Response:
        message = _message(await json_object(request), publishing=True)
        principal = principal_of(request)
        with ctx.audited(
            principal,
            AuditAction.MESSAGE_PUBLISHED,
            lambda done: {"messageKey": done.key},
            {"name": message["name"], "correlationKey": message["correlation_key"]},
        ):
            published = await ctx.service.publish_message(**message)
        return JSONResponse({"tenantId": published.tenant_id, "messageKey": str(published.key)})

    async def correlate(request: Request) -> Response:
        message = _message(await json_object(request), publishing=False)
        principal = principal_of(request)
        with ctx.audited(
            principal,
            AuditAction.MESSAGE_CORRELATED,
            lambda done: {"processInstanceKey": done[1]},
            {"name": message["name"], "correlationKey": message["correlation_key"]},
        ):
            published, instance = await ctx.service.correlate_message(
                message["name"],
                message["correlation_key"],
                message["variables"],
                message["tenant_id"],
            )
        return JSONResponse(
            {
                "tenantId": published.tenant_id,
                "messageKey": str(published.key),
                "processInstanceKey": str(instance),
            }
        )

    request_body = obj(
        ["name"],
        name=NAME,
        correlationKey=nullable(TEXT),
        variables=nullable({"type": "object"}),
        tenantId=nullable(TEXT),
    )
    return [
        Endpoint(
            "POST",
            "/messages/publication",
            publish,
            "Publish a message",
            "publish-message",
            request_body
            | {
                "properties": request_body["properties"]
                | {"timeToLive": nullable(NON_NEGATIVE_INT64_SCHEMA), "messageId": nullable(TEXT)}
            },
            response_schema=obj(["messageKey"], tenantId=TEXT, messageKey=KEY),
        ),
        Endpoint(
            "POST",
            "/messages/correlation",
            correlate,
            "Correlate a message to a waiting instance (404 when none waits)",
            "correlate-message",
            request_body,
            response_schema=obj(
                ["messageKey", "processInstanceKey"],
                tenantId=TEXT,
                messageKey=KEY,
                processInstanceKey=KEY,
            ),
        ),
    ]
