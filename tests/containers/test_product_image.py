"""The product image, built from a debootstrap base, run with testcontainers.

Only the mapped ports are used, as a user on the host would. The persistence test deploys a
process of its own, so that it shows the engine's volume at work whatever the procedure's
models do; the procedure's models have their own test.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pyzeebe import Job, ZeebeClient, ZeebeWorker

from tests.containers.conftest import TIMINGS, ProductContainer
from tests.containers.docker_tools import gateway_channel

# The first run builds the images (about 2 minutes); the suite-wide 120 s would cut it.
pytestmark = pytest.mark.timeout(900)

CHECK_PROCESS = "container-restart-check"
CHECK_JOB_TYPE = "container-restart-check.work"
CHECK_BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    id="container-restart-check-definitions" targetNamespace="http://youxian.example/test">
  <bpmn:process id="{CHECK_PROCESS}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="toWork" sourceRef="start" targetRef="work" />
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="{CHECK_JOB_TYPE}" />
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200, url
        return json.loads(response.read())


async def gateway_topology(address: str) -> Any:
    channel = gateway_channel(address)
    try:
        return await ZeebeClient(channel).topology()
    finally:
        await channel.close()


async def gateway_health(address: str) -> int:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    async with gateway_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        answer = await stub.Check(health_pb2.HealthCheckRequest(service="gateway_protocol.Gateway"))
        return int(answer.status)


async def deploy_and_open(address: str, folder: Path) -> int:
    model = folder / f"{CHECK_PROCESS}.bpmn"
    model.write_text(CHECK_BPMN, encoding="utf-8")
    channel = gateway_channel(address)
    try:
        client = ZeebeClient(channel)
        await client.deploy_resource(str(model))
        created = await client.run_process(CHECK_PROCESS, variables={"opened": "before restart"})
        return int(created.process_instance_key)
    finally:
        await channel.close()


async def complete_one_job(address: str) -> Job:
    """Work one job of the check process from the host, through the mapped gRPC port."""
    channel = gateway_channel(address)
    worker = ZeebeWorker(channel, name="container-test")
    seen: asyncio.Future[Job] = asyncio.get_running_loop().create_future()

    loop = asyncio.get_running_loop()

    def notice(job: Job) -> None:
        if not seen.done():
            seen.set_result(job)

    def capture(job: Job) -> Job:
        # pyzeebe may run decorators and handlers off the event loop's thread.
        loop.call_soon_threadsafe(notice, job)
        return job

    @worker.task(task_type=CHECK_JOB_TYPE, before=[capture])
    def work(opened: str) -> dict[str, Any]:
        return {"worked": f"after restart, opened {opened}"}

    working = asyncio.create_task(worker.work())
    try:
        return await asyncio.wait_for(seen, timeout=30)
    finally:
        await worker.stop()
        await working
        await channel.close()


async def open_instance(address: str) -> int:
    channel = gateway_channel(address)
    try:
        created = await ZeebeClient(channel).run_process(CHECK_PROCESS)
        return int(created.process_instance_key)
    finally:
        await channel.close()


async def test_gateway_answers_topology_and_health_on_the_mapped_port(
    bare_engine: ProductContainer,
) -> None:
    topology = await gateway_topology(bare_engine.grpc_address)

    assert topology.cluster_size == 1
    assert len(topology.brokers) == 1
    assert await gateway_health(bare_engine.grpc_address) == 1  # SERVING


def test_http_api_answers_v2_topology_on_the_mapped_port(bare_engine: ProductContainer) -> None:
    topology = get_json(f"{bare_engine.http_url}/v2/topology")

    assert topology["clusterSize"] == 1
    assert len(topology["brokers"]) == 1


def test_the_container_runs_as_a_non_root_user(bare_engine: ProductContainer) -> None:
    assert bare_engine.wrapped().attrs["Config"]["User"] == "exemption"
    exit_code, output = bare_engine.wrapped().exec_run(["id", "-u"])
    assert exit_code == 0
    assert output.decode().strip() != "0"


def test_the_notice_fonts_are_installed(bare_engine: ProductContainer) -> None:
    exit_code, output = bare_engine.wrapped().exec_run(
        ["ls", "/usr/share/fonts/truetype/arphic/uming.ttc", "/usr/share/fonts/truetype/wqy"]
    )
    assert exit_code == 0, output.decode()


async def test_a_case_in_progress_survives_a_container_restart(
    bare_engine: ProductContainer, tmp_path: Path
) -> None:
    instance_before = await deploy_and_open(bare_engine.grpc_address, tmp_path)

    TIMINGS["bare engine: restart to healthy"] = bare_engine.restart()

    job = await complete_one_job(bare_engine.grpc_address)
    assert job.process_instance_key == instance_before
    assert job.variables["opened"] == "before restart"
    # The definition deployed before the restart still starts new instances.
    assert await open_instance(bare_engine.grpc_address) > instance_before


def test_the_desk_answers_on_its_mapped_port(product: ProductContainer) -> None:
    assert "supervisor: desk not in this image" not in product.logs()
    try:
        with urllib.request.urlopen(product.desk_url + "/", timeout=10) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
    assert status < 500, f"desk answered {status}"


def test_the_models_are_deployed_when_the_container_starts(product: ProductContainer) -> None:
    log = product.logs()

    assert "supervisor: deployed" in log, log[-3000:]
    assert "supervisor: all parts started" in log
    assert "workers.started" in log


def test_a_restart_redeploys_the_models_onto_the_kept_state(product: ProductContainer) -> None:
    TIMINGS["product: restart to healthy"] = product.restart()

    log = product.logs()
    assert log.count("supervisor: deployed") == 2, log[-3000:]
    assert log.count("supervisor: all parts started") == 2
