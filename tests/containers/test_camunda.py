"""The camunda profile against a real Camunda 8.8, when its images can be had.

Where no registry is reachable (as on the project's machines) this one test is skipped and says
why; everything else in tests/containers runs on the product's own engine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.containers import docker_tools

# The first run builds the images (about 2 minutes); the suite-wide 120 s would cut it.
pytestmark = pytest.mark.timeout(900)

ROOT = docker_tools.ROOT
STARTED_WITHIN_SECONDS = 300.0


def env_file() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (ROOT / ".env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def camunda_images() -> list[str]:
    settings = {**env_file(), **os.environ}
    return [
        f"camunda/camunda:{settings['CAMUNDA_VERSION']}",
        f"docker.elastic.co/elasticsearch/elasticsearch:{settings['ES_VERSION']}",
    ]


def obtain(image: str) -> str | None:
    """None when the image is here or was pulled; else why it cannot be had."""
    if docker_tools.image_exists(image):
        return None
    pulled = docker_tools.run(["pull", image], check=False, timeout=900)
    if pulled.returncode == 0:
        return None
    return pulled.stderr.strip().splitlines()[-1] if pulled.stderr.strip() else "pull failed"


@pytest.fixture
def camunda_stack(product_image: str) -> Iterator[str]:
    """Compose's camunda profile (Elasticsearch, Camunda, deploy); yields Camunda's gRPC address."""
    docker_tools.require_compose()
    for image in camunda_images():
        reason = obtain(image)
        if reason is not None:
            message = f"Camunda 8.8 test skipped: image {image} cannot be had here ({reason})"
            print(message)
            pytest.skip(message)
    project = f"exemption-camunda-test-{os.getpid()}"
    environment = {"EXEMPTION_IMAGE": product_image, "COMPOSE_PROJECT_NAME": project}
    compose = ["compose", "--profile", "camunda"]
    docker_tools.run(
        [*compose, "up", "--detach", "--no-build", "elasticsearch", "camunda", "deploy"],
        env=environment,
        timeout=900,
    )
    try:
        port = docker_tools.run([*compose, "port", "camunda", "26500"], env=environment).stdout
        yield f"127.0.0.1:{port.strip().rsplit(':', 1)[1]}"
    finally:
        docker_tools.run([*compose, "down", "--volumes"], check=False, env=environment)


def test_models_deploy_to_camunda_88(camunda_stack: str) -> None:
    deploy = [
        sys.executable,
        "-m",
        "workers.deployment",
        "--address",
        camunda_stack,
        "--root",
        str(ROOT),
        "--wait",
        str(int(STARTED_WITHIN_SECONDS)),
    ]
    started = time.monotonic()
    result = subprocess.run(deploy, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < STARTED_WITHIN_SECONDS + 60
