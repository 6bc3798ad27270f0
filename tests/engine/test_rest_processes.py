"""/v2/process-instances and /v2/process-definitions over real HTTP, with who may see and do
what. Shapes follow Camunda 8.8's pages: create-process-instance, search-process-instances,
get-process-instance, cancel-process-instance, search-process-instance-incidents,
get-process-instance-statistics, search-process-definitions, get-process-definition,
get-process-definition-xml, get-start-process-form, get-process-definition-statistics.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.engine.rest_harness import RestEngine, problem, rest_engine


@pytest.fixture
async def rest(tmp_path: Path) -> AsyncIterator[RestEngine]:
    async with rest_engine(tmp_path) as engine:
        await engine.deploy_case()
        yield engine


async def _definition_key(rest: RestEngine) -> str:
    found = await rest.as_("office").post(
        "/v2/process-definitions/search", json={"filter": {"processDefinitionId": "case"}}
    )
    key: str = found.json()["items"][0]["processDefinitionKey"]
    return key


async def _instance(rest: RestEngine, key: str) -> dict[str, Any]:
    response = await rest.as_("admin").get(f"/v2/process-instances/{key}")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def test_an_officer_creates_a_process_instance_by_id_and_it_is_audited(
    rest: RestEngine,
) -> None:
    response = await rest.as_("office").post(
        "/v2/process-instances",
        json={"processDefinitionId": "case", "variables": {"caseId": "C-9"}},
    )
    assert response.status_code == 200
    created = response.json()
    assert set(created) == {
        "processDefinitionId",
        "processDefinitionVersion",
        "tenantId",
        "variables",
        "processDefinitionKey",
        "processInstanceKey",
    }
    assert (created["processDefinitionId"], created["processDefinitionVersion"]) == ("case", 1)
    instance = await _instance(rest, created["processInstanceKey"])
    assert instance["state"] == "ACTIVE"
    entry = rest.trail.entries()[-1]
    assert (entry.actor, entry.action) == ("office", "PROCESS_INSTANCE_CREATED")


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        ({}, "exactly one of processDefinitionId and processDefinitionKey"),
        ({"processDefinitionId": "case", "variables": [1]}, "variables must be a JSON object"),
        ({"processDefinitionKey": "x1"}, "processDefinitionKey"),
        ({"processDefinitionId": "nope"}, "nope"),
    ],
)
async def test_create_process_instance_bad_input(
    rest: RestEngine, body: dict[str, Any], cause: str
) -> None:
    response = await rest.as_("office").post("/v2/process-instances", json=body)
    assert response.status_code in (400, 404)
    assert cause in problem(response, response.status_code)
    assert rest.service.query.process_instances() == []


async def test_search_process_instances_managers_see_all_officers_their_cases(
    rest: RestEngine,
) -> None:
    first = await rest.start_case("C-1")
    second = await rest.start_case("C-2")
    manager = await rest.as_("manager").post(
        "/v2/process-instances/search", json={"sort": [{"field": "startDate"}]}
    )
    items = manager.json()["items"]
    assert {i["processInstanceKey"] for i in items} == {first, second}
    assert items[0]["processDefinitionName"] == "Exemption case"
    assert items[0]["hasIncident"] is False
    office = await rest.as_("office").post("/v2/process-instances/search", json={})
    assert office.json()["page"]["totalItems"] == 2  # a review task of each is theirs
    outsider = await rest.as_("outsider").post("/v2/process-instances/search", json={})
    assert outsider.json()["items"] == []
    by_variable = await rest.as_("manager").post(
        "/v2/process-instances/search",
        json={"filter": {"variables": [{"name": "caseId", "value": '"C-2"'}]}},
    )
    assert [i["processInstanceKey"] for i in by_variable.json()["items"]] == [second]
    bad = await rest.as_("manager").post(
        "/v2/process-instances/search", json={"filter": {"state": "RUNNING"}}
    )
    assert "filter.state" in problem(bad, 400)


async def test_get_process_instance_refused_to_an_officer_without_a_task_in_it(
    rest: RestEngine,
) -> None:
    instance = await rest.start_case()
    assert (await rest.as_("office").get(f"/v2/process-instances/{instance}")).status_code == 200
    assert (await rest.as_("manager").get(f"/v2/process-instances/{instance}")).status_code == 200
    problem(await rest.as_("outsider").get(f"/v2/process-instances/{instance}"), 403)
    problem(await rest.as_("manager").get("/v2/process-instances/123"), 404)


async def test_only_an_admin_cancels_and_the_canceled_instance_stays_searchable(
    rest: RestEngine,
) -> None:
    instance = await rest.start_case()
    refused = await rest.as_("manager").post(f"/v2/process-instances/{instance}/cancellation")
    assert "cancel process instances" in problem(refused, 403)
    assert (await _instance(rest, instance))["state"] == "ACTIVE"
    assert rest.trail.count() == 0
    unexplained = await rest.as_("admin").post(f"/v2/process-instances/{instance}/cancellation")
    assert "'reason'" in problem(unexplained, 400)
    blank = await rest.as_("admin").post(
        f"/v2/process-instances/{instance}/cancellation", json={"reason": "  "}
    )
    assert "'reason'" in problem(blank, 400)
    assert (await _instance(rest, instance))["state"] == "ACTIVE"
    assert rest.trail.count() == 0
    done = await rest.as_("admin").post(
        f"/v2/process-instances/{instance}/cancellation", json={"reason": "申请人撤回申请"}
    )
    assert done.status_code == 204
    canceled = await _instance(rest, instance)
    assert canceled["state"] == "TERMINATED"
    assert canceled["endDate"] == "2026-01-05T01:00:00.000Z"
    tasks = await rest.as_("manager").post(
        "/v2/user-tasks/search", json={"filter": {"processInstanceKey": instance}}
    )
    assert [t["state"] for t in tasks.json()["items"]] == ["CANCELED"]
    entry = rest.trail.entries()[-1].to_json()
    assert (entry["actor"], entry["action"]) == ("admin", "PROCESS_INSTANCE_CANCELED")
    assert entry["subjectKeys"] == {"processInstanceKey": instance}
    assert entry["details"]["reason"] == "申请人撤回申请"
    # The case keeps why it ended, set in the same command as the cancellation.
    variables = await rest.as_("admin").post(
        "/v2/variables/search",
        json={"filter": {"processInstanceKey": instance, "name": "cancellation"}},
    )
    [variable] = variables.json()["items"]
    assert json.loads(variable["value"]) == {
        "reason": "申请人撤回申请",
        "cancelledBy": "admin",
    }
    again = await rest.as_("admin").post(
        f"/v2/process-instances/{instance}/cancellation", json={"reason": "再次撤销"}
    )
    problem(again, 404)
    assert rest.trail.count() == 1


async def test_incidents_and_statistics_of_an_instance_are_for_managers(
    rest: RestEngine,
) -> None:
    instance = await rest.start_case()
    task = await rest.task_of(instance)
    await rest.as_("office").post(f"/v2/user-tasks/{task['userTaskKey']}/completion", json={})
    job_key = await rest.fail_check_job()
    incidents = await rest.as_("manager").post(
        f"/v2/process-instances/{instance}/incidents/search", json={}
    )
    items = incidents.json()["items"]
    assert [(i["errorType"], i["elementId"], i["jobKey"]) for i in items] == [
        ("JOB_NO_RETRIES", "check", str(job_key))
    ]
    problem(
        await rest.as_("office").post(f"/v2/process-instances/{instance}/incidents/search"), 403
    )
    stats = await rest.as_("manager").get(
        f"/v2/process-instances/{instance}/statistics/element-instances"
    )
    assert stats.json() == {
        "items": [
            {"elementId": "check", "active": 0, "canceled": 0, "incidents": 1, "completed": 0},
            {"elementId": "received", "active": 0, "canceled": 0, "incidents": 0, "completed": 1},
            {"elementId": "review", "active": 0, "canceled": 0, "incidents": 0, "completed": 1},
        ]
    }
    problem(
        await rest.as_("office").get(
            f"/v2/process-instances/{instance}/statistics/element-instances"
        ),
        403,
    )
    assert (await _instance(rest, instance))["hasIncident"] is True


async def test_process_definitions_search_get_and_xml(rest: RestEngine) -> None:
    key = await _definition_key(rest)
    found = await rest.as_("office").post("/v2/process-definitions/search", json={})
    assert found.json()["items"] == [
        {
            "processDefinitionKey": key,
            "processDefinitionId": "case",
            "name": "Exemption case",
            "resourceName": "case.bpmn",
            "version": 1,
            "tenantId": "<default>",
            "hasStartForm": True,
        }
    ]
    latest = await rest.as_("office").post(
        "/v2/process-definitions/search", json={"filter": {"isLatestVersion": True}}
    )
    assert latest.json()["page"]["totalItems"] == 1
    single = await rest.as_("office").get(f"/v2/process-definitions/{key}")
    assert single.json() == found.json()["items"][0]
    xml = await rest.as_("office").get(f"/v2/process-definitions/{key}/xml")
    assert xml.headers["content-type"].startswith("text/xml")
    assert '<bpmn:process id="case"' in xml.text
    problem(await rest.as_("office").get("/v2/process-definitions/7/xml"), 404)
    problem(await rest.anonymous.get(f"/v2/process-definitions/{key}"), 401)


async def test_start_form_of_a_process_definition(rest: RestEngine) -> None:
    key = await _definition_key(rest)
    response = await rest.as_("office").get(f"/v2/process-definitions/{key}/form")
    assert response.status_code == 200
    form = response.json()
    assert (form["formId"], form["version"], form["tenantId"]) == (
        "application-form",
        1,
        "<default>",
    )
    assert form["schema"]["components"][0]["key"] == "applicant"


async def test_definition_statistics_for_managers_with_an_instance_filter(
    rest: RestEngine,
) -> None:
    key = await _definition_key(rest)
    first = await rest.start_case("C-1")
    await rest.start_case("C-2")
    await rest.as_("admin").post(
        f"/v2/process-instances/{first}/cancellation", json={"reason": "测试撤销"}
    )
    path = f"/v2/process-definitions/{key}/statistics/element-instances"
    every = await rest.as_("manager").post(path, json={})
    review = next(i for i in every.json()["items"] if i["elementId"] == "review")
    assert (review["active"], review["canceled"]) == (1, 1)
    active = await rest.as_("manager").post(path, json={"filter": {"state": "ACTIVE"}})
    review = next(i for i in active.json()["items"] if i["elementId"] == "review")
    assert (review["active"], review["canceled"]) == (1, 0)
    problem(await rest.as_("office").post(path, json={}), 403)
    assert "filter" in problem(await rest.as_("manager").post(path, json={"flter": {}}), 400)


async def test_create_and_await_completion_returns_the_final_variables(tmp_path: Path) -> None:
    async with rest_engine(tmp_path) as rest:
        quick = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'id="q" targetNamespace="t"><bpmn:process id="quick" isExecutable="true">'
            '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>'
            '<bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>'
        )
        files = {"resources": ("quick.bpmn", quick.encode(), "text/xml")}
        assert (await rest.as_("admin").post("/v2/deployments", files=files)).status_code == 200
        response = await rest.as_("office").post(
            "/v2/process-instances",
            json={
                "processDefinitionId": "quick",
                "variables": {"a": 1, "b": 2},
                "awaitCompletion": True,
                "fetchVariables": ["a"],
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["variables"] == {"a": 1}
        bad = await rest.as_("office").post(
            "/v2/process-instances", json={"processDefinitionId": "quick", "awaitCompletion": 1}
        )
        assert "awaitCompletion" in problem(bad, 400)
