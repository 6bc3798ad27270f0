"""The harness's gRPC transport: commands really cross the gateway, and what pyzeebe and the
stubs bring back is the engine API's answer (results, errors with the gateway's message)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from engine.api import EngineError, InvalidArgument, NotFound
from engine.testing import EngineHarness
from engine.testing_grpc import GrpcEngine, raise_as_engine_error

BPMN = Path(__file__).parent / "bpmn"


def _rpc_error(code: grpc.StatusCode, details: str) -> Exception:
    error: Exception = grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details)
    return error


def _spy(target: Any, name: str, calls: list[str]) -> None:
    original: Callable[..., Awaitable[Any]] = getattr(target, name)

    async def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return await original(*args, **kwargs)

    setattr(target, name, recorded)


async def test_grpc_transport_sends_commands_through_the_gateway() -> None:
    async with EngineHarness(transport="grpc") as h:
        assert isinstance(h.commands, GrpcEngine)
        calls: list[str] = []
        for name in ("deploy", "create_process_instance", "activate_jobs", "complete_job"):
            _spy(h.engine, name, calls)  # the servicer calls the service it was given
        await h.deploy(BPMN / "three-tasks.bpmn")
        key = await h.start("three-tasks")
        await h.complete_job("a")
        assert calls == ["deploy", "create_process_instance", "activate_jobs", "complete_job"]
        await h.assert_instance(key).is_waiting_at("b")


async def test_in_process_transport_commands_the_service_itself() -> None:
    async with EngineHarness() as h:
        assert h.commands is h.engine


def test_unknown_transport_is_refused() -> None:
    with pytest.raises(ValueError, match="transport to be one of"):
        EngineHarness(transport="http")  # type: ignore[arg-type]


async def test_create_with_result_and_by_definition_key_through_grpc() -> None:
    async with EngineHarness(transport="grpc") as h:
        client = h.commands
        assert isinstance(client, GrpcEngine)
        deployed = (await h.deploy(BPMN / "decision.bpmn", BPMN / "grade.dmn")).processes[0]
        result = await client.create_process_instance_with_result(
            "decide", {"score": 95}, ["grade"], timeout_ms=5_000
        )
        assert result.variables == {"grade": "A"}
        created = await client.create_process_instance(
            process_definition_key=deployed.process_definition_key, variables={"score": 10}
        )
        assert created.bpmn_process_id == "decide"
        await h.assert_instance(created.process_instance_key).has_variable("grade", "B")
        with pytest.raises(InvalidArgument, match="no element found with id 'nowhere'"):
            await client.create_process_instance(
                bpmn_process_id="decide", start_element_ids=["nowhere"]
            )


async def test_result_that_does_not_come_in_time_is_a_timeout() -> None:
    async with EngineHarness(transport="grpc") as h:
        client = h.commands
        assert isinstance(client, GrpcEngine)
        await h.deploy(BPMN / "three-tasks.bpmn")
        with pytest.raises(TimeoutError, match="to complete within 50 ms"):
            await client.create_process_instance_with_result("three-tasks", timeout_ms=50)


def test_status_codes_become_engine_errors_with_the_gateway_message() -> None:
    wrapped = RuntimeError("pyzeebe's own error")
    wrapped.__cause__ = _rpc_error(grpc.StatusCode.NOT_FOUND, "no such job '7'")
    with pytest.raises(NotFound, match=r"^no such job '7'$"):
        raise_as_engine_error(wrapped)
    with pytest.raises(EngineError, match="UNIMPLEMENTED: not here"):
        raise_as_engine_error(_rpc_error(grpc.StatusCode.UNIMPLEMENTED, "not here"))
    plain = KeyError("not from the wire")
    with pytest.raises(KeyError):
        raise_as_engine_error(plain)
