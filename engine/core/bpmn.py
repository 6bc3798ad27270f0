"""BPMN behaviour: how element instances activate, complete and terminate, and how tokens move
along sequence flows. Built in layers: `behaviour` (shared ground), `variables`, `events`,
`gateways`, `multi_instance`, and this module's `Bpmn`, the class the command processors use.

Everything here writes records through the `RecordWriter`; state changes come from the appliers.
Anything that can fail on user data (FEEL, missing decisions/processes) is evaluated before the
element's side effects are written, so a failure leaves an incident and a clean retry point: the
element stays ACTIVATING (retry re-runs activation) or COMPLETING (retry re-runs completion).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from engine.core import record_values as values
from engine.core.expressions import (
    ExpressionFailure,
    evaluate,
    evaluate_int,
    evaluate_list,
    evaluate_string,
)
from engine.core.message_starts import MessageStartBehaviour
from engine.core.multi_instance import MultiInstanceBehaviour
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance, ProcessDefinition
from engine.definitions.bpmn_model import FlowNode
from engine.definitions.element_kind import ElementKind

PI = ValueType.PROCESS_INSTANCE
_PASS_THROUGH = {
    ElementKind.START_EVENT,
    ElementKind.MANUAL_TASK,
    ElementKind.TASK,
    ElementKind.PARALLEL_GATEWAY,
    ElementKind.INTERMEDIATE_THROW_EVENT,
    ElementKind.END_EVENT,
    ElementKind.BOUNDARY_EVENT,
}
USER_TASK_JOB_TYPE = "io.camunda.zeebe:userTask"


class Bpmn(MultiInstanceBehaviour, MessageStartBehaviour):
    """Element lifecycle: activation (input mappings, event subscriptions, the element's own
    behaviour), completion (output mappings, outgoing flows), tokens and termination."""

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
        self.w.event(PI, Intent.ELEMENT_ACTIVATING, key, value)
        for name, val in variables.items():
            self.variables.set_local(key, name, val)
        instance = self.s.elements[key]
        try:
            events = self._prepare_event_sub_processes(
                instance, definition.bpmn_process_id, variables
            )
        except ExpressionFailure as failure:
            events = []
            self.incidents.create(instance, failure)
        for open_event in events:
            open_event()
        self.lifecycle(instance, Intent.ELEMENT_ACTIVATED)
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
        self.w.event(PI, Intent.ELEMENT_ACTIVATING, key, value)
        if variables:
            self.variables.merge_trigger_variables(self.s.elements[key], variables)
        if before is not None:
            before(key)
        if triggered:
            self.lifecycle(self.s.elements[key], Intent.ELEMENT_ACTIVATED)
            self.complete(key)
        elif not inner:
            self.continue_activation(key)
        return key

    def continue_activation(self, key: int) -> None:
        instance = self.s.elements[key]
        node = self.node(instance)
        if instance.element_type == ElementKind.MULTI_INSTANCE_BODY:
            self._activate_multi_instance_body(instance, node)
            return
        try:
            context = self.variables.visible(key)
            local = self.variables.evaluate_mappings(node.inputs, context)
            context.update(local)
            is_inner = (
                self.s.elements[instance.flow_scope_key].element_type
                == ElementKind.MULTI_INSTANCE_BODY
            )
            events = [] if is_inner else self._prepare_boundary_events(instance, node, context)
            events += self._prepare_catch_event(instance, node, context)
            behaviour = self._prepare_behaviour(instance, node, context)
        except ExpressionFailure as failure:
            self.incidents.create(instance, failure)
            return
        for name, value in local.items():
            self.variables.set_local(key, name, value)
        for open_event in events:
            open_event()
        self.lifecycle(instance, Intent.ELEMENT_ACTIVATED)
        behaviour()

    def _prepare_behaviour(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        key = instance.key
        now = self.w.now
        if node.kind == ElementKind.EXCLUSIVE_GATEWAY:
            flow = self._choose_exclusive_flow(self.definition(instance), node, context)
            return lambda: self.complete(key, (flow,))
        if node.kind == ElementKind.INCLUSIVE_GATEWAY:
            flows = self._choose_inclusive_flows(self.definition(instance), node, context)
            return lambda: self.complete(key, flows)
        if node.event_type == "SIGNAL" and node.kind in (
            ElementKind.END_EVENT,
            ElementKind.INTERMEDIATE_THROW_EVENT,
        ):
            name = evaluate_string(node.signal_name, context, now, "signal name")

            def throw_signal() -> None:
                # the signal carries the throw event's own variables (its input mappings)
                local = dict(self.s.variables.get(key, {}))
                self.broadcast_signal(name, local, instance.tenant_id)
                if key in self.s.elements:
                    self.complete(key)

            return throw_signal
        if node.kind == ElementKind.END_EVENT and node.event_type == "ERROR":
            assert node.error is not None
            code = node.error.error_code
            catcher = self.find_error_catcher(instance.flow_scope_key, code)
            if catcher is None:
                raise ExpressionFailure(
                    f"Expected to throw an error event with the code '{code}', but it was not "
                    "caught. No error events are available in the scope.",
                    "UNHANDLED_ERROR_EVENT",
                )
            return lambda: self.catch_error(catcher, {})
        if node.script is not None:
            expression, result_variable = node.script
            result = evaluate(expression, context, now)
            return lambda: self._complete_with(key, {result_variable: result})
        if node.called_decision is not None:
            return self._prepare_decision(instance, node, context)
        if (
            node.kind == ElementKind.USER_TASK
            and node.user_task
            and node.user_task.camunda_user_task
        ):
            return self._prepare_user_task(instance, node, context)
        if node.task_definition is not None or node.kind == ElementKind.USER_TASK:
            return self._prepare_job(instance, node, context)
        if node.kind == ElementKind.SUB_PROCESS:
            definition = self.definition(instance)

            def enter() -> None:
                self.activate(definition, node.start_event_id, key)

            return enter
        if node.kind == ElementKind.EVENT_SUB_PROCESS:
            definition = self.definition(instance)
            trigger = self._event_triggers.pop((key, node.start_event_id), {})

            def start_event_sub_process() -> None:
                self.activate(definition, node.start_event_id, key, trigger, triggered=True)

            return start_event_sub_process
        if node.kind == ElementKind.CALL_ACTIVITY:
            return self._prepare_call_activity(instance, node, context)
        if node.kind in _PASS_THROUGH:
            return lambda: self.complete(key)
        return lambda: None  # waits for a message or timer

    def _complete_with(self, key: int, variables: dict[str, Any]) -> None:
        self.variables.merge_trigger_variables(self.s.elements[key], variables)
        self.complete(key)

    def _prepare_job(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        now = self.w.now
        headers = dict(node.task_headers)
        if node.task_definition is not None:
            job_type = evaluate_string(node.task_definition.type, context, now, "job type")
            retries = evaluate_int(node.task_definition.retries, context, now, "job retries")
        else:  # a job-worker user task, as Zeebe offers them to Tasklist
            job_type, retries = USER_TASK_JOB_TYPE, 1
            spec = node.user_task
            if spec is not None:
                if spec.assignee:
                    headers["io.camunda.zeebe:assignee"] = evaluate_string(
                        spec.assignee, context, now, "assignee"
                    )
                if spec.candidate_groups:
                    headers["io.camunda.zeebe:candidateGroups"] = json.dumps(
                        evaluate_list(spec.candidate_groups, context, now, "candidateGroups")
                    )
                if spec.form_key:
                    headers["io.camunda.zeebe:formKey"] = spec.form_key
        if not job_type:
            raise ExpressionFailure(f"job type of '{node.id}' evaluated to an empty string")

        def create() -> None:
            self.w.event(
                ValueType.JOB,
                Intent.CREATED,
                self.w.new_key(),
                values.new_job(instance, node.id, job_type, retries, headers),
            )

        return create

    def _prepare_user_task(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        spec = node.user_task
        assert spec is not None
        now = self.w.now

        def text(value: str, what: str) -> str:
            return evaluate_string(value, context, now, what) if value else ""

        assignee = text(spec.assignee, "assignee")
        groups = (
            evaluate_list(spec.candidate_groups, context, now, "candidateGroups")
            if spec.candidate_groups
            else []
        )
        users = (
            evaluate_list(spec.candidate_users, context, now, "candidateUsers")
            if spec.candidate_users
            else []
        )
        due = text(spec.due_date, "dueDate")
        follow_up = text(spec.follow_up_date, "followUpDate")
        priority = evaluate_int(spec.priority, context, now, "priority") if spec.priority else 50
        if not 0 <= priority <= 100:
            raise ExpressionFailure(
                f"expected priority of '{node.id}' between 0 and 100, got {priority}"
            )
        form_key = -1
        if spec.form_id:
            form_id = text(spec.form_id, "formId")
            form = self.s.latest_form(form_id, instance.tenant_id)
            if form is None:
                raise ExpressionFailure(
                    f"Expected to find a form with id '{form_id}', but no form with this id is "
                    "found, at least a form with this id should be available.",
                    "FORM_NOT_FOUND",
                )
            form_key = form.key
        external = text(spec.external_reference, "externalReference") or spec.form_key

        def create() -> None:
            key = self.w.new_key()
            self.w.event(
                ValueType.USER_TASK,
                Intent.CREATED,
                key,
                values.new_user_task(
                    key,
                    instance,
                    node,
                    assignee=assignee,
                    candidate_groups=groups,
                    candidate_users=users,
                    due_date=due,
                    follow_up_date=follow_up,
                    priority=priority,
                    form_key=form_key,
                    external_form_reference=external,
                    created_at=self.w.now,
                ),
            )

        return create

    def _prepare_decision(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        from engine.core.decisions import evaluate_decision_for

        assert node.called_decision is not None
        decision_ref, result_variable = node.called_decision
        decision_id = evaluate_string(decision_ref, context, self.w.now, "decisionId")
        outcome = evaluate_decision_for(self.w, decision_id, context, instance)
        return lambda: self._complete_with(instance.key, {result_variable: outcome})

    def _prepare_call_activity(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        called = node.called_element
        assert called is not None
        process_id = evaluate_string(called.process_id, context, self.w.now, "processId")
        child = self.s.latest_process(process_id, instance.tenant_id)
        if child is None:
            raise ExpressionFailure(
                f"Expected process with BPMN process id '{process_id}' to be deployed, but not "
                "found.",
                "CALLED_ELEMENT_ERROR",
            )

        def call() -> None:
            variables = (
                self.variables.visible(instance.key)
                if called.propagate_all_parent_variables
                else dict(self.s.variables.get(instance.key, {}))
            )
            self.create_process_instance(child, variables, parent=self.s.elements[instance.key])

        return call

    def complete(self, key: int, flows: tuple[str, ...] | None = None) -> None:
        instance = self.s.elements[key]
        self.lifecycle(instance, Intent.ELEMENT_COMPLETING)
        self.continue_completion(key, flows)

    def continue_completion(self, key: int, flows: tuple[str, ...] | None = None) -> None:
        instance = self.s.elements[key]
        if instance.element_type == ElementKind.PROCESS:
            self._complete_process(instance)
            return
        node = self.node(instance)
        scope = self.s.elements[instance.flow_scope_key]
        is_inner = scope.element_type == ElementKind.MULTI_INSTANCE_BODY
        try:
            context = self.variables.visible(key)
            # an activity's output mappings apply to each inner instance, not to its body
            mapped = node.outputs and instance.element_type != ElementKind.MULTI_INSTANCE_BODY
            outputs = self.variables.evaluate_mappings(node.outputs, context) if mapped else {}
            if is_inner and node.multi_instance and node.multi_instance.output_element:
                context.update(outputs)
                element = evaluate(node.multi_instance.output_element, context, self.w.now)
        except ExpressionFailure as failure:
            self.incidents.create(instance, failure)
            return
        if instance.element_type == ElementKind.MULTI_INSTANCE_BODY:
            mi = node.multi_instance
            assert mi is not None
            if mi.output_collection:
                collected = self.s.variables.get(key, {}).get(mi.output_collection)
                self.variables.propagate(scope.key, {mi.output_collection: collected})
        elif is_inner:
            mi = node.multi_instance
            if mi is not None and mi.output_collection:
                collected = list(
                    self.s.variables.get(scope.key, {}).get(mi.output_collection) or []
                )
                index = instance.loop_counter - 1
                if 0 <= index < len(collected):
                    collected[index] = element
                    self.variables.set_local(scope.key, mi.output_collection, collected)
        if outputs:
            self.variables.propagate(scope.key, outputs)
        self._close_events(instance)
        self.lifecycle(instance, Intent.ELEMENT_COMPLETED)
        self._after_completed(instance, node, scope, flows)

    def _after_completed(
        self,
        instance: ElementInstance,
        node: FlowNode,
        scope: ElementInstance,
        flows: tuple[str, ...] | None,
    ) -> None:
        if scope.element_type == ElementKind.MULTI_INSTANCE_BODY:
            self.continue_multi_instance(scope)
            return
        if node.kind == ElementKind.END_EVENT and node.event_type == "TERMINATE":
            for child in sorted(scope.children):
                self.terminate(child)
        outgoing = node.outgoing if flows is None else flows
        definition = self.definition(instance)
        for flow_id in outgoing:
            self.take_flow(definition, flow_id, scope)
        self._recheck_joins_later(scope)
        if not outgoing:
            self.check_scope_completion(scope.key)

    def take_flow(
        self, definition: ProcessDefinition, flow_id: str, scope: ElementInstance
    ) -> None:
        flow = definition.model.flows[flow_id]
        self.w.event(
            PI,
            Intent.SEQUENCE_FLOW_TAKEN,
            self.w.new_key(),
            values.sequence_flow(definition, flow_id, scope),
        )
        scope_key = scope.key
        self.w.follow_up(lambda: self._arrive(definition, flow.target, scope_key))

    def _arrive(self, definition: ProcessDefinition, target_id: str, scope_key: int) -> None:
        scope = self.s.elements.get(scope_key)
        if scope is None or not scope.is_active:
            return
        target = definition.model.node(target_id)
        if target.kind == ElementKind.INCLUSIVE_GATEWAY and len(target.incoming) > 1:
            if self._inclusive_join_ready(definition, target, scope):
                self.activate(definition, target_id, scope_key)
            return
        joining = target.kind == ElementKind.PARALLEL_GATEWAY and len(target.incoming) > 1
        if joining and any(scope.waiting_flows[(target.id, f)] <= 0 for f in target.incoming):
            return  # the join waits for the other branches
        trigger = self._event_triggers.pop((scope_key, target_id), None)
        if trigger is not None:
            self.activate(definition, target_id, scope_key, trigger, triggered=True)
        else:
            self.activate(definition, target_id, scope_key)

    def check_scope_completion(self, scope_key: int) -> None:
        scope = self.s.elements.get(scope_key)
        if scope is None or scope.state != Intent.ELEMENT_ACTIVATED:
            return
        if scope.children or sum(scope.waiting_flows.values()) > 0:
            return
        if scope.element_type in (
            ElementKind.PROCESS,
            ElementKind.SUB_PROCESS,
            ElementKind.EVENT_SUB_PROCESS,
        ):
            self.complete(scope_key)

    def _complete_process(self, instance: ElementInstance) -> None:
        child_variables = dict(self.s.variables.get(instance.key, {}))
        self._close_events(instance)
        self._process_ending(instance)
        self.lifecycle(instance, Intent.ELEMENT_COMPLETED)
        caller = self.s.elements.get(instance.parent_element_instance_key)
        if caller is None or caller.state != Intent.ELEMENT_ACTIVATED:
            return
        called = self.node(caller).called_element
        if called is not None and called.propagate_all_child_variables:
            self.variables.merge_trigger_variables(caller, child_variables)
        elif child_variables and self.node(caller).outputs:
            for name, value in child_variables.items():
                self.variables.set_local(caller.key, name, value)
        self.complete(caller.key)

    def _process_ending(self, instance: ElementInstance) -> None:
        """An instance started by a message with a correlation key frees that key for the next
        buffered message once it has ended."""
        started = self.s.message_started_by_instance.get(instance.key)
        if started is not None:
            self.w.follow_up(partial(self.start_buffered_after, *started))

    def terminate(self, key: int) -> None:
        instance = self.s.elements.get(key)
        if instance is None or instance.state == Intent.ELEMENT_TERMINATING:
            return
        self.lifecycle(instance, Intent.ELEMENT_TERMINATING)
        if instance.job_key > 0:
            self.cancel_job(self.s.jobs[instance.job_key])
        if instance.user_task_key > 0:
            task_key = instance.user_task_key
            self.w.event(
                ValueType.USER_TASK,
                Intent.CANCELED,
                task_key,
                values.user_task_canceled(task_key, instance),
            )
        self._close_events(instance)
        for incident in [i for i in self.s.incidents.values() if i.element_instance_key == key]:
            self.incidents.resolve(incident.key)
        for child in sorted(instance.children):
            self.terminate(child)
        if instance.called_child_key > 0:
            self.terminate(instance.called_child_key)
        if instance.element_type == ElementKind.PROCESS:
            self._process_ending(instance)
        self.lifecycle(instance, Intent.ELEMENT_TERMINATED)
        scope = self.s.elements.get(instance.flow_scope_key)
        if scope is not None and scope.is_active:
            self._recheck_joins_later(scope)
