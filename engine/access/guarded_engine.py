"""The engine as the gRPC gateway sees it when authentication is on: the operator's commands
(deploy, cancel, resolve incidents, change job retries) need the same permission as their REST
counterparts, and are written to the audit trail with the caller's name, by the engine in the
same transaction as the command's records. Creating an instance
follows the same rule as over REST (start instructions only for admins). The per-call limits of
the RPC table (engine/access/rpc_rules.py) are checked here, against the engine's state: a
worker works only jobs of its job types, an officer sets variables only in a case where it may
act on a user task.

The gateway authenticates each call and leaves the caller in `current_principal`; this wrapper
reads it there, so the gateway itself stays unaware of users and roles. Every other command
passes straight through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, cast

from engine.access.case_tree import same_case_instances
from engine.access.permissions import (
    Permission,
    can_act_on_user_task,
    require,
    require_create_process_instance,
)
from engine.access.principal import Principal
from engine.access.rpc_rules import Limit, require_job_type, rpc_limit
from engine.api import (
    DEFAULT_TENANT,
    ActivatedJob,
    ActivateInstruction,
    ActivateJobsRequest,
    Deployment,
    Engine,
    JsonObject,
    MappingInstruction,
    PermissionDenied,
    ProcessInstanceCreated,
    RepairTools,
    Resource,
)
from engine.audit import AuditAction, AuditDraft, AuditTrail, recorded_with
from engine.gateway.auth import current_principal, current_rpc


class GuardedEngine:
    def __init__(self, engine: Engine, trail: AuditTrail, now_ms: Any) -> None:
        self._engine = engine
        self._trail = trail
        self._now_ms = now_ms

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def _caller(self, permission: Permission) -> Principal:
        principal = current_principal.get()
        if not isinstance(principal, Principal):
            raise PermissionDenied(f"an authenticated caller is needed to {permission.value}")
        require(principal, permission)
        return principal

    def _audited(
        self,
        principal: Principal,
        action: AuditAction,
        subject: Mapping[str, int | str] | Callable[[Any], Mapping[str, int | str]],
        details: Mapping[str, Any] | None = None,
    ) -> AbstractContextManager[None]:
        """Around the one engine call whose command the entry records: the engine writes it in
        the same transaction as the command's records."""
        body = {"via": "grpc", **(details or {})}
        if not callable(subject):
            checked = AuditDraft.of(principal.username, action, subject, body)
            return recorded_with(lambda _: checked)
        keys = subject
        return recorded_with(
            lambda result: AuditDraft.of(principal.username, action, keys(result), body)
        )

    async def deploy(
        self, resources: Sequence[Resource], tenant_id: str = DEFAULT_TENANT
    ) -> Deployment:
        principal = self._caller(Permission.DEPLOY)
        with self._audited(
            principal,
            AuditAction.DEPLOYMENT_CREATED,
            lambda done: {"deploymentKey": done.key},
            {"resources": [r.name for r in resources]},
        ):
            return await self._engine.deploy(resources, tenant_id)

    async def create_process_instance(
        self,
        *,
        bpmn_process_id: str | None = None,
        process_definition_key: int | None = None,
        version: int = -1,
        variables: JsonObject | None = None,
        start_element_ids: Sequence[str] = (),
        tenant_id: str = DEFAULT_TENANT,
    ) -> ProcessInstanceCreated:
        principal = self._caller(Permission.CREATE_PROCESS_INSTANCE)
        require_create_process_instance(principal, start_element_ids)
        return await self._engine.create_process_instance(
            bpmn_process_id=bpmn_process_id,
            process_definition_key=process_definition_key,
            version=version,
            variables=variables,
            start_element_ids=start_element_ids,
            tenant_id=tenant_id,
        )

    async def cancel_process_instance(self, process_instance_key: int) -> None:
        # The RPC table refuses CancelProcessInstance to every principal (a cancellation needs
        # a reason, which only REST carries); refused here too should the table ever change.
        raise PermissionDenied(
            "a case is cancelled only with a reason: POST /v2/process-instances/"
            f"{process_instance_key}/cancellation"
        )

    async def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Sequence[ActivateInstruction] = (),
        terminate: Sequence[int] = (),
    ) -> None:
        principal = self._caller(Permission.MODIFY_PROCESS_INSTANCE)
        with self._audited(
            principal,
            AuditAction.PROCESS_INSTANCE_MODIFIED,
            {"processInstanceKey": process_instance_key},
            {
                "activate": [a.element_id for a in activate],
                "terminate": [str(key) for key in terminate],
            },
        ):
            await cast(RepairTools, self._engine).modify_process_instance(
                process_instance_key, activate, terminate
            )

    async def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mappings: Sequence[MappingInstruction],
    ) -> None:
        principal = self._caller(Permission.MIGRATE_PROCESS_INSTANCE)
        with self._audited(
            principal,
            AuditAction.PROCESS_INSTANCE_MIGRATED,
            {"processInstanceKey": process_instance_key},
            {"targetProcessDefinitionKey": str(target_process_definition_key)},
        ):
            await cast(RepairTools, self._engine).migrate_process_instance(
                process_instance_key, target_process_definition_key, mappings
            )

    async def resolve_incident(self, incident_key: int) -> None:
        principal = self._caller(Permission.RESOLVE_INCIDENT)
        with self._audited(principal, AuditAction.INCIDENT_RESOLVED, {"incidentKey": incident_key}):
            await self._engine.resolve_incident(incident_key)

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        principal = self._caller(Permission.UPDATE_JOB)
        with self._audited(
            principal, AuditAction.JOB_RETRIES_UPDATED, {"jobKey": job_key}, {"retries": retries}
        ):
            await self._engine.update_job_retries(job_key, retries)

    # == the per-call limits of the RPC table ====================================================
    def _limit(self) -> tuple[Principal | None, Limit]:
        principal = current_principal.get()
        if not isinstance(principal, Principal):
            return None, Limit.NONE  # not authenticated here: the gateway's authorizer decides
        return principal, rpc_limit(principal, current_rpc.get())

    def _check_job(self, job_key: int, what: str) -> None:
        principal, limit = self._limit()
        if principal is None or limit != Limit.OWN_JOB_TYPES:
            return
        job = self._state().jobs.get(job_key)
        if job is None:
            return  # the engine answers NOT_FOUND, which tells nothing about other cases
        require_job_type(principal, job.type, what)

    def _state(self) -> Any:
        # The engine's live state (EngineService.state): the limits need the jobs' types and
        # the cases' tasks; reading it is safe on the event loop that runs the single writer.
        engine: Any = self._engine
        return engine.state

    async def activate_jobs(self, request: ActivateJobsRequest) -> list[ActivatedJob]:
        principal, limit = self._limit()
        if principal is not None and limit == Limit.OWN_JOB_TYPES:
            require_job_type(principal, request.type, "activate jobs")
        return await self._engine.activate_jobs(request)

    async def complete_job(self, job_key: int, variables: JsonObject | None = None) -> None:
        self._check_job(job_key, "complete a job")
        await self._engine.complete_job(job_key, variables)

    async def fail_job(self, job_key: int, *args: Any, **kwargs: Any) -> None:
        self._check_job(job_key, "fail a job")
        await self._engine.fail_job(job_key, *args, **kwargs)

    async def throw_error(self, job_key: int, *args: Any, **kwargs: Any) -> None:
        self._check_job(job_key, "throw an error for a job")
        await self._engine.throw_error(job_key, *args, **kwargs)

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        self._check_job(job_key, "change the timeout of a job")
        await self._engine.update_job_timeout(job_key, timeout_ms)

    async def set_variables(
        self, element_instance_key: int, variables: JsonObject, local: bool = False
    ) -> int:
        principal, limit = self._limit()
        if principal is not None and limit == Limit.CASE_WITH_TASK:
            self._require_case_with_task(principal, element_instance_key)
        return await self._engine.set_variables(element_instance_key, variables, local)

    def _require_case_with_task(self, principal: Principal, element_instance_key: int) -> None:
        engine: Any = self._engine
        query = engine.query
        element = self._state().elements.get(element_instance_key)
        instance = element.process_instance_key if element is not None else None
        parents = {
            str(i["processInstanceKey"]): _parent(i.get("parentProcessInstanceKey"))
            for i in query.process_instances()
        }
        acting = {
            str(task["processInstanceKey"])
            for task in query.user_tasks()  # the live ones
            if can_act_on_user_task(principal, task)
        }
        if instance is None or str(instance) not in same_case_instances(acting, parents):
            raise PermissionDenied(
                f"{principal.username!r} may set variables only in a case where it may act on "
                f"a user task; element instance {element_instance_key} is not in one"
            )


def _parent(key: int | None) -> str | None:
    # A root instance's parent key is -1 in the engine's state, None when it finished.
    return str(key) if key is not None and key > 0 else None
