"""Request bodies are refused above their limit (engine.limits) before the application reads or
parses them: by Content-Length at once, otherwise while they stream in, with 413 and a problem
document naming the limit. The body is read here (at most limit + 1 bytes) and handed on."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.http.problem import problem
from engine.limits import body_limit


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = body_limit(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(path, limit, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([], receive, message), send)
                return
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > limit:
                await _too_large(path, limit, scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(chunks: list[bytes], original: Receive, last: Message | None = None) -> Receive:
    """The body read here, then the connection's own messages: a held call (a long-polled job
    activation) must still learn when its client really goes away, not at once."""
    body = b"".join(chunks)
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if last is not None:
                return last
            return {"type": "http.request", "body": body, "more_body": False}
        if last is not None:  # the client already left
            return {"type": "http.disconnect"}
        return await original()

    return receive


async def _too_large(path: str, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem(
        413,
        "PAYLOAD_TOO_LARGE",
        f"The request body is larger than the limit of {limit} bytes for {path} "
        "(see docs/limits.md).",
        path,
    )
    # Close the connection: the rest of the body is not read.
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
