"""Authentication of every /v2 request, before any route runs.

The caller's Principal is put in the request state; routes read it with `principal_of` and
decide what it may do (engine.access). Without an Identity (tests of the bare adapters, or the
`--no-auth` dev mode) everyone is the all-powerful dev principal.

Failed password sign-ins are throttled per account and per client address; a locked caller gets
429 with Retry-After and a Chinese sentence. The address is the TCP peer's, except behind a proxy
listed in ENGINE_TRUSTED_PROXIES (comma-separated addresses; by default the loopback addresses,
where the desk runs beside the engine): there the last X-Forwarded-For entry, which that proxy
wrote, names the client. X-Forwarded-For from anyone else is ignored, so a remote caller cannot
pick the address it is throttled under. Without this, every officer signing in through the desk
would share the desk's address, and twenty wrong passwords would lock all of them out.
"""

from __future__ import annotations

import os
from collections.abc import Collection

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.access import DEV_PRINCIPAL, Identity, Principal
from engine.access.principal import acting_as
from engine.access.sign_in_throttle import SignInLocked
from engine.api import Unauthenticated
from engine.http.problem import problem

REALM = 'Basic realm="engine", charset="UTF-8"'
TRUSTED_PROXIES_ENV = "ENGINE_TRUSTED_PROXIES"


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def trusted_proxies_from_environment() -> frozenset[str]:
    raw = os.environ.get(TRUSTED_PROXIES_ENV)
    if raw is None:
        return LOOPBACK
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


class Authentication:
    def __init__(
        self,
        app: ASGIApp,
        identity: Identity | None,
        public_paths: Collection[str] = (),
        trusted_proxies: Collection[str] | None = None,
    ) -> None:
        self.app = app
        self.identity = identity
        self.public_paths = frozenset(public_paths)
        self.trusted_proxies = (
            frozenset(trusted_proxies)
            if trusted_proxies is not None
            else trusted_proxies_from_environment()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        principal: Principal = DEV_PRINCIPAL
        if self.identity is not None and path not in self.public_paths:
            header = _header(scope, b"authorization")
            try:
                principal = await self.identity.authenticate(
                    header, client=self.client_address(scope), via="rest"
                )
            except Unauthenticated as error:
                response = problem(401, error.title, str(error), path)
                response.headers["WWW-Authenticate"] = REALM
                await response(scope, receive, send)
                return
            except SignInLocked as error:
                response = problem(429, error.title, str(error), path)
                response.headers["Retry-After"] = str(error.retry_after_seconds)
                await response(scope, receive, send)
                return
        scope.setdefault("state", {})["principal"] = principal
        # Every command the request gives the engine acts for this principal; the engine decides
        # it (engine/access/rules.py), the routes only translate.
        with acting_as(principal):
            await self.app(scope, receive, send)

    def client_address(self, scope: Scope) -> str | None:
        client = scope.get("client")
        peer = str(client[0]) if client else None
        if peer is not None and peer in self.trusted_proxies:
            forwarded = _header(scope, b"x-forwarded-for")
            if forwarded:
                last = forwarded.split(",")[-1].strip()
                if last:
                    return last
        return peer


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
