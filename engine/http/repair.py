"""Operate's repair tools over /v2: process instance modification and migration, as Camunda 8.8's
`POST /v2/process-instances/{processInstanceKey}/modification` and `.../migration`.

Only the request's shape is checked here; what may be activated, terminated or mapped is the
engine's rule, the same for gRPC. Only admins may use either, as the engine decides
(engine/access/rules.py).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine.api import ActivateInstruction, InvalidArgument, MappingInstruction, VariableInstruction
from engine.audit import AuditAction
from engine.http.auth import principal_of
from engine.http.body import json_object
from engine.http.context import RestContext, json_variables, path_key
from engine.http.endpoint import Endpoint
from engine.http.int64 import whole_number
from engine.http.schemas import KEY, NAME, NO_CONTENT, TEXT, obj

_OPERATION_REFERENCE = {"type": "integer", "format": "int64", "minimum": 1}
MODIFICATION = obj(
    operationReference=_OPERATION_REFERENCE,
    activateInstructions={
        "type": "array",
        "items": obj(
            ["elementId"],
            elementId=NAME,
            ancestorElementInstanceKey={"oneOf": [{"const": "-1"}, KEY], "default": "-1"},
            variableInstructions={
                "type": "array",
                "items": obj(["variables"], variables={"type": "object"}, scopeId=TEXT),
            },
        ),
    },
    terminateInstructions={
        "type": "array",
        "items": obj(["elementInstanceKey"], elementInstanceKey=KEY),
    },
)
MIGRATION = obj(
    ["targetProcessDefinitionKey", "mappingInstructions"],
    targetProcessDefinitionKey=KEY,
    operationReference=_OPERATION_REFERENCE,
    mappingInstructions={
        "type": "array",
        "items": obj(
            ["sourceElementId", "targetElementId"], sourceElementId=NAME, targetElementId=NAME
        ),
    },
)


def _key(value: Any, name: str) -> int:
    """An 8.8 key: a string of digits (an integer is taken too, as the int64 fields allow)."""
    number = whole_number(value)
    if number is not None and number > 0:
        return number
    if isinstance(value, str):
        return path_key(value, name)
    raise InvalidArgument(f"{name} must be a key (a string of digits), got {value!r}")


def _text(item: dict[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{where}.{name} must be a non-empty string")
    return value


def _array(body: dict[str, Any], name: str, required: bool = False) -> list[dict[str, Any]]:
    value = body.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidArgument(f"{name} must be an array of objects")
    return value


def _operation_reference(body: dict[str, Any]) -> None:
    value = body.get("operationReference")
    if value is None:
        return
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    value = whole_number(value)
    if value is None or value < 1:
        raise InvalidArgument("operationReference must be an integer greater than 0")


def _activation(item: dict[str, Any], index: int) -> ActivateInstruction:
    where = f"activateInstructions[{index}]"
    ancestor = item.get("ancestorElementInstanceKey", "-1")
    ancestor_key = -1 if ancestor in ("-1", -1, None) else _key(ancestor, f"{where}.ancestor")
    variables: list[VariableInstruction] = []
    for n, variable in enumerate(_array(item, "variableInstructions")):
        if "variables" not in variable:
            raise InvalidArgument(f"{where}.variableInstructions[{n}].variables is required")
        scope_id = variable.get("scopeId", "") or ""
        if not isinstance(scope_id, str):
            raise InvalidArgument(f"{where}.variableInstructions[{n}].scopeId must be a string")
        variables.append(
            VariableInstruction(json_variables(variable["variables"], "variables"), scope_id)
        )
    return ActivateInstruction(_text(item, "elementId", where), ancestor_key, tuple(variables))


def repair_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def modify(request: Request) -> Response:
        key = path_key(request.path_params["processInstanceKey"], "processInstanceKey")
        body = await json_object(request)
        principal = principal_of(request)
        _operation_reference(body)
        activate = [_activation(a, i) for i, a in enumerate(_array(body, "activateInstructions"))]
        terminate = [
            _key(t.get("elementInstanceKey"), f"terminateInstructions[{i}].elementInstanceKey")
            for i, t in enumerate(_array(body, "terminateInstructions"))
        ]
        with ctx.audited(
            principal,
            AuditAction.PROCESS_INSTANCE_MODIFIED,
            {"processInstanceKey": key},
            {
                "activate": [a.element_id for a in activate],
                "terminate": [str(t) for t in terminate],
            },
        ):
            await ctx.service.modify_process_instance(key, activate, terminate)
        return Response(status_code=204)

    async def migrate(request: Request) -> Response:
        key = path_key(request.path_params["processInstanceKey"], "processInstanceKey")
        body = await json_object(request)
        principal = principal_of(request)
        _operation_reference(body)
        if "targetProcessDefinitionKey" not in body:
            raise InvalidArgument("targetProcessDefinitionKey is required")
        target = _key(body["targetProcessDefinitionKey"], "targetProcessDefinitionKey")
        mappings = [
            MappingInstruction(
                _text(m, "sourceElementId", f"mappingInstructions[{i}]"),
                _text(m, "targetElementId", f"mappingInstructions[{i}]"),
            )
            for i, m in enumerate(_array(body, "mappingInstructions", required=True))
        ]
        with ctx.audited(
            principal,
            AuditAction.PROCESS_INSTANCE_MIGRATED,
            {"processInstanceKey": key},
            {
                "targetProcessDefinitionKey": str(target),
                "mappings": [[m.source_element_id, m.target_element_id] for m in mappings],
            },
        ):
            await ctx.service.migrate_process_instance(key, target, mappings)
        return Response(status_code=204)

    instance = "/process-instances/{processInstanceKey}"
    return [
        Endpoint(
            "POST",
            f"{instance}/modification",
            modify,
            "Modify a process instance (activate elements, terminate element instances)",
            "modify-process-instance",
            MODIFICATION,
            response_schema=NO_CONTENT,
            body_required=True,
            success_status=204,
            permission="admin",
        ),
        Endpoint(
            "POST",
            f"{instance}/migration",
            migrate,
            "Migrate a process instance to another process definition",
            "migrate-process-instance",
            MIGRATION,
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
        ),
    ]
