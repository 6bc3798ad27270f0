"""Wire-level behaviour of the gateway that pyzeebe does not expose, through the raw stub."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.api import (
    ActivatedJob,
    ActivateJobsRequest,
    FailedPrecondition,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
)
from engine.gateway import GatewayServer, current_principal, start_gateway, wire
from tests.engine.fake_engine import FakeEngine, one_task_process, running_gateway


@pytest.fixture
async def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
async def gateway(engine: FakeEngine) -> AsyncIterator[GatewayServer]:
    async with running_gateway(engine) as gateway:
        yield gateway


@pytest.fixture
async def stub(gateway: GatewayServer) -> AsyncIterator[Any]:
    async with grpc.aio.insecure_channel(gateway.address) as channel:
        yield pb_grpc.GatewayStub(channel)


async def _status_of(call: Any) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value.code(), raised.value.details() or ""


async def _start_instance_with_job(stub: Any, job_type: str = "check") -> int:
    await stub.DeployResource(
        pb.DeployResourceRequest(
            resources=[pb.Resource(name="p.bpmn", content=one_task_process("p", job_type))]
        )
    )
    created = await stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="p", version=-1, variables='{"a": 1}')
    )
    return int(created.processInstanceKey)


async def _activate(stub: Any, job_type: str = "check") -> list[Any]:
    request = pb.ActivateJobsRequest(
        type=job_type, worker="t", timeout=1000, maxJobsToActivate=5, requestTimeout=-1
    )
    return [job async for response in stub.ActivateJobs(request) for job in response.jobs]


@pytest.mark.parametrize(
    ("variables", "got"),
    [("[1, 2]", "an array"), ('"text"', "a string"), ("{nope", "invalid JSON")],
)
async def test_non_object_variables_are_invalid_argument_naming_the_field(
    stub: Any, engine: FakeEngine, variables: str, got: str
) -> None:
    code, details = await _status_of(
        stub.CompleteJob(pb.CompleteJobRequest(jobKey=1, variables=variables))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "Expected to complete job with 'variables' to be a JSON object" in details
    assert got in details
    assert engine.calls["complete_job"] == 0


async def test_each_command_names_itself_in_variables_errors(stub: Any) -> None:
    calls = {
        "create a process instance": stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="p", variables="1")
        ),
        "publish message": stub.PublishMessage(pb.PublishMessageRequest(name="m", variables="1")),
        "broadcast signal": stub.BroadcastSignal(
            pb.BroadcastSignalRequest(signalName="s", variables="1")
        ),
        "set variables": stub.SetVariables(
            pb.SetVariablesRequest(elementInstanceKey=1, variables="1")
        ),
        "fail job": stub.FailJob(pb.FailJobRequest(jobKey=1, variables="1")),
        "throw error": stub.ThrowError(
            pb.ThrowErrorRequest(jobKey=1, errorCode="E", variables="1")
        ),
        "evaluate decision": stub.EvaluateDecision(
            pb.EvaluateDecisionRequest(decisionId="d", variables="1")
        ),
    }
    for command, call in calls.items():
        code, details = await _status_of(call)
        assert code == grpc.StatusCode.INVALID_ARGUMENT, command
        assert details.startswith(f"Expected to {command} with 'variables'"), details


async def test_engine_refusals_map_to_their_status_codes(stub: Any, engine: FakeEngine) -> None:
    for error, code in [
        (FailedPrecondition("job 1 is not activated"), grpc.StatusCode.FAILED_PRECONDITION),
        (PermissionDenied("not yours"), grpc.StatusCode.PERMISSION_DENIED),
        (ResourceExhausted("too busy"), grpc.StatusCode.RESOURCE_EXHAUSTED),
    ]:
        engine.fail_with = error
        assert await _status_of(stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=1))) == (
            code,
            str(error),
        )
    code, details = await _status_of(stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=9)))
    assert code == grpc.StatusCode.NOT_FOUND
    assert "incident with key '9'" in details


async def test_unexpected_engine_exception_is_internal_and_server_keeps_serving(
    stub: Any, engine: FakeEngine
) -> None:
    engine.fail_with = ZeroDivisionError("boom")
    code, details = await _status_of(
        stub.PublishMessage(pb.PublishMessageRequest(name="m", correlationKey="k"))
    )
    assert code == grpc.StatusCode.INTERNAL
    assert details == "Unexpected error while processing PublishMessage: ZeroDivisionError"
    published = await stub.PublishMessage(pb.PublishMessageRequest(name="m", correlationKey="k"))
    assert published.key > 0


async def test_oversized_request_is_resource_exhausted_and_server_keeps_serving(
    stub: Any,
) -> None:
    huge = '{"blob": "' + "x" * (4 * 1024 * 1024) + '"}'
    code, _ = await _status_of(
        stub.PublishMessage(pb.PublishMessageRequest(name="m", variables=huge))
    )
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    topology = await stub.Topology(pb.TopologyRequest())
    assert topology.clusterSize == 1


async def test_rpcs_outside_the_engine_are_unimplemented(stub: Any) -> None:
    for call in [
        stub.ModifyProcessInstance(pb.ModifyProcessInstanceRequest(processInstanceKey=1)),
        stub.MigrateProcessInstance(pb.MigrateProcessInstanceRequest(processInstanceKey=1)),
        stub.DeleteResource(pb.DeleteResourceRequest(resourceKey=1)),
    ]:
        code, details = await _status_of(call)
        assert code == grpc.StatusCode.UNIMPLEMENTED
        assert "not supported by the embedded engine" in details


async def test_health_service_reports_gateway_serving(gateway: GatewayServer) -> None:
    async with grpc.aio.insecure_channel(gateway.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        response = await health.Check(
            health_pb2.HealthCheckRequest(service="gateway_protocol.Gateway")
        )
    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_activated_jobs_carry_json_documents_never_empty_strings(stub: Any) -> None:
    instance_key = await _start_instance_with_job(stub)
    [job] = await _activate(stub)
    assert job.processInstanceKey == instance_key
    assert json.loads(job.variables) == {"a": 1}
    assert job.customHeaders == "{}"
    assert job.tenantId == "<default>"


async def test_activate_jobs_validates_and_translates_request_timeout(
    stub: Any, engine: FakeEngine
) -> None:
    code, details = await _status_of(
        _activate_raw(stub, pb.ActivateJobsRequest(type="t", maxJobsToActivate=0))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "'maxJobsToActivate'" in details
    code, details = await _status_of(
        _activate_raw(stub, pb.ActivateJobsRequest(type=" ", maxJobsToActivate=1))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "'type'" in details

    await _activate(stub, "none")
    request = engine.last_call["request"]
    assert isinstance(request, ActivateJobsRequest)
    # Negative stays negative: the engine holds a 0 for its default long poll.
    assert request.request_timeout_ms == -1
    assert request.tenant_ids == ("<default>",)

    engine.fail_with = KeyError("stop before waiting")
    await _status_of(
        _activate_raw(
            stub, pb.ActivateJobsRequest(type="t", maxJobsToActivate=1, fetchVariable=["a"])
        )
    )
    request = engine.last_call["request"]
    assert request.request_timeout_ms == 10_000  # 0: the gateway's default hold
    assert tuple(request.fetch_variables) == ("a",)


async def _activate_raw(stub: Any, request: Any) -> list[Any]:
    return [response async for response in stub.ActivateJobs(request)]


async def test_stream_activated_jobs_pushes_jobs_and_stops_on_cancel(
    stub: Any, engine: FakeEngine
) -> None:
    stream = stub.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type="check", worker="s", timeout=1000)
    )
    first = await _start_instance_with_job(stub)
    job = await asyncio.wait_for(stream.read(), timeout=5)
    assert job.processInstanceKey == first
    second = await stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId="p"))
    job = await asyncio.wait_for(stream.read(), timeout=5)
    assert job.processInstanceKey == second.processInstanceKey
    stream.cancel()
    topology = await stub.Topology(pb.TopologyRequest())
    assert topology.clusterSize == 1


async def test_job_commands_pass_their_fields(stub: Any, engine: FakeEngine) -> None:
    await _start_instance_with_job(stub)
    [job] = await _activate(stub)
    await stub.FailJob(
        pb.FailJobRequest(
            jobKey=job.key,
            retries=2,
            errorMessage="db down",
            retryBackOff=5000,
            variables='{"attempt": 1}',
        )
    )
    assert engine.last_call == {
        "call": "fail_job",
        "retries": 2,
        "error_message": "db down",
        "retry_backoff_ms": 5000,
        "variables": {"attempt": 1},
    }
    await stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=4))
    assert engine.last_call == {"call": "update_job_retries", "retries": 4}
    code, _ = await _status_of(stub.ThrowError(pb.ThrowErrorRequest(jobKey=job.key, errorCode="")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    response = await stub.SetVariables(
        pb.SetVariablesRequest(elementInstanceKey=5, variables='{"x": 1}', local=True)
    )
    assert response.key > 0
    assert engine.last_call == {"call": "set_variables", "variables": {"x": 1}, "local": True}


async def test_evaluate_decision_needs_an_id_or_a_key(stub: Any) -> None:
    code, details = await _status_of(stub.EvaluateDecision(pb.EvaluateDecisionRequest()))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "decision id or a valid decision key" in details


async def test_deploy_needs_resources(stub: Any) -> None:
    code, details = await _status_of(stub.DeployResource(pb.DeployResourceRequest()))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "at least one resource" in details


async def test_authorizer_sees_metadata_and_can_refuse(engine: FakeEngine) -> None:
    seen: list[object] = []

    async def authorize(metadata: Mapping[str, str]) -> object:
        if metadata.get("authorization") != "Bearer ok":
            raise Unauthenticated("Expected a valid bearer token in 'authorization'")
        return "officer-7"

    class Spy(FakeEngine):
        async def broadcast_signal(
            self, signal_name: str, variables: Any = None, tenant_id: str = "<default>"
        ) -> Any:
            seen.append(current_principal.get())
            return await super().broadcast_signal(signal_name, variables, tenant_id)

    spy = Spy()
    gateway = await start_gateway(spy, "127.0.0.1:0", authorize=authorize)
    try:
        async with grpc.aio.insecure_channel(gateway.address) as channel:
            stub = pb_grpc.GatewayStub(channel)
            code, details = await _status_of(stub.Topology(pb.TopologyRequest()))
            assert code == grpc.StatusCode.UNAUTHENTICATED
            assert "'authorization'" in details
            topology = await stub.Topology(
                pb.TopologyRequest(), metadata=(("authorization", "Bearer ok"),)
            )
            assert topology.brokers[0].port == gateway.port
            await stub.BroadcastSignal(
                pb.BroadcastSignalRequest(signalName="s"),
                metadata=(("authorization", "Bearer ok"),),
            )
            assert seen == ["officer-7"]
    finally:
        await gateway.stop(grace=0)


async def test_deprecated_deploy_process_still_deploys(stub: Any) -> None:
    response = await stub.DeployProcess(
        pb.DeployProcessRequest(
            processes=[
                pb.ProcessRequestObject(name="p.bpmn", definition=one_task_process("p", "t"))
            ]
        )
    )
    assert [p.bpmnProcessId for p in response.processes] == ["p"]


async def test_create_with_result_uses_gateway_default_timeout_and_fetch_list(
    stub: Any, engine: FakeEngine
) -> None:
    await stub.DeployResource(
        pb.DeployResourceRequest(
            resources=[pb.Resource(name="p.bpmn", content=one_task_process("p", "work"))]
        )
    )
    call = stub.CreateProcessInstanceWithResult(
        pb.CreateProcessInstanceWithResultRequest(
            request=pb.CreateProcessInstanceRequest(bpmnProcessId="p", variables='{"a": 2}'),
            fetchVariables=["a"],
        )
    )
    held = pb.ActivateJobsRequest(
        type="work", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=5000
    )
    [job] = [job async for response in stub.ActivateJobs(held) for job in response.jobs]
    await stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key, variables='{"b": 1}'))
    result = await call
    assert json.loads(result.variables) == {"a": 2}
    assert engine.result_timeouts == [15_000]


async def test_cancel_process_instance(stub: Any, engine: FakeEngine) -> None:
    key = await _start_instance_with_job(stub)
    await stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=key))
    assert engine.calls["cancel_process_instance"] == 1


def test_large_activations_are_split_below_the_message_limit() -> None:
    jobs = [
        ActivatedJob(
            key=n,
            type="t",
            process_instance_key=n,
            bpmn_process_id="p",
            process_definition_version=1,
            process_definition_key=1,
            element_id="task",
            element_instance_key=n,
            custom_headers={},
            worker="w",
            retries=3,
            deadline=0,
            variables={"blob": "x" * 1000},
        )
        for n in range(10)
    ]
    batches = list(wire.job_batches(jobs, max_bytes=3500))
    assert [len(batch.jobs) for batch in batches] == [3, 3, 3, 1]
    assert all(batch.ByteSize() <= 3500 for batch in batches)
    assert [job.key for batch in batches for job in batch.jobs] == list(range(10))
