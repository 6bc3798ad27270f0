"""Shared ground of the BPMN behaviour classes: the record writer and state, lookups of
definitions and nodes, record values, incidents. The lifecycle steps that the layers call on
each other (activate, complete, terminate, ...) are declared here and implemented in
`engine.core.bpmn.Bpmn`, the class the command processors use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.core.expressions import ExpressionFailure
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance, Job, MessageSubscription, ProcessDefinition
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import FlowNode
from engine.definitions.element_kind import ElementKind

PI = ValueType.PROCESS_INSTANCE


class BehaviourBase:
    def __init__(self, writer: RecordWriter) -> None:
        self.w = writer
        self.s = writer.state
        # variables of an event that triggered an event-based gateway or an event sub-process,
        # handed to the activation that follows in the same batch: (scope key, event id) -> vars
        self._event_triggers: dict[tuple[int, str], dict[str, Any]] = {}
        self._reach_cache: dict[tuple[int, str], set[str]] = {}

    def definition(self, instance: ElementInstance) -> ProcessDefinition:
        return self.s.processes[instance.process_definition_key]

    def node(self, instance: ElementInstance) -> FlowNode:
        return self.definition(instance).model.node(instance.element_id)

    def pi_value(self, instance: ElementInstance) -> dict[str, Any]:
        event_type = "UNSPECIFIED"
        if instance.element_type not in (ElementKind.PROCESS, ElementKind.MULTI_INSTANCE_BODY):
            event_type = self.node(instance).event_type
        return {
            "bpmnProcessId": instance.bpmn_process_id,
            "version": instance.version,
            "processDefinitionKey": instance.process_definition_key,
            "processInstanceKey": instance.process_instance_key,
            "elementId": instance.element_id,
            "flowScopeKey": instance.flow_scope_key,
            "bpmnElementType": instance.element_type,
            "bpmnEventType": event_type,
            "parentProcessInstanceKey": instance.parent_process_instance_key,
            "parentElementInstanceKey": instance.parent_element_instance_key,
            "tenantId": instance.tenant_id,
        }

    def lifecycle(self, instance: ElementInstance, intent: str) -> None:
        self.w.event(PI, intent, instance.key, self.pi_value(instance))

    def context(self, scope_key: int) -> dict[str, Any]:
        return self.s.visible_variables(scope_key)

    def incident(
        self, instance: ElementInstance, failure: ExpressionFailure, job_key: int = -1
    ) -> None:
        self.w.event(
            ValueType.INCIDENT,
            Intent.CREATED,
            self.w.new_key(),
            {
                "errorType": failure.error_type,
                "errorMessage": str(failure),
                "bpmnProcessId": instance.bpmn_process_id,
                "processDefinitionKey": instance.process_definition_key,
                "processInstanceKey": instance.process_instance_key,
                "elementId": instance.element_id,
                "elementInstanceKey": instance.key,
                "jobKey": job_key,
                "variableScopeKey": instance.key,
                "tenantId": instance.tenant_id,
            },
        )

    def resolve_incident_record(self, incident_key: int) -> None:
        incident = self.s.incidents[incident_key]
        self.w.event(
            ValueType.INCIDENT,
            Intent.RESOLVED,
            incident_key,
            {
                "errorType": incident.error_type,
                "errorMessage": incident.error_message,
                "bpmnProcessId": incident.bpmn_process_id,
                "processDefinitionKey": incident.process_definition_key,
                "processInstanceKey": incident.process_instance_key,
                "elementId": incident.element_id,
                "elementInstanceKey": incident.element_instance_key,
                "jobKey": incident.job_key,
                "tenantId": incident.tenant_id,
            },
        )

    def job_value(self, job: Job, **extra: Any) -> dict[str, Any]:
        return {
            "type": job.type,
            "retries": job.retries,
            "worker": job.worker,
            "deadline": job.deadline,
            "errorMessage": job.error_message,
            "customHeaders": job.custom_headers,
            "elementId": job.element_id,
            "elementInstanceKey": job.element_instance_key,
            "processInstanceKey": job.process_instance_key,
            "bpmnProcessId": job.bpmn_process_id,
            "processDefinitionKey": job.process_definition_key,
            "processDefinitionVersion": job.process_definition_version,
            "tenantId": job.tenant_id,
        } | extra

    def cancel_job(self, job: Job) -> None:
        self.w.event(ValueType.JOB, Intent.CANCELED, job.key, self.job_value(job))

    def timer_value(self, timer_key: int) -> dict[str, Any]:
        timer = self.s.timers[timer_key]
        return {
            "elementInstanceKey": timer.element_instance_key,
            "processInstanceKey": timer.process_instance_key,
            "processDefinitionKey": timer.process_definition_key,
            "targetElementId": timer.target_element_id,
            "dueDate": timer.due_date,
            "repetitions": timer.repetitions,
            "interval": timer.interval,
        }

    def subscription_value(self, sub: MessageSubscription, **extra: Any) -> dict[str, Any]:
        return {
            "elementInstanceKey": sub.element_instance_key,
            "processInstanceKey": sub.process_instance_key,
            "bpmnProcessId": sub.bpmn_process_id,
            "messageName": sub.message_name,
            "correlationKey": sub.correlation_key,
            "elementId": sub.target_element_id,
            "interrupting": sub.interrupting,
            "tenantId": sub.tenant_id,
            "messageKey": -1,
            "variables": {},
        } | extra

    # -- lifecycle steps implemented by engine.core.bpmn.Bpmn ---------------------------------
    def create_process_instance(
        self,
        definition: ProcessDefinition,
        variables: dict[str, Any],
        start_element_ids: tuple[str, ...] = (),
        parent: ElementInstance | None = None,
    ) -> int:
        raise NotImplementedError

    def activate(
        self,
        definition: ProcessDefinition,
        element_id: str,
        flow_scope_key: int,
        variables: dict[str, Any] | None = None,
        *,
        inner: bool = False,
        triggered: bool = False,
        before: Callable[[int], None] | None = None,
    ) -> int:
        raise NotImplementedError

    def continue_activation(self, key: int) -> None:
        raise NotImplementedError

    def complete(self, key: int, flows: tuple[str, ...] | None = None) -> None:
        raise NotImplementedError

    def _complete_with(self, key: int, variables: dict[str, Any]) -> None:
        raise NotImplementedError

    def terminate(self, key: int) -> None:
        raise NotImplementedError
