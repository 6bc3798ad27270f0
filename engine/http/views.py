"""The /v2 read models: user tasks, process instances, element instances, incidents and variables,
finished ones included, shaped like Camunda 8.8's search result items.

The engine's state forgets what has ended (a completed task leaves `state.user_tasks`), but the
record stream keeps everything, as Zeebe's exporters do for Operate and Tasklist. `History`
follows that stream: each read first folds in the records written since the last one, so a
search answers with what the engine has made durable, in the order it happened.

Keys are strings and dates RFC 3339 text, as the 8.8 API returns them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.core.records import Intent, Record, ValueType

if TYPE_CHECKING:
    from engine.service import EngineService

_BATCH = 10_000
_FORM_ON_START = re.compile(
    r"<(?:\w+:)?startEvent\b[^>]*>(?:(?!</(?:\w+:)?startEvent>).)*?"
    r"<(?:\w+:)?formDefinition\b[^>]*\bformId=\"([^\"]+)\"",
    re.DOTALL,
)


def iso(epoch_ms: int | None) -> str | None:
    if epoch_ms is None or epoch_ms < 0:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def present(item: dict[str, Any]) -> dict[str, Any]:
    """An item as 8.8 answers it: a field that is neither required nor nullable in its schema is
    left out when it has no value (our read models keep None to filter and sort on)."""
    return {name: value for name, value in item.items() if value is not None}


# 8.8 cuts variable values in search results to this many characters and flags them
# isTruncated; GET /v2/variables/{variableKey} gives the whole value.
VALUE_PREVIEW_CHARS = 8191


def searched_variable(item: dict[str, Any]) -> dict[str, Any]:
    value = item.get("value")
    if isinstance(value, str) and len(value) > VALUE_PREVIEW_CHARS:
        return item | {"value": value[:VALUE_PREVIEW_CHARS], "isTruncated": True}
    return item | {"isTruncated": False}


def key_text(key: Any) -> str | None:
    return str(key) if isinstance(key, int) and not isinstance(key, bool) and key > 0 else None


class History:
    def __init__(self, service: EngineService) -> None:
        self._service = service
        self._position = 0
        self.user_tasks: dict[int, dict[str, Any]] = {}
        self.process_instances: dict[int, dict[str, Any]] = {}
        self.element_instances: dict[int, dict[str, Any]] = {}
        self.incidents: dict[int, dict[str, Any]] = {}
        self.variables: dict[int, dict[str, Any]] = {}
        self.flow_scopes: dict[int, int] = {}
        self._start_forms: dict[int, str] = {}

    # -- keeping up with the record stream -------------------------------------------------------
    @property
    def position(self) -> int:
        """The position of the last record folded in."""
        return self._position

    def refresh(self) -> History:
        while True:
            batch = self._service.query.records(after_position=self._position, limit=_BATCH)
            for record in batch:
                self._fold(record)
                self._position = record.position
            if len(batch) < _BATCH:
                return self

    def _fold(self, record: Record) -> None:
        kind = record.value_type
        if kind == ValueType.USER_TASK:
            self._user_task(record)
        elif kind == ValueType.PROCESS_INSTANCE:
            self._element(record)
        elif kind == ValueType.INCIDENT:
            self._incident(record)
        elif kind == ValueType.VARIABLE:
            self._variable(record)

    def _definition(self, key: Any) -> Any:
        return self._service.state.processes.get(key) if isinstance(key, int) else None

    def _element_name(self, definition_key: Any, element_id: str) -> str:
        definition = self._definition(definition_key)
        if definition is None:
            return element_id
        if element_id == definition.bpmn_process_id:
            return str(definition.model.name or element_id)
        node = definition.model.nodes.get(element_id)
        return str(node.name or element_id) if node is not None else element_id

    def _user_task(self, r: Record) -> None:
        v = r.value
        if r.intent == Intent.CREATED:
            self.user_tasks[r.key] = {
                "userTaskKey": str(r.key),
                "name": self._element_name(v.get("processDefinitionKey"), v.get("elementId", "")),
                "state": "CREATED",
                "assignee": v.get("assignee") or None,
                "elementId": v.get("elementId"),
                "elementInstanceKey": key_text(v.get("elementInstanceKey")),
                "candidateGroups": list(v.get("candidateGroupsList") or []),
                "candidateUsers": list(v.get("candidateUsersList") or []),
                "processDefinitionId": v.get("bpmnProcessId"),
                "processDefinitionKey": key_text(v.get("processDefinitionKey")),
                "processDefinitionVersion": v.get("processDefinitionVersion"),
                "processInstanceKey": key_text(v.get("processInstanceKey")),
                "formKey": key_text(v.get("formKey")),
                "externalFormReference": v.get("externalFormReference") or None,
                "creationDate": iso(r.timestamp),
                "completionDate": None,
                "dueDate": v.get("dueDate") or None,
                "followUpDate": v.get("followUpDate") or None,
                "priority": v.get("priority", 50),
                "customHeaders": dict(v.get("customHeaders") or {}),
                "tenantId": v.get("tenantId"),
            }
            return
        task = self.user_tasks.get(r.key)
        if task is None:
            return
        if r.intent in (Intent.ASSIGNED, Intent.UPDATED):
            task["assignee"] = v.get("assignee") or None
            task["candidateGroups"] = list(v.get("candidateGroupsList") or [])
            task["candidateUsers"] = list(v.get("candidateUsersList") or [])
            task["dueDate"] = v.get("dueDate") or None
            task["followUpDate"] = v.get("followUpDate") or None
            task["priority"] = v.get("priority", task["priority"])
        elif r.intent == Intent.MIGRATED:
            definition_key = v.get("processDefinitionKey")
            task["elementId"] = v.get("elementId")
            task["name"] = self._element_name(definition_key, v.get("elementId", ""))
            task["processDefinitionId"] = v.get("bpmnProcessId")
            task["processDefinitionKey"] = key_text(definition_key)
            task["processDefinitionVersion"] = v.get("processDefinitionVersion")
        elif r.intent in (Intent.COMPLETED, Intent.CANCELED):
            task["state"] = "COMPLETED" if r.intent == Intent.COMPLETED else "CANCELED"
            task["completionDate"] = iso(r.timestamp)

    def _element(self, r: Record) -> None:
        v = r.value
        element_type = v.get("bpmnElementType")
        if r.intent == Intent.ELEMENT_ACTIVATING:
            self.flow_scopes[r.key] = int(v.get("flowScopeKey") or -1)
            definition_key = v.get("processDefinitionKey")
            common = {
                "processDefinitionKey": key_text(definition_key),
                "processDefinitionId": v.get("bpmnProcessId"),
                "processInstanceKey": key_text(v.get("processInstanceKey")),
                "startDate": iso(r.timestamp),
                "endDate": None,
                "state": "ACTIVE",
                "tenantId": v.get("tenantId"),
            }
            if element_type == "PROCESS":
                definition = self._definition(definition_key)
                self.process_instances[r.key] = common | {
                    # Required in 8.8; Operate shows the process id for a process without a name.
                    "processDefinitionName": (
                        definition.model.name if definition and definition.model.name else None
                    )
                    or v.get("bpmnProcessId"),
                    "processDefinitionVersion": v.get("version"),
                    "processDefinitionVersionTag": (
                        definition.model.version_tag or None if definition else None
                    ),
                    "parentProcessInstanceKey": key_text(v.get("parentProcessInstanceKey")),
                    "parentElementInstanceKey": key_text(v.get("parentElementInstanceKey")),
                }
            else:
                element_id = v.get("elementId", "")
                self.element_instances[r.key] = common | {
                    "elementInstanceKey": str(r.key),
                    "elementId": element_id,
                    "elementName": self._element_name(definition_key, element_id),
                    "type": element_type,
                }
            return
        if r.intent == Intent.ELEMENT_MIGRATED:
            self._element_migrated(r)
            return
        if r.intent not in (Intent.ELEMENT_COMPLETED, Intent.ELEMENT_TERMINATED):
            return
        item = (
            self.process_instances if element_type == "PROCESS" else self.element_instances
        ).get(r.key)
        if item is not None:
            item["state"] = "COMPLETED" if r.intent == Intent.ELEMENT_COMPLETED else "TERMINATED"
            item["endDate"] = iso(r.timestamp)

    def _element_migrated(self, r: Record) -> None:
        """A migrated instance shows its new process definition (and element) from now on."""
        v = r.value
        definition_key = v.get("processDefinitionKey")
        moved = {
            "processDefinitionKey": key_text(definition_key),
            "processDefinitionId": v.get("bpmnProcessId"),
        }
        if v.get("bpmnElementType") == "PROCESS":
            item = self.process_instances.get(r.key)
            if item is not None:
                definition = self._definition(definition_key)
                item |= moved | {
                    "processDefinitionVersion": v.get("version"),
                    "processDefinitionName": definition.model.name or None if definition else None,
                }
            return
        element = self.element_instances.get(r.key)
        if element is not None:
            element_id = v.get("elementId", "")
            element |= moved | {
                "elementId": element_id,
                "elementName": self._element_name(definition_key, element_id),
            }

    def _incident(self, r: Record) -> None:
        v = r.value
        if r.intent == Intent.CREATED:
            self.incidents[r.key] = {
                "incidentKey": str(r.key),
                "processDefinitionKey": key_text(v.get("processDefinitionKey")),
                "processDefinitionId": v.get("bpmnProcessId"),
                "processInstanceKey": key_text(v.get("processInstanceKey")),
                "errorType": v.get("errorType"),
                "errorMessage": v.get("errorMessage"),
                "elementId": v.get("elementId"),
                "elementInstanceKey": key_text(v.get("elementInstanceKey")),
                "creationTime": iso(r.timestamp),
                "state": "ACTIVE",
                "jobKey": key_text(v.get("jobKey")),
                "tenantId": v.get("tenantId"),
            }
        elif r.intent == Intent.RESOLVED and r.key in self.incidents:
            self.incidents[r.key]["state"] = "RESOLVED"

    def _variable(self, r: Record) -> None:
        v = r.value
        self.variables[r.key] = {
            "variableKey": str(r.key),
            "name": v.get("name"),
            "value": v.get("value"),
            "isTruncated": False,
            "scopeKey": key_text(v.get("scopeKey")),
            "processInstanceKey": key_text(v.get("processInstanceKey")),
            "tenantId": v.get("tenantId"),
        }

    # -- derived views ---------------------------------------------------------------------------
    def scope_chain(self, scope_key: int) -> list[int]:
        """The scope and its enclosing scopes up to the process instance, innermost first."""
        chain = []
        while scope_key > 0 and scope_key not in chain:
            chain.append(scope_key)
            scope_key = self.flow_scopes.get(scope_key, -1)
        return chain

    def variables_by_scope(self) -> dict[str | None, list[dict[str, Any]]]:
        result: dict[str | None, list[dict[str, Any]]] = {}
        for item in self.variables.values():
            result.setdefault(item["scopeKey"], []).append(item)
        return result

    def process_instance_items(self) -> list[dict[str, Any]]:
        with_incident = self._instances_with_incident()
        return [
            item | {"hasIncident": key in with_incident}
            for key, item in self.process_instances.items()
        ]

    def element_instance_items(self) -> list[dict[str, Any]]:
        by_element: dict[str | None, str] = {
            i["elementInstanceKey"]: i["incidentKey"]
            for i in self.incidents.values()
            if i["state"] == "ACTIVE"
        }
        return [
            item
            | {
                "hasIncident": item["elementInstanceKey"] in by_element,
                "incidentKey": by_element.get(item["elementInstanceKey"]),
            }
            for item in self.element_instances.values()
        ]

    def _instances_with_incident(self) -> set[int]:
        return {
            int(i["processInstanceKey"])
            for i in self.incidents.values()
            if i["state"] == "ACTIVE" and i["processInstanceKey"]
        }

    def element_statistics(self, instances: Iterable[str]) -> list[dict[str, Any]]:
        """Camunda's element-instance statistics: per element, how many instances are active
        (without incident), completed, canceled (terminated) and in an incident."""
        wanted = set(instances)
        counts: dict[str, dict[str, Any]] = {}
        for item in self.element_instance_items():
            if item["processInstanceKey"] not in wanted or item["type"] == "MULTI_INSTANCE_BODY":
                continue
            entry = counts.setdefault(
                item["elementId"],
                {
                    "elementId": item["elementId"],
                    "active": 0,
                    "canceled": 0,
                    "incidents": 0,
                    "completed": 0,
                },
            )
            if item["state"] == "ACTIVE":
                entry["incidents" if item["hasIncident"] else "active"] += 1
            elif item["state"] == "COMPLETED":
                entry["completed"] += 1
            else:
                entry["canceled"] += 1
        return [counts[element_id] for element_id in sorted(counts)]

    # -- definitions (from the engine state, where deployed definitions stay) -------------------
    def start_form_id(self, definition_key: int) -> str | None:
        definition = self._definition(definition_key)
        if definition is None:
            return None
        if definition_key not in self._start_forms:
            match = _FORM_ON_START.search(definition.resource)
            self._start_forms[definition_key] = match.group(1) if match else ""
        return self._start_forms[definition_key] or None

    def process_definition_items(self) -> list[dict[str, Any]]:
        state = self._service.state
        latest = {tuple(ids[-1:]) for ids in state.process_versions.values()}
        items = []
        for key in sorted(state.processes):
            d = state.processes[key]
            items.append(
                {
                    "processDefinitionKey": str(d.key),
                    "processDefinitionId": d.bpmn_process_id,
                    "name": d.model.name or None,
                    "resourceName": d.resource_name,
                    "version": d.version,
                    "versionTag": d.model.version_tag or None,
                    "tenantId": d.tenant_id,
                    "hasStartForm": self.start_form_id(key) is not None,
                    "isLatestVersion": (key,) in latest,
                }
            )
        return items
