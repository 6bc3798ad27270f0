"""Operate's repair tools, as Zeebe 8.8 defines them: process instance modification (activate an
element with variables, terminate an element instance) and migration to another version of the
process, each through the engine itself and through the gRPC gateway (pyzeebe's stubs)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.access.audited_engine import AuditedEngine
from engine.access.gateway import grpc_authorizer
from engine.api import (
    ActivateInstruction,
    FailedPrecondition,
    InvalidArgument,
    MappingInstruction,
    NotFound,
    RepairTools,
    Resource,
    VariableInstruction,
)
from engine.gateway.server import start_gateway
from engine.testing import TRANSPORTS, EngineHarness, Transport
from tests.engine.rest_harness import identity


def _process(version_note: str, after_a: str = "", wait_kind: str = "message") -> Resource:
    """`repair`: start -> A (job) -> wait (message or timer, with a timer boundary on A) -> C
    (job) -> end, plus a sub-process `sub` holding `inner` that only modification reaches.
    `after_a` inserts a service task between A and the wait (a later version of the process)."""
    wait = (
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m"/>'
        "</bpmn:intermediateCatchEvent>"
        if wait_kind == "message"
        else '<bpmn:serviceTask id="wait"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="wait"/></bpmn:extensionElements></bpmn:serviceTask>'
    )
    extra = (
        f'<bpmn:serviceTask id="{after_a}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{after_a}"/></bpmn:extensionElements></bpmn:serviceTask>'
        f'<bpmn:sequenceFlow id="fx" sourceRef="{after_a}" targetRef="wait"/>'
        if after_a
        else ""
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="m" name="go">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=caseId"/></bpmn:extensionElements>
  </bpmn:message>
  <bpmn:process id="repair" name="{version_note}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="A"/>
    <bpmn:serviceTask id="A"><bpmn:extensionElements>
      <zeebe:taskDefinition type="a"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="slowA" attachedToRef="A" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="fs" sourceRef="slowA" targetRef="reminded"/>
    <bpmn:endEvent id="reminded"/>
    <bpmn:sequenceFlow id="f2" sourceRef="A" targetRef="{after_a or "wait"}"/>
    {extra}
    {wait}
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="C"/>
    <bpmn:serviceTask id="C"><bpmn:extensionElements>
      <zeebe:taskDefinition type="c"/>
      <zeebe:ioMapping><zeebe:input source="=note" target="seenNote"/></zeebe:ioMapping>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f4" sourceRef="C" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="subStart"/>
      <bpmn:sequenceFlow id="s1" sourceRef="subStart" targetRef="inner"/>
      <bpmn:serviceTask id="inner"><bpmn:extensionElements>
        <zeebe:taskDefinition type="inner"/></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="subEnd"/>
      <bpmn:endEvent id="subEnd"/>
    </bpmn:subProcess>
  </bpmn:process>
</bpmn:definitions>
"""
    return Resource("repair.bpmn", xml.encode())


@pytest.fixture(params=TRANSPORTS)
async def h(request: pytest.FixtureRequest) -> AsyncIterator[EngineHarness]:
    async with EngineHarness(transport=cast(Transport, request.param)) as harness:
        yield harness


def _tools(h: EngineHarness) -> RepairTools:
    return cast(RepairTools, h.commands)


def _active(h: EngineHarness, process_instance_key: int) -> dict[str, int]:
    return {
        e.element_id: e.key
        for e in h.engine.state.elements.values()
        if e.process_instance_key == process_instance_key and e.element_type != "PROCESS"
    }


async def test_modification_moves_the_token_with_variables(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-1"})
    await h.complete_job("a")
    await h.assert_instance(key).is_waiting_at("wait")
    wait_key = _active(h, key)["wait"]
    # "move the token" from the stuck catch event to C, giving C what the message would have
    await _tools(h).modify_process_instance(
        key,
        [ActivateInstruction("C", variable_instructions=(VariableInstruction({"note": "补"}),))],
        [wait_key],
    )
    await h.assert_instance(key).has_terminated_elements("wait")
    await h.assert_instance(key).is_waiting_at("C")
    await h.assert_instance(key).has_variable("note", "补")
    assert not h.engine.state.subscriptions  # the terminated catch event's subscription is gone
    job = await h.complete_job("c")
    assert job.variables["seenNote"] == "补"  # variables were set before C's input mappings
    await h.assert_instance(key).is_completed()


async def test_modification_creates_the_flow_scope_and_local_variables(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-2"})
    await _tools(h).modify_process_instance(
        key,
        [
            ActivateInstruction(
                "inner",
                variable_instructions=(VariableInstruction({"reason": "补正"}, "sub"),),
            )
        ],
    )
    active = _active(h, key)
    assert {"A", "sub", "inner"} <= set(active)
    assert h.engine.state.variables[active["sub"]] == {"reason": "补正"}
    # the sub-process was entered without its start event (Zeebe's rule)
    await h.assert_instance(key).has_not_completed_elements("subStart")
    # terminating the last instance inside a sub-process terminates the sub-process too
    await _tools(h).modify_process_instance(key, terminate=[active["inner"]])
    await h.assert_instance(key).has_terminated_elements("inner", "sub")
    await h.assert_instance(key).is_waiting_at("A")
    # and terminating the last element instance terminates the process instance
    await _tools(h).modify_process_instance(key, terminate=[_active(h, key)["A"]])
    await h.assert_instance(key).is_terminated()


async def test_modification_rejections(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-3"})
    tools = _tools(h)
    with pytest.raises(NotFound, match="no process instance found with key '42'"):
        await tools.modify_process_instance(42, [ActivateInstruction("C")])
    with pytest.raises(InvalidArgument, match="element that could not be found: 'nowhere'"):
        await tools.modify_process_instance(key, [ActivateInstruction("nowhere")])
    with pytest.raises(InvalidArgument, match="with type 'START_EVENT' is not supported"):
        await tools.modify_process_instance(key, [ActivateInstruction("start")])
    with pytest.raises(InvalidArgument, match="with type 'BOUNDARY_EVENT' is not supported"):
        await tools.modify_process_instance(key, [ActivateInstruction("slowA")])
    with pytest.raises(InvalidArgument, match="scope element id that could not be found"):
        await tools.modify_process_instance(
            key, [ActivateInstruction("C", -1, (VariableInstruction({"x": 1}, "ghost"),))]
        )
    with pytest.raises(InvalidArgument, match="doesn't belong to the activating element's"):
        await tools.modify_process_instance(
            key, [ActivateInstruction("C", -1, (VariableInstruction({"x": 1}, "sub"),))]
        )
    with pytest.raises(InvalidArgument, match="element instance that could not be found: '7'"):
        await tools.modify_process_instance(key, terminate=[7])
    with pytest.raises(InvalidArgument, match="ancestor scope key that does not exist"):
        await tools.modify_process_instance(key, [ActivateInstruction("C", 99)])
    # nothing of the refused commands was applied: all or nothing
    assert set(_active(h, key)) == {"A"}
    assert "x" not in h.engine.state.variables[key]


async def test_ambiguous_flow_scope_needs_an_ancestor(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-4"})
    tools = _tools(h)
    await tools.modify_process_instance(key, [ActivateInstruction("inner")])
    await tools.modify_process_instance(key, [ActivateInstruction("sub")])
    subs = [e.key for e in h.engine.state.elements.values() if e.element_id == "sub"]
    assert len(subs) == 2
    with pytest.raises(InvalidArgument, match="flow scope with more than one active instance"):
        await tools.modify_process_instance(key, [ActivateInstruction("inner")])
    await tools.modify_process_instance(key, [ActivateInstruction("inner", min(subs))])
    chosen = h.engine.state.elements[min(subs)]
    assert len(chosen.children) == 2


async def test_migration_keeps_the_job_and_timer_and_follows_the_new_flow(
    h: EngineHarness,
) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-5"})
    await h.advance_clock(timedelta(hours=20))  # the reminder on A is 4 h away
    job_key = next(iter(h.engine.state.jobs))
    timer_key = next(iter(h.engine.state.timers))
    v2 = (await h.deploy(_process("v2", after_a="a2"))).processes[0]
    assert v2.version == 2
    await _tools(h).migrate_process_instance(
        key,
        v2.process_definition_key,
        [MappingInstruction("A", "A"), MappingInstruction("slowA", "slowA")],
    )
    instance = h.engine.state.elements[key]
    assert (instance.version, instance.process_definition_key) == (2, v2.process_definition_key)
    assert h.engine.state.jobs[job_key].process_definition_version == 2
    timer = h.engine.state.timers[timer_key]  # the mapped timer keeps its due date
    assert timer.process_definition_key == v2.process_definition_key
    await h.advance_clock(timedelta(hours=5))
    await h.assert_instance(key).has_completed_elements("slowA", "reminded")
    await h.complete_job("a")
    await h.assert_instance(key).is_waiting_at("a2")  # the new version's step
    await h.complete_job("a2")
    await h.publish_message("go", "C-5")
    await h.complete_job("c")
    await h.assert_instance(key).is_completed()


async def test_unmapped_timer_boundary_is_recreated(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-6"})
    await h.advance_clock(timedelta(hours=20))
    old_timer = next(iter(h.engine.state.timers))
    v2 = (await h.deploy(_process("v2", after_a="a2"))).processes[0]
    await _tools(h).migrate_process_instance(
        key, v2.process_definition_key, [MappingInstruction("A", "A")]
    )
    assert old_timer not in h.engine.state.timers
    (timer,) = h.engine.state.timers.values()
    assert timer.due_date == h.engine.clock.now_ms() + 24 * 3600 * 1000


async def test_migrated_message_catch_event_still_correlates(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-7"})
    await h.complete_job("a")
    v2 = (await h.deploy(_process("v2", after_a="a2"))).processes[0]
    await _tools(h).migrate_process_instance(
        key, v2.process_definition_key, [MappingInstruction("wait", "wait")]
    )
    (subscription,) = h.engine.state.subscriptions.values()
    assert subscription.target_element_id == "wait"
    await h.publish_message("go", "C-7")
    await h.complete_job("c")
    await h.assert_instance(key).is_completed()


async def test_migration_rejections(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-8"})
    await h.complete_job("a")  # waiting at the message catch event `wait`
    v2 = (await h.deploy(_process("v2", wait_kind="task"))).processes[0]
    target = v2.process_definition_key
    tools = _tools(h)

    async def refused(mappings: list[MappingInstruction], target_key: int = target) -> None:
        await tools.migrate_process_instance(key, target_key, mappings)

    with pytest.raises(NotFound, match="no process instance found with key '5'"):
        await tools.migrate_process_instance(5, target, [])
    with pytest.raises(NotFound, match="no process definition found with key '77'"):
        await refused([MappingInstruction("wait", "wait")], 77)
    with pytest.raises(InvalidArgument, match="non-existing source element id 'ghost'"):
        await refused([MappingInstruction("ghost", "C")])
    with pytest.raises(InvalidArgument, match="non-existing target element id 'ghost'"):
        await refused([MappingInstruction("wait", "ghost")])
    with pytest.raises(InvalidArgument, match="duplicate source element ids"):
        await refused([MappingInstruction("wait", "C"), MappingInstruction("wait", "A")])
    with pytest.raises(FailedPrecondition, match="no mapping instruction defined for active"):
        await refused([])
    with pytest.raises(FailedPrecondition, match="and different type 'SERVICE_TASK'"):
        await refused([MappingInstruction("wait", "wait")])
    await h.assert_instance(key).is_waiting_at("wait")
    assert h.engine.state.elements[key].version == 1  # nothing was migrated


async def test_changed_flow_scope_is_refused(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-9"})
    with pytest.raises(FailedPrecondition, match="flow scope of active element with id 'A'"):
        await _tools(h).migrate_process_instance(
            key,
            h.engine.state.elements[key].process_definition_key,
            [MappingInstruction("A", "inner")],
        )


async def test_only_admins_modify_and_migrate_over_grpc(tmp_path: Path) -> None:
    async with EngineHarness() as h:
        await h.deploy(_process("v1"))
        key = await h.start("repair", {"caseId": "C-10"})
        trail = h.engine.store.audit_trail()
        guarded = AuditedEngine(h.engine, trail, h.engine.clock.now_ms)
        gateway = await start_gateway(guarded, "127.0.0.1:0", grpc_authorizer(identity()))
        try:
            async with grpc.aio.insecure_channel(gateway.address) as channel:
                stub = GatewayStub(channel)
                modify = pb.ModifyProcessInstanceRequest(
                    processInstanceKey=key,
                    activateInstructions=[
                        pb.ModifyProcessInstanceRequest.ActivateInstruction(elementId="C")
                    ],
                )

                def as_(user: str) -> Any:
                    return (("authorization", f"Bearer {user}-token"),)

                for user in ("office", "manager"):
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await stub.ModifyProcessInstance(modify, metadata=as_(user))
                    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
                    migrate = pb.MigrateProcessInstanceRequest(processInstanceKey=key)
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await stub.MigrateProcessInstance(migrate, metadata=as_(user))
                    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
                assert "C" not in _active(h, key)
                await stub.ModifyProcessInstance(modify, metadata=as_("admin"))
                assert "C" in _active(h, key)
                bad = pb.ModifyProcessInstanceRequest(
                    processInstanceKey=key,
                    activateInstructions=[
                        pb.ModifyProcessInstanceRequest.ActivateInstruction(elementId="ghost")
                    ],
                )
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await stub.ModifyProcessInstance(bad, metadata=as_("admin"))
                assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
                assert "Command 'MODIFY' rejected" in str(refused.value.details())
            (entry,) = [e for e in trail.entries() if e.action == "PROCESS_INSTANCE_MODIFIED"]
            assert entry.actor == "admin"
        finally:
            await gateway.stop(grace=0)


async def test_migration_and_modification_survive_a_restart(tmp_path: Path) -> None:
    """The records alone rebuild the migrated, modified instance (replay through the appliers)."""
    async with EngineHarness(tmp_path) as h:
        await h.deploy(_process("v1"))
        key = await h.start("repair", {"caseId": "C-11"})
        v2 = (await h.deploy(_process("v2", after_a="a2"))).processes[0]
        await h.engine.migrate_process_instance(
            key, v2.process_definition_key, [MappingInstruction("A", "A")]
        )
        await h.engine.modify_process_instance(key, [ActivateInstruction("inner")])
        before = {k: (e.element_id, e.version) for k, e in h.engine.state.elements.items()}
    async with EngineHarness(tmp_path) as h:
        after = {k: (e.element_id, e.version) for k, e in h.engine.state.elements.items()}
        assert after == before
        (job,) = [j for j in h.engine.state.jobs.values() if j.type == "a"]
        assert job.process_definition_key == v2.process_definition_key
        await h.complete_job("inner")
        await h.complete_job("a")
        await h.assert_instance(key).is_waiting_at("a2")


async def test_catch_events_must_stay_attached(h: EngineHarness) -> None:
    await h.deploy(_process("v1"))
    key = await h.start("repair", {"caseId": "C-12"})
    definition_key = h.engine.state.elements[key].process_definition_key
    with pytest.raises(FailedPrecondition, match="These mappings detach the catch event"):
        await _tools(h).migrate_process_instance(
            key,
            definition_key,
            [MappingInstruction("A", "A"), MappingInstruction("slowA", "wait")],
        )
    assert len(h.engine.state.timers) == 1  # the reminder is still there


async def test_event_sub_process_subscriptions_follow_their_mapping(h: EngineHarness) -> None:
    """Mapped start events of event sub-processes keep their timer or subscription (docs:
    "Dealing with catch events"); a message one must be mapped, as Zeebe requires."""
    bpmn = Path(__file__).parent / "bpmn" / "event-subprocess.bpmn"
    await h.deploy(bpmn)
    key = await h.start("esp", {"caseId": "E-1"})
    (timer,) = h.engine.state.timers.values()
    (subscription,) = h.engine.state.subscriptions.values()
    revised = bpmn.read_text().replace('<bpmn:endEvent id="end"/>', '<bpmn:endEvent id="end2"/>')
    revised = revised.replace('targetRef="end"/>', 'targetRef="end2"/>')
    v2 = (await h.deploy(Resource("esp.bpmn", revised.encode()))).processes[0]
    plan = [MappingInstruction("handle", "handle"), MappingInstruction("everyDay", "everyDay")]
    # Zeebe cannot re-create a subscription to a message the instance already waits for
    with pytest.raises(FailedPrecondition, match="already subscribed to with name 'withdraw'"):
        await _tools(h).migrate_process_instance(key, v2.process_definition_key, plan)
    plan.append(MappingInstruction("withdrawn", "withdrawn"))
    await _tools(h).migrate_process_instance(key, v2.process_definition_key, plan)
    (kept_timer,) = h.engine.state.timers.values()
    assert (kept_timer.key, kept_timer.due_date) == (timer.key, timer.due_date)
    (kept_subscription,) = h.engine.state.subscriptions.values()
    assert kept_subscription.key == subscription.key
    await h.publish_message("withdraw", "E-1")
    await h.complete_job("close")
    await h.assert_instance(key).is_completed()
    assert h.engine.state.outcomes[key].version == 2
