"""Every gateway RPC tried with each kind of principal over the wire: allowed or refused as the
table in engine/access/rpc_rules.py (docs/grpc-access.md) says, one test per cell; then the
per-call limits: a worker's job types, an officer's cases (issue 16)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.access import RPC_RULES, Identity, Kind, parse_directory
from engine.access.secrets import token_digest
from engine.api import Resource
from engine.audit import AuditTrail
from engine.cli import ServeOptions, start_adapters
from engine.service import EngineService

CASE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="access-case" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:serviceTask id="check">
      <bpmn:extensionElements><zeebe:taskDefinition type="check" /></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="secret">
      <bpmn:extensionElements><zeebe:taskDefinition type="secret" /></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:userTask id="review">
      <bpmn:extensionElements>
        <zeebe:userTask />
        <zeebe:assignmentDefinition candidateGroups="office" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end1" /><bpmn:endEvent id="end2" /><bpmn:endEvent id="end3" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork" />
    <bpmn:sequenceFlow id="f1" sourceRef="fork" targetRef="check" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="secret" />
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="review" />
    <bpmn:sequenceFlow id="f4" sourceRef="check" targetRef="end1" />
    <bpmn:sequenceFlow id="f5" sourceRef="secret" targetRef="end2" />
    <bpmn:sequenceFlow id="f6" sourceRef="review" targetRef="end3" />
  </bpmn:process>
</bpmn:definitions>
"""

# username -> (groups, roles, job types)
USERS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "admin": ([], ["admin"], []),
    "manager": ([], ["manager"], []),
    "office": (["office"], ["officer"], []),
    "outsider": (["elsewhere"], ["officer"], []),
    "worker": ([], ["worker"], ["check"]),
}
# The one message the worker's identity lets it publish (as the screening's referral).
WORKER_MESSAGE = "referral"
KIND_USER = {
    Kind.ADMIN: "admin",
    Kind.MANAGER: "manager",
    Kind.OFFICER: "office",
    Kind.WORKER: "worker",
}


def _identity() -> Identity:
    return Identity(
        parse_directory(
            {
                "groups": [{"id": "office"}, {"id": "elsewhere"}],
                "users": [
                    {
                        "username": u,
                        "name": u,
                        "groups": g,
                        "roles": r,
                        "jobTypes": t,
                        "messageNames": [WORKER_MESSAGE] if u == "worker" else [],
                    }
                    for u, (g, r, t) in USERS.items()
                ],
                "tokens": [
                    {"name": u, "username": u, "sha256": token_digest(f"{u}-token")} for u in USERS
                ],
            }
        )
    )


@dataclass
class Served:
    engine: EngineService
    address: str
    task_element: int  # the user task's element instance (office may act on it)
    check_job: int
    secret_job: int


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    engine = await EngineService.open(None)
    trail = AuditTrail.open(tmp_path / "audit.sqlite3")
    await engine.deploy([Resource("access-case.bpmn", CASE_BPMN.encode())])
    await engine.create_process_instance(bpmn_process_id="access-case")
    [task] = engine.query.user_tasks()
    jobs = {job["type"]: job["jobKey"] for job in engine.query.jobs()}
    options = ServeOptions(grpc_address="127.0.0.1:0", http_address=None)
    running = await start_adapters(engine, options, _identity(), trail)
    try:
        yield Served(
            engine,
            f"127.0.0.1:{running.gateway.port}",
            task["elementInstanceKey"],
            jobs["check"],
            jobs["secret"],
        )
    finally:
        await running.stop()
        await engine.close()


def _requests(s: Served, kind: Kind) -> dict[str, Any]:
    """A request per RPC that an allowed caller may send without changing much."""
    job_type = "check" if kind == Kind.WORKER else "none-such"
    return {
        "Topology": pb.TopologyRequest(),
        "DeployResource": pb.DeployResourceRequest(),
        "DeployProcess": pb.DeployProcessRequest(),
        "DeleteResource": pb.DeleteResourceRequest(resourceKey=1),
        "CreateProcessInstance": pb.CreateProcessInstanceRequest(bpmnProcessId="missing"),
        "CreateProcessInstanceWithResult": pb.CreateProcessInstanceWithResultRequest(
            request=pb.CreateProcessInstanceRequest(bpmnProcessId="missing")
        ),
        "CancelProcessInstance": pb.CancelProcessInstanceRequest(processInstanceKey=1),
        "ActivateJobs": pb.ActivateJobsRequest(
            type=job_type, worker="t", timeout=60_000, maxJobsToActivate=1, requestTimeout=-1
        ),
        "StreamActivatedJobs": pb.StreamActivatedJobsRequest(
            type=job_type, worker="t", timeout=60_000
        ),
        "CompleteJob": pb.CompleteJobRequest(jobKey=1),
        "FailJob": pb.FailJobRequest(jobKey=1, retries=1),
        "ThrowError": pb.ThrowErrorRequest(jobKey=1, errorCode="E"),
        "UpdateJobTimeout": pb.UpdateJobTimeoutRequest(jobKey=1, timeout=1000),
        "UpdateJobRetries": pb.UpdateJobRetriesRequest(jobKey=1, retries=1),
        "PublishMessage": pb.PublishMessageRequest(
            name=WORKER_MESSAGE if kind == Kind.WORKER else "m", correlationKey="k"
        ),
        "BroadcastSignal": pb.BroadcastSignalRequest(signalName="s"),
        "EvaluateDecision": pb.EvaluateDecisionRequest(decisionId="missing"),
        "SetVariables": pb.SetVariablesRequest(
            elementInstanceKey=s.task_element, variables='{"note":"x"}'
        ),
        "ResolveIncident": pb.ResolveIncidentRequest(incidentKey=1),
        "ModifyProcessInstance": pb.ModifyProcessInstanceRequest(processInstanceKey=1),
        "MigrateProcessInstance": pb.MigrateProcessInstanceRequest(processInstanceKey=1),
    }


async def _call(s: Served, user: str, rpc: str, request: Any) -> grpc.StatusCode:
    metadata = (("authorization", f"Bearer {user}-token"),)
    async with grpc.aio.insecure_channel(s.address) as channel:
        method: Callable[..., Any] = getattr(pb_grpc.GatewayStub(channel), rpc)
        try:
            if rpc in ("ActivateJobs", "StreamActivatedJobs"):
                timeout = 1.0 if rpc == "StreamActivatedJobs" else 10.0
                async for _ in method(request, metadata=metadata, timeout=timeout):
                    pass
            else:
                await method(request, metadata=metadata, timeout=10)
        except grpc.aio.AioRpcError as error:
            return error.code()
    return grpc.StatusCode.OK


CELLS = [(rpc, kind) for rpc in RPC_RULES for kind in Kind]


def test_the_table_covers_every_rpc_of_the_gateway() -> None:
    rpcs = set(pb.DESCRIPTOR.services_by_name["Gateway"].methods_by_name)
    assert rpcs == set(RPC_RULES)


def test_the_docs_show_the_table() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "grpc-access.md").read_text("utf-8")
    for rpc, rule in RPC_RULES.items():
        row = next(line for line in docs.splitlines() if line.startswith(f"| {rpc} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")][1:5]
        expected = ["allowed" if k in rule.allowed else "refused" for k in Kind]
        assert [cell.split(" ")[0] for cell in cells] == expected, row


@pytest.mark.parametrize(("rpc", "kind"), CELLS, ids=[f"{r}-{k.value}" for r, k in CELLS])
async def test_cell(served: Served, rpc: str, kind: Kind) -> None:
    code = await _call(served, KIND_USER[kind], rpc, _requests(served, kind)[rpc])
    if kind in RPC_RULES[rpc].allowed:
        assert code not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)
    else:
        assert code == grpc.StatusCode.PERMISSION_DENIED


# == the per-call limits =========================================================================


async def test_a_worker_activates_only_its_job_types(served: Served) -> None:
    refused = pb.ActivateJobsRequest(
        type="secret", worker="t", timeout=60_000, maxJobsToActivate=1, requestTimeout=-1
    )
    assert await _call(served, "worker", "ActivateJobs", refused) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    stream = pb.StreamActivatedJobsRequest(type="secret", worker="t", timeout=60_000)
    assert await _call(served, "worker", "StreamActivatedJobs", stream) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    secret = next(j for j in served.engine.query.jobs() if j["jobKey"] == served.secret_job)
    assert secret["state"] == "ACTIVATABLE"


@pytest.mark.parametrize("rpc", ["CompleteJob", "FailJob", "ThrowError", "UpdateJobTimeout"])
async def test_a_worker_works_no_job_of_another_type(served: Served, rpc: str) -> None:
    requests = {
        "CompleteJob": pb.CompleteJobRequest(jobKey=served.secret_job),
        "FailJob": pb.FailJobRequest(jobKey=served.secret_job, retries=0),
        "ThrowError": pb.ThrowErrorRequest(jobKey=served.secret_job, errorCode="E"),
        "UpdateJobTimeout": pb.UpdateJobTimeoutRequest(jobKey=served.secret_job, timeout=1),
    }
    assert await _call(served, "worker", rpc, requests[rpc]) == grpc.StatusCode.PERMISSION_DENIED
    secret = next(j for j in served.engine.query.jobs() if j["jobKey"] == served.secret_job)
    assert secret["state"] == "ACTIVATABLE" and secret["retries"] > 0


async def test_a_worker_completes_a_job_of_its_type(served: Served) -> None:
    request = pb.CompleteJobRequest(jobKey=served.check_job)
    assert await _call(served, "worker", "CompleteJob", request) == grpc.StatusCode.OK


async def test_officers_and_the_desk_do_not_work_jobs(served: Served) -> None:
    for user in ("office", "manager"):
        request = pb.CompleteJobRequest(jobKey=served.check_job)
        assert await _call(served, user, "CompleteJob", request) == (
            grpc.StatusCode.PERMISSION_DENIED
        )
        activate = pb.ActivateJobsRequest(
            type="check", worker="t", timeout=60_000, maxJobsToActivate=1, requestTimeout=-1
        )
        assert await _call(served, user, "ActivateJobs", activate) == (
            grpc.StatusCode.PERMISSION_DENIED
        )
    assert {j["state"] for j in served.engine.query.jobs()} == {"ACTIVATABLE"}


async def test_an_officer_sets_variables_only_in_a_case_with_its_task(served: Served) -> None:
    request = pb.SetVariablesRequest(elementInstanceKey=served.task_element, variables='{"a":1}')
    assert await _call(served, "outsider", "SetVariables", request) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    assert "a" not in served.engine.query.visible_variables(served.task_element)
    assert await _call(served, "office", "SetVariables", request) == grpc.StatusCode.OK
    # Another case, where the office has a task too, is open to it; a finished task's case not.
    other = await served.engine.create_process_instance(bpmn_process_id="access-case")
    request = pb.SetVariablesRequest(elementInstanceKey=other.process_instance_key, variables="{}")
    assert await _call(served, "office", "SetVariables", request) == grpc.StatusCode.OK
    [task] = served.engine.query.user_tasks(other.process_instance_key)
    await served.engine.complete_user_task(task["userTaskKey"])
    request = pb.SetVariablesRequest(elementInstanceKey=other.process_instance_key, variables="{}")
    assert await _call(served, "office", "SetVariables", request) in (
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.NOT_FOUND,
    )


async def test_set_variables_queued_just_after_the_officers_last_task_ends_is_refused(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway accepts the office's SetVariables (its case still holds its task when the call
    arrives); the engine, processing the task's completion first, refuses it (issue 15)."""
    engine = served.engine
    [task] = engine.query.user_tasks()
    instance = int(task["processInstanceKey"])
    gate = asyncio.Event()
    queued: list[str] = []
    process_group, put = engine._process_group, engine._queue.put_nowait

    async def held(group: list[Any]) -> None:
        await gate.wait()
        await process_group(group)

    def noted(pending: Any) -> None:
        queued.append(pending.principal.username if pending.principal else "engine")
        put(pending)

    monkeypatch.setattr(engine, "_process_group", held)
    monkeypatch.setattr(engine._queue, "put_nowait", noted)
    completion = asyncio.ensure_future(engine.complete_user_task(int(task["userTaskKey"])))
    await _until(lambda: "engine" in queued)
    request = pb.SetVariablesRequest(elementInstanceKey=instance, variables='{"late":1}')
    setting = asyncio.ensure_future(_call(served, "office", "SetVariables", request))
    await _until(lambda: "office" in queued)
    gate.set()
    await completion
    assert await setting == grpc.StatusCode.PERMISSION_DENIED
    assert "late" not in engine.query.visible_variables(instance)


async def _until(condition: Callable[[], bool]) -> None:
    # Waits for the call to reach the engine's queue (no timer involved: a bound on polls).
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the call never reached the engine's queue")


async def test_a_worker_publishes_only_the_messages_its_identity_names(served: Served) -> None:
    named = pb.PublishMessageRequest(name=WORKER_MESSAGE, correlationKey="", messageId="a")
    other = pb.PublishMessageRequest(name="problem-referral", correlationKey="", messageId="b")
    assert await _call(served, "worker", "PublishMessage", named) == grpc.StatusCode.OK
    assert await _call(served, "worker", "PublishMessage", other) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
