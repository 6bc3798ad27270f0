"""The value of each kind of record the BPMN behaviour writes, built in one place per kind.

Record values are the engine's contract with its log, its exporters and its readers, so their
shapes must not drift between the places that write them. Element kinds are written as plain
text (`str(kind)`): a value read back from the log carries plain text too, and both must be equal.

Some shapes differ from their neighbours on purpose of history, not design (a cancelled timer
carries no tenant, a created one does): they are kept as the log has always had them, because
replaying an existing log must give the same state.
"""

from __future__ import annotations

import json
from typing import Any

from engine.core.state import (
    ElementInstance,
    Incident,
    Job,
    MessageSubscription,
    ProcessDefinition,
    SignalSubscription,
    Timer,
    UserTask,
)
from engine.definitions.bpmn_model import FlowNode
from engine.definitions.element_kind import ElementKind

NO_EVENT_TYPE = "UNSPECIFIED"


# -- process instance ------------------------------------------------------------------------
def process_instance(
    *,
    bpmn_process_id: str,
    version: int,
    process_definition_key: int,
    process_instance_key: int,
    element_id: str,
    flow_scope_key: int,
    element_type: str,
    event_type: str,
    tenant_id: str,
    parent_process_instance_key: int = -1,
    parent_element_instance_key: int = -1,
) -> dict[str, Any]:
    return {
        "bpmnProcessId": bpmn_process_id,
        "version": version,
        "processDefinitionKey": process_definition_key,
        "processInstanceKey": process_instance_key,
        "elementId": element_id,
        "flowScopeKey": flow_scope_key,
        "bpmnElementType": str(element_type),
        "bpmnEventType": str(event_type),
        "parentProcessInstanceKey": parent_process_instance_key,
        "parentElementInstanceKey": parent_element_instance_key,
        "tenantId": tenant_id,
    }


def element_in_definition(
    definition: ProcessDefinition,
    *,
    process_instance_key: int,
    element_id: str,
    flow_scope_key: int,
    element_type: str,
    event_type: str = NO_EVENT_TYPE,
    parent_process_instance_key: int = -1,
    parent_element_instance_key: int = -1,
) -> dict[str, Any]:
    """A process-instance value for an element about to exist (or a flow being taken) in
    `definition`: the process root, an activated element, a sequence flow."""
    return process_instance(
        bpmn_process_id=definition.bpmn_process_id,
        version=definition.version,
        process_definition_key=definition.key,
        process_instance_key=process_instance_key,
        element_id=element_id,
        flow_scope_key=flow_scope_key,
        element_type=element_type,
        event_type=event_type,
        tenant_id=definition.tenant_id,
        parent_process_instance_key=parent_process_instance_key,
        parent_element_instance_key=parent_element_instance_key,
    )


def element_instance(instance: ElementInstance, event_type: str) -> dict[str, Any]:
    """The process-instance value of an existing element instance's lifecycle record."""
    return process_instance(
        bpmn_process_id=instance.bpmn_process_id,
        version=instance.version,
        process_definition_key=instance.process_definition_key,
        process_instance_key=instance.process_instance_key,
        element_id=instance.element_id,
        flow_scope_key=instance.flow_scope_key,
        element_type=instance.element_type,
        event_type=event_type,
        tenant_id=instance.tenant_id,
        parent_process_instance_key=instance.parent_process_instance_key,
        parent_element_instance_key=instance.parent_element_instance_key,
    )


def sequence_flow(
    definition: ProcessDefinition, flow_id: str, scope: ElementInstance
) -> dict[str, Any]:
    return element_in_definition(
        definition,
        process_instance_key=scope.process_instance_key,
        element_id=flow_id,
        flow_scope_key=scope.key,
        element_type=ElementKind.SEQUENCE_FLOW,
    )


# -- jobs --------------------------------------------------------------------------------------
def job(job: Job, **extra: Any) -> dict[str, Any]:
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


def new_job(
    instance: ElementInstance, element_id: str, job_type: str, retries: int, headers: dict[str, str]
) -> dict[str, Any]:
    return {
        "type": job_type,
        "retries": retries,
        "worker": "",
        "deadline": -1,
        "errorMessage": "",
        "customHeaders": headers,
        "elementId": element_id,
        "elementInstanceKey": instance.key,
        "processInstanceKey": instance.process_instance_key,
        "bpmnProcessId": instance.bpmn_process_id,
        "processDefinitionKey": instance.process_definition_key,
        "processDefinitionVersion": instance.version,
        "tenantId": instance.tenant_id,
    }


# -- user tasks --------------------------------------------------------------------------------
def new_user_task(
    key: int,
    instance: ElementInstance,
    node: FlowNode,
    *,
    assignee: str,
    candidate_groups: list[Any],
    candidate_users: list[Any],
    due_date: str,
    follow_up_date: str,
    priority: int,
    form_key: int,
    external_form_reference: str,
    created_at: int,
) -> dict[str, Any]:
    return {
        "userTaskKey": key,
        "assignee": assignee,
        "candidateGroupsList": candidate_groups,
        "candidateUsersList": candidate_users,
        "dueDate": due_date,
        "followUpDate": follow_up_date,
        "priority": priority,
        "formKey": form_key,
        "externalFormReference": external_form_reference,
        "customHeaders": dict(node.task_headers),
        "elementId": node.id,
        "elementInstanceKey": instance.key,
        "processInstanceKey": instance.process_instance_key,
        "bpmnProcessId": instance.bpmn_process_id,
        "processDefinitionKey": instance.process_definition_key,
        "processDefinitionVersion": instance.version,
        "creationTimestamp": created_at,
        "tenantId": instance.tenant_id,
        "variables": {},
        "changedAttributes": [],
        "action": "",
    }


def user_task(task: UserTask, **extra: Any) -> dict[str, Any]:
    return {
        "userTaskKey": task.key,
        "assignee": task.assignee,
        "candidateGroupsList": task.candidate_groups,
        "candidateUsersList": task.candidate_users,
        "dueDate": task.due_date,
        "followUpDate": task.follow_up_date,
        "priority": task.priority,
        "formKey": task.form_key,
        "elementId": task.element_id,
        "elementInstanceKey": task.element_instance_key,
        "processInstanceKey": task.process_instance_key,
        "bpmnProcessId": task.bpmn_process_id,
        "processDefinitionKey": task.process_definition_key,
        "tenantId": task.tenant_id,
        "changedAttributes": [],
        "variables": {},
        "action": "",
    } | extra


def user_task_canceled(task_key: int, instance: ElementInstance) -> dict[str, Any]:
    return {
        "userTaskKey": task_key,
        "elementInstanceKey": instance.key,
        "processInstanceKey": instance.process_instance_key,
        "elementId": instance.element_id,
        "tenantId": instance.tenant_id,
    }


# -- timers ------------------------------------------------------------------------------------
def timer(timer: Timer) -> dict[str, Any]:
    return {
        "elementInstanceKey": timer.element_instance_key,
        "processInstanceKey": timer.process_instance_key,
        "processDefinitionKey": timer.process_definition_key,
        "targetElementId": timer.target_element_id,
        "dueDate": timer.due_date,
        "repetitions": timer.repetitions,
        "interval": timer.interval,
    }


def new_timer(
    *,
    element_instance_key: int,
    process_instance_key: int,
    process_definition_key: int,
    target_element_id: str,
    due_date: int,
    repetitions: int,
    interval: str,
    tenant_id: str,
) -> dict[str, Any]:
    """A timer of a catching element, or (element and instance keys -1) of a start event."""
    return {
        "elementInstanceKey": element_instance_key,
        "processInstanceKey": process_instance_key,
        "processDefinitionKey": process_definition_key,
        "targetElementId": target_element_id,
        "dueDate": due_date,
        "repetitions": repetitions,
        "interval": interval,
        "tenantId": tenant_id,
    }


# -- incidents ---------------------------------------------------------------------------------
def new_incident(
    instance: ElementInstance, error_type: str, error_message: str, job_key: int
) -> dict[str, Any]:
    return {
        "errorType": error_type,
        "errorMessage": error_message,
        "bpmnProcessId": instance.bpmn_process_id,
        "processDefinitionKey": instance.process_definition_key,
        "processInstanceKey": instance.process_instance_key,
        "elementId": instance.element_id,
        "elementInstanceKey": instance.key,
        "jobKey": job_key,
        "variableScopeKey": instance.key,
        "tenantId": instance.tenant_id,
    }


def incident(incident: Incident) -> dict[str, Any]:
    return {
        "errorType": incident.error_type,
        "errorMessage": incident.error_message,
        "bpmnProcessId": incident.bpmn_process_id,
        "processDefinitionKey": incident.process_definition_key,
        "processInstanceKey": incident.process_instance_key,
        "elementId": incident.element_id,
        "elementInstanceKey": incident.element_instance_key,
        "jobKey": incident.job_key,
        "tenantId": incident.tenant_id,
    }


# -- variables ---------------------------------------------------------------------------------
def variable(scope: ElementInstance, name: str, value: Any) -> dict[str, Any]:
    return {
        "name": name,
        "value": json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        "scopeKey": scope.key,
        "processInstanceKey": scope.process_instance_key,
        "processDefinitionKey": scope.process_definition_key,
        "bpmnProcessId": scope.bpmn_process_id,
        "tenantId": scope.tenant_id,
    }


# -- message subscriptions ---------------------------------------------------------------------
def message_subscription(sub: MessageSubscription, **extra: Any) -> dict[str, Any]:
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


def new_message_subscription(
    instance: ElementInstance, event: FlowNode, message_name: str, correlation_key: str
) -> dict[str, Any]:
    return {
        "elementInstanceKey": instance.key,
        "processInstanceKey": instance.process_instance_key,
        "bpmnProcessId": instance.bpmn_process_id,
        "messageName": message_name,
        "correlationKey": correlation_key,
        "elementId": event.id,
        "interrupting": event.cancel_activity,
        "tenantId": instance.tenant_id,
        "messageKey": -1,
        "variables": {},
    }


def process_message_subscription(value: dict[str, Any]) -> dict[str, Any]:
    """The process instance's side of a message subscription (Zeebe's exporter shows both)."""
    return value | {"subscriptionPartitionId": 1}


# -- signal subscriptions ----------------------------------------------------------------------
def signal_subscription(sub: SignalSubscription) -> dict[str, Any]:
    return {
        "signalName": sub.signal_name,
        "catchEventInstanceKey": sub.element_instance_key,
        "catchEventId": sub.target_element_id,
        "processDefinitionKey": sub.process_definition_key,
        "bpmnProcessId": sub.bpmn_process_id,
        "interrupting": sub.interrupting,
        "tenantId": sub.tenant_id,
    }


def new_signal_subscription(
    *,
    signal_name: str,
    catch_event_instance_key: int,
    event: FlowNode,
    process_definition_key: int,
    bpmn_process_id: str,
    tenant_id: str,
) -> dict[str, Any]:
    return {
        "signalName": signal_name,
        "catchEventInstanceKey": catch_event_instance_key,
        "catchEventId": event.id,
        "processDefinitionKey": process_definition_key,
        "bpmnProcessId": bpmn_process_id,
        "interrupting": event.cancel_activity,
        "tenantId": tenant_id,
    }


def signal(name: str, variables: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    return {"signalName": name, "variables": variables, "tenantId": tenant_id}
