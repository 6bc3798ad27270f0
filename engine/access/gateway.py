"""The gRPC side of access control: an `engine.gateway.auth.Authorizer` built on an Identity
that also applies the RPC table (engine/access/rpc_rules.py) to the caller's kind.

Zeebe clients send credentials in the `authorization` call metadata, with the same value an HTTP
client would put in the header, so both adapters share one check. The gateway names the RPC
being authorized in `current_rpc`; a caller whose kind may not call it is refused before the
engine is reached. The call then acts as the caller (`acting_as`): the engine decides each
command it gives against its rule table and live state (engine/access/rules.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from engine.access.identity import Identity
from engine.access.principal import Principal, acting_principal
from engine.access.rpc_rules import rpc_limit
from engine.gateway.auth import current_peer, current_rpc


def grpc_authorizer(identity: Identity) -> Callable[[Mapping[str, str]], Awaitable[Principal]]:
    async def authorize(metadata: Mapping[str, str]) -> Principal:
        value = metadata.get("authorization")
        if value is None:
            # gRPC lower-cases metadata keys, but a hand-built mapping might not.
            value = next((v for k, v in metadata.items() if k.lower() == "authorization"), None)
        principal = await identity.authenticate(value, client=current_peer.get(), via="grpc")
        rpc_limit(principal, current_rpc.get())
        # Set in the call's own context (the gateway awaits this in the call's task), so every
        # command the call queues carries the caller to the engine.
        acting_principal.set(principal)
        return principal

    return authorize
