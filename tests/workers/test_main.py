"""`python -m workers`: gateway selection from the environment, clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from workers.channel import create_channel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "ZEEBE_ADDRESS",
        "ZEEBE_CLIENT_ID",
        "ZEEBE_CLIENT_SECRET",
        "CAMUNDA_CLIENT_ID",
        "CAMUNDA_CLIENT_SECRET",
        "CAMUNDA_CLUSTER_ID",
        "ZEEBE_BEARER_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


async def test_plaintext_to_the_embedded_engine_by_default(clean_env: pytest.MonkeyPatch) -> None:
    channel, description = create_channel()
    await channel.close()
    assert description == "plaintext 127.0.0.1:26500"


async def test_address_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ZEEBE_ADDRESS", "zeebe.example.org:26500")
    channel, description = create_channel()
    await channel.close()
    assert description == "plaintext zeebe.example.org:26500"


async def test_oauth_when_client_credentials_are_set(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ZEEBE_ADDRESS", "zeebe.example.org:443")
    clean_env.setenv("ZEEBE_CLIENT_ID", "workers")
    clean_env.setenv("ZEEBE_CLIENT_SECRET", "secret")
    clean_env.setenv("ZEEBE_AUTHORIZATION_SERVER_URL", "https://login.example.org/token")
    clean_env.setenv("ZEEBE_TOKEN_AUDIENCE", "zeebe-api")
    channel, description = create_channel()
    await channel.close()
    assert description == "oauth2 zeebe.example.org:443"
    assert "secret" not in description


def test_sigterm_stops_the_workers_cleanly(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "ZEEBE_ADDRESS": "127.0.0.1:9",  # nothing listens: the workers keep retrying until stopped
        "EXEMPTION_DATA_DIR": str(tmp_path),
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "workers"],
        cwd=tmp_path,
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("{") and json.loads(line).get("event") == "workers.started":
                break
        else:
            pytest.fail("the workers exited before starting")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        remaining = process.stderr.read()
        assert '"workers.stopped"' in remaining
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_bearer_token_reaches_the_gateway(clean_env: pytest.MonkeyPatch) -> None:
    from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

    from engine.api import Unauthenticated
    from engine.gateway import start_gateway
    from tests.engine.fake_engine import FakeEngine

    seen: list[str] = []

    async def authorize(metadata: Mapping[str, str]) -> object:
        seen.append(metadata.get("authorization", ""))
        if metadata.get("authorization") != "Bearer s3cret":
            raise Unauthenticated("missing token")
        return "workers"

    gateway = await start_gateway(FakeEngine(), "127.0.0.1:0", authorize=authorize)
    try:
        clean_env.setenv("ZEEBE_ADDRESS", gateway.address)
        clean_env.setenv("ZEEBE_BEARER_TOKEN", "s3cret")
        channel, description = create_channel()
        try:
            stub = gateway_pb2_grpc.GatewayStub(channel)
            await stub.Topology(gateway_pb2.TopologyRequest())
            # ActivateJobs streams: grpc.aio intercepts streaming calls separately.
            request = gateway_pb2.ActivateJobsRequest(
                type="none", worker="t", timeout=1000, maxJobsToActivate=1, requestTimeout=-1
            )
            [answer async for answer in stub.ActivateJobs(request)]
        finally:
            await channel.close()
    finally:
        await gateway.stop(grace=0)
    assert description == f"bearer-token {gateway.address}"
    assert seen == ["Bearer s3cret", "Bearer s3cret"]
