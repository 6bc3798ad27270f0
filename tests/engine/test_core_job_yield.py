"""Jobs activated for a caller that left before they were sent are yielded back at once
(Zeebe 8.x: JOB YIELDED), not left ACTIVATED until their timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

from pyzeebe.proto import gateway_pb2 as pb

from engine.api import ActivateJobsRequest, Resource
from engine.core.records import ValueType
from engine.gateway.servicer import GatewayServicer
from engine.gateway.topology import ClusterInfo
from engine.testing import EngineHarness
from tests.engine.fake_engine import one_task_process

HOUR_MS = 3_600_000


class _Context:
    """The part of a grpc.aio servicer context the job RPCs read."""

    def time_remaining(self) -> float | None:
        return None

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return ()

    async def abort(self, code: Any, details: str) -> None:
        raise AssertionError(f"call aborted: {code} {details}")


def _call(responses: AsyncIterator[Any]) -> AsyncGenerator[Any, None]:
    """The RPC handlers are async generators; grpc closes them when the client leaves."""
    assert isinstance(responses, AsyncGenerator)
    return responses


async def _open_jobs(h: EngineHarness, count: int) -> list[int]:
    await h.deploy(Resource("yield.bpmn", one_task_process("yield-me", "yield-work")))
    for _ in range(count):
        await h.start("yield-me")
    return sorted(j["jobKey"] for j in h.engine.query.jobs() if j["type"] == "yield-work")


def _state(h: EngineHarness, key: int) -> str:
    return str(h.engine.state.jobs[key].state)


def _yielded(h: EngineHarness) -> list[int]:
    return [
        r.key for r in h.engine.query.records(value_type=ValueType.JOB) if r.intent == "YIELDED"
    ]


async def _settle(h: EngineHarness) -> None:
    # the gateway gives back in a task of its own; two barriers let it reach the engine
    for _ in range(3):
        await asyncio.sleep(0)
        await h.engine.barrier()


async def test_closed_job_stream_yields_the_jobs_it_did_not_send(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        first, second, third = await _open_jobs(h, 3)
        servicer = GatewayServicer(h.engine, ClusterInfo("localhost", 0))
        request = pb.StreamActivatedJobsRequest(type="yield-work", worker="w", timeout=HOUR_MS)
        stream = _call(servicer.StreamActivatedJobs(request, _Context()))
        assert (await anext(stream)).key == first
        # asking for the next job confirms the first was written; the second is on its way
        # when the client leaves, the third was never started
        assert (await anext(stream)).key == second
        await stream.aclose()
        await _settle(h)
        assert _state(h, first) == "ACTIVATED"
        assert _state(h, second) == _state(h, third) == "ACTIVATABLE"
        assert _yielded(h) == [second, third]
        # they are offered again at once, without moving the clock to their timeout
        again = await h.engine.activate_jobs(
            ActivateJobsRequest("yield-work", "w2", HOUR_MS, 5, request_timeout_ms=-1)
        )
        assert sorted(j.key for j in again) == [second, third]
    async with EngineHarness(tmp_path) as h:  # replay agrees
        assert _state(h, first) == _state(h, second) == "ACTIVATED"
        assert h.engine.state.jobs[second].worker == "w2"


async def test_activate_jobs_call_cancelled_before_its_answer_was_sent(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        [job] = await _open_jobs(h, 1)
        servicer = GatewayServicer(h.engine, ClusterInfo("localhost", 0))
        request = pb.ActivateJobsRequest(
            type="yield-work", worker="w", timeout=HOUR_MS, maxJobsToActivate=5
        )
        call = _call(servicer.ActivateJobs(request, _Context()))
        answer = await anext(call)
        assert [j.key for j in answer.jobs] == [job]
        await call.aclose()  # the answer never made it onto the wire
        await _settle(h)
        assert _state(h, job) == "ACTIVATABLE"
        assert _yielded(h) == [job]


async def test_fully_sent_stream_yields_nothing() -> None:
    async with EngineHarness() as h:
        [job] = await _open_jobs(h, 1)
        servicer = GatewayServicer(h.engine, ClusterInfo("localhost", 0))
        request = pb.StreamActivatedJobsRequest(type="yield-work", worker="w", timeout=HOUR_MS)
        stream = _call(servicer.StreamActivatedJobs(request, _Context()))
        assert (await anext(stream)).key == job
        pending = asyncio.ensure_future(anext(stream))  # sent; the stream now waits for more
        await asyncio.sleep(0)
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        await stream.aclose()
        await _settle(h)
        assert _state(h, job) == "ACTIVATED"
        assert _yielded(h) == []


def _activated(h: EngineHarness) -> list[int]:
    return [k for k, j in h.engine.state.jobs.items() if j.state == "ACTIVATED"]


async def _cancel_once_activated(h: EngineHarness) -> int:
    """A held ActivateJobs whose job the engine activated, cancelled before it took it."""
    await h.deploy(Resource("yield.bpmn", one_task_process("yield-me", "yield-work")))
    waiting = asyncio.ensure_future(
        h.engine.activate_jobs(
            ActivateJobsRequest("yield-work", "w", HOUR_MS, 5, request_timeout_ms=HOUR_MS)
        )
    )
    await h.engine.barrier()  # the call now holds: no job yet
    assert not waiting.done()
    await h.start("yield-me")
    for _ in range(1000):  # a few loop turns: the engine activates the job for the call
        if _activated(h):
            break
        await asyncio.sleep(0)
    assert not waiting.done()
    [job] = _activated(h)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    return job


async def test_held_activation_cancelled_after_activating_yields_in_memory() -> None:
    async with EngineHarness() as h:
        job = await _cancel_once_activated(h)
        await _settle(h)
        assert _state(h, job) == "ACTIVATABLE"
        assert _yielded(h) == [job]


async def test_held_activation_cancelled_during_commit_yields_on_disk(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        job = await _cancel_once_activated(h)
        await _settle(h)
        assert _state(h, job) == "ACTIVATABLE"
        assert _yielded(h) == [job]


async def test_yield_ignores_jobs_that_are_not_activated() -> None:
    async with EngineHarness() as h:
        [job] = await _open_jobs(h, 1)
        await h.engine.yield_jobs([job, 123])  # activatable, unknown: nothing to give back
        assert _yielded(h) == []
        activated = await h.engine.activate_job(job, "w", HOUR_MS)
        await h.commands.complete_job(activated.key, {})
        await h.engine.yield_jobs([job])
        assert _yielded(h) == []
