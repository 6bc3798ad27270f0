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
        # At most one subscription per process (bpmnProcessId) takes the message; subscriptions of
        # different processes each take it ("Message cardinality" in Camunda's Messages concepts).
        correlated: set[str] = set()
        for sub in sorted(self.s.subscriptions.values(), key=lambda s: s.key):
            if (
                sub.message_name != name
                or sub.correlation_key != correlation_key
                or sub.tenant_id != tenant_id
                or sub.bpmn_process_id in correlated
                or sub.key not in self.s.subscriptions
            ):
                continue
            instance = self.s.elements.get(sub.element_instance_key)
            if instance is None or instance.state != Intent.ELEMENT_ACTIVATED:
                continue
            correlated.add(sub.bpmn_process_id)
            self.bpmn.correlate(sub, key, dict(variables))
            self.w.run_follow_ups()
        self.bpmn.start_by_message(key, name, correlation_key, variables, tenant_id)
        return MessagePublished(key, tenant_id)

    def broadcast_signal(self, name: str, variables: Any, tenant_id: str) -> SignalBroadcast:
        variables = check_variables(variables)
        if not name:
            raise InvalidArgument("Expected a signal name, but it was empty")
        key = self.bpmn.broadcast_signal(name, variables, tenant_id)
        return SignalBroadcast(key, tenant_id)
