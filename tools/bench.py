"""`make bench`: throughput and job activation latency of the embedded engine, against a floor.

Both targets run as separate processes and are driven by the same pyzeebe client and workers:
1. our engine (`python -m engine serve`, SQLite in a temporary data dir, durable commits);
2. the null gateway (tools/null_gateway.py), which does just enough bookkeeping to hand out the
   same jobs: the floor set by gRPC, protobuf and pyzeebe themselves.
The process is start -> 3 service tasks -> end. Both targets run side by side and are driven in
turns, after a warm-up, several times; the run of median throughput is reported, with the
latencies of all runs. Activation latency is measured from the end of
one step's handler to the start of the next step's handler (it includes CompleteJob, the
engine's processing of the completion and the activation of the next job).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

ROOT = Path(__file__).resolve().parent.parent
BENCH_MODEL = Path(__file__).resolve().parent / "bench-three-steps.bpmn"
STEPS = ("bench.step-1", "bench.step-2", "bench.step-3")


@dataclass
class Result:
    target: str
    instances: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.instances / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(args: list[str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"{args[0]} exited before it was ready")
        if "ready" in line:
            return process
    raise RuntimeError(f"{args[0]} was not ready within 30 s")


async def _drive(address: str, instances: int, deploy: bool, run: str) -> tuple[float, list[float]]:
    """One run: start `instances` and wait until each passed its three steps. Jobs left over
    from an earlier run (a completion cut off when that run stopped, handed out again after its
    timeout) carry another `run` token: they are completed but neither counted nor timed."""
    channel = create_insecure_channel(grpc_address=address)
    client = ZeebeClient(channel)
    if deploy:
        await client.deploy_resource(str(BENCH_MODEL))
    worker = ZeebeWorker(channel, name="bench")
    latencies: list[float] = []
    finished = asyncio.Event()
    done = 0

    def handler(step: int) -> Any:
        async def handle(ready_at: float, bench_run: str = "") -> dict[str, Any]:
            nonlocal done
            if bench_run != run:
                return {}
            latencies.append((time.perf_counter() - ready_at) * 1000)
            if step == len(STEPS) - 1:
                done += 1
                if done == instances:
                    finished.set()
            return {"ready_at": time.perf_counter()}

        return handle

    for index, job_type in enumerate(STEPS):
        worker.task(task_type=job_type, max_jobs_to_activate=32, max_running_jobs=1000)(
            handler(index)
        )
    work = asyncio.create_task(worker.work())
    semaphore = asyncio.Semaphore(32)

    async def start_one() -> None:
        async with semaphore:
            await client.run_process(
                "bench-three-steps", {"ready_at": time.perf_counter(), "bench_run": run}
            )

    started = time.perf_counter()
    await asyncio.gather(*(start_one() for _ in range(instances)))
    await asyncio.wait_for(finished.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    await worker.stop()
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    await channel.close()
    return elapsed, latencies


def _start_target(target: str, data_dir: str) -> tuple[str, subprocess.Popen[str]]:
    grpc_address = f"127.0.0.1:{_free_port()}"
    if target == "engine":
        # The bench measures the engine, not authentication: run it open, as in development.
        args = [
            "engine",
            "serve",
            "--no-auth",
            "--grpc-address",
            grpc_address,
            "--http-address",
            f"127.0.0.1:{_free_port()}",
            "--data-dir",
            data_dir,
        ]
    else:
        args = ["tools.null_gateway", "--grpc-address", grpc_address]
    return grpc_address, _start(args)


def _median_run(target: str, runs: list[Result]) -> Result:
    """The run of median throughput, with the latencies of all runs."""
    middle = sorted(runs, key=lambda r: r.per_second)[len(runs) // 2]
    latencies = [ms for r in runs for ms in r.latencies_ms]
    return Result(target, middle.instances, middle.seconds, latencies)


async def _drive_in_turns(
    addresses: dict[str, str], instances: int, runs: int, measured: dict[str, list[Result]]
) -> None:
    # One event loop for all runs: grpc.aio keeps its poller on the loop it started with.
    for target, address in addresses.items():
        await _drive(address, max(10, instances // 10), target == "engine", "warm-up")
    for run in range(runs):
        for target, address in addresses.items():
            seconds, latencies = await _drive(address, instances, False, f"run-{run}")
            measured[target].append(Result(target, instances, seconds, latencies))


def run_targets(instances: int, runs: int) -> list[Result]:
    """Both targets run side by side and are driven in turns (engine, floor, engine, ...), so
    that both see the same machine load; each is warmed up first (connections, caches, the
    engine's FEEL runtime and SQLite file) with a tenth of the instances."""
    targets = ("engine", "null-gateway")
    measured: dict[str, list[Result]] = {t: [] for t in targets}
    with contextlib.ExitStack() as stack:
        addresses: dict[str, str] = {}
        for target in targets:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-"))
            address, process = _start_target(target, data_dir)
            stack.callback(process.wait, 10)
            stack.callback(process.terminate)
            addresses[target] = address
        asyncio.run(_drive_in_turns(addresses, instances, runs, measured))
    return [_median_run(t, measured[t]) for t in targets]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument(
        "--runs", type=int, default=3, help="measured runs per target; the median is reported"
    )
    args = parser.parse_args()
    results = run_targets(args.instances, max(1, args.runs))
    print(f"median of {max(1, args.runs)} runs of {args.instances} instances per target")
    print(f"{'target':<14}{'instances/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for r in results:
        print(
            f"{r.target:<14}{r.per_second:>12.1f}{r.percentile(0.50):>10.2f}"
            f"{r.percentile(0.99):>10.2f}{statistics.fmean(r.latencies_ms):>10.2f}"
        )
    engine, floor = results
    print(f"throughput ratio engine/floor: {engine.per_second / floor.per_second:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
