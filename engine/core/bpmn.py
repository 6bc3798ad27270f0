"""The BPMN core the command processors use: one object that wires the collaborators once.

Each collaborator has one job: `variables` (scopes, mappings), `incidents`, `events` (timers,
messages, signals, errors, boundary and event sub-process triggers), `flow` (sequence flows,
gateways, joins, scope completion), `multi_instance` (bodies and their inner instances), `tasks`
(jobs, user tasks, decisions, called processes), `message_starts` and `lifecycle` (activating,
completing and terminating element instances, with a processor per element kind from
`engine.core.element_processors`). The collaborators ask for lifecycle steps through this object
(`engine.core.element_steps.ElementSteps`), which hands them to the lifecycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.core.element_flow import ElementFlow
from engine.core.event_triggers import EventTriggers
from engine.core.incidents import Incidents
from engine.core.lifecycle import Lifecycle
from engine.core.message_starts import MessageStarts
from engine.core.multi_instance import MultiInstanceBodies
from engine.core.state import ElementInstance, ProcessDefinition
from engine.core.task_creation import TaskCreation
from engine.core.variables import Variables
from engine.core.writer import RecordWriter


class Bpmn:
    def __init__(self, writer: RecordWriter) -> None:
        self.w = writer
        self.s = writer.state
        self.variables = Variables(writer)
        self.incidents = Incidents(writer)
        self.events = EventTriggers(writer, self)
        self.flow = ElementFlow(writer, self, self.events)
        self.multi_instance = MultiInstanceBodies(
            writer, self, self.variables, self.incidents, self.events
        )
        self.tasks = TaskCreation(writer, self, self.variables)
        self.message_starts = MessageStarts(writer, self)
        self.lifecycle = Lifecycle(self)

    # -- the lifecycle steps (ElementSteps) ---------------------------------------------------
    def create_process_instance(
        self,
        definition: ProcessDefinition,
        variables: dict[str, Any],
        start_element_ids: tuple[str, ...] = (),
        parent: ElementInstance | None = None,
    ) -> int:
        return self.lifecycle.create_process_instance(
            definition, variables, start_element_ids, parent
        )

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
        return self.lifecycle.activate(
            definition,
            element_id,
            flow_scope_key,
            variables,
            inner=inner,
            triggered=triggered,
            before=before,
        )

    def continue_activation(self, key: int) -> None:
        self.lifecycle.continue_activation(key)

    def complete(self, key: int, flows: tuple[str, ...] | None = None) -> None:
        self.lifecycle.complete(key, flows)

    def complete_with(self, key: int, variables: dict[str, Any]) -> None:
        self.lifecycle.complete_with(key, variables)

    def terminate(self, key: int) -> None:
        self.lifecycle.terminate(key)
