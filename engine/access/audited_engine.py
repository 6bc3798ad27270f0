"""The engine as the gRPC gateway sees it when authentication is on: the operator's commands
(deploy, modify, migrate, resolve incidents, change job retries) are written to the audit trail
with the caller's name, by the engine in the same transaction as the command's records, as their
REST counterparts are.

Who may give which command is not decided here: the gateway's authorizer makes the call act as
the caller (`engine.access.principal.acting_as`) and the engine decides every command against
its rule table and live state (engine/access/rules.py); a refused command writes no entry.
Every other call passes straight through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, cast

from engine.access.principal import Principal
from engine.api import (
    DEFAULT_TENANT,
    ActivateInstruction,
    Deployment,
    Engine,
    MappingInstruction,
    PermissionDenied,
    RepairTools,
    Resource,
)
from engine.audit import AuditAction, AuditDraft, AuditTrail, recorded_with
from engine.gateway.auth import current_principal


class AuditedEngine:
    def __init__(self, engine: Engine, trail: AuditTrail, now_ms: Any) -> None:
        self._engine = engine
        self._trail = trail
        self._now_ms = now_ms

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def _caller(self) -> Principal:
        principal = current_principal.get()
        if not isinstance(principal, Principal):
            # The gateway authenticates every call before it reaches here.
            raise PermissionDenied("an authenticated caller is needed")
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
        principal = self._caller()
        with self._audited(
            principal,
            AuditAction.DEPLOYMENT_CREATED,
            lambda done: {"deploymentKey": done.key},
            {"resources": [r.name for r in resources]},
        ):
            return await self._engine.deploy(resources, tenant_id)

    async def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Sequence[ActivateInstruction] = (),
        terminate: Sequence[int] = (),
    ) -> None:
        principal = self._caller()
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
        principal = self._caller()
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
        principal = self._caller()
        with self._audited(principal, AuditAction.INCIDENT_RESOLVED, {"incidentKey": incident_key}):
            await self._engine.resolve_incident(incident_key)

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        principal = self._caller()
        with self._audited(
            principal, AuditAction.JOB_RETRIES_UPDATED, {"jobKey": job_key}, {"retries": retries}
        ):
            await self._engine.update_job_retries(job_key, retries)
