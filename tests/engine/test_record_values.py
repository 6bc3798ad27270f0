"""The record values built in `engine.core.record_values` have the shapes the log carried before
they were gathered there: compared against a run recorded with the engine as it was (commit
6fe3fd6, `python -m tests.engine.recorded_scenario`), record by record and builder by builder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.core import record_values as values
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
from engine.definitions.bpmn_model import FlowNode, ProcessModel
from engine.definitions.element_kind import ElementKind, JobState
from engine.testing import EngineHarness
from tests.engine import recorded_scenario

RECORDED = Path(__file__).parent / "recorded" / "run_before_composition.jsonl"


def recorded_before() -> list[dict[str, Any]]:
    lines = RECORDED.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def events(value_type: str, *intents: str) -> Iterator[dict[str, Any]]:
    found = False
    for record in recorded_before():
        if (
            record["recordType"] == "EVENT"
            and record["valueType"] == value_type
            and (not intents or record["intent"] in intents)
        ):
            found = True
            yield record
    assert found, f"the recorded run has no {value_type} {intents} event to compare with"


async def test_the_same_run_writes_the_same_records_as_before() -> None:
    async with EngineHarness() as h:
        await recorded_scenario.run(h)
        now = recorded_scenario.recorded(h)
    before = recorded_before()
    for position, (old, new) in enumerate(zip(before, now, strict=False), start=1):
        assert new == old, f"record {position} differs from the recorded run"
    assert len(now) == len(before)


def _instance(v: dict[str, Any], key: int) -> ElementInstance:
    return ElementInstance(
        key=key,
        process_instance_key=v["processInstanceKey"],
        element_id=v["elementId"],
        element_type=v["bpmnElementType"],
        flow_scope_key=v["flowScopeKey"],
        process_definition_key=v["processDefinitionKey"],
        bpmn_process_id=v["bpmnProcessId"],
        version=v["version"],
        tenant_id=v["tenantId"],
        parent_process_instance_key=v["parentProcessInstanceKey"],
        parent_element_instance_key=v["parentElementInstanceKey"],
    )


def _definition(v: dict[str, Any]) -> ProcessDefinition:
    model = ProcessModel(
        id=v["bpmnProcessId"],
        name="",
        executable=True,
        nodes={},
        flows={},
        none_start_event_id="",
        boundary_events={},
    )
    return ProcessDefinition(
        key=v["processDefinitionKey"],
        bpmn_process_id=v["bpmnProcessId"],
        version=v["version"],
        resource_name="",
        resource="",
        checksum="",
        model=model,
        deployment_key=-1,
        tenant_id=v["tenantId"],
    )


def test_element_instance_values_have_the_recorded_shape() -> None:
    for record in events("PROCESS_INSTANCE"):
        v = record["value"]
        if v["bpmnElementType"] == ElementKind.SEQUENCE_FLOW:
            continue
        assert values.element_instance(_instance(v, record["key"]), v["bpmnEventType"]) == v


def test_new_element_and_sequence_flow_values_have_the_recorded_shape() -> None:
    for record in events("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "SEQUENCE_FLOW_TAKEN"):
        v = record["value"]
        if v["bpmnElementType"] == ElementKind.SEQUENCE_FLOW:
            scope = _instance(v, v["flowScopeKey"])
            built = values.sequence_flow(_definition(v), v["elementId"], scope)
        else:
            built = values.element_in_definition(
                _definition(v),
                process_instance_key=v["processInstanceKey"],
                element_id=v["elementId"],
                flow_scope_key=v["flowScopeKey"],
                element_type=ElementKind(v["bpmnElementType"]),
                event_type=v["bpmnEventType"],
                parent_process_instance_key=v["parentProcessInstanceKey"],
                parent_element_instance_key=v["parentElementInstanceKey"],
            )
        assert built == v
        assert type(built["bpmnElementType"]) is str  # plain text, as a replayed log reads


def _job(key: int, v: dict[str, Any]) -> Job:
    return Job(
        key=key,
        type=v["type"],
        state=JobState.ACTIVATABLE,
        retries=v["retries"],
        element_instance_key=v["elementInstanceKey"],
        process_instance_key=v["processInstanceKey"],
        element_id=v["elementId"],
        bpmn_process_id=v["bpmnProcessId"],
        process_definition_key=v["processDefinitionKey"],
        process_definition_version=v["processDefinitionVersion"],
        custom_headers=v["customHeaders"],
        tenant_id=v["tenantId"],
        worker=v["worker"],
        deadline=v["deadline"],
        error_message=v["errorMessage"],
    )


def test_job_values_have_the_recorded_shape() -> None:
    for record in events("JOB", "CREATED", "CANCELED"):
        v = record["value"]
        assert values.job(_job(record["key"], v)) == v
    for record in events("JOB", "CREATED"):
        v = record["value"]
        owner = _instance(
            v
            | {"bpmnElementType": "", "flowScopeKey": -1, "version": v["processDefinitionVersion"]}
            | {"parentProcessInstanceKey": -1, "parentElementInstanceKey": -1},
            v["elementInstanceKey"],
        )
        built = values.new_job(owner, v["elementId"], v["type"], v["retries"], v["customHeaders"])
        assert built == v


def _timer(key: int, v: dict[str, Any]) -> Timer:
    return Timer(
        key=key,
        element_instance_key=v["elementInstanceKey"],
        process_instance_key=v["processInstanceKey"],
        target_element_id=v["targetElementId"],
        due_date=v["dueDate"],
        repetitions=v["repetitions"],
        interval=v["interval"],
        process_definition_key=v["processDefinitionKey"],
    )


def test_timer_values_have_the_recorded_shape() -> None:
    for record in events("TIMER", "CANCELED", "TRIGGERED"):
        assert values.timer(_timer(record["key"], record["value"])) == record["value"]
    for record in events("TIMER", "CREATED"):
        v = record["value"]
        built = values.new_timer(
            element_instance_key=v["elementInstanceKey"],
            process_instance_key=v["processInstanceKey"],
            process_definition_key=v["processDefinitionKey"],
            target_element_id=v["targetElementId"],
            due_date=v["dueDate"],
            repetitions=v["repetitions"],
            interval=v["interval"],
            tenant_id=v["tenantId"],
        )
        assert built == v


def _scope_of(v: dict[str, Any], key: int) -> ElementInstance:
    filled = {
        "elementId": "",
        "bpmnElementType": "",
        "flowScopeKey": -1,
        "version": 1,
        "parentProcessInstanceKey": -1,
        "parentElementInstanceKey": -1,
        "processDefinitionKey": -1,
        "bpmnProcessId": "",
    } | v
    return _instance(filled, key)


def test_incident_values_have_the_recorded_shape() -> None:
    for record in events("INCIDENT", "CREATED"):
        v = record["value"]
        owner = _scope_of(v, v["elementInstanceKey"])
        assert values.new_incident(owner, v["errorType"], v["errorMessage"], v["jobKey"]) == v
    for record in events("INCIDENT", "RESOLVED"):
        v = record["value"]
        incident = Incident(
            key=record["key"],
            error_type=v["errorType"],
            error_message=v["errorMessage"],
            process_instance_key=v["processInstanceKey"],
            element_instance_key=v["elementInstanceKey"],
            element_id=v["elementId"],
            bpmn_process_id=v["bpmnProcessId"],
            process_definition_key=v["processDefinitionKey"],
            job_key=v["jobKey"],
            tenant_id=v["tenantId"],
        )
        assert values.incident(incident) == v


def test_variable_values_have_the_recorded_shape() -> None:
    for record in events("VARIABLE"):
        v = record["value"]
        scope = _scope_of(v, v["scopeKey"])
        assert values.variable(scope, v["name"], json.loads(v["value"])) == v


def _event_node(element_id: str, interrupting: bool) -> FlowNode:
    return FlowNode(
        id=element_id,
        kind=ElementKind.INTERMEDIATE_CATCH_EVENT,
        scope_id="",
        cancel_activity=interrupting,
    )


def test_message_subscription_values_have_the_recorded_shape() -> None:
    for record in events("MESSAGE_SUBSCRIPTION"):
        v = record["value"]
        sub = MessageSubscription(
            key=record["key"],
            element_instance_key=v["elementInstanceKey"],
            process_instance_key=v["processInstanceKey"],
            bpmn_process_id=v["bpmnProcessId"],
            message_name=v["messageName"],
            correlation_key=v["correlationKey"],
            target_element_id=v["elementId"],
            interrupting=v["interrupting"],
            tenant_id=v["tenantId"],
        )
        built = values.message_subscription(
            sub, messageKey=v["messageKey"], variables=v["variables"]
        )
        assert built == v
        assert values.process_message_subscription(built) == v | {"subscriptionPartitionId": 1}
    for record in events("MESSAGE_SUBSCRIPTION", "CREATED"):
        v = record["value"]
        owner = _scope_of(v, v["elementInstanceKey"])
        event = _event_node(v["elementId"], v["interrupting"])
        built = values.new_message_subscription(owner, event, v["messageName"], v["correlationKey"])
        assert built == v
    for record in events("PROCESS_MESSAGE_SUBSCRIPTION"):
        assert record["value"]["subscriptionPartitionId"] == 1


def test_signal_values_have_the_recorded_shape() -> None:
    for record in events("SIGNAL_SUBSCRIPTION"):
        v = record["value"]
        sub = SignalSubscription(
            key=record["key"],
            signal_name=v["signalName"],
            element_instance_key=v["catchEventInstanceKey"],
            process_definition_key=v["processDefinitionKey"],
            bpmn_process_id=v["bpmnProcessId"],
            target_element_id=v["catchEventId"],
            interrupting=v["interrupting"],
            tenant_id=v["tenantId"],
        )
        assert values.signal_subscription(sub) == v
        built = values.new_signal_subscription(
            signal_name=v["signalName"],
            catch_event_instance_key=v["catchEventInstanceKey"],
            event=_event_node(v["catchEventId"], v["interrupting"]),
            process_definition_key=v["processDefinitionKey"],
            bpmn_process_id=v["bpmnProcessId"],
            tenant_id=v["tenantId"],
        )
        assert built == v
    for record in events("SIGNAL", "BROADCASTED"):
        v = record["value"]
        assert values.signal(v["signalName"], v["variables"], v["tenantId"]) == v


def _task(key: int, v: dict[str, Any]) -> UserTask:
    return UserTask(
        key=key,
        element_instance_key=v["elementInstanceKey"],
        process_instance_key=v["processInstanceKey"],
        element_id=v["elementId"],
        bpmn_process_id=v["bpmnProcessId"],
        process_definition_key=v["processDefinitionKey"],
        process_definition_version=v.get("processDefinitionVersion", 1),
        tenant_id=v["tenantId"],
        assignee=v["assignee"],
        candidate_groups=v["candidateGroupsList"],
        candidate_users=v["candidateUsersList"],
        due_date=v["dueDate"],
        follow_up_date=v["followUpDate"],
        priority=v["priority"],
        form_key=v["formKey"],
        external_form_reference=v.get("externalFormReference", ""),
        custom_headers={},
    )


# what a command on a task adds to the task's value
COMMAND_FIELDS = ("action", "changedAttributes", "variables")


def test_user_task_values_have_the_recorded_shape() -> None:
    for record in events("USER_TASK", "ASSIGNED", "UPDATED", "COMPLETED"):
        v = record["value"]
        extra = {name: v[name] for name in COMMAND_FIELDS}
        assert values.user_task(_task(record["key"], v), **extra) == v
    for record in events("USER_TASK", "CREATED"):
        v = record["value"]
        owner = _scope_of(v | {"version": v["processDefinitionVersion"]}, v["elementInstanceKey"])
        node = FlowNode(
            id=v["elementId"],
            kind=ElementKind.USER_TASK,
            scope_id="",
            task_headers=v["customHeaders"],
        )
        built = values.new_user_task(
            record["key"],
            owner,
            node,
            assignee=v["assignee"],
            candidate_groups=v["candidateGroupsList"],
            candidate_users=v["candidateUsersList"],
            due_date=v["dueDate"],
            follow_up_date=v["followUpDate"],
            priority=v["priority"],
            form_key=v["formKey"],
            external_form_reference=v["externalFormReference"],
            created_at=v["creationTimestamp"],
        )
        assert built == v
    for record in events("USER_TASK", "CANCELED"):
        v = record["value"]
        owner = _scope_of(v, v["elementInstanceKey"])
        assert values.user_task_canceled(record["key"], owner) == v


@pytest.mark.parametrize("kind", list(ElementKind))
def test_element_kinds_are_written_as_plain_text(kind: ElementKind) -> None:
    value = values.process_instance(
        bpmn_process_id="p",
        version=1,
        process_definition_key=1,
        process_instance_key=1,
        element_id="e",
        flow_scope_key=-1,
        element_type=kind,
        event_type="NONE",
        tenant_id="<default>",
    )
    assert type(value["bpmnElementType"]) is str and value["bpmnElementType"] == kind.value
