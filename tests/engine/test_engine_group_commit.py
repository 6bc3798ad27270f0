"""Group commit on disk: the commit runs on the storage thread, the event loop keeps serving, and
no command is answered before its records are durable; commands arriving during a commit form the
next group; a failed commit fails its commands and leaves the state as the log says."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from engine.api import EngineError, ProcessInstanceCreated, Resource
from engine.core.records import Record
from engine.service import EngineService

BPMN = Path(__file__).parent / "bpmn"
WAIT_S = 10


class GatedStore:
    """Wraps the store's append: each call reports itself and waits until the gate opens."""

    def __init__(self, engine: EngineService) -> None:
        self._append = engine.store.append
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.batches: list[int] = []
        self.fail_next = False
        engine.store.append = self.append  # type: ignore[method-assign]

    def append(self, records: Sequence[Record], audit: Sequence[Any] = ()) -> None:
        self.batches.append(len(records))
        self.entered.set()
        if not self.gate.wait(WAIT_S):
            raise TimeoutError("the test never opened the gate")
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self._append(records, audit)

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, WAIT_S), "no commit started"
        self.entered.clear()


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[EngineService]:
    service = await EngineService.open(tmp_path)
    await service.deploy([Resource("three-tasks.bpmn", (BPMN / "three-tasks.bpmn").read_bytes())])
    try:
        yield service
    finally:
        await service.close()


def _create(engine: EngineService) -> asyncio.Task[ProcessInstanceCreated]:
    return asyncio.create_task(engine.create_process_instance(bpmn_process_id="three-tasks"))


async def test_answered_only_after_commit_while_the_loop_keeps_serving(
    engine: EngineService,
) -> None:
    store = GatedStore(engine)
    committed_before = len(engine.query.records(limit=1_000_000))
    first = _create(engine)
    await store.wait_entered()

    # The commit waits for the disk; the event loop is free: more calls come in meanwhile.
    more = [_create(engine) for _ in range(5)]
    await asyncio.sleep(0)  # a yield, not a wait: lets them reach the queue
    assert not first.done(), "answered before its records were committed"
    assert not any(task.done() for task in more)
    # Readers see committed records only.
    assert len(engine.query.records(limit=1_000_000)) == committed_before

    store.gate.set()
    await asyncio.wait_for(asyncio.gather(first, *more), WAIT_S)
    assert len(store.batches) == 2, "the calls made during the commit form one next group"
    assert store.batches[1] == 5 * store.batches[0]
    assert len(engine.query.records(limit=1_000_000)) == committed_before + sum(store.batches)


async def test_a_failed_commit_fails_its_commands_and_the_state_follows_the_log(
    engine: EngineService,
) -> None:
    store = GatedStore(engine)
    store.gate.set()
    kept = await engine.create_process_instance(bpmn_process_id="three-tasks")
    store.fail_next = True
    with pytest.raises(EngineError, match="storage failure"):
        await engine.create_process_instance(bpmn_process_id="three-tasks")
    keys = {i["processInstanceKey"] for i in engine.query.process_instances()}
    assert keys == {kept.process_instance_key}
    again = await engine.create_process_instance(bpmn_process_id="three-tasks")
    keys = {i["processInstanceKey"] for i in engine.query.process_instances()}
    assert keys == {kept.process_instance_key, again.process_instance_key}


async def test_close_during_a_commit_answers_the_committed_command(tmp_path: Path) -> None:
    engine = await EngineService.open(tmp_path)
    await engine.deploy([Resource("three-tasks.bpmn", (BPMN / "three-tasks.bpmn").read_bytes())])
    store = GatedStore(engine)
    created = _create(engine)
    await store.wait_entered()
    closing = asyncio.create_task(engine.close())
    await asyncio.sleep(0)  # a yield: close() starts while the commit is pending
    store.gate.set()
    await asyncio.wait_for(closing, WAIT_S)
    result = await asyncio.wait_for(created, WAIT_S)
    reopened = await EngineService.open(tmp_path)
    try:
        keys = {i["processInstanceKey"] for i in reopened.query.process_instances()}
        assert result.process_instance_key in keys
    finally:
        await reopened.close()
