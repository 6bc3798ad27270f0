"""The lifecycle steps of element instances, as the collaborators of the BPMN core call them.

A collaborator (event triggers, flow, multi-instance, tasks, message starts) that must start,
complete or end an element asks for it through this protocol; `engine.core.lifecycle` does it.
The collaborators are wired once by `engine.core.bpmn.Bpmn`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from engine.core.state import ElementInstance, ProcessDefinition


class ElementSteps(Protocol):
    def create_process_instance(
        self,
        definition: ProcessDefinition,
        variables: dict[str, Any],
        start_element_ids: tuple[str, ...] = (),
        parent: ElementInstance | None = None,
    ) -> int: ...

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
    ) -> int: ...

    def continue_activation(self, key: int) -> None: ...

    def complete(self, key: int, flows: tuple[str, ...] | None = None) -> None: ...

    def complete_with(self, key: int, variables: dict[str, Any]) -> None: ...

    def terminate(self, key: int) -> None: ...
