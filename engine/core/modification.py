"""Process instance modification, as Zeebe 8.8 defines it (docs.camunda.io, Concepts > "Process
instance modification"; gateway `ModifyProcessInstance`): activate elements (with variables,
optionally below a chosen ancestor scope instance) and terminate element instances, to repair a
case that is stuck or took an unintended path.

Every instruction is validated against the state before anything is written, so a refused
modification leaves the instance as it was (all or nothing). Then all activations are applied,
then all terminations; a scope left without active instances by a termination is terminated too,
up to the process instance itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.access.rules import Action
from engine.api import ActivateInstruction, InvalidArgument, NotFound
from engine.core import record_values as values
from engine.core.command_base import CommandBase, check_variables, rejected
from engine.core.element_records import write_lifecycle
from engine.core.expressions import ExpressionFailure
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance, ProcessDefinition
from engine.definitions.bpmn_model import FlowNode, ProcessModel
from engine.definitions.element_kind import ElementKind

_UNSUPPORTED_KINDS = (ElementKind.START_EVENT, ElementKind.BOUNDARY_EVENT)


def _invalid(message: str) -> InvalidArgument:
    return InvalidArgument(rejected("MODIFY", "INVALID_ARGUMENT", message))


@dataclass(frozen=True)
class _Activation:
    instruction: ActivateInstruction
    scope_ids: tuple[str, ...]  # flow scopes from the process down to the element's own scope
    variables: tuple[tuple[str, dict[str, Any]], ...]  # (scope id, variables); "" = global


class ModificationCommands(CommandBase):
    def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Sequence[ActivateInstruction],
        terminate: Sequence[int],
    ) -> None:
        self.authorize(Action.MODIFY_PROCESS_INSTANCE)
        root = self.s.elements.get(process_instance_key)
        if root is None or root.element_type != ElementKind.PROCESS or not root.is_active:
            raise NotFound(
                rejected(
                    "MODIFY",
                    "NOT_FOUND",
                    "Expected to modify process instance but no process instance found with key "
                    f"'{process_instance_key}'",
                )
            )
        definition = self.s.processes[root.process_definition_key]
        activations = self._validate_activations(root, definition, activate)
        self._validate_terminations(root, terminate, bool(activations))
        for activation in activations:
            self._activate(root, definition, activation)
        for key in terminate:
            self._terminate(key)
        self.w.event(
            ValueType.PROCESS_INSTANCE_MODIFICATION,
            Intent.MODIFIED,
            process_instance_key,
            {
                "processInstanceKey": process_instance_key,
                "activateInstructions": [
                    {
                        "elementId": a.instruction.element_id,
                        "ancestorScopeKey": a.instruction.ancestor_element_instance_key,
                        "variableInstructions": [
                            {"elementId": scope_id, "variables": variables}
                            for scope_id, variables in a.variables
                        ],
                    }
                    for a in activations
                ],
                "terminateInstructions": [{"elementInstanceKey": key} for key in terminate],
                "tenantId": root.tenant_id,
            },
        )

    # -- validation ------------------------------------------------------------------------------
    def _validate_activations(
        self,
        root: ElementInstance,
        definition: ProcessDefinition,
        instructions: Sequence[ActivateInstruction],
    ) -> list[_Activation]:
        model = definition.model
        process_id = definition.bpmn_process_id
        missing = [i.element_id for i in instructions if i.element_id not in model.nodes]
        if missing:
            flows = [element_id for element_id in missing if element_id in model.flows]
            if flows and len(flows) == len(missing):
                raise _invalid(
                    f"Expected to modify instance of process '{process_id}' but it contains one "
                    f"or more activate instructions for elements that are unsupported: "
                    f"{_quoted(flows)}. The activation of elements with type "
                    "'SEQUENCE_FLOW' is not supported."
                )
            raise _invalid(
                f"Expected to modify instance of process '{process_id}' but it contains one or "
                f"more activate instructions with an element that could not be found: "
                f"{_quoted(missing)}"
            )
        nodes = [model.node(i.element_id) for i in instructions]
        unsupported = [n for n in nodes if n.kind in _UNSUPPORTED_KINDS]
        if unsupported:
            kinds = sorted({n.kind for n in unsupported})
            raise _invalid(
                f"Expected to modify instance of process '{process_id}' but it contains one or "
                f"more activate instructions for elements that are unsupported: "
                f"{_quoted(n.id for n in unsupported)}. The activation of elements with "
                f"type {_quoted(kinds)} is not supported."
            )
        after_gateway = [n for n in nodes if _follows_event_based_gateway(model, n)]
        if after_gateway:
            raise _invalid(
                f"Expected to modify instance of process '{process_id}' but it contains one or "
                f"more activate instructions for elements that are unsupported: "
                f"{_quoted(n.id for n in after_gateway)}. The activation of events "
                "belonging to an event-based gateway is not supported."
            )
        plans: list[_Activation] = []
        for instruction, node in zip(instructions, nodes, strict=True):
            scope_ids = _scope_ids(model, node)
            for scope_id in scope_ids[1:]:
                if model.node(scope_id).multi_instance is not None:
                    raise _invalid(
                        f"Expected to modify instance of process '{process_id}' but it contains "
                        "one or more activate instructions that would result in the activation "
                        f"of multi-instance element '{scope_id}', which is currently "
                        "unsupported."
                    )
            self._check_ancestor(root, process_id, instruction, scope_ids)
            variables = self._check_variables(model, process_id, instruction, node, scope_ids)
            plans.append(_Activation(instruction, scope_ids, variables))
        return plans

    def _check_ancestor(
        self,
        root: ElementInstance,
        process_id: str,
        instruction: ActivateInstruction,
        scope_ids: tuple[str, ...],
    ) -> None:
        ancestor_key = instruction.ancestor_element_instance_key
        if ancestor_key > 0:
            ancestor = self.s.elements.get(ancestor_key)
            if ancestor is None or not ancestor.is_active:
                raise _invalid(
                    f"Expected to modify instance of process '{process_id}' but it contains one "
                    "or more activate instructions with an ancestor scope key that does not "
                    f"exist, or is not in an active state: '{ancestor_key}'"
                )
            if ancestor.process_instance_key != root.key:
                raise _invalid(
                    f"Expected to modify instance of process '{process_id}' but it contains one "
                    "or more activate instructions with an ancestor scope key that does not "
                    f"belong to the modified process instance: '{ancestor_key}'"
                )
            if ancestor.element_id not in scope_ids:
                raise _invalid(
                    f"Expected to modify instance of process '{process_id}' but it contains one "
                    "or more activate instructions with an ancestor scope key that is not an "
                    f"ancestor of the element to activate: '{ancestor_key}'"
                )
            return
        parent = root
        for scope_id in scope_ids[1:]:
            found = self._scope_instances(parent, scope_id)
            if len(found) > 1:
                raise _invalid(
                    f"Expected to modify instance of process '{process_id}' but it contains one "
                    "or more activate instructions for an element that has a flow scope with "
                    f"more than one active instance: '{scope_id}'. Can't decide in which "
                    "instance of the flow scope the element should be activated. Please "
                    "specify an ancestor element instance key for this activate instruction."
                )
            if not found:
                return
            parent = found[0]

    def _check_variables(
        self,
        model: ProcessModel,
        process_id: str,
        instruction: ActivateInstruction,
        node: FlowNode,
        scope_ids: tuple[str, ...],
    ) -> tuple[tuple[str, dict[str, Any]], ...]:
        checked: list[tuple[str, dict[str, Any]]] = []
        for variable_instruction in instruction.variable_instructions:
            scope_id = variable_instruction.scope_id
            if scope_id and scope_id != process_id and scope_id not in model.nodes:
                raise _invalid(
                    f"Expected to modify instance of process '{process_id}' but it contains one "
                    "or more variable instructions with a scope element id that could not be "
                    f"found: '{scope_id}'"
                )
            if scope_id and scope_id != node.id and scope_id not in scope_ids:
                raise _invalid(
                    f"Expected to modify instance of process '{process_id}' but it contains one "
                    "or more variable instructions with a scope element that doesn't belong to "
                    "the activating element's flow scope. These variables should be set before "
                    "or after the modification."
                )
            variables = check_variables(variable_instruction.variables)
            checked.append(("" if scope_id == process_id else scope_id, variables))
        return tuple(checked)

    def _validate_terminations(
        self, root: ElementInstance, keys: Sequence[int], activating: bool
    ) -> None:
        process_id = root.bpmn_process_id
        missing = [
            key
            for key in keys
            if (instance := self.s.elements.get(key)) is None
            or not instance.is_active
            or instance.process_instance_key != root.key
        ]
        if missing:
            raise _invalid(
                f"Expected to modify instance of process '{process_id}' but it contains one or "
                "more terminate instructions with an element instance that could not be found: "
                f"{_quoted(str(k) for k in missing)}"
            )
        called = root.parent_process_instance_key > 0
        if called and not activating and self._would_end(root, set(keys)):
            raise _invalid(
                f"Expected to modify instance of process '{process_id}' but the given "
                "instructions would terminate the instance. The instance was created by a "
                "call activity in the parent process. To terminate this instance please "
                "modify the parent process instead."
            )

    def _would_end(self, instance: ElementInstance, terminated: set[int]) -> bool:
        if instance.key in terminated:
            return True
        if not instance.children or sum(instance.waiting_flows.values()) > 0:
            return False
        return all(
            self._would_end(self.s.elements[child], terminated) for child in instance.children
        )

    def _scope_instances(self, parent: ElementInstance, scope_id: str) -> list[ElementInstance]:
        """Active instances of a flow scope element anywhere below `parent` in this instance."""
        found: list[ElementInstance] = []
        pending = sorted(parent.children)
        while pending:
            child = self.s.elements.get(pending.pop(0))
            if child is None or not child.is_active:
                continue
            if (
                child.element_id == scope_id
                and child.element_type != ElementKind.MULTI_INSTANCE_BODY
            ):
                found.append(child)
            else:
                pending.extend(sorted(child.children))
        return found

    # -- applying --------------------------------------------------------------------------------
    def _activate(
        self, root: ElementInstance, definition: ProcessDefinition, plan: _Activation
    ) -> None:
        instruction = plan.instruction
        scope_key = root.key
        remaining = list(plan.scope_ids[1:])
        ancestor_key = instruction.ancestor_element_instance_key
        if ancestor_key > 0:
            ancestor = self.s.elements[ancestor_key]
            scope_key = ancestor.key
            # the flow scopes below the chosen ancestor get new instances (the process
            # instance itself is no entry of `remaining`)
            if ancestor.element_id in remaining:
                del remaining[: remaining.index(ancestor.element_id) + 1]
        else:
            while remaining:
                found = self._scope_instances(self.s.elements[scope_key], remaining[0])
                if not found:
                    break
                scope_key = found[0].key
                remaining.pop(0)
        self._set_variables(root, plan, "", root.key)
        for scope_id in plan.scope_ids[1:]:
            instance = self._existing_scope(scope_key, scope_id)
            if instance is not None:
                self._set_variables(root, plan, scope_id, instance.key)
        for scope_id in remaining:
            scope_key = self._enter_scope(definition, scope_id, scope_key, root, plan)
        element_id = instruction.element_id
        self.bpmn.activate(
            definition,
            element_id,
            scope_key,
            before=lambda key: self._set_variables(root, plan, element_id, key),
        )

    def _existing_scope(self, scope_key: int, scope_id: str) -> ElementInstance | None:
        for key in self.s.scope_chain(scope_key):
            instance = self.s.elements[key]
            if instance.element_id == scope_id:
                return instance
        return None

    def _set_variables(
        self, root: ElementInstance, plan: _Activation, scope_id: str, scope_key: int
    ) -> None:
        for target, variables in plan.variables:
            if target == scope_id:
                for name, value in variables.items():
                    self.bpmn.variables.set_local(scope_key if scope_id else root.key, name, value)

    def _enter_scope(
        self,
        definition: ProcessDefinition,
        scope_id: str,
        parent_key: int,
        root: ElementInstance,
        plan: _Activation,
    ) -> int:
        """A flow scope created for an activation: Zeebe opens its event subscriptions but
        neither applies its input mappings nor enters its start event."""
        node = definition.model.node(scope_id)
        key = self.w.new_key()
        self.w.event(
            ValueType.PROCESS_INSTANCE,
            Intent.ELEMENT_ACTIVATING,
            key,
            values.element_in_definition(
                definition,
                process_instance_key=root.key,
                element_id=scope_id,
                flow_scope_key=parent_key,
                element_type=node.kind,
                event_type=node.event_type,
            ),
        )
        self._set_variables(root, plan, scope_id, key)
        instance = self.s.elements[key]
        try:
            context = self.bpmn.variables.visible(key)
            events = []
            if node.kind == ElementKind.SUB_PROCESS:
                events = self.bpmn.events.prepare_boundary_events(instance, node, context)
                events += self.bpmn.events.prepare_catch_event(instance, node, context)
        except ExpressionFailure as failure:
            self.bpmn.incidents.create(instance, failure)
            events = []
        for open_event in events:
            open_event()
        write_lifecycle(self.w, instance, Intent.ELEMENT_ACTIVATED)
        return key

    def _terminate(self, key: int) -> None:
        instance = self.s.elements.get(key)
        if instance is None or not instance.is_active:
            return  # already ended with a scope terminated by an earlier instruction
        scope_key = instance.flow_scope_key
        self.bpmn.terminate(key)
        scope = self.s.elements.get(scope_key)
        while (
            scope is not None
            and scope.is_active
            and not scope.children
            and sum(scope.waiting_flows.values()) == 0
        ):
            # a scope left without active instances is terminated, up to the process instance
            parent_key = scope.flow_scope_key
            self.bpmn.terminate(scope.key)
            scope = self.s.elements.get(parent_key)


def _scope_ids(model: ProcessModel, node: FlowNode) -> tuple[str, ...]:
    chain: list[str] = []
    scope_id = node.scope_id
    while scope_id and scope_id != model.id:
        chain.append(scope_id)
        scope_id = model.node(scope_id).scope_id
    return (model.id, *reversed(chain))


def _follows_event_based_gateway(model: ProcessModel, node: FlowNode) -> bool:
    return any(
        model.node(model.flows[flow_id].source).kind == ElementKind.EVENT_BASED_GATEWAY
        for flow_id in node.incoming
        if flow_id in model.flows and model.flows[flow_id].source in model.nodes
    )


def _quoted(items: Iterable[str]) -> str:
    return "'" + "', '".join(items) + "'"
