"""The gateway as pyzeebe 4.7 sees it: real gRPC, the in-memory fake engine behind it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel, errors
from pyzeebe.grpc_internals.types import DeployResourceResponse

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


@pytest.fixture
async def client(gateway: GatewayServer) -> AsyncIterator[ZeebeClient]:
    channel = create_insecure_channel(gateway.address)
    yield ZeebeClient(channel)
    await channel.close()


async def _deploy(client: ZeebeClient, tmp_path: Path, process_id: str, job_type: str) -> None:
    path = tmp_path / f"{process_id}.bpmn"
    path.write_bytes(one_task_process(process_id, job_type))
    await client.deploy_resource(str(path))


async def test_deploy_resource_lists_processes_decisions_and_forms(
    client: ZeebeClient, tmp_path: Path
) -> None:
    bpmn = tmp_path / "review.bpmn"
    bpmn.write_bytes(one_task_process("review", "check"))
    dmn = tmp_path / "rules.dmn"
    dmn.write_text('<definitions><decision id="exempt" name="Exempt?"/></definitions>')
    form = tmp_path / "intake.form"
    form.write_text('{"id": "intake", "components": []}')

    response = await client.deploy_resource(str(bpmn), str(dmn), str(form))

    assert response.key > 0
    metadata = DeployResourceResponse
    # Zeebe's order, which clients index into: processes, decisions, requirements, forms.
    [process, decision, drg, form_] = response.deployments
    assert isinstance(process, metadata.ProcessMetadata)
    assert (process.bpmn_process_id, process.resource_name) == ("review", "review.bpmn")
    assert isinstance(decision, metadata.DecisionMetadata)
    assert (decision.dmn_decision_id, decision.dmn_decision_name) == ("exempt", "Exempt?")
    assert isinstance(drg, metadata.DecisionRequirementsMetadata)
    assert drg.dmn_decision_requirements_id == "drg"
    assert isinstance(form_, metadata.FormMetadata)
    assert form_.form_id == "intake"


async def test_worker_completes_job_and_result_carries_variables(
    client: ZeebeClient, gateway: GatewayServer, tmp_path: Path
) -> None:
    await _deploy(client, tmp_path, "review", "check")
    worker = ZeebeWorker(create_insecure_channel(gateway.address), name="w1")

    @worker.task(task_type="check")
    def check(amount: int) -> JsonObject:
        return {"approved": amount < 10}

    work = asyncio.create_task(worker.work())
    try:
        result = await client.run_process_with_result(
            "review", {"amount": 3}, timeout=5_000, variables_to_fetch=["approved"]
        )
    finally:
        await worker.stop()
        await work
    assert result.variables == {"approved": True}
    assert result.bpmn_process_id == "review"


async def test_run_process_passes_version_and_variables(
    client: ZeebeClient, engine: FakeEngine, tmp_path: Path
) -> None:
    await _deploy(client, tmp_path, "review", "check")
    response = await client.run_process("review", {"case": "A-1"})
    assert response.process_instance_key > 0
    assert engine.last_call == {
        "call": "create_process_instance",
        "variables": {"case": "A-1"},
        "version": -1,
    }


async def test_unknown_process_is_not_found(client: ZeebeClient) -> None:
    with pytest.raises(errors.ProcessDefinitionNotFoundError):
        await client.run_process("nowhere")


async def test_result_timeout_is_deadline_exceeded(client: ZeebeClient, tmp_path: Path) -> None:
    await _deploy(client, tmp_path, "review", "nobody-works-this")
    with pytest.raises(errors.ProcessTimeoutError):
        await client.run_process_with_result("review", timeout=50)


async def test_cancel_unknown_instance_is_not_found(client: ZeebeClient) -> None:
    with pytest.raises(errors.ProcessInstanceNotFoundError):
        await client.cancel_process_instance(42)


async def test_duplicate_message_id_is_already_exists(client: ZeebeClient) -> None:
    await client.publish_message("decided", "A-1", message_id="m-1")
    with pytest.raises(errors.MessageAlreadyExistsError):
        await client.publish_message("decided", "A-1", message_id="m-1")


async def test_publish_message_and_broadcast_signal_pass_variables(
    client: ZeebeClient, engine: FakeEngine
) -> None:
    published = await client.publish_message("decided", "A-1", variables={"ok": True})
    assert published.key > 0
    assert engine.last_call["variables"] == {"ok": True}
    signal = await client.broadcast_signal("halt", {"why": "audit"})
    assert signal.key > 0
    assert engine.last_call == {
        "call": "broadcast_signal",
        "signal_name": "halt",
        "variables": {"why": "audit"},
    }


async def test_evaluate_decision_returns_outputs_and_rules(
    client: ZeebeClient, tmp_path: Path
) -> None:
    dmn = tmp_path / "rules.dmn"
    dmn.write_text('<definitions><decision id="exempt" name="Exempt?"/></definitions>')
    await client.deploy_resource(str(dmn))

    response = await client.evaluate_decision(None, "exempt", {"amount": 3})

    assert response.decision_id == "exempt"
    assert response.decision_output == {"approved": True}
    [evaluated] = response.evaluated_decisions
    assert evaluated.decision_type == "DECISION_TABLE"
    assert evaluated.evaluated_inputs[0].input_value == {"amount": 3}
    [rule] = evaluated.matched_rules
    assert (rule.rule_id, rule.rule_index) == ("rule1", 1)
    assert rule.evaluated_outputs[0].output_value is True


async def test_unknown_decision_is_not_found(client: ZeebeClient) -> None:
    with pytest.raises(errors.DecisionNotFoundError):
        await client.evaluate_decision(None, "nothing")


async def test_completing_a_job_twice_is_already_deactivated(
    client: ZeebeClient, gateway: GatewayServer, tmp_path: Path
) -> None:
    await _deploy(client, tmp_path, "review", "check")
    await client.run_process("review")
    channel = create_insecure_channel(gateway.address)
    adapter = ZeebeWorker(channel).zeebe_adapter
    jobs = [
        job async for job in adapter.activate_jobs("check", "w", 1000, 1, [], request_timeout=1000)
    ]
    await adapter.complete_job(jobs[0].key, {"done": True})
    with pytest.raises(errors.JobAlreadyDeactivatedError):
        await adapter.complete_job(jobs[0].key, {})
    with pytest.raises(errors.JobNotFoundError):
        await adapter.fail_job(999, 0, "boom", 0, {})
    await channel.close()


async def test_topology_and_health(client: ZeebeClient, gateway: GatewayServer) -> None:
    topology = await client.topology()
    assert (topology.cluster_size, topology.partitions_count) == (1, 1)
    assert topology.gateway_version == "8.8.0"
    [broker] = topology.brokers
    assert (broker.host, broker.port) == ("127.0.0.1", gateway.port)
    assert broker.partitions[0].role.name == "LEADER"
    health = await client.healthcheck()
    assert health.status == health.ServingStatus.SERVING


async def test_streaming_worker_gets_jobs_pushed(
    client: ZeebeClient, gateway: GatewayServer, engine: FakeEngine, tmp_path: Path
) -> None:
    await _deploy(client, tmp_path, "review", "check")
    worker = ZeebeWorker(
        create_insecure_channel(gateway.address), name="streamer", stream_enabled=True
    )

    @worker.task(task_type="check")
    def check(amount: int) -> JsonObject:
        return {"seen": amount}

    work = asyncio.create_task(worker.work())
    try:
        results = [
            await client.run_process_with_result("review", {"amount": n}, timeout=5_000)
            for n in range(3)
        ]
    finally:
        await worker.stop()
        await work
    assert [r.variables["seen"] for r in results] == [0, 1, 2]
    # A job stream asks the engine for a batch with a long hold, and keeps asking.
    assert any(a.request_timeout_ms == 60_000 for a in engine.activations)
