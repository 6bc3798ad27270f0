"""The product container's entrypoint: engine, model deployment, workers, desk.

One container runs the whole product, so something must start the parts in order and stop them
in reverse: the workers need a gateway that answers, and the models must be deployed before the
first case is opened. If any part exits, the others are stopped and the container exits with
that part's code, so Docker's restart policy (not this script) decides what happens next.

Environment (defaults in brackets):
- `EXEMPTION_DATA_DIR` [/var/lib/exemption]: the engine's state in `engine/`, the workers' files
  in `workers/` (which the desk reads);
- `EXEMPTION_GRPC_PORT` [26500], `EXEMPTION_HTTP_PORT` [8080], `EXEMPTION_DESK_PORT` [8081];
- `EXEMPTION_DESK` [auto]: start the desk when the image has it; `off`;
- `EXEMPTION_MODELS_DIR` [/app]: holds bpmn/ and forms/; `EXEMPTION_DEPLOY_MODELS` [true];
- `EXEMPTION_ENGINE_AUTH` [on]: the engine checks credentials (ENGINE_IDENTITY_FILE,
  ENGINE_ADMIN_*, else its public DEMO identity); `off` for trials only;
- `ZEEBE_BEARER_TOKEN`: the bearer token the deployment (and, without the next, the workers) send;
- `EXEMPTION_WORKER_TOKEN`: the workers' own token (a worker-role account limited to the
  procedure's job types, docs/grpc-access.md);
- `EXEMPTION_REGISTER_TOKEN`: the token with which the workers read the register over /v2 (the
  repeat check of Art. 12; an account with the manager role); without it, `ZEEBE_BEARER_TOKEN`;
- `EXEMPTION_READY_TIMEOUT` [60]: seconds the engine may take to print "ready";
- `EXEMPTION_HEALTH_FILE` [/tmp/exemption-health.json]: the URLs docker/healthcheck.py probes,
  written once every part has started.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

STOP_GRACE_SECONDS = 20.0


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    grpc_port: int
    http_port: int
    desk_port: int
    desk: bool
    engine_auth: bool
    models_dir: Path
    deploy_models: bool
    ready_timeout: float
    health_file: Path

    @classmethod
    def from_environment(cls) -> Settings:
        env = os.environ
        return cls(
            data_dir=Path(env.get("EXEMPTION_DATA_DIR", "/var/lib/exemption")),
            grpc_port=_port("EXEMPTION_GRPC_PORT", env.get("EXEMPTION_GRPC_PORT", "26500")),
            http_port=_port("EXEMPTION_HTTP_PORT", env.get("EXEMPTION_HTTP_PORT", "8080")),
            desk_port=_port("EXEMPTION_DESK_PORT", env.get("EXEMPTION_DESK_PORT", "8081")),
            desk=_switch("EXEMPTION_DESK", env.get("EXEMPTION_DESK", "auto"), on="auto"),
            engine_auth=_switch(
                "EXEMPTION_ENGINE_AUTH", env.get("EXEMPTION_ENGINE_AUTH", "on"), on="on"
            ),
            models_dir=Path(env.get("EXEMPTION_MODELS_DIR", "/app")),
            deploy_models=_switch(
                "EXEMPTION_DEPLOY_MODELS",
                env.get("EXEMPTION_DEPLOY_MODELS", "true"),
                on="true",
                off="false",
            ),
            ready_timeout=_seconds(
                "EXEMPTION_READY_TIMEOUT", env.get("EXEMPTION_READY_TIMEOUT", "60")
            ),
            health_file=Path(env.get("EXEMPTION_HEALTH_FILE", "/tmp/exemption-health.json")),
        )

    @property
    def local_gateway(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


class StartupFailed(Exception):
    """A part did not come up; the message says which and why."""


def _port(name: str, text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise StartupFailed(f"{name} must be a port number, not {text!r}") from None
    if not 0 < port < 65536:
        raise StartupFailed(f"{name} must be between 1 and 65535, not {port}")
    return port


def _seconds(name: str, text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise StartupFailed(f"{name} must be a number of seconds, not {text!r}") from None
    if seconds <= 0:
        raise StartupFailed(f"{name} must be positive, not {seconds:g}")
    return seconds


def _switch(name: str, text: str, on: str, off: str = "off") -> bool:
    value = text.strip().lower()
    if value not in {on, off}:
        raise StartupFailed(f"{name} must be '{on}' or '{off}', not {text!r}")
    return value == on


def say(message: str) -> None:
    print(f"supervisor: {message}", flush=True)


@dataclass
class Part:
    name: str
    process: asyncio.subprocess.Process
    forwarders: list[asyncio.Task[None]] = field(default_factory=list)


async def _forward(stream: asyncio.StreamReader, ready: asyncio.Event | None = None) -> None:
    while line := await stream.readline():
        text = line.decode("utf-8", errors="replace")
        sys.stdout.write(text)
        sys.stdout.flush()
        if ready is not None and text.strip() == "ready":
            ready.set()


async def start_engine(settings: Settings) -> Part:
    engine_dir = settings.data_dir / "engine"
    engine_dir.mkdir(parents=True, exist_ok=True)
    arguments = [
        "--grpc-address",
        f"0.0.0.0:{settings.grpc_port}",
        "--http-address",
        f"0.0.0.0:{settings.http_port}",
        "--data-dir",
        str(engine_dir),
    ]
    if not settings.engine_auth:
        arguments.append("--no-auth")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "engine", "serve", *arguments, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    ready = asyncio.Event()
    part = Part("engine", process, [asyncio.create_task(_forward(process.stdout, ready))])
    exited = asyncio.create_task(process.wait())
    announced = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait(
        {exited, announced},
        timeout=settings.ready_timeout,
        return_when=asyncio.FIRST_COMPLETED,
    )
    exited.cancel()
    announced.cancel()
    if announced in done:
        return part
    if exited in done:
        raise StartupFailed(f"engine exited with code {process.returncode} before it was ready")
    await stop_part(part)
    raise StartupFailed(f"engine did not print 'ready' within {settings.ready_timeout:.0f}s")


async def deploy_models(settings: Settings) -> None:
    from workers.deployment import DeployFailed, deploy

    try:
        files = await deploy(settings.local_gateway, settings.models_dir)
    except DeployFailed as error:
        raise StartupFailed(str(error)) from error
    say(f"deployed {len(files)} model file(s) from {settings.models_dir}")


async def start_module(
    name: str, module: str, environment: dict[str, str], arguments: tuple[str, ...] = ()
) -> Part:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *arguments, env={**os.environ, **environment}
    )
    return Part(name, process)


def desk_available() -> bool:
    # The desk is newer than the engine and workers; an image built before it existed still runs.
    try:
        return importlib.util.find_spec("desk.__main__") is not None
    except ModuleNotFoundError:
        return False


async def stop_part(part: Part) -> None:
    if part.process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            part.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(part.process.wait(), STOP_GRACE_SECONDS)
        except TimeoutError:
            say(f"{part.name} did not stop within {STOP_GRACE_SECONDS:.0f}s; killing it")
            with contextlib.suppress(ProcessLookupError):
                part.process.kill()
            await part.process.wait()
    for forwarder in part.forwarders:
        with contextlib.suppress(asyncio.CancelledError):
            await forwarder


def declare_healthy_when(settings: Settings, urls: list[str]) -> None:
    """Tell the health check what to probe; until this file exists the container is starting."""
    temporary = settings.health_file.with_suffix(".tmp")
    temporary.write_text(json.dumps({"urls": urls}), encoding="utf-8")
    temporary.replace(settings.health_file)


async def supervise(settings: Settings, stop: asyncio.Event) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # A restarted container keeps /tmp: the last run's file must not vouch for this one.
    settings.health_file.unlink(missing_ok=True)
    parts: list[Part] = []
    health_urls = [f"http://127.0.0.1:{settings.http_port}/v2/topology"]
    try:
        parts.append(await start_engine(settings))
        if settings.deploy_models:
            await deploy_models(settings)
        workers_environment = {
            "ZEEBE_ADDRESS": settings.local_gateway,
            "EXEMPTION_DATA_DIR": str(settings.data_dir / "workers"),
        }
        worker_token = os.environ.get("EXEMPTION_WORKER_TOKEN")
        if worker_token:
            workers_environment["ZEEBE_BEARER_TOKEN"] = worker_token
        # The repeat check reads the register from this engine's /v2 API (workers/register.py).
        workers_environment["CAMUNDA_REST_ADDRESS"] = f"http://127.0.0.1:{settings.http_port}"
        register_token = os.environ.get("EXEMPTION_REGISTER_TOKEN") or os.environ.get(
            "ZEEBE_BEARER_TOKEN"
        )
        if register_token:
            workers_environment["CAMUNDA_REST_TOKEN"] = register_token
        parts.append(await start_module("workers", "workers", workers_environment))
        if not settings.desk:
            say("desk switched off (EXEMPTION_DESK=off)")
        elif desk_available():
            # The desk fronts the engine's /v2 API and reads the case archive the workers write.
            desk_arguments = (
                "--address",
                f"0.0.0.0:{settings.desk_port}",
                "--api",
                f"http://127.0.0.1:{settings.http_port}",
            )
            desk_environment = {"EXEMPTION_DATA_DIR": str(settings.data_dir / "workers")}
            parts.append(await start_module("desk", "desk", desk_environment, desk_arguments))
            health_urls.append(f"http://127.0.0.1:{settings.desk_port}/")
        else:
            say("desk not in this image; serving engine and workers")
        declare_healthy_when(settings, health_urls)
        say("all parts started")
        waits = {asyncio.create_task(part.process.wait()): part for part in parts}
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({stopping, *waits}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        for task in waits:
            task.cancel()
        if stopping in done:
            say("stopping on signal")
            return 0
        failed = next(waits[task] for task in done if task in waits)
        code = failed.process.returncode or 0
        say(f"{failed.name} exited with code {code}; stopping the others")
        return code if code != 0 else 1
    except StartupFailed as error:
        say(f"startup failed: {error}")
        return 1
    finally:
        # Reverse order: desk and workers first, so nothing talks to a closed engine.
        for part in reversed(parts):
            await stop_part(part)


async def run() -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        settings = Settings.from_environment()
    except StartupFailed as error:
        say(f"bad configuration: {error}")
        return 2
    return await supervise(settings, stop)


def main() -> int:
    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
