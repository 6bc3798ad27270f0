"""One small task-list client, written only against Camunda 8.8's documented REST API, runs the
officer's flow (search -> assign -> complete) against our engine over real HTTP.

The client knows nothing of the engine: a base URL and credentials, exactly what it would get
for a Camunda 8.8 cluster. The request and response shapes it relies on are those of:
- POST /v2/user-tasks/search     https://docs.camunda.io/docs/8.8/apis-tools/orchestration-cluster-api-rest/specifications/search-user-tasks/
- POST /v2/user-tasks/{key}/assignment  .../specifications/assign-user-task/   (204, no body)
- POST /v2/user-tasks/{key}/completion  .../specifications/complete-user-task/ (204, no body)
- GET  /v2/user-tasks/{key}/form        .../specifications/get-user-task-form/
- GET  /v2/authentication/me            .../specifications/get-authentication/
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.engine.rest_harness import rest_engine

# Fields of 8.8's UserTaskResult and SearchQueryPageResponse the client reads.
USER_TASK_FIELDS = {
    "userTaskKey",
    "name",
    "state",
    "assignee",
    "elementId",
    "elementInstanceKey",
    "candidateGroups",
    "candidateUsers",
    "processDefinitionId",
    "processDefinitionKey",
    "processInstanceKey",
    "formKey",
    "creationDate",
    "completionDate",
    "followUpDate",
    "dueDate",
    "tenantId",
    "externalFormReference",
    "processDefinitionVersion",
    "customHeaders",
    "priority",
}
PAGE_FIELDS = {"totalItems", "startCursor", "endCursor"}


class TaskListClient:
    """What the desk does for an officer, in a dozen lines of HTTP."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=f"{base_url}/v2", headers={"Authorization": f"Bearer {token}"}
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def me(self) -> dict[str, Any]:
        response = await self.http.get("/authentication/me")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def open_tasks(self) -> dict[str, Any]:
        response = await self.http.post(
            "/user-tasks/search",
            json={
                "filter": {"state": "CREATED"},
                "sort": [{"field": "creationDate", "order": "ASC"}],
                "page": {"from": 0, "limit": 50},
            },
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def form(self, task_key: str) -> dict[str, Any] | None:
        response = await self.http.get(f"/user-tasks/{task_key}/form")
        response.raise_for_status()
        return None if response.status_code == 204 else dict(response.json())

    async def claim(self, task_key: str, username: str) -> int:
        response = await self.http.post(
            f"/user-tasks/{task_key}/assignment",
            json={"assignee": username, "allowOverride": False, "action": "claim"},
        )
        response.raise_for_status()
        return response.status_code

    async def complete(self, task_key: str, variables: dict[str, Any]) -> int:
        response = await self.http.post(
            f"/user-tasks/{task_key}/completion", json={"variables": variables}
        )
        response.raise_for_status()
        return response.status_code


async def test_the_task_list_client_runs_the_officer_flow_against_our_engine(
    tmp_path: Path,
) -> None:
    async with rest_engine(tmp_path) as engine:
        await engine.deploy_case()
        instance = await engine.start_case("YX-2026-001")
        client = TaskListClient(engine.url, "office-token")
        try:
            me = await client.me()
            assert me["username"] == "office"

            found = await client.open_tasks()
            assert set(found) == {"items", "page"}
            assert set(found["page"]) == PAGE_FIELDS
            assert found["page"]["totalItems"] == 1
            (task,) = found["items"]
            assert set(task) <= USER_TASK_FIELDS
            assert {"userTaskKey", "state", "elementId", "processInstanceKey"} <= set(task)
            assert isinstance(task["userTaskKey"], str) and task["userTaskKey"].isdigit()
            assert task["processInstanceKey"] == instance
            assert task["state"] == "CREATED"

            form = await client.form(task["userTaskKey"])
            assert form is not None
            assert {"formKey", "schema", "version", "tenantId"} <= set(form)
            # 8.8's FormResult.schema is the form document itself, an object.
            assert form["schema"]["id"] == "review-form"

            assert await client.claim(task["userTaskKey"], me["username"]) == 204
            assert await client.complete(task["userTaskKey"], {"accepted": True}) == 204

            assert (await client.open_tasks())["items"] == []
        finally:
            await client.close()
        audited = [(e.actor, e.action) for e in engine.trail.entries()]
        assert audited == [("office", "USER_TASK_ASSIGNED"), ("office", "USER_TASK_COMPLETED")]
