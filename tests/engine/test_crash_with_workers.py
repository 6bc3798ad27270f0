"""kill -9 of `python -m engine serve` in the middle of a run with real pyzeebe workers: after a
restart on the same data dir every acknowledged instance completes exactly once.

Workers see Zeebe's at-least-once delivery: a job whose completion was not acknowledged before
the kill is offered again after its timeout, so a handler may run twice; the engine must still
complete every element once and lose no instance it acknowledged.

The kill comes either in the middle of the run, or while the engine writes a snapshot (its
snapshot or compaction thread held at one stage of it by the test-only ENGINE_TEST_PAUSE): after
the snapshot file is written but before it replaces the old one, or after the records were
copied into the history but before they left the primary log.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

from engine.service import EngineService
from tests.ports import free_ports

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(__file__).resolve().parent / "bpmn" / "three-tasks.bpmn"
INSTANCES = 200
JOB_TIMEOUT_MS = 1_500  # short, so jobs held by the dead engine's workers come back quickly


# Records between snapshots: creating the 200 instances writes fewer, so the first snapshot comes
# while the workers run; the rest of the run (before and after the restart) makes more.
SNAPSHOT_EVERY = 3_000


def _serve(
    data_dir: Path,
    grpc_port: int,
    http_port: int,
    pause_at: str = "",
    paused: threading.Event | None = None,
) -> subprocess.Popen[str]:
    """Starts the engine; with `pause_at`, its storage thread stops at that stage of its first
    snapshot, and `paused` is set when it has."""
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    env.pop("ENGINE_TEST_PAUSE", None)
    if pause_at:
        env["ENGINE_TEST_PAUSE"] = f"{pause_at}:120"
    engine = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "serve",
            "--no-auth",
            "--grpc-address",
            f"127.0.0.1:{grpc_port}",
            "--http-address",
            f"127.0.0.1:{http_port}",
            "--data-dir",
            str(data_dir),
            "--snapshot-every",
            str(SNAPSHOT_EVERY),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert engine.stdout is not None and engine.stderr is not None
    errors = engine.stderr

    def watch() -> None:  # also drains stderr, so the engine never blocks on a full pipe
        for line in errors:
            if paused is not None and f"ENGINE_TEST_PAUSE at {pause_at}" in line:
                paused.set()

    threading.Thread(target=watch, daemon=True).start()
    for line in engine.stdout:
        if line.strip() == "ready":
            return engine
    raise AssertionError(f"engine exited with {engine.wait()} before it was ready")


async def _completed_instances(http_port: int) -> int:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as http:
        answer = await http.post(
            "/v2/process-instances/search",
            json={"filter": {"state": "COMPLETED"}, "page": {"limit": 1}},
        )
        answer.raise_for_status()
        return int(answer.json()["page"]["totalItems"])


@pytest.mark.parametrize("moment", ["mid-run", "snapshot-written", "history-exported"])
async def test_kill_9_mid_run_with_pyzeebe_workers_completes_every_instance_once(
    tmp_path: Path, moment: str
) -> None:
    data_dir = tmp_path / "engine"
    grpc_port, http_port = free_ports(2)
    in_snapshot = threading.Event()
    pause_at = "" if moment == "mid-run" else moment
    engine = _serve(data_dir, grpc_port, http_port, pause_at, in_snapshot)
    channel = create_insecure_channel(grpc_address=f"127.0.0.1:{grpc_port}")
    handled: Counter[str] = Counter()
    a_third_done = asyncio.Event()
    worker = ZeebeWorker(channel, name="crash-test", poll_retry_delay=0, max_connection_retries=-1)

    def handler(step: str) -> Any:  # pyzeebe types task functions by their own signature
        async def run() -> dict[str, str]:
            handled[step] += 1
            if handled["c"] >= INSTANCES // 3:
                a_third_done.set()
            return {step: "done"}

        return run

    for step in ("a", "b", "c"):
        worker.task(task_type=step, timeout_ms=JOB_TIMEOUT_MS, max_running_jobs=100)(handler(step))
    try:
        client = ZeebeClient(channel)
        await client.deploy_resource(str(MODEL))
        created = [
            (await client.run_process("three-tasks")).process_instance_key for _ in range(INSTANCES)
        ]
        working = asyncio.create_task(worker.work())
        if pause_at:
            assert await asyncio.to_thread(in_snapshot.wait, 60), f"no snapshot reached {moment}"
        else:
            await asyncio.wait_for(a_third_done.wait(), timeout=60)
        engine.send_signal(signal.SIGKILL)
        engine.wait()
        done_at_kill = handled["c"]
        assert done_at_kill < INSTANCES, "the kill came after the run, not in the middle"

        engine = _serve(data_dir, grpc_port, http_port)
        # Polls the REST API of the restarted engine: the workers' progress is in another process.
        for _ in range(450):
            if await _completed_instances(http_port) == INSTANCES:
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"{await _completed_instances(http_port)} of {INSTANCES} done")
        await worker.stop()
        working.cancel()
    finally:
        await channel.close()
        engine.terminate()
        engine.wait(timeout=10)

    service = await EngineService.open(data_dir)
    try:
        records = service.query.records(value_type="PROCESS_INSTANCE", limit=1_000_000)
        completed = Counter(r.key for r in records if r.intent == "ELEMENT_COMPLETED")
        processes = sorted(
            r.key
            for r in records
            if r.intent == "ELEMENT_COMPLETED" and r.value["bpmnElementType"] == "PROCESS"
        )
        positions = [r.position for r in service.query.records(limit=1_000_000)]
        compacted = service.store.compacted_up_to
    finally:
        await service.close()
    assert processes == sorted(created), "every acknowledged instance completes, once"
    assert max(completed.values()) == 1, "no element completed twice"
    # Snapshots compacted the log as the run went on; history and log read as one, each record once.
    assert compacted > 0
    assert positions == list(range(1, len(positions) + 1))
    assert handled["c"] >= INSTANCES  # at-least-once: some jobs may have been handled twice
