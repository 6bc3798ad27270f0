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
# The short name of the RPC being served (e.g. "CompleteJob"), set before the caller is
# authorized, so that an Authorizer can decide per RPC.
current_rpc: ContextVar[str] = ContextVar("current_rpc", default="")


async def allow_all(metadata: Mapping[str, str]) -> Principal:
    """The embedded default: the engine listens on localhost and trusts whoever connects."""
    return ANONYMOUS
