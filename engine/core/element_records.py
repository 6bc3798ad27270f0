"""The lifecycle record of an element instance (ELEMENT_ACTIVATING ... ELEMENT_TERMINATED)."""

from __future__ import annotations

from engine.core import record_values as values
from engine.core.element_lookup import node_of
from engine.core.records import ValueType
from engine.core.state import ElementInstance
from engine.core.writer import RecordWriter
from engine.definitions.element_kind import ElementKind

# kinds that are no node of the model, so have no event type of their own
_WITHOUT_NODE = (ElementKind.PROCESS, ElementKind.MULTI_INSTANCE_BODY)


def element_value(writer: RecordWriter, instance: ElementInstance) -> dict[str, object]:
    event_type = values.NO_EVENT_TYPE
    if instance.element_type not in _WITHOUT_NODE:
        event_type = node_of(writer.state, instance).event_type
    return values.element_instance(instance, event_type)


def write_lifecycle(writer: RecordWriter, instance: ElementInstance, intent: str) -> None:
    writer.event(ValueType.PROCESS_INSTANCE, intent, instance.key, element_value(writer, instance))
