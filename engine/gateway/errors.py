"""Every RPC runs inside one guard: authorize the caller, turn refusals into status codes.

An `EngineError` becomes the status Zeebe uses for the same refusal, with its message. Anything
else is a bug on our side: it is logged and the client gets INTERNAL, and the server keeps
serving. Cancellation (the client went away, the server stops) passes through untouched.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

import grpc
import structlog

from engine.api import EngineError
from engine.gateway.auth import (
    ANONYMOUS,
    Authorizer,
    allow_all,
    current_peer,
    current_principal,
    current_rpc,
    peer_host,
)

log = structlog.get_logger("engine.gateway")

Request = TypeVar("Request")
Response = TypeVar("Response")


class HasAuthorizer(Protocol):
    authorize: Authorizer


S = TypeVar("S", bound=HasAuthorizer)

UnaryHandler = Callable[[S, Request, Any], Awaitable[Response]]
StreamHandler = Callable[[S, Request, Any], AsyncIterator[Response]]


def _metadata(context: Any) -> Mapping[str, str]:
    pairs = context.invocation_metadata() or ()
    return {str(key): value if isinstance(value, str) else repr(value) for key, value in pairs}


async def _authorize(servicer: HasAuthorizer, context: Any, rpc: str) -> None:
    current_rpc.set(rpc)
    if servicer.authorize is allow_all:  # the open default reads no metadata: skip copying it
        current_principal.set(ANONYMOUS)
        return
    current_peer.set(peer_host(context.peer()))
    current_principal.set(await servicer.authorize(_metadata(context)))


async def _refuse(context: Any, rpc: str, error: Exception) -> None:
    """Abort the call with the status matching `error`; raises grpc's AbortError."""
    if isinstance(error, EngineError):
        code = getattr(grpc.StatusCode, error.status, grpc.StatusCode.INTERNAL)
        await context.abort(code, str(error) or error.status)
    log.error("gateway.unexpected_error", rpc=rpc, error=repr(error), exc_info=error)
    await context.abort(
        grpc.StatusCode.INTERNAL,
        f"Unexpected error while processing {rpc}: {type(error).__name__}",
    )


def unary_rpc(
    method: UnaryHandler[S, Request, Response],
) -> UnaryHandler[S, Request, Response]:
    rpc = method.__name__

    @functools.wraps(method)
    async def guarded(self: S, request: Request, context: Any) -> Response:
        try:
            await _authorize(self, context, rpc)
            return await method(self, request, context)
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception as error:
            await _refuse(context, rpc, error)
            raise  # unreachable: _refuse always aborts

    return guarded


def stream_rpc(
    method: StreamHandler[S, Request, Response],
) -> StreamHandler[S, Request, Response]:
    rpc = method.__name__

    @functools.wraps(method)
    async def guarded(self: S, request: Request, context: Any) -> AsyncIterator[Response]:
        try:
            await _authorize(self, context, rpc)
            responses = method(self, request, context)
            try:
                async for response in responses:
                    yield response
            finally:
                # When the client leaves, the handler's own clean-up (giving back jobs it could
                # not send) runs now, not whenever the abandoned generator is collected.
                close = getattr(responses, "aclose", None)
                if close is not None:
                    await close()
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception as error:
            await _refuse(context, rpc, error)
            raise

    return guarded
