"""Time-driven work: clock changes, and the timers, job timeouts, retry backoffs and message
expiries that fall due on the engine clock."""

from __future__ import annotations

import heapq

from engine.access.rules import Action
from engine.api import InvalidArgument
from engine.core import record_values as values
from engine.core.command_base import CommandBase
from engine.core.element_lookup import definition_of
from engine.core.records import Intent, ValueType
from engine.definitions.element_kind import JobState
from engine.definitions.timer_expressions import LATEST_INSTANT_MS, TimerError, next_repetition


class Scheduling(CommandBase):
    def pin_clock(self, epoch_ms: int) -> None:
        self.authorize(Action.MOVE_CLOCK)
        if not 0 <= epoch_ms <= LATEST_INSTANT_MS:
            raise InvalidArgument(
                f"The value for timestamp is '{epoch_ms}' but must be an instant from "
                f"1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (epoch milliseconds 0 to "
                f"{LATEST_INSTANT_MS})."
            )
        self.w.event(ValueType.CLOCK, Intent.PINNED, self.w.new_key(), {"time": int(epoch_ms)})

    def reset_clock(self) -> None:
        self.authorize(Action.MOVE_CLOCK)
        self.w.event(ValueType.CLOCK, Intent.RESETTED, self.w.new_key(), {"time": self.w.now})

    def next_due(self) -> int | None:
        """The earliest instant at which something time-based must happen."""
        entry = self.s.next_due()
        return entry[0] if entry else None

    def fire_due(self) -> None:
        now = self.w.now
        while (entry := self.s.next_due()) is not None and entry[0] <= now:
            heapq.heappop(self.s.due)
            _, key, kind = entry
            if kind == "timer":
                self._trigger_timer(key)
                self.w.run_follow_ups()
            elif kind == "message":
                message = self.s.messages[key]
                self.w.event(
                    ValueType.MESSAGE,
                    Intent.EXPIRED,
                    key,
                    {
                        "name": message.name,
                        "correlationKey": message.correlation_key,
                        "messageId": message.message_id,
                        "timeToLive": 0,
                        "deadline": message.deadline,
                        "variables": {},
                        "tenantId": message.tenant_id,
                    },
                )
            else:
                job = self.s.jobs[key]
                intent = (
                    Intent.TIMED_OUT
                    if job.state == JobState.ACTIVATED
                    else Intent.RECURRED_AFTER_BACKOFF
                )
                self.w.event(ValueType.JOB, intent, key, values.job(job))

    def _trigger_timer(self, timer_key: int) -> None:
        timer = self.s.timers[timer_key]
        instance = self.s.elements.get(timer.element_instance_key)
        self.w.event(ValueType.TIMER, Intent.TRIGGERED, timer_key, values.timer(timer))
        repeat = timer.repetitions != 1 and bool(timer.interval)
        due = 0
        if repeat:
            try:
                due = next_repetition(timer.interval, self.w.now)
            except TimerError:
                # the next firing lies past the last nameable date: this one was the last
                repeat = False
        remaining = timer.repetitions - 1 if timer.repetitions > 0 else -1
        if timer.element_instance_key <= 0:  # a timer start event
            definition = self.s.processes[timer.process_definition_key]
            if repeat:
                self.bpmn.events.create_start_timer(
                    definition, timer.target_element_id, due, remaining, timer.interval
                )
            self.bpmn.create_process_instance(definition, {}, (timer.target_element_id,))
            return
        if instance is None or instance.state != Intent.ELEMENT_ACTIVATED:
            return
        model = definition_of(self.s, instance).model
        event = model.node(timer.target_element_id)
        if event.kind in ("BOUNDARY_EVENT", "START_EVENT") and not event.cancel_activity and repeat:
            self.bpmn.events.create_timer(instance, event.id, due, remaining, timer.interval)
        self.bpmn.events.trigger_catch(instance, event.id, {})
