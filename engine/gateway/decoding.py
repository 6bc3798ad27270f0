"""Requests that protobuf cannot decode (e.g. invalid UTF-8 in a string field) are the client's
error: INVALID_ARGUMENT naming the problem, as for any other bad argument. Left to grpc, a failing
deserializer ends the call with a generic status (UNKNOWN/INTERNAL), which pyzeebe counts towards
stopping a worker for good.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]


class _Undecodable:
    def __init__(self, error: DecodeError) -> None:
        self.error = error


def _lenient(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserialize is None:
        return None
    original = deserialize

    def decode(data: bytes) -> Any:
        try:
            return original(data)
        except DecodeError as error:
            return _Undecodable(error)

    return decode


def _refusal(request: _Undecodable, method: str) -> str:
    return (
        f"Expected a valid {method} request, but it could not be decoded: {request.error} "
        "(string fields must be valid UTF-8)"
    )


class RefuseUndecodable(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.request_streaming:
            return handler
        method = str(handler_call_details.method).rsplit("/", 1)[-1]
        if handler.unary_unary is not None:
            unary = handler.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                if isinstance(request, _Undecodable):
                    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _refusal(request, method))
                return await unary(request, context)

            return handler._replace(
                request_deserializer=_lenient(handler.request_deserializer),
                unary_unary=unary_unary,
            )
        if handler.unary_stream is not None:
            stream = handler.unary_stream

            async def unary_stream(
                request: Any, context: grpc.aio.ServicerContext
            ) -> AsyncIterator[Any]:
                if isinstance(request, _Undecodable):
                    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _refusal(request, method))
                async for response in stream(request, context):
                    yield response

            return handler._replace(
                request_deserializer=_lenient(handler.request_deserializer),
                unary_stream=unary_stream,
            )
        return handler
