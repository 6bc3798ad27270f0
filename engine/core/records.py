"""Records of the append-only stream, shaped like Zeebe's exported records.

Each record has a position (its place in the log), the key of the entity it is about, a record
type, a value type, an intent and a value dict with Zeebe's camelCase field names, so later
queries (REST search, dashboards, audit) can read them like Zeebe's exporter JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class RecordType(StrEnum):
    COMMAND = "COMMAND"
    EVENT = "EVENT"
    COMMAND_REJECTION = "COMMAND_REJECTION"


class ValueType(StrEnum):
    DEPLOYMENT = "DEPLOYMENT"
    PROCESS = "PROCESS"
    DECISION = "DECISION"
    DECISION_REQUIREMENTS = "DECISION_REQUIREMENTS"
    FORM = "FORM"
    PROCESS_INSTANCE = "PROCESS_INSTANCE"
    PROCESS_INSTANCE_CREATION = "PROCESS_INSTANCE_CREATION"
    PROCESS_INSTANCE_RESULT = "PROCESS_INSTANCE_RESULT"
    JOB = "JOB"
    JOB_BATCH = "JOB_BATCH"
    VARIABLE = "VARIABLE"
    VARIABLE_DOCUMENT = "VARIABLE_DOCUMENT"
    INCIDENT = "INCIDENT"
    MESSAGE = "MESSAGE"
    MESSAGE_SUBSCRIPTION = "MESSAGE_SUBSCRIPTION"
    PROCESS_MESSAGE_SUBSCRIPTION = "PROCESS_MESSAGE_SUBSCRIPTION"
    TIMER = "TIMER"
    USER_TASK = "USER_TASK"
    DECISION_EVALUATION = "DECISION_EVALUATION"
    SIGNAL = "SIGNAL"
    SIGNAL_SUBSCRIPTION = "SIGNAL_SUBSCRIPTION"
    MESSAGE_START_EVENT_SUBSCRIPTION = "MESSAGE_START_EVENT_SUBSCRIPTION"
    ERROR = "ERROR"
    CLOCK = "CLOCK"
    PROCESS_INSTANCE_MODIFICATION = "PROCESS_INSTANCE_MODIFICATION"
    PROCESS_INSTANCE_MIGRATION = "PROCESS_INSTANCE_MIGRATION"


class Intent:
    """Intent names as Zeebe spells them (grouped by value type for reading, all plain strings)."""

    CREATED = "CREATED"
    # process instance lifecycle
    ELEMENT_ACTIVATING = "ELEMENT_ACTIVATING"
    ELEMENT_ACTIVATED = "ELEMENT_ACTIVATED"
    ELEMENT_COMPLETING = "ELEMENT_COMPLETING"
    ELEMENT_COMPLETED = "ELEMENT_COMPLETED"
    ELEMENT_TERMINATING = "ELEMENT_TERMINATING"
    ELEMENT_TERMINATED = "ELEMENT_TERMINATED"
    SEQUENCE_FLOW_TAKEN = "SEQUENCE_FLOW_TAKEN"
    # jobs
    ACTIVATED = "ACTIVATED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    RETRIES_UPDATED = "RETRIES_UPDATED"
    TIMEOUT_UPDATED = "TIMEOUT_UPDATED"
    ERROR_THROWN = "ERROR_THROWN"
    CANCELED = "CANCELED"
    RECURRED_AFTER_BACKOFF = "RECURRED_AFTER_BACKOFF"
    # given back unsent by a job stream or a cancelled long poll (Zeebe 8.x JobIntent.YIELDED)
    YIELDED = "YIELDED"
    # variables, incidents, messages, timers, user tasks, clock
    UPDATED = "UPDATED"
    RESOLVED = "RESOLVED"
    PUBLISHED = "PUBLISHED"
    CREATING = "CREATING"
    EXPIRED = "EXPIRED"
    CORRELATED = "CORRELATED"
    DELETED = "DELETED"
    TRIGGERED = "TRIGGERED"
    ASSIGNED = "ASSIGNED"
    EVALUATED = "EVALUATED"
    BROADCASTED = "BROADCASTED"
    PINNED = "PINNED"
    RESETTED = "RESETTED"
    # repair tools: process instance modification and migration
    MODIFIED = "MODIFIED"
    MIGRATED = "MIGRATED"
    ELEMENT_MIGRATED = "ELEMENT_MIGRATED"


@dataclass(frozen=True, slots=True)
class Record:
    position: int
    key: int
    record_type: RecordType
    value_type: ValueType
    intent: str
    timestamp: int
    value: dict[str, Any]
    rejection_type: str = ""
    rejection_reason: str = ""

    @property
    def process_instance_key(self) -> int | None:
        key = self.value.get("processInstanceKey")
        return key if isinstance(key, int) and key > 0 else None

    def to_json(self) -> dict[str, Any]:
        """The record as Zeebe's JSON exporter would write it."""
        return {
            "position": self.position,
            "key": self.key,
            "recordType": str(self.record_type),
            "valueType": str(self.value_type),
            "intent": self.intent,
            "timestamp": self.timestamp,
            "partitionId": 1,
            "rejectionType": self.rejection_type or "NULL_VAL",
            "rejectionReason": self.rejection_reason,
            "value": self.value,
        }

    def value_json(self) -> str:
        return json.dumps(self.value, ensure_ascii=False, separators=(",", ":"))
