"""Operate's repair tools over real HTTP, as Camunda 8.8's pages describe them
(modify-process-instance, migrate-process-instance): 204 on success, RFC 9457 problems with the
engine's rejection (400, 404, 409), and only admins may use them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.api import Resource
from tests.engine.rest_harness import CASE_BPMN, RestEngine, problem, rest_engine


@pytest.fixture
async def rest(tmp_path: Path) -> AsyncIterator[RestEngine]:
    async with rest_engine(tmp_path) as engine:
        await engine.deploy_case()
        yield engine


def _element_key(rest: RestEngine, instance: str, element_id: str) -> str:
    (key,) = [
        e.key
        for e in rest.service.state.elements.values()
        if e.process_instance_key == int(instance) and e.element_id == element_id
    ]
    return str(key)


async def _revised_case(rest: RestEngine) -> str:
    """Version 2 of the case process: the review task has a new name, ids are unchanged."""
    revised = CASE_BPMN.replace('name="Office review"', 'name="Office review (revised)"')
    deployment = await rest.service.deploy([Resource("case.bpmn", revised.encode())])
    assert deployment.processes[0].version == 2
    return str(deployment.processes[0].process_definition_key)


async def test_admin_moves_a_case_past_the_review_with_variables(rest: RestEngine) -> None:
    instance = await rest.start_case()
    review = _element_key(rest, instance, "review")
    answer = await rest.as_("admin").post(
        f"/v2/process-instances/{instance}/modification",
        json={
            "activateInstructions": [
                {
                    "elementId": "check",
                    "variableInstructions": [{"variables": {"reviewSkipped": True}}],
                }
            ],
            "terminateInstructions": [{"elementInstanceKey": review}],
            "operationReference": 1,
        },
    )
    assert answer.status_code == 204, answer.text
    task = (
        await rest.as_("admin").post(
            "/v2/user-tasks/search", json={"filter": {"processInstanceKey": instance}}
        )
    ).json()["items"][0]
    assert task["state"] == "CANCELED"
    assert rest.service.state.variables[int(instance)]["reviewSkipped"] is True
    await rest.complete_check_job()  # the activated service task has its job
    audit = (await rest.as_("admin").get("/v2/audit")).json()
    actions = [e["action"] for e in audit["items"]]
    assert "PROCESS_INSTANCE_MODIFIED" in actions


async def test_modification_problems(rest: RestEngine) -> None:
    instance = await rest.start_case()
    admin = rest.as_("admin")
    url = f"/v2/process-instances/{instance}/modification"
    detail = problem(
        await admin.post(url, json={"activateInstructions": [{"elementId": "x"}]}), 400
    )
    assert detail == (
        "Command 'MODIFY' rejected with code 'INVALID_ARGUMENT': Expected to modify instance of "
        "process 'case' but it contains one or more activate instructions with an element that "
        "could not be found: 'x'"
    )
    terminate = {"terminateInstructions": [{"elementInstanceKey": "123"}]}
    assert "could not be found: '123'" in problem(await admin.post(url, json=terminate), 400)
    missing = await admin.post("/v2/process-instances/99/modification", json=terminate)
    assert "no process instance found with key '99'" in problem(missing, 404)
    assert "elementId" in problem(await admin.post(url, json={"activateInstructions": [{}]}), 400)
    assert problem(await admin.post(url, content=b"[]"), 400)
    for user in ("office", "manager"):
        refused = await rest.as_(user).post(
            url, json={"activateInstructions": [{"elementId": "check"}]}
        )
        problem(refused, 403)
    assert "check" not in {e.element_id for e in rest.service.state.elements.values()}


async def test_admin_migrates_a_case_to_the_revised_process(rest: RestEngine) -> None:
    instance = await rest.start_case()
    target = await _revised_case(rest)
    answer = await rest.as_("admin").post(
        f"/v2/process-instances/{instance}/migration",
        json={
            "targetProcessDefinitionKey": target,
            "mappingInstructions": [{"sourceElementId": "review", "targetElementId": "review"}],
        },
    )
    assert answer.status_code == 204, answer.text
    shown = (await rest.as_("admin").get(f"/v2/process-instances/{instance}")).json()
    assert (shown["processDefinitionKey"], shown["processDefinitionVersion"]) == (target, 2)
    task = await rest.task_of(instance)
    assert task["processDefinitionKey"] == target
    assert task["name"] == "Office review (revised)"
    done = await rest.as_("office").post(
        f"/v2/user-tasks/{task['userTaskKey']}/completion", json={}
    )
    assert done.status_code == 204, done.text
    await rest.complete_check_job()


async def test_migration_problems(rest: RestEngine) -> None:
    instance = await rest.start_case()
    target = await _revised_case(rest)
    admin = rest.as_("admin")
    url = f"/v2/process-instances/{instance}/migration"
    unmapped = await admin.post(
        url, json={"targetProcessDefinitionKey": target, "mappingInstructions": []}
    )
    assert problem(unmapped, 409) == (
        "Command 'MIGRATE' rejected with code 'INVALID_STATE': Expected to migrate process "
        f"instance '{instance}' but no mapping instruction defined for active element with id "
        "'review'. Elements cannot be migrated without a mapping."
    )
    changed = await admin.post(
        url,
        json={
            "targetProcessDefinitionKey": target,
            "mappingInstructions": [{"sourceElementId": "review", "targetElementId": "check"}],
        },
    )
    assert "and different type 'SERVICE_TASK'" in problem(changed, 409)
    no_target = await admin.post(
        url, json={"targetProcessDefinitionKey": "4711", "mappingInstructions": []}
    )
    assert "no process definition found with key '4711'" in problem(no_target, 404)
    assert "targetProcessDefinitionKey" in problem(
        await admin.post(url, json={"mappingInstructions": []}), 400
    )
    for user in ("office", "manager"):
        refused = await rest.as_(user).post(
            url, json={"targetProcessDefinitionKey": target, "mappingInstructions": []}
        )
        problem(refused, 403)
    assert rest.service.state.elements[int(instance)].version == 1
