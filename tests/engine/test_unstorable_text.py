"""A string UTF-8 cannot encode (a lone surrogate, "\\ud800" in JSON text) fails only the command
that carries it: the group commit checks each command's records before the commit, so the other
commands of the same group are committed and answered as if it had not been sent (issue 16).

These tests call the engine directly, bypassing the adapters' edge validation on purpose."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import pytest

from engine.api import EngineError, InvalidArgument, NotFound, Resource
from engine.service import EngineService
from engine.storable_text import storable, unstorable_field

BPMN = Path(__file__).parent / "bpmn"
LONE = "\ud800"
ROUNDS = 20
GOOD_PER_ROUND = 60


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[EngineService]:
    service = await EngineService.open(tmp_path)
    await service.deploy(
        [
            Resource("three-tasks.bpmn", (BPMN / "three-tasks.bpmn").read_bytes()),
            Resource("messages.bpmn", (BPMN / "messages.bpmn").read_bytes()),
        ]
    )
    try:
        yield service
    finally:
        await service.close()


def _poisoned(engine: EngineService, kind: str) -> Awaitable[Any]:
    if kind == "variable value":
        return engine.create_process_instance(
            bpmn_process_id="three-tasks", variables={"applicantName": LONE}
        )
    if kind == "variable name":
        return engine.create_process_instance(bpmn_process_id="three-tasks", variables={LONE: 1})
    if kind == "nested value":
        return engine.create_process_instance(
            bpmn_process_id="three-tasks", variables={"a": {"b": ["ok", "x" + LONE]}}
        )
    if kind == "message name":
        return engine.publish_message(LONE, "k", time_to_live_ms=60_000)
    if kind == "correlation key":
        return engine.publish_message("m", LONE, time_to_live_ms=60_000)
    if kind == "message id":
        return engine.publish_message("m", "k", time_to_live_ms=60_000, message_id=LONE)
    assert kind == "unknown process id"
    return engine.create_process_instance(bpmn_process_id=LONE)


KINDS = [
    "variable value",
    "variable name",
    "nested value",
    "message name",
    "correlation key",
    "message id",
    "unknown process id",
]


async def test_sixty_good_and_one_poisoned_create_twenty_times(engine: EngineService) -> None:
    good_ok = 0
    for round_ in range(ROUNDS):
        goods = [
            engine.create_process_instance(bpmn_process_id="three-tasks", variables={"n": i})
            for i in range(GOOD_PER_ROUND)
        ]
        kind = KINDS[round_ % len(KINDS)]
        bad = _poisoned(engine, kind)
        # Queued in one go, they are taken into one commit group, the poisoned one in the middle.
        outcomes = await asyncio.gather(*goods[:30], bad, *goods[30:], return_exceptions=True)
        bad_outcome = outcomes.pop(30)
        assert isinstance(bad_outcome, EngineError), (kind, bad_outcome)
        good_ok += sum(1 for o in outcomes if not isinstance(o, BaseException))
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert not failures, failures[:3]
    print(f"good creates answered: {good_ok} of {ROUNDS * GOOD_PER_ROUND}")
    assert good_ok == ROUNDS * GOOD_PER_ROUND
    instances = engine.query.process_instances()
    assert len(instances) == ROUNDS * GOOD_PER_ROUND


@pytest.mark.parametrize("kind", KINDS)
async def test_each_poisoned_field_fails_alone_and_the_log_reopens(
    tmp_path: Path, kind: str
) -> None:
    engine = await EngineService.open(tmp_path)
    try:
        await engine.deploy(
            [Resource("three-tasks.bpmn", (BPMN / "three-tasks.bpmn").read_bytes())]
        )
        bad = _poisoned(engine, kind)
        goods = [engine.create_process_instance(bpmn_process_id="three-tasks") for _ in range(10)]
        outcomes = await asyncio.gather(*goods[:5], bad, *goods[5:], return_exceptions=True)
        bad_outcome = outcomes.pop(5)
        # An unknown process id is refused as NOT_FOUND anyway; its rejection record quotes it.
        expected = NotFound if kind == "unknown process id" else InvalidArgument
        assert isinstance(bad_outcome, expected), bad_outcome
        assert all(not isinstance(o, BaseException) for o in outcomes), outcomes
        created = {o.process_instance_key for o in outcomes}  # type: ignore[union-attr]
    finally:
        await engine.close()
    reopened = await EngineService.open(tmp_path)
    try:
        keys = {i["processInstanceKey"] for i in reopened.query.process_instances()}
        assert keys == created
        again = await reopened.create_process_instance(bpmn_process_id="three-tasks")
        assert again.process_instance_key not in created
    finally:
        await reopened.close()


def test_unstorable_field_names_the_path() -> None:
    assert unstorable_field({"variables": {"a": [1, {"b": "x"}]}}) is None
    assert unstorable_field({"variables": {"a": [1, {"b": LONE}]}}) == "variables.a[1].b"
    assert unstorable_field({"variables": {LONE: 1}}) == "variables (a property name)"
    assert unstorable_field({"name": LONE}) == "name"
    # Integers beyond 64 bits (which orjson refuses) are storable.
    assert unstorable_field({"n": 2**70}) is None
    assert storable({"a": [LONE]}) == {"a": ["\\ud800"]}
