"""Gateway decisions: exclusive and inclusive forks (FEEL conditions, default flow) and the
inclusive join, which waits until no other token of its scope can still reach it.
"""

from __future__ import annotations

from typing import Any

from engine.core.events import EventBehaviour
from engine.core.expressions import (
    ExpressionFailure,
    evaluate_bool,
)
from engine.core.state import ElementInstance, ProcessDefinition
from engine.definitions.bpmn_model import FlowNode
from engine.definitions.element_kind import ElementKind


class GatewayBehaviour(EventBehaviour):
    def _choose_exclusive_flow(
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

    def _choose_inclusive_flows(
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

    def _inclusive_join_ready(
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

    def _check_inclusive_joins(self, scope_key: int) -> None:
        scope = self.s.elements.get(scope_key)
        if (
            scope is None
            or not scope.is_active
            or scope.element_type == ElementKind.MULTI_INSTANCE_BODY
        ):
            return
        definition = self.definition(scope)
        waiting = sorted({target for (target, _), n in scope.waiting_flows.items() if n > 0})
        for target_id in waiting:
            node = definition.model.node(target_id)
            joining = node.kind == ElementKind.INCLUSIVE_GATEWAY and len(node.incoming) > 1
            if joining and self._inclusive_join_ready(definition, node, scope):
                self.activate(definition, target_id, scope_key)

    def _recheck_joins_later(self, scope: ElementInstance) -> None:
        """A waiting inclusive join may become ready once a path that could reach it ends."""
        model = (
            self.definition(scope).model
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
            self.w.follow_up(lambda: self._check_inclusive_joins(scope_key))
