"""Camunda's own TypeScript REST client (@camunda8/orchestration-cluster-api 8.8.4), unchanged, with
CAMUNDA_SDK_VALIDATION=strict, against `python -m engine serve`.

The Node script (tests/engine/rest_client/strict_suite.mjs) is configured only through the
environment a user would set and calls every /v2 endpoint the engine serves, error answers
included; the client validates each request and answer against its 8.8 schemas. It prints one
JSON line listing every client call; each must pass.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ports import free_ports

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "engine" / "rest_client" / "strict_suite.mjs"
CLIENT_PACKAGE = REPO / "node_modules" / "@camunda8" / "orchestration-cluster-api" / "package.json"
RESULT_MARKER = "REST_CLIENT_RESULT "
ENGINE_READY_S = 20.0
SCRIPT_BUDGET_S = 120.0

pytestmark = pytest.mark.timeout(180)


@contextlib.contextmanager
def _engine(data_dir: Path) -> Iterator[str]:
    """Runs `python -m engine serve --no-auth` with its HTTP API on a free port; yields its URL."""
    (port,) = free_ports(1)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "serve",
            "--grpc-address",
            "127.0.0.1:0",
            "--http-address",
            f"127.0.0.1:{port}",
            "--data-dir",
            str(data_dir),
            "--no-auth",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_ready(process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _wait_until_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + ENGINE_READY_S
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if lines[-1] == "ready":
            return
    process.kill()
    _, stderr = process.communicate()
    pytest.fail(f"`python -m engine serve` did not print 'ready': {lines!r}\n{stderr[-2000:]}")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("this test needs Node.js (`node`) on PATH")
    if not CLIENT_PACKAGE.exists():
        pytest.fail(
            "@camunda8/orchestration-cluster-api is not installed: run `npm ci` in the "
            "repository root"
        )
    return node


def run_strict_suite(rest_address: str) -> dict[str, Any]:
    # Only what a user would set; inherited CAMUNDA_* settings must not leak in.
    env = {key: value for key, value in os.environ.items() if not key.startswith("CAMUNDA_")}
    env.update(
        CAMUNDA_REST_ADDRESS=rest_address,
        CAMUNDA_AUTH_STRATEGY="NONE",
        CAMUNDA_SDK_VALIDATION="strict",
        CAMUNDA_SDK_LOG_LEVEL="error",
    )
    try:
        finished = subprocess.run(
            [_node(), str(SCRIPT)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=SCRIPT_BUDGET_S,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the strict suite did not finish in {SCRIPT_BUDGET_S} s: {error.output!r}")
    results = [
        line[len(RESULT_MARKER) :]
        for line in finished.stdout.splitlines()
        if line.startswith(RESULT_MARKER)
    ]
    if finished.returncode != 0 or not results:
        pytest.fail(
            f"the strict suite failed (exit {finished.returncode}):\n"
            f"{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(results[-1])
    return result


def test_camundas_rest_client_in_strict_mode_passes_on_every_endpoint(tmp_path: Path) -> None:
    with _engine(tmp_path) as url:
        result = run_strict_suite(url)
    calls = result["calls"]
    failed = [call for call in calls if not call["ok"]]
    assert not failed, f"{len(failed)} of {len(calls)} client calls failed: {failed}"
    names = {call["name"].split(" (")[0] for call in calls}
    # Every kind of endpoint we serve is exercised (errors are counted under their operation).
    assert {
        "createDeployment",
        "searchProcessDefinitions",
        "getProcessDefinition",
        "getProcessDefinitionXml",
        "getStartProcessForm",
        "getProcessDefinitionStatistics",
        "createProcessInstance",
        "getProcessInstance",
        "searchProcessInstances",
        "getProcessInstanceStatistics",
        "cancelProcessInstance",
        "searchUserTasks",
        "getUserTask",
        "getUserTaskForm",
        "searchUserTaskVariables",
        "assignUserTask",
        "unassignUserTask",
        "updateUserTask",
        "completeUserTask",
        "activateJobs",
        "completeJob",
        "failJob",
        "throwJobError",
        "updateJob",
        "searchIncidents",
        "getIncident",
        "resolveIncident",
        "searchProcessInstanceIncidents",
        "searchElementInstances",
        "getElementInstance",
        "searchVariables",
        "getVariable",
        "publishMessage",
        "correlateMessage",
        "pinClock",
        "resetClock",
        "getTopology",
        "getAuthentication",
    } <= names
    refusals = {call.get("expectedStatus") for call in calls}
    assert {400, 404, 409} <= refusals
