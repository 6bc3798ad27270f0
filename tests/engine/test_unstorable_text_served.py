"""A lone surrogate ("\\ud800", valid JSON text that UTF-8 cannot encode) against `python -m engine
serve`: refused at the edge with the field named (REST 400 problem, gRPC INVALID_ARGUMENT), and
never fails the good requests sent alongside it (issue 16)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
BPMN = Path(__file__).parent / "bpmn" / "three-tasks.bpmn"
LONE = "\\ud800"  # as JSON text spells it: the request bodies are written by hand
ROUNDS = 20
GOOD_PER_ROUND = 60


@contextlib.contextmanager
def _engine_process(data_dir: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "engine", "serve", "--no-auth", "--data-dir", str(data_dir)),
            *("--grpc-address", "127.0.0.1:0", "--http-address", "127.0.0.1:0"),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _addresses(process: subprocess.Popen[str]) -> tuple[str, str]:
    assert process.stdout is not None
    lines: list[str] = []
    end = time.monotonic() + 30
    while time.monotonic() < end:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if lines[-1] == "ready":
            grpc_line = next(x for x in lines if x.startswith("gRPC gateway listening on "))
            http_line = next(x for x in lines if x.startswith("HTTP API listening on "))
            return grpc_line.rsplit(" ", 1)[1], http_line.rsplit(" ", 1)[1]
    pytest.fail(f"`python -m engine serve` did not get ready: {lines!r}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with _engine_process(tmp_path_factory.mktemp("engine")) as process:
        grpc_address, http_url = _addresses(process)
        response = httpx.post(
            f"{http_url}/v2/deployments",
            files={"resources": ("three-tasks.bpmn", BPMN.read_bytes(), "application/xml")},
        )
        assert response.status_code == 200, response.text
        yield grpc_address, http_url


@pytest.fixture
async def rest(served: tuple[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served[1], timeout=30) as client:
        yield client


def _create_body(variables: str) -> str:
    return f'{{"processDefinitionId":"three-tasks","variables":{variables}}}'


async def _post(client: httpx.AsyncClient, path: str, body: str) -> httpx.Response:
    return await client.post(path, content=body, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v2/process-instances", _create_body(f'{{"name":"{LONE}"}}'), "variables.name"),
        ("/v2/process-instances", _create_body(f'{{"{LONE}":1}}'), "variables (a property name)"),
        (
            "/v2/messages/publication",
            f'{{"name":"{LONE}","correlationKey":"k","timeToLive":1000}}',
            "name",
        ),
        (
            "/v2/messages/publication",
            f'{{"name":"m","correlationKey":"a{LONE}","timeToLive":1000}}',
            "correlationKey",
        ),
        ("/v2/messages/correlation", f'{{"name":"m","correlationKey":"{LONE}"}}', "correlationKey"),
    ],
    ids=["variable value", "variable name", "message name", "correlation key", "correlate"],
)
async def test_rest_refuses_a_lone_surrogate_naming_the_field(
    rest: httpx.AsyncClient, path: str, body: str, field: str
) -> None:
    response = await _post(rest, path, body)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["status"] == 400
    assert f"'{field}'" in problem["detail"], problem


async def test_rest_sixty_good_and_one_poisoned_create_twenty_times(
    rest: httpx.AsyncClient,
) -> None:
    good_ok = 0
    statuses: dict[int, int] = {}
    for _ in range(ROUNDS):
        goods = [
            _post(rest, "/v2/process-instances", _create_body(f'{{"n":{i}}}'))
            for i in range(GOOD_PER_ROUND)
        ]
        bad = _post(rest, "/v2/process-instances", _create_body(f'{{"name":"{LONE}"}}'))
        responses = await asyncio.gather(*goods[:30], bad, *goods[30:])
        assert responses.pop(30).status_code == 400
        for response in responses:
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        good_ok += sum(1 for r in responses if r.status_code == 200)
    print(f"REST good creates answered 200: {good_ok} of {ROUNDS * GOOD_PER_ROUND} {statuses}")
    assert good_ok == ROUNDS * GOOD_PER_ROUND, statuses


@pytest.mark.parametrize(
    ("rpc", "request_"),
    [
        (
            "CreateProcessInstance",
            gateway_pb2.CreateProcessInstanceRequest(
                bpmnProcessId="three-tasks", version=-1, variables=f'{{"name":"{LONE}"}}'
            ),
        ),
        (
            "PublishMessage",
            gateway_pb2.PublishMessageRequest(
                name="m", correlationKey="k", variables=f'{{"{LONE}":1}}'
            ),
        ),
        ("CompleteJob", gateway_pb2.CompleteJobRequest(jobKey=1, variables=f'["{LONE}"]')),
        (
            "SetVariables",
            gateway_pb2.SetVariablesRequest(
                elementInstanceKey=1, variables=f'{{"a":{{"b":["{LONE}"]}}}}'
            ),
        ),
    ],
    ids=["create", "publish", "complete (not an object)", "set variables"],
)
async def test_grpc_refuses_a_lone_surrogate_naming_the_field(
    served: tuple[str, str], rpc: str, request_: object
) -> None:
    async with grpc.aio.insecure_channel(served[0]) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await getattr(stub, rpc)(request_, timeout=10)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = refused.value.details() or ""
    assert "variables" in details and "storage failure" not in details, details
    if rpc == "CreateProcessInstance":
        assert "'variables.name'" in details
    if rpc == "SetVariables":
        assert "'variables.a.b[0]'" in details


def test_the_poisoned_requests_left_the_engine_serving(served: tuple[str, str]) -> None:
    response = httpx.post(
        f"{served[1]}/v2/process-instances",
        content=json.dumps({"processDefinitionId": "three-tasks", "variables": {"名": "张三"}}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
