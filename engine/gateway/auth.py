"""The hook through which a deployment decides who may call the gateway.

The gateway hands every call's metadata to an `Authorizer`; it returns the caller (any object
the deployment finds useful) or raises `engine.api.Unauthenticated` / `PermissionDenied`. The
caller is then available to the rest of the call through `current_principal`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar

Principal = object
Authorizer = Callable[[Mapping[str, str]], Awaitable[Principal]]

ANONYMOUS: Principal = "anonymous"

current_principal: ContextVar[Principal] = ContextVar("current_principal", default=ANONYMOUS)
# The calling peer's address (host only), set before the Authorizer runs so that it can throttle
# failed sign-ins per address; None when the transport does not say (e.g. a Unix socket).
current_peer: ContextVar[str | None] = ContextVar("current_peer", default=None)


def peer_host(peer: str | None) -> str | None:
    """The host of a gRPC peer string: "ipv4:127.0.0.1:5000" → "127.0.0.1",
    "ipv6:[::1]:5000" → "::1"; None for other transports."""
    if not peer:
        return None
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0] or None
    if kind == "ipv6":
        host = rest.rsplit(":", 1)[0] if rest.startswith("[") else rest
        return host.strip("[]") or None
    return None


# The short name of the RPC being served (e.g. "CompleteJob"), set before the caller is
# authorized, so that an Authorizer can decide per RPC.
current_rpc: ContextVar[str] = ContextVar("current_rpc", default="")


async def allow_all(metadata: Mapping[str, str]) -> Principal:
    """The embedded default: the engine listens on localhost and trusts whoever connects."""
    return ANONYMOUS
