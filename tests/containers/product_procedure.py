"""A case of the Article 8 procedure driven through a running product's mapped ports only: the
case is opened over gRPC (pyzeebe), every user task is completed over REST by the demo officer of
the group the diagram offers it to, and the case is read back through the /v2 search endpoints.

The ports are asked of the container on every call, so the same object keeps working after the
container is restarted. Asynchronous progress is awaited with bounded polls, never fixed sleeps.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pyzeebe import ZeebeClient

from tests.containers.conftest import ProductContainer
from tests.containers.docker_tools import DEMO_ADMIN_TOKEN, gateway_channel
from tests.procedure.scenario import Case, ProgressTimeout
from workers.form_submissions import FORM_SUBMISSIONS, ApplicationFormSubmission

# The demo identity (engine/access/demo-identity.toml): one user per candidate group of the
# procedure; each user's password is `demo-<username>`.
DEMO_OFFICERS = {
    "leading-group-office": "office",
    "subject-discipline-commission": "subject",
    "dept-audit": "audit",
    "dept-org-department": "orgdept",
    "leading-group": "leader",
    "org-personnel": "personnel",
    "district-committee": "committee",
}
ADMIN = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
# Over HTTP to a container a worker's round trip takes longer than in-process; PDFs dominate.
PROGRESS_TIMEOUT_S = 30.0
_POLL_INTERVAL_S = 0.05
_SEARCH_LIMIT = 10_000
# Elements whose activity is a job in a worker's hands: the clock is not moved under them.
_JOB_ELEMENTS = frozenset(
    {"SERVICE_TASK", "SEND_TASK", "SCRIPT_TASK", "BUSINESS_RULE_TASK", "INTERMEDIATE_THROW_EVENT"}
)


def officer_auth(group: str) -> httpx.BasicAuth:
    if group not in DEMO_OFFICERS:
        raise AssertionError(f"the demo identity has no officer of group {group!r}")
    username = DEMO_OFFICERS[group]
    return httpx.BasicAuth(username, f"demo-{username}")


def _value(text: Any) -> Any:
    # /v2 variable values are JSON text, as in Camunda 8.8.
    return json.loads(text) if isinstance(text, str) else text


@dataclass
class ProductProcedure:
    product: ProductContainer

    # -- HTTP ------------------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        auth: httpx.BasicAuth | None = None,
    ) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.product.http_url, timeout=15.0) as http:
            return await http.request(
                method, f"/v2{path}", json=body, auth=auth, headers=None if auth else ADMIN
            )

    async def search(self, resource: str, filter_: dict[str, Any]) -> list[dict[str, Any]]:
        """`POST /v2/<resource>/search` as the demo administrator, every page at once."""
        body = {"filter": filter_, "page": {"limit": _SEARCH_LIMIT}}
        response = await self.request("POST", f"/{resource}/search", body)
        assert response.status_code == 200, f"{resource} search: {response.text}"
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    # -- acting ----------------------------------------------------------------------------------
    async def start_case(self, application: dict[str, Any]) -> Case:
        ApplicationFormSubmission.model_validate(application)
        channel = gateway_channel(self.product.grpc_address)
        try:
            created = await ZeebeClient(channel).run_process(
                "exemption-procedure", variables=application
            )
        finally:
            await channel.close()
        return Case(int(created.process_instance_key))

    async def complete_task(
        self, case: Case, element_id: str, variables: dict[str, Any], *, candidate_group: str = ""
    ) -> dict[str, Any]:
        """Waits for the case's open user task `element_id` and completes it as the demo officer
        of the group it is offered to, with what the task's form would submit."""
        task = await self.wait_for_user_task(case, element_id, candidate_group=candidate_group)
        offered_to = [g for g in task["candidateGroups"] if g in DEMO_OFFICERS]
        if not offered_to:
            raise AssertionError(
                f"user task {element_id} is offered to {task['candidateGroups']}, "
                "no group of the demo identity"
            )
        auth = officer_auth(offered_to[0])
        key = task["userTaskKey"]
        form = await self.request("GET", f"/user-tasks/{key}/form", auth=auth)
        assert form.status_code == 200, f"form of {element_id}: {form.status_code} {form.text}"
        FORM_SUBMISSIONS[str(form.json()["formId"])].model_validate(variables)
        response = await self.request(
            "POST", f"/user-tasks/{key}/completion", {"variables": variables}, auth=auth
        )
        assert response.status_code == 204, (
            f"{DEMO_OFFICERS[offered_to[0]]} could not complete {element_id}: "
            f"{response.status_code} {response.text}"
        )
        return task

    async def set_clock(self, case: Case, moment: datetime) -> None:
        """Pins the engine clock once no job of the case is in a worker's hands (a job's timeout
        runs on the engine clock: a jump of days would time it out and have it done twice)."""

        async def no_open_job() -> bool:
            return not any(
                e["state"] == "ACTIVE" and e["type"] in _JOB_ELEMENTS
                for e in await self.element_instances(case)
            )

        await self.wait_until(case, "no job of the case is open", no_open_job)
        await self.pin_clock(moment)

    async def pin_clock(self, moment: datetime) -> None:
        """`PUT /v2/clock` as the administrator."""
        response = await self.request(
            "PUT", "/clock", {"timestamp": int(moment.timestamp() * 1000)}
        )
        assert response.status_code == 204, f"pin clock: {response.status_code} {response.text}"

    # -- reading the case ------------------------------------------------------------------------
    async def instances(self, case: Case) -> dict[str, str]:
        """The case's process instances (root and every called stage): key -> process id."""
        every = await self.search("process-instances", {})
        found = {str(case.key): "exemption-procedure"}
        grew = True
        while grew:
            grew = False
            for item in every:
                key = str(item["processInstanceKey"])
                if key not in found and item.get("parentProcessInstanceKey") in found:
                    found[key] = str(item["processDefinitionId"])
                    grew = True
        return found

    async def element_instances(self, case: Case) -> list[dict[str, Any]]:
        """The case's element instances in the order they were entered."""
        keys = await self.instances(case)
        items = [
            e
            for e in await self.search("element-instances", {})
            if e["processInstanceKey"] in keys
            and e["type"] not in ("PROCESS", "MULTI_INSTANCE_BODY")
        ]
        return sorted(items, key=lambda e: int(e["elementInstanceKey"]))

    async def path(self, case: Case) -> list[str]:
        """Every element the case completed, as `process#element`, in the order entered."""
        return [
            f"{e['processDefinitionId']}#{e['elementId']}"
            for e in await self.element_instances(case)
            if e["state"] == "COMPLETED"
        ]

    async def active(self, case: Case) -> list[str]:
        return [
            f"{e['processDefinitionId']}#{e['elementId']}"
            for e in await self.element_instances(case)
            if e["state"] == "ACTIVE"
        ]

    async def user_tasks(self, case: Case) -> list[dict[str, Any]]:
        keys = await self.instances(case)
        return [
            t
            for t in await self.search("user-tasks", {"state": "CREATED"})
            if t["processInstanceKey"] in keys
        ]

    async def variables(self, scope_key: int | str) -> dict[str, Any]:
        """The variables of one scope (a process instance's own), decoded."""
        items = await self.search("variables", {"scopeKey": str(scope_key)})
        return {str(v["name"]): _value(v["value"]) for v in items}

    async def stage_variables(self, case: Case, process_id: str) -> dict[str, Any]:
        """Variables of the latest instance of a called stage."""
        keys = [int(k) for k, p in (await self.instances(case)).items() if p == process_id]
        if not keys:
            raise AssertionError(
                f"stage {process_id} was never called; {await self.describe(case)}"
            )
        return await self.variables(max(keys))

    async def state(self, case: Case) -> str:
        response = await self.request("GET", f"/process-instances/{case.key}")
        assert response.status_code == 200, f"case {case.key}: {response.text}"
        return str(response.json()["state"])

    async def incidents(self, case: Case) -> list[dict[str, Any]]:
        keys = await self.instances(case)
        return [
            i
            for i in await self.search("incidents", {"state": "ACTIVE"})
            if i["processInstanceKey"] in keys
        ]

    async def describe(self, case: Case) -> str:
        incidents = [(i["elementId"], i["errorMessage"]) for i in await self.incidents(case)]
        tasks = [t["elementId"] for t in await self.user_tasks(case)]
        return (
            f"case {case.key} is {await self.state(case)}; active {await self.active(case)}; "
            f"open user tasks {tasks}; incidents {incidents}; path {await self.path(case)}"
        )

    # -- waiting (bounded polls) -----------------------------------------------------------------
    async def wait_until(
        self, case: Case, what: str, condition: Callable[[], Any], timeout_s: float = 0
    ) -> None:
        """`condition` returns an awaitable of bool."""
        deadline = time.monotonic() + (timeout_s or PROGRESS_TIMEOUT_S)
        while not await condition():
            if time.monotonic() > deadline:
                raise ProgressTimeout(
                    f"timed out waiting until {what}; {await self.describe(case)}"
                )
            await asyncio.sleep(_POLL_INTERVAL_S)

    async def wait_for_user_task(
        self, case: Case, element_id: str, *, candidate_group: str = ""
    ) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        async def matching() -> bool:
            found[:] = [
                t
                for t in await self.user_tasks(case)
                if t["elementId"] == element_id
                and (not candidate_group or candidate_group in t["candidateGroups"])
            ]
            return bool(found)

        offered_to = f" for {candidate_group}" if candidate_group else ""
        await self.wait_until(case, f"user task {element_id}{offered_to} is open", matching)
        return found[0]

    async def wait_until_waiting_at(self, case: Case, element: str) -> None:
        async def waiting() -> bool:
            return element in await self.active(case)

        await self.wait_until(case, f"the case waits at {element}", waiting)

    async def wait_until_passed(self, case: Case, element: str) -> None:
        async def passed() -> bool:
            return element in await self.path(case)

        await self.wait_until(case, f"the case passed {element}", passed)

    async def wait_until_completed(self, case: Case) -> None:
        async def completed() -> bool:
            return await self.state(case) == "COMPLETED"

        await self.wait_until(case, "the case completed", completed)
