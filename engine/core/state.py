"""The engine's in-memory state: what the appliers make of the record stream.

Only appliers (`engine.core.appliers`) mutate it; processors read it to decide which events to
write. Everything here can be rebuilt by replaying the records.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from engine.definitions.bpmn_model import ProcessModel
from engine.definitions.element_kind import JobState
from engine.keys import KeyGenerator


@dataclass
class ProcessDefinition:
    key: int
    bpmn_process_id: str
    version: int
    resource_name: str
    resource: str
    checksum: str
    model: ProcessModel
    deployment_key: int
    tenant_id: str


@dataclass
class FormDefinition:
    key: int
    form_id: str
    version: int
    resource_name: str
    resource: str
    checksum: str
    tenant_id: str


@dataclass
class DecisionRequirementsDefinition:
    key: int
    drg_id: str
    name: str
    version: int
    resource_name: str
    resource: str
    checksum: str
    model: Any  # engine.dmn.DecisionRequirements
    tenant_id: str


@dataclass
class DecisionDefinition:
    key: int
    decision_id: str
    name: str
    version: int
    drg_key: int
    drg_id: str
    tenant_id: str


@dataclass
class ElementInstance:
    key: int
    process_instance_key: int
    element_id: str
    element_type: str
    flow_scope_key: int  # -1 for the process instance itself
    process_definition_key: int
    bpmn_process_id: str
    version: int
    tenant_id: str
    parent_process_instance_key: int = -1
    parent_element_instance_key: int = -1
    state: str = "ELEMENT_ACTIVATING"
    children: set[int] = field(default_factory=set)
    # tokens waiting at joining gateways of this scope: (gateway id, flow id) -> count
    waiting_flows: Counter[tuple[str, str]] = field(default_factory=Counter)
    job_key: int = -1
    user_task_key: int = -1
    called_child_key: int = -1
    loop_counter: int = 0  # inner multi-instance activities; body: instances started so far
    completed_children: int = 0  # multi-instance body: inner instances completed so far
    interrupted_by: str = ""  # boundary element id that interrupts this instance
    timer_keys: set[int] = field(default_factory=set)
    subscription_keys: set[int] = field(default_factory=set)
    signal_keys: set[int] = field(default_factory=set)
    start_element_ids: tuple[str, ...] = ()
    created_at: int = 0

    @property
    def is_active(self) -> bool:
        return self.state in ("ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED", "ELEMENT_COMPLETING")


@dataclass
class Job:
    key: int
    type: str
    state: JobState
    retries: int
    element_instance_key: int
    process_instance_key: int
    element_id: str
    bpmn_process_id: str
    process_definition_key: int
    process_definition_version: int
    custom_headers: dict[str, str]
    tenant_id: str
    worker: str = ""
    deadline: int = -1
    recur_at: int = -1
    error_message: str = ""
    error_code: str = ""
    created_at: int = 0


@dataclass
class Incident:
    key: int
    error_type: str
    error_message: str
    process_instance_key: int
    element_instance_key: int
    element_id: str
    bpmn_process_id: str
    process_definition_key: int
    job_key: int
    tenant_id: str
    created_at: int = 0


@dataclass
class Timer:
    key: int
    element_instance_key: int  # the catching element, or the activity a boundary is attached to
    process_instance_key: int
    target_element_id: str
    due_date: int
    repetitions: int
    interval: str
    process_definition_key: int


@dataclass
class Message:
    key: int
    name: str
    correlation_key: str
    message_id: str
    variables: dict[str, Any]
    deadline: int
    tenant_id: str
    # bpmnProcessIds this message was correlated to (a catch event or a start event). Zeebe
    # correlates a message at most once per process, across all its versions and instances
    # (docs.camunda.io, Concepts > Messages, "Message cardinality").
    correlated_processes: set[str] = field(default_factory=set)


@dataclass
class MessageSubscription:
    key: int
    element_instance_key: int
    process_instance_key: int
    bpmn_process_id: str
    message_name: str
    correlation_key: str
    target_element_id: str
    interrupting: bool
    tenant_id: str


@dataclass
class SignalSubscription:
    key: int
    signal_name: str
    element_instance_key: int  # -1 for a signal start event
    process_definition_key: int
    bpmn_process_id: str
    target_element_id: str
    interrupting: bool
    tenant_id: str


@dataclass
class UserTask:
    key: int
    element_instance_key: int
    process_instance_key: int
    element_id: str
    bpmn_process_id: str
    process_definition_key: int
    process_definition_version: int
    tenant_id: str
    assignee: str
    candidate_groups: list[str]
    candidate_users: list[str]
    due_date: str
    follow_up_date: str
    priority: int
    form_key: int
    external_form_reference: str
    custom_headers: dict[str, str]
    state: str = "CREATED"
    created_at: int = 0


@dataclass
class ProcessInstanceOutcome:
    """Kept for completed/terminated root instances so results can be awaited and queried."""

    key: int
    state: str  # COMPLETED | TERMINATED
    variables: dict[str, Any]
    bpmn_process_id: str
    version: int
    process_definition_key: int
    tenant_id: str
    end_at: int


@dataclass
class EngineState:
    keys: KeyGenerator = field(default_factory=KeyGenerator)
    position: int = 0
    clock_pinned_ms: int | None = None
    processes: dict[int, ProcessDefinition] = field(default_factory=dict)
    process_versions: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    forms: dict[int, FormDefinition] = field(default_factory=dict)
    form_versions: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    drgs: dict[int, DecisionRequirementsDefinition] = field(default_factory=dict)
    drg_versions: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    decisions: dict[int, DecisionDefinition] = field(default_factory=dict)
    decision_versions: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    elements: dict[int, ElementInstance] = field(default_factory=dict)
    variables: dict[int, dict[str, Any]] = field(default_factory=dict)
    variable_keys: dict[tuple[int, str], int] = field(default_factory=dict)
    jobs: dict[int, Job] = field(default_factory=dict)
    incidents: dict[int, Incident] = field(default_factory=dict)
    timers: dict[int, Timer] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    message_ids: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    subscriptions: dict[int, MessageSubscription] = field(default_factory=dict)
    user_tasks: dict[int, UserTask] = field(default_factory=dict)
    signal_subscriptions: dict[int, SignalSubscription] = field(default_factory=dict)
    # instances created by a message start event with a correlation key, which Zeebe allows
    # only once at a time per (tenant, bpmnProcessId, correlationKey)
    message_started: dict[tuple[str, str, str], int] = field(default_factory=dict)
    message_started_by_instance: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    # indexes kept by the appliers so hot paths need no scans:
    # activatable jobs per type (in offer order), and a heap of (due, key, kind) for the
    # scheduler, where stale entries are skipped lazily
    activatable: dict[str, dict[int, None]] = field(default_factory=dict)
    activatable_type: dict[int, str] = field(default_factory=dict)
    due: list[tuple[int, int, str]] = field(default_factory=list)
    outcomes: dict[int, ProcessInstanceOutcome] = field(default_factory=dict)

    # -- lookups used by processors and queries --------------------------------------------------
    def latest_process(self, bpmn_process_id: str, tenant_id: str) -> ProcessDefinition | None:
        keys = self.process_versions.get((tenant_id, bpmn_process_id))
        return self.processes[keys[-1]] if keys else None

    def latest_form(self, form_id: str, tenant_id: str) -> FormDefinition | None:
        keys = self.form_versions.get((tenant_id, form_id))
        return self.forms[keys[-1]] if keys else None

    def latest_decision(self, decision_id: str, tenant_id: str) -> DecisionDefinition | None:
        keys = self.decision_versions.get((tenant_id, decision_id))
        return self.decisions[keys[-1]] if keys else None

    def is_due_entry_current(self, due: int, key: int, kind: str) -> bool:
        if kind == "timer":
            timer = self.timers.get(key)
            return timer is not None and timer.due_date == due
        if kind == "message":
            message = self.messages.get(key)
            return message is not None and message.deadline == due
        job = self.jobs.get(key)
        if job is None:
            return False
        return (job.state == JobState.ACTIVATED and job.deadline == due) or (
            job.state == JobState.BACKOFF and job.recur_at == due
        )

    def next_due(self) -> tuple[int, int, str] | None:
        """The earliest current (due, key, kind) entry; stale entries are dropped."""
        while self.due:
            entry = self.due[0]
            if self.is_due_entry_current(*entry):
                return entry
            heapq.heappop(self.due)
        return None

    def visible_variables(self, scope_key: int) -> dict[str, Any]:
        """All variables visible from a scope, the nearest scope winning (Camunda's scoping)."""
        chain: list[int] = []
        key = scope_key
        while key in self.elements:
            chain.append(key)
            key = self.elements[key].flow_scope_key
        result: dict[str, Any] = {}
        for scope in reversed(chain):
            result.update(self.variables.get(scope, {}))
        return result

    def scope_chain(self, scope_key: int) -> list[int]:
        chain: list[int] = []
        key = scope_key
        while key in self.elements:
            chain.append(key)
            key = self.elements[key].flow_scope_key
        return chain
