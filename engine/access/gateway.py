"""The gRPC side of access control: an `engine.gateway.auth.Authorizer` built on an Identity, and
the permission each gateway RPC needs.

Zeebe clients send credentials in the `authorization` call metadata, with the same value an HTTP
client would put in the header, so both adapters share one check. The RPCs the job workers use
(activate/complete/fail jobs, start instances, publish messages) need only an authenticated
caller; the operator's RPCs need the same permission as their REST counterparts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from engine.access.identity import Identity
from engine.access.permissions import Permission, require
from engine.access.principal import Principal
from engine.gateway.auth import current_peer

GRPC_PERMISSIONS: Mapping[str, Permission] = {
    "DeployResource": Permission.DEPLOY,
    "DeployProcess": Permission.DEPLOY,
    "DeleteResource": Permission.DEPLOY,
    "CancelProcessInstance": Permission.CANCEL_PROCESS_INSTANCE,
    "ResolveIncident": Permission.RESOLVE_INCIDENT,
    "UpdateJobRetries": Permission.UPDATE_JOB,
    "ModifyProcessInstance": Permission.MODIFY_PROCESS_INSTANCE,
    "MigrateProcessInstance": Permission.MIGRATE_PROCESS_INSTANCE,
}


def grpc_authorizer(identity: Identity) -> Callable[[Mapping[str, str]], Awaitable[Principal]]:
    async def authorize(metadata: Mapping[str, str]) -> Principal:
        value = metadata.get("authorization")
        if value is None:
            # gRPC lower-cases metadata keys, but a hand-built mapping might not.
            value = next((v for k, v in metadata.items() if k.lower() == "authorization"), None)
        return await identity.authenticate(value, client=current_peer.get(), via="grpc")

    return authorize


def require_grpc_method(principal: Principal, method: str) -> None:
    """Raises PermissionDenied when `principal` may not call the gateway RPC `method` (its short
    name, e.g. "DeployResource" or "/gateway_protocol.Gateway/DeployResource")."""
    permission = GRPC_PERMISSIONS.get(method.rsplit("/", 1)[-1])
    if permission is not None:
        require(principal, permission)
