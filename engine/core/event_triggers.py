"""Event triggers, one collaborator of the BPMN core. Catching and throwing events: timers,
message subscriptions and correlation, signals, errors (boundary events and event sub-processes,
across call activities), event sub-process starts, event-based gateways, and the timer/signal
start events of a deployed process.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from engine.core import record_values as values
from engine.core.element_lookup import definition_of
from engine.core.element_steps import ElementSteps
from engine.core.expressions import (
    ExpressionFailure,
    evaluate,
    evaluate_string,
)
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance, MessageSubscription, ProcessDefinition
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import FlowNode
from engine.definitions.element_kind import ElementKind
from engine.definitions.timer_expressions import TimerError, TimerSchedule, schedule


class EventTriggers:
    def __init__(self, writer: RecordWriter, steps: ElementSteps) -> None:
        self.w = writer
        self.s = writer.state
        self.steps = steps
        # variables of an event that triggered an event-based gateway or an event sub-process,
        # handed to the activation that follows in the same batch: (scope key, event id) -> vars
        self._handed_over: dict[tuple[int, str], dict[str, Any]] = {}

    def take_over(self, scope_key: int, element_id: str) -> dict[str, Any] | None:
        """The variables of the event that led to activating `element_id` in this scope."""
        return self._handed_over.pop((scope_key, element_id), None)

    def prepare_boundary_events(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> list[Callable[[], None]]:
        model = definition_of(self.s, instance).model
        opens: list[Callable[[], None]] = []
        for boundary_id in model.boundary_events.get(node.id, ()):
            boundary = model.node(boundary_id)
            opens.extend(self.prepare_event(instance, boundary, context))
        return opens

    def prepare_catch_event(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> list[Callable[[], None]]:
        if node.kind in (ElementKind.INTERMEDIATE_CATCH_EVENT, ElementKind.RECEIVE_TASK):
            return self.prepare_event(instance, node, context)
        if node.kind == ElementKind.SUB_PROCESS:
            return self.prepare_event_sub_processes(instance, node.id, context)
        if node.kind == ElementKind.EVENT_BASED_GATEWAY:
            model = definition_of(self.s, instance).model
            opens: list[Callable[[], None]] = []
            for flow_id in node.outgoing:
                target = model.node(model.flows[flow_id].target)
                opens.extend(self.prepare_event(instance, target, context))
            return opens
        return []

    def prepare_event_sub_processes(
        self, scope: ElementInstance, scope_id: str, context: dict[str, Any]
    ) -> list[Callable[[], None]]:
        """A scope listens for the start events of its event sub-processes while it is active."""
        model = definition_of(self.s, scope).model
        opens: list[Callable[[], None]] = []
        for esp in model.event_sub_processes(scope_id):
            start = model.node(esp.start_event_id)
            if start.event_type != "ERROR":
                opens.extend(self.prepare_event(scope, start, context))
        return opens

    def prepare_event(
        self, instance: ElementInstance, event: FlowNode, context: dict[str, Any]
    ) -> list[Callable[[], None]]:
        now = self.w.now
        if event.timer is not None:
            timer = event.timer
            value = evaluate(timer.expression, context, now)
            try:
                plan = schedule(timer.kind, value, now)
            except TimerError as error:
                raise ExpressionFailure(f"timer of '{event.id}': {error}") from None
            return [
                lambda: self.create_timer(
                    instance, event.id, plan.due_ms, plan.repetitions, plan.interval
                )
            ]
        if event.signal_name:
            signal = evaluate_string(event.signal_name, context, now, "signal name")
            return [lambda: self.open_signal_subscription(instance, event, signal)]
        if event.message is not None:
            name = evaluate_string(event.message.name, context, now, "message name")
            correlation_key = evaluate_string(
                event.message.correlation_key, context, now, "correlationKey"
            )

            def open_subscription() -> None:
                key = self.w.new_key()
                value = values.new_message_subscription(instance, event, name, correlation_key)
                # Zeebe's exporter shows both sides of a subscription: the process instance's
                # (PROCESS_MESSAGE_SUBSCRIPTION) around the message partition's.
                self._process_side(Intent.CREATING, key, value)
                self.w.event(ValueType.MESSAGE_SUBSCRIPTION, Intent.CREATED, key, value)
                self._process_side(Intent.CREATED, key, value)
                self.w.follow_up(lambda: self.correlate_buffered(instance.key))

            return [open_subscription]
        return []

    def create_timer(
        self, instance: ElementInstance, target_id: str, due: int, repetitions: int, interval: str
    ) -> None:
        self.w.event(
            ValueType.TIMER,
            Intent.CREATED,
            self.w.new_key(),
            values.new_timer(
                element_instance_key=instance.key,
                process_instance_key=instance.process_instance_key,
                process_definition_key=instance.process_definition_key,
                target_element_id=target_id,
                due_date=due,
                repetitions=repetitions,
                interval=interval,
                tenant_id=instance.tenant_id,
            ),
        )

    def create_start_timer(
        self,
        definition: ProcessDefinition,
        start_id: str,
        due: int,
        repetitions: int,
        interval: str,
    ) -> None:
        self.w.event(
            ValueType.TIMER,
            Intent.CREATED,
            self.w.new_key(),
            values.new_timer(
                element_instance_key=-1,
                process_instance_key=-1,
                process_definition_key=definition.key,
                target_element_id=start_id,
                due_date=due,
                repetitions=repetitions,
                interval=interval,
                tenant_id=definition.tenant_id,
            ),
        )

    def open_start_events(
        self, definition: ProcessDefinition, timers: list[tuple[str, TimerSchedule]]
    ) -> None:
        """A new process version takes over the timer and signal start events of the previous
        one (Zeebe: only the latest version can be started by events)."""
        versions = self.s.process_versions[(definition.tenant_id, definition.bpmn_process_id)]
        older = set(versions[:-1])
        for timer in sorted(self.s.timers.values(), key=lambda t: t.key):
            if timer.element_instance_key <= 0 and timer.process_definition_key in older:
                self.w.event(ValueType.TIMER, Intent.CANCELED, timer.key, values.timer(timer))
        for key, sub in sorted(self.s.signal_subscriptions.items()):
            if sub.element_instance_key <= 0 and sub.process_definition_key in older:
                self.delete_signal_subscription(key)
        for start_id, plan in timers:
            self.create_start_timer(
                definition, start_id, plan.due_ms, plan.repetitions, plan.interval
            )
        for start in definition.model.start_events("SIGNAL"):
            self.open_signal_subscription(
                None,
                start,
                start.signal_name,
                definition_key=definition.key,
                process_id=definition.bpmn_process_id,
                tenant_id=definition.tenant_id,
            )

    def close_events(
        self, instance: ElementInstance, *, only_event_sub_processes: bool = False
    ) -> None:
        model = definition_of(self.s, instance).model

        def closing(target_id: str) -> bool:
            return (
                not only_event_sub_processes
                or model.node(target_id).kind == ElementKind.START_EVENT
            )

        for timer_key in sorted(instance.timer_keys):
            if closing(self.s.timers[timer_key].target_element_id):
                self.w.event(
                    ValueType.TIMER,
                    Intent.CANCELED,
                    timer_key,
                    values.timer(self.s.timers[timer_key]),
                )
        for subscription_key in sorted(instance.subscription_keys):
            subscription = self.s.subscriptions[subscription_key]
            if closing(subscription.target_element_id):
                self.delete_subscription(subscription)
        for signal_key in sorted(instance.signal_keys):
            if closing(self.s.signal_subscriptions[signal_key].target_element_id):
                self.delete_signal_subscription(signal_key)

    def _process_side(self, intent: str, key: int, value: dict[str, Any]) -> None:
        self.w.event(
            ValueType.PROCESS_MESSAGE_SUBSCRIPTION,
            intent,
            key,
            values.process_message_subscription(value),
        )

    def delete_subscription(self, sub: MessageSubscription) -> None:
        value = values.message_subscription(sub)
        self.w.event(ValueType.MESSAGE_SUBSCRIPTION, Intent.DELETED, sub.key, value)
        self._process_side(Intent.DELETED, sub.key, value)

    def trigger_boundary(
        self, attached: ElementInstance, boundary_id: str, variables: dict[str, Any]
    ) -> None:
        definition = definition_of(self.s, attached)
        boundary = definition.model.node(boundary_id)
        scope_key = attached.flow_scope_key
        if boundary.cancel_activity:
            self.steps.terminate(attached.key)
        self.steps.activate(definition, boundary_id, scope_key, variables)

    def find_error_catcher(self, start_key: int, code: str) -> tuple[int, str] | None:
        """The nearest error boundary event matching the code (exact match before catch-all),
        walking up scopes and across call activities into the calling process."""
        key = start_key
        while key in self.s.elements:
            instance = self.s.elements[key]
            if instance.element_type in (
                ElementKind.PROCESS,
                ElementKind.SUB_PROCESS,
                ElementKind.EVENT_SUB_PROCESS,
            ):
                model = definition_of(self.s, instance).model
                scope_id = instance.element_id
                starts = [
                    model.node(esp.start_event_id)
                    for esp in model.event_sub_processes(scope_id)
                    if model.node(esp.start_event_id).error is not None
                ]
                for start in starts:
                    if start.error and start.error.error_code == code:
                        return key, start.id
                for start in starts:
                    if start.error and not start.error.error_code:
                        return key, start.id
            if instance.element_type == ElementKind.PROCESS:
                if instance.parent_element_instance_key <= 0:
                    return None
                key = instance.parent_element_instance_key
                continue
            scope = self.s.elements.get(instance.flow_scope_key)
            if scope is not None and scope.element_type != ElementKind.MULTI_INSTANCE_BODY:
                model = definition_of(self.s, instance).model
                candidates = [
                    model.node(b)
                    for b in model.boundary_events.get(instance.element_id, ())
                    if model.node(b).error is not None
                ]
                for boundary in candidates:
                    if boundary.error and boundary.error.error_code == code:
                        return key, boundary.id
                for boundary in candidates:
                    if boundary.error and not boundary.error.error_code:
                        return key, boundary.id
            key = instance.flow_scope_key
        return None

    def catch_error(self, catcher: tuple[int, str], variables: dict[str, Any]) -> None:
        attached_key, target_id = catcher
        self.trigger_catch(self.s.elements[attached_key], target_id, variables)

    def correlate(
        self, sub: MessageSubscription, message_key: int, variables: dict[str, Any]
    ) -> None:
        value = values.message_subscription(sub, messageKey=message_key, variables=variables)
        self.w.event(ValueType.MESSAGE_SUBSCRIPTION, Intent.CORRELATED, sub.key, value)
        self._process_side(Intent.CORRELATED, sub.key, value)
        instance = self.s.elements[sub.element_instance_key]
        if sub.interrupting or instance.element_id == sub.target_element_id:
            self.delete_subscription(sub)
        self.trigger_catch(instance, sub.target_element_id, variables)

    def trigger_catch(
        self, instance: ElementInstance, target_id: str, variables: dict[str, Any]
    ) -> None:
        """An awaited event happened for `instance`: the catch event (or receive task) itself,
        one of an event-based gateway's events, or a boundary event of an activity."""
        model = definition_of(self.s, instance).model
        target = model.node(target_id)
        if instance.element_id == target_id:
            self.steps.complete_with(instance.key, variables)
        elif target.kind == ElementKind.START_EVENT:  # of an event sub-process of this scope
            self._start_event_sub_process(instance, target, variables)
        elif instance.element_type == ElementKind.EVENT_BASED_GATEWAY:
            model = definition_of(self.s, instance).model
            node = model.node(instance.element_id)
            flow = next(f for f in node.outgoing if model.flows[f].target == target_id)
            self._handed_over[(instance.flow_scope_key, target_id)] = dict(variables)
            self.steps.complete(instance.key, (flow,))
        else:
            self.trigger_boundary(instance, target_id, variables)

    def _start_event_sub_process(
        self, scope: ElementInstance, start: FlowNode, variables: dict[str, Any]
    ) -> None:
        if start.cancel_activity:
            # interrupting: everything else in the scope ends, and so do its other event triggers
            for child in sorted(scope.children):
                self.steps.terminate(child)
            self.close_events(scope, only_event_sub_processes=True)
        definition = definition_of(self.s, scope)
        key = self.w.peek_key()
        self._handed_over[(key, start.id)] = dict(variables)
        activated = self.steps.activate(definition, start.scope_id, scope.key)
        assert activated == key

    def open_signal_subscription(
        self, instance: ElementInstance | None, event: FlowNode, name: str, **start: Any
    ) -> None:
        self.w.event(
            ValueType.SIGNAL_SUBSCRIPTION,
            Intent.CREATED,
            self.w.new_key(),
            values.new_signal_subscription(
                signal_name=name,
                catch_event_instance_key=instance.key if instance else -1,
                event=event,
                process_definition_key=(
                    instance.process_definition_key if instance else start["definition_key"]
                ),
                bpmn_process_id=instance.bpmn_process_id if instance else start["process_id"],
                tenant_id=instance.tenant_id if instance else start["tenant_id"],
            ),
        )

    def delete_signal_subscription(self, key: int) -> None:
        value = values.signal_subscription(self.s.signal_subscriptions[key])
        self.w.event(ValueType.SIGNAL_SUBSCRIPTION, Intent.DELETED, key, value)

    def broadcast_signal(self, name: str, variables: dict[str, Any], tenant_id: str) -> int:
        key = self.w.new_key()
        self.w.event(
            ValueType.SIGNAL,
            Intent.BROADCASTED,
            key,
            values.signal(name, variables, tenant_id),
        )
        matching = sorted(
            k
            for k, sub in self.s.signal_subscriptions.items()
            if sub.signal_name == name and sub.tenant_id == tenant_id
        )
        for sub_key in matching:
            self.w.follow_up(partial(self._signal_triggered, sub_key, variables))
        return key

    def _signal_triggered(self, sub_key: int, variables: dict[str, Any]) -> None:
        sub = self.s.signal_subscriptions.get(sub_key)
        if sub is None:
            return
        if sub.element_instance_key <= 0:
            definition = self.s.processes[sub.process_definition_key]
            self.steps.create_process_instance(
                definition, dict(variables), (sub.target_element_id,)
            )
            return
        instance = self.s.elements.get(sub.element_instance_key)
        if instance is None or instance.state != Intent.ELEMENT_ACTIVATED:
            return
        if sub.interrupting or instance.element_id == sub.target_element_id:
            self.delete_signal_subscription(sub_key)
        self.trigger_catch(instance, sub.target_element_id, dict(variables))

    def correlate_buffered(self, element_instance_key: int) -> None:
        """A newly opened subscription takes a buffered message it has not seen yet."""
        instance = self.s.elements.get(element_instance_key)
        if instance is None:
            return
        for sub_key in sorted(instance.subscription_keys):
            sub = self.s.subscriptions.get(sub_key)
            if sub is None:
                continue
            for message in sorted(self.s.messages.values(), key=lambda m: m.key):
                if (
                    message.name == sub.message_name
                    and message.correlation_key == sub.correlation_key
                    and message.tenant_id == sub.tenant_id
                    and message.deadline > self.w.now
                    and sub.bpmn_process_id not in message.correlated_processes
                ):
                    self.correlate(sub, message.key, dict(message.variables))
                    return
