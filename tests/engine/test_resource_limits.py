"""The engine's resource limits (docs/limits.md), one test per limit: a request above it is refused
with an error naming the limit, the engine serves a normal request right after, and an instance
acknowledged before is still there (also after a restart from the data directory)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from pyzeebe import ZeebeWorker, create_insecure_channel
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.api import ActivateJobsRequest, InvalidArgument, JsonObject, Resource
from engine.gateway import ClusterInfo, start_gateway
from engine.http import create_app
from engine.http.context import RestContext
from engine.limits import (
    MAX_CORRELATION_KEY_LENGTH,
    MAX_DEPLOYMENT_BYTES,
    MAX_FLOW_NODES,
    MAX_MESSAGE_NAME_LENGTH,
    MAX_RESOURCE_BYTES,
    MAX_VARIABLES_BYTES,
)
from engine.service import EngineService
from tests.engine.fake_engine import one_task_process
from tests.engine.test_large_models import chain_of_tasks

USER_TASK_PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="x">
  <bpmn:process id="review" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:userTask id="check">
      <bpmn:extensionElements><zeebe:userTask/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

# 1.5 million Chinese characters: 4.5 MB of UTF-8, above the 4 MiB variable document limit, while
# its REST body stays below the 5 MiB body limit. (Counted in characters it would pass.)
BIG_VARIABLES = {"opinion": "审" * 1_500_000}
BIG_VARIABLES_JSON = json.dumps(BIG_VARIABLES, ensure_ascii=False)


@dataclass
class Engine:
    service: EngineService
    rest: httpx.AsyncClient
    grpc: pb_grpc.GatewayStub
    acknowledged: int  # a process instance created (and answered) before anything was refused
    address: str  # the gRPC gateway's

    async def assert_still_serving(self) -> None:
        """A normal request is served right after a refusal; the acknowledged instance is there."""
        created = await self.rest.post("/v2/process-instances", json={"processDefinitionId": "p"})
        assert created.status_code == 200, created.text
        fetched = await self.rest.get(f"/v2/process-instances/{self.acknowledged}")
        assert fetched.status_code == 200, fetched.text
        assert fetched.json()["state"] == "ACTIVE"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    service = await EngineService.open(tmp_path)
    await service.deploy(
        [
            Resource("p.bpmn", one_task_process("p", "work")),
            Resource("r.bpmn", USER_TASK_PROCESS),
            Resource("keep.bpmn", one_task_process("keep", "kept")),  # no worker takes its job
        ]
    )
    acknowledged = await service.create_process_instance(bpmn_process_id="keep")
    app = create_app(
        service,
        lambda: ClusterInfo("127.0.0.1", 1),
        rest=RestContext(service, service.store.audit_trail()),
    )
    server = await start_gateway(service, "127.0.0.1:0")
    channel = grpc.aio.insecure_channel(
        server.address, options=[("grpc.max_send_message_length", 32 * 1024 * 1024)]
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://engine", timeout=30
    ) as client:
        yield Engine(
            service,
            client,
            pb_grpc.GatewayStub(channel),
            acknowledged.process_instance_key,
            server.address,
        )
    await channel.close()
    await server.stop(0)
    await service.close()
    # Nothing acknowledged is lost: the instance is there after a restart, too.
    reopened = await EngineService.open(tmp_path)
    try:
        assert acknowledged.process_instance_key in reopened.state.elements
    finally:
        await reopened.close()


def _problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text[:500]
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    return detail


def _names_variable_limit(detail: str) -> None:
    assert str(MAX_VARIABLES_BYTES) in detail and "variable document limit" in detail, detail


async def _rest_post_json(client: httpx.AsyncClient, path: str, body: str) -> httpx.Response:
    return await client.post(
        path, content=body.encode(), headers={"Content-Type": "application/json"}
    )


async def _job_key(engine: Engine) -> int:
    await engine.service.create_process_instance(bpmn_process_id="p")
    (job,) = await engine.service.activate_jobs(
        ActivateJobsRequest("work", "w", 60_000, 1, request_timeout_ms=-1)
    )
    return job.key


async def _grpc_refused(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    return refused.value


# -- variable document --------------------------------------------------------------------------


async def test_the_variable_document_limit_is_one_engine_check_for_every_command(
    engine: Engine,
) -> None:
    service = engine.service
    job = await _job_key(engine)
    user_task = await _user_task_key(engine)
    for command in (
        service.create_process_instance(bpmn_process_id="p", variables=BIG_VARIABLES),
        service.complete_job(job, BIG_VARIABLES),
        service.set_variables(engine.acknowledged, BIG_VARIABLES),
        service.publish_message("m", "k", variables=BIG_VARIABLES),
        service.correlate_message("m", "k", variables=BIG_VARIABLES),
        service.complete_user_task(user_task, BIG_VARIABLES),
    ):
        with pytest.raises(InvalidArgument) as refused:
            await command
        _names_variable_limit(str(refused.value))
    await service.complete_job(job, {"opinion": "审" * 1_000})  # the job was not used up
    await engine.assert_still_serving()


async def _user_task_key(engine: Engine) -> int:
    review = await engine.service.create_process_instance(bpmn_process_id="review")
    return next(
        key
        for key, task in engine.service.state.user_tasks.items()
        if task.process_instance_key == review.process_instance_key
    )


async def test_a_variable_document_above_the_limit_is_400_over_rest(engine: Engine) -> None:
    job = await _job_key(engine)
    user_task = await _user_task_key(engine)
    for path, body in (
        (f"/v2/user-tasks/{user_task}/completion", f'{{"variables":{BIG_VARIABLES_JSON}}}'),
        (
            "/v2/messages/correlation",
            f'{{"name":"m","correlationKey":"k","variables":{BIG_VARIABLES_JSON}}}',
        ),
        (
            "/v2/process-instances",
            f'{{"processDefinitionId":"p","variables":{BIG_VARIABLES_JSON}}}',
        ),
        (f"/v2/jobs/{job}/completion", f'{{"variables":{BIG_VARIABLES_JSON}}}'),
        (
            "/v2/messages/publication",
            f'{{"name":"m","correlationKey":"k","variables":{BIG_VARIABLES_JSON}}}',
        ),
    ):
        _names_variable_limit(_problem(await _rest_post_json(engine.rest, path, body), 400))
        await engine.assert_still_serving()
    done = await engine.rest.post(f"/v2/jobs/{job}/completion", json={"variables": {"a": 1}})
    assert done.status_code == 204, done.text
    done = await engine.rest.post(f"/v2/user-tasks/{user_task}/completion", json={})
    assert done.status_code == 204, done.text


async def test_a_variable_document_above_the_limit_is_resource_exhausted_over_grpc(
    engine: Engine,
) -> None:
    """The 4 MiB variable document cannot fit the 4 MiB gRPC message that carries it: grpc's own
    receive limit refuses it first, naming its size in bytes."""
    job = await _job_key(engine)
    stub = engine.grpc
    for call in (
        stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="p", variables=BIG_VARIABLES_JSON)
        ),
        stub.CompleteJob(pb.CompleteJobRequest(jobKey=job, variables=BIG_VARIABLES_JSON)),
        stub.SetVariables(
            pb.SetVariablesRequest(
                elementInstanceKey=engine.acknowledged, variables=BIG_VARIABLES_JSON
            )
        ),
        stub.PublishMessage(
            pb.PublishMessageRequest(name="m", correlationKey="k", variables=BIG_VARIABLES_JSON)
        ),
    ):
        refused = await _grpc_refused(call)
        assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "4194304" in (refused.details() or "")
        await engine.assert_still_serving()
    await stub.CompleteJob(pb.CompleteJobRequest(jobKey=job, variables='{"a":1}'))


# -- deployed resources -------------------------------------------------------------------------


def _form(form_id: str, size: int) -> bytes:
    head = f'{{"id":"{form_id}","type":"default","components":[{{"type":"text","text":"'
    tail = '"}]}'
    return (head + "x" * (size - len(head) - len(tail)) + tail).encode()


async def test_a_resource_above_the_limit_is_refused_naming_it(engine: Engine) -> None:
    too_big = _form("big", MAX_RESOURCE_BYTES + 1)
    for name in ("big.form", "big.bpmn", "big.dmn"):
        with pytest.raises(InvalidArgument, match="limit of 4194304 bytes for one deployed"):
            await engine.service.deploy([Resource(name, too_big)])
    rest = await engine.rest.post(
        "/v2/deployments", files={"resources": ("big.form", too_big, "application/json")}
    )
    assert "for one deployed resource" in _problem(rest, 400)
    refused = await _grpc_refused(
        engine.grpc.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="big.form", content=too_big)])
        )
    )
    assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    await engine.assert_still_serving()
    fits = await engine.service.deploy([Resource("fits.form", _form("fits", MAX_RESOURCE_BYTES))])
    assert fits.forms[0].form_id == "fits"


async def test_a_deployment_above_the_total_limit_is_refused_naming_it(engine: Engine) -> None:
    # five forms of 3.3 MiB: each within its own limit, 16.5 MiB together
    part = int(3.3 * 1024 * 1024)
    forms = [(f"f{i}.form", _form(f"f{i}", part)) for i in range(5)]
    assert 5 * part > MAX_DEPLOYMENT_BYTES
    with pytest.raises(InvalidArgument, match="limit of 16777216 bytes for one deployment"):
        await engine.service.deploy([Resource(name, content) for name, content in forms])
    rest = await engine.rest.post(
        "/v2/deployments",
        files=[("resources", (name, content, "application/json")) for name, content in forms],
    )
    assert "16777216 bytes for one deployment" in _problem(rest, 400)
    await engine.assert_still_serving()


async def test_a_process_with_more_flow_nodes_than_the_limit_is_refused(engine: Engine) -> None:
    # start + tasks + end
    too_many = chain_of_tasks(MAX_FLOW_NODES - 1, "huge")
    at_limit = chain_of_tasks(MAX_FLOW_NODES - 2, "large")
    with pytest.raises(InvalidArgument, match=f"limit of {MAX_FLOW_NODES} flow nodes"):
        await engine.service.deploy([Resource("huge.bpmn", too_many)])
    rest = await engine.rest.post(
        "/v2/deployments", files={"resources": ("huge.bpmn", too_many, "application/xml")}
    )
    assert f"{MAX_FLOW_NODES + 1} flow nodes" in _problem(rest, 400)
    refused = await _grpc_refused(
        engine.grpc.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="huge.bpmn", content=too_many)])
        )
    )
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "flow nodes" in (refused.details() or "")
    await engine.assert_still_serving()
    deployed = await engine.service.deploy([Resource("large.bpmn", at_limit)])
    assert deployed.processes[0].bpmn_process_id == "large"


# -- message names ------------------------------------------------------------------------------


async def test_message_names_and_keys_have_a_limit_for_publish_and_correlate_on_both_transports(
    engine: Engine,
) -> None:
    long_name, long_key = (
        "m" * (MAX_MESSAGE_NAME_LENGTH + 1),
        "k" * (MAX_CORRELATION_KEY_LENGTH + 1),
    )
    for path in ("/v2/messages/publication", "/v2/messages/correlation"):
        for body, field in (
            ({"name": long_name, "correlationKey": "k"}, "name"),
            ({"name": "m", "correlationKey": long_key}, "correlationKey"),
        ):
            detail = _problem(await engine.rest.post(path, json=body), 400)
            assert field in detail and "1024" in detail, detail
    for request, field in (
        (pb.PublishMessageRequest(name=long_name, correlationKey="k"), "name"),
        (pb.PublishMessageRequest(name="m", correlationKey=long_key), "correlationKey"),
        (pb.PublishMessageRequest(name="m", correlationKey="k", messageId="i" * 1025), "messageId"),
    ):
        refused = await _grpc_refused(engine.grpc.PublishMessage(request))
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in (refused.details() or "")
    await engine.assert_still_serving()


# -- held job calls -----------------------------------------------------------------------------


def _held_activation(job_type: str) -> pb.ActivateJobsRequest:
    return pb.ActivateJobsRequest(
        type=job_type, worker="w", timeout=60_000, maxJobsToActivate=1, requestTimeout=30_000
    )


async def _until_held(engine: Engine, count: int) -> None:
    for _ in range(500):
        if engine.service.held_job_calls.count == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(
        f"expected {count} held job calls, got {engine.service.held_job_calls.count}"
    )


async def _drain(call: Any) -> list[Any]:
    return [response async for response in call]


async def test_long_polls_and_streams_above_the_limit_are_refused_at_once(engine: Engine) -> None:
    engine.service.held_job_calls.limit = 3
    stub = engine.grpc
    grpc_poll = stub.ActivateJobs(_held_activation("idle"))
    rest_poll = asyncio.create_task(
        engine.rest.post(
            "/v2/jobs/activation",
            json={
                "type": "idle",
                "timeout": 60_000,
                "maxJobsToActivate": 1,
                "requestTimeout": 30_000,
            },
        )
    )
    stream = stub.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type="idle", worker="w", timeout=60_000)
    )
    held = [asyncio.create_task(_drain(grpc_poll)), rest_poll, asyncio.create_task(_drain(stream))]
    try:
        await _until_held(engine, 3)
        # a fourth long poll, over either transport, and a new stream: refused at once
        refused = await _grpc_refused(
            asyncio.wait_for(_drain(stub.ActivateJobs(_held_activation("idle"))), 5)
        )
        assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "held job calls limit" in (refused.details() or "")
        refused = await _grpc_refused(
            asyncio.wait_for(
                _drain(
                    stub.StreamActivatedJobs(
                        pb.StreamActivatedJobsRequest(type="idle", worker="w", timeout=60_000)
                    )
                ),
                5,
            )
        )
        assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        response = await asyncio.wait_for(
            engine.rest.post(
                "/v2/jobs/activation",
                json={
                    "type": "idle",
                    "timeout": 60_000,
                    "maxJobsToActivate": 1,
                    "requestTimeout": 30_000,
                },
            ),
            5,
        )
        assert "held job calls limit" in _problem(response, 429)
        # at the limit the engine still serves: other commands, and activations with work to do
        await engine.assert_still_serving()
        (activated,) = await _drain(stub.ActivateJobs(_held_activation("work")))
        assert len(activated.jobs) == 1
        assert engine.service.held_job_calls.count == 3
    finally:
        grpc_poll.cancel()
        stream.cancel()
        rest_poll.cancel()
        await asyncio.gather(*held, return_exceptions=True)
    await _until_held(engine, 0)
    # once the held calls are gone, a new long poll is held again (and answered when work comes)
    await engine.service.deploy([Resource("q.bpmn", one_task_process("q", "late"))])
    later = asyncio.create_task(_drain(stub.ActivateJobs(_held_activation("late"))))
    await _until_held(engine, 1)
    await engine.service.create_process_instance(bpmn_process_id="q")
    (answer,) = await asyncio.wait_for(later, 10)
    assert len(answer.jobs) == 1


async def test_a_pyzeebe_worker_refused_at_the_limit_backs_off_and_then_works(
    engine: Engine, tmp_path: Path
) -> None:
    """pyzeebe reads RESOURCE_EXHAUSTED as back-pressure: it polls again 5 s later, and does not
    count it as a connection failure (which would stop the worker after ten)."""
    engine.service.held_job_calls.limit = 1
    blocker = engine.grpc.ActivateJobs(_held_activation("idle"))
    blocking = asyncio.create_task(_drain(blocker))
    await _until_held(engine, 1)
    await engine.service.deploy([Resource("w.bpmn", one_task_process("w", "worked"))])
    worker = ZeebeWorker(create_insecure_channel(engine.address), name="limited")

    @worker.task(task_type="worked")
    def work(n: int) -> JsonObject:
        return {"doubled": 2 * n}

    working = asyncio.create_task(worker.work())
    try:
        await asyncio.sleep(0.5)  # the worker polled and was refused
        refused_polls = engine.service.held_job_calls.refused
        assert refused_polls >= 1
        blocker.cancel()
        await asyncio.gather(blocking, return_exceptions=True)
        created = await engine.service.create_process_instance(
            bpmn_process_id="w", variables={"n": 7}
        )
        path = f"/v2/process-instances/{created.process_instance_key}"
        for _ in range(1500):  # pyzeebe's back-off is 5 s
            if (await engine.rest.get(path)).json()["state"] == "COMPLETED":
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the worker did not complete its job after backing off")
    finally:
        await worker.stop()
        working.cancel()
        await asyncio.gather(working, return_exceptions=True)
