"""The `serve` command: the embedded engine behind its gRPC gateway and its HTTP API.

Startup order is service, gateway, HTTP; shutdown (SIGTERM/SIGINT) is the reverse, so no adapter
ever talks to a closed service.

Authentication is on unless `--no-auth` is given (which says so loudly on stderr). Users come from
`--identity-file`, else the file named by ENGINE_IDENTITY_FILE, plus the environment's bootstrap
admin (ENGINE_ADMIN_USER...); when none of these names a single user, the DEMO identity
(engine/access/demo-identity.toml, public passwords) is used with a warning, so a fresh checkout
is usable but never silently open. HTTP and gRPC then accept the same Basic credentials and
bearer tokens. The audit trail lives in the engine's database (DATA_DIR/engine.sqlite3), written
with the records of the commands it describes. A damaged store makes `serve` exit with status 3
(docs/storage-integrity.md); `recover --accept-loss` keeps its intact records.

Stdout gets one line per listener and then "ready", which scripts and tests wait for; everything
else goes to the structlog log on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from engine.access import Identity, IdentityConfigError
from engine.access.audited_engine import AuditedEngine
from engine.access.demo_guard import refuse_demo_secrets
from engine.access.directory_admin import MANAGED_IDENTITY_FILE, DirectoryAdmin
from engine.access.gateway import grpc_authorizer
from engine.access.sign_in_audit import audit_lockouts
from engine.api import Engine
from engine.audit import AuditTrail
from engine.gateway import ClusterInfo, GatewayServer, start_gateway
from engine.gateway.auth import Authorizer, allow_all
from engine.gateway.server import CannotListen, split_address
from engine.snapshot import DEFAULT_SNAPSHOT_EVERY
from engine.store import StoreDamaged
from observability.logging import configure_logging

if TYPE_CHECKING:
    from engine.http import HttpServer

log = structlog.get_logger("engine.cli")

GRPC_GRACE_SECONDS = 1.0


@dataclass(frozen=True)
class ServeOptions:
    grpc_address: str = "127.0.0.1:26500"
    http_address: str | None = "127.0.0.1:8080"
    data_dir: Path = Path("./var/engine")
    identity_file: Path | None = None
    no_auth: bool = False


DEMO_IDENTITY_FILE = Path(__file__).parent / "access" / "demo-identity.toml"
NO_AUTH_BANNER = (
    "!!! AUTHENTICATION IS OFF (--no-auth): anyone who can reach the engine acts as an "
    "administrator. Development only. !!!"
)


@dataclass
class RunningEngine:
    gateway: GatewayServer
    http: HttpServer | None

    async def stop(self) -> None:
        # gRPC first: a short grace lets in-flight commands finish, then long polls and job
        # streams are cancelled. Then HTTP. The caller closes the engine afterwards.
        await self.gateway.stop(GRPC_GRACE_SECONDS)
        if self.http is not None:
            await self.http.stop()


def _record_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise argparse.ArgumentTypeError(f"expected a number of records (0 or more), got {value!r}")
    return count


def _address(value: str) -> str:
    try:
        split_address(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m engine",
        description="The embedded Zeebe-compatible engine (gRPC gateway and /v2 HTTP API).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the engine until SIGTERM/SIGINT",
        description="Open the engine on DATA_DIR and serve Zeebe's gRPC gateway and the HTTP API.",
    )
    defaults = ServeOptions()
    serve.add_argument(
        "--grpc-address",
        type=_address,
        default=defaults.grpc_address,
        help=f"host:port for the Zeebe gRPC gateway (default {defaults.grpc_address})",
    )
    serve.add_argument(
        "--http-address",
        type=_address,
        default=defaults.http_address,
        help=f"host:port for the HTTP API (default {defaults.http_address})",
    )
    serve.add_argument(
        "--no-http", action="store_true", help="serve only the gRPC gateway, no HTTP API"
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=defaults.data_dir,
        help=f"directory of the engine's SQLite state (default {defaults.data_dir})",
    )
    serve.add_argument(
        "--snapshot-every",
        type=_record_count,
        default=DEFAULT_SNAPSHOT_EVERY,
        metavar="RECORDS",
        help="snapshot the state and compact the log into the history every RECORDS records "
        f"(default {DEFAULT_SNAPSHOT_EVERY}; 0: never, the whole log is replayed at start)",
    )
    serve.add_argument(
        "--identity-file",
        type=Path,
        default=None,
        help="TOML/JSON file of users, groups and API tokens (default: $ENGINE_IDENTITY_FILE, "
        "else the DEMO identity engine/access/demo-identity.toml, with a warning)",
    )
    serve.add_argument(
        "--no-auth",
        action="store_true",
        help="DEVELOPMENT ONLY: no authentication, every caller is an administrator",
    )
    recover = commands.add_parser(
        "recover",
        help="after a damaged store was reported: keep the intact records, drop the rest",
        description="Keep the records up to the last intact one, remove those after it and note "
        "it as acknowledged (docs/storage-integrity.md: copy the data directory aside first; "
        "what is removed is lost).",
    )
    recover.add_argument("--data-dir", type=Path, required=True)
    recover.add_argument(
        "--accept-loss",
        action="store_true",
        required=True,
        help="required: confirms that records after the intact ones may be lost",
    )
    return parser


def recover(data_dir: Path) -> int:
    from engine.store import DB_FILE, cut_to_intact

    if not (data_dir / DB_FILE).exists():
        print(f"engine recover: no record store at {data_dir / DB_FILE}", file=sys.stderr)
        return 2
    kept, removed = cut_to_intact(data_dir)
    print(f"kept the records up to position {kept}; removed {removed} after it")
    return 0


def resolve_identity(options: ServeOptions) -> Identity:
    """Raises IdentityConfigError naming the bad file or entry."""
    if options.no_auth:
        print(NO_AUTH_BANNER, file=sys.stderr, flush=True)
        return Identity.disabled()
    managed = options.data_dir / MANAGED_IDENTITY_FILE
    if managed.is_file():
        # Administrators changed the directory from the desk: their version rules from now on.
        log.info("engine.managed_identity", file=str(managed), seeded_by=str(options.identity_file))
        identity = Identity.from_sources(managed)
        source = str(managed)
    else:
        identity = Identity.from_sources(options.identity_file)
        source = str(options.identity_file or "identity")
    refuse_demo_secrets(identity.directory, source)
    if not identity.directory.users:
        log.warning(
            "engine.demo_identity",
            message="no identity configured; using the DEMO identity with PUBLIC passwords",
            file=str(DEMO_IDENTITY_FILE),
        )
        identity = Identity.from_sources(DEMO_IDENTITY_FILE)
    return identity


async def start_adapters(
    engine: Engine,
    options: ServeOptions,
    identity: Identity | None = None,
    trail: AuditTrail | None = None,
) -> RunningEngine:
    """Start the gateway and (unless disabled) HTTP in front of an open engine. With an enabled
    `identity`, both adapters authenticate every call; `trail` receives the audit entries."""

    secured = identity is not None and identity.enabled
    directory_admin: DirectoryAdmin | None = None
    gateway_engine: Engine = engine
    authorize: Authorizer = allow_all
    if secured and identity is not None and trail is not None:
        clock = getattr(engine, "clock", None)
        now_ms = clock.now_ms if clock is not None else (lambda: int(time.time() * 1000))
        gateway_engine = AuditedEngine(engine, trail, now_ms)
        authorize = grpc_authorizer(identity)
        audit_lockouts(identity, trail, now_ms)
        directory_admin = DirectoryAdmin(
            identity, trail, now_ms, options.data_dir / MANAGED_IDENTITY_FILE
        )
    gateway = await start_gateway(gateway_engine, options.grpc_address, authorize)
    http: HttpServer | None = None
    if options.http_address is not None:
        # Loaded once the gateway listens (a tenth of a second of imports): a restart has gRPC
        # clients answered first, and `--no-http` does not load the HTTP stack at all.
        from engine.http import create_app, start_http
        from engine.http.context import RestContext, RestEngine

        cluster = ClusterInfo(host=gateway.host, port=gateway.port)
        rest = (
            RestContext(engine, trail)
            if isinstance(engine, RestEngine) and trail is not None
            else None
        )
        app = create_app(
            engine,
            lambda: cluster,
            identity=identity if secured else None,
            rest=rest,
            directory_admin=directory_admin,
        )
        try:
            http = await start_http(app, options.http_address)
        except BaseException:
            await gateway.stop(0)
            raise
    return RunningEngine(gateway=gateway, http=http)


def announce(running: RunningEngine) -> None:
    print(f"gRPC gateway listening on {running.gateway.address}", flush=True)
    if running.http is not None:
        print(f"HTTP API listening on {running.http.url}", flush=True)
    print("ready", flush=True)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)


async def _open_engine_service(
    data_dir: Path, snapshot_every: int = DEFAULT_SNAPSHOT_EVERY
) -> tuple[Engine, Callable[[], Awaitable[None]]]:
    # Imported here so that `--help` and argument errors do not pay for loading the core.
    from engine.service import EngineService

    service = await EngineService.open(data_dir, snapshot_every=snapshot_every)
    log.info(
        "engine.replayed",
        records=service.replayed_records,
        replay_ms=round(service.replay_seconds * 1000),
    )
    return service, service.close


EngineOpener = Callable[[Path], Awaitable[tuple[Engine, Callable[[], Awaitable[None]]]]]


async def serve(
    options: ServeOptions,
    stop: asyncio.Event | None = None,
    open_engine: EngineOpener = _open_engine_service,
    on_ready: Callable[[RunningEngine], None] = announce,
) -> None:
    """Run until `stop` is set (by default: until SIGTERM or SIGINT)."""
    started = time.perf_counter()
    if stop is None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
    identity = resolve_identity(options)
    options.data_dir.mkdir(parents=True, exist_ok=True)
    await _serve_engine(options, stop, open_engine, on_ready, identity, started)


def _trail_of(engine: Engine, data_dir: Path) -> AuditTrail:
    """The trail the engine writes (in its own store, with the commands' records)."""
    from engine.service import EngineService

    if isinstance(engine, EngineService):
        return engine.store.audit_trail()
    return AuditTrail.open_in(data_dir)


async def _serve_engine(
    options: ServeOptions,
    stop: asyncio.Event,
    open_engine: EngineOpener,
    on_ready: Callable[[RunningEngine], None],
    identity: Identity,
    started: float,
) -> None:
    # The engine opens first: it is what checks the store, and refuses a damaged one.
    engine, close_engine = await open_engine(options.data_dir)
    trail: AuditTrail | None = None
    try:
        trail = _trail_of(engine, options.data_dir)
        running = await start_adapters(engine, options, identity, trail)
        try:
            on_ready(running)
            log.info(
                "engine.ready",
                startup_ms=round((time.perf_counter() - started) * 1000),
                data_dir=str(options.data_dir),
            )
            await stop.wait()
            log.info("engine.stopping")
        finally:
            await running.stop()
    finally:
        if trail is not None:
            trail.close()
        await close_engine()
    log.info("engine.stopped")


# Young-generation collections every 10,000 allocations instead of 700: processing a command
# allocates dicts and records by the hundred, nearly all freed by reference counting, and each
# early collection promoted the ones still in flight, growing the older generations whose full
# scans cost more and more as the state grows over a long run.
_YOUNG_COLLECTION_THRESHOLD = 10_000


def _settle_collector() -> None:
    """Once the served engine is ready (modules, replayed state, parsed definitions, the FEEL
    runtime), moves what exists into the collector's permanent generation, which full collections
    no longer scan, and makes young collections rarer. Only for the `engine serve` process: it
    tunes the whole interpreter, so embedding callers of `serve` (tests) keep their own."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(_YOUNG_COLLECTION_THRESHOLD, older, oldest)


def _announce_settled(running: RunningEngine) -> None:
    _settle_collector()
    announce(running)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "recover":
        return recover(args.data_dir)
    configure_logging()
    options = ServeOptions(
        grpc_address=args.grpc_address,
        http_address=None if args.no_http else args.http_address,
        data_dir=args.data_dir,
        identity_file=args.identity_file,
        no_auth=args.no_auth,
    )
    try:
        opener = functools.partial(_open_engine_service, snapshot_every=args.snapshot_every)
        asyncio.run(serve(options, open_engine=opener, on_ready=_announce_settled))
    except CannotListen as error:
        print(f"engine serve: {error}", file=sys.stderr, flush=True)
        return 1
    except IdentityConfigError as error:
        print(f"engine serve: {error}", file=sys.stderr, flush=True)
        return 2
    except StoreDamaged as error:
        print(f"engine serve: {error}", file=sys.stderr, flush=True)
        return 3
    return 0
