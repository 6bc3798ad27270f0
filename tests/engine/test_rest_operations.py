"""The operator's /v2 endpoints over real HTTP: element instances, variables, incidents, jobs,
deployments, messages and the clock, each with its authorization rule allowed and refused.
Shapes follow Camunda 8.8's pages: search-element-instances, search-variables, search-incidents,
get-incident, resolve-incident, update-job, create-deployment, publish-message,
correlate-message, pin-clock, reset-clock.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.engine.rest_harness import (
    START_MS,
    RestEngine,
    case_resources,
    problem,
    rest_engine,
)


@pytest.fixture
async def rest(tmp_path: Path) -> AsyncIterator[RestEngine]:
    async with rest_engine(tmp_path) as engine:
        await engine.deploy_case()
        yield engine


async def _to_incident(rest: RestEngine) -> tuple[str, int]:
    instance = await rest.start_case()
    task = await rest.task_of(instance)
    await rest.as_("office").post(f"/v2/user-tasks/{task['userTaskKey']}/completion", json={})
    return instance, await rest.fail_check_job()


async def test_element_instances_include_finished_ones_and_officers_see_only_their_cases(
    rest: RestEngine,
) -> None:
    instance = await rest.start_case()
    found = await rest.as_("manager").post(
        "/v2/element-instances/search",
        json={"filter": {"processInstanceKey": instance}, "sort": [{"field": "startDate"}]},
    )
    items = found.json()["items"]
    assert [(i["elementId"], i["type"], i["state"]) for i in items] == [
        ("received", "START_EVENT", "COMPLETED"),
        ("review", "USER_TASK", "ACTIVE"),
    ]
    assert items[1]["elementName"] == "Office review"
    assert items[1]["hasIncident"] is False
    office = await rest.as_("office").post("/v2/element-instances/search", json={})
    assert office.json()["page"]["totalItems"] == 2
    outsider = await rest.as_("outsider").post("/v2/element-instances/search", json={})
    assert outsider.json()["page"]["totalItems"] == 0
    bad = await rest.as_("manager").post(
        "/v2/element-instances/search", json={"filter": {"elementType": "x"}}
    )
    assert "elementType" in problem(bad, 400)


async def test_variables_search_values_are_json_text_restricted_for_officers(
    rest: RestEngine,
) -> None:
    instance = await rest.start_case("C-7")
    found = await rest.as_("manager").post(
        "/v2/variables/search", json={"filter": {"name": "caseId"}}
    )
    (variable,) = found.json()["items"]
    assert variable["value"] == '"C-7"'
    assert variable["processInstanceKey"] == instance
    assert variable["scopeKey"] == instance
    assert variable["isTruncated"] is False
    office = await rest.as_("office").post("/v2/variables/search", json={})
    assert office.json()["page"]["totalItems"] == 1
    outsider = await rest.as_("outsider").post("/v2/variables/search", json={})
    assert outsider.json()["page"]["totalItems"] == 0


async def test_incident_search_and_get_for_managers_only(rest: RestEngine) -> None:
    instance, _ = await _to_incident(rest)
    found = await rest.as_("manager").post(
        "/v2/incidents/search", json={"filter": {"state": "ACTIVE"}}
    )
    (incident,) = found.json()["items"]
    assert incident["processInstanceKey"] == instance
    assert incident["errorMessage"] == "the register is unreachable"
    key = incident["incidentKey"]
    single = await rest.as_("manager").get(f"/v2/incidents/{key}")
    assert single.json() == incident
    problem(await rest.as_("office").post("/v2/incidents/search", json={}), 403)
    problem(await rest.as_("office").get(f"/v2/incidents/{key}"), 403)
    problem(await rest.as_("manager").get("/v2/incidents/99"), 404)


async def test_job_retries_and_incident_resolution_are_for_admins_and_audited(
    rest: RestEngine,
) -> None:
    instance, job_key = await _to_incident(rest)
    incident = (await rest.as_("manager").post("/v2/incidents/search", json={})).json()["items"][0]
    retries = {"changeset": {"retries": 2}}
    problem(await rest.as_("manager").patch(f"/v2/jobs/{job_key}", json=retries), 403)
    problem(
        await rest.as_("manager").post(f"/v2/incidents/{incident['incidentKey']}/resolution"), 403
    )
    assert rest.trail.count() == 1  # the office's completion only
    bad = await rest.as_("admin").patch(f"/v2/jobs/{job_key}", json={"changeset": {"retries": "2"}})
    assert "changeset.retries" in problem(bad, 400)
    assert (await rest.as_("admin").patch(f"/v2/jobs/{job_key}", json=retries)).status_code == 204
    resolved = await rest.as_("admin").post(f"/v2/incidents/{incident['incidentKey']}/resolution")
    assert resolved.status_code == 204
    after = await rest.as_("manager").get(f"/v2/incidents/{incident['incidentKey']}")
    assert after.json()["state"] == "RESOLVED"
    actions = [(e.actor, e.action) for e in rest.trail.entries()][-2:]
    assert actions == [("admin", "JOB_RETRIES_UPDATED"), ("admin", "INCIDENT_RESOLVED")]
    assert rest.trail.entries()[-1].subject_keys["processInstanceKey"] == instance
    problem(await rest.as_("admin").patch("/v2/jobs/12345", json=retries), 404)


async def test_deployment_is_multipart_for_admins_and_audited(tmp_path: Path) -> None:
    async with rest_engine(tmp_path) as rest:
        files = [
            ("resources", (r.name, r.content, "application/octet-stream")) for r in case_resources()
        ]
        refused = await rest.as_("manager").post("/v2/deployments", files=files)
        assert "deploy resources" in problem(refused, 403)
        assert rest.service.query.process_definitions() == []
        response = await rest.as_("admin").post("/v2/deployments", files=files)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["tenantId"] == "<default>"
        kinds = [next(iter(d)) for d in body["deployments"]]
        assert kinds == ["processDefinition", "form", "form"]
        process = body["deployments"][0]["processDefinition"]
        assert (process["processDefinitionId"], process["processDefinitionVersion"]) == (
            "case",
            1,
        )
        assert process["resourceName"] == "case.bpmn"
        entry = rest.trail.entries()[-1].to_json()
        assert (entry["actor"], entry["action"]) == ("admin", "DEPLOYMENT_CREATED")
        assert entry["subjectKeys"] == {"deploymentKey": body["deploymentKey"]}
        empty = await rest.as_("admin").post("/v2/deployments", files={"other": ("x", b"1")})
        assert "no 'resources'" in problem(empty, 400)
        not_multipart = await rest.as_("admin").post("/v2/deployments", json={})
        assert "multipart/form-data" in problem(not_multipart, 400)
        broken = await rest.as_("admin").post(
            "/v2/deployments", files={"resources": ("bad.bpmn", b"<bpmn:definitions")}
        )
        assert "bad.bpmn" in problem(broken, 400)


async def test_a_dmn_deployment_answers_in_zeebes_order(rest: RestEngine) -> None:
    dmn = (Path(__file__).parent / "bpmn" / "grade.dmn").read_bytes()
    response = await rest.as_("admin").post(
        "/v2/deployments", files=[("resources", ("grade.dmn", dmn, "application/xml"))]
    )
    assert response.status_code == 200, response.text
    # Processes, decisions, decision requirements, forms: a client reading deployments[0]
    # after deploying one DMN file gets the decision, as from Zeebe.
    [decision, requirements] = response.json()["deployments"]
    assert decision["decisionDefinition"]["decisionDefinitionId"] == "grade"
    assert requirements["decisionRequirements"]["decisionRequirementsId"] == "grading"


async def test_message_publication_and_correlation(rest: RestEngine) -> None:
    instance = await rest.start_case("C-1")
    task = await rest.task_of(instance)
    await rest.as_("office").post(f"/v2/user-tasks/{task['userTaskKey']}/completion", json={})
    await rest.complete_check_job()
    published = await rest.as_("office").post(
        "/v2/messages/publication",
        json={"name": "other", "correlationKey": "C-1", "timeToLive": 1000},
    )
    assert published.status_code == 200
    assert set(published.json()) == {"tenantId", "messageKey"}
    nobody = await rest.as_("office").post(
        "/v2/messages/correlation", json={"name": "other", "correlationKey": "C-1"}
    )
    assert "no" in problem(nobody, 404).lower()
    correlated = await rest.as_("office").post(
        "/v2/messages/correlation",
        json={"name": "go", "correlationKey": "C-1", "variables": {"approved": True}},
    )
    assert correlated.status_code == 200, correlated.text
    assert correlated.json()["processInstanceKey"] == instance
    state = (await rest.as_("admin").get(f"/v2/process-instances/{instance}")).json()["state"]
    assert state == "COMPLETED"
    bad = await rest.as_("office").post("/v2/messages/publication", json={"correlationKey": "x"})
    assert "name" in problem(bad, 400)


async def test_message_time_to_live_may_be_a_decimal_string(rest: RestEngine) -> None:
    # 8.8 declares timeToLive int64; Camunda's TypeScript client sends it as a string.
    for ttl in ("0", "60000"):
        published = await rest.as_("office").post(
            "/v2/messages/publication", json={"name": "n", "correlationKey": "k", "timeToLive": ttl}
        )
        assert published.status_code == 200, published.text
    for bad_ttl in ("-1", "1e3", "soon", 1.5, True, "99999999999999999999"):
        refused = await rest.as_("office").post(
            "/v2/messages/publication",
            json={"name": "n", "correlationKey": "k", "timeToLive": bad_ttl},
        )
        assert "timeToLive" in problem(refused, 400)


async def test_only_admins_move_the_clock(rest: RestEngine) -> None:
    later = START_MS + 86_400_000
    problem(await rest.as_("manager").put("/v2/clock", json={"timestamp": later}), 403)
    assert rest.service.clock.now_ms() == START_MS
    # the engine decides who first, then which instants: a manager hears "not allowed"
    beyond = {"timestamp": 253_402_300_800_000}
    problem(await rest.as_("manager").put("/v2/clock", json=beyond), 403)
    assert "9999-12-31" in problem(await rest.as_("admin").put("/v2/clock", json=beyond), 400)
    assert (await rest.as_("admin").put("/v2/clock", json={"timestamp": later})).status_code == 204
    assert rest.service.clock.now_ms() == later
    problem(await rest.as_("office").post("/v2/clock/reset"), 403)
    assert rest.service.clock.pinned_ms == later
    assert (await rest.as_("admin").post("/v2/clock/reset")).status_code == 204
    assert rest.service.clock.pinned_ms is None


async def test_dates_follow_the_engine_clock(rest: RestEngine) -> None:
    await rest.as_("admin").put("/v2/clock", json={"timestamp": START_MS + 3_600_000})
    instance = await rest.start_case()
    task = await rest.task_of(instance)
    assert task["creationDate"] == "2026-01-05T02:00:00.000Z"
    assert json.loads(json.dumps(task))["processInstanceKey"] == instance


async def _activate(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    request = {"type": "check", "worker": "rest-worker", "timeout": "60000"} | {
        "maxJobsToActivate": 5,
        **body,
    }
    return await client.post("/v2/jobs/activation", json=request)


async def test_rest_job_worker_long_polls_activates_and_completes(rest: RestEngine) -> None:
    instance = await rest.start_case("C-7")
    task = await rest.task_of(instance)
    office = rest.as_("office")
    # Held until the job exists (8.8's requestTimeout, an int64 sent as a string).
    held = asyncio.create_task(_activate(office, requestTimeout="10000"))
    await asyncio.sleep(0.2)
    assert not held.done()
    started = time.monotonic()
    await office.post(f"/v2/user-tasks/{task['userTaskKey']}/completion", json={})
    activated = await held
    assert time.monotonic() - started < 5
    assert activated.status_code == 200, activated.text
    [job] = activated.json()["jobs"]
    assert (job["type"], job["worker"], job["kind"], job["listenerEventType"]) == (
        "check",
        "rest-worker",
        "BPMN_ELEMENT",
        "UNSPECIFIED",
    )
    assert job["processInstanceKey"] == instance
    assert job["variables"]["caseId"] == "C-7"
    assert isinstance(job["deadline"], int)
    done = await office.post(f"/v2/jobs/{job['jobKey']}/completion", json={"variables": {"ok": 1}})
    assert done.status_code == 204
    again = await office.post(f"/v2/jobs/{job['jobKey']}/completion", json={})
    assert "no such job" in problem(again, 404)


async def test_rest_job_activation_refuses_bad_bodies(rest: RestEngine) -> None:
    office = rest.as_("office")
    assert "timeout" in problem(
        await office.post("/v2/jobs/activation", json={"type": "check", "maxJobsToActivate": 1}),
        400,
    )
    assert "maxJobsToActivate" in problem(await _activate(office, maxJobsToActivate=0), 400)
    assert "timeout" in problem(await _activate(office, timeout="1e3"), 400)
    assert "requestTimeout" in problem(await _activate(office, requestTimeout=1.5), 400)
    empty = await _activate(office, requestTimeout="-1")  # negative: answer at once
    assert empty.json() == {"jobs": []}
    assert "errorCode" in problem(await office.post("/v2/jobs/1/error", json={}), 400)


async def test_a_worker_leaving_a_held_activation_does_not_swallow_the_job(
    rest: RestEngine,
) -> None:
    instance = await rest.start_case("C-8")
    task = await rest.task_of(instance)
    office = rest.as_("office")
    with pytest.raises(httpx.ReadTimeout):
        await office.post(
            "/v2/jobs/activation",
            json={
                "type": "check",
                "timeout": 60000,
                "maxJobsToActivate": 1,
                "requestTimeout": 20000,
            },
            timeout=0.5,
        )
    await office.post(f"/v2/user-tasks/{task['userTaskKey']}/completion", json={})
    # The abandoned call was let go, so the job waits for the next worker instead of being
    # activated for nobody until its timeout.
    activated = await _activate(office, requestTimeout="3000")
    assert [j["processInstanceKey"] for j in activated.json()["jobs"]] == [instance]
