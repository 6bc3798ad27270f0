"""Camunda's Node SDK (@camunda8/sdk), unchanged, against `python -m engine serve`.

The Node script (tests/engine/node_sdk/client_flow.mjs) is configured only through the
environment a user would set, runs topology, deploy, instance creation, a polling worker with
createProcessInstanceWithResult, message correlation, fail-and-retry and a streaming worker, and
prints one JSON line that these tests assert on. The engine runs twice: with --no-auth, and with
authentication on, where the SDK's BEARER strategy sends the demo identity's static API token.
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

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "engine" / "node_sdk" / "client_flow.mjs"
REPAIR_SCRIPT = REPO / "tests" / "engine" / "node_sdk" / "repair_flow.mjs"
SDK_PACKAGE = REPO / "node_modules" / "@camunda8" / "sdk" / "package.json"
DEMO_IDENTITY = REPO / "engine" / "access" / "demo-identity.toml"
DEMO_ADMIN_TOKEN = "yxt_demo-admin-token-for-local-demo-only"
RESULT_MARKER = "NODE_SDK_RESULT "
ENGINE_READY_S = 20.0
SCRIPT_BUDGET_S = 60.0

pytestmark = pytest.mark.timeout(120)


@contextlib.contextmanager
def _engine(data_dir: Path, *auth_args: str) -> Iterator[str]:
    """Runs `python -m engine serve` on free ports; yields the gRPC host:port."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "serve",
            "--grpc-address",
            "127.0.0.1:0",
            "--no-http",
            "--data-dir",
            str(data_dir),
            *auth_args,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield _wait_until_ready(process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _wait_until_ready(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + ENGINE_READY_S
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if lines[-1] == "ready":
            listening = next(x for x in lines if x.startswith("gRPC gateway listening on "))
            return listening.rsplit(" ", 1)[1]
    process.kill()
    _, stderr = process.communicate()
    pytest.fail(f"`python -m engine serve` did not print 'ready': {lines!r}\n{stderr[-2000:]}")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("these tests need Node.js (`node`) on PATH")
    if not SDK_PACKAGE.exists():
        pytest.fail("@camunda8/sdk is not installed: run `npm ci` in the repository root")
    return node


def run_client_flow(
    address: str, settings: dict[str, str], steps: str = "", script: Path = SCRIPT
) -> dict[str, Any]:
    """Runs the Node script against `address` with the SDK `settings` (auth strategy, ...) and
    returns its steps by name."""
    # Only what a user would set; inherited CAMUNDA_*/ZEEBE_* settings must not leak in.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CAMUNDA_", "ZEEBE_"))
    }
    env.update(
        ZEEBE_GRPC_ADDRESS=f"grpc://{address}",
        ZEEBE_CLIENT_LOG_LEVEL="ERROR",
        CAMUNDA_LOG_LEVEL="error",
        CAMUNDA_TENANT_ID="",
        **settings,
    )
    if steps:
        env["NODE_SDK_STEPS"] = steps
    try:
        finished = subprocess.run(
            [_node(), str(script)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=SCRIPT_BUDGET_S,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the Node SDK script did not finish in {SCRIPT_BUDGET_S} s: {error.output!r}")
    results = [
        line[len(RESULT_MARKER) :]
        for line in finished.stdout.splitlines()
        if line.startswith(RESULT_MARKER)
    ]
    if finished.returncode != 0 or not results:
        pytest.fail(
            f"the Node SDK script failed (exit {finished.returncode}):\n"
            f"{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
        )
    steps_by_name: dict[str, Any] = json.loads(results[-1])["steps"]
    return steps_by_name


@pytest.fixture(scope="module")
def open_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _engine(tmp_path_factory.mktemp("open"), "--no-auth") as address:
        yield address


@pytest.fixture(scope="module")
def secured_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _engine(
        tmp_path_factory.mktemp("secured"), "--identity-file", str(DEMO_IDENTITY)
    ) as address:
        yield address


def assert_whole_flow_works(steps: dict[str, Any]) -> None:
    failed = {name: step for name, step in steps.items() if not step["ok"]}
    assert not failed, f"Node SDK steps failed: {failed}"

    topology = steps["topology"]
    assert (topology["clusterSize"], topology["partitionsCount"], topology["brokers"]) == (1, 1, 1)

    deployed = {p["bpmnProcessId"]: p for p in steps["deploy"]["processes"]}
    assert set(deployed) == {
        "node-sdk-order",
        "node-sdk-payment",
        "node-sdk-retry",
        "node-sdk-stream",
    }
    # The SDK names a resource by its full path; the engine must keep it as given.
    assert deployed["node-sdk-order"]["resourceName"] == str(SCRIPT.parent / "node-sdk-order.bpmn")
    assert all(int(p["key"]) > 0 and p["version"] == 1 for p in deployed.values())

    created = steps["createProcessInstance"]
    assert created["bpmnProcessId"] == "node-sdk-order"
    assert int(created["processInstanceKey"]) > 0

    with_result = steps["workerWithResult"]
    assert with_result["variables"] == {
        "orderId": "o-1",
        "amount": 21,
        "handledBy": "node-sdk",
        "doubled": 42,
    }
    # The instance created without waiting also had its job picked up by the same worker.
    assert with_result["jobsSeen"] == ["o-0", "o-1"]

    message = steps["publishMessage"]
    assert int(message["messageKey"]) > 0
    assert message["jobVariables"] == {"orderId": "p-1", "paidAmount": 99}

    retried = steps["failAndRetry"]
    assert retried["attempts"] == [{"retries": 3, "attempt": 1}, {"retries": 2, "attempt": 2}]
    assert retried["variables"] == {"attempts": 2}

    streamed = steps["streamJobs"]
    assert streamed["streamed"] == [7]
    assert streamed["variables"] == {"n": 7, "streamed": 7}
    # streamJobs awaits its backfill poll first; a gateway holding that poll shows up here.
    assert streamed["openMs"] < 2000


def test_node_sdk_client_flow_without_auth_and_with_frequent_keepalive_pings(
    open_engine: str,
) -> None:
    steps = run_client_flow(
        open_engine,
        {
            "CAMUNDA_AUTH_STRATEGY": "NONE",
            # Every channel pings twice a second (the SDK's default is 6 minutes), and the job
            # stream idles through several pings before its job arrives. (This did not catch a
            # gateway with Zeebe-unlike ping limits here: gRPC core accepted these pings anyway.)
            "GRPC_KEEPALIVE_TIME_MS": "500",
            "NODE_SDK_STREAM_IDLE_MS": "2500",
        },
    )
    assert_whole_flow_works(steps)


def test_node_sdk_client_flow_with_a_static_bearer_token(secured_engine: str) -> None:
    steps = run_client_flow(
        secured_engine,
        {"CAMUNDA_AUTH_STRATEGY": "BEARER", "CAMUNDA_OAUTH_TOKEN": DEMO_ADMIN_TOKEN},
    )
    assert_whole_flow_works(steps)


@pytest.mark.parametrize(
    ("auth", "reason"),
    [
        ({"CAMUNDA_AUTH_STRATEGY": "NONE"}, "missing Authorization header"),
        (
            {"CAMUNDA_AUTH_STRATEGY": "BEARER", "CAMUNDA_OAUTH_TOKEN": "yxt_not-a-real-token"},
            "invalid or revoked API token",
        ),
    ],
    ids=["no-token", "unknown-token"],
)
def test_secured_engine_refuses_the_node_sdk_without_a_valid_token(
    secured_engine: str, auth: dict[str, str], reason: str
) -> None:
    topology = run_client_flow(secured_engine, auth, steps="topology")["topology"]
    assert topology["ok"] is False
    assert topology["code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]
    assert reason in topology["error"]


# Regressions found with the Node SDK: its streamJobs awaits a backfill ActivateJobs sent with
# requestTimeout=-1 ("do not long-poll"), which the gateway used to hold for the 10 s default.


def _activate_nothing(
    address: str, request_timeout: int, deadline_s: float
) -> tuple[list[Any], float]:
    request = pb.ActivateJobsRequest(
        type="node-sdk-no-such-type",
        worker="regression",
        timeout=1000,
        maxJobsToActivate=1,
        requestTimeout=request_timeout,
    )
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.GatewayStub(channel)
        started = time.monotonic()
        jobs = [
            job for batch in stub.ActivateJobs(request, timeout=deadline_s) for job in batch.jobs
        ]
        return jobs, time.monotonic() - started


def test_activate_jobs_with_negative_request_timeout_answers_at_once(open_engine: str) -> None:
    jobs, elapsed_s = _activate_nothing(open_engine, request_timeout=-1, deadline_s=30)
    assert jobs == []
    assert elapsed_s < 2  # not held for the 10 s default long poll


def test_activate_jobs_too_close_to_the_client_deadline_answers_empty_at_once(
    open_engine: str,
) -> None:
    # A deadline shorter than the gateway's safety margin leaves no time to hold: the call must
    # end normally and empty instead of being held into DEADLINE_EXCEEDED.
    jobs, elapsed_s = _activate_nothing(open_engine, request_timeout=30_000, deadline_s=0.4)
    assert jobs == []
    assert elapsed_s < 0.4


def test_node_sdk_modifies_and_migrates_a_process_instance(secured_engine: str) -> None:
    """Operate's repair tools from the Node SDK, as the demo admin (only admins may use them)."""
    steps = run_client_flow(
        secured_engine,
        {"CAMUNDA_AUTH_STRATEGY": "BEARER", "CAMUNDA_OAUTH_TOKEN": DEMO_ADMIN_TOKEN},
        script=REPAIR_SCRIPT,
    )
    failed = {name: step for name, step in steps.items() if not step["ok"]}
    assert not failed, f"Node SDK steps failed: {failed}"
    assert steps["modify"]["nextElementId"] == "next"
    assert steps["modify"]["variables"] == {"repairedBy": "node-sdk"}
    assert steps["migrate"]["targetVersion"] == 2
    refused = steps["refused"]
    assert refused["refused"] is True
    assert refused["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "could not be found: 'nowhere'" in refused["message"]
