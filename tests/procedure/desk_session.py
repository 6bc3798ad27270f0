"""The desk in front of the procedure's engine, for end-to-end scenarios that act in the desk.

The desk runs in-process (ASGI) and reaches the engine's /v2 over real HTTP, as deployed. The
procedure's officers authenticate with API tokens (tests/procedure/officers.py), so a desk session
is opened for them directly with their bearer token instead of a password sign-in; everything
after that (CSRF, the officer's own permissions at the API) is the desk's ordinary path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from desk.app import create_desk_app
from desk.sessions import CSRF_COOKIE, SESSION_COOKIE, Officer, SessionStore
from desk.settings import DeskSettings
from tests.procedure import officers
from tests.procedure.scenario import ProcedureRun


class DeskAs:
    """One officer signed in to the desk."""

    def __init__(self, client: httpx.AsyncClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(path)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.client.post(path, json=body, headers={"x-csrf-token": self.csrf})


@asynccontextmanager
async def desk_for(run: ProcedureRun) -> AsyncIterator[Any]:
    """Yields `sign_in(group, roles=("officer",))` → DeskAs."""
    settings = DeskSettings(api_url=str(run.rest.base_url).rstrip("/"), data_dir=run.data_dir)
    app = create_desk_app(settings)
    sessions: SessionStore = app.state.sessions
    clients: list[httpx.AsyncClient] = []

    def sign_in(group: str, roles: tuple[str, ...] = ("officer",)) -> DeskAs:
        officer = Officer(officers.username(group), f"{group}干部", (group,), roles)
        session = sessions.open(officer, officers.bearer(group)["Authorization"])
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://desk.test",
            cookies={SESSION_COOKIE: session.session_id, CSRF_COOKIE: session.csrf_token},
            timeout=30,
        )
        clients.append(client)
        return DeskAs(client, session.csrf_token)

    try:
        yield sign_in
    finally:
        for client in clients:
            await client.aclose()
        await app.state.api.close()
