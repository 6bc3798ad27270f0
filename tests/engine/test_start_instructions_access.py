"""Only administrators start a case at a chosen element (`startInstructions`), over REST and gRPC
alike: an officer starting the procedure straight at its end, or at a step after a decision it
did not take, would skip the procedure the regulation prescribes (issue 17)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.access import Permission, Principal, Role, has_permission
from engine.access.permissions import require_create_process_instance
from engine.api import PermissionDenied
from engine.cli import RunningEngine, ServeOptions, start_adapters
from tests.engine.rest_harness import RestEngine, identity, problem, rest_engine


@dataclass
class Served:
    rest: RestEngine
    grpc: pb_grpc.GatewayStub
    running: RunningEngine


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with rest_engine(tmp_path) as rest:
        await rest.deploy_case()
        options = ServeOptions("127.0.0.1:0", None, tmp_path)
        running = await start_adapters(rest.service, options, identity(), rest.trail)
        channel = grpc.aio.insecure_channel(running.gateway.address)
        try:
            yield Served(rest, pb_grpc.GatewayStub(channel), running)
        finally:
            await channel.close()
            await running.stop()


def _token(user: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {user}-token")]


def _instances(served: Served) -> int:
    return len(served.rest.service.query.process_instances())


def test_the_rule_itself() -> None:
    officer = Principal("office", roles=frozenset({Role.OFFICER}))
    manager = Principal("manager", roles=frozenset({Role.MANAGER}))
    admin = Principal("admin", roles=frozenset({Role.ADMIN}))
    for principal in (officer, manager, admin):
        require_create_process_instance(principal, [])
    for principal in (officer, manager):
        with pytest.raises(PermissionDenied, match="admin"):
            require_create_process_instance(principal, ["done"])
    require_create_process_instance(admin, ["done"])
    assert not has_permission(manager, Permission.START_AT_ELEMENTS)


@pytest.mark.parametrize("user", ["office", "manager"])
async def test_rest_refuses_start_instructions_from_non_admins(served: Served, user: str) -> None:
    before = _instances(served)
    refused = await served.rest.as_(user).post(
        "/v2/process-instances",
        json={
            "processDefinitionId": "case",
            "variables": {"caseId": "C-9"},
            "startInstructions": [{"elementId": "done"}],
        },
    )
    assert "admin" in problem(refused, 403)
    assert _instances(served) == before
    # Without start instructions the same officer still starts the case at its start event.
    plain = await served.rest.as_(user).post(
        "/v2/process-instances",
        json={"processDefinitionId": "case", "variables": {"caseId": "C-9"}},
    )
    assert plain.status_code == 200, plain.text


async def test_rest_admin_may_use_start_instructions(served: Served) -> None:
    answer = await served.rest.as_("admin").post(
        "/v2/process-instances",
        json={
            "processDefinitionId": "case",
            "variables": {"caseId": "C-9"},
            "startInstructions": [{"elementId": "wait"}],
        },
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("user", ["office", "manager"])
async def test_grpc_refuses_start_instructions_from_non_admins(served: Served, user: str) -> None:
    before = _instances(served)
    start = pb.CreateProcessInstanceRequest(
        bpmnProcessId="case",
        version=-1,
        variables='{"caseId":"C-9"}',
        startInstructions=[pb.ProcessInstanceCreationStartInstruction(elementId="done")],
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await served.grpc.CreateProcessInstance(start, metadata=_token(user))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "admin" in str(refused.value.details())
    with_result = pb.CreateProcessInstanceWithResultRequest(request=start, requestTimeout=1000)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await served.grpc.CreateProcessInstanceWithResult(with_result, metadata=_token(user))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _instances(served) == before
    plain = pb.CreateProcessInstanceRequest(
        bpmnProcessId="case", version=-1, variables='{"caseId":"C-9"}'
    )
    created = await served.grpc.CreateProcessInstance(plain, metadata=_token(user))
    assert created.processInstanceKey > 0


async def test_grpc_admin_may_use_start_instructions(served: Served) -> None:
    start = pb.CreateProcessInstanceRequest(
        bpmnProcessId="case",
        version=-1,
        variables='{"caseId":"C-9"}',
        startInstructions=[pb.ProcessInstanceCreationStartInstruction(elementId="wait")],
    )
    created = await served.grpc.CreateProcessInstance(start, metadata=_token("admin"))
    assert created.processInstanceKey > 0
