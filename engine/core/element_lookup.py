"""Where an element instance's definition and flow node are found: the deployed process it runs
in, by the definition key it carries (which a migration changes)."""

from __future__ import annotations

from engine.core.state import ElementInstance, EngineState, ProcessDefinition
from engine.definitions.bpmn_model import FlowNode


def definition_of(state: EngineState, instance: ElementInstance) -> ProcessDefinition:
    return state.processes[instance.process_definition_key]


def node_of(state: EngineState, instance: ElementInstance) -> FlowNode:
    return definition_of(state, instance).model.node(instance.element_id)
