"""`make bench` (second part): what a long history costs the engine, with snapshots and log
compaction (issue 15).

Three measurements, each in a process of its own so that memory and files are its own:
1. throughput with snapshots on against snapshots off (the engine as it was), the two engines
   driven in turns in one process, so both see the same machine load;
2. a long run of finished three-step instances (start -> 3 service tasks -> end), with, at each
   tenth of it, the process's resident memory, the size of the running state's files (primary
   log, its WAL, snapshot, note) apart from the history's, and the rate of that stretch;
3. restarts of `python -m engine serve` on the long run's data directory, after a clean stop and
   after kill -9, timed from process start to the gateway answering, and the engine's own replay.

The engine is driven in-process through its service API (create, activate, complete): gRPC and
the workers' own costs are what tools/bench.py measures; here they would only make the long run
longer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.snapshot import DEFAULT_SNAPSHOT_EVERY

ROOT = Path(__file__).resolve().parent.parent
BENCH_MODEL = Path(__file__).resolve().parent / "bench-three-steps.bpmn"
STEPS = ("bench.step-1", "bench.step-2", "bench.step-3")
RUNNING_STATE_FILES = (
    "engine.sqlite3",
    "engine.sqlite3-wal",
    "state.snapshot",
    "acknowledged-position",
)
HISTORY_FILES = ("history.sqlite3", "history.sqlite3-wal")
BATCH = 500
PROCESS = "bench-three-steps"


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _size_mb(data_dir: Path, names: tuple[str, ...]) -> float:
    return sum((data_dir / n).stat().st_size for n in names if (data_dir / n).exists()) / 2**20


async def _open(data_dir: Path, snapshot_every: int) -> Any:
    from engine.api import Resource
    from engine.service import EngineService

    service = await EngineService.open(data_dir, snapshot_every=snapshot_every)
    await service.deploy([Resource(BENCH_MODEL.name, BENCH_MODEL.read_bytes())])
    return service


async def _finish(service: Any, count: int) -> None:
    """Starts `count` instances and works their three jobs, in batches, as workers would."""
    from engine.api import ActivateJobsRequest

    left = count
    while left:
        n = min(BATCH, left)
        starts = (service.create_process_instance(bpmn_process_id=PROCESS) for _ in range(n))
        await asyncio.gather(*starts)
        for step in STEPS:
            waiting = n
            while waiting:
                jobs = await service.activate_jobs(
                    ActivateJobsRequest(step, "bench", 60_000, waiting, request_timeout_ms=-1)
                )
                await asyncio.gather(*(service.complete_job(job.key, {}) for job in jobs))
                waiting -= len(jobs)
        left -= n


async def _compare(data_root: Path, instances: int, turns: int) -> dict[str, Any]:
    engines = {
        "snapshots-on": await _open(data_root / "on", snapshot_every=DEFAULT_SNAPSHOT_EVERY),
        "snapshots-off": await _open(data_root / "off", snapshot_every=0),
    }
    seconds = dict.fromkeys(engines, 0.0)
    per_turn = max(BATCH, instances // turns)
    for service in engines.values():  # warm-up
        await _finish(service, BATCH)
    for _ in range(turns):
        for name, service in engines.items():
            started = time.perf_counter()
            await _finish(service, per_turn)
            seconds[name] += time.perf_counter() - started
    for service in engines.values():
        await service.close()
    rates = {name: per_turn * turns / s for name, s in seconds.items()}
    return {
        "instances_each": per_turn * turns,
        "per_second": rates,
        "ratio_on_off": rates["snapshots-on"] / rates["snapshots-off"],
    }


async def _long_run(data_dir: Path, instances: int, snapshot_every: int) -> dict[str, Any]:
    service = await _open(data_dir, snapshot_every)
    points = []
    step = max(BATCH, instances // 10)
    done = 0
    while done < instances:
        started = time.perf_counter()
        count = min(step, instances - done)
        await _finish(service, count)
        done += count
        await service._settled()
        points.append(
            {
                "finished": done,
                "per_second": round(count / (time.perf_counter() - started), 1),
                "rss_mb": round(_rss_mb(), 1),
                "running_state_mb": round(_size_mb(data_dir, RUNNING_STATE_FILES), 1),
                "history_mb": round(_size_mb(data_dir, HISTORY_FILES), 1),
                "state_elements": len(service.state.elements),
            }
        )
        print(json.dumps(points[-1]), file=sys.stderr, flush=True)
    return {"points": points}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _time_serve(data_dir: Path) -> dict[str, Any]:
    """Process start to the gateway accepting connections, and the engine's replay."""
    # The long run leaves gigabytes of history and read model in the page cache, not yet on
    # disk: flushed first, so that the kernel's write-back is not timed as the engine's restart.
    os.sync()
    port = _free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "serve",
            "--no-auth",
            "--no-http",
            "--grpc-address",
            f"127.0.0.1:{port}",
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LOG_LEVEL": "INFO"},
    )
    listening = None
    while time.perf_counter() - started < 600:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                listening = time.perf_counter() - started
                break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=120)
    replay: dict[str, Any] = next(
        (json.loads(line) for line in errors.splitlines() if '"engine.replayed"' in line), {}
    )
    return {
        "listening_s": round(listening, 3) if listening is not None else None,
        "exit_code": process.returncode,
        "replayed_records": replay.get("records"),
        "replay_ms": replay.get("replay_ms"),
    }


def _child(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir)
    if args.part == "compare":
        result = asyncio.run(_compare(data_dir, args.instances, args.turns))
    else:
        result = asyncio.run(_long_run(data_dir, args.instances, args.snapshot_every))
    print(json.dumps(result), flush=True)
    if args.part == "long" and args.then_kill:
        os.kill(os.getpid(), signal.SIGKILL)  # no clean stop: the restart replays the tail
    return 0


def _run_child(*argv: str) -> dict[str, Any]:
    process = subprocess.run(
        [sys.executable, "-m", "tools.bench_history", "--child", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"bench part {argv[:2]} failed with exit code {process.returncode}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["exit_code"] = process.returncode
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=1_000_000)
    parser.add_argument("--compare-instances", type=int, default=20_000)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--snapshot-every", type=int, default=DEFAULT_SNAPSHOT_EVERY)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=("compare", "long"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--then-kill", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)
    with tempfile.TemporaryDirectory(prefix="bench-history-") as root:
        compare = _run_child(
            "--part",
            "compare",
            "--data-dir",
            f"{root}/compare",
            "--instances",
            str(args.compare_instances),
            "--turns",
            str(args.turns),
        )
        print(
            f"throughput, {compare['instances_each']} instances each, in turns: snapshots on "
            f"{compare['per_second']['snapshots-on']:.0f}/s, off "
            f"{compare['per_second']['snapshots-off']:.0f}/s, ratio {compare['ratio_on_off']:.2f}"
        )
        data_dir = Path(root) / "long"
        long = _run_child(
            "--part",
            "long",
            "--data-dir",
            str(data_dir),
            "--instances",
            str(args.instances),
            "--snapshot-every",
            str(args.snapshot_every),
            "--then-kill",
        )
        print(f"{'finished':>10}{'inst/s':>9}{'RSS MB':>9}{'state MB':>10}{'history MB':>12}")
        for p in long["points"]:
            print(
                f"{p['finished']:>10}{p['per_second']:>9.0f}{p['rss_mb']:>9.1f}"
                f"{p['running_state_mb']:>10.1f}{p['history_mb']:>12.1f}"
            )
        first, last = long["points"][0], long["points"][-1]
        print(
            f"memory {first['finished']} -> {last['finished']}: {first['rss_mb']} -> "
            f"{last['rss_mb']} MB ({(last['rss_mb'] / first['rss_mb'] - 1) * 100:+.1f} %); "
            f"history {last['history_mb'] * 1024 / last['finished']:.2f} kB per instance"
        )
        after_kill = _time_serve(data_dir)
        after_stop = _time_serve(data_dir)
        for name, restart in (("after kill -9", after_kill), ("after a clean stop", after_stop)):
            print(
                f"restart {name}: listening after {restart['listening_s']} s, replayed "
                f"{restart['replayed_records']} records in {restart['replay_ms']} ms, "
                f"exit code {restart['exit_code']}"
            )
        print(json.dumps({"compare": compare, "long": long, "restarts": [after_kill, after_stop]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
