"""The container's entrypoint (docker/supervisor.py), run on the host without Docker.

It is the part of the image most likely to hide a mistake (start order, a dead child, signals),
and on the host it can be checked in a few seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.containers.docker_tools import DEMO_ADMIN_TOKEN, ROOT
from tests.ports import free_ports

SUPERVISOR = ROOT / "docker" / "supervisor.py"


def start(data_dir: Path, models_dir: Path, **extra: str) -> subprocess.Popen[str]:
    grpc_port, http_port, desk_port = free_ports(3)
    environment = {
        **os.environ,
        "EXEMPTION_DATA_DIR": str(data_dir),
        "EXEMPTION_MODELS_DIR": str(models_dir),
        "EXEMPTION_GRPC_PORT": str(grpc_port),
        "EXEMPTION_HTTP_PORT": str(http_port),
        "EXEMPTION_DESK_PORT": str(desk_port),
        "EXEMPTION_HEALTH_FILE": str(data_dir.parent / "health.json"),
        # The desk has tests of its own; here it would only slow the start down.
        "EXEMPTION_DESK": "off",
        "EXEMPTION_ENGINE_AUTH": "off",
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, str(SUPERVISOR)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def read_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    pytest.fail(f"supervisor ended before printing {marker!r}: {lines}", pytrace=False)


def test_starts_engine_then_workers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    process = start(tmp_path / "data", tmp_path, EXEMPTION_DEPLOY_MODELS="false")
    try:
        lines = read_until(process, "supervisor: all parts started")
        assert lines.index("ready") < len(lines) - 1
        health = json.loads((tmp_path / "health.json").read_text(encoding="utf-8"))
        assert [url.endswith("/v2/topology") for url in health["urls"]] == [True]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait()
    assert (tmp_path / "data" / "engine").is_dir()


def test_deploys_with_the_api_token_when_the_engine_checks_credentials(tmp_path: Path) -> None:
    process = start(
        tmp_path / "data",
        ROOT,
        EXEMPTION_ENGINE_AUTH="on",
        ZEEBE_BEARER_TOKEN=DEMO_ADMIN_TOKEN,
    )
    try:
        lines = read_until(process, "supervisor: deployed")
        assert lines[-1].startswith("supervisor: deployed ")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_without_a_token_the_engine_refuses_the_deployment(tmp_path: Path) -> None:
    process = start(tmp_path / "data", ROOT, EXEMPTION_ENGINE_AUTH="on")
    output, _ = process.communicate(timeout=60)

    assert process.returncode == 1
    assert "supervisor: startup failed: deploying" in output
    assert "Authorization" in output


def test_a_model_the_engine_rejects_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "bpmn" / "broken.bpmn").write_text("<definitions>", encoding="utf-8")
    process = start(tmp_path / "data", tmp_path)
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1
    assert "supervisor: startup failed: deploying 1 file(s)" in output
    assert "broken.bpmn" in output


def test_no_models_to_deploy_is_an_error_not_an_empty_product(tmp_path: Path) -> None:
    process = start(tmp_path / "data", tmp_path)
    output, _ = process.communicate(timeout=60)

    assert process.returncode == 1
    assert f"no models under {tmp_path}/bpmn" in output


def test_a_bad_port_is_refused_with_its_name(tmp_path: Path) -> None:
    process = start(tmp_path / "data", tmp_path, EXEMPTION_GRPC_PORT="grpc")
    output, _ = process.communicate(timeout=30)

    assert process.returncode == 2
    assert "EXEMPTION_GRPC_PORT must be a port number, not 'grpc'" in output


def test_an_unknown_desk_switch_is_refused_with_its_name(tmp_path: Path) -> None:
    process = start(tmp_path / "data", tmp_path, EXEMPTION_DESK="maybe")
    output, _ = process.communicate(timeout=30)

    assert process.returncode == 2
    assert "EXEMPTION_DESK must be 'auto' or 'off', not 'maybe'" in output
