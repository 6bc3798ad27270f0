"""存档备查 (Art. 8(4)): every document and decision of a case, filed under its case number.

Each case has a directory `<data>/archive/<YYYY-NNNN>/` and a `manifest.json` listing every file
with its SHA-256 digest, size and time of filing, and every decision taken. The archive holds the
whole case: the application as filed (filed when the case is numbered), every document, and at the
end every variable of the case (`case-record.json`: each round of findings, objections and their
answers, proofs of service, the committee filing, as the process holds them).

After the last step the archive is sealed: the manifest records the SHA-256 of its own content
(`sealSha256`), and any later change, a new file, a replaced file or a new decision, is refused.
`python -m workers.archive verify 游容免〔2026〕3号` re-hashes the files and the seal, so that an
auditor can show nothing was altered.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from workers.case_numbering import CaseNumber, CaseNumberFormatError
from workers.settings import data_dir
from workers.variables import CamelModel

MANIFEST = "manifest.json"


class ArchivedFile(CamelModel):
    file_name: str
    kind: str
    # The generating job's document id, so a retried job replaces its own file and nothing else.
    document_id: str | None = None
    sha256: str
    size: int
    filed_at: datetime


class ArchivedDecision(CamelModel):
    name: str
    value: Any
    decided_at: datetime


class Manifest(CamelModel):
    case_number: str
    files: list[ArchivedFile] = Field(default_factory=list)
    decisions: list[ArchivedDecision] = Field(default_factory=list)
    closed_at: datetime | None = None
    sealed_at: datetime | None = None
    seal_sha256: str | None = None

    def content_digest(self) -> str:
        """SHA-256 of everything the seal covers: the manifest without the seal itself."""
        body = self.model_dump_json(by_alias=True, exclude={"sealed_at", "seal_sha256"})
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


class ArchiveError(Exception):
    """The archive of a case is missing or cannot be written."""


class ArchiveSealedError(ArchiveError):
    """The case's archive is sealed; it is not changed afterwards."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(path: Path, content: bytes) -> None:
    # A crash mid-write must not leave a half file that a later verify reports as tampered.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class CaseArchive:
    """The archive directory of one case."""

    def __init__(self, root: Path, case_number: CaseNumber) -> None:
        self.case_number = case_number
        self.directory = root / "archive" / case_number.safe_name

    @classmethod
    def open(cls, case_number: str, root: Path | None = None) -> CaseArchive:
        return cls(root or data_dir(), CaseNumber.parse(case_number))

    def manifest(self) -> Manifest:
        path = self.directory / MANIFEST
        if not path.exists():
            return Manifest(case_number=str(self.case_number))
        return Manifest.model_validate_json(path.read_bytes())

    def _save(self, manifest: Manifest) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        body = manifest.model_dump_json(by_alias=True, indent=2).encode("utf-8")
        write_atomically(self.directory / MANIFEST, body)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialises manifest updates of this case across threads and worker processes."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _refuse_if_sealed(self, manifest: Manifest, change: str) -> None:
        if manifest.sealed_at is not None:
            raise ArchiveSealedError(
                f"案件 {self.case_number} 的存档已于 {manifest.sealed_at.isoformat()} 封存，"
                f"不得再{change}"
            )

    @staticmethod
    def _free_name(manifest: Manifest, document_id: str, stem: str, suffix: str) -> str:
        for entry in manifest.files:
            if entry.document_id == document_id:
                return entry.file_name
        taken = {entry.file_name for entry in manifest.files}
        candidate, counter = f"{stem}{suffix}", 1
        while candidate in taken:
            counter += 1
            candidate = f"{stem}-{counter}{suffix}"
        return candidate

    def _file(
        self, manifest: Manifest, file_name: str, content: bytes, kind: str, document_id: str | None
    ) -> ArchivedFile:
        if Path(file_name).name != file_name or file_name in {MANIFEST, "", ".", ".."}:
            raise ArchiveError(f"存档文件名 {file_name!r} 无效：不得含路径或与清单文件同名")
        if file_name.startswith("."):
            raise ArchiveError(f"存档文件名 {file_name!r} 无效：不得以“.”开头")
        digest = hashlib.sha256(content).hexdigest()
        for existing in manifest.files:
            # A retried job filing the very same file changes nothing, sealed or not.
            if existing.file_name == file_name and existing.sha256 == digest:
                return existing
        self._refuse_if_sealed(manifest, f"存入文件 {file_name}")
        write_atomically(self.directory / file_name, content)
        entry = ArchivedFile(
            file_name=file_name,
            kind=kind,
            document_id=document_id,
            sha256=digest,
            size=len(content),
            filed_at=datetime.now(UTC),
        )
        manifest.files = [f for f in manifest.files if f.file_name != file_name] + [entry]
        self._save(manifest)
        return entry

    def add_file(
        self, file_name: str, content: bytes, kind: str, document_id: str | None = None
    ) -> ArchivedFile:
        """File a document under a given name, replacing an earlier file of that name."""
        with self._locked():
            return self._file(self.manifest(), file_name, content, kind, document_id)

    def add_document(
        self, document_id: str, stem: str, suffix: str, content: bytes, kind: str
    ) -> ArchivedFile:
        """File a generated document: a retry of the same job replaces its own file.

        A case can produce a document type twice (an objection sends it back to investigation and
        a second opinion is written); both stay in the file, the later one named `<stem>-2`.
        """
        with self._locked():
            manifest = self.manifest()
            file_name = self._free_name(manifest, document_id, stem, suffix)
            return self._file(manifest, file_name, content, kind, document_id)

    def add_decision(self, name: str, value: Any) -> ArchivedDecision:
        """Record a decision; the same decision recorded twice with the same value is kept once."""
        with self._locked():
            manifest = self.manifest()
            for existing in manifest.decisions:
                if existing.name == name and existing.value == value:
                    return existing
            self._refuse_if_sealed(manifest, f"记录 {name}")
            decision = ArchivedDecision(name=name, value=value, decided_at=datetime.now(UTC))
            manifest.decisions.append(decision)
            self._save(manifest)
            return decision

    def close(self) -> Manifest:
        with self._locked():
            manifest = self.manifest()
            if manifest.closed_at is None:
                manifest.closed_at = datetime.now(UTC)
                self._save(manifest)
            return manifest

    def seal(self) -> Manifest:
        """Seals the archive after the last step of the case; sealing twice changes nothing."""
        with self._locked():
            manifest = self.manifest()
            if manifest.sealed_at is None:
                now = datetime.now(UTC)
                manifest.closed_at = manifest.closed_at or now
                manifest.seal_sha256 = manifest.content_digest()
                manifest.sealed_at = now
                self._save(manifest)
            return manifest

    def verify(self) -> list[str]:
        """Problems found, in Chinese, one per file; empty when the archive is intact."""
        if not (self.directory / MANIFEST).exists():
            return [f"案件 {self.case_number} 没有存档清单（{self.directory / MANIFEST}）"]
        problems: list[str] = []
        listed = set()
        manifest = self.manifest()
        if manifest.sealed_at is not None and manifest.seal_sha256 != manifest.content_digest():
            problems.append(f"{MANIFEST}：封存后清单被改动（封存校验值不符）")
        for entry in manifest.files:
            listed.add(entry.file_name)
            path = self.directory / entry.file_name
            if not path.exists():
                problems.append(f"{entry.file_name}：文件缺失")
                continue
            actual = _sha256(path)
            if actual != entry.sha256:
                problems.append(
                    f"{entry.file_name}：SHA-256 不符（清单 {entry.sha256}，实际 {actual}）"
                )
        for path in sorted(self.directory.iterdir()):
            if path.name != MANIFEST and not path.name.startswith(".") and path.name not in listed:
                problems.append(f"{path.name}：未列入存档清单")
        return problems


def _verify_command(case_number: str) -> int:
    try:
        archive = CaseArchive.open(case_number)
    except CaseNumberFormatError as exc:
        print(exc, file=sys.stderr)
        return 2
    problems = archive.verify()
    if problems:
        print(f"案件 {archive.case_number} 存档校验未通过：")
        for problem in problems:
            print(f"  {problem}")
        return 1
    manifest = archive.manifest()
    count = len(manifest.files)
    sealed = "已封存" if manifest.sealed_at else "未封存"
    print(f"OK 案件 {archive.case_number}：{count} 个文件校验一致，{sealed}（{archive.directory}）")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workers.archive", description="容错免责案件存档（存档备查）"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="重新计算存档文件的 SHA-256 并与清单比对")
    verify.add_argument("case_number", help="受理编号，如 游容免〔2026〕3号")
    arguments = parser.parse_args(argv)
    if arguments.command == "verify":
        return _verify_command(arguments.case_number)
    return 2  # pragma: no cover - argparse rejects other commands


if __name__ == "__main__":
    raise SystemExit(main())
