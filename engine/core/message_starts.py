"""Message start events: which published or buffered message starts an instance of which process.

Zeebe's rules (docs "Message events" > "Message start events", e.g.
https://docs.camunda.io/docs/8.2/components/modeler/bpmn/message-events/ and the "Messages"
concept page, section "Message cardinality"):

- only the latest version of a process can be started by a message;
- a message starts at most one instance per process (by bpmnProcessId), across versions;
- while an instance started by a message with correlation key K is active, further messages
  with K are not correlated to that process (they stay buffered if their TTL allows); when the
  instance ends, the first such buffered message starts a new instance of the latest version;
- "Messages are not correlated if they were published before the process was deployed": a
  deployment does NOT pick up messages that are already buffered (camunda/camunda#3392 asked for
  that and was closed without it), so neither does this engine.
"""

from __future__ import annotations

from typing import Any

from engine.core.element_steps import ElementSteps
from engine.core.records import Intent, ValueType
from engine.core.state import Message, ProcessDefinition
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import FlowNode


class MessageStarts:
    def __init__(self, writer: RecordWriter, steps: ElementSteps) -> None:
        self.w = writer
        self.s = writer.state
        self.steps = steps

    def start_by_message(
        self,
        message_key: int,
        name: str,
        correlation_key: str,
        variables: dict[str, Any],
        tenant_id: str,
    ) -> list[int]:
        """A just published message starts the processes whose latest version listens for it;
        returns the keys of the instances started."""
        started = []
        for definition, start in self.message_startable(name, correlation_key, tenant_id):
            started.append(
                self._start(definition, start, message_key, name, correlation_key, variables)
            )
        return started

    def message_startable(
        self, name: str, correlation_key: str, tenant_id: str
    ) -> list[tuple[ProcessDefinition, FlowNode]]:
        """The latest process versions a message would start now, with their start events."""
        found = []
        for (tenant, process_id), versions in sorted(self.s.process_versions.items()):
            if tenant != tenant_id or self._blocked(tenant, process_id, correlation_key):
                continue
            definition = self.s.processes[versions[-1]]
            start = self._message_start(definition, name)
            if start is not None:
                found.append((definition, start))
        return found

    def start_buffered_after(self, tenant_id: str, process_id: str, correlation_key: str) -> None:
        """An instance started by a message with this correlation key ended: the oldest buffered
        message with that key which the latest version listens for starts the next one."""
        if self._blocked(tenant_id, process_id, correlation_key):
            return
        definition = self.s.latest_process(process_id, tenant_id)
        if definition is None:
            return
        for message in sorted(self.s.messages.values(), key=lambda m: m.key):
            if not self._startable(message, tenant_id, process_id, correlation_key):
                continue
            start = self._message_start(definition, message.name)
            if start is not None:
                self._start(
                    definition,
                    start,
                    message.key,
                    message.name,
                    correlation_key,
                    dict(message.variables),
                )
                return

    def _startable(
        self, message: Message, tenant_id: str, process_id: str, correlation_key: str
    ) -> bool:
        return (
            message.tenant_id == tenant_id
            and message.correlation_key == correlation_key
            and message.deadline > self.w.now
            and process_id not in message.correlated_processes
        )

    def _blocked(self, tenant_id: str, process_id: str, correlation_key: str) -> bool:
        return bool(correlation_key) and (
            (tenant_id, process_id, correlation_key) in self.s.message_started
        )

    @staticmethod
    def _message_start(definition: ProcessDefinition, name: str) -> FlowNode | None:
        for start in definition.model.start_events("MESSAGE"):
            if start.message is not None and start.message.name == name:
                return start
        return None

    def _start(
        self,
        definition: ProcessDefinition,
        start: FlowNode,
        message_key: int,
        name: str,
        correlation_key: str,
        variables: dict[str, Any],
    ) -> int:
        # Written before the instance (as Zeebe does), so the instance is known as started by
        # this correlation key even if it runs to its end within this batch.
        record_key = self.w.new_key()
        instance_key = self.w.peek_key()
        self.w.event(
            ValueType.MESSAGE_START_EVENT_SUBSCRIPTION,
            Intent.CORRELATED,
            record_key,
            {
                "processDefinitionKey": definition.key,
                "bpmnProcessId": definition.bpmn_process_id,
                "startEventId": start.id,
                "messageName": name,
                "messageKey": message_key,
                "correlationKey": correlation_key,
                "processInstanceKey": instance_key,
                "variables": variables,
                "tenantId": definition.tenant_id,
            },
        )
        created = self.steps.create_process_instance(definition, dict(variables), (start.id,))
        assert created == instance_key
        self.w.run_follow_ups()
        return instance_key
