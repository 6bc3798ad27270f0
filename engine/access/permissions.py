"""Who may do what: pure functions over a Principal and plain task data, shared by the REST
adapter, the gRPC adapter and the tests.

The rules (issue 4, "Who may do what"):
- a user sees and acts on a user task only where they are its assignee or are named in its
  candidateUsers or, through a group, its candidateGroups; managers and admins may read every
  task (supervision) but act on one only as the rules below allow;
- completing a task assigned to someone else is refused;
- claiming a task already assigned to someone else is refused unless the caller is a manager
  or admin (who may also hand tasks to other users);
- managers may search all process instances, incidents and statistics;
- only admins deploy, cancel, modify or migrate instances, resolve incidents, change job
  retries, move the clock, read the audit trail and manage users, groups and tokens (everyone
  may read the names of users and groups, so that pages show people and units by name);
- everyone may start a case at its start event, but only admins may start one at chosen
  elements (`startInstructions`): an officer starting the procedure straight at its end, or past
  a decision nobody took, would skip the steps the regulation prescribes (issue 17).
Refusals raise `engine.api.PermissionDenied` (HTTP 403) with the reason and the task key.

Tasks are mappings shaped like Camunda 8.8's user task items (`userTaskKey`, `assignee`,
`candidateGroups`, `candidateUsers`), so the same dict the REST layer returns can be checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from engine.access.principal import Principal, Role
from engine.api import PermissionDenied


class Permission(StrEnum):
    CREATE_PROCESS_INSTANCE = "create process instances"
    START_AT_ELEMENTS = "start process instances at chosen elements (startInstructions)"
    READ_PROCESS_DEFINITIONS = "read process definitions"
    PUBLISH_MESSAGE = "publish and correlate messages"
    SEARCH_PROCESS_INSTANCES = "search all process instances"
    SEARCH_INCIDENTS = "search incidents"
    READ_STATISTICS = "read statistics"
    SEARCH_VARIABLES = "search variables of all instances"
    DEPLOY = "deploy resources"
    CANCEL_PROCESS_INSTANCE = "cancel process instances"
    MODIFY_PROCESS_INSTANCE = "modify process instances"
    MIGRATE_PROCESS_INSTANCE = "migrate process instances"
    RESOLVE_INCIDENT = "resolve incidents"
    UPDATE_JOB = "update jobs"
    MOVE_CLOCK = "move the engine clock"
    READ_AUDIT = "read the audit trail"
    READ_DIRECTORY = "read users and groups"
    MANAGE_IDENTITY = "manage users, groups and API tokens"


# None: any authenticated principal.
_REQUIRED_ROLE: Mapping[Permission, Role | None] = {
    Permission.CREATE_PROCESS_INSTANCE: None,
    Permission.START_AT_ELEMENTS: Role.ADMIN,
    Permission.READ_PROCESS_DEFINITIONS: None,
    Permission.PUBLISH_MESSAGE: None,
    Permission.SEARCH_PROCESS_INSTANCES: Role.MANAGER,
    Permission.SEARCH_INCIDENTS: Role.MANAGER,
    Permission.READ_STATISTICS: Role.MANAGER,
    Permission.SEARCH_VARIABLES: Role.MANAGER,
    Permission.DEPLOY: Role.ADMIN,
    Permission.CANCEL_PROCESS_INSTANCE: Role.ADMIN,
    Permission.MODIFY_PROCESS_INSTANCE: Role.ADMIN,
    Permission.MIGRATE_PROCESS_INSTANCE: Role.ADMIN,
    Permission.RESOLVE_INCIDENT: Role.ADMIN,
    Permission.UPDATE_JOB: Role.ADMIN,
    Permission.MOVE_CLOCK: Role.ADMIN,
    Permission.READ_AUDIT: Role.ADMIN,
    Permission.READ_DIRECTORY: None,
    Permission.MANAGE_IDENTITY: Role.ADMIN,
}


def _is_worker(principal: Principal) -> bool:
    # A job worker's token is no person: it works jobs over gRPC and nothing else.
    return Role.WORKER in principal.roles and not principal.has_role(Role.MANAGER)


def has_permission(principal: Principal, permission: Permission) -> bool:
    if _is_worker(principal):
        return False
    role = _REQUIRED_ROLE[permission]
    return role is None or principal.has_role(role)


def require(principal: Principal, permission: Permission) -> None:
    if _is_worker(principal):
        raise PermissionDenied(
            f"{principal.username!r} is a job worker's account: it may not {permission.value}"
        )
    if not has_permission(principal, permission):
        role = _REQUIRED_ROLE[permission]
        raise PermissionDenied(
            f"user {principal.username!r} may not {permission.value}: "
            f"the {role.value if role else ''} role is required"
        )


def require_create_process_instance(principal: Principal, start_element_ids: Sequence[str]) -> None:
    """The one check of instance creation for both transports: any start instruction needs the
    admin role."""
    require(principal, Permission.CREATE_PROCESS_INSTANCE)
    if start_element_ids:
        require(principal, Permission.START_AT_ELEMENTS)


def is_candidate(principal: Principal, task: Mapping[str, Any]) -> bool:
    if principal.username in _names(task, "candidateUsers"):
        return True
    return not principal.groups.isdisjoint(_names(task, "candidateGroups"))


def is_assignee(principal: Principal, task: Mapping[str, Any]) -> bool:
    return bool(task.get("assignee")) and task.get("assignee") == principal.username


def can_act_on_user_task(principal: Principal, task: Mapping[str, Any]) -> bool:
    return principal.unrestricted or is_assignee(principal, task) or is_candidate(principal, task)


def can_view_user_task(principal: Principal, task: Mapping[str, Any]) -> bool:
    return principal.is_manager or can_act_on_user_task(principal, task)


def require_view_user_task(principal: Principal, task: Mapping[str, Any]) -> None:
    if not can_view_user_task(principal, task):
        raise PermissionDenied(
            f"user {principal.username!r} is neither assignee nor candidate of user task "
            f"{_key(task)}"
        )


def require_complete_user_task(principal: Principal, task: Mapping[str, Any]) -> None:
    assignee = task.get("assignee") or None
    if principal.unrestricted:
        return
    if assignee is not None and assignee != principal.username:
        raise PermissionDenied(
            f"user task {_key(task)} is assigned to {assignee!r}; only the assignee may complete it"
        )
    if assignee is None and not is_candidate(principal, task):
        raise PermissionDenied(
            f"user {principal.username!r} is not a candidate of user task {_key(task)}"
        )


def require_assign_user_task(
    principal: Principal, task: Mapping[str, Any], new_assignee: str
) -> None:
    """Checks an assignment (`POST /v2/user-tasks/{key}/assignment`). The request's own
    `allowOverride: false` refusal (409) is the engine's business, not an authorization one."""
    if principal.is_manager:
        # Managers delegate: they may give any task to anyone, or take it over.
        return
    current = task.get("assignee") or None
    if new_assignee != principal.username:
        raise PermissionDenied(
            f"user {principal.username!r} may assign user task {_key(task)} only to themselves; "
            "assigning to others needs the manager role"
        )
    if current is not None and current != principal.username:
        raise PermissionDenied(
            f"user task {_key(task)} is already assigned to {current!r}; "
            "taking it over needs the manager role"
        )
    if not can_act_on_user_task(principal, task):
        raise PermissionDenied(
            f"user {principal.username!r} is not a candidate of user task {_key(task)}"
        )


def require_unassign_user_task(principal: Principal, task: Mapping[str, Any]) -> None:
    if principal.is_manager or is_assignee(principal, task):
        return
    raise PermissionDenied(f"only the assignee or a manager may unassign user task {_key(task)}")


def require_update_user_task(principal: Principal, task: Mapping[str, Any]) -> None:
    """PATCH of due/follow-up dates, candidates, priority."""
    if principal.is_manager or is_assignee(principal, task):
        return
    raise PermissionDenied(f"only the assignee or a manager may change user task {_key(task)}")


def user_task_visibility_filter(principal: Principal) -> dict[str, Any] | None:
    """A Camunda 8.8 user-task search filter (using the documented `$or`) that keeps only the
    tasks the principal may see; None when they may see all. The search layer ANDs it with the
    caller's own filter (see `engine.http.search.parse_search_request(restrictions=...)`)."""
    if principal.is_manager:
        return None
    alternatives: list[dict[str, Any]] = [
        {"assignee": principal.username},
        {"candidateUser": principal.username},
    ]
    if principal.groups:
        alternatives.append({"candidateGroup": {"$in": sorted(principal.groups)}})
    return {"$or": alternatives}


def _names(task: Mapping[str, Any], field: str) -> frozenset[str]:
    value = task.get(field) or ()
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(str(v) for v in value)


def _key(task: Mapping[str, Any]) -> str:
    return str(task.get("userTaskKey", "?"))
