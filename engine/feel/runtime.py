"""The process's one V8 isolate running the feelin bundle, owned by one dedicated thread.

Why one isolate, on one thread of its own, never closed:

- On processors with memory protection keys (Intel `pku`/`ospke`), V8 write-protects its code
  space with a protection key that it allocates while it initialises. Only the thread that
  initialised V8, and threads it starts afterwards, hold the rights to that key; a thread that
  already existed (the interpreter's main thread, an executor thread, the event loop) gets a
  segmentation fault as soon as it makes V8 touch that memory. The engine used to initialise V8
  on an executor thread (`asyncio.to_thread`), then created further isolates and closed them on
  the main thread (from `atexit`): every `engine serve` stop and the whole test run died in
  `mr_free_context`/`mr_init_context` on such machines, never on machines without the flag.
  Here V8 is initialised, the isolate created and every call made on the `feel-v8` thread, so
  every thread that touches V8 is one V8 itself gave the rights. On top of that V8 runs with
  `--no-memory-protection-keys`: the code space is then protected the way it is on processors
  without the feature, which is how this runtime is tested on every machine.
- One isolate per process, whatever the number of `Feel` front-ends: an isolate costs ~40 ms and
  tens of MB, and creating and dropping them was part of what made the crash depend on what the
  process had done before.
- It is never closed. Tearing V8 down while the interpreter finalises races the interpreter's own
  teardown of threads and modules; the operating system reclaims the isolate at exit. The owning
  thread is a daemon that keeps the isolate in its frame, and daemon threads are never unwound
  at exit, so no destructor of V8 runs then.
- A separate evaluation process was weighed: it would bound a V8 fault to one evaluation, at the
  price of a pipe round trip and serialisation on every uncached evaluation of the single writer,
  and of a second process to supervise. The faults seen were not V8 failing on an expression but
  V8 being driven from the wrong threads, which this design removes; a runaway expression is
  stopped by V8 itself (time and heap limits below), leaving the isolate usable.

Limits: each call is stopped after `time_limit_s` (V8 terminates the script) or when the heap
grows past `memory_limit_bytes` (mini-racer's hard limit, checked by V8 at garbage collection).
The isolate stays usable after either.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

from py_mini_racer import (
    JSEvalException,
    JSOOMException,
    JSTimeoutException,
    MiniRacer,
    init_mini_racer,
)
from py_mini_racer._exc import JSTerminatedException  # raised, but not exported by name

from engine.feel.bundle import read_bundle

# --single-threaded is mini-racer's default: V8 runs no background compiler or GC threads.
# --max-semi-space-size=1 (MB) keeps the young generation small: every evaluation leaves a little
# garbage, and with V8's default sizing the heap grew to 63 MB (RSS +70 MB) over the first 8,000
# evaluations before levelling off; with it the heap stays near 12 MB, at the same speed.
V8_FLAGS = ("--single-threaded", "--no-memory-protection-keys", "--max-semi-space-size=1")


class RuntimeLimitExceeded(Exception):
    """An evaluation hit the time or memory limit; the message names the limit."""


class RuntimeFailure(Exception):
    """The script failed in V8 for another reason (a bug in the bundle, not the expression)."""


@dataclass
class _Call:
    function: str
    payload: str
    time_limit_s: float
    memory_limit_bytes: int
    done: threading.Event = field(default_factory=threading.Event)
    reply: str | None = None
    error: Exception | None = None


class FeelRuntime:
    """Runs `FeelinBundle.<function>(payload)` calls one at a time on the `feel-v8` thread."""

    def __init__(self, bundle: str) -> None:
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._own, args=(bundle,), name="feel-v8", daemon=True
        )
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise RuntimeFailure(
                f"the FEEL runtime could not start: {self._startup_error!r}"
            ) from self._startup_error

    def call(
        self, function: str, payload: str, *, time_limit_s: float, memory_limit_bytes: int
    ) -> str:
        """The bundle's JSON reply; RuntimeLimitExceeded or RuntimeFailure otherwise."""
        pending = _Call(function, payload, time_limit_s, memory_limit_bytes)
        self._calls.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        assert pending.reply is not None
        return pending.reply

    def _own(self, bundle: str) -> None:
        try:
            init_mini_racer(flags=V8_FLAGS, ignore_duplicate_init=True)
            racer = MiniRacer()
            racer.eval(bundle)
        except BaseException as error:  # reported to the creating thread, which raises it
            self._startup_error = error
            self._ready.set()
            return
        self._ready.set()
        while True:
            pending = self._calls.get()
            try:
                pending.reply = self._run(racer, pending)
            except (RuntimeLimitExceeded, RuntimeFailure) as error:
                pending.error = error
            except BaseException as error:  # never let the owning thread die
                pending.error = RuntimeFailure(f"{type(error).__name__}: {error}")
            pending.done.set()

    @staticmethod
    def _run(racer: MiniRacer, pending: _Call) -> str:
        # The bundle catches every JavaScript exception and answers {"ok": false, ...}, so an
        # exception here is V8 stopping the script: the time limit, or the heap limit.
        for attempt in (1, 2):
            try:
                return str(
                    racer.call(
                        f"FeelinBundle.{pending.function}",
                        pending.payload,
                        timeout_sec=pending.time_limit_s,
                        max_memory=pending.memory_limit_bytes,
                    )
                )
            except JSTimeoutException:
                raise RuntimeLimitExceeded(
                    f"evaluation stopped at the time limit of {pending.time_limit_s:g} s"
                ) from None
            except JSEvalException as error:
                # Garbage of an earlier large evaluation can still fill the heap, so that V8
                # stops the next script at once: collect it, then try once more. FEEL is pure,
                # so running the expression again changes nothing but the outcome's chance.
                racer.low_memory_notification()
                if attempt == 2 or not _is_stop(error):
                    if _is_stop(error):
                        raise RuntimeLimitExceeded(
                            "evaluation stopped at the memory limit of "
                            f"{pending.memory_limit_bytes // (1024 * 1024)} MB"
                        ) from None
                    raise RuntimeFailure(f"{type(error).__name__}: {error}") from None
        raise AssertionError("unreachable")


def _is_stop(error: JSEvalException) -> bool:
    """V8 terminated the script (heap limit) rather than failing to run it."""
    return isinstance(error, JSOOMException | JSTerminatedException)


_shared: FeelRuntime | None = None
_shared_lock = threading.Lock()


def shared_runtime() -> FeelRuntime:
    """The process's runtime, started on first use (loading V8 and the bundle takes ~40 ms)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FeelRuntime(read_bundle())
        return _shared
