"""`python -m engine serve`: starts fast, says where it listens, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from engine.api import Engine
from engine.cli import RunningEngine, ServeOptions, build_parser, serve
from tests.engine.fake_engine import FakeEngine

REPO = Path(__file__).resolve().parents[2]
# Spawn to "ready" measures about 0.25 s here (interpreter, imports, SQLite open, both
# listeners); the budget leaves room for a loaded CI machine.
STARTUP_BUDGET_S = 2.0


async def _gateway_health(address: str) -> int:
    async with grpc.aio.insecure_channel(address) as channel:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="gateway_protocol.Gateway"), timeout=5
        )
    return int(response.status)


def _listening(lines: list[str]) -> tuple[str, str]:
    grpc_line = next(line for line in lines if line.startswith("gRPC gateway listening on "))
    http_line = next(line for line in lines if line.startswith("HTTP API listening on "))
    return grpc_line.rsplit(" ", 1)[1], http_line.rsplit(" ", 1)[1]


def test_defaults_match_the_documented_command() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.grpc_address == "127.0.0.1:26500"
    assert args.http_address == "127.0.0.1:8080"
    assert args.data_dir == Path("./var/engine")
    assert args.no_http is False


def test_bad_address_is_refused_by_name() -> None:
    with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()) as err:
        build_parser().parse_args(["serve", "--http-address", "8080"])
    assert "--http-address" in err.getvalue()
    assert "host:port" in err.getvalue()


async def test_serve_starts_adapters_in_front_of_the_engine_and_stops_in_order(
    tmp_path: Path,
) -> None:
    engine = FakeEngine()
    events: list[str] = []

    async def open_fake(data_dir: Path) -> tuple[Engine, Callable[[], Awaitable[None]]]:
        events.append(f"open {data_dir.name}")

        async def close() -> None:
            events.append("close")

        return engine, close

    stop = asyncio.Event()
    ready = asyncio.Event()
    addresses: list[str] = []

    def on_ready(running: RunningEngine) -> None:
        assert running.http is not None
        addresses.extend([running.gateway.address, running.http.url])
        ready.set()

    options = ServeOptions("127.0.0.1:0", "127.0.0.1:0", tmp_path / "data")
    task = asyncio.create_task(serve(options, stop, open_engine=open_fake, on_ready=on_ready))
    await asyncio.wait_for(ready.wait(), timeout=5)
    grpc_address, http_url = addresses

    assert await _gateway_health(grpc_address) == health_pb2.HealthCheckResponse.SERVING
    async with httpx.AsyncClient(base_url=http_url) as client:
        topology = (await client.get("/v2/topology")).json()
    assert topology["brokers"][0]["port"] == int(grpc_address.rsplit(":", 1)[1])

    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert events == ["open data", "close"]
    assert (tmp_path / "data").is_dir()


@contextlib.contextmanager
def _engine_process(data_dir: Path) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "serve",
            "--grpc-address",
            "127.0.0.1:0",
            "--http-address",
            "127.0.0.1:0",
            "--data-dir",
            str(data_dir),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _read_until_ready(process: subprocess.Popen[str], deadline_s: float) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if lines[-1] == "ready":
            return lines
    stderr = ""
    if process.stderr is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2)
        if process.poll() is not None:
            stderr = process.stderr.read()
    pytest.fail(f"engine did not print 'ready'; stdout={lines!r} stderr={stderr[-2000:]}")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
async def test_serve_subprocess_is_ready_fast_and_exits_zero_on_signal(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    started = time.perf_counter()
    with _engine_process(tmp_path / "engine") as process:
        lines = await asyncio.to_thread(_read_until_ready, process, 20)
        startup_s = time.perf_counter() - started
        grpc_address, http_url = _listening(lines)

        assert await _gateway_health(grpc_address) == health_pb2.HealthCheckResponse.SERVING
        async with httpx.AsyncClient(base_url=http_url) as client:
            assert (await client.get("/v2/topology")).status_code == 200

        stopping = time.perf_counter()
        process.send_signal(stop_signal)
        code = await asyncio.to_thread(process.wait, 5)
        stop_s = time.perf_counter() - stopping
    print(f"engine serve: ready after {startup_s * 1000:.0f} ms, stopped in {stop_s * 1000:.0f} ms")
    assert code == 0
    assert startup_s < STARTUP_BUDGET_S


def test_fifty_starts_and_stops_in_a_row_all_exit_zero(tmp_path: Path) -> None:
    """The engine crashed at every stop on machines with memory protection keys (issue 10):
    50 runs on one data directory, SIGTERM and SIGINT in turn, each must exit 0 within 2 s."""
    stops: list[float] = []
    for run in range(50):
        stop_signal = signal.SIGTERM if run % 2 == 0 else signal.SIGINT
        with _engine_process(tmp_path / "engine") as process:
            _read_until_ready(process, 20)
            stopping = time.perf_counter()
            process.send_signal(stop_signal)
            try:
                code = process.wait(5)
            except subprocess.TimeoutExpired:
                pytest.fail(f"run {run}: still running 5 s after {stop_signal.name}")
            stops.append(time.perf_counter() - stopping)
            assert process.stderr is not None
            stderr = process.stderr.read()
        assert code == 0, f"run {run}: exit code {code} after {stop_signal.name}\n{stderr[-2000:]}"
        assert "Fatal Python error" not in stderr, f"run {run}: {stderr[-2000:]}"
        assert stops[-1] < 2.0, f"run {run}: stopping took {stops[-1]:.2f} s"
    print(f"50 stops: median {sorted(stops)[25] * 1000:.0f} ms, slowest {max(stops) * 1000:.0f} ms")


@pytest.mark.parametrize("taken", ["grpc", "http"])
async def test_taken_port_is_reported_and_the_engine_closed(tmp_path: Path, taken: str) -> None:
    events: list[str] = []

    async def open_fake(data_dir: Path) -> tuple[Engine, Callable[[], Awaitable[None]]]:
        async def close() -> None:
            events.append("close")

        return FakeEngine(), close

    with socket.socket() as occupant:
        occupant.bind(("127.0.0.1", 0))
        occupant.listen()
        busy = f"127.0.0.1:{occupant.getsockname()[1]}"
        options = ServeOptions(
            grpc_address=busy if taken == "grpc" else "127.0.0.1:0",
            http_address=busy if taken == "http" else "127.0.0.1:0",
            data_dir=tmp_path,
        )
        with pytest.raises(
            RuntimeError,
            match=f"Cannot listen for {'gRPC' if taken == 'grpc' else 'HTTP'} on {busy}",
        ):
            await serve(options, asyncio.Event(), open_engine=open_fake)
    assert events == ["close"]
