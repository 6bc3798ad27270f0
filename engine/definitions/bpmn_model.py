"""Immutable model of a deployed BPMN process, built once per deployment by `bpmn_parser`.

Element kinds use Zeebe's `bpmnElementType` names (SERVICE_TASK, EXCLUSIVE_GATEWAY, ...), so the
records the engine writes can carry them unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.definitions.element_kind import ElementKind


@dataclass(frozen=True)
class Mapping_:
    source: str
    target: str


@dataclass(frozen=True)
class TaskDefinition:
    type: str
    retries: str = "3"


@dataclass(frozen=True)
class TimerDefinition:
    kind: str  # "duration" | "date" | "cycle"
    expression: str


@dataclass(frozen=True)
class MessageDefinition:
    name: str  # may be a FEEL expression
    correlation_key: str  # FEEL expression or static value; "" for start events


@dataclass(frozen=True)
class ErrorDefinition:
    error_code: str  # "" = catch all (boundary) / required for end events


@dataclass(frozen=True)
class UserTaskDefinition:
    camunda_user_task: bool
    assignee: str = ""
    candidate_groups: str = ""
    candidate_users: str = ""
    due_date: str = ""
    follow_up_date: str = ""
    priority: str = ""
    form_id: str = ""
    form_key: str = ""
    external_reference: str = ""


@dataclass(frozen=True)
class CalledElement:
    process_id: str
    propagate_all_child_variables: bool = True
    propagate_all_parent_variables: bool = True


@dataclass(frozen=True)
class MultiInstance:
    sequential: bool
    input_collection: str
    input_element: str = ""
    output_collection: str = ""
    output_element: str = ""
    completion_condition: str = ""


@dataclass(frozen=True)
class SequenceFlow:
    id: str
    source: str
    target: str
    condition: str = ""  # FEEL expression with leading '=' or ""


@dataclass(frozen=True)
class FlowNode:
    id: str
    kind: ElementKind  # Zeebe bpmnElementType
    name: str = ""
    scope_id: str = ""  # id of the enclosing process / sub-process
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    event_type: str = "UNSPECIFIED"  # Zeebe bpmnEventType: NONE, TIMER, MESSAGE, ERROR, ...
    inputs: tuple[Mapping_, ...] = ()
    outputs: tuple[Mapping_, ...] = ()
    task_definition: TaskDefinition | None = None
    task_headers: Mapping[str, str] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)
    called_decision: tuple[str, str] | None = None  # (decisionId, resultVariable)
    script: tuple[str, str] | None = None  # (expression, resultVariable)
    user_task: UserTaskDefinition | None = None
    called_element: CalledElement | None = None
    multi_instance: MultiInstance | None = None
    timer: TimerDefinition | None = None
    message: MessageDefinition | None = None
    error: ErrorDefinition | None = None
    signal_name: str = ""
    attached_to: str = ""  # boundary events
    cancel_activity: bool = True  # boundary events
    default_flow: str = ""  # gateways
    start_event_id: str = ""  # sub-processes: their none start event
    children: tuple[str, ...] = ()  # sub-processes: direct child node ids


@dataclass(frozen=True)
class ProcessModel:
    id: str
    name: str
    executable: bool
    nodes: Mapping[str, FlowNode]
    flows: Mapping[str, SequenceFlow]
    none_start_event_id: str
    boundary_events: Mapping[str, tuple[str, ...]]  # attached-to id -> boundary ids
    version_tag: str = ""  # zeebe:versionTag, the modeller's own name for this version

    def node(self, element_id: str) -> FlowNode:
        return self.nodes[element_id]

    def event_sub_processes(self, scope_id: str) -> tuple[FlowNode, ...]:
        """Event sub-processes directly inside a process or sub-process."""
        return tuple(
            n
            for n in self.nodes.values()
            if n.kind == ElementKind.EVENT_SUB_PROCESS and n.scope_id == scope_id
        )

    def start_events(self, event_type: str) -> tuple[FlowNode, ...]:
        """Top-level start events of one type (TIMER, MESSAGE, SIGNAL, NONE)."""
        return tuple(
            n
            for n in self.nodes.values()
            if n.kind == ElementKind.START_EVENT
            and n.scope_id == self.id
            and n.event_type == event_type
        )
