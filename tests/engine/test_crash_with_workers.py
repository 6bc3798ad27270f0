"""kill -9 of `python -m engine serve` in the middle of a run with real pyzeebe workers: after a
restart on the same data dir every acknowledged instance completes exactly once.

Workers see Zeebe's at-least-once delivery: a job whose completion was not acknowledged before
the kill is offered again after its timeout, so a handler may run twice; the engine must still
complete every element once and lose no instance it acknowledged.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

from engine.service import EngineService
from tests.ports import free_ports

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(__file__).resolve().parent / "bpmn" / "three-tasks.bpmn"
INSTANCES = 200
JOB_TIMEOUT_MS = 1_500  # short, so jobs held by the dead engine's workers come back quickly


def _serve(data_dir: Path, grpc_port: int, http_port: int) -> subprocess.Popen[str]:
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
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert engine.stdout is not None
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


async def test_kill_9_mid_run_with_pyzeebe_workers_completes_every_instance_once(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "engine"
    grpc_port, http_port = free_ports(2)
    engine = _serve(data_dir, grpc_port, http_port)
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
    finally:
        await service.close()
    assert processes == sorted(created), "every acknowledged instance completes, once"
    assert max(completed.values()) == 1, "no element completed twice"
    assert handled["c"] >= INSTANCES  # at-least-once: some jobs may have been handled twice
