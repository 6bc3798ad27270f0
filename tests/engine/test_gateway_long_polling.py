"""ActivateJobs holds the call until a job arrives, so idle workers do not spin."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from pyzeebe import ZeebeWorker, create_insecure_channel
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.api import JsonObject
from engine.gateway import GatewayServer
from tests.engine.fake_engine import FakeEngine, one_task_process, running_gateway


@pytest.fixture
async def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
async def gateway(engine: FakeEngine) -> AsyncIterator[GatewayServer]:
    async with running_gateway(engine) as gateway:
        yield gateway


async def test_idle_pyzeebe_worker_makes_few_activate_calls(
    gateway: GatewayServer, engine: FakeEngine
) -> None:
    worker = ZeebeWorker(create_insecure_channel(gateway.address), name="idle")

    @worker.task(task_type="never-created")
    def never(**variables: Any) -> JsonObject:
        return {}

    work = asyncio.create_task(worker.work())
    # The only wall-clock wait in this module: it measures that nothing happens.
    await asyncio.sleep(1.0)
    await worker.stop()  # cancels the pending ActivateJobs call
    await work
    assert 1 <= engine.calls["activate_jobs"] <= 3

    async with grpc.aio.insecure_channel(gateway.address) as channel:
        topology = await pb_grpc.GatewayStub(channel).Topology(pb.TopologyRequest())
    assert topology.clusterSize == 1  # the cancelled poll did not hurt the server


async def test_held_activate_jobs_answers_as_soon_as_a_job_arrives(
    gateway: GatewayServer, engine: FakeEngine
) -> None:
    async with grpc.aio.insecure_channel(gateway.address) as channel:
        stub = pb_grpc.GatewayStub(channel)
        await stub.DeployResource(
            pb.DeployResourceRequest(
                resources=[pb.Resource(name="p.bpmn", content=one_task_process("p", "late"))]
            )
        )
        request = pb.ActivateJobsRequest(
            type="late", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=30_000
        )
        started = time.monotonic()
        poll = asyncio.create_task(_collect(stub.ActivateJobs(request)))
        await asyncio.wait_for(engine.activation_requested.wait(), timeout=5)
        assert not poll.done()
        created = await stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="p")
        )
        jobs = await asyncio.wait_for(poll, timeout=5)
        assert [job.processInstanceKey for job in jobs] == [created.processInstanceKey]
        assert time.monotonic() - started < 5  # answered by the job, not by the 30 s timeout
        assert engine.calls["activate_jobs"] == 1


async def _collect(call: Any) -> list[Any]:
    return [job async for response in call for job in response.jobs]


async def test_held_calls_end_normally_before_the_client_deadline(
    gateway: GatewayServer, engine: FakeEngine
) -> None:
    async with grpc.aio.insecure_channel(gateway.address) as channel:
        stub = pb_grpc.GatewayStub(channel)
        poll = stub.ActivateJobs(
            pb.ActivateJobsRequest(
                type="quiet", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=0
            ),
            timeout=0.8,
        )
        assert await _collect(poll) == []  # OK and empty, not DEADLINE_EXCEEDED
        assert 0 < engine.activations[-1].request_timeout_ms <= 300

        stream = stub.StreamActivatedJobs(
            pb.StreamActivatedJobsRequest(type="quiet", worker="s", timeout=1000), timeout=0.8
        )
        assert [job async for job in stream] == []
        assert await stream.code() == grpc.StatusCode.OK
