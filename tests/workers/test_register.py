"""The register client against the embedded engine's real /v2 REST API (no mock of the API): the
instances are started on the engine, the client searches them over HTTP with a bearer token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.gateway import ClusterInfo
from engine.http import create_app, start_http
from engine.http.context import RestContext
from engine.testing import EngineHarness
from tests.procedure import officers
from tests.procedure.case_steps import application
from workers.deployment import model_files
from workers.register import RegisterClient, RegisterUnavailable, Subject

REPO = Path(__file__).resolve().parents[2]
LI_MING = Subject("person", "李明", "dept-development-reform")


@dataclass
class RestEngine:
    harness: EngineHarness
    url: str


@pytest.fixture
async def rest_engine(tmp_path: Path) -> AsyncIterator[RestEngine]:
    async with EngineHarness(tmp_path / "engine") as harness:
        trail = harness.engine.store.audit_trail()
        app = create_app(
            harness.engine,
            lambda: ClusterInfo(host="127.0.0.1", port=26500),
            identity=officers.officers_identity(),
            rest=RestContext(harness.engine, trail),
        )
        http = await start_http(app, "127.0.0.1:0")
        try:
            await harness.deploy(*model_files(REPO))
            yield RestEngine(harness, http.url)
        finally:
            await http.stop()
            trail.close()


def reader(url: str, token: str = officers.REGISTER_READER_TOKEN) -> RegisterClient:
    return RegisterClient(url, token)


async def test_the_register_lists_a_persons_cases_across_procedures_over_rest(
    rest_engine: RestEngine,
) -> None:
    harness = rest_engine.harness
    exemption = await harness.start(
        "exemption-procedure", application(errorCategory="project-approval")
    )
    await harness.start("exemption-procedure", application(applicantName="王芳"))
    rectification = await harness.start(
        "rectification",
        {
            "caseNumber": "游纪整〔2026〕1号",
            "procedureName": "问题整改",
            "errorCategory": "project-approval",
            "registerSubjects": [LI_MING.to_variable()],
            "registerOutcome": "已整改销号",
        },
    )
    await harness.engine.barrier()

    with reader(rest_engine.url) as client:
        cases = await asyncio.to_thread(client.cases_of, [LI_MING])

    assert [c.process_instance_key for c in cases] == [exemption, rectification]
    first, second = cases
    # The exemption case is read from its application's own variables (8(1)).
    assert (first.procedure_name, first.error_category) == ("容错免责办理", "project-approval")
    assert first.subjects == (LI_MING,)
    assert first.outcome is None and first.state == "ACTIVE"
    assert first.started_at is not None
    assert (second.procedure_name, second.case_number, second.outcome) == (
        "问题整改",
        "游纪整〔2026〕1号",
        "已整改销号",
    )
    # The exemption's stages (application, acceptance...) are not cases of their own.
    with reader(rest_engine.url) as client:
        every = await asyncio.to_thread(client.cases)
    assert {c.process_id for c in every} == {"exemption-procedure", "rectification"}
    assert len(every) == 3


async def test_a_unit_is_matched_by_its_id_and_a_person_by_name_and_unit(
    rest_engine: RestEngine,
) -> None:
    harness = rest_engine.harness
    unit = Subject("unit", "区发展改革局", "dept-development-reform")
    await harness.start(
        "exemption-procedure",
        application(applicantType="unit", applicantName="绵阳市游仙区发展和改革局"),
    )
    await harness.start("exemption-procedure", application(applicantUnit="区审计局"))
    await harness.engine.barrier()

    with reader(rest_engine.url) as client:
        of_unit = await asyncio.to_thread(client.cases_of, [unit])
        of_person = await asyncio.to_thread(client.cases_of, [LI_MING])

    assert [c.subjects for c in of_unit] == [
        (Subject("unit", of_unit[0].subjects[0].name, unit.unit_id),)
    ]
    assert of_person == []  # 李明 of the audit bureau is someone else


async def test_the_access_rules_hold_an_officer_sees_only_own_cases_a_stranger_none(
    rest_engine: RestEngine,
) -> None:
    await rest_engine.harness.start("exemption-procedure", application())
    await rest_engine.harness.engine.barrier()
    # An officer with no task in the case: the search answers, without the case.
    with RegisterClient(rest_engine.url, officers.token("discipline-office")) as client:
        assert await asyncio.to_thread(client.cases) == []
    with (
        RegisterClient(rest_engine.url, "not-a-token") as client,
        pytest.raises(RegisterUnavailable, match="401"),
    ):
        await asyncio.to_thread(client.cases)


def test_an_engine_that_is_not_there_is_named() -> None:
    with (
        RegisterClient("http://127.0.0.1:9", "x", timeout_s=1.0) as client,
        pytest.raises(RegisterUnavailable, match="不可达"),
    ):
        client.cases()
