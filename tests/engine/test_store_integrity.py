"""A damaged record store is refused at start-up, never silently survived.

Each case damages a copy of a store that acknowledged 50 instances the way the probing did (garbage
in the WAL, a truncated or deleted WAL, garbage in the main file, a value edited by hand), then runs
`python -m engine serve` on it: it must exit non-zero with one clear line naming the file, the
position and the recovery document, and no traceback or crash. The intact copy still starts.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.api import Resource
from engine.service import EngineService
from engine.store import ACK_FILE, DB_FILE, RECOVERY_DOC, StoreDamaged
from tests.engine.fake_engine import one_task_process
from tests.ports import free_ports

REPO = Path(__file__).resolve().parents[2]
INSTANCES = 50
WAL = DB_FILE + "-wal"


def _copy_store(source: Path, target: Path) -> Path:
    target.mkdir()
    # The log, its WAL and note, and since snapshots: the snapshot and the history (with its WAL).
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith("-shm"):
            shutil.copyfile(path, target / path.name)
    return target


async def _store_with_instances(data_dir: Path, crash_image: Path) -> None:
    """Acknowledges INSTANCES instances, copies the files while the engine still runs (what a
    crash leaves behind: the records in the WAL), then closes cleanly (checkpointed into the
    main file)."""
    service = await EngineService.open(data_dir)
    try:
        await service.deploy([Resource("p.bpmn", one_task_process("p", "work"))])
        for _ in range(INSTANCES):
            await service.create_process_instance(bpmn_process_id="p")
        _copy_store(data_dir, crash_image)
    finally:
        await service.close()
    assert (crash_image / WAL).stat().st_size > 0, (
        "the crash image should hold its records in the WAL"
    )


def _serve(data_dir: Path, wait_ready: bool = False) -> subprocess.CompletedProcess[str]:
    grpc_port, http_port = free_ports(2)
    command = [
        sys.executable,
        "-m",
        "engine",
        "serve",
        "--no-auth",
        "--grpc-address",
        f"127.0.0.1:{grpc_port}",
        "--http-address",
        f"127.0.0.1:{http_port}",
        "--data-dir",
        str(data_dir),
    ]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    seen = ""
    if wait_ready:
        for line in process.stdout:
            seen += line
            if line.strip() == "ready":
                process.terminate()
                break
    try:
        stdout, stderr = process.communicate(timeout=30)
        stdout = seen + stdout
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        pytest.fail(f"engine serve neither started nor refused: {stderr[-2000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _garbage_in_wal(d: Path) -> None:
    wal = d / WAL
    size = wal.stat().st_size
    with wal.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(b"\xa5\x5a" * 2048)


def _truncate_wal(d: Path) -> None:
    wal = d / WAL
    with wal.open("r+b") as handle:
        handle.truncate(wal.stat().st_size // 3)


def _delete_wal(d: Path) -> None:
    (d / WAL).unlink()
    (d / (DB_FILE + "-shm")).unlink(missing_ok=True)


def _garbage_in_main_file(d: Path) -> None:
    db = d / DB_FILE
    size = db.stat().st_size
    with db.open("r+b") as handle:
        handle.seek((size // 2) // 4096 * 4096 + 100)
        handle.write(b"\xa5\x5a" * 1024)


def _edit_a_value(d: Path) -> None:
    raw = sqlite3.connect(d / DB_FILE)
    raw.execute("UPDATE records SET value = json_set(value, '$.version', 7) WHERE position = 5")
    raw.commit()
    raw.close()


DAMAGE: dict[str, tuple[Callable[[Path], None], bool]] = {
    # name: (damage, applies to the crash image with its WAL rather than the closed store)
    "wal-garbage": (_garbage_in_wal, True),
    "wal-truncated": (_truncate_wal, True),
    "wal-deleted": (_delete_wal, True),
    "main-file-corrupted": (_garbage_in_main_file, False),
    "value-edited": (_edit_a_value, False),
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import asyncio

    base = tmp_path_factory.mktemp("stores")
    asyncio.run(_store_with_instances(base / "closed", base / "crash-image"))
    return base / "closed", base / "crash-image"


@pytest.mark.parametrize("case", list(DAMAGE))
def test_serve_refuses_a_damaged_store(
    stores: tuple[Path, Path], tmp_path: Path, case: str
) -> None:
    damage, in_crash_image = DAMAGE[case]
    closed, crash_image = stores
    data_dir = _copy_store(crash_image if in_crash_image else closed, tmp_path / case)
    damage(data_dir)

    done = _serve(data_dir)

    assert done.returncode == 3, (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    assert "ready" not in done.stdout
    message = done.stderr
    assert str(data_dir) in message
    assert "position" in message
    assert RECOVERY_DOC in message
    print(f"{case}: {message.strip().splitlines()[-1]}")


@pytest.mark.parametrize("image", ["closed", "crash-image"])
def test_an_intact_store_still_starts(
    stores: tuple[Path, Path], tmp_path: Path, image: str
) -> None:
    closed, crash_image = stores
    data_dir = _copy_store(closed if image == "closed" else crash_image, tmp_path / image)
    done = _serve(data_dir, wait_ready=True)
    assert "ready" in done.stdout, done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]


async def test_the_note_of_the_acknowledged_position_follows_each_commit(tmp_path: Path) -> None:
    service = await EngineService.open(tmp_path)
    try:
        await service.deploy([Resource("p.bpmn", one_task_process("p", "work"))])
        await service.create_process_instance(bpmn_process_id="p")
        from engine.store import AcknowledgedNote

        noted = AcknowledgedNote(tmp_path / ACK_FILE).read()
        assert noted is not None and noted[0] == service.state.position
    finally:
        await service.close()


async def test_a_deleted_note_is_refused_too(tmp_path: Path) -> None:
    service = await EngineService.open(tmp_path)
    try:
        await service.deploy([Resource("p.bpmn", one_task_process("p", "work"))])
    finally:
        await service.close()
    (tmp_path / ACK_FILE).unlink()
    with pytest.raises(StoreDamaged, match=ACK_FILE):
        await EngineService.open(tmp_path)


@pytest.mark.parametrize("case", ["wal-truncated", "value-edited"])
def test_the_documented_recovery_keeps_the_intact_records_and_starts(
    stores: tuple[Path, Path], tmp_path: Path, case: str
) -> None:
    damage, in_crash_image = DAMAGE[case]
    closed, crash_image = stores
    data_dir = _copy_store(crash_image if in_crash_image else closed, tmp_path / case)
    damage(data_dir)
    recovered = subprocess.run(
        [sys.executable, "-m", "engine", "recover", "--data-dir", str(data_dir), "--accept-loss"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert recovered.returncode == 0, recovered.stderr
    assert "kept the records up to position" in recovered.stdout
    if case == "value-edited":
        assert "position 4;" in recovered.stdout
    done = _serve(data_dir, wait_ready=True)
    assert "ready" in done.stdout, done.stderr[-3000:]


def test_a_store_of_an_earlier_version_is_sealed_and_its_trail_adopted(tmp_path: Path) -> None:
    from engine.audit import AuditTrail
    from engine.core.records import Record, RecordType, ValueType
    from engine.store import RecordStore

    store = RecordStore(tmp_path)
    store.append(
        [Record(p, p, RecordType.EVENT, ValueType.VARIABLE, "CREATED", 0, {"n": p}) for p in (1, 2)]
    )
    store.close()
    raw = sqlite3.connect(tmp_path / DB_FILE)  # as an earlier version left it
    raw.execute("ALTER TABLE records DROP COLUMN checksum")
    raw.execute("DROP TABLE audit_trail")
    raw.commit()
    raw.close()
    (tmp_path / ACK_FILE).unlink()
    old_trail = AuditTrail.open(tmp_path / "audit.sqlite3")
    old_trail.append(timestamp=1, actor="demo", action="DEPLOYMENT_CREATED")
    old_trail.close()

    store = RecordStore(tmp_path)
    try:
        assert [r.position for r in store.read_all()] == [1, 2]
        trail = store.audit_trail()
        assert [e.actor for e in trail.entries()] == ["demo"] and trail.verify().ok
        trail.close()
    finally:
        store.close()
    assert (tmp_path / ACK_FILE).exists()
    assert (tmp_path / "audit.sqlite3.adopted").exists()
