"""Durability: state survives close/reopen and SIGKILL; acknowledged commands are never lost or
doubled; the pinned clock survives; replay of 10k records is measured."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from engine.api import ActivateJobsRequest, Resource
from engine.clock import Clock
from engine.service import EngineService
from engine.testing import EngineHarness

BPMN = Path(__file__).parent / "bpmn"
ROOT = Path(__file__).resolve().parents[2]


def _snapshot(engine: EngineService) -> dict[str, object]:
    q = engine.query
    return {
        "instances": q.process_instances(),
        "jobs": q.jobs(),
        "incidents": q.incidents(),
        "tasks": q.user_tasks(),
        "timers": sorted((t.key, t.due_date) for t in engine.state.timers.values()),
        "variables": {k: dict(v) for k, v in engine.state.variables.items()},
        "position": engine.state.position,
        "next_key": engine.state.keys.peek(),
    }


async def test_reopen_restores_identical_state_and_continues(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        await h.deploy(BPMN / "three-tasks.bpmn", BPMN / "timers.bpmn", BPMN / "messages.bpmn")
        done = await h.start("three-tasks", {"n": 0})
        for job_type in ("a", "b", "c"):
            await h.complete_job(job_type, process_instance_key=done)
        waiting = await h.start("three-tasks", {"n": 1})
        await h.complete_job("a", {"fromA": True}, process_instance_key=waiting)
        timer = await h.start("timer-catch", {"delay": "PT1H"})
        await h.publish_message("paid", "o-1", ttl=timedelta(hours=1))
        before = _snapshot(h.engine)
    async with EngineHarness(tmp_path) as h:
        assert _snapshot(h.engine) == before
        await h.assert_instance(done).is_completed()
        await h.complete_job("b", process_instance_key=waiting)
        await h.complete_job("c", process_instance_key=waiting)
        await h.assert_instance(waiting).is_completed()
        await h.assert_instance(waiting).has_variable("fromA", True)
        await h.advance_clock(timedelta(hours=1))
        await h.assert_instance(timer).is_waiting_at("until")


async def test_pinned_clock_survives_restart_and_overdue_timers_fire(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        await h.deploy(BPMN / "timers.bpmn")
        key = await h.start("timer-catch", {"delay": "PT1H"})
        pinned = h.engine.clock.now_ms()
    engine = await EngineService.open(tmp_path)
    try:
        assert engine.clock.pinned_ms == pinned
        await engine.pin_clock(pinned + 3_600_000)
        assert engine.query.element_instances(key)[-1]["elementId"] == "until"
    finally:
        await engine.close()


async def test_jobs_activated_before_restart_come_back_after_timeout(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        await h.start("three-tasks")
        request = ActivateJobsRequest("a", "w", 5_000, 1, request_timeout_ms=-1)
        [job] = await h.engine.activate_jobs(request)
    async with EngineHarness(tmp_path) as h:
        assert await h.engine.activate_jobs(request) == []
        await h.advance_clock(timedelta(seconds=5))
        [again] = await h.engine.activate_jobs(request)
        assert again.key == job.key


_CRASH_WORKER = """
import asyncio, sys
from pathlib import Path
from engine.api import ActivateJobsRequest, Resource
from engine.clock import Clock
from engine.service import EngineService

async def main() -> None:
    data, bpmn, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    engine = await EngineService.open(data)
    await engine.deploy([Resource("three-tasks.bpmn", bpmn.read_bytes())])
    for i in range(count):
        created = await engine.create_process_instance(
            bpmn_process_id="three-tasks", variables={"i": i}
        )
        print("started", created.process_instance_key, flush=True)
    while True:
        for job_type in ("a", "b", "c"):
            request = ActivateJobsRequest(job_type, "crash", 600_000, 7, request_timeout_ms=-1)
            for job in await engine.activate_jobs(request):
                await engine.complete_job(job.key, {job_type: job.key})
                # printed only after the engine acknowledged (made durable) the completion
                print("completed", job.key, job.element_instance_key, flush=True)

asyncio.run(main())
"""


async def test_sigkill_loses_and_doubles_nothing_acknowledged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    count = 200
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CRASH_WORKER,
        str(data),
        str(BPMN / "three-tasks.bpmn"),
        str(count),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    lines: list[list[str]] = []
    try:
        async with asyncio.timeout(30):
            while sum(1 for p in lines if p[0] == "completed") < count:
                line = await proc.stdout.readline()
                assert line, "the crash worker exited early"
                lines.append(line.decode().split())
    finally:
        proc.send_signal(signal.SIGKILL)
        rest, _ = await proc.communicate()
    lines += [line.split() for line in rest.decode().splitlines() if line.strip()]
    started = [int(p[1]) for p in lines if p[0] == "started"]
    completed_jobs = {int(p[1]): int(p[2]) for p in lines if p[0] == "completed" and len(p) == 3}
    assert len(started) == count
    assert len(completed_jobs) < 3 * count, "the kill came after the run, not in the middle"
    async with EngineHarness(data) as h:
        engine = h.engine
        for job_key in completed_jobs:
            assert job_key not in engine.state.jobs, f"acknowledged job {job_key} came back"
        records = engine.query.records(value_type="PROCESS_INSTANCE", limit=1_000_000)
        completions = Counter(r.key for r in records if r.intent == "ELEMENT_COMPLETED")
        assert all(n == 1 for n in completions.values()), "an element completed twice"
        for element_key in completed_jobs.values():
            assert completions[element_key] == 1, f"acknowledged completion {element_key} lost"
        # finish the rest; every instance completes exactly once
        for _ in range(count * 3):
            if not engine.state.jobs:
                break
            job = next(iter(engine.state.jobs.values()))
            await engine.complete_job(job.key)
        finished = [
            r.key
            for r in engine.query.records(value_type="PROCESS_INSTANCE", limit=1_000_000)
            if r.intent == "ELEMENT_COMPLETED" and r.value["bpmnElementType"] == "PROCESS"
        ]
        assert sorted(finished) == sorted(started)


async def test_replay_of_ten_thousand_records_is_quick(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        while h.engine.state.position < 10_000:
            key = await h.start("three-tasks", {"payload": "x" * 50})
            for job_type in ("a", "b", "c"):
                await h.complete_job(job_type, process_instance_key=key)
        records = h.engine.state.position
    engine = await EngineService.open(tmp_path)
    try:
        print(f"replayed {records} records in {engine.replay_seconds:.3f}s")
        assert engine.replay_seconds < 10
    finally:
        await engine.close()


async def test_resources_survive_reopen_for_reparsing(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        content = (BPMN / "three-tasks.bpmn").read_bytes()
        await h.engine.deploy([Resource("three-tasks.bpmn", content)])
    async with EngineHarness(tmp_path) as h:
        [definition] = h.engine.query.process_definitions()
        assert definition["bpmnXml"] == content.decode()
        assert (await h.engine.deploy([Resource("three-tasks.bpmn", content)])).processes[
            0
        ].version == 1


async def test_overdue_timer_fires_at_once_after_restart(tmp_path: Path) -> None:
    wall = [1_767_600_000_000]
    clock = Clock(wall=lambda: wall[0])  # follows "real" time, which the test moves
    engine = await EngineService.open(tmp_path, clock=clock)
    await engine.deploy([Resource("timers.bpmn", (BPMN / "timers.bpmn").read_bytes())])
    created = await engine.create_process_instance(
        bpmn_process_id="timer-catch", variables={"delay": "PT1H"}
    )
    await engine.close()
    wall[0] += 2 * 3_600_000  # the engine was down past the due time
    engine = await EngineService.open(tmp_path, clock=clock)
    try:
        for _ in range(100):
            await engine.barrier()
            active = [
                e["elementId"] for e in engine.query.element_instances(created.process_instance_key)
            ]
            if "until" in active:
                break
            await asyncio.sleep(0)
        assert "until" in active
    finally:
        await engine.close()
