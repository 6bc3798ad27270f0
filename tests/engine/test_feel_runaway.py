"""A FEEL expression that runs away costs one incident, not the engine (issue 10).

An input mapping that builds a list of a hundred million numbers is stopped at the documented
limits of one evaluation (engine/feel/evaluator.py: 1 s, 128 MB); the element gets an incident
naming the expression and the limit, and instances started at the same moment go on to the end.
Over the real gRPC gateway, as a worker would see it."""

from __future__ import annotations

import asyncio
import re
import time

from engine.api import Resource
from engine.testing import EngineHarness

RUNAWAY = "for i in 1..n return i"

PROCESSES = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="runaway" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tally"/>
    <bpmn:serviceTask id="tally">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="tally"/>
        <zeebe:ioMapping><zeebe:input source="={RUNAWAY}" target="items"/></zeebe:ioMapping>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="tally" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
  <bpmn:process id="steady" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="g1" sourceRef="s" targetRef="work"/>
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="work"/>
        <zeebe:ioMapping>
          <zeebe:input source="=count(for i in 1..k return i)" target="c"/>
        </zeebe:ioMapping>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="g2" sourceRef="work" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()


async def test_runaway_expression_is_an_incident_and_other_instances_go_on() -> None:
    async with EngineHarness(transport="grpc") as h:
        await h.deploy(Resource("runaway.bpmn", PROCESSES))

        async def steady_case(k: int) -> tuple[int, float]:
            started = time.perf_counter()
            key = await h.start("steady", {"k": k})
            await h.commands.complete_job(
                (await h.activate_job("work", process_instance_key=key)).key, {}
            )
            return key, time.perf_counter() - started

        started = time.perf_counter()
        runaway_start = asyncio.create_task(h.start("runaway", {"n": 100_000_000}))
        await asyncio.sleep(0)  # the runaway command is queued first
        steady = await asyncio.gather(*(steady_case(k) for k in range(1, 21)))
        runaway_key = await runaway_start
        elapsed = time.perf_counter() - started

        await h.assert_instance(runaway_key).has_active_incidents(1)
        await h.assert_instance(runaway_key).is_waiting_at("tally")
        [incident] = h.engine.query.incidents(runaway_key)
        assert incident["elementId"] == "tally"
        assert RUNAWAY in incident["errorMessage"]
        assert re.search(
            r"stopped at the (time limit of 1 s|memory limit of 128 MB)", incident["errorMessage"]
        ), incident["errorMessage"]
        for key, _ in steady:
            await h.assert_instance(key).is_completed()
        slowest = max(seconds for _, seconds in steady)
        print(
            f"runaway stopped and 20 other instances completed in {elapsed:.2f} s; "
            f"slowest other instance {slowest:.2f} s; incident: {incident['errorMessage']}"
        )
        # Bounded by the limit: the writer evaluates one expression at a time, as a Zeebe
        # partition does, so the others wait at most for the limit, then run at full speed.
        assert elapsed < 1.0 + 4.0

        # and afterwards the engine serves as before
        key, _ = await steady_case(5)
        await h.assert_instance(key).is_completed()
