"""Running the docker CLI from the container tests, with errors that say what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import grpc
import pytest

from workers.channel import bearer_token_channel

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("EXEMPTION_BASE_IMAGE", "exemption-base:bookworm")
PRODUCT_IMAGE = "youxian-exemption:test"
# The embedded engine's DEMO identity (engine/access/demo-identity.toml), which a container
# without an identity of its own uses: its admin token is public.
DEMO_ADMIN_TOKEN = "yxt_demo-admin-token-for-local-demo-only"


def docker_cli() -> str:
    path = shutil.which("docker")
    if path is None:
        pytest.fail(
            "the docker CLI is not installed: run docker/start-dockerd.sh as root "
            "(installs docker.io and the compose plugin) or install Docker Engine",
            pytrace=False,
        )
    return path


def require_compose() -> None:
    result = run(["compose", "version"], check=False)
    if result.returncode != 0:
        pytest.fail(
            "the Docker Compose v2 plugin is missing (`docker compose version` failed): "
            "run docker/install-compose-plugin.sh, or install docker-compose-plugin",
            pytrace=False,
        )


def require_daemon() -> None:
    result = run(["info", "--format", "{{.ServerVersion}}"], check=False)
    if result.returncode != 0:
        pytest.fail(
            "the Docker daemon does not answer (`docker info` failed): start it with "
            f"docker/start-dockerd.sh as root.\n{result.stderr.strip()}",
            pytrace=False,
        )


def run(
    args: Sequence[str],
    *,
    check: bool = True,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [docker_cli(), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"`docker {' '.join(args)}` exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}",
            pytrace=False,
        )
    return result


def run_script(script: str, *args: str, timeout: float = 900) -> float:
    """Run one of docker/*.sh from the project root; returns how long it took in seconds."""
    started = time.monotonic()
    result = subprocess.run(
        [str(ROOT / "docker" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"docker/{script} exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}",
            pytrace=False,
        )
    return time.monotonic() - started


def image_exists(image: str) -> bool:
    return run(["image", "inspect", image], check=False).returncode == 0


def gateway_channel(address: str) -> grpc.aio.Channel:
    """A plaintext channel to a product container, as its demo administrator."""
    return bearer_token_channel(address, DEMO_ADMIN_TOKEN)
