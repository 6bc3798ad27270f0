"""One real `python -m engine serve` (demo identity, temp data dir, free ports) shared by the fuzz
tests: they exercise what a client on the wire reaches, not an in-process app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.ports import free_ports

REPO = Path(__file__).resolve().parents[2]
IDENTITY = REPO / "engine" / "access" / "demo-identity.toml"
ADMIN_TOKEN = "yxt_demo-admin-token-for-local-demo-only"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
READY_BUDGET_S = 30.0


@dataclass(frozen=True)
class ServedEngine:
    http: str  # base URL, e.g. http://127.0.0.1:1234
    grpc: str  # host:port
    process: subprocess.Popen[str]

    def alive(self) -> bool:
        return self.process.poll() is None


def _wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    end = time.monotonic() + READY_BUDGET_S
    while time.monotonic() < end:
        line = process.stdout.readline()
        if not line:
            break
        if line.rstrip("\n") == "ready":
            return
    process.kill()
    _, err = process.communicate(timeout=10)
    raise RuntimeError(f"engine serve did not become ready: {err[-2000:]}")


@pytest.fixture(scope="session")
def served_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedEngine]:
    data_dir = tmp_path_factory.mktemp("fuzz-engine")
    grpc_port, http_port = free_ports(2)
    env = {**os.environ, "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "serve",
            "--grpc-address",
            f"127.0.0.1:{grpc_port}",
            "--http-address",
            f"127.0.0.1:{http_port}",
            "--data-dir",
            str(data_dir),
            "--identity-file",
            str(IDENTITY),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_ready(process)
        engine = ServedEngine(f"http://127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}", process)
        _deploy_procedure(engine)
        yield engine
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _deploy_procedure(engine: ServedEngine) -> None:
    """Real definitions and a started case, so key-taking operations sometimes hit something."""
    bpmn = sorted((REPO / "bpmn").glob("*.bpmn"))
    files = [("resources", (path.name, path.read_bytes(), "application/xml")) for path in bpmn]
    response = httpx.post(
        f"{engine.http}/v2/deployments", files=files, headers=ADMIN_HEADERS, timeout=60
    )
    response.raise_for_status()
