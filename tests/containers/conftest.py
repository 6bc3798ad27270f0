"""Fixtures for the container tests: images built once per session, the product in a container.

The images are built here rather than pulled (no registry is reachable on these machines): a
Debian base from debootstrap, wheels from the host's PyPI, then the product image on that base
with the classic builder. Build and start-up times are printed in the terminal summary.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from testcontainers.core.container import DockerContainer

from tests.containers import docker_tools
from tests.containers.docker_tools import BASE_IMAGE, DEMO_ADMIN_TOKEN, PRODUCT_IMAGE

# Ryuk (testcontainers' reaper) is an image that cannot be pulled here; the fixtures below
# remove what they start.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

HEALTHY_WITHIN_SECONDS = 90.0

TIMINGS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("container timings")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {seconds:.1f} s")


@pytest.fixture(scope="session")
def docker_daemon() -> None:
    docker_tools.require_daemon()


@pytest.fixture(scope="session")
def base_image(docker_daemon: None) -> str:
    cached = docker_tools.image_exists(BASE_IMAGE)
    seconds = docker_tools.run_script("build-base-image.sh", BASE_IMAGE)
    TIMINGS["base image (debootstrap)" + (", cached" if cached else "")] = seconds
    return BASE_IMAGE


@pytest.fixture(scope="session")
def wheels() -> None:
    TIMINGS["wheels (host pip wheel)"] = docker_tools.run_script("build-wheels.sh")


@pytest.fixture(scope="session")
def product_image(base_image: str, wheels: None) -> str:
    started = time.monotonic()
    docker_tools.run(
        ["build", "--build-arg", f"BASE_IMAGE={base_image}", "-t", PRODUCT_IMAGE, "."],
        env={"DOCKER_BUILDKIT": "0"},
        timeout=900,
    )
    TIMINGS["product image build"] = time.monotonic() - started
    # Each changed build leaves the previous images untagged (about 230 MB of venv each). Those
    # of the last half hour stay: the newest is the build cache for the next run.
    docker_tools.run(
        [
            "image",
            "prune",
            "--force",
            "--filter",
            "label=org.youxian.exemption.image",
            "--filter",
            "until=30m",
        ],
        check=False,
    )
    return PRODUCT_IMAGE


@dataclass
class ProductContainer:
    """One product container (testcontainers) on a named volume, reached through mapped ports."""

    image: str
    volume: str
    environment: dict[str, str] = field(default_factory=dict)
    container: DockerContainer | None = None

    def start(self) -> float:
        """Run the container and wait until Docker calls it healthy; returns the seconds taken."""
        container = DockerContainer(self.image).with_exposed_ports(26500, 8080, 8081)
        container.with_volume_mapping(self.volume, "/var/lib/exemption", "rw")
        for name, value in self.environment.items():
            container.with_env(name, value)
        self.container = container.start()
        return self.wait_until_healthy()

    def restart(self) -> float:
        """Stop (SIGTERM, as `docker restart` does) and start again, same volume."""
        self.wrapped().restart(timeout=30)
        return self.wait_until_healthy()

    def wrapped(self) -> Any:
        # docker-py's Container; docker-py ships no type information.
        assert self.container is not None, "the container was not started"
        return self.container.get_wrapped_container()

    def wait_until_healthy(self) -> float:
        started = time.monotonic()
        wrapped = self.wrapped()
        while True:
            wrapped.reload()
            status = wrapped.attrs["State"]["Status"]
            health = wrapped.attrs["State"].get("Health", {}).get("Status", "none")
            if status == "running" and health == "healthy":
                return time.monotonic() - started
            if status in {"exited", "dead"} or time.monotonic() - started > HEALTHY_WITHIN_SECONDS:
                log = self.logs()
                # The supervisor's own lines say which part failed; the tail shows why.
                summary = "\n".join(
                    line for line in log.splitlines() if line.startswith("supervisor:")
                )
                pytest.fail(
                    f"product container is {status}/{health}, not healthy.\n{summary}\n"
                    f"--- end of its log ---\n{log[-3000:]}",
                    pytrace=False,
                )
            # Docker's own probe runs every 5 s (Dockerfile HEALTHCHECK); asking more often
            # only notices it sooner.
            time.sleep(0.5)

    def port(self, container_port: int) -> int:
        assert self.container is not None, "the container was not started"
        # Asked every time: a restarted container may get other host ports.
        return self.container.get_exposed_port(container_port)

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.port(26500)}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port(8080)}"

    @property
    def desk_url(self) -> str:
        return f"http://127.0.0.1:{self.port(8081)}"

    def logs(self) -> str:
        return bytes(self.wrapped().logs()).decode("utf-8", errors="replace")

    def remove(self) -> None:
        if self.container is not None:
            self.container.stop()


def _container(image: str, environment: dict[str, str], label: str) -> Iterator[ProductContainer]:
    volume = f"exemption-test-{uuid.uuid4().hex[:12]}"
    docker_tools.run(["volume", "create", volume])
    container = ProductContainer(image=image, volume=volume, environment=environment)
    try:
        TIMINGS[f"{label}: start to healthy"] = container.start()
        yield container
    finally:
        container.remove()
        docker_tools.run(["volume", "rm", "--force", volume], check=False)


@pytest.fixture(scope="module")
def product(product_image: str) -> Iterator[ProductContainer]:
    """The product as users run it: models deployed at start, desk on. Scenario (d) of the
    procedure drives a case through `product.grpc_address`, `product.http_url` and
    `product.desk_url`."""
    yield from _container(product_image, {"ZEEBE_BEARER_TOKEN": DEMO_ADMIN_TOKEN}, "product")


@pytest.fixture
def bare_engine(product_image: str) -> Iterator[ProductContainer]:
    """Engine and workers only (no models, no desk, no credential checks), for tests of the
    container itself: ports, health, user, fonts, the data volume."""
    environment = {
        "EXEMPTION_DEPLOY_MODELS": "false",
        "EXEMPTION_DESK": "off",
        "EXEMPTION_ENGINE_AUTH": "off",
    }
    yield from _container(product_image, environment, "bare engine")
