"""The record writer of one processing batch.

Every produced record is applied to the state at once (as Zeebe's processors do inside their
transaction), so follow-up steps of the same batch see the new state; the service appends the
batch to SQLite in one transaction before anyone outside the loop can observe or be answered.
Internal follow-ups (e.g. activating the next element) are queued and run until quiescent, which
keeps long chains from recursing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from engine.core.appliers import apply
from engine.core.records import Record, RecordType, ValueType
from engine.core.state import EngineState


class RecordWriter:
    def __init__(self, state: EngineState) -> None:
        self.state = state
        self.records: list[Record] = []
        self.now = 0
        self._follow_ups: deque[Callable[[], None]] = deque()

    def new_key(self) -> int:
        return self.state.keys.next_key()

    def peek_key(self) -> int:
        return self.state.keys.peek()

    def event(self, value_type: ValueType, intent: str, key: int, value: dict[str, Any]) -> Record:
        return self._append(RecordType.EVENT, value_type, intent, key, value)

    def rejection(
        self,
        value_type: ValueType,
        intent: str,
        key: int,
        value: dict[str, Any],
        rejection_type: str,
        reason: str,
    ) -> Record:
        return self._append(
            RecordType.COMMAND_REJECTION, value_type, intent, key, value, rejection_type, reason
        )

    def _append(
        self,
        record_type: RecordType,
        value_type: ValueType,
        intent: str,
        key: int,
        value: dict[str, Any],
        rejection_type: str = "",
        reason: str = "",
    ) -> Record:
        record = Record(
            position=self.state.position + 1,
            key=key,
            record_type=record_type,
            value_type=value_type,
            intent=intent,
            timestamp=self.now,
            value=value,
            rejection_type=rejection_type,
            rejection_reason=reason,
        )
        apply(self.state, record)
        self.records.append(record)
        return record

    def follow_up(self, step: Callable[[], None]) -> None:
        self._follow_ups.append(step)

    def run_follow_ups(self) -> None:
        while self._follow_ups:
            self._follow_ups.popleft()()

    def take(self) -> list[Record]:
        records, self.records = self.records, []
        return records
