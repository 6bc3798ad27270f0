"""One audit entry and its hash: what was done, by whom, when, to what, chained to the entry before.

The hash is sha256 over a canonical JSON of every field but the hash itself (keys sorted, no
whitespace, UTF-8), including the previous entry's hash; changing, removing or reordering any
entry breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

GENESIS_HASH = "0" * 64
KEY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class AuditAction(StrEnum):
    USER_TASK_ASSIGNED = "USER_TASK_ASSIGNED"
    USER_TASK_UNASSIGNED = "USER_TASK_UNASSIGNED"
    USER_TASK_UPDATED = "USER_TASK_UPDATED"
    USER_TASK_COMPLETED = "USER_TASK_COMPLETED"
    PROCESS_INSTANCE_CREATED = "PROCESS_INSTANCE_CREATED"
    PROCESS_INSTANCE_CANCELED = "PROCESS_INSTANCE_CANCELED"
    PROCESS_INSTANCE_MODIFIED = "PROCESS_INSTANCE_MODIFIED"
    PROCESS_INSTANCE_MIGRATED = "PROCESS_INSTANCE_MIGRATED"
    INCIDENT_RESOLVED = "INCIDENT_RESOLVED"
    DEPLOYMENT_CREATED = "DEPLOYMENT_CREATED"
    JOB_RETRIES_UPDATED = "JOB_RETRIES_UPDATED"
    MESSAGE_PUBLISHED = "MESSAGE_PUBLISHED"
    MESSAGE_CORRELATED = "MESSAGE_CORRELATED"
    CLOCK_PINNED = "CLOCK_PINNED"
    CLOCK_RESET = "CLOCK_RESET"
    SIGN_IN_LOCKED = "SIGN_IN_LOCKED"


@dataclass(frozen=True)
class AuditEntry:
    sequence: int
    timestamp: int  # epoch ms, engine clock
    actor: str
    action: str
    subject_keys: Mapping[str, str]  # e.g. {"userTaskKey": "2251799813685260"}
    details: Mapping[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        """The entry as `GET /v2/audit` (our extension) returns it: camelCase, keys as strings
        like Camunda 8.8's REST API."""
        return {
            "sequence": self.sequence,
            "timestamp": self.timestamp,
            "actor": self.actor,
            "action": self.action,
            "subjectKeys": dict(self.subject_keys),
            "details": dict(self.details),
            "prevHash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class AuditDraft:
    """An entry before it has a place in the chain: checked when made, so that writing it (inside
    the engine's commit) cannot fail on the data itself."""

    actor: str
    action: str
    subject_keys: Mapping[str, str]
    details: Mapping[str, Any]

    @classmethod
    def of(
        cls,
        actor: str,
        action: str,
        subject_keys: Mapping[str, int | str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditDraft:
        """Raises ValueError for data that cannot be stored faithfully (non-JSON details, bad key
        names, no actor or action)."""
        if not actor:
            raise ValueError("an audit entry needs an actor")
        if not action:
            raise ValueError("an audit entry needs an action")
        keys = {str(name): str(value) for name, value in (subject_keys or {}).items()}
        for name in keys:
            if not KEY_NAME.match(name):
                raise ValueError(f"subject key name {name!r} must be an identifier")
        # A round trip turns tuples into lists etc., so the stored text and the hashed value agree.
        try:
            body = json.loads(canonical_json(dict(details or {})))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"audit details must be plain JSON: {exc}") from None
        return cls(actor, str(action), keys, body)


def canonical_bytes(
    *,
    sequence: int,
    timestamp: int,
    actor: str,
    action: str,
    subject_keys: Mapping[str, str],
    details: Mapping[str, Any],
    prev_hash: str,
) -> bytes:
    document = {
        "sequence": sequence,
        "timestamp": timestamp,
        "actor": actor,
        "action": action,
        "subjectKeys": subject_keys,
        "details": details,
        "prevHash": prev_hash,
    }
    return canonical_json(document).encode("utf-8")


def canonical_json(value: Any) -> str:
    # allow_nan=False: NaN/Infinity are not JSON and would not survive a round trip.
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(
    *,
    sequence: int,
    timestamp: int,
    actor: str,
    action: str,
    subject_keys: Mapping[str, str],
    details: Mapping[str, Any],
    prev_hash: str,
) -> str:
    return hashlib.sha256(
        canonical_bytes(
            sequence=sequence,
            timestamp=timestamp,
            actor=actor,
            action=action,
            subject_keys=subject_keys,
            details=details,
            prev_hash=prev_hash,
        )
    ).hexdigest()
