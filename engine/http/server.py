"""uvicorn, run inside the caller's event loop next to the gRPC gateway."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from engine.gateway.server import CannotListen, split_address

# Open HTTP requests get this long to finish when the engine stops.
GRACEFUL_SHUTDOWN_SECONDS = 2


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The process owner (the CLI) handles SIGTERM/SIGINT and stops every server in order;
        # uvicorn would otherwise re-raise the signal after its own shutdown.
        yield


@dataclass
class HttpServer:
    server: uvicorn.Server
    task: asyncio.Task[None]
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


def _bind(host: str, port: int, address: str) -> socket.socket:
    # Bound here rather than by uvicorn: uvicorn reports a failed bind with sys.exit(), which
    # would tear down the whole event loop (and the gRPC gateway with it).
    try:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise CannotListen(f"Cannot listen for HTTP on {address}: {error}") from error
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
    except OSError as error:
        sock.close()
        raise CannotListen(f"Cannot listen for HTTP on {address}: {error.strerror}") from error
    return sock


async def start_http(app: ASGIApp, address: str = "127.0.0.1:8080") -> HttpServer:
    """Start serving `app`; raises CannotListen naming the address when it cannot bind."""
    host, port = split_address(address)
    sock = _bind(host, port, address)
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            sock.close()
            raise CannotListen(f"Cannot serve HTTP on {address}") from task.exception()
        await asyncio.sleep(0.005)
    return HttpServer(server=server, task=task, host=host, port=int(sock.getsockname()[1]))
