"""A full disk: what is answered is stored and audited, what is refused is neither.

The engine runs on a small tmpfs (this test mounts one: it needs root, and says so otherwise)
with nearly all of it taken by a filler file. Instances are created over REST until the disk
refuses commits; then every 201 must be an instance in the log with its audit entry, every refusal
a clear 503 that left nothing behind, the audit chain must verify, and once the filler is
removed the engine accepts instances again without a restart, and restarts cleanly.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine.api import Resource
from engine.audit import AuditAction, AuditQuery
from engine.gateway import ClusterInfo
from engine.http import create_app
from engine.http.context import RestContext
from engine.service import EngineService
from tests.engine.fake_engine import one_task_process

TMPFS_BYTES = 3 * 1024 * 1024
LEFT_FREE = 256 * 1024


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("this test mounts a small tmpfs and must run as root")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mount_point)],
        check=True,
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\1" * 4096)
    finally:
        os.close(fd)
    stats = os.statvfs(disk)
    assert stats.f_bavail == 0 or stats.f_bavail * stats.f_frsize < 4096
    os.truncate(filler, max(filler.stat().st_size - leave, 0))
    return filler


def _created_instances(service: EngineService) -> set[int]:
    return {
        int(str(row[0]))
        for row in service.store.query(
            "SELECT json_extract(value, '$.processInstanceKey') FROM records "
            "WHERE value_type = 'PROCESS_INSTANCE_CREATION' "
            "AND intent = 'CREATED'"
        )
    }


def _audited_instances(service: EngineService) -> set[int]:
    trail = service.store.audit_trail()
    try:
        entries = trail.entries(AuditQuery(action=AuditAction.PROCESS_INSTANCE_CREATED, limit=1000))
        assert trail.verify().ok
    finally:
        trail.close()
    return {int(e.subject_keys["processInstanceKey"]) for e in entries}


async def _create(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/v2/process-instances",
        json={"processDefinitionId": "p", "variables": {"padding": "x" * 500}},
    )


async def test_a_full_disk_refuses_cleanly_and_recovers(small_disk: Path) -> None:
    data_dir = small_disk / "engine"
    service = await EngineService.open(data_dir)
    trail = service.store.audit_trail()
    app = create_app(
        service, lambda: ClusterInfo("127.0.0.1", 26500), rest=RestContext(service, trail)
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://engine")
    closed = False
    try:
        await service.deploy([Resource("p.bpmn", one_task_process("p", "work"))])
        filler = _fill(small_disk, LEFT_FREE)
        acknowledged: list[int] = []
        refused = 0
        for _ in range(300):
            response = await _create(client)
            if response.status_code == 200:
                acknowledged.append(int(response.json()["processInstanceKey"]))
            else:
                refused += 1
                assert response.status_code == 503, response.text
                problem = response.json()
                assert "disk is full" in problem["detail"]
                assert "not stored" in problem["detail"]
                if refused >= 5:
                    break
        assert acknowledged, "some instances should fit before the disk is full"
        assert refused >= 5, "the disk never filled up"

        # what was answered is exactly what is stored and what is audited
        assert _created_instances(service) == set(acknowledged)
        assert _audited_instances(service) == set(acknowledged)
        print(f"disk full after {len(acknowledged)} instances; {refused} refused with 503")

        filler.unlink()
        after = await _create(client)
        assert after.status_code == 200, after.text
        acknowledged.append(int(after.json()["processInstanceKey"]))
        assert _created_instances(service) == set(acknowledged)
        assert _audited_instances(service) == set(acknowledged)

        await client.aclose()
        trail.close()
        await service.close()
        closed = True
        reopened = await EngineService.open(data_dir)
        try:
            assert _created_instances(reopened) == set(acknowledged)
            assert _audited_instances(reopened) == set(acknowledged)
        finally:
            await reopened.close()
    finally:
        if not closed:
            await client.aclose()
            trail.close()
            await service.close()


def test_errno_of_a_full_disk_is_what_the_engine_looks_for() -> None:
    from engine.store import StorageFull, storage_refusal

    assert isinstance(storage_refusal(OSError(errno.ENOSPC, "No space left")), StorageFull)
