"""Who may act on a user task is decided inside the engine's command, against the task as it is
when the command is processed, not against the adapter's earlier reading of it (issue 15)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from engine.access import Principal, Role
from engine.access.principal import acting_as
from engine.api import PermissionDenied
from tests.engine.rest_harness import RestEngine, problem, rest_engine


@pytest.fixture
async def rest(tmp_path: Path) -> AsyncIterator[RestEngine]:
    async with rest_engine(tmp_path) as engine:
        await engine.deploy_case()
        yield engine


async def _claimed_by_office(rest: RestEngine) -> int:
    instance = await rest.start_case("C-1", applicant="李某")
    key = (await rest.task_of(instance))["userTaskKey"]
    claim = await rest.as_("office").post(
        f"/v2/user-tasks/{key}/assignment", json={"assignee": "office"}
    )
    assert claim.status_code == 204, claim.text
    return int(key)


def _open_assignee(rest: RestEngine, key: int) -> str | None:
    task = rest.service.state.user_tasks.get(key)
    assert task is not None, "the task was completed"
    return task.assignee or None


async def test_an_assignment_queued_just_before_a_completion_makes_the_engine_refuse_it(
    rest: RestEngine,
) -> None:
    key = await _claimed_by_office(rest)
    office = Principal(
        "office", groups=frozenset({"leading-group-office"}), roles=frozenset({Role.OFFICER})
    )
    # Both commands are queued before the writer runs: the reassignment first, then the
    # completion acting for the office, the assignee until the reassignment is processed.
    reassignment = asyncio.ensure_future(rest.service.assign_user_task(key, "leader"))
    with acting_as(office):
        completion = asyncio.ensure_future(rest.service.complete_user_task(key, {}))
    reassigned, completed = await asyncio.gather(reassignment, completion, return_exceptions=True)
    assert reassigned is None
    assert isinstance(completed, PermissionDenied), completed
    assert "assigned to 'leader'" in str(completed)
    assert _open_assignee(rest, key) == "leader"


async def test_a_rest_completion_is_judged_on_live_state_not_on_the_adapters_reading(
    rest: RestEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = await _claimed_by_office(rest)
    seen = await rest.as_("office").get(f"/v2/user-tasks/{key}")
    assert seen.json()["assignee"] == "office"
    # The adapter's reading stays as it was (the race: the assignment commits after the read).
    monkeypatch.setattr(rest.service.read_side.exporter, "offer", lambda records: None)
    await rest.service.assign_user_task(key, "leader")
    response = await rest.as_("office").post(f"/v2/user-tasks/{key}/completion", json={})
    assert "only the assignee may complete it" in problem(response, 403)
    assert _open_assignee(rest, key) == "leader"


async def test_over_rest_a_reassignment_accepted_just_before_the_assignees_completion_wins(
    rest: RestEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests pass the REST adapter (the office is still the assignee when it reads the
    task); the engine processes them in the order they were queued and refuses the completion."""
    key = await _claimed_by_office(rest)
    service = rest.service
    gate = asyncio.Event()
    queued: list[str] = []
    process_group, put = service._process_group, service._queue.put_nowait

    async def held(group: list[Any]) -> None:
        await gate.wait()
        await process_group(group)

    def noted(pending: Any) -> None:
        queued.append(pending.principal.username if pending.principal else "")
        put(pending)

    monkeypatch.setattr(service, "_process_group", held)
    monkeypatch.setattr(service._queue, "put_nowait", noted)
    reassignment = asyncio.ensure_future(
        rest.as_("manager").post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "leader"})
    )
    await _until(lambda: "manager" in queued)
    completion = asyncio.ensure_future(
        rest.as_("office").post(f"/v2/user-tasks/{key}/completion", json={})
    )
    await _until(lambda: "office" in queued)
    assert queued.index("manager") < queued.index("office")
    gate.set()
    assert (await reassignment).status_code == 204
    assert "only the assignee may complete it" in problem(await completion, 403)
    assert _open_assignee(rest, key) == "leader"
    assert [e.action for e in rest.trail.entries()][-1] == "USER_TASK_ASSIGNED"
    # The log keeps the refused command, as Zeebe records a rejection.
    [rejected] = [r for r in service.query.records(value_type="USER_TASK") if r.rejection_type]
    assert (rejected.intent, rejected.rejection_type) == ("COMPLETE", "FORBIDDEN")
    assert "only the assignee may complete it" in rejected.rejection_reason


async def _until(condition: Callable[[], bool]) -> None:
    # Waits for the requests to reach the engine's queue (no timer involved: a bound on polls).
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the request never reached the engine's queue")


async def test_a_kind_that_may_not_deploy_is_refused_before_its_upload_is_parsed(
    rest: RestEngine,
) -> None:
    broken = {"resources": ("bad.bpmn", b"<bpmn:definitions")}
    refused = await rest.as_("manager").post("/v2/deployments", files=broken)
    assert "deploy resources" in problem(refused, 403)
    assert "bad.bpmn" in problem(await rest.as_("admin").post("/v2/deployments", files=broken), 400)
