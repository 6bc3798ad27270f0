"""The end-to-end fixture: engine (temp data dir) + gRPC gateway on a free port + the real pyzeebe
workers in the same event loop, every model of bpmn/ and forms/ deployed through the gateway."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from pyzeebe import ZeebeClient, ZeebeWorker
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.cli import ServeOptions, start_adapters
from engine.testing import EngineHarness
from tests.procedure import officers
from tests.procedure.officers import officers_identity
from tests.procedure.scenario import ProcedureRun
from workers import screening
from workers.channel import bearer_token_channel
from workers.deployment import model_files
from workers.jobs import router

REPO = Path(__file__).resolve().parents[2]
BEIJING = timezone(timedelta(hours=8))
# The day after the sample application is dated, in office hours.
CASE_OPENED_AT = datetime(2026, 9, 2, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def worker_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "workers"
    monkeypatch.setenv("EXEMPTION_DATA_DIR", str(data))
    monkeypatch.setenv("NOTICE_TRANSPORT", "file")
    for name in ("EXEMPTION_HOLIDAY_OVERRIDES", "EXEMPTION_PDF_FONT", "EXEMPTION_PDF_HEADER_FONT"):
        monkeypatch.delenv(name, raising=False)
    return data


@pytest.fixture
async def procedure(
    tmp_path: Path, worker_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ProcedureRun]:
    async with EngineHarness(tmp_path / "engine", start_at=CASE_OPENED_AT) as harness:
        # The production wiring (engine serve's): both adapters authenticate, the engine decides
        # every command from its rules, the workers act with the demo's limits.
        trail = harness.engine.store.audit_trail()
        options = ServeOptions("127.0.0.1:0", "127.0.0.1:0", tmp_path / "engine")
        running = await start_adapters(harness.engine, options, officers_identity(), trail)
        gateway = running.gateway
        assert running.http is not None
        http = running.http
        # The repeat check reads the register over /v2 (workers/register.py) with its own token.
        monkeypatch.setenv("CAMUNDA_REST_ADDRESS", http.url)
        monkeypatch.setenv("CAMUNDA_REST_TOKEN", officers.REGISTER_READER_TOKEN)
        rest_client = httpx.AsyncClient(base_url=http.url, timeout=10.0)
        client_channel = bearer_token_channel(gateway.address, officers.OPERATOR_TOKEN)
        worker_channel = bearer_token_channel(gateway.address, officers.WORKERS_TOKEN)
        worker = ZeebeWorker(worker_channel, name="e2e-workers")
        worker.include_router(router)
        # The screening's referrals are published on the workers' own connection, with their
        # limits, as workers/__main__.py does.
        screening.use_message_client(ZeebeClient(worker_channel))
        working = asyncio.create_task(worker.work(), name="e2e-workers")
        try:
            client = ZeebeClient(client_channel)
            await client.deploy_resource(*[str(p) for p in model_files(REPO)])

            yield ProcedureRun(
                harness=harness,
                client=client,
                gateway_stub=pb_grpc.GatewayStub(client_channel),
                data_dir=worker_environment,
                rest=rest_client,
            )
        finally:
            await worker.stop()
            screening.use_message_client(None)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(working, timeout=15)
            await client_channel.close()
            await worker_channel.close()
            await rest_client.aclose()
            await running.stop()
            trail.close()
