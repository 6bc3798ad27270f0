"""A stand-in for the Camunda 8.8 /v2 API: one case waiting at the office's acceptance review.

It answers with the documented 8.8 shapes the desk uses, authenticates the demo users with HTTP
Basic and, like the engine, shows an officer only the tasks of their groups or assigned to them.
It lets the desk's server and browser tests run without an engine; the real engine is exercised
by the end-to-end test when its /v2 endpoints are present.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workers.case_numbering import assign_case_number
from workers.document_store import store_document

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-01-05T09:00:00.000+08:00"

USERS: dict[str, dict[str, Any]] = {
    "office": {
        "password": "demo-office",
        "name": "王敏",
        "groups": ["leading-group-office"],
        "roles": ["officer"],
    },
    "audit": {
        "password": "demo-audit",
        "name": "张伟",
        "groups": ["dept-audit"],
        "roles": ["officer"],
    },
    "manager": {"password": "demo-manager", "name": "周建国", "groups": [], "roles": ["manager"]},
    "admin": {"password": "demo-admin", "name": "吴涛", "groups": [], "roles": ["admin"]},
}

ROOT_DEFINITION = "2251799813685001"
ACCEPTANCE_DEFINITION = "2251799813685002"
CASE = "2251799813685101"
ACCEPTANCE = "2251799813685102"
TASK = "2251799813685201"
INCIDENT = "2251799813685401"
OTHER_CASE = "2251799813689101"


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "status": status, "title": title, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


@dataclass
class FakeCamunda:
    data_dir: Path
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    definitions: list[dict[str, Any]] = field(default_factory=list)
    instances: list[dict[str, Any]] = field(default_factory=list)
    elements: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_key: int = 2251799813686000
    incidents: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The documents as the workers store them: case numbered by its acceptance instance here
        # (by its application instance in the real procedure), files in the case's archive.
        self.data_dir.mkdir(parents=True, exist_ok=True)
        number = assign_case_number(self.data_dir, int(ACCEPTANCE), 2026)
        self.document = store_document(
            self.data_dir,
            case_number=str(number),
            process_instance_key=int(ACCEPTANCE),
            document_id="acceptance-notice-2251799813685150",
            document_type="acceptance-notice",
            title="受理通知书",
            content=b"%PDF-1.4\n% fake acceptance notice\n%%EOF\n",
            created_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        )
        self.document_path = Path(unquote(urlparse(self.document.uri).path))
        # Another case (B), of which the officers of this fake have no task.
        other = assign_case_number(self.data_dir, int(OTHER_CASE), 2026)
        self.other_document = store_document(
            self.data_dir,
            case_number=str(other),
            process_instance_key=int(OTHER_CASE),
            document_id="acceptance-notice-2251799813689150",
            document_type="acceptance-notice",
            title="受理通知书",
            content=b"%PDF-1.4\n% case B: secret\n%%EOF\n",
            created_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        )
        self.other_document_path = Path(unquote(urlparse(self.other_document.uri).path))
        self.document_content = self.document_path.read_bytes()
        self.definitions = [
            self._definition(
                ROOT_DEFINITION, "exemption-procedure", "容错免责办理", "exemption-procedure.bpmn"
            ),
            self._definition(ACCEPTANCE_DEFINITION, "acceptance", "审核受理", "acceptance.bpmn"),
        ]
        self.instances = [
            self._instance(CASE, "exemption-procedure", ROOT_DEFINITION, None),
            self._instance(ACCEPTANCE, "acceptance", ACCEPTANCE_DEFINITION, CASE),
        ]
        self.elements = [
            self._element(
                CASE,
                "exemption-procedure",
                "applicationReceived",
                "收到书面申请",
                "START_EVENT",
                "COMPLETED",
            ),
            self._element(
                CASE,
                "exemption-procedure",
                "callApplication",
                "提出申请",
                "CALL_ACTIVITY",
                "COMPLETED",
            ),
            self._element(
                CASE, "exemption-procedure", "callAcceptance", "审核受理", "CALL_ACTIVITY", "ACTIVE"
            ),
            self._element(
                ACCEPTANCE,
                "acceptance",
                "officeAcceptanceReview",
                "办公室审核申请",
                "USER_TASK",
                "ACTIVE",
            ),
        ]
        self.tasks = [
            {
                "userTaskKey": TASK,
                "name": "办公室审核申请",
                "state": "CREATED",
                "elementId": "officeAcceptanceReview",
                "elementInstanceKey": self.elements[-1]["elementInstanceKey"],
                "candidateGroups": ["leading-group-office"],
                "candidateUsers": [],
                "processDefinitionId": "acceptance",
                "processDefinitionKey": ACCEPTANCE_DEFINITION,
                "processDefinitionVersion": 1,
                "processInstanceKey": ACCEPTANCE,
                "processName": "审核受理",
                "formKey": "2251799813685301",
                "creationDate": NOW,
                "dueDate": "2026-01-02T17:00:00.000+08:00",
                "priority": 50,
                "tenantId": "<default>",
                "customHeaders": {},
            }
        ]
        case_variables = {
            "caseNumber": "游容免〔2026〕3号",
            "applicantName": "新桥镇农业服务中心",
            "applicantUnit": "新桥镇农业服务中心",
            "accountabilityMatter": "高标准农田项目资金拨付延误",
            "accountabilitySubject": "新桥镇党委",
            "claimedCircumstances": ["art7-1", "art7-3"],
            "applicationDate": "2026-01-04",
            "acceptanceNoticeDocument": self.document.to_variables(),
            "forgedDocument": {"title": "越权", "uri": "file:///etc/passwd"},
        }
        self.incidents = [
            {
                "incidentKey": INCIDENT,
                "processInstanceKey": ACCEPTANCE,
                "processDefinitionId": "acceptance",
                "elementId": "generateAcceptanceNotice",
                "errorType": "JOB_NO_RETRIES",
                "errorMessage": "文书生成失败：字体缺失",
                "state": "ACTIVE",
                "creationTime": NOW,
                "tenantId": "<default>",
            }
        ]
        for scope in (CASE, ACCEPTANCE):
            self.variables[scope] = dict(case_variables)

    # --- records -------------------------------------------------------------------------

    def key(self) -> str:
        self.next_key += 1
        return str(self.next_key)

    def _definition(self, key: str, bpmn_id: str, name: str, resource: str) -> dict[str, Any]:
        return {
            "processDefinitionKey": key,
            "processDefinitionId": bpmn_id,
            "name": name,
            "version": 1,
            "resourceName": resource,
            "tenantId": "<default>",
            "hasStartForm": bpmn_id == "exemption-procedure",
        }

    def _instance(
        self, key: str, bpmn_id: str, definition: str, parent: str | None
    ) -> dict[str, Any]:
        item = {
            "processInstanceKey": key,
            "processDefinitionId": bpmn_id,
            "processDefinitionKey": definition,
            "processDefinitionName": bpmn_id,
            "processDefinitionVersion": 1,
            "state": "ACTIVE",
            "startDate": NOW,
            "hasIncident": False,
            "tenantId": "<default>",
        }
        if parent:
            item["parentProcessInstanceKey"] = parent
        return item

    def _element(
        self, instance: str, bpmn_id: str, element_id: str, name: str, kind: str, state: str
    ) -> dict[str, Any]:
        item = {
            "elementInstanceKey": self.key(),
            "processInstanceKey": instance,
            "processDefinitionId": bpmn_id,
            "processDefinitionKey": ROOT_DEFINITION
            if bpmn_id == "exemption-procedure"
            else ACCEPTANCE_DEFINITION,
            "elementId": element_id,
            "elementName": name,
            "type": kind,
            "state": state,
            "startDate": NOW,
            "hasIncident": False,
            "tenantId": "<default>",
        }
        if state == "COMPLETED":
            item["endDate"] = NOW
        return item

    # --- behaviour -----------------------------------------------------------------------

    def user(self, request: Request) -> dict[str, Any] | None:
        header = request.headers.get("authorization", "")
        self.requests.append((request.method, request.url.path, header or None))
        if not header.startswith("Basic "):
            return None
        username, _, password = base64.b64decode(header[6:]).decode().partition(":")
        user = USERS.get(username)
        if user is None or user["password"] != password:
            return None
        return {"username": username, **user}

    def may_see(self, user: dict[str, Any], task: dict[str, Any]) -> bool:
        if {"manager", "admin"} & set(user["roles"]):
            return True
        return task.get("assignee") == user["username"] or bool(
            set(task["candidateGroups"]) & set(user["groups"])
        )

    def case_instances(self, user: dict[str, Any]) -> set[str] | None:
        """The instances the user may read, as the engine decides: every instance of a case
        (call-activity tree) with a task they may see; None for managers and admins (all)."""
        if {"manager", "admin"} & set(user["roles"]):
            return None
        parents = {
            i["processInstanceKey"]: i.get("parentProcessInstanceKey") for i in self.instances
        }

        def root(key: str) -> str:
            while parents.get(key):
                key = str(parents[key])
            return key

        roots = {root(t["processInstanceKey"]) for t in self.tasks if self.may_see(user, t)}
        return {key for key in parents if root(key) in roots}

    def add_tasks(self, count: int, state: str, assignee: str | None) -> None:
        """More tasks like the acceptance review, for paging."""
        for number in range(count):
            self.tasks.append(
                self.tasks[0]
                | {
                    "userTaskKey": self.key(),
                    "name": f"办公室审核申请 {number + 1:03d}",
                    "state": state,
                    "assignee": assignee,
                    "creationDate": f"2026-01-01T08:{number // 60:02d}:{number % 60:02d}.000Z",
                    "completionDate": NOW if state == "COMPLETED" else None,
                }
            )

    def complete(self, task: dict[str, Any], variables: dict[str, Any]) -> None:
        task["state"] = "COMPLETED"
        task["completionDate"] = NOW
        for element in self.elements:
            if element["elementInstanceKey"] == task["elementInstanceKey"]:
                element.update(state="COMPLETED", endDate=NOW)
        self.variables[ACCEPTANCE].update(variables)
        # The fake's acceptance has one task: finishing it moves the case on to investigation.
        for element in self.elements:
            if element["elementId"] == "callAcceptance" and element["state"] == "ACTIVE":
                element.update(state="COMPLETED", endDate=NOW)
                self.elements.append(
                    self._element(
                        CASE,
                        "exemption-procedure",
                        "callInvestigation",
                        "调查核实",
                        "CALL_ACTIVITY",
                        "ACTIVE",
                    )
                )


def _matches(item: dict[str, Any], filters: dict[str, Any]) -> bool:
    for name, wanted in filters.items():
        value = item.get("candidateGroups" if name == "candidateGroup" else name)
        if isinstance(wanted, dict):
            if "$in" in wanted:
                options = [str(v) for v in wanted["$in"]]
                if isinstance(value, list):
                    if not set(map(str, value)) & set(options):
                        return False
                elif str(value) not in options:
                    return False
            if "$lt" in wanted and not (value and str(value) < str(wanted["$lt"])):
                return False
            if "$gte" in wanted and not (value and str(value) >= str(wanted["$gte"])):
                return False
        elif isinstance(value, list):
            if wanted not in value:
                return False
        elif str(value) != str(wanted):
            return False
    return True


def create_fake_api(fake: FakeCamunda) -> Starlette:
    async def body_of(request: Request) -> dict[str, Any]:
        raw = await request.body()
        parsed = json.loads(raw) if raw else {}
        return parsed if isinstance(parsed, dict) else {}

    def page(items: list[dict[str, Any]]) -> JSONResponse:
        return JSONResponse({"items": items, "page": {"totalItems": len(items)}})

    def authenticated(handler: Any) -> Any:
        async def wrapped(request: Request) -> Response:
            user = fake.user(request)
            if user is None:
                return _problem(401, "UNAUTHENTICATED", "missing or wrong credentials")
            result: Response = await handler(request, user)
            return result

        return wrapped

    def manager_only(user: dict[str, Any]) -> Response | None:
        if {"manager", "admin"} & set(user["roles"]):
            return None
        return _problem(403, "FORBIDDEN", f"user {user['username']} may not read cases")

    def find_task(request: Request, user: dict[str, Any]) -> dict[str, Any] | Response:
        for task in fake.tasks:
            if task["userTaskKey"] == request.path_params["key"] and fake.may_see(user, task):
                return task
        return _problem(404, "NOT_FOUND", f"user task {request.path_params['key']} not found")

    @authenticated
    async def me(request: Request, user: dict[str, Any]) -> Response:
        return JSONResponse(
            {
                "username": user["username"],
                "displayName": user["name"],
                "groups": user["groups"],
                "roles": user["roles"],
                "tenants": [],
                "c8Links": {},
                "canLogout": True,
            }
        )

    @authenticated
    async def search_tasks(request: Request, user: dict[str, Any]) -> Response:
        body = await body_of(request)
        filters = body.get("filter", {})
        found = [t for t in fake.tasks if fake.may_see(user, t) and _matches(t, filters)]
        # Cursor paging as in 8.8 (the cursor here is just the offset, opaque to the desk).
        wanted = body.get("page") or {}
        start = int(wanted.get("after") or 0)
        chosen = found[start : start + int(wanted.get("limit") or 100)]
        end = str(start + len(chosen)) if chosen else None
        return JSONResponse({"items": chosen, "page": {"totalItems": len(found), "endCursor": end}})

    @authenticated
    async def get_task(request: Request, user: dict[str, Any]) -> Response:
        task = find_task(request, user)
        return task if isinstance(task, Response) else JSONResponse(task)

    @authenticated
    async def task_form(request: Request, user: dict[str, Any]) -> Response:
        task = find_task(request, user)
        if isinstance(task, Response):
            return task
        schema = (ROOT / "forms" / "acceptance-office-review.form").read_text(encoding="utf-8")
        return JSONResponse(
            {
                "formKey": task["formKey"],
                "formId": "acceptance-office-review",
                "version": 1,
                "schema": schema,
                "tenantId": "<default>",
            }
        )

    @authenticated
    async def task_variables(request: Request, user: dict[str, Any]) -> Response:
        task = find_task(request, user)
        if isinstance(task, Response):
            return task
        filters = (await body_of(request)).get("filter", {})
        return page(
            [
                {
                    "name": n,
                    "value": json.dumps(v, ensure_ascii=False),
                    "processInstanceKey": task["processInstanceKey"],
                }
                for n, v in fake.variables[task["processInstanceKey"]].items()
                if _matches({"name": n}, filters)
            ]
        )

    @authenticated
    async def assign(request: Request, user: dict[str, Any]) -> Response:
        task = find_task(request, user)
        if isinstance(task, Response):
            return task
        assignee = (await body_of(request)).get("assignee")
        if task.get("assignee") and task["assignee"] != assignee:
            return _problem(
                409,
                "INVALID_STATE",
                f"user task {task['userTaskKey']} is already assigned to {task['assignee']}",
            )
        if assignee != user["username"]:
            return _problem(403, "FORBIDDEN", "officers may only claim tasks for themselves")
        task["assignee"] = assignee
        return Response(status_code=204)

    @authenticated
    async def unassign(request: Request, user: dict[str, Any]) -> Response:
        task = find_task(request, user)
        if isinstance(task, Response):
            return task
        task.pop("assignee", None)
        return Response(status_code=204)

    @authenticated
    async def complete(request: Request, user: dict[str, Any]) -> Response:
        task = find_task(request, user)
        if isinstance(task, Response):
            return task
        if task["state"] != "CREATED":
            return _problem(
                409, "INVALID_STATE", f"user task {task['userTaskKey']} is already completed"
            )
        if task.get("assignee") != user["username"]:
            return _problem(
                409,
                "INVALID_STATE",
                f"user task {task['userTaskKey']} is not assigned to {user['username']}",
            )
        fake.complete(task, (await body_of(request)).get("variables") or {})
        return Response(status_code=204)

    @authenticated
    async def search_definitions(request: Request, user: dict[str, Any]) -> Response:
        filters = dict((await body_of(request)).get("filter", {}))
        filters.pop("isLatestVersion", None)
        return page([d for d in fake.definitions if _matches(d, filters)])

    def definition(request: Request) -> dict[str, Any] | None:
        key = request.path_params["key"]
        return next((d for d in fake.definitions if d["processDefinitionKey"] == key), None)

    @authenticated
    async def definition_xml(request: Request, user: dict[str, Any]) -> Response:
        found = definition(request)
        if found is None:
            return _problem(404, "NOT_FOUND", "no such process definition")
        return Response((ROOT / "bpmn" / found["resourceName"]).read_bytes(), media_type="text/xml")

    @authenticated
    async def definition_form(request: Request, user: dict[str, Any]) -> Response:
        schema = (ROOT / "forms" / "application-form.form").read_text(encoding="utf-8")
        return JSONResponse(
            {
                "formKey": "2251799813685300",
                "formId": "application-form",
                "version": 1,
                "schema": schema,
            }
        )

    @authenticated
    async def statistics(request: Request, user: dict[str, Any]) -> Response:
        refused = manager_only(user)
        if refused:
            return refused
        counts: dict[str, int] = {}
        for element in fake.elements:
            if (
                element["processDefinitionKey"] == request.path_params["key"]
                and element["state"] == "ACTIVE"
            ):
                counts[element["elementId"]] = counts.get(element["elementId"], 0) + 1
        return JSONResponse(
            {
                "items": [
                    {"elementId": e, "active": n, "completed": 0, "canceled": 0, "incidents": 0}
                    for e, n in counts.items()
                ]
            }
        )

    @authenticated
    async def search_instances(request: Request, user: dict[str, Any]) -> Response:
        filters = (await body_of(request)).get("filter", {})
        readable = fake.case_instances(user)
        return page(
            [
                i
                for i in fake.instances
                if (readable is None or i["processInstanceKey"] in readable)
                and _matches(i, filters)
            ]
        )

    @authenticated
    async def get_instance(request: Request, user: dict[str, Any]) -> Response:
        key = request.path_params["key"]
        readable = fake.case_instances(user)
        if readable is not None and key not in readable:
            return _problem(403, "FORBIDDEN", f"user {user['username']} has no task in case {key}")
        found = [i for i in fake.instances if i["processInstanceKey"] == key]
        return JSONResponse(found[0]) if found else _problem(404, "NOT_FOUND", "no such instance")

    @authenticated
    async def create_instance(request: Request, user: dict[str, Any]) -> Response:
        body = await body_of(request)
        key = fake.key()
        fake.instances.append(fake._instance(key, "exemption-procedure", ROOT_DEFINITION, None))
        fake.variables[key] = dict(body.get("variables") or {})
        fake.elements.append(
            fake._element(
                key, "exemption-procedure", "callApplication", "提出申请", "CALL_ACTIVITY", "ACTIVE"
            )
        )
        return JSONResponse(
            {
                "processInstanceKey": key,
                "processDefinitionKey": ROOT_DEFINITION,
                "processDefinitionId": "exemption-procedure",
                "processDefinitionVersion": 1,
            }
        )

    @authenticated
    async def search_elements(request: Request, user: dict[str, Any]) -> Response:
        filters = (await body_of(request)).get("filter", {})
        readable = fake.case_instances(user)
        return page(
            [
                e
                for e in fake.elements
                if (readable is None or e["processInstanceKey"] in readable)
                and _matches(e, filters)
            ]
        )

    @authenticated
    async def search_variables(request: Request, user: dict[str, Any]) -> Response:
        filters = (await body_of(request)).get("filter", {})
        visible = {t["processInstanceKey"] for t in fake.tasks if fake.may_see(user, t)} | (
            {CASE, ACCEPTANCE} if manager_only(user) is None else set()
        )
        items = [
            {
                "name": n,
                "value": json.dumps(v, ensure_ascii=False),
                "processInstanceKey": scope,
                "variableKey": f"{scope}-{n}",
            }
            for scope, values in fake.variables.items()
            if scope in visible or manager_only(user) is None
            for n, v in values.items()
        ]
        return page([i for i in items if _matches(i, filters)])

    @authenticated
    async def search_incidents(request: Request, user: dict[str, Any]) -> Response:
        refused = manager_only(user)
        if refused:
            return refused
        filters = (await body_of(request)).get("filter", {})
        return page([i for i in fake.incidents if _matches(i, filters)])

    def admin_only(user: dict[str, Any]) -> Response | None:
        if "admin" in user["roles"]:
            return None
        return _problem(403, "FORBIDDEN", f"user {user['username']} is not an administrator")

    @authenticated
    async def resolve_incident(request: Request, user: dict[str, Any]) -> Response:
        refused = admin_only(user)
        if refused:
            return refused
        for incident in fake.incidents:
            if incident["incidentKey"] == request.path_params["key"]:
                incident["state"] = "RESOLVED"
                return Response(status_code=204)
        return _problem(404, "NOT_FOUND", "no such incident")

    @authenticated
    async def cancel_instance(request: Request, user: dict[str, Any]) -> Response:
        refused = admin_only(user)
        if refused:
            return refused
        reason = str((await body_of(request)).get("reason") or "").strip()
        if not reason:
            return _problem(400, "INVALID_ARGUMENT", "Expected a 'reason' to cancel")
        for instance in fake.instances:
            if instance["processInstanceKey"] == request.path_params["key"]:
                instance.update(state="TERMINATED", endDate=NOW)
                fake.variables.setdefault(instance["processInstanceKey"], {})["cancellation"] = {
                    "reason": reason,
                    "cancelledBy": user["username"],
                }
                return Response(status_code=204)
        return _problem(404, "NOT_FOUND", "no such instance")

    routes = [
        Route("/v2/authentication/me", me),
        Route("/v2/user-tasks/search", search_tasks, methods=["POST"]),
        Route("/v2/user-tasks/{key}", get_task),
        Route("/v2/user-tasks/{key}/form", task_form),
        Route("/v2/user-tasks/{key}/variables/search", task_variables, methods=["POST"]),
        Route("/v2/user-tasks/{key}/assignment", assign, methods=["POST"]),
        Route("/v2/user-tasks/{key}/assignee", unassign, methods=["DELETE"]),
        Route("/v2/user-tasks/{key}/completion", complete, methods=["POST"]),
        Route("/v2/process-definitions/search", search_definitions, methods=["POST"]),
        Route("/v2/process-definitions/{key}/xml", definition_xml),
        Route("/v2/process-definitions/{key}/form", definition_form),
        Route(
            "/v2/process-definitions/{key}/statistics/element-instances",
            statistics,
            methods=["POST"],
        ),
        Route("/v2/process-instances", create_instance, methods=["POST"]),
        Route("/v2/process-instances/search", search_instances, methods=["POST"]),
        Route("/v2/process-instances/{key}", get_instance),
        Route("/v2/element-instances/search", search_elements, methods=["POST"]),
        Route("/v2/variables/search", search_variables, methods=["POST"]),
        Route("/v2/incidents/search", search_incidents, methods=["POST"]),
        Route("/v2/incidents/{key}/resolution", resolve_incident, methods=["POST"]),
        Route("/v2/process-instances/{key}/cancellation", cancel_instance, methods=["POST"]),
    ]
    return Starlette(routes=routes)
