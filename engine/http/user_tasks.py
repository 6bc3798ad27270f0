"""Camunda 8.8's user task endpoints (/v2/user-tasks).

A caller sees a task only as `engine.access.permissions` allows; who may act on it is decided by
the engine when it processes the command, against the task as it is then (engine/access/
rules.py), for the caller the request acts as. Every assignment, update and completion is
written to the audit trail with the submitted data.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.access import require_view_user_task, user_task_visibility_filter
from engine.api import InvalidArgument, NotFound
from engine.audit import AuditAction
from engine.http.auth import principal_of
from engine.http.context import (
    RestContext,
    find,
    json_variables,
    optional_json_object,
    path_key,
)
from engine.http.endpoint import Endpoint
from engine.http.int64 import whole_number
from engine.http.schemas import (
    FORM,
    NO_CONTENT,
    STRINGS,
    USER_TASK,
    VARIABLE,
    obj,
)
from engine.http.search import (
    USER_TASK_VARIABLES,
    USER_TASKS,
    parse_search_request,
    request_schema,
    response_schema,
)
from engine.http.search import search as run_search
from engine.http.views import present, searched_variable

_CHANGEABLE = ("dueDate", "followUpDate", "candidateUsers", "candidateGroups", "priority")
_CHANGE_VALUES: dict[str, Any] = {
    "dueDate": {"type": "string"},
    "followUpDate": {"type": "string"},
    "candidateUsers": STRINGS,
    "candidateGroups": STRINGS,
    "priority": {"type": "integer", "minimum": 0, "maximum": 100},
}
# null leaves an attribute as it is, so at least one must be set to a value.
_CHANGESET: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        name: {"anyOf": [schema, {"type": "null"}]} for name, schema in _CHANGE_VALUES.items()
    },
    "anyOf": [
        {"required": [name], "properties": {name: schema}}
        for name, schema in _CHANGE_VALUES.items()
    ],
}


def user_task_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def task_for(request: Request, *, acting: bool) -> tuple[int, dict[str, Any]]:
        key = path_key(request.path_params["userTaskKey"], "userTaskKey")
        task = find(await ctx.reads(), USER_TASKS.name, key, "User task")
        require_view_user_task(principal_of(request), task)
        if acting and task["state"] != "CREATED":
            # Zeebe forgets an ended task, so 8.8 answers a command on it with NOT_FOUND.
            raise NotFound(
                f"Expected to change user task with key '{key}', but no such user task was "
                f"found (it is already {task['state'].lower()})"
            )
        return key, task

    async def search(request: Request) -> Response:
        body = await optional_json_object(request)
        visibility = user_task_visibility_filter(principal_of(request))
        restrictions = [visibility] if visibility is not None else []
        query = parse_search_request(body, USER_TASKS, restrictions=restrictions)
        return JSONResponse((await ctx.reads()).search(query).to_json())

    async def get(request: Request) -> Response:
        _, task = await task_for(request, acting=False)
        return JSONResponse(present(task))

    async def update(request: Request) -> Response:
        body = await optional_json_object(request)
        changeset = body.get("changeset")
        if changeset is None:
            changeset = {}
        if not isinstance(changeset, dict):
            raise InvalidArgument("changeset must be a JSON object")
        unknown = sorted(set(changeset) - set(_CHANGEABLE))
        if unknown:
            raise InvalidArgument(
                f"changeset.{unknown[0]} cannot be changed (allowed: {', '.join(_CHANGEABLE)})"
            )
        changes = {name: value for name, value in changeset.items() if value is not None}
        if "priority" in changes and whole_number(changes["priority"]) is not None:
            changes["priority"] = whole_number(changes["priority"])
        if not changes:
            raise InvalidArgument("changeset must change at least one of " + ", ".join(_CHANGEABLE))
        key, task = await task_for(request, acting=True)
        principal = principal_of(request)
        with ctx.audited(
            principal, AuditAction.USER_TASK_UPDATED, _subject(task), {"changes": changes}
        ):
            await ctx.service.update_user_task(key, changes)
        return Response(status_code=204)

    async def assign(request: Request) -> Response:
        body = await optional_json_object(request)
        assignee = body.get("assignee")
        if not isinstance(assignee, str) or not assignee.strip():
            raise InvalidArgument("assignee must be a non-empty string")
        allow_override = body.get("allowOverride", True)
        if allow_override is None:
            allow_override = True
        if not isinstance(allow_override, bool):
            raise InvalidArgument("allowOverride must be true or false")
        key, task = await task_for(request, acting=True)
        principal = principal_of(request)
        with ctx.audited(
            principal,
            AuditAction.USER_TASK_ASSIGNED,
            _subject(task),
            {"assignee": assignee, "previousAssignee": task["assignee"]},
        ):
            await ctx.service.assign_user_task(key, assignee, allow_override)
        return Response(status_code=204)

    async def unassign(request: Request) -> Response:
        key, task = await task_for(request, acting=True)
        principal = principal_of(request)
        with ctx.audited(
            principal,
            AuditAction.USER_TASK_UNASSIGNED,
            _subject(task),
            {"previousAssignee": task["assignee"]},
        ):
            await ctx.service.unassign_user_task(key)
        return Response(status_code=204)

    async def complete(request: Request) -> Response:
        body = await optional_json_object(request)
        variables = json_variables(body.get("variables"))
        action = body.get("action") or "complete"
        if not isinstance(action, str):
            raise InvalidArgument("action must be a string")
        key, task = await task_for(request, acting=True)
        principal = principal_of(request)
        with ctx.audited(
            principal,
            AuditAction.USER_TASK_COMPLETED,
            _subject(task),
            {"elementId": task["elementId"], "action": action, "variables": variables},
        ):
            await ctx.service.complete_user_task(key, variables, action)
        return Response(status_code=204)

    async def form(request: Request) -> Response:
        _, task = await task_for(request, acting=False)
        if task["formKey"] is None:
            return Response(status_code=204)
        found = next((f for f in ctx.read.forms() if str(f["formKey"]) == task["formKey"]), None)
        if found is None:
            return Response(status_code=204)
        return JSONResponse(form_item(found))

    async def variables(request: Request) -> Response:
        body = await optional_json_object(request)
        _, task = await task_for(request, acting=False)
        items = ctx.read.visible_variables(int(task["elementInstanceKey"] or -1))
        result = run_search(body, USER_TASK_VARIABLES, items)
        result["items"] = [searched_variable(item) for item in result["items"]]
        return JSONResponse(result)

    key_param = "/user-tasks/{userTaskKey}"
    return [
        Endpoint(
            "POST",
            "/user-tasks/search",
            search,
            "Search user tasks (officers see only tasks they are assignee or candidate of)",
            "search-user-tasks",
            request_schema(USER_TASKS),
            response_schema=response_schema(USER_TASK),
        ),
        Endpoint(
            "GET",
            key_param,
            get,
            "Get a user task",
            "get-user-task",
            response_schema=USER_TASK,
            permission="assignee, candidate, manager or admin",
        ),
        Endpoint(
            "PATCH",
            key_param,
            update,
            "Update a user task (due/follow-up dates, candidates, priority)",
            "update-user-task",
            obj(["changeset"], changeset=_CHANGESET, action={"type": "string"}),
            response_schema=NO_CONTENT,
            success_status=204,
            permission="assignee, manager or admin",
        ),
        Endpoint(
            "POST",
            f"{key_param}/assignment",
            assign,
            "Assign a user task",
            "assign-user-task",
            obj(
                required=["assignee"],
                assignee={"type": "string", "minLength": 1, "pattern": "\\S"},
                allowOverride={"type": "boolean"},
                action={"type": "string"},
            ),
            response_schema=NO_CONTENT,
            success_status=204,
            permission="candidates claim for themselves; managers assign to anyone",
        ),
        Endpoint(
            "DELETE",
            f"{key_param}/assignee",
            unassign,
            "Unassign a user task",
            "unassign-user-task",
            response_schema=NO_CONTENT,
            success_status=204,
            permission="assignee, manager or admin",
        ),
        Endpoint(
            "POST",
            f"{key_param}/completion",
            complete,
            "Complete a user task with variables",
            "complete-user-task",
            obj(variables={"type": ["object", "null"]}, action={"type": "string"}),
            response_schema=NO_CONTENT,
            success_status=204,
            permission="the assignee; a candidate when unassigned",
        ),
        Endpoint(
            "GET",
            f"{key_param}/form",
            form,
            "Get the form linked to a user task (204 when there is none)",
            "get-user-task-form",
            response_schema=FORM,
            permission="assignee, candidate, manager or admin",
        ),
        Endpoint(
            "POST",
            f"{key_param}/variables/search",
            variables,
            "Search the variables visible to a user task",
            "search-user-task-variables",
            request_schema(USER_TASK_VARIABLES),
            response_schema=response_schema(VARIABLE),
            permission="assignee, candidate, manager or admin",
        ),
    ]


def form_item(form: dict[str, Any]) -> dict[str, Any]:
    """8.8's form result: the schema is the form's JSON document itself (an object)."""
    schema = form["schema"]
    return {
        "formKey": str(form["formKey"]),
        "formId": form["formId"],
        "schema": json.loads(schema) if isinstance(schema, str | bytes) else schema,
        "version": form["version"],
        "tenantId": form["tenantId"],
    }


def _subject(task: dict[str, Any]) -> dict[str, str]:
    return {"userTaskKey": task["userTaskKey"], "processInstanceKey": task["processInstanceKey"]}
