"""Read-only views of the engine state for adapters (the /v2 search endpoints), the test harness
and dashboards. Every method returns fresh JSON-like dicts with Camunda's camelCase field names;
callers can't change the engine through them. Read them from the event loop thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from engine.core.records import Record
from engine.definitions.element_kind import ElementKind

if TYPE_CHECKING:
    from engine.core.state import EngineState


class RecordLog(Protocol):
    """The committed records, read in position order (the record store)."""

    def read_records(
        self,
        *,
        process_instance_key: int | None,
        value_type: str | None,
        after_position: int,
        limit: int,
    ) -> list[Record]: ...


class EngineQuery:
    def __init__(self, state: EngineState, log: RecordLog) -> None:
        self._state = state
        self._log = log

    # -- definitions -----------------------------------------------------------------------------
    def process_definitions(self) -> list[dict[str, Any]]:
        return [self.process_definition(key) for key in sorted(self._state.processes)]

    def process_definition(self, key: int) -> dict[str, Any]:
        d = self._state.processes[key]
        return {
            "processDefinitionKey": d.key,
            "processDefinitionId": d.bpmn_process_id,
            "name": d.model.name,
            "version": d.version,
            "resourceName": d.resource_name,
            "tenantId": d.tenant_id,
            "bpmnXml": d.resource,
        }

    def forms(self) -> list[dict[str, Any]]:
        return [
            {
                "formKey": f.key,
                "formId": f.form_id,
                "version": f.version,
                "resourceName": f.resource_name,
                "tenantId": f.tenant_id,
                "schema": f.resource,
            }
            for f in sorted(self._state.forms.values(), key=lambda f: f.key)
        ]

    def decision_definitions(self) -> list[dict[str, Any]]:
        return [
            {
                "decisionKey": d.key,
                "decisionId": d.decision_id,
                "name": d.name,
                "version": d.version,
                "decisionRequirementsKey": d.drg_key,
                "decisionRequirementsId": d.drg_id,
                "tenantId": d.tenant_id,
            }
            for d in sorted(self._state.decisions.values(), key=lambda d: d.key)
        ]

    # -- process instances -----------------------------------------------------------------------
    def process_instances(self) -> list[dict[str, Any]]:
        keys = {k for k, e in self._state.elements.items() if e.element_type == ElementKind.PROCESS}
        keys |= set(self._state.outcomes)
        found = [self.process_instance(key) for key in sorted(keys)]
        return [instance for instance in found if instance is not None]

    def process_instance(self, key: int) -> dict[str, Any] | None:
        """State is ACTIVE, COMPLETED or TERMINATED (Camunda's names: CANCELED for terminated)."""
        element = self._state.elements.get(key)
        if element is not None and element.element_type == ElementKind.PROCESS:
            return {
                "processInstanceKey": key,
                "processDefinitionKey": element.process_definition_key,
                "processDefinitionId": element.bpmn_process_id,
                "processDefinitionVersion": element.version,
                "state": "ACTIVE",
                "hasIncident": any(
                    i.process_instance_key == key for i in self._state.incidents.values()
                ),
                "parentProcessInstanceKey": element.parent_process_instance_key,
                "parentElementInstanceKey": element.parent_element_instance_key,
                "startDate": element.created_at,
                "tenantId": element.tenant_id,
            }
        outcome = self._state.outcomes.get(key)
        if outcome is None:
            return None
        return {
            "processInstanceKey": key,
            "processDefinitionKey": outcome.process_definition_key,
            "processDefinitionId": outcome.bpmn_process_id,
            "processDefinitionVersion": outcome.version,
            "state": "COMPLETED" if outcome.state == "COMPLETED" else "CANCELED",
            "hasIncident": False,
            "endDate": outcome.end_at,
            "tenantId": outcome.tenant_id,
        }

    def element_instances(self, process_instance_key: int) -> list[dict[str, Any]]:
        """Active element instances of one process instance."""
        return [
            {
                "elementInstanceKey": e.key,
                "elementId": e.element_id,
                "type": e.element_type,
                "state": e.state,
                "flowScopeKey": e.flow_scope_key,
                "processInstanceKey": e.process_instance_key,
                "startDate": e.created_at,
            }
            for e in sorted(self._state.elements.values(), key=lambda e: e.key)
            if e.process_instance_key == process_instance_key
        ]

    def variables(self, scope_key: int) -> dict[str, Any]:
        """Variables of one scope (not inherited); for a finished instance its final variables."""
        if scope_key in self._state.variables:
            return dict(self._state.variables[scope_key])
        outcome = self._state.outcomes.get(scope_key)
        return dict(outcome.variables) if outcome else {}

    def visible_variables(self, scope_key: int) -> dict[str, Any]:
        return dict(self._state.visible_variables(scope_key))

    # -- work items ------------------------------------------------------------------------------
    def user_tasks(self, process_instance_key: int | None = None) -> list[dict[str, Any]]:
        return [
            {
                "userTaskKey": t.key,
                "elementId": t.element_id,
                "elementInstanceKey": t.element_instance_key,
                "processInstanceKey": t.process_instance_key,
                "processDefinitionKey": t.process_definition_key,
                "bpmnProcessId": t.bpmn_process_id,
                "state": t.state,
                "assignee": t.assignee,
                "candidateGroups": list(t.candidate_groups),
                "candidateUsers": list(t.candidate_users),
                "dueDate": t.due_date,
                "followUpDate": t.follow_up_date,
                "priority": t.priority,
                "formKey": t.form_key,
                "externalFormReference": t.external_form_reference,
                "customHeaders": dict(t.custom_headers),
                "creationDate": t.created_at,
                "tenantId": t.tenant_id,
            }
            for t in sorted(self._state.user_tasks.values(), key=lambda t: t.key)
            if process_instance_key is None or t.process_instance_key == process_instance_key
        ]

    def incidents(self, process_instance_key: int | None = None) -> list[dict[str, Any]]:
        return [
            {
                "incidentKey": i.key,
                "errorType": i.error_type,
                "errorMessage": i.error_message,
                "processInstanceKey": i.process_instance_key,
                "elementInstanceKey": i.element_instance_key,
                "elementId": i.element_id,
                "jobKey": i.job_key,
                "processDefinitionKey": i.process_definition_key,
                "creationTime": i.created_at,
                "state": "ACTIVE",
                "tenantId": i.tenant_id,
            }
            for i in sorted(self._state.incidents.values(), key=lambda i: i.key)
            if process_instance_key is None or i.process_instance_key == process_instance_key
        ]

    def jobs(self, process_instance_key: int | None = None) -> list[dict[str, Any]]:
        return [
            {
                "jobKey": j.key,
                "type": j.type,
                "state": j.state,
                "retries": j.retries,
                "worker": j.worker,
                "deadline": j.deadline,
                "errorMessage": j.error_message,
                "elementId": j.element_id,
                "elementInstanceKey": j.element_instance_key,
                "processInstanceKey": j.process_instance_key,
                "customHeaders": dict(j.custom_headers),
                "tenantId": j.tenant_id,
            }
            for j in sorted(self._state.jobs.values(), key=lambda j: j.key)
            if process_instance_key is None or j.process_instance_key == process_instance_key
        ]

    # -- the record stream -----------------------------------------------------------------------
    def records(
        self,
        *,
        process_instance_key: int | None = None,
        value_type: str | None = None,
        after_position: int = 0,
        limit: int = 10_000,
    ) -> list[Record]:
        return self._log.read_records(
            process_instance_key=process_instance_key,
            value_type=value_type,
            after_position=after_position,
            limit=limit,
        )
