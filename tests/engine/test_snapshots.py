"""Snapshots and log compaction (issue 15): a restart reads the latest snapshot and replays only
the records after it; the records a snapshot covers move from the primary log to the history,
which readers see as one log with it; a snapshot that cannot be used is set aside and the state
rebuilt from all records. Killing the engine during a snapshot: test_crash_with_workers.py."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

import engine.snapshot as snapshot_module
from engine.api import Resource
from engine.core import appliers
from engine.core.records import Record
from engine.service import EngineService
from engine.snapshot import SNAPSHOT_FILE
from engine.store import DB_FILE, DROP_SLICE, HISTORY_FILE, RecordStore
from tests.engine.fake_engine import one_task_process
from tests.engine.test_store_encoding import variable_record

EVERY = 100

NO_TASKS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="t">
  <bpmn:process id="nothing" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _fingerprint(service: EngineService) -> tuple[object, ...]:
    state = service.state
    return (
        state.position,
        state.keys.peek(),
        sorted(state.elements),
        sorted(state.jobs),
        sorted((k, sorted(v.items())) for k, v in state.variables.items()),
    )


async def _run(data_dir: Path, instances: int) -> EngineService:
    service = await EngineService.open(data_dir, snapshot_every=EVERY)
    await service.deploy([Resource("p.bpmn", one_task_process("p", "work"))])
    for number in range(instances):
        await service.create_process_instance(bpmn_process_id="p", variables={"n": number})
    return service


async def _quiet(service: EngineService) -> None:
    """Waits for the last commit and for a snapshot and its compaction still under way (they run
    beside the appends), so what is read next is settled."""
    await service._settled()
    if service._snapshot_in_flight is not None:
        await service._snapshot_in_flight
    if service._compacting is not None:
        await service._compacting


def _copy(source: Path, target: Path) -> Path:
    """What a kill -9 leaves: every file as it is on disk at this moment."""
    target.mkdir()
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith("-shm"):
            shutil.copyfile(path, target / path.name)
    return target


async def test_a_restart_replays_only_the_records_after_the_last_snapshot(tmp_path: Path) -> None:
    service = await _run(tmp_path / "live", 60)
    try:
        await _quiet(service)
        snapshot_at = service._snapshot_position
        assert snapshot_at > 0, "60 instances write several hundred records: a snapshot was due"
        expected, total = _fingerprint(service), service.state.position
        crash_image = _copy(tmp_path / "live", tmp_path / "crashed")
    finally:
        await service.close()
    restarted = await EngineService.open(crash_image, snapshot_every=EVERY)
    try:
        assert _fingerprint(restarted) == expected
        assert restarted.replayed_records == total - snapshot_at
        assert restarted.replayed_records < EVERY * 2
    finally:
        await restarted.close()
    # A clean stop snapshots everything: the next start replays nothing.
    reopened = await EngineService.open(tmp_path / "live", snapshot_every=EVERY)
    try:
        assert _fingerprint(reopened) == expected
        assert reopened.replayed_records == 0
    finally:
        await reopened.close()


async def test_a_snapshot_falling_due_is_not_held_up_by_a_slow_compaction(tmp_path: Path) -> None:
    """The records a kill -9 leaves to replay stay within one interval (and a group): while the
    first compaction is stuck, the next snapshots are still written, and compaction then catches
    up to the newest of them."""
    service = await _run(tmp_path, 1)
    stuck = threading.Event()
    export = service.store.export_to_history

    copiers: list[str] = []

    def slow_export(up_to: int) -> None:
        copiers.append(threading.current_thread().name)
        assert stuck.wait(30), "the test never let the compaction go on"
        export(up_to)

    service.store.export_to_history = slow_export  # type: ignore[method-assign]
    try:
        for number in range(60):
            await service.create_process_instance(bpmn_process_id="p", variables={"n": number})
        await service._settled()
        assert service._snapshot_in_flight is not None
        await service._snapshot_in_flight
        on_disk = snapshot_module.read_snapshot(tmp_path)
        assert on_disk is not None
        assert service.store.compacted_up_to == 0, "the first compaction is still stuck"
        assert on_disk.position > 2 * EVERY, "later snapshots were written all the same"
        assert service.state.position - on_disk.position < 2 * EVERY
        stuck.set()
        await _quiet(service)
        assert service.store.compacted_up_to == service._snapshot_position
        # Niced at first; more than two intervals behind, the copy runs at normal priority.
        assert copiers[0].startswith("engine-compaction_")
        assert copiers[1].startswith("engine-compaction-behind")
    finally:
        stuck.set()
        await service.close()


async def test_compaction_moves_what_a_snapshot_covers_into_the_history(tmp_path: Path) -> None:
    service = await _run(tmp_path, 60)
    try:
        await _quiet(service)
        total = service.state.position
        compacted = service.store.compacted_up_to
        left = service.store.query("SELECT count(*), min(position) FROM main.records")[0]
        moved = service.store.query("SELECT count(*), max(position) FROM history.records")[0]
        positions = [r.position for r in service.query.records(limit=100_000)]
        oldest = min(job.process_instance_key for job in service.state.jobs.values())
        of_oldest = service.query.records(process_instance_key=oldest)
    finally:
        await service.close()
    assert compacted > 0
    assert moved == (compacted, compacted)
    assert left == (total - compacted, compacted + 1)
    assert left[0] < EVERY * 2, "the primary log holds only what came after the last snapshot"
    assert positions == list(range(1, total + 1)), "history and log read as one, each record once"
    assert of_oldest and of_oldest[0].position <= compacted, "found in the history by instance"
    assert (tmp_path / HISTORY_FILE).exists() and (tmp_path / DB_FILE).exists()


async def test_a_snapshot_from_another_engine_version_is_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = await _run(tmp_path, 60)
    expected, total = _fingerprint(service), service.state.position
    await service.close()
    monkeypatch.setattr(snapshot_module, "code_fingerprint", lambda: b"\x01" * 32)
    rebuilt = await EngineService.open(tmp_path, snapshot_every=EVERY)
    try:
        assert _fingerprint(rebuilt) == expected
        assert rebuilt.replayed_records == total, "every record, the history's included"
    finally:
        await rebuilt.close()


async def test_a_damaged_snapshot_is_set_aside(tmp_path: Path) -> None:
    service = await _run(tmp_path, 60)
    expected, total = _fingerprint(service), service.state.position
    await service.close()
    path = tmp_path / SNAPSHOT_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    rebuilt = await EngineService.open(tmp_path, snapshot_every=EVERY)
    try:
        assert _fingerprint(rebuilt) == expected
        assert rebuilt.replayed_records == total
    finally:
        await rebuilt.close()


async def test_finished_instances_do_not_grow_the_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(appliers, "KEPT_OUTCOMES", 5)
    service = await EngineService.open(tmp_path, snapshot_every=EVERY)
    try:
        await service.deploy([Resource("nothing.bpmn", NO_TASKS)])
        keys = [
            (await service.create_process_instance(bpmn_process_id="nothing")).process_instance_key
            for _ in range(12)
        ]
        await service._settled()
        assert list(service.state.outcomes) == keys[-5:]
        assert service.state.elements == {}
    finally:
        await service.close()


def _records(first: int, count: int) -> list[Record]:
    return [variable_record(p, {"n": p}) for p in range(first, first + count)]


def test_appends_remove_what_was_exported_a_slice_each(tmp_path: Path) -> None:
    """Compaction's removals ride on the appends (the loop waits for those commits anyway): each
    append removes at most DROP_SLICE exported records, and the log reads whole throughout."""
    store = RecordStore(tmp_path)
    try:
        store.append(_records(1, DROP_SLICE + 500))
        store.export_to_history(DROP_SLICE + 100)
        store.mark_exported(DROP_SLICE + 100, store.checksum_at(DROP_SLICE + 100))
        assert store.compacted_up_to == 0, "exported, not yet removed"
        store.append(_records(DROP_SLICE + 501, 1))
        assert store.compacted_up_to == DROP_SLICE, "one slice with the first append"
        store.append(_records(DROP_SLICE + 502, 1))
        assert store.compacted_up_to == DROP_SLICE + 100
        store.append(_records(DROP_SLICE + 503, 1))
        assert store.compacted_up_to == DROP_SLICE + 100, "nothing more was exported"
        assert store.query("SELECT count(*) FROM main.records") == [(403,)]
    finally:
        store.close()
    reopened = RecordStore(tmp_path)
    try:
        assert reopened.compacted_up_to == DROP_SLICE + 100
        positions = [record.position for record in reopened.read_all()]
    finally:
        reopened.close()
    assert positions == list(range(1, DROP_SLICE + 504))


async def test_the_compaction_thread_yields_the_processor_to_the_appends(tmp_path: Path) -> None:
    """Copying into the history may wait; the appends that every answer waits for may not."""
    service = await EngineService.open(tmp_path, snapshot_every=EVERY)
    try:
        assert service._compaction is not None and service._storage is not None

        def priority() -> int:
            return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

        compaction = service._compaction.submit(priority).result(timeout=10)
        storage = service._storage.submit(priority).result(timeout=10)
    finally:
        await service.close()
    assert compaction > storage
