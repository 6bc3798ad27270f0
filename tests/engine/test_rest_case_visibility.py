"""Officers read whole cases, over real HTTP: a case runs its stages as called process instances,
and an officer with a user task anywhere in that call-activity tree may read every instance of
it (the root, the stages, their element instances and variables), finished stages included. Other
officers are refused (403) or filtered out; managers see everything as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from engine.api import Resource
from tests.engine.rest_harness import RestEngine, problem, rest_engine

STAGED_CASE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="staged-case" name="Staged case" isExecutable="true">
    <bpmn:startEvent id="received"/>
    <bpmn:sequenceFlow id="f1" sourceRef="received" targetRef="acceptanceStage"/>
    <bpmn:callActivity id="acceptanceStage" name="Acceptance stage">
      <bpmn:extensionElements>
        <zeebe:calledElement processId="acceptance" propagateAllChildVariables="false"/>
      </bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="acceptanceStage" targetRef="reviewStage"/>
    <bpmn:callActivity id="reviewStage" name="Review stage">
      <bpmn:extensionElements>
        <zeebe:calledElement processId="review" propagateAllChildVariables="false"/>
      </bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f3" sourceRef="reviewStage" targetRef="closed"/>
    <bpmn:endEvent id="closed"/>
  </bpmn:process>
  <bpmn:process id="acceptance" name="Acceptance" isExecutable="true">
    <bpmn:startEvent id="a0"/>
    <bpmn:sequenceFlow id="a1" sourceRef="a0" targetRef="accept"/>
    <bpmn:userTask id="accept" name="Accept the application">
      <bpmn:extensionElements>
        <zeebe:userTask/>
        <zeebe:assignmentDefinition candidateGroups="leading-group-office"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="a2" sourceRef="accept" targetRef="a9"/>
    <bpmn:endEvent id="a9"/>
  </bpmn:process>
  <bpmn:process id="review" name="Review" isExecutable="true">
    <bpmn:startEvent id="r0"/>
    <bpmn:sequenceFlow id="r1" sourceRef="r0" targetRef="decide"/>
    <bpmn:userTask id="decide" name="Decide">
      <bpmn:extensionElements>
        <zeebe:userTask/>
        <zeebe:assignmentDefinition candidateGroups="leading-group"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="r2" sourceRef="decide" targetRef="r9"/>
    <bpmn:endEvent id="r9"/>
  </bpmn:process>
</bpmn:definitions>
"""


class Case:
    def __init__(self, rest: RestEngine, root: str) -> None:
        self.rest = rest
        self.root = root

    async def stages(self) -> dict[str, str]:
        """processDefinitionId -> processInstanceKey of the case's called instances."""
        found = await self.rest.as_("admin").post(
            "/v2/process-instances/search",
            json={"filter": {"parentProcessInstanceKey": self.root}},
        )
        return {i["processDefinitionId"]: i["processInstanceKey"] for i in found.json()["items"]}

    async def complete_open_task(self, user: str, instance: str) -> None:
        found = await self.rest.as_("admin").post(
            "/v2/user-tasks/search",
            json={"filter": {"processInstanceKey": instance, "state": "CREATED"}},
        )
        (task,) = found.json()["items"]
        done = await self.rest.as_(user).post(
            f"/v2/user-tasks/{task['userTaskKey']}/completion", json={}
        )
        assert done.status_code == 204, done.text


@pytest.fixture
async def rest(tmp_path: Path) -> AsyncIterator[RestEngine]:
    async with rest_engine(tmp_path) as engine:
        await engine.service.deploy([Resource("staged.bpmn", STAGED_CASE_BPMN.encode())])
        yield engine


async def _start(rest: RestEngine, case_id: str) -> Case:
    created = await rest.service.create_process_instance(
        bpmn_process_id="staged-case", variables={"caseId": case_id}
    )
    return Case(rest, str(created.process_instance_key))


async def _searched_instances(rest: RestEngine, user: str) -> set[str]:
    found = await rest.as_(user).post("/v2/process-instances/search", json={})
    assert found.status_code == 200, found.text
    return {i["processInstanceKey"] for i in found.json()["items"]}


async def _element_ids(rest: RestEngine, user: str, instance: str) -> list[str]:
    found = await rest.as_(user).post(
        "/v2/element-instances/search",
        json={"filter": {"processInstanceKey": instance}, "sort": [{"field": "startDate"}]},
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return [i["elementId"] for i in items]


async def test_an_officer_with_a_stage_task_reads_the_root_instance_of_the_case(
    rest: RestEngine,
) -> None:
    case = await _start(rest, "C-1")
    acceptance = (await case.stages())["acceptance"]
    root = await rest.as_("office").get(f"/v2/process-instances/{case.root}")
    assert root.status_code == 200, root.text
    assert root.json()["processDefinitionId"] == "staged-case"
    assert await _searched_instances(rest, "office") == {case.root, acceptance}
    assert await _element_ids(rest, "office", case.root) == ["received", "acceptanceStage"]
    variables = await rest.as_("office").post(
        "/v2/variables/search", json={"filter": {"processInstanceKey": case.root}}
    )
    assert [v["name"] for v in variables.json()["items"]] == ["caseId"]


async def test_the_officer_keeps_the_whole_history_after_the_case_moves_to_another_stage(
    rest: RestEngine,
) -> None:
    case = await _start(rest, "C-1")
    await case.complete_open_task("office", (await case.stages())["acceptance"])
    stages = await case.stages()
    assert set(stages) == {"acceptance", "review"}
    # The review stage is not theirs, but it belongs to a case they worked on.
    assert await _searched_instances(rest, "office") == {case.root, *stages.values()}
    assert (await rest.as_("office").get(f"/v2/process-instances/{stages['review']}")).is_success
    assert await _element_ids(rest, "office", case.root) == [
        "received",
        "acceptanceStage",
        "reviewStage",
    ]
    # The leader, whose task the review is, now sees the earlier stage too.
    assert await _searched_instances(rest, "leader") == {case.root, *stages.values()}
    done = await _element_ids(rest, "leader", stages["acceptance"])
    assert done == ["a0", "accept", "a9"]


async def test_officers_without_a_task_in_the_case_are_refused_and_filtered(
    rest: RestEngine,
) -> None:
    case = await _start(rest, "C-1")
    acceptance = (await case.stages())["acceptance"]
    for user in ("leader", "outsider"):
        for key in (case.root, acceptance):
            refused = await rest.as_(user).get(f"/v2/process-instances/{key}")
            detail = problem(refused, 403)
            assert f"user {user!r} has no user task in the case of process instance" in detail
        assert await _searched_instances(rest, user) == set()
        assert await _element_ids(rest, user, case.root) == []
        variables = await rest.as_(user).post("/v2/variables/search", json={})
        assert variables.json()["items"] == []


async def test_a_task_in_one_case_opens_no_other_case(rest: RestEngine) -> None:
    first = await _start(rest, "C-1")
    second = await _start(rest, "C-2")
    await first.complete_open_task("office", (await first.stages())["acceptance"])
    first_stages = await first.stages()
    # The leader has a task in the first case only; the second is still in acceptance.
    assert await _searched_instances(rest, "leader") == {first.root, *first_stages.values()}
    refused = await rest.as_("leader").get(f"/v2/process-instances/{second.root}")
    problem(refused, 403)


async def test_managers_still_read_every_instance_and_only_admins_cancel(
    rest: RestEngine,
) -> None:
    case = await _start(rest, "C-1")
    acceptance = (await case.stages())["acceptance"]
    assert await _searched_instances(rest, "manager") == {case.root, acceptance}
    assert (await rest.as_("manager").get(f"/v2/process-instances/{case.root}")).is_success
    refused = await rest.as_("office").post(f"/v2/process-instances/{case.root}/cancellation")
    assert "cancel process instances" in problem(refused, 403)
