"""Entity keys shaped like those of Zeebe's partition 1, so clients see familiar int64 keys."""

from __future__ import annotations

PARTITION_ID = 1
_KEY_BITS = 51
FIRST_KEY = (PARTITION_ID << _KEY_BITS) + 1


class KeyGenerator:
    """Hands out increasing keys. Keys live inside the records, so replay restores the counter by
    `observe`-ing every key it sees instead of persisting the counter separately."""

    def __init__(self) -> None:
        self._next = FIRST_KEY

    def next_key(self) -> int:
        key = self._next
        self._next += 1
        return key

    def observe(self, key: int) -> None:
        if key >= self._next:
            self._next = key + 1

    def peek(self) -> int:
        return self._next
