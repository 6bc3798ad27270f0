"""Limits and error kinds at the engine's edges (docs/limits.md): oversized REST bodies are refused
with 413 before they are parsed, message names and correlation keys have a length limit on both
transports, gRPC requests that protobuf cannot decode and forms nested absurdly deep are the
client's error (INVALID_ARGUMENT / 400), not the engine's."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.api import InvalidArgument, Resource
from engine.gateway import ClusterInfo, start_gateway
from engine.http import create_app
from engine.http.context import RestContext
from engine.limits import (
    MAX_CORRELATION_KEY_LENGTH,
    MAX_MESSAGE_NAME_LENGTH,
    MAX_REQUEST_BODY_BYTES,
)
from engine.service import EngineService
from tests.engine.fake_engine import one_task_process

DEEP_FORM = ('{"id":"deep","components":' + "[" * 10_000 + "]" * 10_000 + "}").encode()


@pytest.fixture
async def service() -> AsyncIterator[EngineService]:
    engine = await EngineService.open(None)
    await engine.deploy([Resource("p.bpmn", one_task_process("p", "work"))])
    yield engine
    await engine.close()


@pytest.fixture
async def rest(service: EngineService) -> AsyncIterator[httpx.AsyncClient]:
    trail = service.store.audit_trail()
    app = create_app(service, lambda: ClusterInfo("127.0.0.1", 1), rest=RestContext(service, trail))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://engine"
    ) as client:
        yield client


@pytest.fixture
async def gateway(service: EngineService) -> AsyncIterator[grpc.aio.Channel]:
    server = await start_gateway(service, "127.0.0.1:0")
    channel = grpc.aio.insecure_channel(
        server.address, options=[("grpc.max_send_message_length", 8 * 1024 * 1024)]
    )
    yield channel
    await channel.close()
    await server.stop(0)


def _assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["status"] == 413
    assert str(MAX_REQUEST_BODY_BYTES) in problem["detail"]


async def test_a_body_above_the_limit_is_refused_by_its_length(rest: httpx.AsyncClient) -> None:
    body = json.dumps({"processDefinitionId": "p", "variables": {"x": "y" * 6_000_000}})
    _assert_too_large(
        await rest.post(
            "/v2/process-instances", content=body, headers={"Content-Type": "application/json"}
        )
    )


async def test_a_streamed_body_above_the_limit_is_refused(rest: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        yield b'{"processDefinitionId":"p","variables":{"x":"'
        for _ in range(100):
            yield b"y" * 65_536
        yield b'"}}'

    _assert_too_large(
        await rest.post(
            "/v2/process-instances",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
    )


async def test_a_body_within_the_limit_still_works(rest: httpx.AsyncClient) -> None:
    response = await rest.post(
        "/v2/process-instances",
        json={"processDefinitionId": "p", "variables": {"x": "y" * 1_000_000}},
    )
    assert response.status_code == 200, response.text


async def test_message_names_and_correlation_keys_have_a_limit_over_rest(
    rest: httpx.AsyncClient,
) -> None:
    for body, field in (
        ({"name": "m" * (MAX_MESSAGE_NAME_LENGTH + 1), "correlationKey": "k"}, "name"),
        ({"name": "m", "correlationKey": "k" * 1_000_000}, "correlationKey"),
    ):
        response = await rest.post("/v2/messages/publication", json=body)
        assert response.status_code == 400, response.text
        assert field in response.json()["detail"]
    ok = await rest.post(
        "/v2/messages/publication",
        json={
            "name": "m" * MAX_MESSAGE_NAME_LENGTH,
            "correlationKey": "k" * MAX_CORRELATION_KEY_LENGTH,
        },
    )
    assert ok.status_code == 200, ok.text


async def test_message_names_and_correlation_keys_have_a_limit_over_grpc(
    gateway: grpc.aio.Channel,
) -> None:
    stub = pb_grpc.GatewayStub(gateway)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PublishMessage(
            pb.PublishMessageRequest(name="m", correlationKey="k" * 1_000_000, timeToLive=60_000)
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "correlationKey" in (refused.value.details() or "")


async def test_a_grpc_message_above_the_receive_limit_is_refused(
    gateway: grpc.aio.Channel,
) -> None:
    stub = pb_grpc.GatewayStub(gateway)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PublishMessage(
            pb.PublishMessageRequest(name="m", correlationKey="k", variables="x" * 5_000_000)
        )
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_invalid_utf8_on_the_grpc_wire_is_an_invalid_argument(
    gateway: grpc.aio.Channel,
) -> None:
    publish = gateway.unary_unary("/gateway_protocol.Gateway/PublishMessage")
    # field 1 (name), length-delimited, two bytes that are not UTF-8
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await publish(b"\x0a\x02\xff\xfe")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "UTF-8" in (refused.value.details() or "")
    # the gateway goes on serving
    topology = await pb_grpc.GatewayStub(gateway).Topology(pb.TopologyRequest())
    assert topology.brokers


async def test_a_form_nested_ten_thousand_deep_is_refused_without_a_rebuild(
    service: EngineService,
) -> None:
    state_before = service.state
    with pytest.raises(InvalidArgument, match="levels deep"):
        await service.deploy([Resource("deep.form", DEEP_FORM)])
    assert service.state is state_before, "the engine rebuilt its state from the log"


async def test_a_deep_form_is_400_over_rest_and_invalid_argument_over_grpc(
    rest: httpx.AsyncClient, gateway: grpc.aio.Channel
) -> None:
    response = await rest.post(
        "/v2/deployments", files={"resources": ("deep.form", DEEP_FORM, "application/json")}
    )
    assert response.status_code == 400, response.text
    assert "levels deep" in response.json()["detail"]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await pb_grpc.GatewayStub(gateway).DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="deep.form", content=DEEP_FORM)])
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
