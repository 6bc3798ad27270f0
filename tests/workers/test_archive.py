"""存档备查: archive under the case number, manifest with digests, and the verify command."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from workers.archive import ArchiveError, ArchiveSealedError, CaseArchive, main

CASE = "游容免〔2026〕3号"


def test_files_and_decisions_are_listed_with_digests(data_dir: Path) -> None:
    archive = CaseArchive.open(CASE)
    archive.add_file("opinion.pdf", b"%PDF-opinion", kind="determination-opinion")
    archive.add_decision("determinationRecognised", True)
    archive.add_decision("determinationRecognised", True)  # retried job: recorded once
    archive.close()
    assert archive.directory == data_dir / "archive" / "2026-0003"
    manifest = json.loads((archive.directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["caseNumber"] == CASE
    [entry] = manifest["files"]
    assert entry["fileName"] == "opinion.pdf"
    assert entry["sha256"] == hashlib.sha256(b"%PDF-opinion").hexdigest()
    assert entry["size"] == len(b"%PDF-opinion")
    assert entry["filedAt"]
    assert [d["name"] for d in manifest["decisions"]] == ["determinationRecognised"]
    assert manifest["closedAt"]


def test_second_version_of_a_document_is_kept_beside_the_first(data_dir: Path) -> None:
    archive = CaseArchive.open(CASE)
    stem = "2026-0003-determination-opinion"
    first = archive.add_document("opinion-1", stem, ".pdf", b"one", "determination-opinion")
    retried = archive.add_document("opinion-1", stem, ".pdf", b"one", "determination-opinion")
    second = archive.add_document("opinion-2", stem, ".pdf", b"two", "determination-opinion")
    assert first.file_name == retried.file_name == f"{stem}.pdf"
    assert second.file_name == f"{stem}-2.pdf"
    assert len(archive.manifest().files) == 2


def test_file_names_cannot_leave_the_case_directory(data_dir: Path) -> None:
    with pytest.raises(ArchiveError, match="无效"):
        CaseArchive.open(CASE).add_file("../escape.pdf", b"x", "other")


def test_verify_command_reports_ok_then_the_tampered_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = CaseArchive.open(CASE)
    archive.add_file("a.pdf", b"alpha", "acceptance-notice")
    archive.add_file("b.pdf", b"beta", "feedback-notice")
    assert main(["verify", CASE]) == 0
    assert "OK" in capsys.readouterr().out

    (archive.directory / "b.pdf").write_bytes(b"beta, altered")
    assert main(["verify", CASE]) == 1
    output = capsys.readouterr().out
    assert "b.pdf" in output and "SHA-256 不符" in output
    assert "a.pdf" not in output


def test_verify_reports_missing_and_unlisted_files(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = CaseArchive.open(CASE)
    archive.add_file("a.pdf", b"alpha", "acceptance-notice")
    (archive.directory / "a.pdf").unlink()
    (archive.directory / "smuggled.pdf").write_bytes(b"x")
    assert main(["verify", CASE]) == 1
    output = capsys.readouterr().out
    assert "a.pdf：文件缺失" in output
    assert "smuggled.pdf：未列入存档清单" in output


def test_verify_rejects_a_malformed_or_unknown_case(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "no such case"]) == 2
    assert "格式不正确" in capsys.readouterr().err
    assert main(["verify", "游容免〔2026〕99号"]) == 1
    assert "没有存档清单" in capsys.readouterr().out


def test_a_sealed_archive_refuses_any_change(data_dir: Path) -> None:
    archive = CaseArchive.open(CASE)
    archive.add_document("opinion-1", "opinion", ".pdf", b"one", "determination-opinion")
    archive.add_decision("determinationRecognised", True)
    sealed = archive.seal()
    assert sealed.sealed_at and sealed.seal_sha256 == sealed.content_digest()
    assert archive.seal() == sealed  # sealing again changes nothing

    with pytest.raises(ArchiveSealedError, match="封存"):
        archive.add_file("late.pdf", b"late", "other")
    with pytest.raises(ArchiveSealedError, match="封存"):
        archive.add_document("opinion-2", "opinion", ".pdf", b"two", "determination-opinion")
    with pytest.raises(ArchiveSealedError, match="封存"):
        archive.add_decision("determinationRecognised", False)
    # Refiling exactly what is there (a retried job) is not a change.
    archive.add_document("opinion-1", "opinion", ".pdf", b"one", "determination-opinion")
    archive.add_decision("determinationRecognised", True)
    assert archive.manifest() == sealed
    assert archive.verify() == []


def test_verify_detects_a_manifest_edited_after_sealing(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = CaseArchive.open(CASE)
    archive.add_decision("determinationRecognised", True)
    archive.seal()
    path = archive.directory / "manifest.json"
    path.write_text(path.read_text(encoding="utf-8").replace("true", "false"), encoding="utf-8")
    assert main(["verify", CASE]) == 1
    assert "封存后清单被改动" in capsys.readouterr().out
