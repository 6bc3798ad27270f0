"""Runs the engine's behaviour tests on both transports: commands straight into the service, and
the same commands through the real gRPC gateway with pyzeebe (issue 3: "behaviour tests through
real gRPC with pyzeebe")."""

from __future__ import annotations

import pytest

from engine.testing import JOB_TRANSPORTS, TRANSPORTS, Transport


@pytest.fixture(params=TRANSPORTS)
def engine_transport(request: pytest.FixtureRequest) -> Transport:
    transport: Transport = request.param
    return transport


@pytest.fixture(params=JOB_TRANSPORTS)
def job_transport(request: pytest.FixtureRequest) -> Transport:
    """The job tests also run with the job commands sent through 8.8's REST job endpoints."""
    transport: Transport = request.param
    return transport
