"""Who may do what, as the adapters ask it: pure functions over a Principal and plain task data.

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

What a command may do is one table, `engine.access.rules.RULES`, which the engine checks when it
processes the command; the permissions here that name a command are read from that table, and
the user-task checks below ask it too, so that a page can tell beforehand what the engine will
decide. What is not a command (searching, reading, the audit trail, the directory, the clock)
is decided here, by the adapters.

Tasks are mappings shaped like Camunda 8.8's user task items (`userTaskKey`, `assignee`,
`candidateGroups`, `candidateUsers`), so the same dict the REST layer returns can be checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from engine.access.principal import Principal, Role
from engine.access.rules import (
    RULES,
    Action,
    Kind,
    Target,
    authorize,
    can_act_on_user_task,
    permits,
)
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


# The permissions that name an engine command: decided by the engine's table.
_COMMANDS: Mapping[Permission, Action] = {
    Permission.CREATE_PROCESS_INSTANCE: Action.CREATE_PROCESS_INSTANCE,
    Permission.START_AT_ELEMENTS: Action.START_AT_ELEMENTS,
    Permission.PUBLISH_MESSAGE: Action.PUBLISH_MESSAGE,
    Permission.DEPLOY: Action.DEPLOY,
    Permission.CANCEL_PROCESS_INSTANCE: Action.CANCEL_PROCESS_INSTANCE,
    Permission.MODIFY_PROCESS_INSTANCE: Action.MODIFY_PROCESS_INSTANCE,
    Permission.MIGRATE_PROCESS_INSTANCE: Action.MIGRATE_PROCESS_INSTANCE,
    Permission.RESOLVE_INCIDENT: Action.RESOLVE_INCIDENT,
    Permission.UPDATE_JOB: Action.UPDATE_JOB_RETRIES,
    Permission.MOVE_CLOCK: Action.MOVE_CLOCK,
}

# The others, decided by the adapters. None: any authenticated principal.
_REQUIRED_ROLE: Mapping[Permission, Role | None] = {
    Permission.READ_PROCESS_DEFINITIONS: None,
    Permission.SEARCH_PROCESS_INSTANCES: Role.MANAGER,
    Permission.SEARCH_INCIDENTS: Role.MANAGER,
    Permission.READ_STATISTICS: Role.MANAGER,
    Permission.SEARCH_VARIABLES: Role.MANAGER,
    Permission.READ_AUDIT: Role.ADMIN,
    Permission.READ_DIRECTORY: None,
    Permission.MANAGE_IDENTITY: Role.ADMIN,
}


def _required_role(permission: Permission) -> Role | None:
    action = _COMMANDS.get(permission)
    if action is None:
        return _REQUIRED_ROLE[permission]
    allowed = RULES[action].allowed
    if Kind.OFFICER in allowed:
        return None
    return Role.MANAGER if Kind.MANAGER in allowed else Role.ADMIN


def _is_worker(principal: Principal) -> bool:
    # A job worker's token is no person: it works jobs over gRPC and nothing else.
    return Role.WORKER in principal.roles and not principal.has_role(Role.MANAGER)


def has_permission(principal: Principal, permission: Permission) -> bool:
    if _is_worker(principal):
        return False
    action = _COMMANDS.get(permission)
    if action is not None:
        return permits(principal, action)
    role = _REQUIRED_ROLE[permission]
    return role is None or principal.has_role(role)


def require(principal: Principal, permission: Permission) -> None:
    if _is_worker(principal):
        raise PermissionDenied(
            f"{principal.username!r} is a job worker's account: it may not {permission.value}"
        )
    if not has_permission(principal, permission):
        role = _required_role(permission)
        raise PermissionDenied(
            f"user {principal.username!r} may not {permission.value}: "
            f"the {role.value if role else ''} role is required"
        )


def require_create_process_instance(principal: Principal, start_element_ids: Sequence[str]) -> None:
    """Instance creation as the engine decides it: any start instruction needs the admin role."""
    require(principal, Permission.CREATE_PROCESS_INSTANCE)
    if start_element_ids:
        require(principal, Permission.START_AT_ELEMENTS)


def can_view_user_task(principal: Principal, task: Mapping[str, Any]) -> bool:
    return principal.is_manager or can_act_on_user_task(principal, task)


def require_view_user_task(principal: Principal, task: Mapping[str, Any]) -> None:
    if not can_view_user_task(principal, task):
        raise PermissionDenied(
            f"user {principal.username!r} is neither assignee nor candidate of user task "
            f"{_key(task)}"
        )


def require_complete_user_task(principal: Principal, task: Mapping[str, Any]) -> None:
    authorize(principal, Action.COMPLETE_USER_TASK, Target(task=task))


def require_assign_user_task(
    principal: Principal, task: Mapping[str, Any], new_assignee: str
) -> None:
    """An assignment (`POST /v2/user-tasks/{key}/assignment`). The request's own
    `allowOverride: false` refusal (409) is the engine's business, not an authorization one."""
    authorize(principal, Action.ASSIGN_USER_TASK, Target(task=task, new_assignee=new_assignee))


def require_unassign_user_task(principal: Principal, task: Mapping[str, Any]) -> None:
    authorize(principal, Action.UNASSIGN_USER_TASK, Target(task=task))


def require_update_user_task(principal: Principal, task: Mapping[str, Any]) -> None:
    """PATCH of due/follow-up dates, candidates, priority."""
    authorize(principal, Action.UPDATE_USER_TASK, Target(task=task))


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


def _key(task: Mapping[str, Any]) -> str:
    return str(task.get("userTaskKey", "?"))
