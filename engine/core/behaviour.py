"""Shared ground of the BPMN behaviour classes: the record writer and state, lookups of
definitions and nodes, record values, incidents. The lifecycle steps that the layers call on
each other (activate, complete, terminate, ...) are declared here and implemented in
`engine.core.bpmn.Bpmn`, the class the command processors use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.core import record_values as values
from engine.core.incidents import Incidents
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance, Job, ProcessDefinition
from engine.core.variables import Variables
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import FlowNode
from engine.definitions.element_kind import ElementKind

PI = ValueType.PROCESS_INSTANCE


class BehaviourBase:
    def __init__(self, writer: RecordWriter) -> None:
        self.w = writer
        self.s = writer.state
        self.variables = Variables(writer)
        self.incidents = Incidents(writer)
        # variables of an event that triggered an event-based gateway or an event sub-process,
        # handed to the activation that follows in the same batch: (scope key, event id) -> vars
        self._event_triggers: dict[tuple[int, str], dict[str, Any]] = {}
        self._reach_cache: dict[tuple[int, str], set[str]] = {}

    def definition(self, instance: ElementInstance) -> ProcessDefinition:
        return self.s.processes[instance.process_definition_key]

    def node(self, instance: ElementInstance) -> FlowNode:
        return self.definition(instance).model.node(instance.element_id)

    def pi_value(self, instance: ElementInstance) -> dict[str, Any]:
        event_type = values.NO_EVENT_TYPE
        if instance.element_type not in (ElementKind.PROCESS, ElementKind.MULTI_INSTANCE_BODY):
            event_type = self.node(instance).event_type
        return values.element_instance(instance, event_type)

    def lifecycle(self, instance: ElementInstance, intent: str) -> None:
        self.w.event(PI, intent, instance.key, self.pi_value(instance))

    def cancel_job(self, job: Job) -> None:
        self.w.event(ValueType.JOB, Intent.CANCELED, job.key, values.job(job))

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
