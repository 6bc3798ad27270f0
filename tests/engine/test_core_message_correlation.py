"""Message correlation as 8.8's `POST /v2/messages/correlation` does it: one engine command that
delivers the message now or is rejected, and answers with the process instance it reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api import NotFound
from engine.core.records import RecordType, ValueType
from engine.testing import EngineHarness

BPMN = Path(__file__).parent / "bpmn"


async def test_correlation_answers_with_the_waiting_instance() -> None:
    async with EngineHarness() as h:
        await h.deploy(BPMN / "messages.bpmn")
        first = await h.start("messages", {"orderId": "o-1"})
        await h.start("messages", {"orderId": "o-2"})
        await h.assert_instance(first).is_waiting_at("waitPaid")

        published, instance = await h.engine.correlate_message("paid", "o-1", {"amount": 3})

        assert instance == first
        assert published.key > 0
        await h.assert_instance(first).has_completed_elements("waitPaid")
        await h.assert_instance(first).has_variable("amount", 3)


async def test_correlation_answers_with_the_instance_a_message_start_event_started() -> None:
    async with EngineHarness() as h:
        await h.deploy(BPMN / "starts.bpmn")

        _, instance = await h.engine.correlate_message("applied", "case-1", {"n": 1})

        started = [i["processInstanceKey"] for i in h.engine.query.process_instances()]
        assert started == [instance]


async def test_correlation_with_nobody_waiting_is_rejected_and_writes_nothing() -> None:
    async with EngineHarness() as h:
        await h.deploy(BPMN / "messages.bpmn")
        await h.start("messages", {"orderId": "o-1"})
        before = len(h.engine.query.records())

        with pytest.raises(NotFound, match="'paid' and correlation key 'o-9'"):
            await h.engine.correlate_message("paid", "o-9", {})

        # Only the rejection is recorded (as Zeebe does); no message was published, so none is
        # buffered either for a later subscriber.
        after = h.engine.query.records()[before:]
        assert [(r.record_type, r.rejection_type) for r in after] == [
            (RecordType.COMMAND_REJECTION, "NOT_FOUND")
        ]
        assert [r.intent for r in h.engine.query.records(value_type=ValueType.MESSAGE)] == [
            "CORRELATE"
        ]
