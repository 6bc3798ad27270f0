"""Element flow, one collaborator of the BPMN core: tokens leaving an element along its outgoing
sequence flows and arriving at the next element, gateway decisions (exclusive and inclusive forks
by FEEL conditions and default flow), joins (parallel; inclusive, which waits until no other token
of its scope can still reach it), and a scope completing when no token is left in it.
"""

from __future__ import annotations

from typing import Any

from engine.core import record_values as values
from engine.core.element_lookup import definition_of
from engine.core.element_steps import ElementSteps
from engine.core.event_triggers import EventTriggers
from engine.core.expressions import ExpressionFailure, evaluate_bool
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance, ProcessDefinition
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import FlowNode
from engine.definitions.element_kind import SCOPE_KINDS, ElementKind


class ElementFlow:
    def __init__(self, writer: RecordWriter, steps: ElementSteps, events: EventTriggers) -> None:
        self.w = writer
        self.s = writer.state
        self.steps = steps
        self.events = events
        self._reach_cache: dict[tuple[int, str], set[str]] = {}

    def choose_exclusive_flow(
        self, definition: ProcessDefinition, node: FlowNode, context: dict[str, Any]
    ) -> str:
        for flow_id in node.outgoing:
            if flow_id == node.default_flow:
                continue
            flow = definition.model.flows[flow_id]
            if not flow.condition:
                return flow_id
            if evaluate_bool(flow.condition, context, self.w.now, f"condition of '{flow_id}'"):
                return flow_id
        if node.default_flow:
            return node.default_flow
        raise ExpressionFailure(
            f"Expected at least one condition to evaluate to true, or to have a default flow "
            f"(exclusive gateway '{node.id}')",
            "CONDITION_ERROR",
        )

    def choose_inclusive_flows(
        self, definition: ProcessDefinition, node: FlowNode, context: dict[str, Any]
    ) -> tuple[str, ...]:
        if len(node.outgoing) == 1:
            return node.outgoing
        chosen = tuple(
            flow_id
            for flow_id in node.outgoing
            if flow_id != node.default_flow
            and (
                not definition.model.flows[flow_id].condition
                or evaluate_bool(
                    definition.model.flows[flow_id].condition,
                    context,
                    self.w.now,
                    f"condition of '{flow_id}'",
                )
            )
        )
        if chosen:
            return chosen
        if node.default_flow:
            return (node.default_flow,)
        raise ExpressionFailure(
            f"Expected at least one condition to evaluate to true, or to have a default flow "
            f"(inclusive gateway '{node.id}')",
            "CONDITION_ERROR",
        )

    def _reachable(self, definition: ProcessDefinition, start_id: str) -> set[str]:
        """Nodes a token at `start_id` could still reach (boundary events included)."""
        cache_key = (definition.key, start_id)
        found = self._reach_cache.get(cache_key)
        if found is None:
            model = definition.model
            found, todo = set(), [start_id]
            while todo:
                node = model.node(todo.pop())
                following = [model.flows[f].target for f in node.outgoing]
                following += list(model.boundary_events.get(node.id, ()))
                for target in following:
                    if target not in found:
                        found.add(target)
                        todo.append(target)
            self._reach_cache[cache_key] = found
        return found

    def inclusive_join_ready(
        self, definition: ProcessDefinition, gateway: FlowNode, scope: ElementInstance
    ) -> bool:
        """Zeebe's inclusive join: at least one incoming token, and no token or active element
        elsewhere in the scope can still reach the gateway."""
        tokens = scope.waiting_flows
        if not any(tokens[(gateway.id, f)] > 0 for f in gateway.incoming):
            return False
        sources = [self.s.elements[c].element_id for c in scope.children if c in self.s.elements]
        sources += [target for (target, _), n in tokens.items() if n > 0 and target != gateway.id]
        return not any(gateway.id in self._reachable(definition, s) for s in sources) and not any(
            s == gateway.id for s in sources
        )

    def check_inclusive_joins(self, scope_key: int) -> None:
        scope = self.s.elements.get(scope_key)
        if (
            scope is None
            or not scope.is_active
            or scope.element_type == ElementKind.MULTI_INSTANCE_BODY
        ):
            return
        definition = definition_of(self.s, scope)
        waiting = sorted({target for (target, _), n in scope.waiting_flows.items() if n > 0})
        for target_id in waiting:
            node = definition.model.node(target_id)
            joining = node.kind == ElementKind.INCLUSIVE_GATEWAY and len(node.incoming) > 1
            if joining and self.inclusive_join_ready(definition, node, scope):
                self.steps.activate(definition, target_id, scope_key)

    def recheck_joins_later(self, scope: ElementInstance) -> None:
        """A waiting inclusive join may become ready once a path that could reach it ends."""
        model = (
            definition_of(self.s, scope).model
            if scope.element_type != ElementKind.MULTI_INSTANCE_BODY
            else None
        )
        if model is None:
            return
        if any(
            n > 0 and model.node(target).kind == ElementKind.INCLUSIVE_GATEWAY
            for (target, _), n in scope.waiting_flows.items()
        ):
            scope_key = scope.key
            self.w.follow_up(lambda: self.check_inclusive_joins(scope_key))

    def leave(
        self,
        instance: ElementInstance,
        node: FlowNode,
        scope: ElementInstance,
        flows: tuple[str, ...] | None,
    ) -> None:
        """The element completed: its token moves on along `flows` (by default all outgoing)."""
        outgoing = node.outgoing if flows is None else flows
        definition = definition_of(self.s, instance)
        for flow_id in outgoing:
            self.take_flow(definition, flow_id, scope)
        self.recheck_joins_later(scope)
        if not outgoing:
            self.check_scope_completion(scope.key)

    def take_flow(
        self, definition: ProcessDefinition, flow_id: str, scope: ElementInstance
    ) -> None:
        flow = definition.model.flows[flow_id]
        self.w.event(
            ValueType.PROCESS_INSTANCE,
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
            if self.inclusive_join_ready(definition, target, scope):
                self.steps.activate(definition, target_id, scope_key)
            return
        joining = target.kind == ElementKind.PARALLEL_GATEWAY and len(target.incoming) > 1
        if joining and any(scope.waiting_flows[(target.id, f)] <= 0 for f in target.incoming):
            return  # the join waits for the other branches
        trigger = self.events.take_over(scope_key, target_id)
        if trigger is not None:
            self.steps.activate(definition, target_id, scope_key, trigger, triggered=True)
        else:
            self.steps.activate(definition, target_id, scope_key)

    def check_scope_completion(self, scope_key: int) -> None:
        scope = self.s.elements.get(scope_key)
        if scope is None or scope.state != Intent.ELEMENT_ACTIVATED:
            return
        if scope.children or sum(scope.waiting_flows.values()) > 0:
            return
        if scope.element_type in SCOPE_KINDS:
            self.steps.complete(scope_key)
