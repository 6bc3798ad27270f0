"""Which kinds of principal the gRPC gateway serves each RPC to (docs/grpc-access.md): the
engine's rule table (engine/access/rules.py) seen through the gateway's RPCs.

Each RPC names the engine command it gives; its kinds are the ones the engine's rule allows,
narrowed only where the gateway serves fewer callers than the engine would accept: people do not
work jobs over gRPC (their work is user tasks, through the desk), and a case is cancelled only
with a reason, which only the REST API carries. The gateway refuses a kind the RPC is not served
to before anything is queued; every other decision (a worker's job types, an officer's cases, who
holds a task) is the engine's, made when it processes the command against its live state.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.access.principal import Principal
from engine.access.rules import RULES, Action, Kind, Limit, Rule, kind_of
from engine.api import PermissionDenied

_WORKS_JOBS = "only job workers (and the operator) work jobs"
# RPC -> the engine command it gives; None: it gives none (it only reads the topology).
_ACTIONS: Mapping[str, Action | None] = {
    "Topology": None,
    "DeployResource": Action.DEPLOY,
    "DeployProcess": Action.DEPLOY,
    "DeleteResource": Action.DELETE_RESOURCE,
    "CreateProcessInstance": Action.CREATE_PROCESS_INSTANCE,
    "CreateProcessInstanceWithResult": Action.CREATE_PROCESS_INSTANCE,
    "CancelProcessInstance": Action.CANCEL_PROCESS_INSTANCE,
    "ActivateJobs": Action.WORK_JOB,
    "StreamActivatedJobs": Action.WORK_JOB,
    "CompleteJob": Action.WORK_JOB,
    "FailJob": Action.WORK_JOB,
    "ThrowError": Action.WORK_JOB,
    "UpdateJobTimeout": Action.UPDATE_JOB_TIMEOUT,
    "UpdateJobRetries": Action.UPDATE_JOB_RETRIES,
    "PublishMessage": Action.PUBLISH_MESSAGE,
    "BroadcastSignal": Action.BROADCAST_SIGNAL,
    "EvaluateDecision": Action.EVALUATE_DECISION,
    "SetVariables": Action.SET_VARIABLES,
    "ResolveIncident": Action.RESOLVE_INCIDENT,
    "ModifyProcessInstance": Action.MODIFY_PROCESS_INSTANCE,
    "MigrateProcessInstance": Action.MIGRATE_PROCESS_INSTANCE,
}

# Where the gateway serves fewer kinds than the engine's rule allows, and why.
_NARROWED: Mapping[Action, tuple[frozenset[Kind], str]] = {
    Action.WORK_JOB: (frozenset({Kind.WORKER, Kind.ADMIN}), _WORKS_JOBS),
    Action.CANCEL_PROCESS_INSTANCE: (
        frozenset(),
        "a case is cancelled only with a reason, which only the REST API carries "
        "(POST /v2/process-instances/{key}/cancellation)",
    ),
}


def _served(action: Action | None) -> Rule:
    if action is None:
        return Rule({kind: Limit.NONE for kind in Kind}, "")
    rule = RULES[action]
    kinds, refusal = _NARROWED.get(action, (frozenset(Kind), rule.refusal))
    return Rule({k: limit for k, limit in rule.allowed.items() if k in kinds}, refusal)


RPC_RULES: Mapping[str, Rule] = {rpc: _served(action) for rpc, action in _ACTIONS.items()}


def rpc_limit(principal: Principal, rpc: str) -> Limit:
    """The engine's limit on `principal`'s call of `rpc` (its short name or full method path),
    decided by the engine later; raises PermissionDenied when the gateway does not serve the RPC
    to its kind at all. Unknown RPCs are refused."""
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
