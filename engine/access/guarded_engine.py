"""The engine as the gRPC gateway sees it when authentication is on: the operator's commands
(deploy, cancel, resolve incidents, change job retries) need the same permission as their REST
counterparts, and are written to the audit trail with the caller's name. Creating an instance
follows the same rule as over REST (start instructions only for admins).

The gateway authenticates each call and leaves the caller in `current_principal`; this wrapper
reads it there, so the gateway itself stays unaware of users and roles. Every other command
passes straight through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from engine.access.permissions import Permission, require, require_create_process_instance
from engine.access.principal import Principal
from engine.api import (
    DEFAULT_TENANT,
    ActivateInstruction,
    Deployment,
    Engine,
    JsonObject,
    MappingInstruction,
    PermissionDenied,
    ProcessInstanceCreated,
    RepairTools,
    Resource,
)
from engine.audit import AuditAction, AuditTrail
from engine.gateway.auth import current_principal


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

    def _audit(
        self,
        principal: Principal,
        action: AuditAction,
        subject: Mapping[str, int | str],
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self._trail.append(
            timestamp=int(self._now_ms()),
            actor=principal.username,
            action=action,
            subject_keys=subject,
            details={"via": "grpc", **(details or {})},
        )

    async def deploy(
        self, resources: Sequence[Resource], tenant_id: str = DEFAULT_TENANT
    ) -> Deployment:
        principal = self._caller(Permission.DEPLOY)
        deployment = await self._engine.deploy(resources, tenant_id)
        self._audit(
            principal,
            AuditAction.DEPLOYMENT_CREATED,
            {"deploymentKey": deployment.key},
            {"resources": [r.name for r in resources]},
        )
        return deployment

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
        principal = self._caller(Permission.CANCEL_PROCESS_INSTANCE)
        await self._engine.cancel_process_instance(process_instance_key)
        self._audit(
            principal,
            AuditAction.PROCESS_INSTANCE_CANCELED,
            {"processInstanceKey": process_instance_key},
        )

    async def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Sequence[ActivateInstruction] = (),
        terminate: Sequence[int] = (),
    ) -> None:
        principal = self._caller(Permission.MODIFY_PROCESS_INSTANCE)
        await cast(RepairTools, self._engine).modify_process_instance(
            process_instance_key, activate, terminate
        )
        self._audit(
            principal,
            AuditAction.PROCESS_INSTANCE_MODIFIED,
            {"processInstanceKey": process_instance_key},
            {
                "activate": [a.element_id for a in activate],
                "terminate": [str(key) for key in terminate],
            },
        )

    async def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mappings: Sequence[MappingInstruction],
    ) -> None:
        principal = self._caller(Permission.MIGRATE_PROCESS_INSTANCE)
        await cast(RepairTools, self._engine).migrate_process_instance(
            process_instance_key, target_process_definition_key, mappings
        )
        self._audit(
            principal,
            AuditAction.PROCESS_INSTANCE_MIGRATED,
            {"processInstanceKey": process_instance_key},
            {"targetProcessDefinitionKey": str(target_process_definition_key)},
        )

    async def resolve_incident(self, incident_key: int) -> None:
        principal = self._caller(Permission.RESOLVE_INCIDENT)
        await self._engine.resolve_incident(incident_key)
        self._audit(principal, AuditAction.INCIDENT_RESOLVED, {"incidentKey": incident_key})

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        principal = self._caller(Permission.UPDATE_JOB)
        await self._engine.update_job_retries(job_key, retries)
        self._audit(
            principal, AuditAction.JOB_RETRIES_UPDATED, {"jobKey": job_key}, {"retries": retries}
        )
