"""Who may act on a user task is decided inside the engine's command, against the task as it is
when the command is processed, not against the adapter's earlier reading of it (issue 15)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.access import Principal, Role, require_complete_user_task
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
    # Both commands are queued before the writer runs: the reassignment first.
    reassigned, completed = await asyncio.gather(
        rest.service.assign_user_task(key, "leader"),
        rest.service.complete_user_task(
            key, {}, authorize=lambda live: require_complete_user_task(office, live)
        ),
        return_exceptions=True,
    )
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
