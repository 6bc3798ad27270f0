"""The office's two registers: 受理编号 of cases and 发文字号 of the documents it issues.

受理编号 游容免〔YYYY〕N号: one sequence per year, one number per process instance (the case).
发文字号 游纪容〔YYYY〕N号: one sequence per year, one number per generated document; a case issues
several documents (受理通知书, 审定意见书, 反馈通知书...), each with its own number, so the
document number is never the case number. Both formats are local policy (docs/local-policy.md).

A job can be delivered more than once (timeout, retry after a lost completion), so a number is
keyed by what it numbers (the process instance, or the generating job's document id): asking
again returns the number already given, and the sequence has no gaps or duplicates from retries.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CASE_NUMBER_PREFIX = "游容免"
_CASE_NUMBER = re.compile(r"^游容免〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")


class CaseNumberFormatError(ValueError):
    """A string that is not a case number of this office."""


@dataclass(frozen=True)
class CaseNumber:
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{CASE_NUMBER_PREFIX}〔{self.year}〕{self.sequence}号"

    @property
    def safe_name(self) -> str:
        """A file-system name that sorts in order and survives any file system or zip tool."""
        return f"{self.year}-{self.sequence:04d}"

    @classmethod
    def parse(cls, text: str) -> CaseNumber:
        match = _CASE_NUMBER.match(text.strip())
        if match is None:
            raise CaseNumberFormatError(f"受理编号 {text!r} 格式不正确，应为 游容免〔YYYY〕N号")
        return cls(int(match["year"]), int(match["seq"]))


DOCUMENT_NUMBER_PREFIX = "游纪容"
_DOCUMENT_NUMBER = re.compile(r"^游纪容〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")


@dataclass(frozen=True)
class DocumentNumber:
    """发文字号 of a document the office issues: 机关代字、年份（六角括号）、序号."""

    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{DOCUMENT_NUMBER_PREFIX}〔{self.year}〕{self.sequence}号"

    @classmethod
    def parse(cls, text: str) -> DocumentNumber:
        match = _DOCUMENT_NUMBER.match(text.strip())
        if match is None:
            raise CaseNumberFormatError(f"发文字号 {text!r} 格式不正确，应为 游纪容〔YYYY〕N号")
        return cls(int(match["year"]), int(match["seq"]))


class SequenceRegistry:
    """A numbered register in SQLite: per year, per process instance, never reused.

    Used for case numbers and for the district committee's record numbers alike.
    """

    def __init__(self, database: Path, register: str) -> None:
        self._database = database
        self._register = register
        database.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS document_number ("
                " document_id TEXT PRIMARY KEY,"
                " year INTEGER NOT NULL,"
                " sequence INTEGER NOT NULL,"
                " assigned_at TEXT NOT NULL,"
                " UNIQUE (year, sequence))"
            )
            connection.execute(
                "CREATE TABLE IF NOT EXISTS sequence_entry ("
                " register TEXT NOT NULL,"
                " process_instance_key INTEGER NOT NULL,"
                " year INTEGER NOT NULL,"
                " sequence INTEGER NOT NULL,"
                " assigned_at TEXT NOT NULL,"
                " PRIMARY KEY (register, process_instance_key),"
                " UNIQUE (register, year, sequence))"
            )

    def _connect(self) -> sqlite3.Connection:
        # Several worker processes may share the directory: wait for the writer instead of failing.
        connection = sqlite3.connect(self._database, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection

    def assign(self, process_instance_key: int, year: int) -> tuple[int, int, datetime]:
        """(year, sequence, assigned_at) for this process instance, assigning the next if new.

        A retried job asking with another year still gets the first answer: a case keeps its number.
        """
        with closing(self._connect()) as connection:
            # BEGIN IMMEDIATE takes the write lock before reading the maximum, so two processes
            # cannot both compute the same next sequence.
            connection.execute("BEGIN IMMEDIATE")
            try:
                row = connection.execute(
                    "SELECT year, sequence, assigned_at FROM sequence_entry"
                    " WHERE register = ? AND process_instance_key = ?",
                    (self._register, process_instance_key),
                ).fetchone()
                if row is None:
                    (last,) = connection.execute(
                        "SELECT COALESCE(MAX(sequence), 0) FROM sequence_entry"
                        " WHERE register = ? AND year = ?",
                        (self._register, year),
                    ).fetchone()
                    assigned_at = datetime.now(UTC).isoformat()
                    row = (year, int(last) + 1, assigned_at)
                    connection.execute(
                        "INSERT INTO sequence_entry VALUES (?, ?, ?, ?, ?)",
                        (self._register, process_instance_key, *row),
                    )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return int(row[0]), int(row[1]), datetime.fromisoformat(row[2])

    def assign_document(self, document_id: str, year: int) -> tuple[int, int]:
        """(year, sequence) of this document, assigning the next of the year if new."""
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                row = connection.execute(
                    "SELECT year, sequence FROM document_number WHERE document_id = ?",
                    (document_id,),
                ).fetchone()
                if row is None:
                    (last,) = connection.execute(
                        "SELECT COALESCE(MAX(sequence), 0) FROM document_number WHERE year = ?",
                        (year,),
                    ).fetchone()
                    row = (year, int(last) + 1)
                    connection.execute(
                        "INSERT INTO document_number VALUES (?, ?, ?, ?)",
                        (document_id, *row, datetime.now(UTC).isoformat()),
                    )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return int(row[0]), int(row[1])


def case_register(data_dir: Path) -> SequenceRegistry:
    return SequenceRegistry(data_dir / "registers.sqlite3", "case-number")


def assign_case_number(data_dir: Path, process_instance_key: int, year: int) -> CaseNumber:
    assigned_year, sequence, _ = case_register(data_dir).assign(process_instance_key, year)
    return CaseNumber(assigned_year, sequence)


def assign_document_number(data_dir: Path, document_id: str, year: int) -> DocumentNumber:
    """The 发文字号 of a generated document; the same document id always gets the same number."""
    registry = SequenceRegistry(data_dir / "registers.sqlite3", "document-number")
    assigned_year, sequence = registry.assign_document(document_id, year)
    return DocumentNumber(assigned_year, sequence)
