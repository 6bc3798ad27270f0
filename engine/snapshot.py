"""Snapshots of the engine's state, so that a restart replays only the records written after one.

Zeebe snapshots its state periodically and compacts the log behind it; so does this engine. A
snapshot is the whole `EngineState` (running instances, jobs, timers, deployed definitions) as of
one record position, with the checksum of that record, so that it is known to belong to this very
log. It is written to a new file, fsynced and renamed over the old one: a crash at any moment
leaves either the previous snapshot or the new one, never half of one.

The state is stored with pickle: it is the engine's own data in the engine's own data directory,
trusted as much as the record store beside it. Pickled classes are tied to the code that wrote
them, so a snapshot carries a fingerprint of that code; after an upgrade the fingerprint differs,
the snapshot is set aside and the state is rebuilt from the records (the history keeps them all),
once, and snapshotted again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import struct
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded lazily: the command line's --help does not load the core
    from engine.core.state import EngineState

log = logging.getLogger("engine.snapshot")

SNAPSHOT_FILE = "state.snapshot"
# Records between two snapshots of a served engine; also what the primary log holds at most
# beyond the last snapshot (docs/storage-integrity.md). 0 turns snapshots off.
DEFAULT_SNAPSHOT_EVERY = 10_000

_HEADER = struct.Struct("<8sq16s32sq32s")  # magic, position, checksum, code, size, sha256
_MAGIC = b"ENGSNAP1"
# The modules whose classes a snapshot holds (the state, parsed definitions, decision tables).
_PICKLED_CODE = ("core", "definitions", "dmn")


@dataclass(frozen=True)
class Snapshot:
    position: int
    checksum: bytes
    state: EngineState


@cache
def code_fingerprint() -> bytes:
    """Digest of the engine code whose classes are pickled into a snapshot."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for package in _PICKLED_CODE:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.digest()


def encode_state(state: EngineState) -> bytes:
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def write_snapshot(data_dir: Path, payload: bytes, position: int, checksum: bytes) -> None:
    """Replaces the snapshot atomically; returns once it is durable."""
    path = data_dir / SNAPSHOT_FILE
    new = path.with_name(path.name + ".new")
    header = _HEADER.pack(
        _MAGIC,
        position,
        checksum,
        code_fingerprint(),
        len(payload),
        hashlib.sha256(payload).digest(),
    )
    with open(new, "wb") as handle:
        handle.write(header)
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    pause_for_test("snapshot-written")
    os.replace(new, path)
    directory = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_snapshot(data_dir: Path) -> Snapshot | None:
    """The snapshot in `data_dir`, or None when there is none or it cannot be used (then the
    state is rebuilt from the records; why is logged)."""
    path = data_dir / SNAPSHOT_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) < _HEADER.size:
        log.warning("snapshot %s is too short: rebuilding the state from the records", path)
        return None
    magic, position, checksum, code, size, digest = _HEADER.unpack_from(data)
    payload = data[_HEADER.size :]
    if magic != _MAGIC or size != len(payload) or hashlib.sha256(payload).digest() != digest:
        log.warning("snapshot %s is damaged: rebuilding the state from the records", path)
        return None
    if code != code_fingerprint():
        log.warning(
            "snapshot %s was written by another version of the engine: rebuilding the state "
            "from the records",
            path,
        )
        return None
    try:
        state = pickle.loads(payload)
    except Exception as error:  # any unpickling failure means: do not use it
        log.warning("snapshot %s cannot be read (%r): rebuilding from the records", path, error)
        return None
    from engine.core.state import EngineState

    if not isinstance(state, EngineState):
        return None
    return Snapshot(position, checksum, state)


def pause_for_test(stage: str) -> None:
    """Fault injection for the kill -9 tests only: ENGINE_TEST_PAUSE=<stage>:<seconds> makes the
    snapshot or compaction thread stop at that stage (announced on stderr) so a test can kill
    the process exactly there. Unset in every real deployment."""
    wanted = os.environ.get("ENGINE_TEST_PAUSE", "")
    if not wanted.startswith(stage + ":"):
        return
    print(f"ENGINE_TEST_PAUSE at {stage}", flush=True, file=sys.stderr)
    time.sleep(float(wanted.split(":", 1)[1]))
