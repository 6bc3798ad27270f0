"""Lifecycle, one collaborator of the BPMN core: element instances activate (input mappings,
event subscriptions, then the element's own behaviour), complete (output mappings, then the
token moves on) and terminate (with everything they hold open). What differs by element kind is
asked of the kind's processor (`engine.core.element_processors`).

Everything here writes records through the `RecordWriter`; state changes come from the appliers.
Anything that can fail on user data (FEEL, missing decisions/processes) is evaluated before the
element's side effects are written, so a failure leaves an incident and a clean retry point: the
element stays ACTIVATING (retry re-runs activation) or COMPLETING (retry re-runs completion).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from engine.core import record_values as values
from engine.core.element_lookup import node_of
from engine.core.element_processors import processor_for
from engine.core.element_records import write_lifecycle
from engine.core.expressions import ExpressionFailure
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance, ProcessDefinition
from engine.definitions.element_kind import ElementKind

if TYPE_CHECKING:
    from engine.core.bpmn import Bpmn


class Lifecycle:
    def __init__(self, core: Bpmn) -> None:
        self.core = core
        self.w = core.w
        self.s = core.s
        self.variables = core.variables
        self.incidents = core.incidents
        self.events = core.events
        self.flow = core.flow
        self.multi_instance = core.multi_instance
        self.message_starts = core.message_starts

    def create_process_instance(
        self,
        definition: ProcessDefinition,
        variables: dict[str, Any],
        start_element_ids: tuple[str, ...] = (),
        parent: ElementInstance | None = None,
    ) -> int:
        key = self.w.new_key()
        value = values.element_in_definition(
            definition,
            process_instance_key=key,
            element_id=definition.bpmn_process_id,
            flow_scope_key=-1,
            element_type=ElementKind.PROCESS,
            parent_process_instance_key=parent.process_instance_key if parent else -1,
            parent_element_instance_key=parent.key if parent else -1,
        )
        self.w.event(ValueType.PROCESS_INSTANCE, Intent.ELEMENT_ACTIVATING, key, value)
        for name, val in variables.items():
            self.variables.set_local(key, name, val)
        instance = self.s.elements[key]
        try:
            events = self.events.prepare_event_sub_processes(
                instance, definition.bpmn_process_id, variables
            )
        except ExpressionFailure as failure:
            events = []
            self.incidents.create(instance, failure)
        for open_event in events:
            open_event()
        write_lifecycle(self.w, instance, Intent.ELEMENT_ACTIVATED)
        starts = start_element_ids or (definition.model.none_start_event_id,)
        for element_id in starts:
            self.activate(definition, element_id, key)
        return key

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
        """Activates an element in a flow scope. `inner`: a multi-instance inner instance (the
        caller continues its activation); `triggered`: a catch event whose event already
        happened (event-based gateway), which completes at once; `before`: runs with the new
        key before input mappings are applied (a modification's variables for the element)."""
        node = definition.model.node(element_id)
        scope = self.s.elements[flow_scope_key]
        kind = ElementKind.MULTI_INSTANCE_BODY if node.multi_instance and not inner else node.kind
        key = self.w.new_key()
        is_body = kind == ElementKind.MULTI_INSTANCE_BODY
        value = values.element_in_definition(
            definition,
            process_instance_key=scope.process_instance_key,
            element_id=element_id,
            flow_scope_key=flow_scope_key,
            element_type=kind,
            event_type=values.NO_EVENT_TYPE if is_body else node.event_type,
        )
        self.w.event(ValueType.PROCESS_INSTANCE, Intent.ELEMENT_ACTIVATING, key, value)
        if variables:
            self.variables.merge_trigger_variables(self.s.elements[key], variables)
        if before is not None:
            before(key)
        if triggered:
            write_lifecycle(self.w, self.s.elements[key], Intent.ELEMENT_ACTIVATED)
            self.complete(key)
        elif not inner:
            self.continue_activation(key)
        return key

    def continue_activation(self, key: int) -> None:
        instance = self.s.elements[key]
        node = node_of(self.s, instance)
        if instance.element_type == ElementKind.MULTI_INSTANCE_BODY:
            self.multi_instance.activate(instance, node)
            return
        try:
            context = self.variables.visible(key)
            local = self.variables.evaluate_mappings(node.inputs, context)
            context.update(local)
            is_inner = (
                self.s.elements[instance.flow_scope_key].element_type
                == ElementKind.MULTI_INSTANCE_BODY
            )
            events = (
                [] if is_inner else self.events.prepare_boundary_events(instance, node, context)
            )
            events += self.events.prepare_catch_event(instance, node, context)
            behaviour = processor_for(node.kind).activate(self.core, instance, node, context)
        except ExpressionFailure as failure:
            self.incidents.create(instance, failure)
            return
        for name, value in local.items():
            self.variables.set_local(key, name, value)
        for open_event in events:
            open_event()
        write_lifecycle(self.w, instance, Intent.ELEMENT_ACTIVATED)
        behaviour()

    def complete_with(self, key: int, variables: dict[str, Any]) -> None:
        self.variables.merge_trigger_variables(self.s.elements[key], variables)
        self.complete(key)

    def complete(self, key: int, flows: tuple[str, ...] | None = None) -> None:
        instance = self.s.elements[key]
        write_lifecycle(self.w, instance, Intent.ELEMENT_COMPLETING)
        self.continue_completion(key, flows)

    def continue_completion(self, key: int, flows: tuple[str, ...] | None = None) -> None:
        instance = self.s.elements[key]
        if instance.element_type == ElementKind.PROCESS:
            self.complete_process(instance)
            return
        node = node_of(self.s, instance)
        scope = self.s.elements[instance.flow_scope_key]
        is_inner = scope.element_type == ElementKind.MULTI_INSTANCE_BODY
        element: Any = None
        try:
            context = self.variables.visible(key)
            # an activity's output mappings apply to each inner instance, not to its body
            mapped = node.outputs and instance.element_type != ElementKind.MULTI_INSTANCE_BODY
            outputs = self.variables.evaluate_mappings(node.outputs, context) if mapped else {}
            if is_inner and node.multi_instance and node.multi_instance.output_element:
                context.update(outputs)
                element = self.multi_instance.output_element(node, context)
        except ExpressionFailure as failure:
            self.incidents.create(instance, failure)
            return
        if instance.element_type == ElementKind.MULTI_INSTANCE_BODY:
            self.multi_instance.pass_on_collection(instance, node, scope)
        elif is_inner:
            self.multi_instance.collect(instance, node, scope, element)
        if outputs:
            self.variables.propagate(scope.key, outputs)
        self.events.close_events(instance)
        write_lifecycle(self.w, instance, Intent.ELEMENT_COMPLETED)
        if scope.element_type == ElementKind.MULTI_INSTANCE_BODY:
            self.multi_instance.continue_after_inner(scope)
            return
        processor_for(instance.element_type).completed(self.core, instance, node, scope, flows)

    def complete_process(self, instance: ElementInstance) -> None:
        child_variables = dict(self.s.variables.get(instance.key, {}))
        self.events.close_events(instance)
        self.process_ending(instance)
        write_lifecycle(self.w, instance, Intent.ELEMENT_COMPLETED)
        caller = self.s.elements.get(instance.parent_element_instance_key)
        if caller is None or caller.state != Intent.ELEMENT_ACTIVATED:
            return
        called = node_of(self.s, caller).called_element
        if called is not None and called.propagate_all_child_variables:
            self.variables.merge_trigger_variables(caller, child_variables)
        elif child_variables and node_of(self.s, caller).outputs:
            for name, value in child_variables.items():
                self.variables.set_local(caller.key, name, value)
        self.complete(caller.key)

    def process_ending(self, instance: ElementInstance) -> None:
        """An instance started by a message with a correlation key frees that key for the next
        buffered message once it has ended."""
        started = self.s.message_started_by_instance.get(instance.key)
        if started is not None:
            self.w.follow_up(partial(self.message_starts.start_buffered_after, *started))

    def terminate(self, key: int) -> None:
        instance = self.s.elements.get(key)
        if instance is None or instance.state == Intent.ELEMENT_TERMINATING:
            return
        write_lifecycle(self.w, instance, Intent.ELEMENT_TERMINATING)
        if instance.job_key > 0:
            job = self.s.jobs[instance.job_key]
            self.w.event(ValueType.JOB, Intent.CANCELED, job.key, values.job(job))
        if instance.user_task_key > 0:
            task_key = instance.user_task_key
            self.w.event(
                ValueType.USER_TASK,
                Intent.CANCELED,
                task_key,
                values.user_task_canceled(task_key, instance),
            )
        self.events.close_events(instance)
        for incident in [i for i in self.s.incidents.values() if i.element_instance_key == key]:
            self.incidents.resolve(incident.key)
        for child in sorted(instance.children):
            self.terminate(child)
        processor_for(instance.element_type).terminating(self.core, instance)
        write_lifecycle(self.w, instance, Intent.ELEMENT_TERMINATED)
        scope = self.s.elements.get(instance.flow_scope_key)
        if scope is not None and scope.is_active:
            self.flow.recheck_joins_later(scope)
