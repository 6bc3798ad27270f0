"""Variable scopes as Camunda's "Variables" docs describe them: local variables, propagation
to the nearest scope that has the variable (else the process instance), input/output mappings.
"""

from __future__ import annotations

from typing import Any

from engine.core import record_values as values
from engine.core.element_lookup import node_of
from engine.core.expressions import evaluate
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import Mapping_
from engine.definitions.element_kind import ElementKind

_MISSING = object()


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Mapping targets may be paths ('a.b'), creating nested contexts as Zeebe does."""
    parts = path.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


class Variables:
    """Reads and writes the variables of element instances' scopes."""

    def __init__(self, writer: RecordWriter) -> None:
        self.w = writer
        self.s = writer.state

    def visible(self, scope_key: int) -> dict[str, Any]:
        """What an expression evaluated in this scope sees: its own and its ancestors' variables."""
        return self.s.visible_variables(scope_key)

    def set_local(self, scope_key: int, name: str, value: Any) -> None:
        scope = self.s.elements[scope_key]
        current = self.s.variables.get(scope_key, {}).get(name, _MISSING)
        if current is not _MISSING and current == value:
            return
        key = self.s.variable_keys.get((scope_key, name)) or self.w.new_key()
        self.w.event(
            ValueType.VARIABLE,
            Intent.CREATED if current is _MISSING else Intent.UPDATED,
            key,
            values.variable(scope, name, value),
        )

    def propagate(self, start_scope_key: int, variables: dict[str, Any]) -> None:
        """Camunda's propagation: update the nearest scope that has the variable, otherwise
        create it in the process instance (root) scope."""
        chain = self.s.scope_chain(start_scope_key)
        for name, value in variables.items():
            target = chain[-1]
            for scope_key in chain:
                if name in self.s.variables.get(scope_key, {}):
                    target = scope_key
                    break
            self.set_local(target, name, value)

    def merge_trigger_variables(self, instance: ElementInstance, variables: dict[str, Any]) -> None:
        """Variables from a job completion, message, error or child instance: kept local when the
        element has output mappings (those decide what leaves), otherwise propagated."""
        if not variables:
            return
        node = node_of(self.s, instance) if instance.element_type != ElementKind.PROCESS else None
        if (
            node is not None
            and node.outputs
            and instance.element_type != ElementKind.MULTI_INSTANCE_BODY
        ):
            for name, value in variables.items():
                self.set_local(instance.key, name, value)
        else:
            self.propagate(instance.key, variables)

    def evaluate_mappings(
        self, mappings: tuple[Mapping_, ...], context: dict[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        scratch = dict(context)
        for mapping in mappings:
            value = evaluate(mapping.source, scratch, self.w.now)
            _set_path(result, mapping.target, value)
            _set_path(scratch, mapping.target, value)
        return result
