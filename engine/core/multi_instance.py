"""Multi-instance bodies, one collaborator of the BPMN core. Multi-instance activities: the body
over an input collection, parallel or sequential inner instances with inputElement/loopCounter,
outputCollection, completionCondition.
"""

from __future__ import annotations

from typing import Any

from engine.core.element_lookup import definition_of, node_of
from engine.core.element_records import write_lifecycle
from engine.core.element_steps import ElementSteps
from engine.core.event_triggers import EventTriggers
from engine.core.expressions import (
    ExpressionFailure,
    evaluate,
    evaluate_bool,
)
from engine.core.incidents import Incidents
from engine.core.records import Intent
from engine.core.state import ElementInstance
from engine.core.variables import Variables
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import FlowNode


class MultiInstanceBodies:
    def __init__(
        self,
        writer: RecordWriter,
        steps: ElementSteps,
        variables: Variables,
        incidents: Incidents,
        events: EventTriggers,
    ) -> None:
        self.w = writer
        self.s = writer.state
        self.steps = steps
        self.variables = variables
        self.incidents = incidents
        self.events = events

    def _input_collection(self, body: ElementInstance, node: FlowNode) -> list[Any]:
        assert node.multi_instance is not None
        expression = node.multi_instance.input_collection
        value = evaluate(expression, self.variables.visible(body.key), self.w.now)
        if not isinstance(value, list):
            kind = "NULL" if value is None else type(value).__name__.upper()
            raise ExpressionFailure(
                f"Expected result of the expression '{expression.lstrip('=')}' to be 'ARRAY', "
                f"but was '{kind}'."
            )
        return value

    def activate(self, body: ElementInstance, node: FlowNode) -> None:
        mi = node.multi_instance
        assert mi is not None
        try:
            items = self._input_collection(body, node)
            events = self.events.prepare_boundary_events(
                body, node, self.variables.visible(body.key)
            )
        except ExpressionFailure as failure:
            self.incidents.create(body, failure)
            return
        for open_event in events:
            open_event()
        write_lifecycle(self.w, body, Intent.ELEMENT_ACTIVATED)
        if mi.output_collection:
            self.variables.set_local(body.key, mi.output_collection, [None] * len(items))
        if not items:
            self.steps.complete(body.key)
        elif mi.sequential:
            self._activate_inner(body, node, items[0])
        else:
            for item in items:
                self._activate_inner(body, node, item)

    def _activate_inner(self, body: ElementInstance, node: FlowNode, item: Any) -> None:
        assert node.multi_instance is not None
        key = self.steps.activate(definition_of(self.s, body), node.id, body.key, inner=True)
        inner = self.s.elements[key]
        if node.multi_instance.input_element:
            self.variables.set_local(key, node.multi_instance.input_element, item)
        self.variables.set_local(key, "loopCounter", inner.loop_counter)
        self.steps.continue_activation(key)

    def continue_after_inner(self, body: ElementInstance) -> None:
        """After an inner instance completed: check the completion condition, start the next
        sequential instance or complete the body."""
        node = node_of(self.s, body)
        mi = node.multi_instance
        assert mi is not None
        try:
            items = self._input_collection(body, node)
            done = False
            if mi.completion_condition:
                context = self.variables.visible(body.key)
                context.update(
                    numberOfInstances=len(items),
                    numberOfActiveInstances=len(body.children),
                    numberOfCompletedInstances=body.completed_children,
                    numberOfTerminatedInstances=0,
                )
                done = evaluate_bool(
                    mi.completion_condition, context, self.w.now, "completionCondition"
                )
        except ExpressionFailure as failure:
            self.incidents.create(body, failure)
            return
        if done:
            for child in sorted(body.children):
                self.steps.terminate(child)
            self.steps.complete(body.key)
        elif mi.sequential and body.loop_counter < len(items):
            self._activate_inner(body, node, items[body.loop_counter])
        elif not body.children:
            self.steps.complete(body.key)

    def output_element(self, node: FlowNode, context: dict[str, Any]) -> Any:
        """What a completing inner instance adds to the output collection."""
        assert node.multi_instance is not None
        return evaluate(node.multi_instance.output_element, context, self.w.now)

    def collect(
        self, inner: ElementInstance, node: FlowNode, body: ElementInstance, element: Any
    ) -> None:
        """An inner instance completed: its output element takes its place in the collection."""
        mi = node.multi_instance
        if mi is not None and mi.output_collection:
            collected = list(self.s.variables.get(body.key, {}).get(mi.output_collection) or [])
            index = inner.loop_counter - 1
            if 0 <= index < len(collected):
                collected[index] = element
                self.variables.set_local(body.key, mi.output_collection, collected)

    def pass_on_collection(
        self, body: ElementInstance, node: FlowNode, scope: ElementInstance
    ) -> None:
        """The body completed: its output collection goes to the scope around it."""
        mi = node.multi_instance
        assert mi is not None
        if mi.output_collection:
            collected = self.s.variables.get(body.key, {}).get(mi.output_collection)
            self.variables.propagate(scope.key, {mi.output_collection: collected})
