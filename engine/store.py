"""SQLite storage of the record stream: the engine's only durable state.

A batch of records is appended in one transaction (WAL, synchronous=FULL), so a command's events are
either all durable or not there at all. Deployed resources are part of the records (PROCESS, FORM,
DECISION_REQUIREMENTS carry their source), so replay can re-parse definitions.

On disk, appends go through a connection of their own, so the engine can commit (and wait for the
disk) on a storage thread while its event loop goes on serving; reads use the other connection
and, WAL being snapshot-isolated, only ever see committed records.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from engine.core.records import Record, RecordType, ValueType

# One encoder for every record: json.dumps with options builds a new encoder per call.
_encode_with_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _encode_value(value: dict[str, Any]) -> str:
    """The record value as compact UTF-8 JSON text that reads back to an equal value. orjson does
    the common case several times faster: the encoding runs on the storage thread but holds the
    GIL, so under load it takes the event loop's time. What orjson refuses (integers beyond 64
    bits, say) falls back to json, which writes it as before. Two spellings differ from json's:
    1e-07 is written 1e-7, and a NaN float (json's non-standard `NaN`) becomes null; record values
    carry variables as JSON text of their own, so such floats do not reach them in practice."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _encode_with_json(value)


DB_FILE = "engine.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    position INTEGER PRIMARY KEY,
    key INTEGER NOT NULL,
    record_type TEXT NOT NULL,
    value_type TEXT NOT NULL,
    intent TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    process_instance_key INTEGER,
    rejection_type TEXT NOT NULL DEFAULT '',
    rejection_reason TEXT NOT NULL DEFAULT '',
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_value_type ON records (value_type, intent);
CREATE INDEX IF NOT EXISTS records_process_instance ON records (process_instance_key);
CREATE INDEX IF NOT EXISTS records_key ON records (key);
"""


class RecordStore:
    def __init__(self, data_dir: Path | None) -> None:
        if data_dir is None:
            target = ":memory:"
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            target = str(data_dir / DB_FILE)
        self.path = target
        self.durable = data_dir is not None
        self._db = self._connect(target)
        self._db.executescript(_SCHEMA)
        # An in-memory database exists only on its one connection.
        self._writer = self._connect(target) if self.durable else self._db

    @staticmethod
    def _connect(target: str) -> sqlite3.Connection:
        db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def append(self, records: Sequence[Record]) -> None:
        """Commits `records` in one transaction; may run on a thread other than the readers'."""
        if not records:
            return
        rows = [
            (
                r.position,
                r.key,
                str(r.record_type),
                str(r.value_type),
                r.intent,
                r.timestamp,
                r.process_instance_key,
                r.rejection_type,
                r.rejection_reason,
                _encode_value(r.value),
            )
            for r in records
        ]
        db = self._writer
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def read_all(self) -> Iterator[Record]:
        cursor = self._db.execute(
            "SELECT position, key, record_type, value_type, intent, timestamp, rejection_type,"
            " rejection_reason, value FROM records ORDER BY position"
        )
        for row in cursor:
            yield Record(
                position=row[0],
                key=row[1],
                record_type=RecordType(row[2]),
                value_type=ValueType(row[3]),
                intent=row[4],
                timestamp=row[5],
                rejection_type=row[6],
                rejection_reason=row[7],
                value=json.loads(row[8]),
            )

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """Read-only access for search endpoints and dashboards (SELECT statements only)."""
        if not sql.lstrip().upper().startswith("SELECT"):
            raise ValueError("only SELECT statements may be run against the record store")
        return list(self._db.execute(sql, tuple(params)))

    def close(self) -> None:
        if self._writer is not self._db:
            self._writer.close()
        self._db.close()
