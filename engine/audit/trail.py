"""The audit trail: an append-only, hash-chained table in SQLite.

The API has no way to change or remove an entry, and triggers make SQLite itself refuse UPDATE and
DELETE on the table, so an accident or a careless script cannot rewrite history. Someone with
the file could still drop the triggers and edit rows: `verify()` then names the first entry whose
chain no longer holds. (Cutting entries off the end is not visible in the chain alone; compare
the count or head hash with a copy kept elsewhere when that matters.)

The trail lives in the engine's own database (`engine.sqlite3`): the engine writes each entry in
the same transaction as the records of the command it describes (engine.audit.pending), so a
command is stored and audited, or neither. A trail kept in a file of its own by earlier versions
(`audit.sqlite3`) is taken over once (`adopt_separate_trail`). `attach()` accepts any connection.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.audit.entry import (
    GENESIS_HASH,
    KEY_NAME,
    AuditDraft,
    AuditEntry,
    canonical_json,
    entry_hash,
)

AUDIT_DB_FILE = "engine.sqlite3"
SEPARATE_AUDIT_DB_FILE = "audit.sqlite3"  # where earlier versions kept it
TABLE = "audit_trail"
MAX_PAGE = 1000

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    sequence INTEGER PRIMARY KEY,
    timestamp INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_keys TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {TABLE}_action ON {TABLE} (action);
CREATE INDEX IF NOT EXISTS {TABLE}_actor ON {TABLE} (actor);
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE refused'); END;
"""

_COLUMNS = "sequence, timestamp, actor, action, subject_keys, details, prev_hash, hash"


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to read: all filters are optional and combined with AND; paging is by
    sequence (`after_sequence`), which stays stable while entries are appended."""

    actor: str | None = None
    action: str | None = None
    subject_key: tuple[str, str] | None = None  # e.g. ("processInstanceKey", "2251799813685249")
    from_timestamp: int | None = None  # inclusive, epoch ms
    to_timestamp: int | None = None  # exclusive, epoch ms
    after_sequence: int = 0
    limit: int = 100


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_sequence: int | None = None
    reason: str = ""
    head_hash: str = GENESIS_HASH


class AuditTrail:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._owned = False  # a connection from attach() stays its owner's to close
        # One connection shared by the event loop and worker threads: one statement at a time.
        self._lock = threading.Lock()
        self._db.executescript(_SCHEMA)

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True) -> AuditTrail:
        target = Path(path)
        if not create and not target.exists():
            raise FileNotFoundError(f"no audit trail at {target}")
        target.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(target), isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        trail = cls(connection)
        trail._owned = True
        return trail

    @classmethod
    def open_in(cls, data_dir: Path | str, *, create: bool = True) -> AuditTrail:
        return cls.open(Path(data_dir) / AUDIT_DB_FILE, create=create)

    @classmethod
    def attach(cls, connection: sqlite3.Connection) -> AuditTrail:
        """Uses a connection the caller owns (e.g. an in-memory one in tests)."""
        return cls(connection)

    def close(self) -> None:
        if self._owned:
            self._db.close()

    def append(
        self,
        *,
        timestamp: int,
        actor: str,
        action: str,
        subject_keys: Mapping[str, int | str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Records one action in a transaction of its own. `timestamp` is the engine clock's epoch
        ms, so entries agree with the records' timestamps even when the clock is pinned. Raises
        ValueError for data that cannot be stored faithfully (non-JSON details, bad key names).
        The engine writes its entries with `write_entry` instead, inside the transaction of the
        records they describe."""
        draft = AuditDraft.of(actor, action, subject_keys, details)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                entry = write_entry(self._db, timestamp, draft)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return entry

    def entries(self, query: AuditQuery | None = None) -> list[AuditEntry]:
        q = query or AuditQuery()
        if not 1 <= q.limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        where, params = _where(q)
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE {where} ORDER BY sequence LIMIT ?",
                [*params, q.limit],
            ).fetchall()
        return [_entry(row) for row in rows]

    def count(self, query: AuditQuery | None = None) -> int:
        where, params = _where(query or AuditQuery(), paging=False)
        with self._lock:
            row = self._db.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE {where}", params).fetchone()
        return int(row[0])

    def verify(self) -> VerifyResult:
        expected_sequence = 1
        prev_hash = GENESIS_HASH
        checked = 0
        for row in self._all_rows():
            sequence = row[0]
            if sequence != expected_sequence:
                return VerifyResult(
                    False,
                    checked,
                    expected_sequence,
                    f"entry {expected_sequence} is missing (next is {sequence})",
                    prev_hash,
                )
            try:
                entry = _entry(row)
            except (ValueError, TypeError) as exc:
                return VerifyResult(
                    False, checked, sequence, f"entry is unreadable: {exc}", prev_hash
                )
            if entry.prev_hash != prev_hash:
                return VerifyResult(
                    False,
                    checked,
                    sequence,
                    "prev_hash does not match the hash of the entry before",
                    prev_hash,
                )
            recomputed = entry_hash(
                sequence=entry.sequence,
                timestamp=entry.timestamp,
                actor=entry.actor,
                action=entry.action,
                subject_keys=entry.subject_keys,
                details=entry.details,
                prev_hash=entry.prev_hash,
            )
            if recomputed != entry.hash:
                return VerifyResult(
                    False, checked, sequence, "content does not match its hash", prev_hash
                )
            prev_hash = entry.hash
            expected_sequence += 1
            checked += 1
        return VerifyResult(True, checked, None, "", prev_hash)

    def _all_rows(self) -> Iterator[tuple[Any, ...]]:
        after = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT {_COLUMNS} FROM {TABLE} WHERE sequence > ? "
                    "ORDER BY sequence LIMIT 500",
                    (after,),
                ).fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1][0]


def create_schema(connection: sqlite3.Connection) -> None:
    connection.executescript(_SCHEMA)


def write_entry(connection: sqlite3.Connection, timestamp: int, draft: AuditDraft) -> AuditEntry:
    """Appends one entry through `connection`, which must be inside a write transaction: the
    entry then commits or rolls back together with whatever else that transaction holds."""
    row = connection.execute(
        f"SELECT sequence, hash FROM {TABLE} ORDER BY sequence DESC LIMIT 1"
    ).fetchone()
    sequence = (row[0] if row else 0) + 1
    prev_hash = row[1] if row else GENESIS_HASH
    digest = entry_hash(
        sequence=sequence,
        timestamp=int(timestamp),
        actor=draft.actor,
        action=draft.action,
        subject_keys=draft.subject_keys,
        details=draft.details,
        prev_hash=prev_hash,
    )
    connection.execute(
        f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sequence,
            int(timestamp),
            draft.actor,
            draft.action,
            canonical_json(dict(draft.subject_keys)),
            canonical_json(dict(draft.details)),
            prev_hash,
            digest,
        ),
    )
    return AuditEntry(
        sequence,
        int(timestamp),
        draft.actor,
        draft.action,
        dict(draft.subject_keys),
        dict(draft.details),
        prev_hash,
        digest,
    )


def adopt_separate_trail(connection: sqlite3.Connection, data_dir: Path) -> None:
    """Copies the trail an earlier version kept in its own file into `connection`'s database, once
    (while that one is still empty), and renames the old file so it is not read again."""
    old = data_dir / SEPARATE_AUDIT_DB_FILE
    if not old.exists():
        return
    if connection.execute(f"SELECT 1 FROM {TABLE} LIMIT 1").fetchone() is None:
        connection.execute("ATTACH DATABASE ? AS separate_trail", (str(old),))
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                f"INSERT INTO main.{TABLE} ({_COLUMNS}) SELECT {_COLUMNS} "
                f"FROM separate_trail.{TABLE} ORDER BY sequence"
            )
            connection.execute("COMMIT")
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            connection.execute("DETACH DATABASE separate_trail")
    old.rename(old.with_name(SEPARATE_AUDIT_DB_FILE + ".adopted"))


def _where(q: AuditQuery, paging: bool = True) -> tuple[str, list[Any]]:
    clauses = ["1 = 1"]
    params: list[Any] = []
    if paging and q.after_sequence:
        clauses.append("sequence > ?")
        params.append(q.after_sequence)
    if q.actor is not None:
        clauses.append("actor = ?")
        params.append(q.actor)
    if q.action is not None:
        clauses.append("action = ?")
        params.append(str(q.action))
    if q.subject_key is not None:
        name, value = q.subject_key
        if not KEY_NAME.match(name):
            raise ValueError(f"subject key name {name!r} must be an identifier")
        clauses.append("json_extract(subject_keys, ?) = ?")
        params.extend([f"$.{name}", str(value)])
    if q.from_timestamp is not None:
        clauses.append("timestamp >= ?")
        params.append(q.from_timestamp)
    if q.to_timestamp is not None:
        clauses.append("timestamp < ?")
        params.append(q.to_timestamp)
    return " AND ".join(clauses), params


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    sequence, timestamp, actor, action, subject_keys, details, prev_hash, digest = row
    keys = json.loads(subject_keys)
    body = json.loads(details)
    if not isinstance(keys, dict) or not isinstance(body, dict):
        raise ValueError("subject keys and details must be JSON objects")
    return AuditEntry(
        int(sequence), int(timestamp), str(actor), str(action), keys, body, prev_hash, digest
    )
