"""EngineService: the engine behind the `engine.api.Engine` protocol.

One writer: a single asyncio task takes commands from a queue, processes each against the state
into records, appends the records of everything it took from the queue to SQLite in one
transaction, and only then answers the callers (group commit). On disk that transaction commits on
a storage thread, so the event loop keeps serving the network meanwhile and the calls arriving
during a commit make up the next group. While that commit runs, the in-memory state (what
`query` reads) is ahead of the log by that one group; answers, job offers and instance results
never are, and `query.records()` reads committed records only. A scheduler task fires timers, job
timeouts, retry backoffs and message expiry when the engine clock reaches them, and at once when
the clock is moved. On open, the state is read from the latest snapshot and the records written
after it are replayed through the same appliers (with no usable snapshot, all records are).

Every `snapshot_every` records the state is snapshotted (engine.snapshot), after the group that
reached that count, and written on a thread of its own; the records a durable snapshot covers
are then copied into the history (RecordStore.export_to_history), on another, and removed from
the primary log along with the next appends (RecordStore.mark_exported).
A clean close snapshots too (without compacting), so the next start replays nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from engine.access.principal import Principal, acting_principal
from engine.access.rules import Action, limit_of
from engine.api import (
    DEFAULT_TENANT,
    ActivatedJob,
    ActivateInstruction,
    ActivateJobsRequest,
    DecisionEvaluation,
    Deployment,
    EngineError,
    FailedPrecondition,
    InvalidArgument,
    JsonObject,
    MappingInstruction,
    MessagePublished,
    NotFound,
    ProcessInstanceCreated,
    ProcessInstanceResult,
    ReadModel,
    Resource,
    SignalBroadcast,
)
from engine.audit.entry import AuditDraft
from engine.audit.pending import DescribeAudit, pending_audit
from engine.clock import Clock
from engine.core.appliers import apply
from engine.core.commands import Commands
from engine.core.query import EngineQuery
from engine.core.records import Intent, Record, ValueType
from engine.core.state import EngineState
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_parser import parse_ahead
from engine.limits import HeldJobCalls, check_message_names
from engine.read_side import ReadSide
from engine.snapshot import DEFAULT_SNAPSHOT_EVERY, encode_state, read_snapshot, write_snapshot
from engine.storable_text import UNSTORABLE_TEXT, storable, unstorable_record
from engine.store import DROP_SLICE, RecordStore, SnapshotMismatch, storage_refusal

log = logging.getLogger("engine.service")
T = TypeVar("T")
DEFAULT_LONG_POLL_MS = 10_000
_MAX_GROUP = 256
_JOB_OFFER_INTENTS = {
    Intent.CREATED,
    Intent.TIMED_OUT,
    Intent.RECURRED_AFTER_BACKOFF,
    Intent.FAILED,
    Intent.RETRIES_UPDATED,
    Intent.YIELDED,
}


@dataclass
class _Pending:
    step: Callable[[Commands], Any]
    future: asyncio.Future[Any]
    command: _Command | None = None
    # called with the result when the caller went away after the command was processed
    orphaned: Callable[[Any], None] | None = None
    # the submitter's audit entry, committed in the same transaction as the command's records
    audit: DescribeAudit | None = field(default_factory=pending_audit)
    # who the command acts for, taken from the submitter's context; the processor decides the
    # command against it (engine/access/rules.py)
    principal: Principal | None = field(default_factory=acting_principal.get)


@dataclass(frozen=True)
class _Command:
    """What a refused command is recorded as: COMMAND_REJECTION with Zeebe's value type and
    intent, and the keys it named."""

    value_type: ValueType
    intent: str
    value: dict[str, Any]


_REJECTION_TYPES = {
    "NOT_FOUND": "NOT_FOUND",
    "FAILED_PRECONDITION": "INVALID_STATE",
    "PERMISSION_DENIED": "FORBIDDEN",
    "INVALID_ARGUMENT": "INVALID_ARGUMENT",
    "ALREADY_EXISTS": "ALREADY_EXISTS",
}


@dataclass
class _JobWaiter:
    job_type: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)


def _ignore_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("engine follow-up command failed: %r", future.exception())


# How long compaction leaves the removal of exported records to the appends before it concludes
# that none are coming (an idle engine) and removes a slice itself.
_APPENDS_AWAITED_S = 0.5


def _log_snapshot_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("snapshot failed; the log is kept whole", exc_info=future.exception())


# How much lower the compaction thread's scheduling priority is than the rest of the engine.
_COMPACTION_NICENESS = 10


def _yield_to_the_appends() -> None:
    """Lowers the calling thread's scheduling priority (Linux schedules threads one by one).
    Copying records into the history is work that may wait: under load it shares a core with the
    storage thread's appends, which every answer waits for."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux, or not permitted
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _COMPACTION_NICENESS)


def _warm_up_feel() -> None:
    from engine.feel import feel

    feel().evaluate("1", {})


class EngineService:
    def __init__(self, store: RecordStore, clock: Clock, snapshot_every: int = 0) -> None:
        self.store = store
        self.clock = clock
        self.state = EngineState()
        self._writer = RecordWriter(self.state)
        self._commands = Commands(self._writer)
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._job_waiters: dict[str, deque[_JobWaiter]] = {}
        # Long polls and job streams of both transports share this bound (engine.limits).
        self.held_job_calls = HeldJobCalls()
        self._result_waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._scheduler_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._group_in_flight: asyncio.Future[None] | None = None
        self._storage = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-storage")
            if store.durable
            else None
        )
        self._closed = False
        self.replay_seconds = 0.0
        self.replayed_records = 0
        # Snapshots need a data directory, and the storage thread that keeps them in order with
        # the appends.
        self._snapshot_every = snapshot_every if self._storage is not None else 0
        self._snapshot_position = 0
        self._snapshot_in_flight: asyncio.Future[None] | None = None
        # The newest durable snapshot (position, checksum of the record there): what compaction
        # may move out of the primary log.
        self._durable_snapshot: tuple[int, bytes] | None = None
        self._compacting: asyncio.Future[None] | None = None
        # Compaction copies and deletes thousands of records: on a thread of its own, beside
        # the storage thread's appends rather than in front of them. Snapshots are written on
        # another, so that a snapshot falling due is never held up behind a compaction: the
        # records a restart replays stay bounded by `snapshot_every` (plus one group).
        self._compaction = (
            ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="engine-compaction",
                initializer=_yield_to_the_appends,
            )
            if self._snapshot_every
            else None
        )
        # At the normal priority, for when the niced thread has fallen more than two intervals
        # behind (a machine loaded for long): the log stays bounded all the same.
        self._compaction_behind = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-compaction-behind")
            if self._snapshot_every
            else None
        )
        self._snapshot_writer = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-snapshot")
            if self._snapshot_every
            else None
        )
        self.query = EngineQuery(self.state, store)
        self.read_side = ReadSide(store.data_dir, lambda: self.state)

    @property
    def read_model(self) -> ReadModel:
        return self.read_side

    # == lifecycle ===============================================================================
    @classmethod
    async def open(
        cls,
        data_dir: Path | None,
        *,
        clock: Clock | None = None,
        snapshot_every: int = DEFAULT_SNAPSHOT_EVERY,
    ) -> EngineService:
        """Opens (or creates) the engine in `data_dir`; None keeps everything in memory.
        `snapshot_every`: records between snapshots (0: none; only with a data directory)."""
        # Loading V8 and the FEEL bundle takes tens of ms: not on the loop, and not on the first
        # command. (The runtime runs on a thread of its own whichever thread starts it.) It loads
        # while the state is replayed, on the other core, which a restart waits for anyway.
        warming = asyncio.get_running_loop().run_in_executor(None, _warm_up_feel)
        try:
            service = cls(RecordStore(data_dir), clock or Clock(), snapshot_every)
            try:
                service._replay()
            except BaseException:
                await service.read_side.close()
                raise
        finally:
            await warming
        # Records committed but not yet exported (a crash, a first start over an existing log)
        # are folded in first by the exporter's thread; reads wait for them, bounded.
        service.read_side.start(service.store, service.state.position)
        if service.state.clock_pinned_ms is not None:
            service.clock.pin(service.state.clock_pinned_ms)
        service.clock.add_listener(service._scheduler_wake.set)
        service._tasks = [
            asyncio.create_task(service._process_loop(), name="engine-writer"),
            asyncio.create_task(service._scheduler_loop(), name="engine-scheduler"),
        ]
        return service

    def _replay(self) -> None:
        started = time.perf_counter()
        data_dir = self.store.data_dir
        snapshot = read_snapshot(data_dir) if data_dir is not None else None
        state: EngineState | None = None
        replayed = 0
        if snapshot is not None:
            try:
                state = snapshot.state
                for record in self.store.read_all(
                    snapshot.position, (snapshot.position, snapshot.checksum)
                ):
                    apply(state, record)
                    replayed += 1
                self._snapshot_position = snapshot.position
            except SnapshotMismatch as mismatch:
                log.warning("snapshot not used (%s): replaying every record", mismatch)
                state = None
        if state is None:
            state, replayed = EngineState(), 0
            for record in self.store.read_all():
                apply(state, record)
                replayed += 1
            self._snapshot_position = self.store.compacted_up_to
        self._set_state(state)
        self.replayed_records = replayed
        self.replay_seconds = time.perf_counter() - started

    def _maybe_snapshot(self) -> None:
        """Called between groups, when every record applied to the state is committed: the state
        is then exactly the log up to its position."""
        if not self._snapshot_every:
            return
        if self.state.position - self._snapshot_position < self._snapshot_every:
            return
        if self._snapshot_in_flight is not None and not self._snapshot_in_flight.done():
            return
        position, payload = self.state.position, encode_state(self.state)
        self._snapshot_position = position
        future = asyncio.ensure_future(self._snapshot(payload, position))
        future.add_done_callback(_log_snapshot_failure)
        self._snapshot_in_flight = future

    async def _snapshot(self, payload: bytes, position: int, compact: bool = True) -> None:
        """The checksum at `position` is read on the storage thread, after the appends up to
        `position` are committed, so the snapshot never covers a record that is not durable.
        Writing and fsyncing the file runs on the snapshot thread: appends go on meanwhile (on
        the storage thread they waited for the fsync). The snapshot is durable before any record
        it covers leaves the primary log: only then may compaction start."""
        loop = asyncio.get_running_loop()
        assert self._storage is not None
        checksum = await loop.run_in_executor(self._storage, self.store.checksum_at, position)
        writer = self._snapshot_writer or self._storage
        await loop.run_in_executor(writer, self._write_snapshot, payload, position, checksum)
        self._durable_snapshot = (position, checksum)
        idle = self._compacting is None or self._compacting.done()
        if compact and self._compaction is not None and idle:
            self._compacting = asyncio.ensure_future(self._compact())
            self._compacting.add_done_callback(_log_snapshot_failure)

    async def _compact(self) -> None:
        """Copies what the newest durable snapshot covers from the primary log into the history
        (again while a newer snapshot was written meanwhile); the appends then remove it from the
        log, a slice each (RecordStore.append). When none come (an idle engine, a closing one),
        the slices are removed here."""
        loop = asyncio.get_running_loop()
        assert self._storage is not None and self._compaction is not None
        while True:
            durable = self._durable_snapshot
            if durable is not None and durable[0] > self.store.exported_up_to:
                position, checksum = durable
                started = time.perf_counter()
                behind = position - self.store.exported_up_to > 2 * self._snapshot_every
                copier = self._compaction_behind if behind else self._compaction
                await loop.run_in_executor(copier, self.store.export_to_history, position)
                self.store.mark_exported(position, checksum)
                log.info(
                    "records up to position %d copied to the history in %.0f ms",
                    position,
                    (time.perf_counter() - started) * 1000,
                )
                continue
            if self.store.compacted_up_to >= self.store.exported_up_to:
                return
            before = self.store.compacted_up_to
            if not self._closed:
                await asyncio.sleep(_APPENDS_AWAITED_S)
            if self.store.compacted_up_to == before:
                await loop.run_in_executor(self._storage, self.store.drop_exported, DROP_SLICE)

    def _write_snapshot(self, payload: bytes, position: int, checksum: bytes) -> None:
        assert self.store.data_dir is not None
        write_snapshot(self.store.data_dir, payload, position, checksum)

    def _set_state(self, state: EngineState) -> None:
        self.state = state
        self._writer = RecordWriter(state)
        self._commands = Commands(self._writer)
        self.query = EngineQuery(state, self.store)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.clock.remove_listener(self._scheduler_wake.set)
        self._scheduler_wake.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._group_in_flight is not None:
            with contextlib.suppress(Exception):
                await self._group_in_flight
        while not self._queue.empty():
            pending = self._queue.get_nowait()
            if not pending.future.done():
                pending.future.set_exception(FailedPrecondition("the engine is shutting down"))
        for waiters in self._job_waiters.values():
            for waiter in waiters:
                waiter.wake.set()
        for futures in self._result_waiters.values():
            for future in futures:
                if not future.done():
                    future.set_exception(FailedPrecondition("the engine is shutting down"))
        if self._snapshot_in_flight is not None:
            with contextlib.suppress(Exception):  # logged by its callback
                await self._snapshot_in_flight
        if self._compacting is not None:
            with contextlib.suppress(Exception):  # logged by its callback
                await self._compacting
        if self._storage is not None:
            if self._snapshot_every and self.state.position > self._snapshot_position:
                # A clean stop leaves a snapshot of everything, so the next start replays nothing.
                # The log is not compacted here: what it holds beyond the last periodic snapshot
                # stays bounded by `snapshot_every`, and stays where the start-up check reads it.
                position, payload = self.state.position, encode_state(self.state)
                try:
                    await self._snapshot(payload, position, compact=False)
                except Exception:
                    log.exception("the closing snapshot failed; the next start replays the log")
            self._storage.shutdown(wait=True)
        if self._compaction is not None:
            self._compaction.shutdown(wait=True)
        if self._compaction_behind is not None:
            self._compaction_behind.shutdown(wait=True)
        if self._snapshot_writer is not None:
            self._snapshot_writer.shutdown(wait=True)
        await self.read_side.close()
        self.store.close()

    # == the single writer =======================================================================
    async def _submit(
        self,
        step: Callable[[Commands], T],
        command: _Command | None = None,
        orphaned: Callable[[T], None] | None = None,
    ) -> T:
        if self._closed:
            raise FailedPrecondition("the engine is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(step, future, command, orphaned))
        try:
            result: T = await future
        except asyncio.CancelledError:
            # answered, but the caller was cancelled before it could take the answer
            answered = future.done() and not future.cancelled()
            if orphaned is not None and answered and future.exception() is None:
                orphaned(future.result())
            raise
        return result

    def _enqueue(self, step: Callable[[Commands], Any]) -> None:
        """A command nobody waits for (the engine's own follow-up of a vanished caller)."""
        if self._closed:
            return
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_ignore_outcome)
        # the engine's own follow-up acts for nobody, whichever call it was enqueued during
        self._queue.put_nowait(_Pending(step, future, principal=None))

    async def _process_loop(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < _MAX_GROUP and not self._queue.empty():
                group.append(self._queue.get_nowait())
            if self._storage is None:  # in memory: processed and committed without a pause
                await self._process_group(group)
                continue
            # Shielded: once taken from the queue, a group is always committed and answered,
            # even when the engine closes meanwhile (close() waits for it).
            self._group_in_flight = asyncio.ensure_future(self._process_group(group))
            await asyncio.shield(self._group_in_flight)
            self._group_in_flight = None
            self._maybe_snapshot()

    async def _process_group(self, group: list[_Pending]) -> None:
        outcomes: list[tuple[_Pending, Any, BaseException | None]] = []
        broken = False
        for pending in group:
            if pending.future.cancelled():
                continue
            mark = len(self._writer.records)
            self._writer.now = self.clock.now_ms()
            self._commands.acting = pending.principal
            try:
                result = pending.step(self._commands)
                self._writer.run_follow_ups()
                unstorable = unstorable_record(self._writer.records[mark:])
                if unstorable is not None:
                    # Checked before commit so that only this command fails: its records leave
                    # the group (and its effects the state, by the replay below), the commands
                    # processed before it are committed, and the rest are processed again.
                    del self._writer.records[mark:]
                    outcomes.append(
                        (pending, None, InvalidArgument(f"{unstorable} {UNSTORABLE_TEXT}"))
                    )
                    broken = True
                    break
                outcomes.append((pending, result, None))
            except EngineError as error:
                if len(self._writer.records) > mark:
                    # a refusal after writing would leave half a command applied; never expected
                    broken = True
                    del self._writer.records[mark:]
                elif pending.command is not None:
                    self._record_rejection(pending.command, error)
                outcomes.append((pending, None, error))
                if broken:
                    break
            except Exception as error:
                log.exception("command processing failed; rebuilding state from the log")
                del self._writer.records[mark:]
                outcomes.append((pending, None, EngineError(f"internal error: {error!r}")))
                broken = True
                break
        self._commands.acting = None
        records = self._writer.take()
        try:
            await self._append(records, self._audit_entries(outcomes))
        except Exception as error:
            log.exception("appending records failed")
            broken = True
            refusal = storage_refusal(error)
            outcomes = [(p, None, refusal) for p, _, _ in outcomes]
            records = []
        # Before any answer: a caller that reads after its command waits for these records.
        self.read_side.exporter.offer(records)
        if broken:
            self._replay()
        answered = {id(p) for p, _, _ in outcomes}
        for pending, result, failure in outcomes:
            if pending.future.done():
                if failure is None and pending.orphaned is not None:
                    pending.orphaned(result)
                continue
            if failure is not None:
                pending.future.set_exception(failure)
            else:
                pending.future.set_result(result)
        for pending in group:  # commands not reached because the group broke off
            if id(pending) not in answered and not pending.future.done():
                self._queue.put_nowait(pending)
        self._notify(records)

    def _audit_entries(
        self, outcomes: list[tuple[_Pending, Any, BaseException | None]]
    ) -> list[tuple[int, AuditDraft]]:
        now = self.clock.now_ms()
        return [
            (now, pending.audit(result))
            for pending, result, failure in outcomes
            if failure is None and pending.audit is not None
        ]

    async def _append(
        self, records: list[Record], audit: Sequence[tuple[int, AuditDraft]] = ()
    ) -> None:
        """Makes `records` and their audit entries durable. On disk the commit (and its fsync)
        runs on the storage thread: the event loop meanwhile takes in further calls, which then
        form the next, larger group instead of waiting behind the disk one by one. Nothing is
        answered before this returns."""
        if not records and not audit:
            return
        if self._storage is None:
            self.store.append(records, audit)
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._storage, self.store.append, records, audit)

    async def _settled(self) -> None:
        """Waits for the group being committed, if any: state read after this is durable."""
        in_flight = self._group_in_flight
        if in_flight is not None and not in_flight.done():
            await asyncio.shield(in_flight)

    def _record_rejection(self, command: _Command, error: EngineError) -> None:
        self._writer.rejection(
            command.value_type,
            command.intent,
            -1,
            storable(command.value),
            _REJECTION_TYPES.get(error.status, "PROCESSING_ERROR"),
            storable(str(error)),
        )

    def _notify(self, records: Sequence[Record]) -> None:
        job_types: set[str] = set()
        for record in records:
            value = record.value
            if record.value_type == ValueType.JOB and record.intent in _JOB_OFFER_INTENTS:
                job_types.add(value["type"])
            elif record.value_type == ValueType.INCIDENT and record.intent == Intent.RESOLVED:
                job = self.state.jobs.get(value.get("jobKey", -1))
                if job is not None:
                    job_types.add(job.type)
            elif (
                record.value_type == ValueType.PROCESS_INSTANCE
                and value.get("bpmnElementType") == "PROCESS"
                and record.intent in (Intent.ELEMENT_COMPLETED, Intent.ELEMENT_TERMINATED)
            ):
                for future in self._result_waiters.pop(record.key, []):
                    if not future.done():
                        future.set_result(None)
        for job_type in job_types:
            for waiter in self._job_waiters.get(job_type, ()):
                waiter.wake.set()
        if records:
            self._scheduler_wake.set()

    # == scheduler ===============================================================================
    async def _scheduler_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closed:
            self._scheduler_wake.clear()
            due = self._commands.next_due()
            now = self.clock.now_ms()
            if due is not None and due <= now:
                try:
                    await self._submit(lambda c: c.fire_due())
                except EngineError:
                    log.exception("firing due timers failed")
                    await asyncio.sleep(0.1)
                continue
            # Real time only matters while the clock follows it; a pinned clock moves by pin().
            handle = None
            if due is not None and self.clock.pinned_ms is None:
                handle = loop.call_later(max((due - now) / 1000, 0.001), self._scheduler_wake.set)
            try:
                await self._scheduler_wake.wait()
            finally:
                if handle is not None:
                    handle.cancel()

    # == the API =================================================================================
    async def deploy(
        self, resources: Sequence[Resource], tenant_id: str = DEFAULT_TENANT
    ) -> Deployment:
        items = list(resources)
        # A kind that may not deploy at all is refused before the parsing work below (the
        # processor decides the command again, in log order).
        principal = acting_principal.get()
        if principal is not None:
            limit_of(principal, Action.DEPLOY)
        # Parsed on a worker thread first: the writer then finds the models parsed and keeps
        # processing other commands meanwhile, even for a model of tens of thousands of elements.
        await asyncio.to_thread(parse_ahead, items)
        return await self._submit(
            lambda c: c.deploy(items, tenant_id),
            _Command(ValueType.DEPLOYMENT, "CREATE", {"resources": [r.name for r in items]}),
        )

    async def create_process_instance(
        self,
        *,
        bpmn_process_id: str | None = None,
        process_definition_key: int | None = None,
        version: int = -1,
        variables: JsonObject | None = None,
        start_element_ids: Sequence[str] = (),
        tenant_id: str = DEFAULT_TENANT,
    ) -> ProcessInstanceCreated:
        starts = tuple(start_element_ids)
        return await self._submit(
            lambda c: c.create_process_instance(
                bpmn_process_id, process_definition_key, version, variables, starts, tenant_id
            ),
            _Command(
                ValueType.PROCESS_INSTANCE_CREATION,
                "CREATE",
                {
                    "bpmnProcessId": bpmn_process_id or "",
                    "version": version,
                    "processDefinitionKey": process_definition_key or -1,
                },
            ),
        )

    async def await_process_instance_result(
        self, process_instance_key: int, fetch_variables: Sequence[str], timeout_ms: int
    ) -> ProcessInstanceResult:
        await self._settled()
        outcome = self.state.outcomes.get(process_instance_key)
        if outcome is None:
            if process_instance_key not in self.state.elements:
                raise NotFound(f"Expected to find process instance '{process_instance_key}'")
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._result_waiters.setdefault(process_instance_key, []).append(future)
            try:
                async with asyncio.timeout((timeout_ms or DEFAULT_LONG_POLL_MS) / 1000):
                    await future
            finally:
                waiters = self._result_waiters.get(process_instance_key, [])
                if future in waiters:
                    waiters.remove(future)
            outcome = self.state.outcomes[process_instance_key]
        if outcome.state != "COMPLETED":
            raise FailedPrecondition(
                f"Expected process instance '{process_instance_key}' to complete, but it was "
                "terminated"
            )
        wanted = set(fetch_variables)
        variables = {k: v for k, v in outcome.variables.items() if not wanted or k in wanted}
        return ProcessInstanceResult(
            outcome.process_definition_key,
            outcome.bpmn_process_id,
            outcome.version,
            process_instance_key,
            variables,
            outcome.tenant_id,
        )

    async def cancel_process_instance(
        self, process_instance_key: int, record: JsonObject | None = None
    ) -> None:
        """`record`: variables (the reason, who cancelled) set on the instance in the same command
        as the cancellation, so the case's history keeps why it ended, or neither happens."""

        await self._submit(
            lambda c: c.cancel_process_instance(process_instance_key, record),
            _Command(
                ValueType.PROCESS_INSTANCE, "CANCEL", {"processInstanceKey": process_instance_key}
            ),
        )

    async def activate_jobs(self, request: ActivateJobsRequest) -> list[ActivatedJob]:
        if not request.type:
            raise InvalidArgument("Expected a job type to activate, but it was empty")
        if request.max_jobs_to_activate < 1:
            raise InvalidArgument(
                f"Expected maxJobsToActivate to be greater than zero, but it was "
                f"{request.max_jobs_to_activate}"
            )
        if request.timeout_ms < 1:
            raise InvalidArgument(
                f"Expected timeout to be greater than zero, but it was {request.timeout_ms}"
            )

        def activate(c: Commands) -> list[ActivatedJob]:
            return c.activate_jobs(
                request.type,
                request.worker,
                request.timeout_ms,
                request.max_jobs_to_activate,
                request.fetch_variables,
                request.tenant_ids,
            )

        def give_back(jobs: list[ActivatedJob]) -> None:
            # activated for a caller that is gone: yield them now instead of at their timeout
            if jobs:
                keys = [job.key for job in jobs]
                self._enqueue(lambda c: c.yield_jobs(keys))

        # Register before the first attempt so a job offered in between is not missed.
        waiter = _JobWaiter(request.type)
        waiters = self._job_waiters.setdefault(request.type, deque())
        waiters.append(waiter)
        try:
            jobs = await self._submit(activate, orphaned=give_back)
            if jobs or request.request_timeout_ms < 0:
                return jobs
            hold_ms = request.request_timeout_ms or DEFAULT_LONG_POLL_MS
            deadline = time.monotonic() + hold_ms / 1000
            # Refused here, before holding and with nothing activated: nothing to give back.
            with self.held_job_calls.hold():
                # call_later instead of wait_for: wait_for can swallow a cancellation on 3.11.
                handle = asyncio.get_running_loop().call_later(hold_ms / 1000, waiter.wake.set)
                try:
                    while not self._closed:
                        await waiter.wake.wait()
                        waiter.wake.clear()
                        if self._closed or time.monotonic() >= deadline:
                            return []
                        jobs = await self._submit(activate, orphaned=give_back)
                        if jobs:
                            return jobs
                    return []
                finally:
                    handle.cancel()
        finally:
            waiters.remove(waiter)
            if not waiters:
                self._job_waiters.pop(request.type, None)

    async def yield_jobs(self, job_keys: Sequence[int]) -> None:
        keys = list(job_keys)
        if keys:
            await self._submit(lambda c: c.yield_jobs(keys))

    async def activate_job(self, job_key: int, worker: str, timeout_ms: int) -> ActivatedJob:
        """Activates one particular activatable job (test harness, task-list style clients)."""
        job = self.state.jobs.get(job_key)
        if job is None or job.state != "ACTIVATABLE":
            raise NotFound(
                f"Expected to activate job with key '{job_key}', but it is not activatable"
            )
        job_type, tenant = job.type, job.tenant_id
        jobs = await self._submit(
            lambda c: c.activate_jobs(job_type, worker, timeout_ms, 1, (), (tenant,), job_key)
        )
        if not jobs:
            raise NotFound(
                f"Expected to activate job with key '{job_key}', but it is not activatable"
            )
        return jobs[0]

    async def complete_job(self, job_key: int, variables: JsonObject | None = None) -> None:
        await self._submit(
            lambda c: c.complete_job(job_key, variables),
            _Command(ValueType.JOB, "COMPLETE", {"jobKey": job_key}),
        )

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        error_message: str = "",
        retry_backoff_ms: int = 0,
        variables: JsonObject | None = None,
    ) -> None:
        await self._submit(
            lambda c: c.fail_job(job_key, retries, error_message, retry_backoff_ms, variables),
            _Command(ValueType.JOB, "FAIL", {"jobKey": job_key, "retries": retries}),
        )

    async def throw_error(
        self,
        job_key: int,
        error_code: str,
        error_message: str = "",
        variables: JsonObject | None = None,
    ) -> None:
        await self._submit(
            lambda c: c.throw_error(job_key, error_code, error_message, variables),
            _Command(ValueType.JOB, "THROW_ERROR", {"jobKey": job_key, "errorCode": error_code}),
        )

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        await self._submit(
            lambda c: c.update_job_retries(job_key, retries),
            _Command(ValueType.JOB, "UPDATE_RETRIES", {"jobKey": job_key, "retries": retries}),
        )

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        await self._submit(
            lambda c: c.update_job_timeout(job_key, timeout_ms),
            _Command(ValueType.JOB, "UPDATE_TIMEOUT", {"jobKey": job_key}),
        )

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        time_to_live_ms: int = 0,
        message_id: str = "",
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> MessagePublished:
        check_message_names(name, correlation_key, message_id)
        return await self._submit(
            lambda c: c.publish_message(
                name, correlation_key, time_to_live_ms, message_id, variables, tenant_id
            ),
            _Command(
                ValueType.MESSAGE,
                "PUBLISH",
                {"name": name, "correlationKey": correlation_key, "messageId": message_id},
            ),
        )

    async def correlate_message(
        self,
        name: str,
        correlation_key: str,
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> tuple[MessagePublished, int]:
        """8.8's message correlation, one command: delivered now or rejected (NotFound); answers
        the message and the first process instance it reached."""
        check_message_names(name, correlation_key, "")
        return await self._submit(
            lambda c: c.correlate_message(name, correlation_key, variables, tenant_id),
            _Command(
                ValueType.MESSAGE,
                "CORRELATE",
                {"name": name, "correlationKey": correlation_key},
            ),
        )

    async def broadcast_signal(
        self, signal_name: str, variables: JsonObject | None = None, tenant_id: str = DEFAULT_TENANT
    ) -> SignalBroadcast:
        return await self._submit(
            lambda c: c.broadcast_signal(signal_name, variables, tenant_id),
            _Command(ValueType.SIGNAL, "BROADCAST", {"signalName": signal_name}),
        )

    async def evaluate_decision(
        self,
        *,
        decision_id: str | None = None,
        decision_key: int | None = None,
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> DecisionEvaluation:
        return await self._submit(
            lambda c: c.evaluate_decision(decision_id, decision_key, variables, tenant_id),
            _Command(
                ValueType.DECISION_EVALUATION,
                "EVALUATE",
                {"decisionId": decision_id or "", "decisionKey": decision_key or -1},
            ),
        )

    async def set_variables(
        self, element_instance_key: int, variables: JsonObject, local: bool = False
    ) -> int:
        return await self._submit(
            lambda c: c.set_variables(element_instance_key, variables, local),
            _Command(ValueType.VARIABLE_DOCUMENT, "UPDATE", {"scopeKey": element_instance_key}),
        )

    async def resolve_incident(self, incident_key: int) -> None:
        await self._submit(
            lambda c: c.resolve_incident(incident_key),
            _Command(ValueType.INCIDENT, "RESOLVE", {"incidentKey": incident_key}),
        )

    # -- repair tools (Operate's modification and migration) ------------------------------------
    async def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Sequence[ActivateInstruction] = (),
        terminate: Sequence[int] = (),
    ) -> None:
        activations, terminations = tuple(activate), tuple(terminate)
        await self._submit(
            lambda c: c.modify_process_instance(process_instance_key, activations, terminations),
            _Command(
                ValueType.PROCESS_INSTANCE_MODIFICATION,
                "MODIFY",
                {"processInstanceKey": process_instance_key},
            ),
        )

    async def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mappings: Sequence[MappingInstruction],
    ) -> None:
        plan = tuple(mappings)
        await self._submit(
            lambda c: c.migrate_process_instance(
                process_instance_key, target_process_definition_key, plan
            ),
            _Command(
                ValueType.PROCESS_INSTANCE_MIGRATION,
                "MIGRATE",
                {
                    "processInstanceKey": process_instance_key,
                    "targetProcessDefinitionKey": target_process_definition_key,
                },
            ),
        )

    async def pin_clock(self, epoch_ms: int) -> None:
        def pin(c: Commands) -> None:
            c.pin_clock(epoch_ms)
            self.clock.pin(epoch_ms)
            c.w.now = epoch_ms
            c.fire_due()

        await self._submit(pin)

    async def reset_clock(self) -> None:
        def reset(c: Commands) -> None:
            c.reset_clock()
            self.clock.reset()
            c.w.now = self.clock.now_ms()
            c.fire_due()

        await self._submit(reset)

    async def barrier(self) -> None:
        """Returns once every command queued before it has been processed and made durable."""
        await self._submit(lambda c: None)

    # -- user tasks (exposed by the REST adapter) ------------------------------------------------
    async def complete_user_task(
        self,
        key: int,
        variables: JsonObject | None = None,
        action: str = "complete",
    ) -> None:
        await self._submit(
            lambda c: c.complete_user_task(key, variables, action),
            _Command(ValueType.USER_TASK, "COMPLETE", {"userTaskKey": key}),
        )

    async def assign_user_task(
        self,
        key: int,
        assignee: str,
        allow_override: bool = True,
    ) -> None:
        await self._submit(
            lambda c: c.assign_user_task(key, assignee, allow_override),
            _Command(ValueType.USER_TASK, "ASSIGN", {"userTaskKey": key, "assignee": assignee}),
        )

    async def unassign_user_task(self, key: int) -> None:
        await self._submit(lambda c: c.assign_user_task(key, "", True))

    async def update_user_task(self, key: int, changes: Mapping[str, Any]) -> None:
        if not isinstance(changes, Mapping):
            raise InvalidArgument("Expected the user task changes to be a JSON object")
        await self._submit(
            lambda c: c.update_user_task(key, dict(changes)),
            _Command(ValueType.USER_TASK, "UPDATE", {"userTaskKey": key}),
        )
