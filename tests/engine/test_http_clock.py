"""The engine's HTTP clock and topology endpoints, through httpx against the ASGI app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.api import NotFound, Resource
from engine.definitions.timer_expressions import LATEST_INSTANT_MS
from engine.gateway import ClusterInfo
from engine.http import create_app, start_http
from engine.http.clock import CLOCK_INSTANT_SCHEMA
from engine.service import EngineService
from tests.engine.fake_engine import FakeEngine

CLUSTER = ClusterInfo(host="127.0.0.1", port=26500)
REPO = Path(__file__).resolve().parents[2]


def _resource(path: Path) -> Resource:
    return Resource(path.name, path.read_bytes())


async def _boom(request: Request) -> Response:
    raise ZeroDivisionError("bug")


async def _missing(request: Request) -> Response:
    raise NotFound("Expected to find process instance with key '5', but none found")


@pytest.fixture
async def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
async def http(engine: FakeEngine) -> AsyncIterator[httpx.AsyncClient]:
    extra = [Route("/boom", _boom), Route("/missing", _missing)]
    app = create_app(engine, lambda: CLUSTER, routers=[extra])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://engine") as client:
        yield client


def _assert_problem(response: httpx.Response, status: int, title: str, path: str) -> Any:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["title"] == title
    assert body["status"] == status
    assert body["instance"] == path
    return body["detail"]


async def test_pin_clock_pins_and_answers_204(http: httpx.AsyncClient, engine: FakeEngine) -> None:
    response = await http.put("/v2/clock", json={"timestamp": 1_767_225_600_000})
    assert response.status_code == 204
    assert response.content == b""
    assert engine.clock_pinned_at == 1_767_225_600_000


async def test_pin_clock_takes_an_int64_as_decimal_string(
    http: httpx.AsyncClient, engine: FakeEngine
) -> None:
    # 8.8 allows int64 fields as strings; Camunda's TypeScript client always sends them so.
    response = await http.put("/v2/clock", json={"timestamp": "1893456000000"})
    assert response.status_code == 204
    assert engine.clock_pinned_at == 1_893_456_000_000


async def test_reset_clock_answers_204(http: httpx.AsyncClient, engine: FakeEngine) -> None:
    await http.put("/v2/clock", json={"timestamp": 0})
    assert engine.clock_pinned_at == 0
    response = await http.post("/v2/clock/reset")
    assert response.status_code == 204
    assert engine.clock_pinned_at is None


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "No timestamp provided."),
        ({"timestamp": "soon"}, "The value for timestamp is 'soon' but must be an integer"),
        ({"timestamp": 1.5}, "The value for timestamp is '1.5' but must be an integer"),
        ({"timestamp": "1.5"}, "The value for timestamp is '1.5' but must be an integer"),
        ({"timestamp": " 15"}, "The value for timestamp is ' 15' but must be an integer"),
        ({"timestamp": "99999999999999999999"}, "The value for timestamp is '9999"),
        ([1], "Expected a JSON object as request body, but got an array."),
    ],
)
async def test_pin_clock_refuses_bad_timestamps(
    http: httpx.AsyncClient, engine: FakeEngine, body: Any, detail: str
) -> None:
    response = await http.put("/v2/clock", json=body)
    assert _assert_problem(response, 400, "INVALID_ARGUMENT", "/v2/clock").startswith(detail)
    assert engine.calls["pin_clock"] == 0


async def test_pin_clock_refuses_non_json(http: httpx.AsyncClient) -> None:
    response = await http.put("/v2/clock", content=b"{timestamp", headers={"content-type": "x"})
    detail = _assert_problem(response, 400, "INVALID_ARGUMENT", "/v2/clock")
    assert "not valid JSON" in detail


async def test_topology_has_camunda_shape(http: httpx.AsyncClient) -> None:
    response = await http.get("/v2/topology")
    assert response.status_code == 200
    assert response.json() == {
        "brokers": [
            {
                "nodeId": 0,
                "host": "127.0.0.1",
                "port": 26500,
                "partitions": [{"partitionId": 1, "role": "leader", "health": "healthy"}],
                "version": "8.8.0",
            }
        ],
        "clusterSize": 1,
        "partitionsCount": 1,
        "replicationFactor": 1,
        "gatewayVersion": "8.8.0",
        "lastCompletedChangeId": "-1",
    }


async def test_errors_are_problem_documents(http: httpx.AsyncClient) -> None:
    detail = _assert_problem(await http.get("/v2/missing"), 404, "NOT_FOUND", "/v2/missing")
    assert "key '5'" in detail
    _assert_problem(await http.get("/v2/nothing-here"), 404, "NOT_FOUND", "/v2/nothing-here")
    _assert_problem(await http.get("/v2/clock"), 405, "METHOD_NOT_ALLOWED", "/v2/clock")
    detail = _assert_problem(await http.get("/v2/boom"), 500, "INTERNAL_ERROR", "/v2/boom")
    assert "ZeroDivisionError" in detail
    assert (await http.get("/v2/topology")).status_code == 200


async def test_engine_refusal_during_pin_is_a_problem(
    http: httpx.AsyncClient, engine: FakeEngine
) -> None:
    engine.fail_with = NotFound("clock control is disabled")
    response = await http.put("/v2/clock", json={"timestamp": 5})
    assert _assert_problem(response, 404, "NOT_FOUND", "/v2/clock") == "clock control is disabled"


async def test_real_server_serves_the_app(engine: FakeEngine) -> None:
    server = await start_http(create_app(engine, lambda: CLUSTER), "127.0.0.1:0")
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            response = await client.put("/v2/clock", json={"timestamp": 42})
        assert response.status_code == 204
        assert engine.clock_pinned_at == 42
    finally:
        await server.stop()


async def test_clock_endpoints_move_the_real_engine_clock(tmp_path: Path) -> None:
    service = await EngineService.open(tmp_path / "engine")
    try:
        app = create_app(service, lambda: CLUSTER)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as client:
            pinned = await client.put("/v2/clock", json={"timestamp": 1_767_225_600_000})
            assert pinned.status_code == 204
            assert service.clock.now_ms() == 1_767_225_600_000
            reset = await client.post("/v2/clock/reset")
            assert reset.status_code == 204
            assert service.clock.pinned_ms is None
    finally:
        await service.close()


@pytest.mark.parametrize("timestamp", [-1, 253_402_300_800_000, 7_200_972_059_186_840])
async def test_the_engine_refuses_an_instant_no_date_can_name(
    tmp_path: Path, timestamp: int
) -> None:
    # Found by the REST fuzz: a far-future pin fired the cron start of problem-screening, whose
    # next firing (year 230159) no date can hold, and the command failed with a 500.
    service = await EngineService.open(tmp_path / "engine")
    try:
        await service.deploy([_resource(REPO / "bpmn" / "problem-screening.bpmn")])
        app = create_app(service, lambda: CLUSTER)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as client:
            before = service.clock.now_ms()
            response = await client.put("/v2/clock", json={"timestamp": str(timestamp)})
            detail = _assert_problem(response, 400, "INVALID_ARGUMENT", "/v2/clock")
            assert detail.startswith(f"The value for timestamp is '{timestamp}' but must be")
            assert "9999-12-31T23:59:59.999Z" in detail
            assert service.clock.pinned_ms is None and service.clock.now_ms() >= before
            # the last nameable instant is accepted, and the cron start's last firing ends its cycle
            last = await client.put("/v2/clock", json={"timestamp": 253_402_300_799_999})
            assert last.status_code == 204
            assert service.clock.now_ms() == 253_402_300_799_999
    finally:
        await service.close()


def test_the_documented_clock_range_is_the_engines() -> None:
    [pattern] = [
        form["pattern"] for form in CLOCK_INSTANT_SCHEMA["oneOf"] if form["type"] == "string"
    ]
    [number] = [form for form in CLOCK_INSTANT_SCHEMA["oneOf"] if form["type"] == "integer"]
    assert number["maximum"] == LATEST_INSTANT_MS
    for value in (0, 99_999_999_999_999, LATEST_INSTANT_MS - 1, LATEST_INSTANT_MS):
        assert re.match(pattern, str(value)) and re.match(pattern, f"00{value}")
    for value in (LATEST_INSTANT_MS + 1, 253_402_301_000_000, 7_200_972_059_186_840, 10**15):
        assert not re.match(pattern, str(value))
