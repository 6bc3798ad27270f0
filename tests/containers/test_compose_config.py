"""docker-compose.yml is valid for both ways to run the product (needs the compose CLI only)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.containers import docker_tools


@pytest.fixture(scope="module", autouse=True)
def compose_cli() -> None:
    docker_tools.docker_cli()
    docker_tools.require_compose()


def compose_model(*profiles: str) -> dict[str, Any]:
    args = ["compose"]
    for profile in profiles:
        args += ["--profile", profile]
    model: dict[str, Any] = json.loads(
        docker_tools.run([*args, "config", "--format", "json"], timeout=60).stdout
    )
    return model


def test_default_profile_runs_the_product_on_the_embedded_engine() -> None:
    services = compose_model()["services"]

    assert set(services) == {"exemption"}
    product = services["exemption"]
    assert {port["target"] for port in product["ports"]} == {26500, 8080, 8081}
    assert [volume["target"] for volume in product["volumes"]] == ["/var/lib/exemption"]
    assert product["volumes"][0]["type"] == "volume"


def test_camunda_profile_adds_camunda_88_with_workers_desk_and_deployment() -> None:
    services = compose_model("camunda")["services"]

    assert {"exemption", "camunda", "elasticsearch", "workers", "deploy", "desk"} <= set(services)
    camunda = services["camunda"]
    assert camunda["image"].startswith("camunda/camunda:8.8.")
    assert camunda["environment"]["CAMUNDA_DATA_SECONDARYSTORAGE_TYPE"] == "elasticsearch"
    assert services["elasticsearch"]["image"].startswith(
        "docker.elastic.co/elasticsearch/elasticsearch:"
    )
    assert services["workers"]["environment"]["ZEEBE_ADDRESS"] == "camunda:26500"
    assert "camunda:26500" in services["deploy"]["command"]
    assert "http://camunda:8080" in services["desk"]["command"]


def test_both_engines_can_run_side_by_side_on_distinct_host_ports() -> None:
    services = compose_model("camunda")["services"]

    published = [
        port["published"] for service in services.values() for port in service.get("ports", [])
    ]
    assert len(published) == len(set(published)), published
