"""A real engine behind real HTTP for the /v2 tests: EngineService in memory with a pinned clock,
uvicorn on a free port (engine.http.server), an identity of bearer-token users, an audit trail.

Users (bearer token = "<username>-token"):
  office    officer, group leading-group-office (the candidate group of the review task)
  leader    officer, group leading-group
  outsider  officer, no group
  manager   manager role
  admin     admin role
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from engine.access import Identity, parse_directory
from engine.access.secrets import token_digest
from engine.api import ActivateJobsRequest, Resource
from engine.audit import AuditTrail
from engine.cli import ServeOptions, start_adapters
from engine.service import EngineService

START_MS = 1_767_574_800_000  # 2026-01-05T01:00:00Z
USERS = {
    "office": (["leading-group-office"], ["officer"]),
    "leader": (["leading-group"], ["officer"]),
    "outsider": ([], ["officer"]),
    "manager": ([], ["manager"]),
    "admin": ([], ["admin"]),
}

CASE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="m" name="go">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=caseId"/></bpmn:extensionElements>
  </bpmn:message>
  <bpmn:process id="case" name="Exemption case" isExecutable="true">
    <bpmn:startEvent id="received" name="Application received">
      <bpmn:extensionElements>
        <zeebe:formDefinition formId="application-form"/>
      </bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="received" targetRef="review"/>
    <bpmn:userTask id="review" name="Office review">
      <bpmn:extensionElements>
        <zeebe:userTask/>
        <zeebe:formDefinition formId="review-form"/>
        <zeebe:assignmentDefinition candidateGroups="leading-group-office"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="check"/>
    <bpmn:serviceTask id="check" name="Check">
      <bpmn:extensionElements><zeebe:taskDefinition type="check"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Go">
      <bpmn:messageEventDefinition messageRef="m"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="done"/>
    <bpmn:endEvent id="done"/>
  </bpmn:process>
</bpmn:definitions>
"""
APPLICATION_FORM = {
    "id": "application-form",
    "type": "default",
    "schemaVersion": 16,
    "components": [{"type": "textfield", "key": "applicant", "label": "申请人"}],
}
REVIEW_FORM = {
    "id": "review-form",
    "type": "default",
    "schemaVersion": 16,
    "components": [{"type": "checkbox", "key": "accepted", "label": "受理"}],
}


def case_resources() -> list[Resource]:
    return [
        Resource("case.bpmn", CASE_BPMN.encode()),
        Resource("application-form.form", json.dumps(APPLICATION_FORM).encode()),
        Resource("review-form.form", json.dumps(REVIEW_FORM, ensure_ascii=False).encode()),
    ]


def identity() -> Identity:
    groups = sorted({g for gs, _ in USERS.values() for g in gs})
    return Identity(
        parse_directory(
            {
                "groups": [{"id": g} for g in groups],
                "users": [
                    {"username": u, "name": u.title(), "groups": gs, "roles": rs}
                    for u, (gs, rs) in USERS.items()
                ],
                "tokens": [
                    {"name": u, "username": u, "sha256": token_digest(f"{u}-token")} for u in USERS
                ],
            }
        )
    )


@dataclass
class RestEngine:
    service: EngineService
    trail: AuditTrail
    url: str
    clients: dict[str, httpx.AsyncClient]
    # the application engine serve's wiring built (its routes are what is served)
    app: Any = None

    def as_(self, user: str) -> httpx.AsyncClient:
        return self.clients[user]

    @property
    def anonymous(self) -> httpx.AsyncClient:
        return self.clients[""]

    async def deploy_case(self) -> None:
        await self.service.deploy(case_resources())

    async def start_case(self, case_id: str = "C-1", **variables: Any) -> str:
        created = await self.service.create_process_instance(
            bpmn_process_id="case", variables={"caseId": case_id, **variables}
        )
        return str(created.process_instance_key)

    async def task_of(self, instance: str) -> dict[str, Any]:
        found = await self.as_("admin").post(
            "/v2/user-tasks/search", json={"filter": {"processInstanceKey": instance}}
        )
        items: list[dict[str, Any]] = found.json()["items"]
        assert len(items) == 1, items
        return items[0]

    async def fail_check_job(self) -> int:
        """Takes the 'check' job and fails it without retries: an incident."""
        jobs = await self.service.activate_jobs(
            ActivateJobsRequest("check", "test", 60_000, 1, request_timeout_ms=-1)
        )
        assert jobs, "no 'check' job to fail"
        await self.service.fail_job(jobs[0].key, 0, "the register is unreachable")
        return jobs[0].key

    async def complete_check_job(self) -> None:
        jobs = await self.service.activate_jobs(
            ActivateJobsRequest("check", "test", 60_000, 1, request_timeout_ms=-1)
        )
        assert jobs, "no 'check' job to complete"
        await self.service.complete_job(jobs[0].key, {})


@asynccontextmanager
async def rest_engine(tmp_path: Path, *, auth: bool = True) -> AsyncIterator[RestEngine]:
    service = await EngineService.open(None)
    await service.pin_clock(START_MS)
    trail = service.store.audit_trail()
    # engine serve's wiring (both adapters, the audit, the identity), not a hand-made app
    options = ServeOptions("127.0.0.1:0", "127.0.0.1:0", tmp_path / "engine")
    running = await start_adapters(service, options, identity() if auth else None, trail)
    assert running.http is not None
    server = running.http
    clients = {
        user: httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {user}-token"}, timeout=10
        )
        for user in USERS
    }
    clients[""] = httpx.AsyncClient(base_url=server.url, timeout=10)
    try:
        yield RestEngine(service, trail, server.url, clients, server.server.config.app)
    finally:
        for client in clients.values():
            await client.aclose()
        await running.stop()
        await service.close()
        trail.close()


def problem(response: httpx.Response, status: int) -> str:
    """Asserts an RFC 9457 problem answer with `status`; returns its detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert body["instance"] == response.request.url.path
    detail: str = body["detail"]
    return detail
