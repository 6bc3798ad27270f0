"""The real engine behind the real gateway, driven by unchanged pyzeebe clients and workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel, errors

from engine.api import ActivatedJob, ActivateJobsRequest, Engine, JsonObject
from engine.gateway import GatewayServer, start_gateway
from engine.service import EngineService
from tests.engine.fake_engine import one_task_process


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[GatewayServer]:
    service = await EngineService.open(tmp_path / "engine")
    try:
        gateway = await start_gateway(service, "127.0.0.1:0")
        try:
            yield gateway
        finally:
            await gateway.stop(grace=0)
    finally:
        await service.close()


async def test_worker_completes_service_task_and_result_has_variables(
    gateway: GatewayServer, tmp_path: Path
) -> None:
    channel = create_insecure_channel(gateway.address)
    client = ZeebeClient(channel)
    bpmn = tmp_path / "review.bpmn"
    bpmn.write_bytes(one_task_process("review", "check-amount"))
    deployment = await client.deploy_resource(str(bpmn))
    [process] = deployment.deployments
    assert getattr(process, "bpmn_process_id", None) == "review"

    worker = ZeebeWorker(create_insecure_channel(gateway.address), name="e2e")

    @worker.task(task_type="check-amount")
    def check(amount: int) -> JsonObject:
        return {"approved": amount < 10}

    work = asyncio.create_task(worker.work())
    try:
        result = await client.run_process_with_result("review", {"amount": 3}, timeout=10_000)
    finally:
        await worker.stop()
        await work
        await channel.close()
    assert result.bpmn_process_id == "review"
    assert result.variables == {"amount": 3, "approved": True}


async def test_refusals_of_the_real_engine_reach_pyzeebe_as_its_errors(
    gateway: GatewayServer, tmp_path: Path
) -> None:
    channel = create_insecure_channel(gateway.address)
    client = ZeebeClient(channel)
    try:
        with pytest.raises(errors.ProcessDefinitionNotFoundError):
            await client.run_process("nowhere")
        await client.publish_message(
            "decided", "A-1", message_id="m-1", time_to_live_in_milliseconds=60_000
        )
        with pytest.raises(errors.MessageAlreadyExistsError):
            await client.publish_message(
                "decided", "A-1", message_id="m-1", time_to_live_in_milliseconds=60_000
            )
        bad = tmp_path / "broken.bpmn"
        bad.write_text("<definitions><process id=")
        with pytest.raises(errors.ProcessInvalidError):
            await client.deploy_resource(str(bad))
    finally:
        await channel.close()


async def test_job_commands_against_the_real_engine(gateway: GatewayServer, tmp_path: Path) -> None:
    channel = create_insecure_channel(gateway.address)
    client = ZeebeClient(channel)
    adapter = ZeebeWorker(channel).zeebe_adapter
    try:
        bpmn = tmp_path / "review.bpmn"
        bpmn.write_bytes(one_task_process("review", "check"))
        await client.deploy_resource(str(bpmn))
        await client.run_process("review", {"amount": 1})
        jobs = [
            job
            async for job in adapter.activate_jobs(
                "check", "w", 10_000, 1, [], request_timeout=5_000
            )
        ]
        assert [job.variables for job in jobs] == [{"amount": 1}]
        await adapter.complete_job(jobs[0].key, {"done": True})
        with pytest.raises((errors.JobNotFoundError, errors.JobAlreadyDeactivatedError)):
            await adapter.complete_job(jobs[0].key, {})
    finally:
        await channel.close()


async def test_streaming_worker_against_the_real_engine(
    gateway: GatewayServer, tmp_path: Path
) -> None:
    channel = create_insecure_channel(gateway.address)
    client = ZeebeClient(channel)
    bpmn = tmp_path / "review.bpmn"
    bpmn.write_bytes(one_task_process("review", "streamed"))
    await client.deploy_resource(str(bpmn))
    worker = ZeebeWorker(
        create_insecure_channel(gateway.address), name="streamer", stream_enabled=True
    )

    @worker.task(task_type="streamed")
    def streamed(n: int) -> JsonObject:
        return {"double": 2 * n}

    work = asyncio.create_task(worker.work())
    try:
        results = [
            await client.run_process_with_result("review", {"n": n}, timeout=10_000)
            for n in range(5)
        ]
    finally:
        await worker.stop()
        await work
        await channel.close()
    assert [r.variables["double"] for r in results] == [0, 2, 4, 6, 8]


class _CountingEngine:
    """Delegates to the real engine, counting ActivateJobs calls."""

    def __init__(self, inner: EngineService) -> None:
        self.inner = inner
        self.activations = 0

    async def activate_jobs(self, request: ActivateJobsRequest) -> list[ActivatedJob]:
        self.activations += 1
        return await self.inner.activate_jobs(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_idle_worker_is_held_by_the_real_engine(tmp_path: Path) -> None:
    service = await EngineService.open(tmp_path / "engine")
    counting = _CountingEngine(service)
    gateway = await start_gateway(cast(Engine, counting), "127.0.0.1:0")
    try:
        worker = ZeebeWorker(create_insecure_channel(gateway.address), name="idle")

        @worker.task(task_type="never-created")
        def never(**variables: Any) -> JsonObject:
            return {}

        work = asyncio.create_task(worker.work())
        # The only wall-clock wait here: it measures that nothing happens for a second.
        await asyncio.sleep(1.0)
        await worker.stop()
        await work
        assert 1 <= counting.activations <= 3
    finally:
        await gateway.stop(grace=0)
        await service.close()
