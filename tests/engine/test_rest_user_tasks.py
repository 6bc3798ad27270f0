"""/v2/user-tasks over real HTTP: every endpoint, every who-may-do-what rule (allowed and
refused), bad input answered with a problem naming the cause and nothing changed.

Shapes follow Camunda 8.8's pages (docs.camunda.io/docs/8.8/apis-tools/orchestration-cluster-
api-rest/specifications/<page>/): search-user-tasks, get-user-task, update-user-task,
assign-user-task, unassign-user-task, complete-user-task, get-user-task-form,
search-user-task-variables.
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


async def _open_task(rest: RestEngine, case_id: str = "C-1") -> tuple[str, str]:
    instance = await rest.start_case(case_id, applicant="李某")
    task = await rest.task_of(instance)
    return instance, task["userTaskKey"]


async def _task(rest: RestEngine, key: str) -> dict[str, Any]:
    response = await rest.as_("admin").get(f"/v2/user-tasks/{key}")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def test_search_shows_a_candidate_their_tasks_and_hides_them_from_others(
    rest: RestEngine,
) -> None:
    instance, key = await _open_task(rest)
    office = (await rest.as_("office").post("/v2/user-tasks/search", json={})).json()
    assert [t["userTaskKey"] for t in office["items"]] == [key]
    assert office["page"]["totalItems"] == 1
    task = office["items"][0]
    assert task["state"] == "CREATED"
    assert task["elementId"] == "review"
    assert task["name"] == "Office review"
    assert task["processInstanceKey"] == instance
    assert task["candidateGroups"] == ["leading-group-office"]
    assert task["creationDate"] == "2026-01-05T01:00:00.000Z"
    outsider = (await rest.as_("outsider").post("/v2/user-tasks/search", json={})).json()
    assert outsider == {
        "items": [],
        "page": {"totalItems": 0},
    }
    manager = (await rest.as_("manager").post("/v2/user-tasks/search", json={})).json()
    assert [t["userTaskKey"] for t in manager["items"]] == [key]


async def test_search_filters_sorts_pages_and_includes_completed_tasks(rest: RestEngine) -> None:
    _, first = await _open_task(rest, "C-1")
    _, second = await _open_task(rest, "C-2")
    office = rest.as_("office")
    assert (await office.post(f"/v2/user-tasks/{first}/completion", json={})).status_code == 204
    completed = await office.post("/v2/user-tasks/search", json={"filter": {"state": "COMPLETED"}})
    items = completed.json()["items"]
    assert [(t["userTaskKey"], t["state"]) for t in items] == [(first, "COMPLETED")]
    assert items[0]["completionDate"] == "2026-01-05T01:00:00.000Z"
    by_variable = await office.post(
        "/v2/user-tasks/search",
        json={"filter": {"processInstanceVariables": [{"name": "caseId", "value": '"C-2"'}]}},
    )
    assert [t["userTaskKey"] for t in by_variable.json()["items"]] == [second]
    assert "processInstanceVariables" not in by_variable.json()["items"][0]
    paged = await office.post(
        "/v2/user-tasks/search",
        json={"sort": [{"field": "creationDate", "order": "DESC"}], "page": {"limit": 1}},
    )
    body = paged.json()
    assert body["page"]["totalItems"] == 2
    assert len(body["items"]) == 1
    after = await office.post(
        "/v2/user-tasks/search",
        json={
            "sort": [{"field": "creationDate", "order": "DESC"}],
            "page": {"limit": 1, "after": body["page"]["endCursor"]},
        },
    )
    assert {body["items"][0]["userTaskKey"], after.json()["items"][0]["userTaskKey"]} == {
        first,
        second,
    }


async def test_search_with_an_unknown_filter_field_is_refused_naming_the_field(
    rest: RestEngine,
) -> None:
    await _open_task(rest)
    response = await rest.as_("office").post(
        "/v2/user-tasks/search", json={"filter": {"colour": "red"}}
    )
    assert "unknown filter field 'colour'" in problem(response, 400)


async def test_get_user_task_allowed_for_candidates_and_managers_refused_for_others(
    rest: RestEngine,
) -> None:
    _, key = await _open_task(rest)
    assert (await rest.as_("office").get(f"/v2/user-tasks/{key}")).json()["userTaskKey"] == key
    assert (await rest.as_("manager").get(f"/v2/user-tasks/{key}")).status_code == 200
    detail = problem(await rest.as_("outsider").get(f"/v2/user-tasks/{key}"), 403)
    assert "neither assignee nor candidate" in detail
    assert "not found" in problem(await rest.as_("office").get("/v2/user-tasks/42"), 404)
    assert "must be a key" in problem(await rest.as_("office").get("/v2/user-tasks/abc"), 400)


async def test_a_candidate_claims_a_task_for_themselves_only(rest: RestEngine) -> None:
    _, key = await _open_task(rest)
    office = rest.as_("office")
    refused = await office.post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "leader"})
    assert "only to themselves" in problem(refused, 403)
    outsider = await rest.as_("outsider").post(
        f"/v2/user-tasks/{key}/assignment", json={"assignee": "outsider"}
    )
    problem(outsider, 403)
    assert "assignee" not in await _task(rest, key)  # 8.8 leaves an unset field out
    claimed = await office.post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "office"})
    assert claimed.status_code == 204
    assert (await _task(rest, key))["assignee"] == "office"


async def test_a_manager_assigns_to_anyone_and_a_taken_task_cannot_be_claimed(
    rest: RestEngine,
) -> None:
    _, key = await _open_task(rest)
    manager = rest.as_("manager")
    response = await manager.post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "leader"})
    assert response.status_code == 204
    taken = await rest.as_("office").post(
        f"/v2/user-tasks/{key}/assignment", json={"assignee": "office"}
    )
    assert "already assigned to 'leader'" in problem(taken, 403)
    no_override = await manager.post(
        f"/v2/user-tasks/{key}/assignment", json={"assignee": "office", "allowOverride": False}
    )
    problem(no_override, 409)
    assert (await _task(rest, key))["assignee"] == "leader"
    bad = await manager.post(f"/v2/user-tasks/{key}/assignment", json={"assignee": ""})
    assert "assignee" in problem(bad, 400)


async def test_unassign_allowed_for_the_assignee_refused_for_others(rest: RestEngine) -> None:
    _, key = await _open_task(rest)
    office = rest.as_("office")
    await office.post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "office"})
    problem(await rest.as_("leader").delete(f"/v2/user-tasks/{key}/assignee"), 403)
    assert (await _task(rest, key))["assignee"] == "office"
    assert (await office.delete(f"/v2/user-tasks/{key}/assignee")).status_code == 204
    assert "assignee" not in await _task(rest, key)


async def test_update_user_task_by_a_manager_refused_for_a_mere_candidate(
    rest: RestEngine,
) -> None:
    _, key = await _open_task(rest)
    change = {"changeset": {"dueDate": "2026-01-20T09:00:00+08:00", "priority": 80}}
    problem(await rest.as_("office").patch(f"/v2/user-tasks/{key}", json=change), 403)
    assert (await _task(rest, key))["priority"] == 50
    assert (
        await rest.as_("manager").patch(f"/v2/user-tasks/{key}", json=change)
    ).status_code == 204
    task = await _task(rest, key)
    assert (task["dueDate"], task["priority"]) == ("2026-01-20T09:00:00+08:00", 80)
    bad = await rest.as_("manager").patch(
        f"/v2/user-tasks/{key}", json={"changeset": {"name": "x"}}
    )
    assert "changeset.name" in problem(bad, 400)


async def test_completion_by_the_assignee_moves_the_case_on_and_is_audited(
    rest: RestEngine,
) -> None:
    instance, key = await _open_task(rest)
    office = rest.as_("office")
    await office.post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "office"})
    done = await office.post(
        f"/v2/user-tasks/{key}/completion", json={"variables": {"accepted": True}}
    )
    assert done.status_code == 204
    assert (await _task(rest, key))["state"] == "COMPLETED"
    variables = rest.service.query.variables(int(instance))
    assert variables["accepted"] is True
    entries = [e.to_json() for e in rest.trail.entries()]
    completion = entries[-1]
    assert completion["actor"] == "office"
    assert completion["action"] == "USER_TASK_COMPLETED"
    assert completion["subjectKeys"] == {"userTaskKey": key, "processInstanceKey": instance}
    assert completion["details"]["variables"] == {"accepted": True}
    assert entries[-2]["action"] == "USER_TASK_ASSIGNED"
    assert rest.trail.verify().ok


async def test_completing_a_task_assigned_to_someone_else_is_refused_and_changes_nothing(
    rest: RestEngine,
) -> None:
    _, key = await _open_task(rest)
    await rest.as_("manager").post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "leader"})
    before = await _task(rest, key)
    audited = rest.trail.count()
    refused = await rest.as_("office").post(
        f"/v2/user-tasks/{key}/completion", json={"variables": {"accepted": True}}
    )
    assert "assigned to 'leader'" in problem(refused, 403)
    assert await _task(rest, key) == before
    assert rest.trail.count() == audited


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        ({"variables": [1, 2]}, "variables must be a JSON object"),
        ({"variables": "accepted"}, "variables must be a JSON object"),
        ({"variables": {"score": float("nan")}}, "must not contain NaN"),
        ([{"variables": {}}], "Expected a JSON object as request body"),
    ],
)
async def test_completion_variables_that_are_not_an_object_are_refused_and_change_nothing(
    rest: RestEngine, body: Any, cause: str
) -> None:
    instance, key = await _open_task(rest)
    before = await _task(rest, key)
    variables = rest.service.query.variables(int(instance))
    response = await rest.as_("office").post(
        f"/v2/user-tasks/{key}/completion", content=json.dumps(body)
    )
    assert cause in problem(response, 400)
    assert await _task(rest, key) == before
    assert rest.service.query.variables(int(instance)) == variables
    assert rest.trail.count() == 0


async def test_completing_an_unknown_or_already_completed_task(rest: RestEngine) -> None:
    _, key = await _open_task(rest)
    office = rest.as_("office")
    missing = await office.post("/v2/user-tasks/2251799813699999/completion", json={})
    assert "User task with key '2251799813699999' not found" in problem(missing, 404)
    assert (await office.post(f"/v2/user-tasks/{key}/completion", json={})).status_code == 204
    completed = await _task(rest, key)
    audited = rest.trail.count()
    again = await office.post(f"/v2/user-tasks/{key}/completion", json={"variables": {"x": 1}})
    # As in 8.8: Zeebe no longer knows an ended task, so the answer is 404.
    assert "already completed" in problem(again, 404)
    assert await _task(rest, key) == completed
    assert rest.trail.count() == audited


async def test_form_of_a_user_task_is_the_linked_form_with_its_schema_as_text(
    rest: RestEngine,
) -> None:
    _, key = await _open_task(rest)
    response = await rest.as_("office").get(f"/v2/user-tasks/{key}/form")
    assert response.status_code == 200
    form = response.json()
    assert form["formId"] == "review-form"
    assert form["version"] == 1
    assert form["tenantId"] == "<default>"
    assert form["formKey"] == (await _task(rest, key))["formKey"]
    assert form["schema"]["components"][0]["key"] == "accepted"
    problem(await rest.as_("outsider").get(f"/v2/user-tasks/{key}/form"), 403)


async def test_variables_of_a_user_task(rest: RestEngine) -> None:
    _, key = await _open_task(rest)
    response = await rest.as_("office").post(
        f"/v2/user-tasks/{key}/variables/search",
        json={"filter": {"name": "applicant"}},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(v["name"], json.loads(v["value"])) for v in items] == [("applicant", "李某")]
    every = await rest.as_("office").post(f"/v2/user-tasks/{key}/variables/search")
    assert {v["name"] for v in every.json()["items"]} == {"applicant", "caseId"}
    refused = await rest.as_("outsider").post(f"/v2/user-tasks/{key}/variables/search", json={})
    problem(refused, 403)
