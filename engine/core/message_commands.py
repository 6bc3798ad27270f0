"""Message publication (correlation, buffering with TTL, messageId uniqueness, message start
events) and signal broadcast."""

from __future__ import annotations

from typing import Any

from engine.api import (
    AlreadyExists,
    InvalidArgument,
    MessagePublished,
    SignalBroadcast,
)
from engine.core.command_base import CommandBase, check_variables, rejected
from engine.core.records import Intent, ValueType


class MessageCommands(CommandBase):
    def publish_message(
        self,
        name: str,
        correlation_key: str,
        ttl_ms: int,
        message_id: str,
        variables: Any,
        tenant_id: str,
    ) -> MessagePublished:
        variables = check_variables(variables)
        if not name:
            raise InvalidArgument("Expected a message name, but it was empty")
        ttl = max(ttl_ms, 0)
        if message_id and (tenant_id, name, correlation_key, message_id) in self.s.message_ids:
            raise AlreadyExists(
                rejected(
                    "PUBLISH",
                    "ALREADY_EXISTS",
                    f"Expected to publish a new message with id '{message_id}', but a "
                    "message with that id was already published",
                )
            )
        key = self.w.new_key()
        self.w.event(
            ValueType.MESSAGE,
            Intent.PUBLISHED,
            key,
            {
                "name": name,
                "correlationKey": correlation_key,
                "messageId": message_id,
                "timeToLive": ttl,
                "deadline": self.w.now + ttl,
                "variables": variables,
                "tenantId": tenant_id,
            },
        )
        correlated: set[int] = set()
        for sub in sorted(self.s.subscriptions.values(), key=lambda s: s.key):
            if (
                sub.message_name != name
                or sub.correlation_key != correlation_key
                or sub.tenant_id != tenant_id
                or sub.process_instance_key in correlated
                or sub.key not in self.s.subscriptions
            ):
                continue
            instance = self.s.elements.get(sub.element_instance_key)
            if instance is None or instance.state != Intent.ELEMENT_ACTIVATED:
                continue
            correlated.add(sub.process_instance_key)
            self.bpmn.correlate(sub, key, dict(variables))
            self.w.run_follow_ups()
        self._start_by_message(key, name, correlation_key, variables, tenant_id)
        return MessagePublished(key, tenant_id)

    def _start_by_message(
        self,
        message_key: int,
        name: str,
        correlation_key: str,
        variables: dict[str, Any],
        tenant_id: str,
    ) -> None:
        """Message start events of the latest process versions. Like Zeebe, a correlation key
        starts at most one instance of a process at a time."""
        for (tenant, process_id), versions in sorted(self.s.process_versions.items()):
            if tenant != tenant_id:
                continue
            definition = self.s.processes[versions[-1]]
            for start in definition.model.start_events("MESSAGE"):
                if start.message is None or start.message.name != name:
                    continue
                if correlation_key and (tenant, process_id, correlation_key) in (
                    self.s.message_started
                ):
                    continue
                instance_key = self.bpmn.create_process_instance(
                    definition, dict(variables), (start.id,)
                )
                self.w.event(
                    ValueType.MESSAGE_START_EVENT_SUBSCRIPTION,
                    Intent.CORRELATED,
                    self.w.new_key(),
                    {
                        "processDefinitionKey": definition.key,
                        "bpmnProcessId": process_id,
                        "startEventId": start.id,
                        "messageName": name,
                        "messageKey": message_key,
                        "correlationKey": correlation_key,
                        "processInstanceKey": instance_key,
                        "variables": variables,
                        "tenantId": tenant,
                    },
                )
                self.w.run_follow_ups()
                break

    def broadcast_signal(self, name: str, variables: Any, tenant_id: str) -> SignalBroadcast:
        variables = check_variables(variables)
        if not name:
            raise InvalidArgument("Expected a signal name, but it was empty")
        key = self.bpmn.broadcast_signal(name, variables, tenant_id)
        return SignalBroadcast(key, tenant_id)
