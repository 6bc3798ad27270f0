"""Appliers: the only code that changes `EngineState`, one per (value type, intent).

The same appliers run while processing (right after a record is produced) and on replay, so every
input they need, keys and timestamps included, must be inside the record.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Callable
from typing import Any, Protocol

from engine.core.records import Intent, Record, ValueType
from engine.core.state import (
    DecisionDefinition,
    DecisionRequirementsDefinition,
    ElementInstance,
    EngineState,
    FormDefinition,
    Incident,
    Job,
    Message,
    MessageSubscription,
    ProcessDefinition,
    ProcessInstanceOutcome,
    SignalSubscription,
    Timer,
    UserTask,
)
from engine.definitions.bpmn_model import ProcessModel
from engine.definitions.bpmn_parser import parse_bpmn
from engine.definitions.element_kind import ElementKind, JobState

Applier = Callable[[EngineState, Record], None]
_APPLIERS: dict[tuple[ValueType, str], Applier] = {}
_PARSED: dict[tuple[str, str], ProcessModel] = {}

# Finished instances whose result stays available to CreateProcessInstanceWithResult, which asks
# right after its own creation. Every snapshot pickles them on the loop: 10,000 made 60 % of it.
KEPT_OUTCOMES = 1_000


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parsed_process(resource: str, resource_name: str, bpmn_process_id: str) -> ProcessModel:
    """Parsed models are cached by content so replay and redeploys parse each resource once."""
    cache_key = (checksum(resource), bpmn_process_id)
    model = _PARSED.get(cache_key)
    if model is None:
        for candidate in parse_bpmn(resource.encode("utf-8"), resource_name):
            _PARSED[(cache_key[0], candidate.id)] = candidate
        model = _PARSED[cache_key]
    return model


def applies(value_type: ValueType, *intents: str) -> Callable[[Applier], Applier]:
    def register(fn: Applier) -> Applier:
        for intent in intents:
            _APPLIERS[(value_type, intent)] = fn
        return fn

    return register


def apply(state: EngineState, record: Record) -> None:
    state.position = record.position
    if record.key > 0:
        state.keys.observe(record.key)
    applier = _APPLIERS.get((record.value_type, record.intent))
    if applier is None or record.record_type != "EVENT":
        return
    applier(state, record)
    if record.value_type == ValueType.JOB:
        _index_job(state, record.key)
    elif record.value_type == ValueType.JOB_BATCH:
        for job_key in record.value["jobKeys"]:
            _index_job(state, job_key)
    elif record.value_type == ValueType.INCIDENT and record.value.get("jobKey", -1) > 0:
        _index_job(state, record.value["jobKey"])
    elif record.value_type == ValueType.TIMER and record.intent == Intent.CREATED:
        heapq.heappush(state.due, (record.value["dueDate"], record.key, "timer"))
    elif record.value_type == ValueType.MESSAGE and record.key in state.messages:
        heapq.heappush(state.due, (state.messages[record.key].deadline, record.key, "message"))


def _index_job(state: EngineState, key: int) -> None:
    """Keeps the activatable-by-type index and the scheduler heap in step with a job."""
    old_type = state.activatable_type.pop(key, None)
    if old_type is not None:
        state.activatable[old_type].pop(key, None)
    job = state.jobs.get(key)
    if job is None:
        return
    if job.state == JobState.ACTIVATABLE:
        state.activatable.setdefault(job.type, {})[key] = None
        state.activatable_type[key] = job.type
    elif job.state == JobState.ACTIVATED and job.deadline >= 0:
        heapq.heappush(state.due, (job.deadline, key, "job"))
    elif job.state == JobState.BACKOFF:
        heapq.heappush(state.due, (job.recur_at, key, "job"))


# -- deployment ---------------------------------------------------------------------------------
@applies(ValueType.PROCESS, Intent.CREATED)
def _process_created(state: EngineState, r: Record) -> None:
    v = r.value
    model = parsed_process(v["resource"], v["resourceName"], v["bpmnProcessId"])
    state.processes[r.key] = ProcessDefinition(
        r.key,
        v["bpmnProcessId"],
        v["version"],
        v["resourceName"],
        v["resource"],
        v["checksum"],
        model,
        v["deploymentKey"],
        v["tenantId"],
    )
    state.process_versions.setdefault((v["tenantId"], v["bpmnProcessId"]), []).append(r.key)


@applies(ValueType.FORM, Intent.CREATED)
def _form_created(state: EngineState, r: Record) -> None:
    v = r.value
    state.forms[r.key] = FormDefinition(
        r.key,
        v["formId"],
        v["version"],
        v["resourceName"],
        v["resource"],
        v["checksum"],
        v["tenantId"],
    )
    state.form_versions.setdefault((v["tenantId"], v["formId"]), []).append(r.key)


@applies(ValueType.DECISION_REQUIREMENTS, Intent.CREATED)
def _drg_created(state: EngineState, r: Record) -> None:
    from engine.dmn import parse_dmn

    v = r.value
    model = parse_dmn(v["resource"].encode("utf-8"), v["resourceName"])
    state.drgs[r.key] = DecisionRequirementsDefinition(
        r.key,
        v["decisionRequirementsId"],
        v["decisionRequirementsName"],
        v["version"],
        v["resourceName"],
        v["resource"],
        v["checksum"],
        model,
        v["tenantId"],
    )
    state.drg_versions.setdefault((v["tenantId"], v["decisionRequirementsId"]), []).append(r.key)


@applies(ValueType.DECISION, Intent.CREATED)
def _decision_created(state: EngineState, r: Record) -> None:
    v = r.value
    state.decisions[r.key] = DecisionDefinition(
        r.key,
        v["decisionId"],
        v["decisionName"],
        v["version"],
        v["decisionRequirementsKey"],
        v["decisionRequirementsId"],
        v["tenantId"],
    )
    state.decision_versions.setdefault((v["tenantId"], v["decisionId"]), []).append(r.key)


# -- process instances --------------------------------------------------------------------------
@applies(ValueType.PROCESS_INSTANCE, Intent.ELEMENT_ACTIVATING)
def _activating(state: EngineState, r: Record) -> None:
    v = r.value
    instance = ElementInstance(
        key=r.key,
        process_instance_key=v["processInstanceKey"],
        element_id=v["elementId"],
        element_type=v["bpmnElementType"],
        flow_scope_key=v["flowScopeKey"],
        process_definition_key=v["processDefinitionKey"],
        bpmn_process_id=v["bpmnProcessId"],
        version=v["version"],
        tenant_id=v["tenantId"],
        parent_process_instance_key=v.get("parentProcessInstanceKey", -1),
        parent_element_instance_key=v.get("parentElementInstanceKey", -1),
        created_at=r.timestamp,
    )
    state.elements[r.key] = instance
    parent = state.elements.get(instance.flow_scope_key)
    if parent is not None:
        parent.children.add(r.key)
        if parent.element_type == ElementKind.MULTI_INSTANCE_BODY:
            parent.loop_counter += 1
            instance.loop_counter = parent.loop_counter
        _consume_tokens(state, parent, instance)
        if instance.element_type == ElementKind.EVENT_SUB_PROCESS:
            model = state.processes[instance.process_definition_key].model
            start = model.node(model.node(instance.element_id).start_event_id)
            if start.cancel_activity:
                parent.waiting_flows.clear()  # an interrupting event sub-process ends all tokens
    caller = state.elements.get(instance.parent_element_instance_key)
    if instance.element_type == ElementKind.PROCESS and caller is not None:
        caller.called_child_key = r.key


@applies(
    ValueType.PROCESS_INSTANCE,
    Intent.ELEMENT_ACTIVATED,
    Intent.ELEMENT_COMPLETING,
    Intent.ELEMENT_TERMINATING,
)
def _state_change(state: EngineState, r: Record) -> None:
    instance = state.elements.get(r.key)
    if instance is not None:
        instance.state = r.intent


@applies(ValueType.PROCESS_INSTANCE, Intent.ELEMENT_COMPLETED, Intent.ELEMENT_TERMINATED)
def _ended(state: EngineState, r: Record) -> None:
    instance = state.elements.pop(r.key, None)
    if instance is None:
        return
    parent = state.elements.get(instance.flow_scope_key)
    if parent is not None:
        parent.children.discard(r.key)
        if r.value.get("bpmnEventType") == "TERMINATE" and r.intent == Intent.ELEMENT_COMPLETED:
            parent.waiting_flows.clear()  # a terminate end event ends all tokens of its scope
        if (
            parent.element_type == ElementKind.MULTI_INSTANCE_BODY
            and r.intent == Intent.ELEMENT_COMPLETED
        ):
            parent.completed_children += 1
    caller = state.elements.get(instance.parent_element_instance_key)
    if caller is not None and caller.called_child_key == r.key:
        caller.called_child_key = -1
    variables = state.variables.pop(r.key, {})
    for name in variables:
        state.variable_keys.pop((r.key, name), None)
    if instance.element_type == ElementKind.PROCESS:
        start_key = state.message_started_by_instance.pop(r.key, None)
        if start_key is not None and state.message_started.get(start_key) == r.key:
            del state.message_started[start_key]
        state.outcomes[r.key] = ProcessInstanceOutcome(
            r.key,
            "COMPLETED" if r.intent == Intent.ELEMENT_COMPLETED else "TERMINATED",
            variables,
            instance.bpmn_process_id,
            instance.version,
            instance.process_definition_key,
            instance.tenant_id,
            r.timestamp,
        )
        if len(state.outcomes) > KEPT_OUTCOMES:
            # Results are asked for right after creation; the oldest go, so the state (and each
            # snapshot) does not grow with every instance ever finished.
            del state.outcomes[next(iter(state.outcomes))]


@applies(ValueType.PROCESS_INSTANCE, Intent.SEQUENCE_FLOW_TAKEN)
def _flow_taken(state: EngineState, r: Record) -> None:
    v = r.value
    scope = state.elements.get(v["flowScopeKey"])
    if scope is None:
        return
    flow = state.processes[v["processDefinitionKey"]].model.flows[v["elementId"]]
    scope.waiting_flows[(flow.target, flow.id)] += 1


def _consume_tokens(state: EngineState, scope: ElementInstance, instance: ElementInstance) -> None:
    """A taken sequence flow is a token in its flow scope until the target activates: a joining
    parallel gateway consumes one token per incoming flow, any other element one token. Counting
    tokens keeps a scope from completing while flows are still on their way."""
    if instance.element_type == ElementKind.PROCESS:
        return
    node = state.processes[instance.process_definition_key].model.nodes.get(instance.element_id)
    if node is None or (scope.element_type == ElementKind.MULTI_INSTANCE_BODY):
        return
    tokens = scope.waiting_flows
    if node.kind in (ElementKind.PARALLEL_GATEWAY, ElementKind.INCLUSIVE_GATEWAY):
        consume = [f for f in node.incoming if tokens[(node.id, f)] > 0]
    else:
        consume = [f for f in node.incoming if tokens[(node.id, f)] > 0][:1]
    for flow_id in consume:
        tokens[(node.id, flow_id)] -= 1
        if tokens[(node.id, flow_id)] <= 0:
            del tokens[(node.id, flow_id)]


# -- variables ----------------------------------------------------------------------------------
@applies(ValueType.VARIABLE, Intent.CREATED, Intent.UPDATED)
def _variable(state: EngineState, r: Record) -> None:
    v = r.value
    state.variables.setdefault(v["scopeKey"], {})[v["name"]] = json.loads(v["value"])
    state.variable_keys[(v["scopeKey"], v["name"])] = r.key


# -- jobs ---------------------------------------------------------------------------------------
@applies(ValueType.JOB, Intent.CREATED)
def _job_created(state: EngineState, r: Record) -> None:
    v = r.value
    state.jobs[r.key] = Job(
        key=r.key,
        type=v["type"],
        state=JobState.ACTIVATABLE,
        retries=v["retries"],
        element_instance_key=v["elementInstanceKey"],
        process_instance_key=v["processInstanceKey"],
        element_id=v["elementId"],
        bpmn_process_id=v["bpmnProcessId"],
        process_definition_key=v["processDefinitionKey"],
        process_definition_version=v["processDefinitionVersion"],
        custom_headers=dict(v["customHeaders"]),
        tenant_id=v["tenantId"],
        created_at=r.timestamp,
    )
    instance = state.elements.get(v["elementInstanceKey"])
    if instance is not None:
        instance.job_key = r.key


@applies(ValueType.JOB_BATCH, Intent.ACTIVATED)
def _jobs_activated(state: EngineState, r: Record) -> None:
    v = r.value
    for job_key in v["jobKeys"]:
        job = state.jobs[job_key]
        job.state = JobState.ACTIVATED
        job.worker = v["worker"]
        job.deadline = v["deadline"]


def _job(state: EngineState, r: Record) -> Job | None:
    return state.jobs.get(r.key)


@applies(ValueType.JOB, Intent.COMPLETED, Intent.CANCELED)
def _job_removed(state: EngineState, r: Record) -> None:
    job = state.jobs.pop(r.key, None)
    if job is not None:
        instance = state.elements.get(job.element_instance_key)
        if instance is not None and instance.job_key == r.key:
            instance.job_key = -1


@applies(ValueType.JOB, Intent.FAILED)
def _job_failed(state: EngineState, r: Record) -> None:
    job = _job(state, r)
    if job is None:
        return
    v = r.value
    job.retries = v["retries"]
    job.error_message = v.get("errorMessage", "")
    job.worker, job.deadline = "", -1
    if job.retries > 0 and v.get("retryBackoff", 0) > 0:
        job.state, job.recur_at = JobState.BACKOFF, v["recurringTime"]
    else:
        job.state = JobState.ACTIVATABLE if job.retries > 0 else JobState.FAILED


@applies(ValueType.JOB, Intent.TIMED_OUT, Intent.RECURRED_AFTER_BACKOFF, Intent.YIELDED)
def _job_activatable(state: EngineState, r: Record) -> None:
    job = _job(state, r)
    if job is not None:
        job.state, job.worker, job.deadline, job.recur_at = JobState.ACTIVATABLE, "", -1, -1


@applies(ValueType.JOB, Intent.RETRIES_UPDATED)
def _job_retries(state: EngineState, r: Record) -> None:
    job = _job(state, r)
    if job is not None:
        job.retries = r.value["retries"]


@applies(ValueType.JOB, Intent.TIMEOUT_UPDATED)
def _job_timeout(state: EngineState, r: Record) -> None:
    job = _job(state, r)
    if job is not None:
        job.deadline = r.value["deadline"]


@applies(ValueType.JOB, Intent.ERROR_THROWN)
def _job_error(state: EngineState, r: Record) -> None:
    job = _job(state, r)
    if job is not None:
        job.state, job.worker, job.deadline = JobState.ERROR_THROWN, "", -1
        job.error_code = r.value.get("errorCode", "")
        job.error_message = r.value.get("errorMessage", "")


# -- incidents ----------------------------------------------------------------------------------
@applies(ValueType.INCIDENT, Intent.CREATED)
def _incident_created(state: EngineState, r: Record) -> None:
    v = r.value
    state.incidents[r.key] = Incident(
        r.key,
        v["errorType"],
        v["errorMessage"],
        v["processInstanceKey"],
        v["elementInstanceKey"],
        v["elementId"],
        v["bpmnProcessId"],
        v["processDefinitionKey"],
        v["jobKey"],
        v["tenantId"],
        r.timestamp,
    )


@applies(ValueType.INCIDENT, Intent.RESOLVED)
def _incident_resolved(state: EngineState, r: Record) -> None:
    incident = state.incidents.pop(r.key, None)
    if incident is not None and incident.job_key > 0:
        job = state.jobs.get(incident.job_key)
        if job is not None and (
            job.state == JobState.ERROR_THROWN or (job.state == JobState.FAILED and job.retries > 0)
        ):
            job.state = JobState.ACTIVATABLE


# -- timers -------------------------------------------------------------------------------------
@applies(ValueType.TIMER, Intent.CREATED)
def _timer_created(state: EngineState, r: Record) -> None:
    v = r.value
    state.timers[r.key] = Timer(
        r.key,
        v["elementInstanceKey"],
        v["processInstanceKey"],
        v["targetElementId"],
        v["dueDate"],
        v["repetitions"],
        v.get("interval", ""),
        v["processDefinitionKey"],
    )
    instance = state.elements.get(v["elementInstanceKey"])
    if instance is not None:
        instance.timer_keys.add(r.key)


@applies(ValueType.TIMER, Intent.TRIGGERED, Intent.CANCELED)
def _timer_ended(state: EngineState, r: Record) -> None:
    timer = state.timers.pop(r.key, None)
    if timer is not None:
        instance = state.elements.get(timer.element_instance_key)
        if instance is not None:
            instance.timer_keys.discard(r.key)


# -- messages -----------------------------------------------------------------------------------
@applies(ValueType.MESSAGE, Intent.PUBLISHED)
def _message_published(state: EngineState, r: Record) -> None:
    v = r.value
    if v["timeToLive"] <= 0:
        return
    state.messages[r.key] = Message(
        r.key,
        v["name"],
        v["correlationKey"],
        v["messageId"],
        dict(v["variables"]),
        v["deadline"],
        v["tenantId"],
    )
    if v["messageId"]:
        state.message_ids[(v["tenantId"], v["name"], v["correlationKey"], v["messageId"])] = r.key


@applies(ValueType.MESSAGE, Intent.EXPIRED)
def _message_expired(state: EngineState, r: Record) -> None:
    message = state.messages.pop(r.key, None)
    if message is not None and message.message_id:
        state.message_ids.pop(
            (message.tenant_id, message.name, message.correlation_key, message.message_id), None
        )


@applies(ValueType.MESSAGE_SUBSCRIPTION, Intent.CREATED)
def _subscription_created(state: EngineState, r: Record) -> None:
    v = r.value
    state.subscriptions[r.key] = MessageSubscription(
        r.key,
        v["elementInstanceKey"],
        v["processInstanceKey"],
        v["bpmnProcessId"],
        v["messageName"],
        v["correlationKey"],
        v["elementId"],
        v["interrupting"],
        v["tenantId"],
    )
    instance = state.elements.get(v["elementInstanceKey"])
    if instance is not None:
        instance.subscription_keys.add(r.key)


@applies(ValueType.MESSAGE_SUBSCRIPTION, Intent.CORRELATED)
def _subscription_correlated(state: EngineState, r: Record) -> None:
    message = state.messages.get(r.value["messageKey"])
    if message is not None:
        message.correlated_processes.add(r.value["bpmnProcessId"])


@applies(ValueType.MESSAGE_SUBSCRIPTION, Intent.DELETED)
def _subscription_deleted(state: EngineState, r: Record) -> None:
    subscription = state.subscriptions.pop(r.key, None)
    if subscription is not None:
        instance = state.elements.get(subscription.element_instance_key)
        if instance is not None:
            instance.subscription_keys.discard(r.key)


@applies(ValueType.MESSAGE_START_EVENT_SUBSCRIPTION, Intent.CORRELATED)
def _message_start_correlated(state: EngineState, r: Record) -> None:
    v = r.value
    if v["correlationKey"]:
        key = (v["tenantId"], v["bpmnProcessId"], v["correlationKey"])
        state.message_started[key] = v["processInstanceKey"]
        state.message_started_by_instance[v["processInstanceKey"]] = key
    message = state.messages.get(v["messageKey"])
    if message is not None:
        message.correlated_processes.add(v["bpmnProcessId"])


# -- signals ------------------------------------------------------------------------------------
@applies(ValueType.SIGNAL_SUBSCRIPTION, Intent.CREATED)
def _signal_subscribed(state: EngineState, r: Record) -> None:
    v = r.value
    state.signal_subscriptions[r.key] = SignalSubscription(
        r.key,
        v["signalName"],
        v["catchEventInstanceKey"],
        v["processDefinitionKey"],
        v["bpmnProcessId"],
        v["catchEventId"],
        v["interrupting"],
        v["tenantId"],
    )
    instance = state.elements.get(v["catchEventInstanceKey"])
    if instance is not None:
        instance.signal_keys.add(r.key)


@applies(ValueType.SIGNAL_SUBSCRIPTION, Intent.DELETED)
def _signal_unsubscribed(state: EngineState, r: Record) -> None:
    subscription = state.signal_subscriptions.pop(r.key, None)
    if subscription is not None:
        instance = state.elements.get(subscription.element_instance_key)
        if instance is not None:
            instance.signal_keys.discard(r.key)


# -- user tasks ---------------------------------------------------------------------------------
@applies(ValueType.USER_TASK, Intent.CREATED)
def _user_task_created(state: EngineState, r: Record) -> None:
    v = r.value
    state.user_tasks[r.key] = UserTask(
        key=r.key,
        element_instance_key=v["elementInstanceKey"],
        process_instance_key=v["processInstanceKey"],
        element_id=v["elementId"],
        bpmn_process_id=v["bpmnProcessId"],
        process_definition_key=v["processDefinitionKey"],
        process_definition_version=v["processDefinitionVersion"],
        tenant_id=v["tenantId"],
        assignee=v["assignee"],
        candidate_groups=list(v["candidateGroupsList"]),
        candidate_users=list(v["candidateUsersList"]),
        due_date=v["dueDate"],
        follow_up_date=v["followUpDate"],
        priority=v["priority"],
        form_key=v["formKey"],
        external_form_reference=v["externalFormReference"],
        custom_headers=dict(v["customHeaders"]),
        created_at=r.timestamp,
    )
    instance = state.elements.get(v["elementInstanceKey"])
    if instance is not None:
        instance.user_task_key = r.key


_USER_TASK_FIELDS = {
    "assignee": "assignee",
    "candidateGroupsList": "candidate_groups",
    "candidateUsersList": "candidate_users",
    "dueDate": "due_date",
    "followUpDate": "follow_up_date",
    "priority": "priority",
}


@applies(ValueType.USER_TASK, Intent.ASSIGNED, Intent.UPDATED)
def _user_task_changed(state: EngineState, r: Record) -> None:
    task = state.user_tasks.get(r.key)
    if task is None:
        return
    for name in r.value.get("changedAttributes", []):
        setattr(task, _USER_TASK_FIELDS[name], r.value[name])


@applies(ValueType.USER_TASK, Intent.COMPLETED, Intent.CANCELED)
def _user_task_ended(state: EngineState, r: Record) -> None:
    task = state.user_tasks.pop(r.key, None)
    if task is not None:
        instance = state.elements.get(task.element_instance_key)
        if instance is not None:
            instance.user_task_key = -1


# -- clock --------------------------------------------------------------------------------------
@applies(ValueType.CLOCK, Intent.PINNED)
def _clock_pinned(state: EngineState, r: Record) -> None:
    state.clock_pinned_ms = r.value["time"]


@applies(ValueType.CLOCK, Intent.RESETTED)
def _clock_reset(state: EngineState, r: Record) -> None:
    state.clock_pinned_ms = None


# -- process instance migration -----------------------------------------------------------------
@applies(ValueType.PROCESS_INSTANCE, Intent.ELEMENT_MIGRATED)
def _element_migrated(state: EngineState, r: Record) -> None:
    instance = state.elements.get(r.key)
    if instance is not None:
        v = r.value
        instance.element_id = v["elementId"]
        instance.process_definition_key = v["processDefinitionKey"]
        instance.bpmn_process_id = v["bpmnProcessId"]
        instance.version = v["version"]
        started = state.message_started_by_instance.get(r.key)
        if started is not None and started[1] != v["bpmnProcessId"]:
            # the one-instance-per-correlation-key rule now holds for the target process
            moved = (started[0], v["bpmnProcessId"], started[2])
            if state.message_started.get(started) == r.key:
                del state.message_started[started]
            state.message_started[moved] = r.key
            state.message_started_by_instance[r.key] = moved


class _Migratable(Protocol):
    element_id: str
    bpmn_process_id: str
    process_definition_key: int


def _move_to_target(item: _Migratable, value: dict[str, Any]) -> None:
    """Point a job, user task or incident at its element in the target definition."""
    item.element_id = value["elementId"]
    item.bpmn_process_id = value["bpmnProcessId"]
    item.process_definition_key = value["processDefinitionKey"]


@applies(ValueType.JOB, Intent.MIGRATED)
def _job_migrated(state: EngineState, r: Record) -> None:
    job = state.jobs.get(r.key)
    if job is not None:
        _move_to_target(job, r.value)
        job.process_definition_version = r.value["processDefinitionVersion"]


@applies(ValueType.USER_TASK, Intent.MIGRATED)
def _user_task_migrated(state: EngineState, r: Record) -> None:
    task = state.user_tasks.get(r.key)
    if task is not None:
        _move_to_target(task, r.value)
        task.process_definition_version = r.value["processDefinitionVersion"]


@applies(ValueType.INCIDENT, Intent.MIGRATED)
def _incident_migrated(state: EngineState, r: Record) -> None:
    incident = state.incidents.get(r.key)
    if incident is not None:
        _move_to_target(incident, r.value)


@applies(ValueType.TIMER, Intent.MIGRATED)
def _timer_migrated(state: EngineState, r: Record) -> None:
    timer = state.timers.get(r.key)
    if timer is not None:
        timer.target_element_id = r.value["targetElementId"]
        timer.process_definition_key = r.value["processDefinitionKey"]


@applies(ValueType.MESSAGE_SUBSCRIPTION, Intent.MIGRATED)
def _subscription_migrated(state: EngineState, r: Record) -> None:
    subscription = state.subscriptions.get(r.key)
    if subscription is not None:
        subscription.target_element_id = r.value["elementId"]
        subscription.bpmn_process_id = r.value["bpmnProcessId"]
        subscription.interrupting = r.value["interrupting"]


@applies(ValueType.SIGNAL_SUBSCRIPTION, Intent.MIGRATED)
def _signal_subscription_migrated(state: EngineState, r: Record) -> None:
    subscription = state.signal_subscriptions.get(r.key)
    if subscription is not None:
        subscription.target_element_id = r.value["catchEventId"]
        subscription.process_definition_key = r.value["processDefinitionKey"]
        subscription.bpmn_process_id = r.value["bpmnProcessId"]
        subscription.interrupting = r.value["interrupting"]
