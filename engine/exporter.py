"""The exporter: committed records flow from the engine's writer to the read model on a thread
of its own, off the command path (the writer only hands over the list it has just committed).

At start it first catches up from the log (history included, so compaction loses nothing) after
the read model's stored position; from then on it folds in what the writer offers, in batches of
whatever has queued meanwhile. Readers that must see their own writes wait, bounded, until the
read model has reached the position committed when they asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence

from engine.core.query import RecordLog
from engine.core.records import Record
from engine.read_store import ReadStore

log = logging.getLogger(__name__)

_CATCH_UP_BATCH = 10_000
_MAX_BATCH = 20_000
# How long the exporter lets committed groups gather when no reader waits for them.
_LINGER_S = 0.05
# A read waits at most this long for the read model before answering with what it has.
DEFAULT_SETTLE_TIMEOUT_S = 5.0


class Exporter:
    def __init__(self, store: ReadStore) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[Sequence[Record] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._hurry = threading.Event()
        self.committed_position = store.position

    # -- the event loop's side -------------------------------------------------------------------
    def start(self, log_: RecordLog, committed_position: int) -> None:
        """Starts the thread; it first folds in what the log (history included) holds after the
        stored position, up to `committed_position` and beyond. Reads settle to that position,
        so a first start over a long history serves at once and reads wait (bounded) for it."""
        self._loop = asyncio.get_running_loop()
        self.committed_position = max(self.committed_position, committed_position)
        self._thread = threading.Thread(
            target=self._run, args=(log_,), name="engine-exporter", daemon=True
        )
        self._thread.start()

    def offer(self, records: Sequence[Record]) -> None:
        """Hands over records the writer has just committed, in position order."""
        if records:
            self.committed_position = records[-1].position
            self._queue.put(records)

    async def settle(self, timeout_s: float = DEFAULT_SETTLE_TIMEOUT_S) -> bool:
        """Waits until the read model has folded in every record committed so far; False when
        it did not within `timeout_s` (the caller then reads a slightly older model)."""
        target = self.committed_position
        if self._store.position >= target or self._thread is None:
            return self._store.position >= target
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((target, future))
        self._hurry.set()
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout_s)
            return True
        except TimeoutError:
            log.warning(
                "read model at position %d, %.1f s after %d was committed",
                self._store.position,
                timeout_s,
                target,
            )
            return False
        finally:
            if not future.done():
                future.cancel()
            self._waiters = [(p, f) for p, f in self._waiters if not f.done()]

    def _release(self) -> None:
        position = self._store.position
        for target, future in self._waiters:
            if target <= position and not future.done():
                future.set_result(None)

    async def close(self) -> None:
        """Folds in what was offered, then stops the thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._hurry.set()
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    # -- the exporter thread ---------------------------------------------------------------------
    def _catch_up(self, log_: RecordLog) -> None:
        """Only records committed on disk are read (the writer appends on a connection of its
        own); an in-memory log starts empty, so there is nothing to read there."""
        while True:
            batch = log_.read_records(
                process_instance_key=None,
                value_type=None,
                after_position=self._store.position,
                limit=_CATCH_UP_BATCH,
            )
            if not batch:
                return
            self._fold(batch)

    def _run(self, log_: RecordLog) -> None:
        started = time.perf_counter()
        before = self._store.position
        self._catch_up(log_)
        if self._store.position > before:
            log.info(
                "read model caught up from position %d to %d in %.1f s",
                before,
                self._store.position,
                time.perf_counter() - started,
            )
        stopping = False
        while not stopping:
            batch: list[Record] = []
            item = self._queue.get()
            # Unless a reader waits, let a busy writer's groups gather: one transaction for
            # many groups costs the writer (whose thread shares the interpreter) far less.
            if item is not None and not self._hurry.is_set():
                self._hurry.wait(_LINGER_S)
            self._hurry.clear()
            while True:
                if item is None:
                    stopping = True
                    break
                batch.extend(item)
                if len(batch) >= _MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._fold(batch)

    def _fold(self, batch: Sequence[Record]) -> None:
        while True:
            try:
                self._store.apply(batch)
                break
            except Exception:
                # The batch stays: the read model only ever moves forward without gaps.
                log.exception("folding %d records into the read model failed", len(batch))
                time.sleep(1.0)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._release)
