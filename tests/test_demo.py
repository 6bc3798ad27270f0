"""`make demo` starts every part, opens the sample case, and Ctrl-C stops all it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.ports import free_ports

ROOT = Path(__file__).resolve().parent.parent
ADMIN = {"Authorization": "Bearer yxt_demo-admin-token-for-local-demo-only"}


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _open_tasks(http_port: int, user: tuple[str, str] | None = None) -> list[str]:
    answer = httpx.post(
        f"http://127.0.0.1:{http_port}/v2/user-tasks/search",
        json={"filter": {"state": "CREATED"}},
        headers=None if user else ADMIN,
        auth=user,
        timeout=10,
    )
    answer.raise_for_status()
    return sorted(task["elementId"] for task in answer.json()["items"])


def test_demo_runs_the_sample_case_to_acceptance_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    grpc_port, http_port, desk_port = free_ports(3)
    env = {
        **os.environ,
        "DEMO_DATA_DIR": str(tmp_path),
        "ZEEBE_ADDRESS": f"127.0.0.1:{grpc_port}",
        "ENGINE_HTTP_ADDRESS": f"127.0.0.1:{http_port}",
        "DESK_ADDRESS": f"127.0.0.1:{desk_port}",
        "PYTHONUNBUFFERED": "1",
    }
    demo = subprocess.Popen(
        [sys.executable, "-m", "tools.demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert demo.stdout is not None
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line, "demo exited early:\n" + "".join(seen)
            seen.append(line)
            if "demo: running" in line:
                break
        else:
            raise AssertionError("demo did not say it was running:\n" + "".join(seen))
        output = "".join(seen)
        assert "opened a sample case" in output
        assert f"http://127.0.0.1:{desk_port}/" in output

        # The workers take the sample application through 8(1); it then waits at acceptance,
        # where the office and the accountability subject decide together (8(2)).
        waiting: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not waiting:
            waiting = _open_tasks(http_port)
            time.sleep(0.2)
        assert waiting == ["officeAcceptanceReview", "subjectAcceptanceOpinion"], waiting
        # Each demo user sees the part of the joint review that is theirs.
        assert _open_tasks(http_port, ("office", "demo-office")) == ["officeAcceptanceReview"]
        assert _open_tasks(http_port, ("subject", "demo-subject")) == ["subjectAcceptanceOpinion"]
        assert _listening(desk_port)
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        try:
            code = demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            raise
    assert code == 0
    for port in (grpc_port, http_port, desk_port):
        assert not _listening(port), f"port {port} still open after Ctrl-C"
