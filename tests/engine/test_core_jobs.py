"""Jobs through the EngineService API: activation, completion, failure, retries, backoff,
timeouts, incidents and the rejections Zeebe gives."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from engine.api import (
    ActivateJobsRequest,
    Engine,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
)
from engine.testing import EngineHarness, Transport

BPMN = Path(__file__).parent / "bpmn"


async def test_three_service_tasks_run_to_completion(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        engine: Engine = h.engine  # the service implements the adapters' protocol
        assert engine is h.engine
        await h.deploy(BPMN / "three-tasks.bpmn")
        key = await h.start("three-tasks", {"orderId": "o-1"})
        await h.assert_instance(key).is_waiting_at("a")
        job = await h.complete_job("a", {"fromA": 1})
        assert job.custom_headers == {"purpose": "first"}
        assert job.variables == {"orderId": "o-1"}
        await h.complete_job("b")
        await h.complete_job("c", {"fromC": True})
        await h.assert_instance(key).is_completed()
        await h.assert_instance(key).has_passed_path("start", "a", "b", "c", "end")
        await h.assert_instance(key).has_variable("fromA", 1)


async def test_activation_respects_max_jobs_and_fetch_variables(
    job_transport: Transport,
) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        for i in range(3):
            await h.start("three-tasks", {"i": i, "big": "x" * 10})
        request = ActivateJobsRequest("a", "w1", 60_000, 2, ["i"], request_timeout_ms=-1)
        jobs = await h.commands.activate_jobs(request)
        assert [j.variables for j in jobs] == [{"i": 0}, {"i": 1}]
        assert all(j.worker == "w1" and j.retries == 3 for j in jobs)
        rest = await h.commands.activate_jobs(request)
        assert [j.variables for j in rest] == [{"i": 2}]


async def test_long_poll_returns_when_a_job_arrives(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        request = ActivateJobsRequest("a", "w", 60_000, 5, request_timeout_ms=5_000)
        waiting = asyncio.create_task(h.commands.activate_jobs(request))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        await h.start("three-tasks")
        jobs = await asyncio.wait_for(waiting, 2)
        assert len(jobs) == 1


async def test_long_poll_times_out_empty_and_cancel_is_harmless(
    job_transport: Transport,
) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        request = ActivateJobsRequest("a", "w", 60_000, 5, request_timeout_ms=50)
        assert await h.commands.activate_jobs(request) == []
        long = ActivateJobsRequest("a", "w", 60_000, 5, request_timeout_ms=10_000)
        waiting = asyncio.create_task(h.commands.activate_jobs(long))
        await asyncio.sleep(0.02)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        key = await h.start("three-tasks")
        await h.complete_job("a", process_instance_key=key)
        await h.assert_instance(key).is_waiting_at("b")


async def test_waiting_workers_are_served_in_arrival_order(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        first = asyncio.create_task(
            h.commands.activate_jobs(
                ActivateJobsRequest("a", "first", 60_000, 1, request_timeout_ms=5_000)
            )
        )
        await asyncio.sleep(0.01)
        second = asyncio.create_task(
            h.commands.activate_jobs(
                ActivateJobsRequest("a", "second", 60_000, 1, request_timeout_ms=5_000)
            )
        )
        await asyncio.sleep(0.01)
        await h.start("three-tasks")
        jobs = await asyncio.wait_for(first, 2)
        assert jobs[0].worker == "first"
        await h.start("three-tasks")
        jobs = await asyncio.wait_for(second, 2)
        assert jobs[0].worker == "second"


async def test_job_timeout_reoffers_the_job(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        await h.start("three-tasks")
        request = ActivateJobsRequest("a", "slow", 1_000, 1, request_timeout_ms=-1)
        [job] = await h.commands.activate_jobs(request)
        assert await h.commands.activate_jobs(request) == []
        await h.advance_clock(timedelta(milliseconds=999))
        assert await h.commands.activate_jobs(request) == []
        await h.advance_clock(timedelta(milliseconds=1))
        [again] = await h.commands.activate_jobs(request)
        assert again.key == job.key


async def test_update_job_timeout_moves_the_deadline(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        await h.start("three-tasks")
        request = ActivateJobsRequest("a", "w", 1_000, 1, request_timeout_ms=-1)
        [job] = await h.commands.activate_jobs(request)
        await h.commands.update_job_timeout(job.key, 60_000)
        await h.advance_clock(timedelta(seconds=30))
        assert await h.commands.activate_jobs(request) == []
        await h.advance_clock(timedelta(seconds=31))
        assert len(await h.commands.activate_jobs(request)) == 1


async def test_fail_with_retries_reoffers_after_backoff(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        key = await h.start("three-tasks")
        await h.fail_job("a", retries=2, message="busy", backoff=timedelta(seconds=10))
        request = ActivateJobsRequest("a", "w", 60_000, 1, request_timeout_ms=-1)
        assert await h.commands.activate_jobs(request) == []
        await h.advance_clock(timedelta(seconds=10))
        [job] = await h.commands.activate_jobs(request)
        assert job.retries == 2
        await h.commands.complete_job(job.key)
        await h.assert_instance(key).is_waiting_at("b")


async def test_no_retries_left_raises_incident_and_resolving_resumes(
    job_transport: Transport,
) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        key = await h.start("three-tasks")
        job = await h.fail_job("a", retries=0, message="database down")
        await h.assert_instance(key).has_active_incidents(1)
        [incident] = h.engine.query.incidents(key)
        assert incident["errorType"] == "JOB_NO_RETRIES"
        assert incident["errorMessage"] == "database down"
        assert [j["errorMessage"] for j in h.engine.query.jobs(key)] == ["database down"]
        with pytest.raises(FailedPrecondition, match="it is in state 'FAILED'"):
            await h.commands.complete_job(job.key)
        await h.commands.update_job_retries(job.key, 1)
        await h.commands.resolve_incident(incident["incidentKey"])
        await h.assert_instance(key).has_no_incidents()
        await h.complete_job("a")
        await h.assert_instance(key).is_waiting_at("b")


async def test_resolving_without_retries_raises_the_incident_again(
    job_transport: Transport,
) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        key = await h.start("three-tasks")
        await h.fail_job("a", retries=0, message="down")
        [incident] = h.engine.query.incidents(key)
        await h.commands.resolve_incident(incident["incidentKey"])
        [again] = h.engine.query.incidents(key)
        assert again["incidentKey"] != incident["incidentKey"]


async def test_job_commands_are_refused_like_zeebe(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        await h.start("three-tasks")
        with pytest.raises(
            NotFound, match="Expected to complete job with key '123', but no such job"
        ):
            await h.commands.complete_job(123)
        with pytest.raises(NotFound, match="no such job"):
            await h.commands.fail_job(123, 1)
        with pytest.raises(InvalidArgument, match="JSON object"):
            await h.commands.complete_job(123, [1, 2])  # type: ignore[arg-type]
        job = await h.complete_job("a")
        with pytest.raises(NotFound):
            await h.commands.complete_job(job.key)
        with pytest.raises(InvalidArgument, match="greater than zero"):
            await h.commands.update_job_retries(job.key, 0)
        with pytest.raises(NotFound, match="incident"):
            await h.commands.resolve_incident(42)


async def test_huge_or_non_json_variables_are_refused(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        # Through gRPC the 4 MB message limit refuses the call before the engine sees it, with
        # RESOURCE_EXHAUSTED as Zeebe's gateway does (zeebe.gateway.network.maxMessageSize).
        too_big: tuple[type[Exception], str] = (
            (InvalidArgument, "at most")
            if job_transport != "grpc"  # over "rest" only job commands leave the process
            else (ResourceExhausted, "larger than max")
        )
        with pytest.raises(too_big[0], match=too_big[1]):
            await h.start("three-tasks", {"blob": "x" * (5 * 1024 * 1024)})
        with pytest.raises(InvalidArgument, match="valid JSON"):
            await h.start("three-tasks", {"nan": float("nan")})
        key = await h.start("three-tasks", {"ok": True})
        await h.assert_instance(key).is_waiting_at("a")


async def test_refused_commands_are_recorded_as_rejections(job_transport: Transport) -> None:
    async with EngineHarness(transport=job_transport) as h:
        with pytest.raises(NotFound):
            await h.commands.complete_job(77)
        [rejection] = [r for r in h.engine.query.records() if r.record_type == "COMMAND_REJECTION"]
        assert (rejection.value_type, rejection.intent) == ("JOB", "COMPLETE")
        assert rejection.rejection_type == "NOT_FOUND"
        assert rejection.value == {"jobKey": 77}
        assert "no such job" in rejection.rejection_reason
