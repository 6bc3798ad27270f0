"""SQLite storage of the record stream: the engine's only durable state.

A batch of records is appended in one transaction (WAL, synchronous=FULL), so a command's events are
either all durable or not there at all. Deployed resources are part of the records (PROCESS, FORM,
DECISION_REQUIREMENTS carry their source), so replay can re-parse definitions.

On disk, appends go through a connection of their own, so the engine can commit (and wait for the
disk) on a storage thread while its event loop goes on serving; reads use the other connection
and, WAL being snapshot-isolated, only ever see committed records. The audit entries of the
commands in a batch are written in the same transaction (engine.audit.pending).

Damage is detected, not silently survived (docs/storage-integrity.md): each record carries a
chained checksum (blake2b over the record and the checksum before it), and after each durable
commit the position and checksum of the last record are noted in a small file of their own
(ACK_FILE), fsynced before anyone is answered. Opening verifies the whole chain and that the note's
record is there with the noted checksum, and raises StoreDamaged naming the file and the position
otherwise: a lost or garbled WAL, a damaged main file or a value edited by hand refuses to start
instead of starting without acknowledged records.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import sqlite3
import struct
import zlib
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from engine.api import EngineError
from engine.audit.entry import AuditDraft
from engine.audit.trail import AuditTrail, adopt_separate_trail, create_schema, write_entry
from engine.core.records import Record, RecordType, ValueType
from engine.snapshot import pause_for_test

log = logging.getLogger("engine.store")

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


def _decode_value(text: str) -> Any:
    """Reads back what `_encode_value` wrote: with orjson (a restart replays thousands of records
    before it listens), and with json what orjson refuses (json's NaN, lone surrogates, integers
    beyond 64 bits), so that every stored text reads back as it always did."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


# Text to enum by a dict: a replay converts two per record.
_RECORD_TYPES = {str(t): t for t in RecordType}
_VALUE_TYPES = {str(t): t for t in ValueType}

# Exported records that one append removes from the log along with writing its own (compaction):
# more than a group of commands writes, so that the log shrinks while it grows.
DROP_SLICE = 4_000

_PAGE_SIZE = 16_384

DB_FILE = "engine.sqlite3"
# Records compacted out of the primary log behind a snapshot move here: the history the read side
# (REST searches, the desk) reads, kept apart so that the running state's files stay small.
HISTORY_FILE = "history.sqlite3"
# Not "engine.sqlite3-…": whoever removes SQLite's side files by pattern must not take it along.
ACK_FILE = "acknowledged-position"
RECOVERY_DOC = "docs/storage-integrity.md"

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
    value TEXT NOT NULL,
    checksum BLOB
);
-- No secondary indexes: every append would maintain them, and the log is read in position order
-- (replay, the read side's follow-up); searches by instance or type go to the history's indexes,
-- the log holding only the records since the last snapshot. (Stores of earlier versions had
-- three; they are dropped.)
DROP INDEX IF EXISTS records_value_type;
DROP INDEX IF EXISTS records_process_instance;
DROP INDEX IF EXISTS records_key;
-- The last record compacted out of this log (its position and checksum): the chain of the
-- records left here starts from it.
CREATE TABLE IF NOT EXISTS log_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL,
    checksum BLOB NOT NULL
);
"""

_HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS history.records (
    position INTEGER PRIMARY KEY,
    key INTEGER NOT NULL,
    record_type TEXT NOT NULL,
    value_type TEXT NOT NULL,
    intent TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    process_instance_key INTEGER,
    rejection_type TEXT NOT NULL DEFAULT '',
    rejection_reason TEXT NOT NULL DEFAULT '',
    value TEXT NOT NULL,
    checksum BLOB
);
-- Read in position order, as the log (the read side follows it); no secondary indexes, so that
-- moving records here costs no more than writing them.
"""

_COLUMNS = (
    "position, key, record_type, value_type, intent, timestamp, process_instance_key,"
    " rejection_type, rejection_reason, value"
)
_NO_CHECKSUM = bytes(16)


class StorageFull(EngineError):
    """The disk refused the commit: nothing of the command was stored, so it may be retried."""

    status = "RESOURCE_EXHAUSTED"
    http_status = 503
    title = "RESOURCE_EXHAUSTED"


def storage_refusal(error: BaseException) -> EngineError:
    """What the callers of a batch whose commit failed are told: nothing of it was stored."""
    full = (isinstance(error, sqlite3.Error) and getattr(error, "sqlite_errorcode", 0) == 13) or (
        isinstance(error, OSError) and error.errno == errno.ENOSPC
    )
    if full:
        return StorageFull(
            "the engine's disk is full: the command was not stored; retry once space is freed"
        )
    return EngineError(f"storage failure, the command was not stored: {error!r}")


class StoreDamaged(Exception):
    """The stored log is not what the engine acknowledged. The message names the file and the
    position and says where the recovery steps are."""

    def __init__(self, file: str, position: int | None, problem: str) -> None:
        self.file = file
        self.position = position
        self.problem = problem
        where = f" at position {position}" if position is not None else ""
        super().__init__(
            f"the engine's record store {file} is damaged{where}: {problem}. The engine does not "
            f"start on a damaged store, so that nothing acknowledged is silently lost; see "
            f"{RECOVERY_DOC} for how to recover."
        )


class SnapshotMismatch(Exception):
    """The snapshot does not belong to this log (the record at its position differs): the state
    is rebuilt from the records instead."""


def _checksum(previous: bytes, row: Sequence[object]) -> bytes:
    """Chained: a record's checksum covers the one before, so a removed, reordered or edited
    record breaks the chain from there on. Over the stored text, so reading needs no re-encoding."""
    digest = hashlib.blake2b(previous, digest_size=16)
    digest.update("\x1f".join(map(str, row)).encode("utf-8", "surrogatepass"))
    return digest.digest()


class AcknowledgedNote:
    """The position and checksum of the last record answered to anyone, kept apart from the
    database so that losing the WAL (or the whole database) cannot also lose the evidence. Two
    fixed slots written in turn, each with its own CRC: a torn write spoils at most the slot being
    written, and the other still holds the previous acknowledged position. The file is made at
    full size once, so overwriting it needs no free space on a full disk."""

    _SLOT = struct.Struct("<8sq16sI")  # magic, position, checksum, crc32 of the rest
    _MAGIC = b"ACKPOS01"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._turn = 0

    def read(self) -> tuple[int, bytes] | None:
        """(position, checksum) of the latest intact slot; None when there is no note at all.
        Raises StoreDamaged when the file is there but neither slot is readable."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        size = self._SLOT.size
        best: tuple[int, bytes] | None = None
        for offset in (0, size):
            chunk = data[offset : offset + size]
            if len(chunk) != size:
                continue
            magic, position, checksum, crc = self._SLOT.unpack(chunk)
            if magic != self._MAGIC or zlib.crc32(chunk[: size - 4]) != crc:
                continue
            if best is None or position > best[0]:
                best = (position, checksum)
        if best is None:
            raise StoreDamaged(
                str(self.path), None, "the note of the acknowledged position is unreadable"
            )
        return best

    def open(self, position: int, checksum: bytes) -> None:
        """Opens the note for writing, creating it (with both slots) when missing."""
        if not self.path.exists():
            tmp = self.path.with_name(self.path.name + ".new")
            slot = self._slot(position, checksum)
            tmp.write_bytes(slot + slot)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        self._fd = os.open(self.path, os.O_WRONLY)

    @property
    def closed(self) -> bool:
        return self._fd is None

    def write(self, position: int, checksum: bytes) -> None:
        assert self._fd is not None
        os.pwrite(self._fd, self._slot(position, checksum), self._turn * self._SLOT.size)
        os.fdatasync(self._fd)
        self._turn ^= 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _slot(self, position: int, checksum: bytes) -> bytes:
        head = self._SLOT.pack(self._MAGIC, position, checksum, 0)[:-4]
        return head + struct.pack("<I", zlib.crc32(head))


class RecordStore:
    def __init__(self, data_dir: Path | None) -> None:
        if data_dir is None:
            target = ":memory:"
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            target = str(data_dir / DB_FILE)
        self.path = target
        self.data_dir = data_dir
        self.durable = data_dir is not None
        self._note = AcknowledgedNote(data_dir / ACK_FILE) if data_dir is not None else None
        self._last_checksum = _NO_CHECKSUM
        self._last_position = 0
        try:
            history = str(data_dir / HISTORY_FILE) if data_dir is not None else ":memory:"
            self._db = self._connect(target, history)
            self._prepare_schema()
            if data_dir is not None:
                adopt_separate_trail(self._db, data_dir)
            # An in-memory database exists only on its one connection. On disk, appends have a
            # connection of their own without the history attached (a write transaction there
            # would also lock the history, which compaction writes meanwhile), and compaction has
            # a third, so that it runs beside the appends instead of in front of them.
            self._writer = self._connect(target, None) if self.durable else self._db
            self._compactor = self._connect(target, history) if self.durable else self._db
            anchor = self._db.execute("SELECT position, checksum FROM log_anchor").fetchone()
            last = self._db.execute(
                "SELECT position, checksum FROM records ORDER BY position DESC LIMIT 1"
            ).fetchone()
        except sqlite3.DatabaseError as error:
            raise StoreDamaged(target, None, f"SQLite cannot open it ({error})") from None
        self._anchor = (int(anchor[0]), bytes(anchor[1])) if anchor else (0, _NO_CHECKSUM)
        self._last_position, self._last_checksum = self._anchor
        # (position, checksum) up to which the records are in the history too (mark_exported);
        # appends remove them from the log, a slice each.
        self._exported: tuple[int, bytes] | None = None
        if last is not None:
            self._last_position, self._last_checksum = int(last[0]), bytes(last[1] or _NO_CHECKSUM)

    @staticmethod
    def _connect(target: str, history: str | None) -> sqlite3.Connection:
        db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        # Appends and compaction take turns on the log's write lock: wait, do not fail.
        db.execute("PRAGMA busy_timeout=30000")
        schemas = ["main"]
        if history is not None:
            db.execute("ATTACH DATABASE ? AS history", (history,))
            schemas.append("history")
        for schema in schemas:
            # 16 kB pages (SQLite's default is 4 kB) for a new file: a record is ~0.4 kB, and
            # compaction removes records by the thousand, where fewer, larger pages cost 40 %
            # less (measured); appends gain a little too. A file made before keeps its pages.
            db.execute(f"PRAGMA {schema}.page_size={_PAGE_SIZE}")
            db.execute(f"PRAGMA {schema}.journal_mode=WAL")
            db.execute(f"PRAGMA {schema}.synchronous=FULL")
            # A checkpointed write-ahead log is cut back to this size, so compaction keeps the
            # files bounded instead of leaving the log file at its largest.
            db.execute(f"PRAGMA {schema}.journal_size_limit={16 * 1024 * 1024}")
        # Debian's SQLite zeroes what a DELETE frees (SECURE_DELETE): for the primary log that
        # doubled the cost of each compaction, on the thread that appends, to blank records
        # whose copy the history keeps anyway.
        db.execute("PRAGMA main.secure_delete=OFF")
        return db

    def _prepare_schema(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(records)")}
        self._db.executescript(_SCHEMA)
        self._db.executescript(_HISTORY_SCHEMA)
        create_schema(self._db)
        if columns and "checksum" not in columns:
            self._seal_old_log()

    def _seal_old_log(self) -> None:
        """A log written before records had checksums gets them once, as it stands (nothing to
        check it against), and its note is written from it."""
        self._db.execute("ALTER TABLE records ADD COLUMN checksum BLOB")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            previous = _NO_CHECKSUM
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM records ORDER BY position").fetchall()
            for row in rows:
                previous = _checksum(previous, row)
                self._db.execute(
                    "UPDATE records SET checksum = ? WHERE position = ?", (previous, row[0])
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        if self._note is not None and rows:
            self._note.path.unlink(missing_ok=True)
            self._note.open(int(rows[-1][0]), previous)
            self._note.close()

    def audit_trail(self) -> AuditTrail:
        """The audit trail in this store (written by `append`), for reading."""
        if not self.durable:
            return AuditTrail.attach(self._db)
        return AuditTrail.open(self.path)

    def append(
        self, records: Sequence[Record], audit: Sequence[tuple[int, AuditDraft]] = ()
    ) -> None:
        """Commits `records` and the audit entries (engine-clock timestamp, draft) of the commands
        that made them in one transaction, then notes the last record as acknowledged; may run on a
        thread other than the readers'. On failure (a full disk) nothing of it is stored."""
        if not records and not audit:
            return
        previous = self._last_checksum
        rows = []
        for r in records:
            fields = (
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
            previous = _checksum(previous, fields)
            rows.append((*fields, previous))
        db = self._writer
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            for timestamp, draft in audit:
                write_entry(db, timestamp, draft)
            # Compaction rides along: the loop is waiting for this commit, so these statements
            # get the interpreter's lock at once, and the commit is one fsync for both.
            dropped = self._next_slice(db)
            if dropped is not None:
                self._remove_up_to(db, *dropped)
            db.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (SQLITE_FULL) may leave the transaction open; end it either way.
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if dropped is not None:
            self._anchor = dropped
        if rows:
            self._last_checksum = previous
            self._last_position = rows[-1][0]
            if self._note is not None:
                self._note_acknowledged(self._last_position, previous)

    def _note_acknowledged(self, position: int, checksum: bytes) -> None:
        assert self._note is not None
        try:
            if self._note.closed:
                self._note.open(position, checksum)
            self._note.write(position, checksum)
        except OSError:
            # The records are durable, so the command stands; only the evidence lags behind (a
            # later check then covers less). Failing here would make a retrying client duplicate.
            log.exception(
                "could not note the acknowledged position %d in %s", position, self._note_path
            )

    def read_all(
        self, after_position: int = 0, snapshot: tuple[int, bytes] | None = None
    ) -> Iterator[Record]:
        """The records after `after_position` in order, the whole chain checked against its
        checksums; at the end, the note of the acknowledged position must agree with what was
        read. Raises StoreDamaged otherwise (also for what SQLite itself finds broken), naming the
        first position that does not hold. Records compacted out of the primary log are read from
        the history when `after_position` lies before them. `snapshot` (position, checksum) is
        the snapshot the caller starts from: SnapshotMismatch when the log disagrees with it."""
        noted = self._note.read() if self._note is not None else None
        anchor = self._anchor
        if self.durable:
            self._check_structure(noted[0] if noted is not None else None)
        if snapshot is not None and not anchor[0] <= snapshot[0] <= self._last_position:
            raise SnapshotMismatch(f"snapshot at {snapshot[0]} is outside the log")
        if after_position < anchor[0]:
            history = str(self.data_dir / HISTORY_FILE) if self.data_dir else self.path
            chain = yield from self._read_chain(
                "history.records", history, (0, _NO_CHECKSUM), after_position, noted, anchor[0]
            )
            if chain != anchor:
                raise StoreDamaged(
                    history,
                    chain[0],
                    f"the history ends at position {chain[0]} without reaching the first record "
                    f"of the primary log (which follows position {anchor[0]})",
                )
        if snapshot is not None and snapshot[0] == anchor[0] and snapshot[1] != anchor[1]:
            raise SnapshotMismatch(f"the record at {snapshot[0]} differs from the snapshot's")
        position, previous = yield from self._read_chain(
            "main.records", self.path, anchor, after_position, noted, None, snapshot
        )
        if noted is not None and noted[0] > position:
            raise StoreDamaged(
                self.path,
                position,
                f"the log ends at position {position}, but position {noted[0]} was acknowledged "
                f"(noted in {self._note_path}): acknowledged records are missing, e.g. a lost or "
                "damaged write-ahead log",
            )
        if noted is None and position > 0 and self._note is not None:
            raise StoreDamaged(
                str(self._note_path),
                position,
                "the note of the acknowledged position is missing, so the log cannot be checked "
                "for lost records",
            )
        self._last_checksum, self._last_position = previous, position
        if self._note is not None and self._note.closed:
            self._note.open(position, previous)

    def _read_chain(
        self,
        table: str,
        file: str,
        start: tuple[int, bytes],
        after_position: int,
        noted: tuple[int, bytes] | None,
        up_to: int | None,
        snapshot: tuple[int, bytes] | None = None,
    ) -> Generator[Record, None, tuple[int, bytes]]:
        """Checks the chain of `table` from `start` (position, checksum), yielding the records
        after `after_position`; returns the last (position, checksum)."""
        position, previous = start
        limit = f" WHERE position <= {int(up_to)}" if up_to is not None else ""
        try:
            cursor = self._db.execute(
                f"SELECT {_COLUMNS}, checksum FROM {table}{limit} ORDER BY position"
            )
            for row in cursor:
                fields = row[:10]
                expected = _checksum(previous, fields)
                at = int(row[0])
                if at != position + 1:
                    raise StoreDamaged(
                        file, position + 1, f"the record is missing (the next is {at})"
                    )
                if row[10] != expected:
                    raise StoreDamaged(file, at, "the record does not match its checksum")
                if noted is not None and at == noted[0] and expected != noted[1]:
                    raise StoreDamaged(
                        file,
                        at,
                        "the record differs from the one acknowledged (noted in "
                        f"{self._note_path})",
                    )
                if snapshot is not None and at == snapshot[0] and expected != snapshot[1]:
                    raise SnapshotMismatch(f"the record at {at} differs from the snapshot's")
                previous, position = expected, at
                if at <= after_position:
                    continue
                try:
                    record = Record(
                        position=at,
                        key=row[1],
                        record_type=_RECORD_TYPES.get(row[2]) or RecordType(row[2]),
                        value_type=_VALUE_TYPES.get(row[3]) or ValueType(row[3]),
                        intent=row[4],
                        timestamp=row[5],
                        rejection_type=row[7],
                        rejection_reason=row[8],
                        value=_decode_value(row[9]),
                    )
                except ValueError as error:
                    raise StoreDamaged(file, at, f"the record is unreadable ({error})") from None
                yield record
        except sqlite3.DatabaseError as error:
            raise StoreDamaged(
                file, position + 1, f"SQLite cannot read the record ({error})"
            ) from None
        return position, previous

    def _check_structure(self, acknowledged: int | None) -> None:
        """SQLite's own check of every page of the log's file (indexes and the audit trail too,
        which the checksums do not cover); linear in its size, which snapshots keep small. Not of
        the history: without `main.` the pragma checks every attached file, and read all 15 GB of
        a million instances' history at each start (measured: minutes instead of 0.1 s)."""
        try:
            problems = [str(row[0]) for row in self._db.execute("PRAGMA main.quick_check(5)")]
        except sqlite3.DatabaseError as error:
            problems = [str(error)]
        if problems != ["ok"]:
            raise StoreDamaged(
                self.path,
                None,
                "SQLite finds the file damaged (" + "; ".join(problems) + "); the last "
                f"acknowledged position was {acknowledged}",
            )

    @property
    def _note_path(self) -> str:
        return str(self._note.path) if self._note is not None else "-"

    def read_records(
        self,
        *,
        process_instance_key: int | None = None,
        value_type: str | None = None,
        after_position: int = 0,
        limit: int = 10_000,
    ) -> list[Record]:
        """Committed records after a position, in order, optionally of one instance or type."""
        clauses, params = ["position > ?"], [after_position]
        if process_instance_key is not None:
            clauses.append("process_instance_key = ?")
            params.append(process_instance_key)
        if value_type is not None:
            clauses.append("value_type = ?")
            params.append(value_type)  # type: ignore[arg-type]
        columns = (
            "position, key, record_type, value_type, intent, timestamp, rejection_type,"
            " rejection_reason, value"
        )
        where = " AND ".join(clauses)
        # The history holds what was compacted out of the primary log; a record is in both only
        # between the two steps of a compaction, and is then read from the history.
        rows = self._db.execute(
            f"SELECT {columns} FROM history.records WHERE {where} UNION ALL"
            f" SELECT {columns} FROM main.records WHERE {where} AND position >"
            " (SELECT coalesce(max(position), 0) FROM history.records)"
            " ORDER BY position LIMIT ?",
            (*params, *params, limit),
        )
        return [
            Record(
                position=int(r[0]),
                key=int(r[1]),
                record_type=RecordType(str(r[2])),
                value_type=ValueType(str(r[3])),
                intent=str(r[4]),
                timestamp=int(r[5]),
                rejection_type=str(r[6]),
                rejection_reason=str(r[7]),
                value=_decode_value(str(r[8])),
            )
            for r in rows
        ]

    @property
    def compacted_up_to(self) -> int:
        """The last position compacted out of the primary log (0: none)."""
        return self._anchor[0]

    def checksum_at(self, position: int) -> bytes:
        """The checksum of the record at `position` in the primary log (for a snapshot taken
        there); call on the storage thread, after that record was appended."""
        if position == self._anchor[0]:
            return self._anchor[1]
        if position == self._last_position:  # a snapshot is taken between groups: the usual case
            return self._last_checksum
        row = self._compactor.execute(
            "SELECT checksum FROM main.records WHERE position = ?", (position,)
        ).fetchone()
        if row is None:
            raise ValueError(f"no record at position {position} in the primary log")
        return bytes(row[0])

    def export_to_history(self, up_to: int) -> None:
        """First half of a compaction: copies the records up to `up_to` into the history, in a
        transaction on the history file only; the log is only read, so appends go on meanwhile.
        A crash after it leaves records in both files, which readers take from the history and
        the next compaction skips."""
        if up_to <= self._anchor[0]:
            return
        db = self._compactor
        columns = _COLUMNS + ", checksum"
        db.execute("BEGIN")
        try:
            db.execute(
                f"INSERT INTO history.records ({columns}) SELECT {columns} FROM main.records"
                " WHERE position <= ? AND position >"
                " (SELECT coalesce(max(position), 0) FROM history.records)",
                (up_to,),
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        pause_for_test("history-exported")

    def mark_exported(self, up_to: int, checksum: bytes) -> None:
        """The records up to `up_to` (`checksum`: the one there) are in the history now
        (export_to_history): from here on each append also removes up to DROP_SLICE of them from
        the log, in its own transaction. An engine with nothing to append calls drop_exported."""
        self._exported = (up_to, checksum)

    @property
    def exported_up_to(self) -> int:
        """Up to where the records are in the history, whether or not still in the log too."""
        return max(self._anchor[0], self._exported[0] if self._exported else 0)

    def _next_slice(
        self, db: sqlite3.Connection, most: int | None = DROP_SLICE
    ) -> tuple[int, bytes] | None:
        """(position, checksum) up to which the next slice removes exported records (at most
        `most`; None: all); None when none are left."""
        if self._exported is None or self._exported[0] <= self._anchor[0]:
            return None
        up_to, checksum = self._exported
        if most is not None and up_to > self._anchor[0] + most:
            up_to = self._anchor[0] + most
            row = db.execute(
                "SELECT checksum FROM main.records WHERE position = ?", (up_to,)
            ).fetchone()
            if row is None:
                raise ValueError(f"no record at position {up_to} in the primary log")
            checksum = bytes(row[0])
        return up_to, checksum

    @staticmethod
    def _remove_up_to(db: sqlite3.Connection, up_to: int, checksum: bytes) -> int:
        """Inside the caller's transaction: removes the log's records up to `up_to` and notes the
        last one removed as the log's anchor."""
        moved = db.execute("DELETE FROM main.records WHERE position <= ?", (up_to,)).rowcount
        db.execute(
            "INSERT OR REPLACE INTO main.log_anchor (id, position, checksum) VALUES (1, ?, ?)",
            (up_to, checksum),
        )
        return int(moved)

    def drop_exported(self, most: int | None = None) -> int:
        """Second half of a compaction, for an engine with nothing to append: removes the records
        mark_exported named from the log, at most `most` of them, and moves its anchor; returns
        how many it removed. Call on the thread that appends: on the appends' own connection it
        takes the log's write lock in turn with them, where a third connection made them wait
        and sleep on a busy lock."""
        db = self._writer
        dropped = self._next_slice(db, most)
        if dropped is None:
            return 0
        db.execute("BEGIN IMMEDIATE")
        try:
            moved = self._remove_up_to(db, *dropped)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        self._anchor = dropped
        return moved

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """Read-only access for search endpoints and dashboards (SELECT statements only)."""
        if not sql.lstrip().upper().startswith("SELECT"):
            raise ValueError("only SELECT statements may be run against the record store")
        return list(self._db.execute(sql, tuple(params)))

    def close(self) -> None:
        if self._note is not None:
            self._note.close()
        if self._writer is not self._db:
            self._writer.close()
        if self._compactor is not self._db:
            self._compactor.close()
        self._db.close()


def cut_to_intact(data_dir: Path) -> tuple[int, int]:
    """Recovery after damage was reported and no backup is to be had: keeps the records up to the
    last one whose checksum chain holds, removes those after it, and notes that record as the
    acknowledged position. Returns (kept up to position, records removed). What was removed, or
    lost with the WAL, is gone for good: docs/storage-integrity.md says when to use this."""
    path = data_dir / DB_FILE
    db = sqlite3.connect(str(path), isolation_level=None)
    try:
        try:
            anchor = db.execute("SELECT position, checksum FROM log_anchor").fetchone()
        except sqlite3.OperationalError:  # a store from before compaction existed
            anchor = None
        position, previous = (int(anchor[0]), bytes(anchor[1])) if anchor else (0, _NO_CHECKSUM)
        for row in db.execute(f"SELECT {_COLUMNS}, checksum FROM records ORDER BY position"):
            expected = _checksum(previous, row[:10])
            if int(row[0]) != position + 1 or row[10] != expected:
                break
            try:
                json.loads(row[9])
            except ValueError:
                break
            previous, position = expected, int(row[0])
        db.execute("BEGIN IMMEDIATE")
        removed = db.execute("DELETE FROM records WHERE position > ?", (position,)).rowcount
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    note = AcknowledgedNote(data_dir / ACK_FILE)
    note.path.unlink(missing_ok=True)
    note.open(position, previous)
    note.close()
    return position, removed
