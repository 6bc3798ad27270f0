"""Message publication (correlation, buffering with TTL, messageId uniqueness, message start
events) and signal broadcast."""

from __future__ import annotations

from typing import Any

from engine.access.rules import Action, Target
from engine.api import (
    AlreadyExists,
    InvalidArgument,
    MessagePublished,
    NotFound,
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
        self.authorize(Action.PUBLISH_MESSAGE, Target(message_name=name))
        variables = check_variables(variables)
        if not name:
            raise InvalidArgument("Expected a message name, but it was empty")
        published, _ = self._publish(
            name, correlation_key, max(ttl_ms, 0), message_id, variables, tenant_id
        )
        return published

    def correlate_message(
        self, name: str, correlation_key: str, variables: Any, tenant_id: str
    ) -> tuple[MessagePublished, int]:
        """8.8's message correlation: the message is delivered now, never buffered, and the
        answer names the first process instance it reached (a waiting subscription before a
        message start event). Rejected, with nothing written, when nothing waits for it."""
        self.authorize(Action.PUBLISH_MESSAGE, Target(message_name=name))
        variables = check_variables(variables)
        if not name:
            raise InvalidArgument("Expected a message name, but it was empty")
        if not self._waiting(name, correlation_key, tenant_id) and not (
            self.bpmn.message_starts.message_startable(name, correlation_key, tenant_id)
        ):
            raise NotFound(
                rejected(
                    "CORRELATE",
                    "NOT_FOUND",
                    f"Expected to find subscription for message with name '{name}' and "
                    f"correlation key '{correlation_key}', but none was found.",
                )
            )
        published, instances = self._publish(name, correlation_key, 0, "", variables, tenant_id)
        return published, instances[0]

    def _waiting(self, name: str, correlation_key: str, tenant_id: str) -> list[Any]:
        """Open subscriptions of active elements for this message, oldest first."""
        return [
            sub
            for sub in sorted(self.s.subscriptions.values(), key=lambda s: s.key)
            if sub.message_name == name
            and sub.correlation_key == correlation_key
            and sub.tenant_id == tenant_id
            and (instance := self.s.elements.get(sub.element_instance_key)) is not None
            and instance.state == Intent.ELEMENT_ACTIVATED
        ]

    def _publish(
        self,
        name: str,
        correlation_key: str,
        ttl: int,
        message_id: str,
        variables: Any,
        tenant_id: str,
    ) -> tuple[MessagePublished, list[int]]:
        """Publishes and correlates; returns the message and the instances it reached."""
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
        reached: list[int] = []
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
            reached.append(sub.process_instance_key)
            self.bpmn.events.correlate(sub, key, dict(variables))
            self.w.run_follow_ups()
        reached += self.bpmn.message_starts.start_by_message(
            key, name, correlation_key, variables, tenant_id
        )
        return MessagePublished(key, tenant_id), reached

    def broadcast_signal(self, name: str, variables: Any, tenant_id: str) -> SignalBroadcast:
        self.authorize(Action.BROADCAST_SIGNAL)
        variables = check_variables(variables)
        if not name:
            raise InvalidArgument("Expected a signal name, but it was empty")
        key = self.bpmn.events.broadcast_signal(name, variables, tenant_id)
        return SignalBroadcast(key, tenant_id)
