"""Camunda 8.8's process instance endpoints (/v2/process-instances).

Managers and admins see every instance; an officer sees only the cases they work on: every
instance of a call-activity tree (the case and its stages) in which they may see at least one
user task, open or finished. Only admins cancel.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.access import (
    Permission,
    Principal,
    can_view_user_task,
    has_permission,
    require,
    user_task_visibility_filter,
)
from engine.api import (
    DEFAULT_TENANT,
    EngineError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ReadModel,
)
from engine.audit import AuditAction
from engine.http.auth import principal_of
from engine.http.cancellation import (
    CANCELLATION_VARIABLE,
    REASON,
    UNIDENTIFIED_REASON,
    cancellation_reason,
)
from engine.http.context import (
    RestContext,
    find,
    json_variables,
    optional_json_object,
    path_key,
)
from engine.http.endpoint import Endpoint
from engine.http.int64 import INT64_SCHEMA, NON_NEGATIVE_INT64_SCHEMA, int64, whole_number
from engine.http.schemas import (
    ELEMENT_STATISTICS,
    INCIDENT,
    INTEGER,
    KEY,
    NAME,
    NO_CONTENT,
    PROCESS_INSTANCE,
    TEXT,
    obj,
)
from engine.http.search import (
    INCIDENTS,
    PROCESS_INSTANCES,
    USER_TASKS,
    every_match,
    parse_search_request,
    request_schema,
    response_schema,
)
from engine.http.views import present

CREATED = obj(
    ["processInstanceKey"],
    processDefinitionId=TEXT,
    processDefinitionVersion=INTEGER,
    tenantId=TEXT,
    variables={"type": "object"},
    processDefinitionKey=KEY,
    processInstanceKey=KEY,
)


class DeadlineExceeded(EngineError):
    status = "DEADLINE_EXCEEDED"
    http_status = 504
    title = "DEADLINE_EXCEEDED"


def _awaiting(body: dict[str, Any]) -> tuple[list[str], int] | None:
    """8.8's awaitCompletion, fetchVariables and requestTimeout (ms, 0 = the default)."""
    wait = body.get("awaitCompletion", False)
    if not isinstance(wait, bool):
        raise InvalidArgument("awaitCompletion must be true or false")
    if not wait:
        return None
    fetch = body.get("fetchVariables")
    fetch = [] if fetch is None else fetch
    if not isinstance(fetch, list) or not all(isinstance(name, str) for name in fetch):
        raise InvalidArgument("fetchVariables must be an array of variable names")
    timeout = int64(body.get("requestTimeout") or 0)
    if timeout is None or timeout < 0:
        raise InvalidArgument("requestTimeout must be a non-negative integer (milliseconds)")
    return fetch, timeout


def involved_instances(read: ReadModel, principal: Principal) -> list[str]:
    """The instances an officer works on: every instance of the cases (call-activity trees) in
    which they may see a user task."""
    visibility = user_task_visibility_filter(principal)
    query = parse_search_request(
        {}, USER_TASKS, restrictions=[visibility] if visibility is not None else []
    )
    seeds = {
        int(task["processInstanceKey"])
        for task in every_match(read, query)
        if task.get("processInstanceKey") and can_view_user_task(principal, task)
    }
    return sorted(str(key) for key in read.same_tree_instances(seeds))


def instance_restrictions(read: ReadModel, principal: Principal) -> list[dict[str, Any]]:
    if has_permission(principal, Permission.SEARCH_PROCESS_INSTANCES):
        return []
    return [{"processInstanceKey": {"$in": involved_instances(read, principal)}}]


def process_instance_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def instance_for(request: Request) -> tuple[int, dict[str, Any]]:
        key = path_key(request.path_params["processInstanceKey"], "processInstanceKey")
        read = await ctx.reads()
        item = find(read, PROCESS_INSTANCES.name, key, "Process instance")
        principal = principal_of(request)
        if not has_permission(principal, Permission.SEARCH_PROCESS_INSTANCES) and str(
            key
        ) not in involved_instances(read, principal):
            raise PermissionDenied(
                f"user {principal.username!r} has no user task in the case of process instance "
                f"{key}; "
                "reading other cases needs the manager role"
            )
        return key, item

    async def create(request: Request) -> Response:
        body = await optional_json_object(request)
        principal = principal_of(request)
        process_id = body.get("processDefinitionId")
        raw_key = body.get("processDefinitionKey")
        if (process_id is None) == (raw_key is None):
            raise InvalidArgument(
                "give exactly one of processDefinitionId and processDefinitionKey"
            )
        if process_id is not None and (not isinstance(process_id, str) or not process_id):
            raise InvalidArgument("processDefinitionId must be a non-empty string")
        definition_key = None
        if raw_key is not None:
            definition_key = path_key(str(raw_key), "processDefinitionKey")
            if definition_key == 0:  # keys start at 1; 0 would read as "no key given"
                raise NotFound("Process definition with key '0' not found")
        version = body.get("processDefinitionVersion", -1)
        if version is None:
            version = -1
        version = whole_number(version)
        if version is None:
            raise InvalidArgument("processDefinitionVersion must be an integer")
        variables = json_variables(body.get("variables"))
        tenant = body.get("tenantId")
        tenant = DEFAULT_TENANT if tenant in (None, "") else tenant
        if not isinstance(tenant, str):
            raise InvalidArgument("tenantId must be a string")
        starts = body.get("startInstructions")
        starts = [] if starts is None else starts
        if not isinstance(starts, list) or not all(
            isinstance(s, dict) and isinstance(s.get("elementId"), str) for s in starts
        ):
            raise InvalidArgument("startInstructions must be an array of {elementId} objects")
        wait = _awaiting(body)
        with ctx.audited(
            principal,
            AuditAction.PROCESS_INSTANCE_CREATED,
            lambda done: {"processInstanceKey": done.process_instance_key},
            lambda done: {"processDefinitionId": done.bpmn_process_id, "variables": variables},
        ):
            created = await ctx.service.create_process_instance(
                bpmn_process_id=process_id,
                process_definition_key=definition_key,
                version=version,
                variables=variables,
                start_element_ids=[s["elementId"] for s in starts],
                tenant_id=tenant,
            )
        result: dict[str, Any] = {}
        if wait is not None:
            fetch, timeout_ms = wait
            try:
                finished = await ctx.service.await_process_instance_result(
                    created.process_instance_key, fetch, timeout_ms
                )
            except TimeoutError:
                raise DeadlineExceeded(
                    f"Process instance '{created.process_instance_key}' was created but did not "
                    f"complete within {timeout_ms or 'the default'} ms"
                ) from None
            result = finished.variables
        return JSONResponse(
            {
                "processDefinitionId": created.bpmn_process_id,
                "processDefinitionVersion": created.version,
                "tenantId": created.tenant_id,
                "variables": result,
                "processDefinitionKey": str(created.process_definition_key),
                "processInstanceKey": str(created.process_instance_key),
            }
        )

    async def search(request: Request) -> Response:
        body = await optional_json_object(request)
        read = await ctx.reads()
        restrictions = instance_restrictions(read, principal_of(request))
        query = parse_search_request(body, PROCESS_INSTANCES, restrictions=restrictions)
        return JSONResponse(read.search(query).to_json())

    async def get(request: Request) -> Response:
        _, item = await instance_for(request)
        return JSONResponse(present(item))

    async def cancel(request: Request) -> Response:
        body = await optional_json_object(request)
        principal = principal_of(request)
        # Asked of the engine's table before the reason is validated, so that a caller who may
        # not cancel at all hears that first; the engine decides the command itself again.
        require(principal, Permission.CANCEL_PROCESS_INSTANCE)
        key = path_key(request.path_params["processInstanceKey"], "processInstanceKey")
        reason = cancellation_reason(body, principal)
        recorded = {"reason": reason, "cancelledBy": principal.username} if reason else None
        with ctx.audited(
            principal,
            AuditAction.PROCESS_INSTANCE_CANCELED,
            {"processInstanceKey": key},
            {"reason": reason or UNIDENTIFIED_REASON},
        ):
            await ctx.service.cancel_process_instance(
                key, {CANCELLATION_VARIABLE: recorded} if recorded else None
            )
        return Response(status_code=204)

    async def incidents(request: Request) -> Response:
        body = await optional_json_object(request)
        require(principal_of(request), Permission.SEARCH_INCIDENTS)
        key, _ = await instance_for(request)
        query = parse_search_request(
            body, INCIDENTS, restrictions=[{"processInstanceKey": str(key)}]
        )
        return JSONResponse(ctx.read.search(query).to_json())

    async def statistics(request: Request) -> Response:
        require(principal_of(request), Permission.READ_STATISTICS)
        key, _ = await instance_for(request)
        return JSONResponse({"items": ctx.read.element_statistics([key])})

    instance = "/process-instances/{processInstanceKey}"
    return [
        Endpoint(
            "POST",
            "/process-instances",
            create,
            "Create a process instance",
            "create-process-instance",
            obj(
                processDefinitionId=NAME,
                processDefinitionKey=KEY,
                processDefinitionVersion=INTEGER,
                variables={"type": "object"},
                tenantId=TEXT,
                startInstructions={"type": "array", "items": obj(["elementId"], elementId=TEXT)},
                awaitCompletion={"type": "boolean"},
                fetchVariables={"type": "array", "items": TEXT},
                requestTimeout=NON_NEGATIVE_INT64_SCHEMA,
            )
            | {
                "oneOf": [
                    {"required": ["processDefinitionId"]},
                    {"required": ["processDefinitionKey"]},
                ]
            },
            response_schema=CREATED,
            responses={
                "504": "awaitCompletion: the instance was created but did not complete within "
                "requestTimeout ms (0: the engine's default wait); the problem names its key"
            },
        ),
        Endpoint(
            "POST",
            "/process-instances/search",
            search,
            "Search process instances (officers: only the cases they have tasks in)",
            "search-process-instances",
            request_schema(PROCESS_INSTANCES),
            response_schema=response_schema(PROCESS_INSTANCE),
        ),
        Endpoint(
            "GET",
            instance,
            get,
            "Get a process instance",
            "get-process-instance",
            response_schema=PROCESS_INSTANCE,
            permission="manager, admin, or an officer with a task in its case",
        ),
        Endpoint(
            "POST",
            f"{instance}/cancellation",
            cancel,
            "Cancel a process instance",
            "cancel-process-instance",
            obj(["reason"], operationReference=INT64_SCHEMA, reason=REASON),
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
        ),
        Endpoint(
            "POST",
            f"{instance}/incidents/search",
            incidents,
            "Search the incidents of a process instance",
            "search-process-instance-incidents",
            request_schema(INCIDENTS),
            response_schema=response_schema(INCIDENT),
            permission="manager or admin",
        ),
        Endpoint(
            "GET",
            f"{instance}/statistics/element-instances",
            statistics,
            "Element instance statistics of a process instance",
            "get-process-instance-statistics",
            response_schema=ELEMENT_STATISTICS,
            permission="manager or admin",
        ),
    ]
