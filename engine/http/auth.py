"""Authentication of every /v2 request, before any route runs.

The caller's Principal is put in the request state; routes read it with `principal_of` and
decide what it may do (engine.access). Without an Identity (tests of the bare adapters, or the
`--no-auth` dev mode) everyone is the all-powerful dev principal.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.access import DEV_PRINCIPAL, Identity, Principal
from engine.api import Unauthenticated
from engine.http.problem import problem

REALM = 'Basic realm="engine", charset="UTF-8"'


class Authentication:
    def __init__(
        self, app: ASGIApp, identity: Identity | None, public_paths: Collection[str] = ()
    ) -> None:
        self.app = app
        self.identity = identity
        self.public_paths = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        principal: Principal = DEV_PRINCIPAL
        if self.identity is not None and path not in self.public_paths:
            header = _header(scope, b"authorization")
            try:
                principal = self.identity.authenticate(header)
            except Unauthenticated as error:
                response = problem(401, error.title, str(error), path)
                response.headers["WWW-Authenticate"] = REALM
                await response(scope, receive, send)
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def principal_of(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    # Routes mounted without the middleware (never in create_app) fail closed.
    if not isinstance(principal, Principal):
        raise Unauthenticated("the request was not authenticated")
    return principal


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None
