"""The workers' document store, read by the desk: which files belong to which case.

The workers write (docs/procedure-contract.md, workers/archive.py, workers/document_store.py):
- `registers.sqlite3`, table `sequence_entry`: the case number (year, sequence) given to the
  process instance that numbered the case (register "case-number");
- `archive/<YYYY-NNNN>/manifest.json`: every file of a numbered case with its kind (the document
  type), document id, SHA-256 and time of filing; the files beside it;
- `documents/unnumbered/<processInstanceKey>/<documentType>-<n>.pdf`: the reply to an invalid
  application, which gets no case number.

The desk finds a case's documents only here, from process instance keys of the case (engine
facts), never from a location written in a process variable: variables are client-writable, and
a forged `uri` once served another case's file with a content type of the forger's choosing. The
desk does not import the workers (tests/test_architecture.py), so the layout is read here.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

CASE_REGISTER = "case-number"
# The store holds PDFs only; the type served comes from here, never from the case.
MEDIA_TYPES = {".pdf": "application/pdf"}
_DOCUMENT_TYPE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class StoredFile:
    path: Path
    file_name: str
    media_type: str
    document_id: str | None
    sha256: str | None  # as the manifest records it; None for unnumbered replies


class StoreDamaged(Exception):
    """A file does not match what the store recorded for it; the message is for officers."""


def document_type_of(variable_name: str) -> str | None:
    """`acceptanceNoticeDocument` → `acceptance-notice`: the variable names the document type,
    as the BPMN's output mappings do; None when the name is not of that shape."""
    if not re.fullmatch(r"[a-z][A-Za-z0-9]*Document", variable_name):
        return None
    stem = variable_name.removesuffix("Document")
    kind = re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), stem)
    return kind if _DOCUMENT_TYPE.fullmatch(kind) else None


class CaseStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def find(
        self, instance_keys: Iterable[str], document_type: str, document_id: str | None = None
    ) -> StoredFile | None:
        """The document of this type filed for the case made of `instance_keys`: the one with
        `document_id` when the case holds it, else the latest filed."""
        keys = sorted({key for key in instance_keys if key.isdigit()})
        archive = self._archive_of(keys)
        if archive is not None:
            return self._from_archive(archive, document_type, document_id)
        return self._unnumbered(keys, document_type, document_id)

    def _archive_of(self, keys: list[str]) -> Path | None:
        register = self.data_dir / "registers.sqlite3"
        if not keys or not register.is_file():
            return None
        marks = ",".join("?" for _ in keys)
        uri = register.resolve().as_uri() + "?mode=ro"
        try:
            with closing(sqlite3.connect(uri, uri=True, timeout=5)) as db:
                row = db.execute(
                    "SELECT year, sequence FROM sequence_entry "
                    f"WHERE register = ? AND process_instance_key IN ({marks}) "
                    "ORDER BY year, sequence LIMIT 1",
                    [CASE_REGISTER, *map(int, keys)],
                ).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        return self.data_dir / "archive" / f"{int(row[0])}-{int(row[1]):04d}"

    def _from_archive(
        self, directory: Path, document_type: str, document_id: str | None
    ) -> StoredFile | None:
        try:
            manifest = json.loads((directory / "manifest.json").read_bytes())
        except (OSError, ValueError):
            return None
        files = manifest.get("files") if isinstance(manifest, dict) else None
        entries = [
            entry
            for entry in (files if isinstance(files, list) else [])
            if isinstance(entry, dict) and entry.get("kind") == document_type
        ]
        if not entries:
            return None
        chosen = next((e for e in entries if e.get("documentId") == document_id), None)
        if chosen is None:
            chosen = max(entries, key=lambda e: str(e.get("filedAt") or ""))
        file_name = str(chosen.get("fileName") or "")
        path = _plain_file(directory, file_name)
        if path is None:
            return None
        sha256 = str(chosen.get("sha256") or "")
        return StoredFile(
            path, file_name, MEDIA_TYPES[path.suffix], chosen.get("documentId"), sha256
        )

    def _unnumbered(
        self, keys: list[str], document_type: str, document_id: str | None
    ) -> StoredFile | None:
        candidates: list[Path] = []
        for key in keys:
            directory = self.data_dir / "documents" / "unnumbered" / key
            if directory.is_dir():
                candidates += [
                    p
                    for p in directory.iterdir()
                    if re.fullmatch(re.escape(document_type) + r"-\d+\.pdf", p.name)
                    and _plain_file(directory, p.name) is not None
                ]
        if not candidates:
            return None
        chosen = next((p for p in candidates if p.stem == document_id), None)
        if chosen is None:
            chosen = max(candidates, key=lambda p: p.stat().st_mtime_ns)
        return StoredFile(chosen, chosen.name, MEDIA_TYPES[chosen.suffix], chosen.stem, None)


def verified_bytes(stored: StoredFile) -> bytes:
    """The file's content, checked against the manifest's digest when there is one."""
    content = stored.path.read_bytes()
    if stored.sha256 and hashlib.sha256(content).hexdigest() != stored.sha256:
        raise StoreDamaged(f"文书 {stored.file_name} 与存档清单记录的校验值不符，请联系管理员核查")
    return content


def _plain_file(directory: Path, file_name: str) -> Path | None:
    """`directory/file_name` when it is a regular file directly inside it, of a type the store
    keeps; a manifest entry cannot lead elsewhere."""
    if not file_name or Path(file_name).name != file_name or file_name.startswith("."):
        return None
    path = directory / file_name
    if path.suffix not in MEDIA_TYPES or path.is_symlink() or not path.is_file():
        return None
    if path.resolve().parent != directory.resolve():
        return None
    return path
