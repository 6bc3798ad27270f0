"""Incidents: an element that cannot go on (a failing expression, a job out of retries, an
uncaught error) gets one; resolving writes it off so the element can be retried."""

from __future__ import annotations

from engine.core import record_values as values
from engine.core.expressions import ExpressionFailure
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance
from engine.core.writer import RecordWriter


class Incidents:
    def __init__(self, writer: RecordWriter) -> None:
        self.w = writer
        self.s = writer.state

    def create(
        self, instance: ElementInstance, failure: ExpressionFailure, job_key: int = -1
    ) -> None:
        value = values.new_incident(instance, failure.error_type, str(failure), job_key)
        self.w.event(ValueType.INCIDENT, Intent.CREATED, self.w.new_key(), value)

    def resolve(self, incident_key: int) -> None:
        value = values.incident(self.s.incidents[incident_key])
        self.w.event(ValueType.INCIDENT, Intent.RESOLVED, incident_key, value)
