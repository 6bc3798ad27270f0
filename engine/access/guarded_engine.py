"""The engine as the gRPC gateway sees it when authentication is on: the operator's commands
(deploy, cancel, resolve incidents, change job retries) need the same permission as their REST
counterparts, and are written to the audit trail with the caller's name, by the engine in the
same transaction as the command's records.

The gateway authenticates each call and leaves the caller in `current_principal`; this wrapper
reads it there, so the gateway itself stays unaware of users and roles. Every other command
passes straight through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from engine.access.permissions import Permission, require
from engine.access.principal import Principal
from engine.api import DEFAULT_TENANT, Deployment, Engine, PermissionDenied, Resource
from engine.audit import AuditAction, AuditDraft, AuditTrail, recorded_with
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

    async def cancel_process_instance(self, process_instance_key: int) -> None:
        principal = self._caller(Permission.CANCEL_PROCESS_INSTANCE)
        with self._audited(
            principal,
            AuditAction.PROCESS_INSTANCE_CANCELED,
            {"processInstanceKey": process_instance_key},
        ):
            await self._engine.cancel_process_instance(process_instance_key)

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
