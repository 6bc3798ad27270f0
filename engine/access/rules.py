"""Who may give the engine which command: the one table of rules, checked by the command
processor against the engine's live state when it processes the command (issue 15).

Both transports only translate: the REST adapter and the gRPC gateway name the caller
(`engine.access.principal.acting_as`), the engine's service hands that principal to the command
processor with the command, and the processor asks `authorize` here, in log order. A command
queued behind another therefore meets the state the earlier one left: an assignment queued
just before a completion makes the engine refuse the completion of the previous assignee.

A principal is of one kind (`Kind`): an administrator (operator), a manager (supervision), an
officer (a person working user tasks), or a job worker (an API token limited to its job types).
Each rule names the kinds allowed and, per kind, a further limit decided on the command's
target (`Limit`); everyone else is refused with the rule's sentence.

No principal at all (the embedded engine, its own timers and follow-ups, `--no-auth`) and the
development principal pass every rule.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.access.principal import Principal, Role
from engine.api import PermissionDenied


class Kind(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    OFFICER = "officer"
    WORKER = "worker"


class Action(StrEnum):
    """The engine's commands, worded as a refused caller reads them ("may not ...")."""

    DEPLOY = "deploy resources"
    DELETE_RESOURCE = "delete resources"
    CREATE_PROCESS_INSTANCE = "create process instances"
    START_AT_ELEMENTS = "start process instances at chosen elements (startInstructions)"
    CANCEL_PROCESS_INSTANCE = "cancel process instances"
    MODIFY_PROCESS_INSTANCE = "modify process instances"
    MIGRATE_PROCESS_INSTANCE = "migrate process instances"
    RESOLVE_INCIDENT = "resolve incidents"
    WORK_JOB = "work jobs"
    UPDATE_JOB_RETRIES = "change job retries"
    UPDATE_JOB_TIMEOUT = "change the timeout of jobs"
    PUBLISH_MESSAGE = "publish and correlate messages"
    BROADCAST_SIGNAL = "broadcast signals"
    EVALUATE_DECISION = "evaluate decisions"
    SET_VARIABLES = "set case variables"
    COMPLETE_USER_TASK = "complete user tasks"
    ASSIGN_USER_TASK = "assign user tasks"
    UNASSIGN_USER_TASK = "unassign user tasks"
    UPDATE_USER_TASK = "change user tasks"
    MOVE_CLOCK = "move the engine clock"


class Limit(StrEnum):
    NONE = ""
    OWN_JOB_TYPES = "jobs of its job types only"
    OWN_MESSAGE_NAMES = "messages its identity names only"
    CASE_WITH_TASK = "only in a case where it may act on a user task"
    TASK_COMPLETION = "the assignee; a candidate when unassigned"
    TASK_CLAIM = "a candidate, for itself, while nobody else has it"
    TASK_ASSIGNEE = "the assignee only"


@dataclass(frozen=True)
class Rule:
    allowed: Mapping[Kind, Limit]
    # Why the kinds not listed are refused: the sentence a refused caller reads.
    refusal: str


@dataclass(frozen=True)
class Target:
    """What a command acts on, read from the live state by the command processor. A user task
    is given in its REST shape (`userTaskKey`, `assignee`, `candidateUsers`, `candidateGroups`);
    `in_case_with_task` is asked only when a rule needs it (it walks the case's tree)."""

    job_type: str | None = None
    message_name: str | None = None
    task: Mapping[str, Any] | None = None
    new_assignee: str | None = None
    element_instance_key: int | None = None
    in_case_with_task: Callable[[Principal], bool] | None = field(default=None, compare=False)


_PEOPLE = {Kind.ADMIN: Limit.NONE, Kind.MANAGER: Limit.NONE, Kind.OFFICER: Limit.NONE}
_ADMIN = {Kind.ADMIN: Limit.NONE}
_OPERATOR = "only an administrator may"
_WORKS_JOBS = "only job workers (and the operator) work jobs"
_TASKS = "job workers do not work user tasks"

RULES: Mapping[Action, Rule] = {
    Action.DEPLOY: Rule(_ADMIN, f"{_OPERATOR} deploy resources"),
    Action.DELETE_RESOURCE: Rule(_ADMIN, f"{_OPERATOR} delete resources"),
    Action.CREATE_PROCESS_INSTANCE: Rule(_PEOPLE, "job workers do not start cases"),
    # An officer starting the procedure straight at its end, or past a decision nobody took,
    # would skip the steps the regulation prescribes (issue 17).
    Action.START_AT_ELEMENTS: Rule(_ADMIN, f"{_OPERATOR} start a case at chosen elements"),
    Action.CANCEL_PROCESS_INSTANCE: Rule(_ADMIN, f"{_OPERATOR} cancel process instances"),
    Action.MODIFY_PROCESS_INSTANCE: Rule(_ADMIN, f"{_OPERATOR} modify process instances"),
    Action.MIGRATE_PROCESS_INSTANCE: Rule(_ADMIN, f"{_OPERATOR} migrate process instances"),
    Action.RESOLVE_INCIDENT: Rule(_ADMIN, f"{_OPERATOR} resolve incidents"),
    # Timers, due dates and deadlines of every case follow the clock.
    Action.MOVE_CLOCK: Rule(_ADMIN, f"{_OPERATOR} move the engine clock"),
    # A worker works only jobs of its types: activating hands out the case's variables, so it
    # reads only what its jobs need. The gateway serves jobs to workers and the operator only
    # (engine/access/rpc_rules.py); over REST a person may work a job by hand.
    Action.WORK_JOB: Rule({**_PEOPLE, Kind.WORKER: Limit.OWN_JOB_TYPES}, _WORKS_JOBS),
    Action.UPDATE_JOB_RETRIES: Rule(_ADMIN, f"{_OPERATOR} change job retries"),
    Action.UPDATE_JOB_TIMEOUT: Rule(
        {Kind.WORKER: Limit.OWN_JOB_TYPES, Kind.ADMIN: Limit.NONE}, _WORKS_JOBS
    ),
    # A worker publishes only the messages its identity names: the screening's referral starts a
    # case of another procedure, and nothing else a worker does needs a message.
    Action.PUBLISH_MESSAGE: Rule(
        {**_PEOPLE, Kind.WORKER: Limit.OWN_MESSAGE_NAMES},
        "job workers publish only the messages their identity names",
    ),
    Action.BROADCAST_SIGNAL: Rule(_ADMIN, f"{_OPERATOR} broadcast signals"),
    Action.EVALUATE_DECISION: Rule(_PEOPLE, "job workers do not evaluate decisions"),
    Action.SET_VARIABLES: Rule(
        {Kind.ADMIN: Limit.NONE, Kind.OFFICER: Limit.CASE_WITH_TASK},
        "managers read cases and workers complete jobs; neither sets case variables",
    ),
    # Managers and admins supervise: they read every task, but complete one only as its
    # assignee (or a candidate while unassigned), like everyone else.
    Action.COMPLETE_USER_TASK: Rule(
        {kind: Limit.TASK_COMPLETION for kind in (Kind.ADMIN, Kind.MANAGER, Kind.OFFICER)},
        _TASKS,
    ),
    # Managers delegate: they give any task to anyone, or take it over.
    Action.ASSIGN_USER_TASK: Rule(
        {Kind.ADMIN: Limit.NONE, Kind.MANAGER: Limit.NONE, Kind.OFFICER: Limit.TASK_CLAIM},
        _TASKS,
    ),
    Action.UNASSIGN_USER_TASK: Rule(
        {Kind.ADMIN: Limit.NONE, Kind.MANAGER: Limit.NONE, Kind.OFFICER: Limit.TASK_ASSIGNEE},
        _TASKS,
    ),
    Action.UPDATE_USER_TASK: Rule(
        {Kind.ADMIN: Limit.NONE, Kind.MANAGER: Limit.NONE, Kind.OFFICER: Limit.TASK_ASSIGNEE},
        _TASKS,
    ),
}


def kind_of(principal: Principal) -> Kind:
    if Role.ADMIN in principal.roles:
        return Kind.ADMIN
    if Role.MANAGER in principal.roles:
        return Kind.MANAGER
    if Role.WORKER in principal.roles:
        return Kind.WORKER
    return Kind.OFFICER


def limit_of(principal: Principal, action: Action) -> Limit:
    """The limit on `principal`'s `action`; raises PermissionDenied when its kind may not give
    that command at all."""
    if principal.unrestricted:
        return Limit.NONE
    rule = RULES[action]
    kind = kind_of(principal)
    limit = rule.allowed.get(kind)
    if limit is None:
        if kind == Kind.WORKER:
            raise PermissionDenied(
                f"{principal.username!r} is a job worker's account: it may not {action.value}"
            )
        raise PermissionDenied(
            f"user {principal.username!r} ({kind.value}) may not {action.value}: {rule.refusal}"
        )
    return limit


def permits(principal: Principal, action: Action) -> bool:
    """Whether `principal`'s kind may give the command at all (its limit aside)."""
    try:
        limit_of(principal, action)
    except PermissionDenied:
        return False
    return True


def authorize(principal: Principal | None, action: Action, target: Target | None = None) -> None:
    """The engine's one check of a command: raises PermissionDenied with the reason."""
    if principal is None:
        return
    limit = limit_of(principal, action)
    if limit == Limit.NONE:
        return
    _LIMITS[limit](principal, action, target or Target())


# == the limits, decided on the command's target =================================================


def _own_job_types(principal: Principal, action: Action, target: Target) -> None:
    if target.job_type is not None:
        require_job_type(principal, target.job_type, "work jobs")


def _own_message_names(principal: Principal, action: Action, target: Target) -> None:
    if target.message_name is None or target.message_name not in principal.message_names:
        allowed = ", ".join(sorted(principal.message_names)) or "none"
        raise PermissionDenied(
            f"{principal.username!r} is a job worker's account: it may not publish the message "
            f"{target.message_name!r} (the messages it may publish: {allowed})"
        )


def _case_with_task(principal: Principal, action: Action, target: Target) -> None:
    if target.in_case_with_task is None or not target.in_case_with_task(principal):
        raise PermissionDenied(
            f"{principal.username!r} may set variables only in a case where it may act on "
            f"a user task; element instance {target.element_instance_key} is not in one"
        )


def _task_completion(principal: Principal, action: Action, target: Target) -> None:
    task = _task(target)
    assignee = task.get("assignee") or None
    if assignee is not None and assignee != principal.username:
        raise PermissionDenied(
            f"user task {_key(task)} is assigned to {assignee!r}; only the assignee may complete it"
        )
    if assignee is None and not is_candidate(principal, task):
        raise PermissionDenied(
            f"user {principal.username!r} is not a candidate of user task {_key(task)}"
        )


def _task_claim(principal: Principal, action: Action, target: Target) -> None:
    task = _task(target)
    current = task.get("assignee") or None
    if target.new_assignee != principal.username:
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


def _task_assignee(principal: Principal, action: Action, target: Target) -> None:
    task = _task(target)
    if is_assignee(principal, task):
        return
    verb = "unassign" if action == Action.UNASSIGN_USER_TASK else "change"
    raise PermissionDenied(f"only the assignee or a manager may {verb} user task {_key(task)}")


_LIMITS: Mapping[Limit, Callable[[Principal, Action, Target], None]] = {
    Limit.OWN_JOB_TYPES: _own_job_types,
    Limit.OWN_MESSAGE_NAMES: _own_message_names,
    Limit.CASE_WITH_TASK: _case_with_task,
    Limit.TASK_COMPLETION: _task_completion,
    Limit.TASK_CLAIM: _task_claim,
    Limit.TASK_ASSIGNEE: _task_assignee,
}


# == the facts the limits and the read side share ================================================


def may_work_job_type(principal: Principal, job_type: str) -> bool:
    if principal.unrestricted or kind_of(principal) == Kind.ADMIN:
        return True
    return "*" in principal.job_types or job_type in principal.job_types


def require_job_type(principal: Principal, job_type: str, what: str) -> None:
    if not may_work_job_type(principal, job_type):
        allowed = ", ".join(sorted(principal.job_types)) or "none"
        raise PermissionDenied(
            f"{principal.username!r} may not {what} of type {job_type!r} (its job types: {allowed})"
        )


def is_candidate(principal: Principal, task: Mapping[str, Any]) -> bool:
    if principal.username in _names(task, "candidateUsers"):
        return True
    return not principal.groups.isdisjoint(_names(task, "candidateGroups"))


def is_assignee(principal: Principal, task: Mapping[str, Any]) -> bool:
    return bool(task.get("assignee")) and task.get("assignee") == principal.username


def can_act_on_user_task(principal: Principal, task: Mapping[str, Any]) -> bool:
    return principal.unrestricted or is_assignee(principal, task) or is_candidate(principal, task)


def _task(target: Target) -> Mapping[str, Any]:
    if target.task is None:  # a processor that forgot to name the task refuses, never allows
        raise PermissionDenied("the user task to act on is unknown")
    return target.task


def _names(task: Mapping[str, Any], name: str) -> Collection[str]:
    value = task.get(name) or ()
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(str(v) for v in value)


def _key(task: Mapping[str, Any]) -> str:
    return str(task.get("userTaskKey", "?"))
