"""The engine clock: the one source of time for timers, job deadlines, backoffs and message TTLs.

Like Camunda's clock endpoints, it is either following real time or pinned to an instant that only
moves when someone pins it again. Listeners hear about every change so the scheduler can fire
whatever became due.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def _wall_ms() -> int:
    return int(time.time() * 1000)


class Clock:
    def __init__(self, wall: Callable[[], int] = _wall_ms) -> None:
        self._wall = wall
        self._pinned: int | None = None
        self._listeners: list[Callable[[], None]] = []

    def now_ms(self) -> int:
        return self._pinned if self._pinned is not None else self._wall()

    @property
    def pinned_ms(self) -> int | None:
        return self._pinned

    def pin(self, epoch_ms: int) -> None:
        self._pinned = int(epoch_ms)
        self._notify()

    def reset(self) -> None:
        self._pinned = None
        self._notify()

    def add_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()
