"""Who may call which gateway RPC: one table, by kind of principal (docs/grpc-access.md).

A principal is of one kind: an administrator (operator), a manager (supervision), an officer
(a person working user tasks), or a job worker (an API token of the worker role, limited to
its job types). People do not work jobs: their work is user tasks, over REST through the desk.
Workers do nothing but work jobs. The table decides by kind before the call reaches the engine;
some cells are further limited per call (`Limit`): a worker works only jobs of its job types,
an officer sets variables only in a case where it may act on a user task. Those per-call
checks are made where the engine's state is at hand (engine/access/guarded_engine.py).

REST applies the same kinds: a worker's token is refused by every /v2 operation
(`engine.access.permissions.has_permission`), and what the REST API and the gateway share
(deploy, cancel, resolve incidents, job retries) needs the same role on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from engine.access.principal import Principal, Role
from engine.api import PermissionDenied


class Kind(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    OFFICER = "officer"
    WORKER = "worker"


class Limit(StrEnum):
    NONE = ""
    OWN_JOB_TYPES = "jobs of its job types only"
    CASE_WITH_TASK = "only in a case where it may act on a user task"


@dataclass(frozen=True)
class Rule:
    allowed: Mapping[Kind, Limit]
    # Why the kinds not listed are refused: the sentence a refused caller reads.
    refusal: str


_PEOPLE = {Kind.ADMIN: Limit.NONE, Kind.MANAGER: Limit.NONE, Kind.OFFICER: Limit.NONE}
_ADMIN = {Kind.ADMIN: Limit.NONE}
_JOBS = {Kind.WORKER: Limit.OWN_JOB_TYPES, Kind.ADMIN: Limit.NONE}
_WORKS_JOBS = "only job workers (and the operator) work jobs"
_OPERATOR = "only an administrator may"

RPC_RULES: Mapping[str, Rule] = {
    "Topology": Rule({kind: Limit.NONE for kind in Kind}, ""),
    "DeployResource": Rule(_ADMIN, f"{_OPERATOR} deploy resources"),
    "DeployProcess": Rule(_ADMIN, f"{_OPERATOR} deploy resources"),
    "DeleteResource": Rule(_ADMIN, f"{_OPERATOR} delete resources"),
    "CreateProcessInstance": Rule(_PEOPLE, "job workers do not start cases"),
    "CreateProcessInstanceWithResult": Rule(_PEOPLE, "job workers do not start cases"),
    "CancelProcessInstance": Rule(
        {},
        "a case is cancelled only with a reason, which only the REST API carries "
        "(POST /v2/process-instances/{key}/cancellation)",
    ),
    "ActivateJobs": Rule(_JOBS, _WORKS_JOBS),
    "StreamActivatedJobs": Rule(_JOBS, _WORKS_JOBS),
    "CompleteJob": Rule(_JOBS, _WORKS_JOBS),
    "FailJob": Rule(_JOBS, _WORKS_JOBS),
    "ThrowError": Rule(_JOBS, _WORKS_JOBS),
    "UpdateJobTimeout": Rule(_JOBS, _WORKS_JOBS),
    "UpdateJobRetries": Rule(_ADMIN, f"{_OPERATOR} change job retries"),
    "PublishMessage": Rule(_PEOPLE, "job workers do not publish messages"),
    "BroadcastSignal": Rule(_ADMIN, f"{_OPERATOR} broadcast signals"),
    "EvaluateDecision": Rule(_PEOPLE, "job workers do not evaluate decisions"),
    "SetVariables": Rule(
        {Kind.ADMIN: Limit.NONE, Kind.OFFICER: Limit.CASE_WITH_TASK},
        "managers read cases and workers complete jobs; neither sets case variables",
    ),
    "ResolveIncident": Rule(_ADMIN, f"{_OPERATOR} resolve incidents"),
    "ModifyProcessInstance": Rule(_ADMIN, f"{_OPERATOR} modify process instances"),
    "MigrateProcessInstance": Rule(_ADMIN, f"{_OPERATOR} migrate process instances"),
}


def kind_of(principal: Principal) -> Kind:
    if Role.ADMIN in principal.roles:
        return Kind.ADMIN
    if Role.MANAGER in principal.roles:
        return Kind.MANAGER
    if Role.WORKER in principal.roles:
        return Kind.WORKER
    return Kind.OFFICER


def rpc_limit(principal: Principal, rpc: str) -> Limit:
    """The limit on `principal`'s call of `rpc` (its short name or full method path); raises
    PermissionDenied when its kind may not call it at all. Unknown RPCs are refused."""
    name = rpc.rsplit("/", 1)[-1]
    if principal.unrestricted:
        return Limit.NONE
    rule = RPC_RULES.get(name)
    if rule is None:
        raise PermissionDenied(f"{name} is not an RPC of this gateway")
    kind = kind_of(principal)
    limit = rule.allowed.get(kind)
    if limit is None:
        raise PermissionDenied(
            f"{principal.username!r} ({kind.value}) may not call {name}: {rule.refusal}"
        )
    return limit


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
