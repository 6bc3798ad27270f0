"""The read side: the read model in read-model.sqlite3, fed by the exporter from committed records
(engine.exporter), searched in SQL (engine.read_sql) through engine.api.ReadModel.

Black box where it can be: commands go to the engine, reads come back through the protocol or
over /v2; the read-model file is deleted or kept to show what survives a restart."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from engine.api import ReadModel, Resource, ServesReads
from engine.clock import Clock
from engine.http.search import (
    ELEMENT_INSTANCES,
    INCIDENTS,
    PROCESS_INSTANCES,
    USER_TASKS,
    VARIABLES,
    parse_search_request,
)
from engine.read_store import READ_MODEL_FILE
from engine.search_query import FieldKind, SearchResource, apply_search
from engine.service import EngineService
from tests.engine.rest_harness import RestEngine, rest_engine

START_MS = 1_767_574_800_000

TASK_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="review" name="复核" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:userTask id="check" name="审查">
      <bpmn:extensionElements>
        <zeebe:userTask/>
        <zeebe:assignmentDefinition candidateGroups="=groups"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


async def _open(data_dir: Path | None, snapshot_every: int = 0) -> EngineService:
    clock = Clock()
    clock.pin(START_MS)
    return await EngineService.open(data_dir, clock=clock, snapshot_every=snapshot_every)


async def _start(service: EngineService, count: int, *, offset: int = 0) -> list[int]:
    keys = []
    for index in range(offset, offset + count):
        created = await service.create_process_instance(
            bpmn_process_id="review",
            variables={
                "caseNumber": f"游纪容〔2026〕{index}号",
                "rank": index,
                "groups": ["office"] if index % 2 else ["office", "leading-group"],
            },
        )
        keys.append(created.process_instance_key)
        service.clock.pin(service.clock.now_ms() + 1000)  # distinct start dates to sort on
    return keys


def _search(read: ReadModel, resource: SearchResource, body: dict[str, Any]) -> dict[str, Any]:
    return read.search(parse_search_request(body, resource)).to_json()


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[EngineService]:
    service = await _open(tmp_path / "data")
    await service.deploy([Resource("review.bpmn", TASK_BPMN.encode())])
    yield service
    await service.close()


async def test_the_served_engine_offers_its_read_side(engine: EngineService) -> None:
    assert isinstance(engine, ServesReads)
    assert engine.read_model is engine.read_side


async def test_committed_records_reach_the_read_model(engine: EngineService) -> None:
    keys = await _start(engine, 3)
    await engine.read_model.settle()
    found = _search(engine.read_model, PROCESS_INSTANCES, {})
    assert [item["processInstanceKey"] for item in found["items"]] == [str(k) for k in keys]
    assert {item["processDefinitionName"] for item in found["items"]} == {"复核"}
    tasks = _search(engine.read_model, USER_TASKS, {})["items"]
    assert [task["name"] for task in tasks] == ["审查"] * 3
    assert engine.read_side.store.position == engine.read_side.exporter.committed_position


async def test_completed_work_stays_in_the_read_model(engine: EngineService) -> None:
    (instance,) = await _start(engine, 1)
    (task,) = engine.query.user_tasks(instance)
    await engine.complete_user_task(task["userTaskKey"], {"decision": "同意"})
    await engine.read_model.settle()
    done = engine.read_model.item(USER_TASKS.name, task["userTaskKey"])
    assert done is not None and done["state"] == "COMPLETED" and done["completionDate"]
    finished = engine.read_model.item(PROCESS_INSTANCES.name, instance)
    assert finished is not None and finished["state"] == "COMPLETED"
    names = {v["name"] for v in _search(engine.read_model, VARIABLES, {})["items"]}
    assert {"caseNumber", "decision"} <= names


async def test_a_restart_resumes_after_the_stored_position(tmp_path: Path) -> None:
    data = tmp_path / "data"
    service = await _open(data)
    await service.deploy([Resource("review.bpmn", TASK_BPMN.encode())])
    await _start(service, 4)
    await service.close()  # the exporter folds in everything offered before it stops
    service = await _open(data)
    try:
        await service.read_model.settle()
        before = service.read_side.store.position
        assert before == service.store.read_records(after_position=0, limit=10**6)[-1].position
        rows = service.read_side.store.row_counts()
        # Folding the same records in again changes nothing: the batch is before the position.
        again = service.store.read_records(after_position=0, limit=10**6)
        assert service.read_side.store.apply(again) == before
        assert service.read_side.store.row_counts() == rows
        await _start(service, 2, offset=4)
        await service.read_model.settle()
        assert _search(service.read_model, PROCESS_INSTANCES, {})["page"]["totalItems"] == 6
    finally:
        await service.close()


async def test_a_lost_read_model_is_rebuilt_from_the_log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    service = await _open(data)
    await service.deploy([Resource("review.bpmn", TASK_BPMN.encode())])
    await _start(service, 5)
    await service.read_model.settle()
    expected = _search(service.read_model, USER_TASKS, {})
    await service.close()
    for leftover in data.glob(READ_MODEL_FILE + "*"):
        leftover.unlink()
    service = await _open(data)
    try:
        await service.read_model.settle()
        assert _search(service.read_model, USER_TASKS, {}) == expected
    finally:
        await service.close()


async def test_compaction_keeps_finished_instances_readable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    service = await _open(data, snapshot_every=50)
    await service.deploy([Resource("review.bpmn", TASK_BPMN.encode())])
    instances = await _start(service, 30)
    for task in service.query.user_tasks():
        await service.complete_user_task(task["userTaskKey"])
    await service.close()
    # Start again without the read model: everything must come back from the log and the
    # history the compaction moved the finished instances' records to.
    for leftover in data.glob(READ_MODEL_FILE + "*"):
        leftover.unlink()
    service = await _open(data, snapshot_every=50)
    try:
        await service.read_model.settle()
        assert service.store.compacted_up_to > 0
        found = _search(
            service.read_model,
            PROCESS_INSTANCES,
            {"filter": {"state": "COMPLETED"}, "page": {"limit": 100}},
        )
        assert sorted(int(i["processInstanceKey"]) for i in found["items"]) == sorted(instances)
        assert _search(service.read_model, USER_TASKS, {"filter": {"state": "COMPLETED"}})["page"][
            "totalItems"
        ] == len(instances)
    finally:
        await service.close()


# -- SQL searches give what the Python evaluation gives ---------------------------------------

QUERIES: list[tuple[SearchResource, dict[str, Any]]] = [
    (PROCESS_INSTANCES, {}),
    (PROCESS_INSTANCES, {"sort": [{"field": "startDate", "order": "DESC"}]}),
    (
        PROCESS_INSTANCES,
        {"filter": {"state": {"$in": ["ACTIVE"]}}, "page": {"from": 2, "limit": 3}},
    ),
    (
        PROCESS_INSTANCES,
        {"filter": {"variables": [{"name": "rank", "value": {"$in": ["1", "3"]}}]}},
    ),
    (
        PROCESS_INSTANCES,
        {"filter": {"variables": [{"name": "caseNumber", "value": {"$like": "*〔2026〕1*"}}]}},
    ),
    (PROCESS_INSTANCES, {"filter": {"hasIncident": False, "endDate": {"$exists": False}}}),
    (PROCESS_INSTANCES, {"filter": {"startDate": {"$gte": "2026-01-05T01:00:03.000Z"}}}),
    (
        PROCESS_INSTANCES,
        {"filter": {"$or": [{"state": "COMPLETED"}, {"processDefinitionId": "nope"}]}},
    ),
    (USER_TASKS, {"filter": {"candidateGroup": "leading-group"}}),
    (USER_TASKS, {"filter": {"candidateGroup": {"$neq": "leading-group"}}}),
    (USER_TASKS, {"filter": {"candidateGroup": {"$notIn": ["office"]}}}),
    (USER_TASKS, {"filter": {"assignee": {"$exists": True}}}),
    (
        USER_TASKS,
        {
            "filter": {"state": {"$neq": "COMPLETED"}},
            "sort": [{"field": "creationDate", "order": "DESC"}],
        },
    ),
    (USER_TASKS, {"filter": {"processInstanceVariables": [{"name": "rank", "value": "2"}]}}),
    (USER_TASKS, {"filter": {"name": "审查"}, "sort": [{"field": "priority"}]}),
    (USER_TASKS, {"filter": {"assignee": {"$like": "李?"}}}),
    (USER_TASKS, {"sort": [{"field": "completionDate", "order": "ASC"}], "page": {"limit": 4}}),
    (ELEMENT_INSTANCES, {"filter": {"type": "USER_TASK"}, "sort": [{"field": "elementId"}]}),
    (ELEMENT_INSTANCES, {"filter": {"state": "COMPLETED"}, "page": {"from": 1, "limit": 5}}),
    (
        VARIABLES,
        {
            "filter": {"name": {"$in": ["rank", "decision"]}},
            "sort": [{"field": "value", "order": "DESC"}],
        },
    ),
    (VARIABLES, {"filter": {"value": {"$like": "*leading*"}}}),
    (INCIDENTS, {}),
    # What clients may send but SQLite cannot hold as such: beyond int64, lone surrogates.
    (PROCESS_INSTANCES, {"filter": {"processDefinitionVersion": {"$lt": 2**70}}}),
    (PROCESS_INSTANCES, {"filter": {"processDefinitionVersion": {"$gt": -(10**400)}}}),
    (PROCESS_INSTANCES, {"filter": {"processDefinitionVersion": {"$in": [2**64, 1]}}}),
    (USER_TASKS, {"filter": {"candidateUser": {"$in": ["\udaf6", "x"]}}}),
    (USER_TASKS, {"filter": {"assignee": {"$neq": "\udaf6"}}}),
    (USER_TASKS, {"filter": {"assignee": {"$like": "*\udaf6"}}}),
    (VARIABLES, {"filter": {"name": "\ud800x"}}),
    (VARIABLES, {"page": {"from": 2**95}}),
]


async def test_sql_searches_answer_as_the_python_evaluation(engine: EngineService) -> None:
    instances = await _start(engine, 8)
    tasks = engine.query.user_tasks()
    await engine.assign_user_task(tasks[1]["userTaskKey"], "李某")
    for task in tasks[:3]:
        await engine.complete_user_task(
            task["userTaskKey"], {"decision": f"意见{task['userTaskKey']}"}
        )
    await engine.read_model.settle()
    read = engine.read_side
    variables = {
        str(k): [v for v in read.store.all_items(_table(VARIABLES)) if v["scopeKey"] == str(k)]
        for k in instances
    }
    for resource, body in QUERIES:
        query = parse_search_request(body, resource)
        items = read.store.all_items(_table(resource))
        if resource is PROCESS_INSTANCES:
            items = [i | {"variables": variables.get(i["processInstanceKey"], [])} for i in items]
        if resource is USER_TASKS:
            items = [
                i | {"processInstanceVariables": variables.get(i["processInstanceKey"], [])}
                for i in items
            ]
        expected = apply_search(query, items).to_json()
        assert read.store.search(query).to_json() == expected, body  # SQL, no fallback


def _table(resource: SearchResource) -> Any:
    from engine.read_sql import BY_RESOURCE

    return BY_RESOURCE[resource.name]


async def test_cursor_paging_walks_every_item_once(engine: EngineService) -> None:
    await _start(engine, 7)
    await engine.read_model.settle()
    seen: list[str] = []
    body: dict[str, Any] = {"sort": [{"field": "startDate", "order": "DESC"}], "page": {"limit": 3}}
    for _ in itertools.count():
        page = _search(engine.read_model, PROCESS_INSTANCES, body)
        seen += [item["processInstanceKey"] for item in page["items"]]
        if not page["items"]:
            break
        body["page"] = {"limit": 3, "after": page["page"]["endCursor"]}
    everything = _search(engine.read_model, PROCESS_INSTANCES, {"sort": body["sort"]})
    assert seen == [item["processInstanceKey"] for item in everything["items"]]
    assert len(seen) == 7


# -- read-your-writes over /v2 -----------------------------------------------------------------


@pytest.fixture
async def rest(tmp_path: Path) -> AsyncIterator[RestEngine]:
    async with rest_engine(tmp_path) as engine:
        await engine.deploy_case()
        yield engine


async def test_a_search_right_after_a_command_sees_it(
    rest: RestEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = rest.service.read_side.store
    apply = store.apply

    def slow_apply(records: Any) -> int:
        import time

        time.sleep(0.2)  # the exporter thread lags behind the writer
        return apply(records)

    monkeypatch.setattr(store, "apply", slow_apply)
    instance = await rest.start_case("C-9", applicant="王某")
    found = await rest.as_("manager").post(
        "/v2/process-instances/search", json={"filter": {"processInstanceKey": instance}}
    )
    assert found.status_code == 200
    assert [i["processInstanceKey"] for i in found.json()["items"]] == [instance]
    tasks = await rest.as_("office").post(
        "/v2/user-tasks/search", json={"filter": {"processInstanceKey": instance}}
    )
    assert len(tasks.json()["items"]) == 1


async def test_a_read_waits_only_so_long_for_a_stuck_exporter(engine: EngineService) -> None:
    exporter = engine.read_side.exporter
    exporter.committed_position += 1_000  # a position the read model will not reach
    started = asyncio.get_running_loop().time()
    assert await exporter.settle(timeout_s=0.2) is False
    assert asyncio.get_running_loop().time() - started < 1.0
    exporter.committed_position -= 1_000


async def test_a_read_model_of_another_version_is_folded_again(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "data"
    service = await _open(data)
    await service.deploy([Resource("review.bpmn", TASK_BPMN.encode())])
    await _start(service, 3)
    await service.read_model.settle()
    expected = _search(service.read_model, USER_TASKS, {"filter": {"candidateGroup": "office"}})
    await service.close()
    with sqlite3.connect(data / READ_MODEL_FILE) as db:
        db.execute("PRAGMA user_version = 0")
        db.execute("DELETE FROM user_task_candidates")  # what an older version did not keep
    service = await _open(data)
    try:
        await service.read_model.settle()
        assert expected["page"]["totalItems"] == 3
        found = _search(service.read_model, USER_TASKS, {"filter": {"candidateGroup": "office"}})
        assert found == expected
    finally:
        await service.close()


_SAMPLE = {
    FieldKind.STRING: "x",
    FieldKind.EXACT: "x",
    FieldKind.INTEGER: 1,
    FieldKind.KEY: "1",
    FieldKind.DATE_TIME: "2026-01-05T01:00:00.000+08:00",
    FieldKind.BOOLEAN: True,
}


@pytest.mark.parametrize(
    "resource", [PROCESS_INSTANCES, USER_TASKS, ELEMENT_INSTANCES, INCIDENTS, VARIABLES]
)
async def test_every_filter_and_sort_of_a_served_resource_runs_in_sql(
    engine: EngineService, resource: SearchResource
) -> None:
    store = engine.read_side.store
    for spec in resource.filters:
        if spec.kind is FieldKind.VARIABLES:
            values: list[Any] = [[{"name": "rank", "value": "1"}]]
        elif spec.kind is FieldKind.ENUM:
            values = [spec.values[0], {"$neq": spec.values[0]}]
        elif spec.kind in (FieldKind.EXACT, FieldKind.BOOLEAN):
            values = [_SAMPLE[spec.kind]]
        else:
            values = [_SAMPLE[spec.kind], {"$exists": False}]
        for value in values:
            store.search(parse_search_request({"filter": {spec.name: value}}, resource))
    for sort in resource.sorts:
        for order in ("ASC", "DESC"):
            body = {"sort": [{"field": sort.name, "order": order}]}
            store.search(parse_search_request(body, resource))
