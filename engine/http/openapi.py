"""`GET /v2/openapi.json`: an OpenAPI 3.1 document generated from our own endpoint declarations
(engine.http.endpoint), so it lists exactly what this engine serves. Each operation links the
Camunda 8.8 page of the endpoint it follows; our extensions are tagged `extension` and flagged
`x-extension: true`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.http.endpoint import Endpoint
from engine.http.problem import PROBLEM_JSON
from engine.http.schemas import PROBLEM

OPENAPI_PATH = "/openapi.json"
# Every path parameter is an int64 key, as engine.http.context.path_key reads it.
PATH_KEY: dict[str, Any] = {
    "type": "string",
    "pattern": "^[0-9]{1,19}$",
    "description": "an int64 key as a string of decimal digits",
}
_PARAMETER = re.compile(r"{(\w+)}")
_ERRORS = {
    "400": "The request is invalid (the detail names the field)",
    "401": "No or invalid credentials",
    "403": "The caller may not do this (the detail says why)",
    "404": "Not found",
    "409": "The resource is in a state that does not allow this",
    "500": "Unexpected error",
}


def openapi_document(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operation: dict[str, Any] = {
            "summary": endpoint.summary,
            "operationId": _operation_id(endpoint),
            "tags": list(endpoint.tags) or [endpoint.path.strip("/").split("/")[0]],
            "description": f"Allowed: {endpoint.permission}.",
        }
        if endpoint.doc_url:
            operation["externalDocs"] = {
                "description": "The Camunda 8.8 endpoint this one follows",
                "url": endpoint.doc_url,
            }
        else:
            operation["x-extension"] = True
        if endpoint.public:
            operation["security"] = []
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": PATH_KEY}
            for name in _PARAMETER.findall(endpoint.path)
        ]
        if parameters:
            operation["parameters"] = parameters
        if endpoint.request_schema is not None:
            operation["requestBody"] = {
                "required": _body_required(endpoint.request_schema)
                if endpoint.body_required is None
                else endpoint.body_required,
                "content": {endpoint.request_media_type: {"schema": dict(endpoint.request_schema)}},
            }
        success: dict[str, Any] = {"description": "Success"}
        if endpoint.response_schema:
            success["content"] = {"application/json": {"schema": dict(endpoint.response_schema)}}
        responses: dict[str, Any] = {str(endpoint.success_status): success}
        for status, description in {**_ERRORS, **endpoint.responses}.items():
            responses[status] = {
                "description": description,
                "content": {PROBLEM_JSON: {"schema": PROBLEM}},
            }
        operation["responses"] = responses
        paths.setdefault(f"/v2{endpoint.path}", {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Embedded engine /v2 API",
            "version": "8.8-subset",
            "description": (
                "The subset of Camunda 8.8's Orchestration Cluster REST API this engine serves, "
                "with the same paths and shapes; operations tagged 'extension' are ours alone."
            ),
        },
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            }
        },
        "security": [{"basic": []}, {"bearer": []}],
        "paths": paths,
    }


def _body_required(schema: Mapping[str, Any]) -> bool:
    """The handlers read a body that may be left out unless it must name something: a body
    whose schema requires a field (or one of several) cannot be empty either."""
    return bool(schema.get("required")) or "oneOf" in schema or "anyOf" in schema


def _operation_id(endpoint: Endpoint) -> str:
    if endpoint.camunda_doc:
        words = endpoint.camunda_doc.split("-")
    else:
        words = [endpoint.method.lower(), *re.findall(r"[a-z]+", endpoint.path)]
    return words[0] + "".join(w.capitalize() for w in words[1:])


def openapi_endpoint(endpoints: Sequence[Endpoint]) -> Endpoint:
    """The document's own endpoint; it describes itself too."""
    declared: list[Endpoint] = list(endpoints)

    async def document(request: Request) -> Response:
        return JSONResponse(openapi_document(declared))

    own = Endpoint(
        "GET",
        OPENAPI_PATH,
        document,
        "EXTENSION: this OpenAPI document",
        response_schema={"type": "object"},
        public=True,
        tags=("extension",),
    )
    declared.append(own)
    return own
