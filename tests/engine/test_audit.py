"""The audit trail: append-only, hash-chained, readable by page and filter, and checked by
`python -m engine.audit verify`, which names the first broken entry."""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.api import InvalidArgument
from engine.audit import (
    AUDIT_DB_FILE,
    GENESIS_HASH,
    AuditAction,
    AuditQuery,
    AuditTrail,
)
from engine.audit.cli import main as audit_cli
from engine.audit.entry import entry_hash
from engine.audit.listing import audit_page, audit_query

NOW = 1_790_000_000_000  # engine clock, epoch ms


def _fill(trail: AuditTrail) -> None:
    trail.append(
        timestamp=NOW,
        actor="admin",
        action=AuditAction.DEPLOYMENT_CREATED,
        subject_keys={"deploymentKey": 2251799813685248},
        details={"resources": ["exemption-procedure.bpmn"]},
    )
    trail.append(
        timestamp=NOW + 1000,
        actor="office",
        action=AuditAction.USER_TASK_ASSIGNED,
        subject_keys={"userTaskKey": "2251799813685260", "processInstanceKey": "2251799813685249"},
        details={"assignee": "office"},
    )
    trail.append(
        timestamp=NOW + 2000,
        actor="office",
        action=AuditAction.USER_TASK_COMPLETED,
        subject_keys={"userTaskKey": "2251799813685260", "processInstanceKey": "2251799813685249"},
        details={"variables": {"accepted": True, "reason": "符合第八条规定", "amount": 1.5}},
    )
    trail.append(
        timestamp=NOW + 3000,
        actor="admin",
        action=AuditAction.PROCESS_INSTANCE_CANCELED,
        subject_keys={"processInstanceKey": "2251799813685300"},
    )


@pytest.fixture
def trail(tmp_path: Path) -> Iterator[AuditTrail]:
    opened = AuditTrail.open_in(tmp_path)
    _fill(opened)
    yield opened
    opened.close()


def test_entries_are_chained(trail: AuditTrail) -> None:
    entries = trail.entries()
    assert [e.sequence for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    completed = entries[2]
    assert completed.actor == "office"
    assert completed.action == "USER_TASK_COMPLETED"
    assert completed.timestamp == NOW + 2000
    assert completed.subject_keys == {
        "userTaskKey": "2251799813685260",
        "processInstanceKey": "2251799813685249",
    }
    assert completed.details["variables"]["reason"] == "符合第八条规定"
    # The hash is sha256 over the canonical JSON of the entry, previous hash included.
    canonical = json.dumps(
        {
            "sequence": 3,
            "timestamp": NOW + 2000,
            "actor": "office",
            "action": "USER_TASK_COMPLETED",
            "subjectKeys": completed.subject_keys,
            "details": completed.details,
            "prevHash": entries[1].hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert completed.hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert trail.verify().ok
    assert trail.verify().checked == 4
    assert trail.verify().head_hash == entries[-1].hash


def test_append_returns_what_is_stored(trail: AuditTrail) -> None:
    entry = trail.append(
        timestamp=NOW + 9000,
        actor="admin",
        action=AuditAction.INCIDENT_RESOLVED,
        subject_keys={"incidentKey": 7},
        details={"note": ("a", "b")},
    )
    assert entry == trail.entries(AuditQuery(after_sequence=4))[0]
    assert entry.details == {"note": ["a", "b"]}
    assert entry.to_json()["subjectKeys"] == {"incidentKey": "7"}


def test_filter_and_page(trail: AuditTrail) -> None:
    assert [e.sequence for e in trail.entries(AuditQuery(actor="office"))] == [2, 3]
    completed = trail.entries(AuditQuery(action=AuditAction.USER_TASK_COMPLETED))
    assert [e.sequence for e in completed] == [3]
    of_case = AuditQuery(subject_key=("processInstanceKey", "2251799813685249"))
    assert [e.sequence for e in trail.entries(of_case)] == [2, 3]
    assert trail.count(of_case) == 2
    window = AuditQuery(from_timestamp=NOW + 1000, to_timestamp=NOW + 3000)
    assert [e.sequence for e in trail.entries(window)] == [2, 3]
    first = trail.entries(AuditQuery(limit=3))
    rest = trail.entries(AuditQuery(limit=3, after_sequence=first[-1].sequence))
    assert [e.sequence for e in first + rest] == [1, 2, 3, 4]
    assert trail.count() == 4


def test_bad_input_is_refused_and_nothing_is_written(trail: AuditTrail) -> None:
    with pytest.raises(ValueError, match="plain JSON"):
        trail.append(timestamp=NOW, actor="a", action="X", details={"bad": float("nan")})
    with pytest.raises(ValueError, match="plain JSON"):
        trail.append(timestamp=NOW, actor="a", action="X", details={"bad": object()})
    with pytest.raises(ValueError, match="actor"):
        trail.append(timestamp=NOW, actor="", action="X")
    with pytest.raises(ValueError, match="identifier"):
        trail.append(timestamp=NOW, actor="a", action="X", subject_keys={"bad key'": 1})
    with pytest.raises(ValueError, match="limit"):
        trail.entries(AuditQuery(limit=0))
    assert trail.count() == 4
    assert trail.verify().ok


def test_sqlite_refuses_update_and_delete(tmp_path: Path, trail: AuditTrail) -> None:
    raw = sqlite3.connect(tmp_path / AUDIT_DB_FILE)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE audit_trail SET actor = 'someone else' WHERE sequence = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM audit_trail WHERE sequence = 2")
    raw.close()
    assert not hasattr(trail, "update") and not hasattr(trail, "delete")


def _tamper(path: Path, statement: str) -> None:
    """What someone with the file could do: drop the guards and rewrite history."""
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER audit_trail_no_update")
    raw.execute("DROP TRIGGER audit_trail_no_delete")
    raw.execute(statement)
    raw.commit()
    raw.close()


@pytest.mark.parametrize(
    ("statement", "broken", "reason"),
    [
        (
            'UPDATE audit_trail SET details = \'{"variables":{"accepted":false}}\' '
            "WHERE sequence = 3",
            3,
            "content",
        ),
        ("UPDATE audit_trail SET actor = 'leader' WHERE sequence = 2", 2, "content"),
        ("DELETE FROM audit_trail WHERE sequence = 2", 2, "missing"),
        (
            "UPDATE audit_trail SET prev_hash = '" + "1" * 64 + "' WHERE sequence = 4",
            4,
            "prev_hash",
        ),
    ],
)
def test_verify_names_the_first_broken_entry(
    tmp_path: Path, trail: AuditTrail, statement: str, broken: int, reason: str
) -> None:
    _tamper(tmp_path / AUDIT_DB_FILE, statement)
    result = trail.verify()
    assert not result.ok
    assert result.first_broken_sequence == broken
    assert reason in result.reason
    assert result.checked == broken - 1


def test_rehashing_one_entry_still_breaks_the_next(tmp_path: Path, trail: AuditTrail) -> None:
    # A forger who recomputes the changed entry's own hash is caught by the following entry.
    entry = trail.entries()[1]
    forged = entry_hash(
        sequence=2,
        timestamp=entry.timestamp,
        actor="leader",
        action=entry.action,
        subject_keys=entry.subject_keys,
        details=entry.details,
        prev_hash=entry.prev_hash,
    )
    _tamper(
        tmp_path / AUDIT_DB_FILE,
        f"UPDATE audit_trail SET actor = 'leader', hash = '{forged}' WHERE sequence = 2",
    )
    result = trail.verify()
    assert (result.ok, result.first_broken_sequence) == (False, 3)


def test_empty_trail_verifies(tmp_path: Path) -> None:
    trail = AuditTrail.attach(sqlite3.connect(":memory:", isolation_level=None))
    result = trail.verify()
    assert result.ok and result.checked == 0 and result.head_hash == GENESIS_HASH


def test_reopened_trail_continues_the_chain(tmp_path: Path, trail: AuditTrail) -> None:
    trail.close()
    again = AuditTrail.open(tmp_path / AUDIT_DB_FILE, create=False)
    entry = again.append(timestamp=NOW + 5000, actor="admin", action=AuditAction.CLOCK_RESET)
    assert entry.sequence == 5
    assert again.verify().ok
    again.close()


# --- the check command ---------------------------------------------------------------------------


def test_verify_command_ok(
    tmp_path: Path, trail: AuditTrail, capsys: pytest.CaptureFixture[str]
) -> None:
    assert audit_cli(["verify", "--data-dir", str(tmp_path)]) == 0
    assert "OK: 4 entries" in capsys.readouterr().out


def test_verify_command_names_the_broken_entry(
    tmp_path: Path, trail: AuditTrail, capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(tmp_path / AUDIT_DB_FILE, "UPDATE audit_trail SET actor = 'x' WHERE sequence = 3")
    assert audit_cli(["verify", "--file", str(tmp_path / AUDIT_DB_FILE)]) == 1
    assert "BROKEN at entry 3" in capsys.readouterr().err


def test_verify_command_without_a_trail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert audit_cli(["verify", "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "cannot open" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_verify_command_as_a_module(tmp_path: Path, trail: AuditTrail) -> None:
    _tamper(tmp_path / AUDIT_DB_FILE, "DELETE FROM audit_trail WHERE sequence = 1")
    done = subprocess.run(
        [sys.executable, "-m", "engine.audit", "verify", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "BROKEN at entry 1" in done.stderr


# --- GET /v2/audit parameters and envelope -------------------------------------------------------


def test_audit_listing_pages_with_cursors(trail: AuditTrail) -> None:
    first = audit_page(trail, audit_query({"limit": "2"}))
    assert [e["sequence"] for e in first["items"]] == [1, 2]
    assert first["page"]["totalItems"] == 4
    rest = audit_page(trail, audit_query({"limit": "2", "after": first["page"]["endCursor"]}))
    assert [e["sequence"] for e in rest["items"]] == [3, 4]
    assert rest["items"][0]["details"]["variables"]["accepted"] is True
    of_task = audit_page(
        trail,
        audit_query({"userTaskKey": "2251799813685260", "action": "USER_TASK_COMPLETED"}),
    )
    assert [e["sequence"] for e in of_task["items"]] == [3]
    assert of_task["items"][0]["subjectKeys"]["processInstanceKey"] == "2251799813685249"
    empty = audit_page(trail, audit_query({"actor": "nobody"}))
    assert empty == {
        "items": [],
        "page": {"totalItems": 0, "startCursor": None, "endCursor": None},
    }


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"who": "x"}, "'who'"),
        ({"action": "DELETED_EVERYTHING"}, "'action'"),
        ({"limit": "0"}, "'limit'"),
        ({"limit": "ten"}, "'limit'"),
        ({"after": "-1"}, "'after'"),
        ({"userTaskKey": "abc"}, "'userTaskKey'"),
        ({"userTaskKey": "1", "processInstanceKey": "2"}, "at most one"),
    ],
)
def test_audit_listing_refuses_bad_parameters(params: dict[str, str], named: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        audit_query(params)
    assert named in str(refused.value)
