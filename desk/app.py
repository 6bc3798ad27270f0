"""The desk's ASGI app: sign-in, the /api/v2 proxy, case documents and the built front-end."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from desk.api_client import ApiClient
from desk.case_documents import document_routes
from desk.case_routes import case_routes
from desk.holiday_schedule import holiday_schedule_routes
from desk.objections import objection_routes
from desk.people import load_directory, people_routes
from desk.proxy import proxy_routes
from desk.register_data import load_units
from desk.register_routes import register_routes
from desk.reporters import reporter_routes
from desk.sessions import SessionStore
from desk.settings import DeskSettings
from desk.sign_in import sign_in_routes
from desk.training_clock import training_routes

# form-js and bpmn-js set inline styles on elements, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"x-frame-options": b"DENY",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _page_routes(settings: DeskSettings) -> list[BaseRoute]:
    index = settings.static_dir / "index.html"

    async def page(request: Request) -> Response:
        return FileResponse(index, headers={"cache-control": "no-store"})

    routes: list[BaseRoute] = [Route("/", page, methods=["GET"])]
    dist = settings.static_dir / "dist"
    # check_dir=False: the server starts before `npm run build:desk` and says what is missing.
    routes.append(Mount("/dist", app=StaticFiles(directory=dist, check_dir=False), name="dist"))
    return routes


def create_desk_app(
    settings: DeskSettings, transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """`transport` lets tests put the API in-process; normally the desk dials `api_url`."""
    api = ApiClient(settings.api_url, transport=transport)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await api.close()

    app = Starlette(
        routes=[
            *sign_in_routes(),
            *people_routes(),
            *proxy_routes(),
            *training_routes(),
            *document_routes(),
            *objection_routes(),
            *reporter_routes(),
            *holiday_schedule_routes(),
            *case_routes(),
            *register_routes(),
            *_page_routes(settings),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.api = api
    app.state.directory = load_directory(settings.people_file)
    app.state.units = load_units()
    app.state.sessions = SessionStore(settings.session_seconds)
    # The instant the engine clock was pinned to from this desk (training only); None: real time.
    app.state.pinned_clock = None
    app.add_middleware(SecurityHeaders)
    return app
